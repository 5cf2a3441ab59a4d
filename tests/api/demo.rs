//! The demo's three authorities: listed for anyone, each consultation in its own, and a
//! staff token of one sees nothing of another's.

use std::collections::{BTreeSet, HashMap};

use beteiligung::base::Role;
use beteiligung::demo::{
    CONSULTATION_ID, DRESDEN_CONSULTATION_SLUG, Loaded, METTMANN_CONSULTATION_SLUG, OPEN_ROUND_ID,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::Berlin;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

const SACHSEN_ANHALT_SLUG: &str = "integrationskonzept-sachsen-anhalt";

async fn load_demo(app: &TestApp) -> Loaded {
    beteiligung::demo::load(&mut owner(app).await)
        .await
        .unwrap()
}

/// A connection as the tables' owner, as `serve --demo` and the periodic jobs have.
async fn owner(app: &TestApp) -> diesel_async::AsyncPgConnection {
    use diesel_async::AsyncConnection;
    diesel_async::AsyncPgConnection::establish(&app.database_url())
        .await
        .unwrap()
}

/// The authorities listed at `/api/v1/authorities`, by slug.
async fn authorities(app: &TestApp) -> HashMap<String, Value> {
    let page = app.get_json("/api/v1/authorities?limit=200", None).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["slug"].as_str().unwrap().to_string(), a.clone()))
        .collect()
}

#[tokio::test]
async fn the_demo_has_three_authorities_each_seeing_only_its_own() {
    let app = spawn_app().await;
    load_demo(&app).await;
    // A restart of the demo adds nothing twice.
    load_demo(&app).await;

    let listed = authorities(&app).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    let expected = [
        (
            "ms-sachsen-anhalt",
            "Ministerium für Arbeit, Soziales und Integration Sachsen-Anhalt",
            "ministry",
        ),
        (
            "sms-sachsen",
            "Sächsisches Staatsministerium für Soziales",
            "ministry",
        ),
        ("kreis-mettmann", "Kreis Mettmann", "district"),
    ];
    for (slug, name, kind) in expected {
        let authority = &listed[slug];
        assert_eq!(authority["name"], name);
        assert_eq!(authority["kind"], kind);
        assert!(authority["contact_email"].as_str().unwrap().contains('@'));
        assert!(!authority["privacy_contact"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        beteiligung::demo::AUTHORITIES
            .iter()
            .map(|a| a.slug)
            .collect::<Vec<_>>(),
        expected.map(|(slug, _, _)| slug),
        "the tokens `serve --demo` prints name these authorities"
    );

    // Anyone sees the published consultations of every authority, each in its own.
    for (slug, authority) in [
        (SACHSEN_ANHALT_SLUG, "ms-sachsen-anhalt"),
        (DRESDEN_CONSULTATION_SLUG, "sms-sachsen"),
        (METTMANN_CONSULTATION_SLUG, "kreis-mettmann"),
    ] {
        let consultation = app
            .get_json(&format!("/api/v1/consultations/{slug}"), None)
            .await;
        assert_eq!(consultation["slug"], slug);
        assert_eq!(consultation["authority_id"], listed[authority]["id"]);
    }
    let dresden = app
        .get_json(
            &format!("/api/v1/consultations/{DRESDEN_CONSULTATION_SLUG}/rounds"),
            None,
        )
        .await;
    assert_eq!(dresden["items"][0]["venue"]["city"], "Dresden");
    assert_eq!(dresden["items"][0]["seats"]["attended"], 131);

    // A moderator of the Kreis Mettmann sees its own consultation, none of another's.
    let mettmann = app.staff_of(Role::Moderator, "kreis-mettmann");
    let own = app
        .get(
            &format!("/api/v1/consultations/{METTMANN_CONSULTATION_SLUG}"),
            Some(&mettmann),
        )
        .await;
    assert_eq!(own.status(), 200);
    for other in [SACHSEN_ANHALT_SLUG, DRESDEN_CONSULTATION_SLUG] {
        let response = app
            .get(&format!("/api/v1/consultations/{other}"), Some(&mettmann))
            .await;
        assert_problem(response, 404, "not_found").await;
    }
    let ministry = app.staff_of(Role::AuthorityAdmin, "ms-sachsen-anhalt");
    let seen = app
        .get_json("/api/v1/consultations?limit=200", Some(&ministry))
        .await;
    let slugs: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, [SACHSEN_ANHALT_SLUG]);
}

/// A deployment whose first authority was named (DEFAULT_AUTHORITY_NAME) keeps it: the
/// demo's ministry comes as an authority of its own.
#[tokio::test]
async fn the_demo_keeps_a_first_authority_that_was_named() {
    let app = spawn_app().await;
    app.db()
        .await
        .batch_execute("UPDATE authorities SET name = 'Landratsamt Beispielkreis'")
        .await
        .unwrap();
    load_demo(&app).await;
    load_demo(&app).await;

    let listed = authorities(&app).await;
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(
        listed["standardbehoerde"]["name"],
        "Landratsamt Beispielkreis"
    );
    let consultation = app
        .get_json(
            &format!("/api/v1/consultations/{SACHSEN_ANHALT_SLUG}"),
            None,
        )
        .await;
    assert_eq!(
        consultation["authority_id"],
        listed["ms-sachsen-anhalt"]["id"]
    );
}

/// Every item of a list at `path` (which has a query already), page by page.
async fn all(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get_json(&format!("{path}limit=200{cursor}"), Some(token))
            .await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

/// The day in Sachsen-Anhalt of an instant the API sent.
fn day_of(instant: &Value) -> NaiveDate {
    DateTime::parse_from_rfc3339(instant.as_str().unwrap())
        .unwrap()
        .with_timezone(&Berlin)
        .date_naive()
}

/// Whether `day` is a working day in Sachsen-Anhalt, computed here on its own.
fn is_working_day(day: NaiveDate) -> bool {
    let easter = computus::gregorian_naive(day.year()).unwrap();
    let after_easter = (day - easter).num_days();
    let fixed = [
        (1, 1),
        (1, 6),
        (5, 1),
        (10, 3),
        (10, 31),
        (12, 25),
        (12, 26),
    ];
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        && !fixed.contains(&(day.month(), day.day()))
        && ![-2, 1, 39, 50].contains(&after_easter)
}

/// A newcomer to the demo finds a living process: people with names (none anonymised by the
/// retention that runs at start), the open workshop on a working day, submissions recorded
/// at their conferences and answered, a report whose coverage tells categories apart, and a
/// please-confirm mail whose link works.
#[tokio::test]
async fn the_demo_shows_a_living_process() {
    let app = spawn_app().await;
    let first = load_demo(&app).await;
    let loaded = load_demo(&app).await;
    let purged = beteiligung::domain::retention::purge(&mut owner(&app).await, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(purged.registrations, 0, "{purged:?}");
    let admin = app.admin();

    // Everyone has a name, in every round of the past consultations and the open workshop.
    let mut rounds = HashMap::new();
    let mut registrations = 0;
    for slug in [SACHSEN_ANHALT_SLUG, DRESDEN_CONSULTATION_SLUG] {
        let path = format!("/api/v1/consultations/{slug}/rounds?");
        for round in all(&app, &path, &admin).await {
            let id = round["id"].as_str().unwrap().to_string();
            let path = format!("/api/v1/rounds/{id}/registrations?");
            for registration in all(&app, &path, &admin).await {
                assert_ne!(registration["name"], "(gelöscht)", "{registration}");
                registrations += 1;
            }
            rounds.insert(id, round);
        }
    }
    assert!(registrations > 299 + 131 + 23, "{registrations}");

    // The open workshop: ahead, on a working day, open for registration.
    let open = &rounds[&OPEN_ROUND_ID.to_string()];
    let day = day_of(&open["starts_at"]);
    let today = Utc::now().with_timezone(&Berlin).date_naive();
    assert!(is_working_day(day), "{day}");
    assert!((day - today).num_days() >= 21, "{day}");
    assert!(day_of(&open["registration_opens_at"]) <= today);
    assert!(day_of(&open["registration_closes_at"]) > today);
    // So were the conferences, and they are over.
    for round in rounds.values() {
        assert!(is_working_day(day_of(&round["starts_at"])), "{round}");
    }

    // Submissions recorded on their conference's day or the two after, over many days;
    // the accepted ones answered.
    let path = format!("/api/v1/consultations/{SACHSEN_ANHALT_SLUG}/submissions?");
    let submissions = all(&app, &path, &admin).await;
    assert_eq!(submissions.len(), 40);
    let mut days = BTreeSet::new();
    for submission in &submissions {
        let created = day_of(&submission["created_at"]);
        let round = &rounds[submission["round_id"].as_str().unwrap()];
        let after = (created - day_of(&round["starts_at"])).num_days();
        assert!((0..=2).contains(&after), "{submission}");
        assert!(created < today);
        days.insert(created);
        if submission["status"] == "accepted" {
            let response = &submission["response"];
            assert!(response["consideration"].is_string(), "{submission}");
            assert!(
                response["text"].as_str().unwrap().len() > 20,
                "{submission}"
            );
        }
        assert!(
            submission["body"].as_str().unwrap().len() > 60,
            "{submission}"
        );
    }
    assert!(days.len() >= 6, "{days:?}");

    // Coverage tells categories and rounds apart.
    let report = app
        .get_json(
            &format!("/api/v1/consultations/{CONSULTATION_ID}/report"),
            Some(&admin),
        )
        .await;
    let cells: Vec<&Value> = report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|round| round["categories"].as_array().unwrap())
        .collect();
    for (count, different) in [("registered", 5), ("attended", 5), ("submissions", 3)] {
        let values: BTreeSet<i64> = cells.iter().map(|c| c[count].as_i64().unwrap()).collect();
        assert!(values.len() >= different, "{count}: {values:?}");
    }

    // The newcomer's mail is waiting (one, though the demo started twice), its link works,
    // and a confirmed newcomer is kept at the next start.
    let template = "http://localhost:8080/anmeldung/bestaetigen?token={token}";
    let link = loaded.confirm_link(template).unwrap();
    assert_ne!(first.confirm_token, loaded.confirm_token);
    let mails = "channel = 'mail' AND topic = 'registration_please_confirm'";
    assert_eq!(app.count_where("outbox", mails).await, 1);
    let token = link.split_once("token=").unwrap().1;
    let stale = json!({"token": first.confirm_token});
    let response = app
        .post("/api/v1/registrations/confirm", None, &stale)
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    let response = app
        .post(
            "/api/v1/registrations/confirm",
            None,
            &json!({"token": token}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(load_demo(&app).await.confirm_token.is_none());
    let confirmed = all(
        &app,
        &format!("/api/v1/rounds/{OPEN_ROUND_ID}/registrations?status=confirmed&"),
        &admin,
    )
    .await;
    assert_eq!(confirmed.len(), 24);
}

//! The demo's three authorities: listed for anyone, each consultation in its own, and a
//! staff token of one sees nothing of another's.

use std::collections::HashMap;

use beteiligung::base::Role;
use beteiligung::demo::{DRESDEN_CONSULTATION_SLUG, METTMANN_CONSULTATION_SLUG};
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, spawn_app};

const SACHSEN_ANHALT_SLUG: &str = "integrationskonzept-sachsen-anhalt";

async fn load_demo(app: &TestApp) {
    use diesel_async::AsyncConnection;
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.database_url())
        .await
        .unwrap();
    beteiligung::demo::load(&mut conn).await.unwrap();
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

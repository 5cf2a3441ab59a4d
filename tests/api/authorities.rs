//! Authorities as tenants: the directory, staff scoped to one authority by their tokens
//! and clients, row-level security holding a scoped connection to its rows, and moving a
//! consultation.

use beteiligung::base::{Role, Scope};
use beteiligung::config::{Config, MissingSecret};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{Setup, setup, setup_with};
use crate::helpers::{TestApp, assert_problem, id};

/// The slug of the authority the migration made; the Setup's consultation is its.
const FIRST: &str = "standardbehoerde";
const METTMANN: &str = "kreis-mettmann";

/// Creates the Kreis Mettmann as a second authority; its id.
async fn mettmann(app: &TestApp) -> String {
    let created = app
        .post(
            "/api/v1/authorities",
            Some(&app.admin()),
            &json!({
                "slug": METTMANN,
                "name": "Kreis Mettmann",
                "kind": "district",
                "contact_email": "integration@kreis-mettmann.de",
                "privacy_contact": "Datenschutzbeauftragter des Kreises Mettmann, datenschutz@kreis-mettmann.de"
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    id(&created.json::<Value>().await.unwrap())
}

/// The id of the authority with `slug`.
async fn authority_id(app: &TestApp, slug: &str) -> String {
    let listed = app.get_json("/api/v1/authorities", None).await;
    let found = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == slug);
    id(found.expect("the authority"))
}

/// A consultation of the Kreis Mettmann, created by its own authority_admin: its id.
async fn mettmanns_consultation(app: &TestApp) -> String {
    let created = app
        .post(
            "/api/v1/consultations",
            Some(&app.staff_of(Role::AuthorityAdmin, METTMANN)),
            &json!({"slug": "netzwerktreffen-integration", "title": "Netzwerktreffen Integration im Kreis Mettmann"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    id(&created.json::<Value>().await.unwrap())
}

#[tokio::test]
async fn anyone_lists_authorities_and_the_platforms_admin_makes_them() {
    let app = crate::helpers::spawn_app().await;
    let listed = app.get_json("/api/v1/authorities", None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["slug"], FIRST);
    assert_eq!(listed["items"][0]["name"], "Standardbehörde");
    let new = json!({"slug": METTMANN, "name": "Kreis Mettmann", "kind": "district"});
    for refused in [app.moderator(), app.staff_of(Role::AuthorityAdmin, FIRST)] {
        let response = app.post("/api/v1/authorities", Some(&refused), &new).await;
        assert_problem(response, 403, "forbidden").await;
    }
    let mettmann = mettmann(&app).await;
    let again = app
        .post("/api/v1/authorities", Some(&app.admin()), &new)
        .await;
    assert_problem(again, 409, "slug_taken").await;
    let bad = app
        .post(
            "/api/v1/authorities",
            Some(&app.admin()),
            &json!({"slug": "Kreis Mettmann", "name": "", "kind": "district", "contact_email": "nein"}),
        )
        .await;
    let problem = assert_problem(bad, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["slug", "name", "contact_email"]);
    let path = format!("/api/v1/authorities/{mettmann}");
    let etag = app.etag(&path, None).await;
    let renamed = app
        .patch_if_match(
            &path,
            &app.admin(),
            &etag,
            &json!({"name": "Kreis Mettmann – Kommunales Integrationszentrum"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let read = app.get_json(&path, None).await;
    assert_eq!(
        read["name"],
        "Kreis Mettmann – Kommunales Integrationszentrum"
    );
    assert_eq!(read["slug"], METTMANN, "the slug stays");
}

/// The Setup's consultation of the first authority with a need of the Caritas and a
/// registration, and the Kreis Mettmann with a consultation of its own.
async fn two_authorities() -> (Setup, String, String, String) {
    let s = setup().await;
    let need = s
        .need(
            &s.caritas_token,
            "Sprachkurse mit Kinderbetreuung",
            "Geheim-A",
        )
        .await;
    let registered = s
        .app
        .post(
            &format!("/api/v1/rounds/{}/registrations", s.round),
            Some(&s.caritas_token),
            &crate::fixtures::registrant("Maria Schulz", "m.schulz@caritas.example"),
        )
        .await;
    assert_eq!(registered.status(), 201);
    let registration = id(&registered.json::<Value>().await.unwrap());
    mettmann(&s.app).await;
    let theirs = mettmanns_consultation(&s.app).await;
    (s, id(&need), registration, theirs)
}

#[tokio::test]
async fn staff_of_one_authority_see_nothing_of_another() {
    let (s, need, registration, theirs) = two_authorities().await;
    let app = &s.app;
    for role in [Role::Moderator, Role::AuthorityAdmin] {
        let mettmann = app.staff_of(role, METTMANN);
        for path in [
            format!("/api/v1/consultations/{}", s.consultation),
            format!("/api/v1/rounds/{}", s.round),
            format!("/api/v1/submissions/{need}"),
            format!("/api/v1/registrations/{registration}"),
            format!("/api/v1/consultations/{}/report", s.consultation),
        ] {
            assert_problem(app.get(&path, Some(&mettmann)).await, 404, "not_found").await;
        }
        let listed = app.get_json("/api/v1/consultations", Some(&mettmann)).await;
        let ids: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [theirs.as_str()],
            "{role}: only its own, drafts included"
        );
    }
    // Writes into the other authority's consultation are 404 too.
    let into_theirs = app
        .post(
            &format!("/api/v1/consultations/{}/rounds", s.consultation),
            Some(&app.staff_of(Role::AuthorityAdmin, METTMANN)),
            &json!({"kind": "online", "title": "Fremd", "starts_at": "2027-03-01T09:00:00Z", "ends_at": "2027-03-01T12:00:00Z", "capacity": 10}),
        )
        .await;
    assert_problem(into_theirs, 404, "not_found").await;
    // The first authority's staff see theirs and not the Kreis Mettmann's draft.
    let first = app.staff_of(Role::Moderator, FIRST);
    assert_eq!(
        app.get(&format!("/api/v1/submissions/{need}"), Some(&first))
            .await
            .status(),
        200
    );
    let theirs_path = format!("/api/v1/consultations/{theirs}");
    assert_problem(app.get(&theirs_path, Some(&first)).await, 404, "not_found").await;
    // The platform's admin sees both; anonymous callers what is public of both.
    assert_eq!(
        app.get(&theirs_path, Some(&app.admin())).await.status(),
        200
    );
    let public = app.get_json("/api/v1/consultations", None).await;
    assert_eq!(
        public["items"].as_array().unwrap().len(),
        1,
        "the draft is not public"
    );
}

#[tokio::test]
async fn the_platforms_admin_names_the_authority_of_a_consultation_once_there_are_several() {
    let app = crate::helpers::spawn_app().await;
    let mettmann = mettmann(&app).await;
    let body =
        json!({"slug": "verbaendegespraech", "title": "Verbändegespräch Arbeitsmarktintegration"});
    let unnamed = app
        .post("/api/v1/consultations", Some(&app.admin()), &body)
        .await;
    let problem = assert_problem(unnamed, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "authority_id");
    let mut named = body.clone();
    named["authority_id"] = json!(Uuid::new_v4());
    let unknown = app
        .post("/api/v1/consultations", Some(&app.admin()), &named)
        .await;
    assert_problem(unknown, 422, "validation_failed").await;
    named["authority_id"] = json!(mettmann);
    let created = app
        .post("/api/v1/consultations", Some(&app.admin()), &named)
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.json::<Value>().await.unwrap()["authority_id"],
        json!(mettmann)
    );
    // An authority's admin creates in its own authority only.
    let mut elsewhere = json!({"slug": "fremd", "title": "Fremd"});
    elsewhere["authority_id"] = json!(mettmann);
    let refused = app
        .post(
            "/api/v1/consultations",
            Some(&app.staff_of(Role::AuthorityAdmin, FIRST)),
            &elsewhere,
        )
        .await;
    assert_problem(refused, 422, "validation_failed").await;
}

#[tokio::test]
async fn staff_tokens_and_clients_name_a_known_authority() {
    let app = crate::helpers::spawn_app().await;
    // While there is one authority, a staff token naming none acts for it.
    assert_eq!(
        app.get(
            "/api/v1/outbox",
            Some(&app.staff_of(Role::AuthorityAdmin, FIRST))
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.get(
            "/api/v1/outbox",
            Some(&app.token(Role::AuthorityAdmin, None))
        )
        .await
        .status(),
        200
    );
    let mettmann = mettmann(&app).await;
    let unknown = app
        .get(
            "/api/v1/consultations",
            Some(&app.staff_of(Role::Moderator, "kreis-unbekannt")),
        )
        .await;
    let problem = assert_problem(unknown, 401, "unauthorized").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("kreis-unbekannt")
    );
    // With several, a staff token must name one.
    let unnamed = app
        .get(
            "/api/v1/consultations",
            Some(&app.token(Role::Moderator, None)),
        )
        .await;
    assert_problem(unnamed, 403, "forbidden").await;

    for (body, field) in [
        (
            json!({"name": "Moderation", "role": "moderator"}),
            "authority_id",
        ),
        (
            json!({"name": "Moderation", "role": "moderator", "authority_id": Uuid::new_v4()}),
            "authority_id",
        ),
        (
            json!({"name": "Partner", "role": "partner", "organisation_id": Uuid::new_v4(), "authority_id": mettmann}),
            "organisation_id",
        ),
    ] {
        let refused = app.post("/api/v1/clients", Some(&app.admin()), &body).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let created = app
        .post(
            "/api/v1/clients",
            Some(&app.admin()),
            &json!({"name": "Fachverfahren Kreis Mettmann", "role": "authority_admin", "authority_id": mettmann}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let client: Value = created.json().await.unwrap();
    assert_eq!(client["authority_id"], json!(mettmann));
    let token = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]}),
        )
        .await;
    assert_eq!(token.status(), 200);
    let token: Value = token.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap();
    let made = app
        .post(
            "/api/v1/consultations",
            Some(token),
            &json!({"slug": "netzwerk", "title": "Netzwerktreffen"}),
        )
        .await;
    assert_eq!(made.status(), 201);
    assert_eq!(
        made.json::<Value>().await.unwrap()["authority_id"],
        json!(mettmann)
    );
}

#[tokio::test]
async fn a_scoped_connection_sees_only_its_authoritys_rows_whatever_the_query() {
    let (s, _, _, theirs) = two_authorities().await;
    let first: Uuid = authority_id(&s.app, FIRST).await.parse().unwrap();
    let url = s.app.database_url();
    let config = Config::from_lookup(
        |name| match name {
            "DATABASE_URL" => Some(url.clone()),
            "JWT_SECRET" => Some("0123456789abcdef0123456789abcdef".into()),
            _ => None,
        },
        MissingSecret::Refuse,
    )
    .unwrap();
    let theirs: Uuid = theirs.parse().unwrap();
    let mettmann = s
        .app
        .get_json(
            &format!("/api/v1/consultations/{theirs}"),
            Some(&s.app.admin()),
        )
        .await["authority_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let count = async |scope: Scope, table: &str| -> i64 {
        let pool = beteiligung::db::scoped_pool(&config, &config.database_url, 1, scope).unwrap();
        let mut conn = pool.get().await.unwrap();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        // Deliberately without any filter of its own.
        let found: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(&mut conn)
            .await
            .unwrap();
        found.n
    };
    assert_eq!(count(Scope::Every, "consultations").await, 2);
    assert_eq!(count(Scope::Authority(mettmann), "consultations").await, 1);
    assert_eq!(count(Scope::Authority(first), "consultations").await, 1);
    for table in ["rounds", "submissions", "registrations", "events", "outbox"] {
        assert_eq!(count(Scope::Authority(mettmann), table).await, 0, "{table}");
        assert!(count(Scope::Authority(first), table).await > 0, "{table}");
    }
    // The service's connections are not the tables' owner and do not bypass the policies.
    let pool =
        beteiligung::db::scoped_pool(&config, &config.database_url, 1, Scope::Every).unwrap();
    let mut conn = pool.get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Role {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        bypasses: bool,
    }
    let role: Role = diesel::sql_query(
        "SELECT rolbypassrls OR rolsuper AS bypasses FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(!role.bypasses);
}

#[tokio::test]
async fn only_the_platforms_admin_moves_a_consultation_and_it_is_recorded() {
    let (s, need, _, _) = two_authorities().await;
    let app = &s.app;
    let mettmann = json!(authority_id(app, METTMANN).await);
    let path = format!("/api/v1/consultations/{}", s.consultation);
    let move_it = json!({"authority_id": mettmann});
    let refused = app
        .patch(
            &path,
            Some(&app.staff_of(Role::AuthorityAdmin, FIRST)),
            &move_it,
        )
        .await;
    assert_problem(refused, 403, "forbidden").await;
    let moved = app.patch(&path, Some(&app.admin()), &move_it).await;
    assert_eq!(moved.status(), 200);
    let theirs_now = app.staff_of(Role::Moderator, METTMANN);
    assert_eq!(
        app.get(&format!("/api/v1/submissions/{need}"), Some(&theirs_now))
            .await
            .status(),
        200
    );
    let first = app.staff_of(Role::Moderator, FIRST);
    assert_problem(
        app.get(&format!("/api/v1/submissions/{need}"), Some(&first))
            .await,
        404,
        "not_found",
    )
    .await;
    let recorded = app
        .db()
        .await
        .query_one(
            "SELECT actor, reason FROM events WHERE entity = 'consultation' AND action = 'moved_to_authority'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(recorded.get::<_, String>(0), "admin:test-admin");
    assert!(
        recorded
            .get::<_, String>(1)
            .contains(mettmann.as_str().unwrap())
    );
    let stray = app
        .db()
        .await
        .query_one(
            "SELECT count(*) FROM submissions s JOIN consultations c ON c.id = s.consultation_id WHERE s.authority_id <> c.authority_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(stray.get::<_, i64>(0), 0, "its rows went along");
}

#[tokio::test]
async fn an_authoritys_webhooks_hear_of_its_consultations_only() {
    let s = setup_with(&[
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ])
    .await;
    let app = &s.app;
    mettmann(app).await;
    let subscribe = async |slug: &str| -> String {
        let created = app
            .post(
                "/api/v1/webhooks",
                Some(&app.staff_of(Role::AuthorityAdmin, slug)),
                &json!({"url": format!("http://127.0.0.1:9/{slug}"), "events": ["submission.created"]}),
            )
            .await;
        assert_eq!(created.status(), 201);
        id(&created.json::<Value>().await.unwrap())
    };
    let first = subscribe(FIRST).await;
    let theirs = subscribe(METTMANN).await;
    let listed = app
        .get_json(
            "/api/v1/webhooks",
            Some(&app.staff_of(Role::AuthorityAdmin, METTMANN)),
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["id"], json!(theirs));
    s.need(&s.caritas_token, "Beratung für Geflüchtete", "in Halle")
        .await;
    let recipients: Vec<String> = app
        .db()
        .await
        .query(
            "SELECT recipient FROM outbox WHERE channel = 'webhook'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(recipients, [first]);
}

#[tokio::test]
async fn an_authoritys_admin_answers_privacy_requests_for_its_own_data_only() {
    let (s, _, first_registration, theirs) = two_authorities().await;
    let app = &s.app;
    let mettmann_admin = app.staff_of(Role::AuthorityAdmin, METTMANN);
    let opened = app
        .patch(
            &format!("/api/v1/consultations/{theirs}"),
            Some(&mettmann_admin),
            &json!({"status": "open"}),
        )
        .await;
    assert_eq!(opened.status(), 200);
    let round = app.round(&theirs, 40).await;
    let registered = app
        .post(
            &format!("/api/v1/rounds/{}/registrations", id(&round)),
            Some(&s.caritas_token),
            &crate::fixtures::registrant("Maria Schulz", "m.schulz@caritas.example"),
        )
        .await;
    assert_eq!(registered.status(), 201);
    let theirs_registered = registered.json::<Value>().await.unwrap()["id"].clone();
    let person = json!({"email": "m.schulz@caritas.example"});
    let exported = app
        .post("/api/v1/privacy/export", Some(&mettmann_admin), &person)
        .await;
    let exported: Value = exported.json().await.unwrap();
    assert_eq!(exported["registrations"].as_array().unwrap().len(), 1);
    assert_eq!(
        exported["registrations"][0]["id"], theirs_registered,
        "its own registration, not the other authority's"
    );
    let erased = app
        .post("/api/v1/privacy/erasure", Some(&mettmann_admin), &person)
        .await;
    assert_eq!(
        erased.json::<Value>().await.unwrap(),
        json!({"registrations": 1, "submissions": 0})
    );
    let names: Vec<(String, String)> = app
        .db()
        .await
        .query(
            "SELECT id::text, name FROM registrations ORDER BY created_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        names[0],
        (first_registration, "Maria Schulz".to_string()),
        "the other authority's stays"
    );
    assert_ne!(names[1].1, "Maria Schulz");
    // Its access log and its record of processing are its own.
    let log = app
        .get_json("/api/v1/privacy/access-log", Some(&mettmann_admin))
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "its own export");
    let first_log = app
        .get_json(
            "/api/v1/privacy/access-log",
            Some(&app.staff_of(Role::AuthorityAdmin, FIRST)),
        )
        .await;
    assert!(first_log["items"].as_array().unwrap().is_empty());
    let record = app
        .get_json("/api/v1/privacy/processing", Some(&mettmann_admin))
        .await;
    assert_eq!(record["controllers"].as_array().unwrap().len(), 1);
    assert_eq!(record["controllers"][0]["name"], "Kreis Mettmann");
    assert!(
        record["controllers"][0]["privacy_contact"]
            .as_str()
            .unwrap()
            .contains("Datenschutz")
    );
    assert_eq!(record["consultations"].as_array().unwrap().len(), 1);
    let all = app
        .get_json("/api/v1/privacy/processing", Some(&app.admin()))
        .await;
    assert_eq!(all["controllers"].as_array().unwrap().len(), 2);
}

/// `beteiligung token` with `args`, signed with the test app's secret.
fn cli_token(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_beteiligung"))
        .args(["token", "--subject", "k.schmidt"])
        .args(args)
        .env("JWT_SECRET", crate::helpers::SECRET)
        .output()
        .expect("run the CLI")
}

#[tokio::test]
async fn the_cli_mints_staff_tokens_of_an_authority() {
    let (s, _, _, theirs) = two_authorities().await;
    let minted = cli_token(&["--role", "moderator", "--authority", METTMANN]);
    assert!(minted.status.success(), "{minted:?}");
    let token = String::from_utf8_lossy(&minted.stdout).trim().to_string();
    let listed = s.app.get_json("/api/v1/consultations", Some(&token)).await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [theirs.as_str()]);
    let unknown = cli_token(&["--role", "moderator", "--authority", "kreis-unbekannt"]);
    let token = String::from_utf8_lossy(&unknown.stdout).trim().to_string();
    assert_problem(
        s.app.get("/api/v1/consultations", Some(&token)).await,
        401,
        "unauthorized",
    )
    .await;
    let admin_of_one = cli_token(&["--role", "admin", "--authority", METTMANN]);
    assert!(!admin_of_one.status.success());
    assert!(String::from_utf8_lossy(&admin_of_one.stderr).contains("--authority is only for"));
}

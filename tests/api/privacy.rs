use serde_json::{Value, json};

use crate::fixtures::registrant;
use crate::helpers::{TestApp, assert_problem, id, spawn_app, spawn_app_with};

#[tokio::test]
async fn personal_data_is_exported_and_erased_but_content_stays() {
    // A subscriber that cannot be reached: its deliveries stay undelivered in the outbox.
    let app = spawn_app_with(&[
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ])
    .await;
    let subscribed = app
        .post(
            "/api/v1/webhooks",
            Some(&app.admin()),
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["submission.created", "registration.status_changed"]}),
        )
        .await;
    assert_eq!(subscribed.status(), 201);
    let consultation = id(&app.consultation("integrationskonzept", "open").await);
    let round = id(&app.round(&consultation, 10).await);
    let org = id(&app
        .organisation("LAMSA", "migrant_organisation", "Halle")
        .await);
    let partner = app.partner(org.parse().unwrap());
    let registration: Value = app
        .post(&format!("/api/v1/rounds/{round}/registrations"), Some(&app.admin()),
            &json!({"name": "Aylin Demir", "email": "Aylin.Demir@example.org", "needs": "Rollstuhlplatz", "privacy_consent": true}))
        .await.json().await.unwrap();
    app.post(
        &format!("/api/v1/rounds/{round}/registrations"),
        None,
        &registrant("Jonas Weber", "jonas@example.org"),
    )
    .await;
    let submission: Value = app
        .post(&format!("/api/v1/consultations/{consultation}/submissions"), Some(&partner),
            &json!({"kind": "need", "topic": "sprache", "title": "Sprachkurse", "body": "Mit Kinderbetreuung.", "author_name": "Aylin Demir", "author_email": "aylin.demir@example.org"}))
        .await.json().await.unwrap();

    let admin = app.admin();
    assert_problem(
        app.post(
            "/api/v1/privacy/export",
            Some(&app.moderator()),
            &json!({"email": "aylin.demir@example.org"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let export: Value = app
        .post(
            "/api/v1/privacy/export",
            Some(&admin),
            &json!({"email": "AYLIN.DEMIR@example.org"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(export["registrations"].as_array().unwrap().len(), 1);
    assert_eq!(export["registrations"][0]["needs"], "Rollstuhlplatz");
    assert_eq!(export["submissions"][0]["id"], submission["id"]);
    assert_eq!(export["submissions"][0]["author_name"], "Aylin Demir");

    let erased: Value = app
        .post(
            "/api/v1/privacy/erasure",
            Some(&admin),
            &json!({"email": "aylin.demir@example.org"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(erased, json!({"registrations": 1, "submissions": 1}));
    let again: Value = app
        .post(
            "/api/v1/privacy/export",
            Some(&admin),
            &json!({"email": "aylin.demir@example.org"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            again["registrations"].as_array().unwrap().len(),
            again["submissions"].as_array().unwrap().len()
        ),
        (0, 0)
    );

    let db = app.db().await;
    let row = db
        .query_one(
            "SELECT name, email, needs, status FROM registrations WHERE id = $1::text::uuid",
            &[&id(&registration)],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "(gelöscht)");
    assert!(!row.get::<_, String>(1).contains("demir"));
    assert_eq!(row.get::<_, Option<String>>(2), None);
    assert_eq!(row.get::<_, String>(3), "confirmed", "the seat stays taken");
    let stored = db
        .query_one(
            "SELECT author_name, author_email, title, body FROM submissions",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            stored.get::<_, Option<String>>(0),
            stored.get::<_, Option<String>>(1)
        ),
        (None, None)
    );
    assert_eq!(
        (stored.get::<_, String>(2), stored.get::<_, String>(3)),
        ("Sprachkurse".into(), "Mit Kinderbetreuung.".into())
    );
    let events: i64 = db
        .query_one(
            "SELECT count(*) FROM events WHERE action = 'personal_data_erased'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(events, 2);
    let others: i64 = db
        .query_one(
            "SELECT count(*) FROM registrations WHERE email = 'jonas@example.org'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(others, 1, "other people are untouched");
    assert!(
        app.count_where("outbox", "channel = 'webhook' AND status = 'pending'")
            .await
            > 0,
        "undelivered webhook deliveries are there"
    );
    // Nowhere in the database is the person's address or name left.
    let tables: Vec<String> = db
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' \
             AND tablename NOT LIKE '\\_\\_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() > 10, "{tables:?}");
    for table in tables {
        let found: i64 = db
            .query_one(
                &format!(
                    "SELECT count(*) FROM {table} t WHERE lower(t::text) LIKE '%aylin%' \
                     OR lower(t::text) LIKE '%demir%'"
                ),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(found, 0, "{table} still holds the person's data");
    }
    assert_problem(
        app.post(
            "/api/v1/privacy/erasure",
            Some(&admin),
            &json!({"email": ""}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}

/// Sets a round's dates into the past, as if it had taken place `days_ago`.
async fn held(app: &TestApp, round: &str, days_ago: i64) {
    let ends = chrono::Utc::now() - chrono::Duration::days(days_ago);
    app.db()
        .await
        .execute(
            &format!(
                "UPDATE rounds SET starts_at = '{}', ends_at = '{}' WHERE id = '{round}'",
                (ends - chrono::Duration::hours(5)).to_rfc3339(),
                ends.to_rfc3339()
            ),
            &[],
        )
        .await
        .unwrap();
}

/// Runs `beteiligung purge` against the test's database and returns what it printed.
fn purge(app: &TestApp) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_beteiligung"))
        .arg("purge")
        .env("DATABASE_URL", app.database_url())
        .env("JWT_SECRET", "purge-test-secret-0123456789abcdef0123456789")
        .env("RUST_LOG", "warn")
        .output()
        .expect("beteiligung purge");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

async fn register_person(app: &TestApp, round: &str, name: &str, email: &str) -> String {
    let response = app
        .post(
            &format!("/api/v1/rounds/{round}/registrations"),
            Some(&app.admin()),
            &json!({"name": name, "email": email, "needs": "Gebärdensprache", "privacy_consent": true}),
        )
        .await;
    assert_eq!(response.status(), 201);
    id(&response.json().await.unwrap())
}

#[tokio::test]
async fn personal_data_is_anonymised_when_its_retention_period_ends_and_counts_stay() {
    let app = spawn_app().await;
    let consultation = id(&app.consultation("integrationskonzept", "open").await);
    let dessau = id(&app.round(&consultation, 80).await);
    let stendal = id(&app.round(&consultation, 80).await);
    let long_ago = register_person(&app, &dessau, "Aylin Demir", "aylin@example.org").await;
    let recent = register_person(&app, &stendal, "Jonas Weber", "jonas@example.org").await;
    let submission: Value = app
        .post(&format!("/api/v1/consultations/{consultation}/submissions"), Some(&app.moderator()),
            &json!({"kind": "need", "topic": "sprache", "title": "Sprachkurse", "body": "Am Abend.", "author_name": "Petra Krause", "author_email": "petra@example.org"}))
        .await.json().await.unwrap();
    // Dessau took place 100 days ago, Stendal 40 days ago; retention is 90 days by default.
    held(&app, &dessau, 100).await;
    held(&app, &stendal, 40).await;
    let report_path = format!("/api/v1/consultations/{consultation}/report");
    let counts = |mut report: Value| {
        report["generated_at"] = Value::Null;
        report
    };
    let before = counts(app.get_json(&report_path, Some(&app.admin())).await);

    assert_eq!(
        purge(&app),
        "anonymised 1 registrations and 0 submission authors; deleted 0 access-log entries\n"
    );
    let db = app.db().await;
    let row = db
        .query_one(
            "SELECT name, email, needs, anonymised_at IS NOT NULL FROM registrations WHERE id = $1::text::uuid",
            &[&long_ago],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "(gelöscht)");
    assert_eq!(
        row.get::<_, String>(1),
        format!("erased-{long_ago}@invalid")
    );
    assert_eq!(row.get::<_, Option<String>>(2), None);
    assert!(row.get::<_, bool>(3));
    let kept = app
        .get_json(
            &format!("/api/v1/registrations/{recent}"),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(kept["name"], "Jonas Weber");
    assert_eq!(
        counts(app.get_json(&report_path, Some(&app.admin())).await),
        before,
        "counts stay as they were"
    );
    let history: Vec<Value> = app
        .get(
            &format!("/api/v1/registrations/{long_ago}/history"),
            Some(&app.admin()),
        )
        .await
        .json()
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["actor"].as_str()),
        (Some("personal_data_anonymised"), Some("system"))
    );

    // A shorter period set by the admin applies to Stendal too; a second run finds nothing
    // more to do.
    let shortened = app
        .patch(
            &format!("/api/v1/consultations/{consultation}"),
            Some(&app.admin()),
            &json!({"retention": {"registrations_days_after_round": 30}}),
        )
        .await;
    let shortened: Value = shortened.json().await.unwrap();
    assert_eq!(
        shortened["retention"],
        json!({"registrations_days_after_round": 30, "authors_days_after_archive": 365})
    );
    assert!(purge(&app).starts_with("anonymised 1 registrations and 0 submission authors"));
    assert!(purge(&app).starts_with("anonymised 0 registrations"));

    // Authors go a year after the consultation was archived.
    for status in ["closed", "archived"] {
        let response = app
            .patch(
                &format!("/api/v1/consultations/{consultation}"),
                Some(&app.admin()),
                &json!({"status": status}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    assert!(purge(&app).starts_with("anonymised 0 registrations and 0 submission authors"));
    db.execute(
        &format!(
            "UPDATE consultations SET archived_at = now() - interval '366 days' WHERE id = '{consultation}'"
        ),
        &[],
    )
    .await
    .unwrap();
    assert!(purge(&app).starts_with("anonymised 0 registrations and 1 submission authors"));
    let anonymous = app
        .get_json(
            &format!("/api/v1/submissions/{}", id(&submission)),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(anonymous["author_name"], Value::Null);
    assert_eq!(anonymous["body"], "Am Abend.");
    assert_eq!(
        app.count_where("submissions", "author_email IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn one_replica_at_a_time_applies_retention() {
    let app = spawn_app().await;
    let round = app.open_round(80).await;
    register_person(&app, &round, "Aylin Demir", "aylin@example.org").await;
    held(&app, &round, 100).await;
    // Another replica holds the lock in its open transaction.
    let mut other = app.db().await;
    let transaction = other.transaction().await.unwrap();
    transaction
        .execute("SELECT pg_advisory_xact_lock(8243122671965202799)", &[])
        .await
        .unwrap();
    assert_eq!(
        purge(&app),
        "another replica is applying the retention periods; nothing done\n"
    );
    assert_eq!(
        app.count_where("registrations", "anonymised_at IS NULL")
            .await,
        1
    );
    transaction.rollback().await.unwrap();

    // The service's own job does it without being asked.
    let replica = app.replica(&[("RETENTION_INTERVAL", "100ms")]);
    for _ in 0..100 {
        if app
            .count_where("registrations", "anonymised_at IS NULL")
            .await
            == 0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count_where("registrations", "name = 'Aylin Demir'")
            .await,
        0
    );
    replica.stop().await;
}

#[tokio::test]
async fn registrations_record_the_privacy_notice_consented_to() {
    let app = spawn_app_with(&[("PRIVACY_NOTICE_VERSION", "2019-08")]).await;
    let round = app.open_round(80).await;
    let path = format!("/api/v1/rounds/{round}/registrations");
    let person = |version: Option<&str>| {
        let mut body = registrant("Aylin Demir", "aylin@example.org");
        if let Some(version) = version {
            body["privacy_notice_version"] = json!(version);
        }
        body
    };
    let missing = app.post(&path, Some(&app.admin()), &person(None)).await;
    let problem = assert_problem(missing, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "privacy_notice_version");
    let outdated = app
        .post(&path, Some(&app.admin()), &person(Some("2018-05")))
        .await;
    assert_problem(outdated, 422, "validation_failed").await;
    assert_eq!(app.count("registrations").await, 0);

    let before = chrono::Utc::now();
    let created = app
        .post(&path, Some(&app.admin()), &person(Some("2019-08")))
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["privacy_notice_version"], "2019-08");
    let consented: chrono::DateTime<chrono::Utc> =
        created["consented_at"].as_str().unwrap().parse().unwrap();
    assert!(consented >= before - chrono::Duration::seconds(1));
    let export: Value = app
        .post(
            "/api/v1/privacy/export",
            Some(&app.admin()),
            &json!({"email": "aylin@example.org"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        export["registrations"][0]["privacy_notice_version"],
        "2019-08"
    );
    assert_eq!(
        export["registrations"][0]["consented_at"],
        created["consented_at"]
    );
}

#[tokio::test]
async fn bulk_reads_of_personal_data_are_in_the_access_log() {
    let app = spawn_app().await;
    let round = app.open_round(80).await;
    for (name, email) in [
        ("Aylin Demir", "aylin@example.org"),
        ("Jonas Weber", "jonas@example.org"),
    ] {
        register_person(&app, &round, name, email).await;
    }
    let admin = app.admin();
    let reads = [
        format!("/api/v1/rounds/{round}/registrations"),
        format!("/api/v1/rounds/{round}/registrations/export?format=csv"),
    ];
    for path in &reads {
        let response = app
            .request(reqwest::Method::GET, path, Some(&admin))
            .header("x-request-id", "dsb-anfrage-7")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
    let exported = app
        .post(
            "/api/v1/privacy/export",
            Some(&admin),
            &json!({"email": "aylin@example.org"}),
        )
        .await;
    assert_eq!(exported.status(), 200);
    assert_problem(
        app.get("/api/v1/privacy/access-log", Some(&app.moderator()))
            .await,
        403,
        "forbidden",
    )
    .await;
    // The streamed export is recorded once it ended.
    let mut entries = Vec::new();
    for _ in 0..50 {
        entries = app
            .get_json("/api/v1/privacy/access-log", Some(&admin))
            .await["items"]
            .as_array()
            .unwrap()
            .clone();
        if entries.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let summary: Vec<(&str, &str, &str, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["resource"].as_str().unwrap(),
                e["records"].as_i64().unwrap(),
            )
        })
        .collect();
    let round_path = format!("/api/v1/rounds/{round}/registrations");
    let export_path = format!("{round_path}/export");
    let mut expected = vec![
        (
            "admin:test-admin",
            "registration_list",
            round_path.as_str(),
            2,
        ),
        (
            "admin:test-admin",
            "attendance_export",
            export_path.as_str(),
            2,
        ),
        (
            "admin:test-admin",
            "privacy_export",
            "/api/v1/privacy/export",
            1,
        ),
    ];
    let mut summary_sorted = summary.clone();
    summary_sorted.sort_by_key(|e| e.1);
    expected.sort_by_key(|e| e.1);
    assert_eq!(summary_sorted, expected);
    assert!(entries.iter().any(|e| e["request_id"] == "dsb-anfrage-7"));
}

#[tokio::test]
async fn the_record_of_processing_follows_the_rules_and_the_configured_retention() {
    let app = spawn_app().await;
    let consultation = id(&app.consultation("integrationskonzept", "open").await);
    app.patch(
        &format!("/api/v1/consultations/{consultation}"),
        Some(&app.admin()),
        &json!({"retention": {"authors_days_after_archive": 730}}),
    )
    .await;
    assert_problem(
        app.get("/api/v1/privacy/processing", Some(&app.moderator()))
            .await,
        403,
        "forbidden",
    )
    .await;
    let record = app
        .get_json("/api/v1/privacy/processing", Some(&app.admin()))
        .await;
    let keys: Vec<&str> = record["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "registrations",
            "submission_authors",
            "mail_outbox",
            "idempotency_records",
            "access_log",
            "history"
        ]
    );
    assert_eq!(
        record["activities"][0]["recipients"],
        json!([
            "admin",
            "authority_admin",
            "moderator",
            "partner (the registrations it made)"
        ])
    );
    assert!(
        record["activities"][0]["data"]
            .as_array()
            .unwrap()
            .contains(&json!("email"))
    );
    assert_eq!(
        record["consultations"],
        json!([{"id": consultation, "slug": "integrationskonzept",
                "registrations_days_after_round": 90, "authors_days_after_archive": 730}])
    );
}

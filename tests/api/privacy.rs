use serde_json::{Value, json};

use crate::helpers::{assert_problem, id, spawn_app};

#[tokio::test]
async fn personal_data_is_exported_and_erased_but_content_stays() {
    let app = spawn_app().await;
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
        &json!({"name": "Jonas Weber", "email": "jonas@example.org", "privacy_consent": true}),
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

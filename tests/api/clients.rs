use serde_json::{Value, json};

use crate::helpers::{assert_problem, id, spawn_app};

#[tokio::test]
async fn a_partner_client_is_bound_to_a_known_organisation_and_its_secret_is_hashed() {
    let app = spawn_app().await;
    let admin = app.admin();
    let org = app
        .organisation(
            "Landesnetzwerk der Migrantenorganisationen",
            "migrant_organisation",
            "Sachsen-Anhalt",
        )
        .await;

    let missing_org = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "LAMSA", "role": "partner"}),
        )
        .await;
    let body = assert_problem(missing_org, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "organisation_id");
    let unknown_org = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "LAMSA", "role": "partner", "organisation_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_problem(unknown_org, 422, "validation_failed").await;
    let staff_with_org = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "Moderation", "role": "moderator", "organisation_id": id(&org)}),
        )
        .await;
    assert_problem(staff_with_org, 422, "validation_failed").await;
    let bad_role = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "X", "role": "root"}),
        )
        .await;
    assert_problem(bad_role, 400, "invalid_body").await;

    let response = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "LAMSA Fachverfahren", "role": "partner", "organisation_id": id(&org)}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/clients/{}", created["client_id"].as_str().unwrap())
    );
    assert_eq!(created["role"], "partner");
    assert_eq!(created["organisation_id"], org["id"]);
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 40);

    let stored: String = app
        .db()
        .await
        .query_one(
            "SELECT secret_hash FROM api_clients WHERE id = $1::text::uuid",
            &[&created["client_id"].as_str().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert!(stored.starts_with("$argon2id$"));
    assert!(!stored.contains(secret));

    let list: Value = app
        .get("/api/v1/clients", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0].get("client_secret").is_none() && items[0].get("secret_hash").is_none());
    assert_eq!(items[0]["revoked_at"], Value::Null);

    // The partner's token carries its organisation.
    let token: Value = app
        .post("/api/v1/auth/token", None, &json!({"grant_type": "client_credentials", "client_id": created["client_id"], "client_secret": secret}))
        .await
        .json()
        .await
        .unwrap();
    let own = app
        .get(
            &format!("/api/v1/organisations/{}", id(&org)),
            token["access_token"].as_str(),
        )
        .await;
    assert_eq!(own.status(), 200);
}

#[tokio::test]
async fn revoking_marks_the_client_and_unknown_clients_are_404() {
    let app = spawn_app().await;
    let admin = app.admin();
    let created: Value = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "Altes Werkzeug", "role": "admin"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/clients/{}", created["client_id"].as_str().unwrap());
    assert_eq!(app.delete(&path, Some(&admin)).await.status(), 204);
    assert_eq!(
        app.delete(&path, Some(&admin)).await.status(),
        204,
        "revoking twice is harmless"
    );
    let list: Value = app
        .get("/api/v1/clients", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"][0]["revoked_at"].is_string());
    let unknown = app
        .delete(
            &format!("/api/v1/clients/{}", uuid::Uuid::now_v7()),
            Some(&admin),
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;
    assert_problem(
        app.delete(&path, Some(&app.moderator())).await,
        403,
        "forbidden",
    )
    .await;
}

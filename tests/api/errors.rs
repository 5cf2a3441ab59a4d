use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn actix_extractor_errors_are_problems() {
    let app = spawn_app().await;
    let admin = app.admin();
    let send = |body: &'static str, content_type: &'static str| {
        app.request(reqwest::Method::POST, "/api/v1/organisations", Some(&admin))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        send("{\"name\": ", "application/json").await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    assert_problem(
        send(
            "{\"name\": 5, \"category\": \"school\"}",
            "application/json",
        )
        .await
        .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert_problem(
        send(
            "{\"name\": \"Schule\", \"category\": \"school\", \"motto\": \"x\"}",
            "application/json",
        )
        .await
        .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert_problem(
        send("{\"category\": \"school\"}", "application/json")
            .await
            .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert_problem(
        send("name=x", "text/plain").await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;

    assert_problem(
        app.get("/api/v1/rounds/not-a-uuid", None).await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/consultations?status=bogus", None).await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/organisations?category=bogus", None).await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/does-not-exist", None).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get("/nowhere", None).await, 404, "not_found").await;

    let stored = app.count("organisations").await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let app = spawn_app().await;
    let big = "x".repeat(70 * 1024);
    let json_body = app
        .post(
            "/api/v1/organisations",
            Some(&app.admin()),
            &json!({"name": big, "category": "school"}),
        )
        .await;
    assert_problem(json_body, 413, "payload_too_large").await;
    let form_body = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&client_secret={big}"))
        .send()
        .await
        .unwrap();
    assert_problem(form_body, 413, "payload_too_large").await;
}

#[tokio::test]
async fn text_longer_than_documented_is_422() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/organisations",
            Some(&app.admin()),
            &json!({"name": "x".repeat(201), "category": "school", "website": "ftp://x"}),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "name");
    assert_eq!(body["errors"][1]["field"], "website");
}

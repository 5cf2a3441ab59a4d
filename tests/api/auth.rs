use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

async fn create_client(app: &crate::helpers::TestApp, body: Value) -> (String, String) {
    let response = app.post("/api/v1/clients", Some(&app.admin()), &body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    (
        created["client_id"].as_str().unwrap().to_string(),
        created["client_secret"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn client_credentials_as_form_or_json_give_a_working_token() {
    let app = spawn_app().await;
    let (client_id, secret) = create_client(
        &app,
        json!({"name": "Ministerium Moderation", "role": "moderator"}),
    )
    .await;

    let form = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert_eq!(form.headers()["cache-control"], "no-store");
    let token: Value = form.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);

    let json_response = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}),
        )
        .await;
    assert_eq!(json_response.status(), 200);

    // The token works: a moderator sees draft consultations but may not create one.
    let access = token["access_token"].as_str().unwrap();
    app.consultation("entwurf", "draft").await;
    let list: Value = app
        .get("/api/v1/consultations", Some(access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let create = app
        .post(
            "/api/v1/consultations",
            Some(access),
            &json!({"slug": "x", "title": "X"}),
        )
        .await;
    assert_problem(create, 403, "forbidden").await;
}

/// An RFC 6749 §5.2 error: `error` and `error_description` (the problem members beside).
async fn assert_oauth_error(response: reqwest::Response, status: u16, error: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
    assert_eq!(
        (body["status"].as_u64(), body["code"].as_str()),
        (Some(status as u64), Some(error))
    );
    body
}

#[tokio::test]
async fn wrong_unknown_or_revoked_credentials_get_no_token() {
    let app = spawn_app().await;
    let (client_id, secret) =
        create_client(&app, json!({"name": "Werkzeug", "role": "admin"})).await;
    let attempt = |id: String, secret: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/token",
                None,
                &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
            )
            .await
        }
    };
    for (id, secret) in [
        (client_id.clone(), "wrong".to_string()),
        (uuid::Uuid::now_v7().to_string(), secret.clone()),
        ("not-a-uuid".to_string(), secret.clone()),
    ] {
        let refused = attempt(id, secret).await;
        assert!(
            refused.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_oauth_error(refused, 401, "invalid_client").await;
    }

    let grant = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "password", "client_id": client_id, "client_secret": secret}),
        )
        .await;
    assert_oauth_error(grant, 400, "unsupported_grant_type").await;
    let anonymous = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials"}),
        )
        .await;
    assert_oauth_error(anonymous, 401, "invalid_client").await;
    let no_grant = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"client_id": client_id, "client_secret": secret}),
        )
        .await;
    assert_oauth_error(no_grant, 400, "invalid_request").await;
    let text = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "text/plain")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_oauth_error(text, 415, "invalid_request").await;

    let revoke = app
        .delete(&format!("/api/v1/clients/{client_id}"), Some(&app.admin()))
        .await;
    assert_eq!(revoke.status(), 204);
    assert_oauth_error(attempt(client_id, secret).await, 401, "invalid_client").await;
}

#[tokio::test]
async fn clients_authenticate_by_http_basic_and_may_send_a_scope() {
    let app = spawn_app().await;
    let (client_id, secret) =
        create_client(&app, json!({"name": "Fachverfahren", "role": "moderator"})).await;
    let token = |basic: Option<(&str, &str)>, form: &[(&str, &str)]| {
        let mut request = app.client.post(app.url("/api/v1/auth/token")).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        request.send()
    };
    let granted = token(
        Some((&client_id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "submissions:read"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(granted.status(), 200);
    let body: Value = granted.json().await.unwrap();
    let reports = app
        .get(
            "/api/v1/consultations",
            Some(body["access_token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(reports.status(), 200);

    let wrong = token(
        Some((&client_id, "falsch")),
        &[("grant_type", "client_credentials")],
    )
    .await
    .unwrap();
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_oauth_error(wrong, 401, "invalid_client").await;
    let both = token(
        Some((&client_id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await
    .unwrap();
    assert_oauth_error(both, 400, "invalid_request").await;
}

fn forge(claims: Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn bad_tokens_are_401_with_www_authenticate() {
    let app = spawn_app().await;
    let now = jsonwebtoken::get_current_timestamp();
    let valid_claims = json!({"sub": "x", "role": "admin", "iss": "beteiligung", "aud": "beteiligung-api", "iat": now, "exp": now + 600});
    let secret = b"test-secret-that-is-long-enough-0123456789";
    let mut expired = valid_claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let mut wrong_audience = valid_claims.clone();
    wrong_audience["aud"] = json!("someone-else");
    let mut no_iat = valid_claims.clone();
    no_iat.as_object_mut().unwrap().remove("iat");
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(valid_claims.to_string());
    let alg_none = format!("{header_none}.{payload}.");

    let cases = [
        ("expired", forge(expired, secret)),
        (
            "wrong signature",
            forge(
                valid_claims.clone(),
                b"another-secret-that-is-long-enough-xyz",
            ),
        ),
        ("wrong audience", forge(wrong_audience, secret)),
        ("missing iat", forge(no_iat, secret)),
        ("alg none", alg_none),
        ("malformed", "not.a.jwt".to_string()),
    ];
    for (name, token) in cases {
        // Also on an endpoint anonymous callers may use: a bad token is never ignored.
        for path in [
            "/api/v1/clients",
            "/api/v1/consultations",
            "/api/v1/categories",
        ] {
            let response = app.get(path, Some(&token)).await;
            assert_eq!(response.status(), 401, "{name} on {path}");
            let challenge = response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(challenge.starts_with("Bearer"), "{name}");
            let body = assert_problem(response, 401, "unauthorized").await;
            assert!(body["detail"].is_string());
        }
    }
    // The valid one passes.
    let ok = app
        .get("/api/v1/clients", Some(&forge(valid_claims, secret)))
        .await;
    assert_eq!(ok.status(), 200);
    // No token at all on an admin endpoint: 401; a non-Bearer scheme: 401.
    let missing = app.get("/api/v1/clients", None).await;
    assert!(missing.headers().contains_key("www-authenticate"));
    assert_problem(missing, 401, "unauthorized").await;
    let basic = app
        .client
        .get(app.url("/api/v1/clients"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, "unauthorized").await;
}

#[tokio::test]
async fn roles_are_enforced_on_admin_endpoints() {
    let app = spawn_app().await;
    let org = app
        .organisation(
            "Caritasverband für das Bistum Magdeburg",
            "welfare_association",
            "Magdeburg",
        )
        .await;
    let partner = app.partner(org["id"].as_str().unwrap().parse().unwrap());
    let moderator = app.moderator();
    for token in [&partner, &moderator] {
        assert_problem(
            app.get("/api/v1/clients", Some(token)).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            app.post(
                "/api/v1/organisations",
                Some(token),
                &json!({"name": "X", "category": "other"}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            app.post(
                "/api/v1/consultations",
                Some(token),
                &json!({"slug": "x", "title": "X"}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }
    let stored = app.count("consultations").await;
    assert_eq!(stored, 0);
}

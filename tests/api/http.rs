//! HTTP around the resources: rate limits, CORS for browser front ends, methods a path does
//! not serve.

use serde_json::{Value, json};

use crate::fixtures::{numbered_registrant, registrant};
use crate::helpers::{assert_problem, id, is_problem, spawn_app, spawn_app_with};

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn anonymous_registrations_are_limited_per_client_address() {
    let app = spawn_app_with(&[("RATE_LIMIT_SENSITIVE", "3/min")]).await;
    let round = app.open_round(100).await;
    let path = format!("/api/v1/rounds/{round}/registrations");
    for n in 0..3 {
        let response = app.post(&path, None, &numbered_registrant(n)).await;
        assert_eq!(response.status(), 201);
        assert_eq!(
            header(&response, "ratelimit-policy"),
            "\"sensitive\";q=3;w=60"
        );
        assert!(
            header(&response, "ratelimit").starts_with(&format!("\"sensitive\";r={};t=", 2 - n)),
            "{}",
            header(&response, "ratelimit")
        );
    }
    let refused = app.post(&path, None, &numbered_registrant(3)).await;
    let retry_after: u64 = header(&refused, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert!(header(&refused, "ratelimit").starts_with("\"sensitive\";r=0;"));
    assert_problem(refused, 429, "rate_limited").await;
    assert_eq!(app.count("registrations").await, 3);
    // Reading is limited by the (looser) anonymous policy, not the exhausted one.
    let read = app.get(&format!("/api/v1/rounds/{round}"), None).await;
    assert_eq!(read.status(), 200);
    assert_eq!(
        header(&read, "ratelimit-policy"),
        "\"anonymous\";q=1000000;w=60"
    );
}

#[tokio::test]
async fn two_replicas_share_one_strict_quota_per_client_address() {
    let first = spawn_app_with(&[("RATE_LIMIT_SENSITIVE", "4/min")]).await;
    let second = first.replica(&[("RATE_LIMIT_SENSITIVE", "4/min")]);
    let round = first.open_round(100).await;
    let path = format!("/api/v1/rounds/{round}/registrations");
    // Alternating between the replicas, as a balancer would: one quota of four, not eight.
    for n in 0..4 {
        let replica = if n % 2 == 0 { &first } else { &second };
        let response = replica.post(&path, None, &numbered_registrant(n)).await;
        assert_eq!(response.status(), 201, "registration {n}");
        assert!(
            header(&response, "ratelimit").starts_with(&format!("\"sensitive\";r={};t=", 3 - n)),
            "{}",
            header(&response, "ratelimit")
        );
    }
    for (n, replica) in [(4, &first), (5, &second)] {
        let refused = replica.post(&path, None, &numbered_registrant(n)).await;
        let retry_after: u64 = header(&refused, "retry-after").parse().unwrap_or(0);
        assert!((1..=15).contains(&retry_after), "{retry_after}");
        assert_problem(refused, 429, "rate_limited").await;
    }
    assert_eq!(first.count("registrations").await, 4);
}

#[tokio::test]
async fn concurrent_requests_on_two_replicas_pass_the_strict_quota_exactly() {
    let first = spawn_app_with(&[("RATE_LIMIT_SENSITIVE", "5/min")]).await;
    let second = first.replica(&[("RATE_LIMIT_SENSITIVE", "5/min")]);
    let confirm = json!({"token": "no-such-token"});
    let attempts = (0..24).map(|n| {
        let replica = if n % 2 == 0 { &first } else { &second };
        replica.post("/api/v1/registrations/confirm", None, &confirm)
    });
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let passed = statuses.iter().filter(|s| **s != 429).count();
    assert_eq!(passed, 5, "{statuses:?}");
}

#[tokio::test]
async fn callers_with_a_token_are_limited_per_token() {
    let app = spawn_app_with(&[("RATE_LIMIT_TOKEN", "2/min")]).await;
    let admin = app.admin();
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/clients", Some(&admin)).await.status(), 200);
    }
    assert_problem(
        app.get("/api/v1/clients", Some(&admin)).await,
        429,
        "rate_limited",
    )
    .await;
    let moderator = app.moderator();
    assert_eq!(
        app.get("/api/v1/consultations", Some(&moderator))
            .await
            .status(),
        200,
        "another token has its own quota"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_ANONYMOUS", "1/min"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let get = |forwarded: &'static str| {
        app.request(reqwest::Method::GET, "/api/v1/categories", None)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    assert_eq!(get("203.0.113.7").await.unwrap().status(), 200);
    assert_eq!(get("203.0.113.8").await.unwrap().status(), 200);
    assert_eq!(get("203.0.113.7").await.unwrap().status(), 429);

    let untrusting = spawn_app_with(&[("RATE_LIMIT_ANONYMOUS", "1/min")]).await;
    let get = |forwarded: &'static str| {
        untrusting
            .request(reqwest::Method::GET, "/api/v1/categories", None)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    assert_eq!(get("203.0.113.7").await.unwrap().status(), 200);
    assert_eq!(
        get("203.0.113.8").await.unwrap().status(),
        429,
        "without a trusted proxy the header is ignored"
    );
}

/// Sends `send` from `address` (through the trusted proxy) until the strict policy of two
/// per minute refuses it: two answers carry that policy, the third is 429 with `Retry-After`.
/// Returns the first answer's status.
async fn strict_policy_allows_two<F, Fut>(what: &str, send: F) -> u16
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mut first = None;
    for _ in 0..2 {
        let response = send().await;
        assert_ne!(response.status(), 429, "{what}");
        assert_eq!(
            header(&response, "ratelimit-policy"),
            "\"sensitive\";q=2;w=60",
            "{what}"
        );
        first.get_or_insert(response.status().as_u16());
    }
    let refused = send().await;
    assert_eq!(
        header(&refused, "ratelimit-policy"),
        "\"sensitive\";q=2;w=60",
        "{what}"
    );
    let retry_after: u64 = header(&refused, "retry-after").parse().unwrap_or(0);
    assert!((1..=60).contains(&retry_after), "{what}: {retry_after}");
    if what.contains("token") {
        assert_slow_down(refused).await;
    } else {
        assert_problem(refused, 429, "rate_limited").await;
    }
    first.unwrap_or_default()
}

/// A 429 of the token endpoint: an OAuth error (RFC 6749 §5.2, `slow_down`) as JSON, with the
/// members of the problem `rate_limited` beside it.
async fn assert_slow_down(refused: reqwest::Response) -> Value {
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "content-type"), "application/json");
    assert_eq!(header(&refused, "cache-control"), "no-store");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "slow_down", "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    let problem = is_problem("application/problem+json", 429, "rate_limited", &body);
    assert_eq!(problem, Ok(()), "{body}");
    body
}

#[tokio::test]
async fn a_token_request_over_the_limit_is_told_to_slow_down_as_oauth_clients_read_it() {
    let app = spawn_app_with(&[("RATE_LIMIT_SENSITIVE", "1/min")]).await;
    let request = || {
        app.request(reqwest::Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "guess"),
            ])
            .send()
    };
    assert_eq!(request().await.unwrap().status(), 401);
    let refused = request().await.unwrap();
    assert!(!header(&refused, "retry-after").is_empty());
    let body = assert_slow_down(refused).await;
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("retry in")),
        "{body}"
    );
}

#[tokio::test]
async fn tokens_confirmations_and_searches_are_limited_strictly_however_the_path_is_spelt() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_SENSITIVE", "2/min"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let c = id(&app.consultation("integrationskonzept", "open").await);
    // Each endpoint from its own client address, so each meets a fresh quota.
    let from = |address: &'static str, method: reqwest::Method, path: String| {
        app.request(method, &path, None)
            .header("x-forwarded-for", address)
    };
    let credentials = [
        ("grant_type", "client_credentials"),
        ("client_id", "nobody"),
        ("client_secret", "guess"),
    ];

    let status = strict_policy_allows_two("token", || async {
        from(
            "203.0.113.1",
            reqwest::Method::POST,
            "/api/v1/auth/token".into(),
        )
        .form(&credentials)
        .send()
        .await
        .unwrap()
    })
    .await;
    assert_eq!(status, 401);
    // Percent-encoded, the path still reaches the token handler: it gets the same policy.
    let status = strict_policy_allows_two("encoded token path", || async {
        from(
            "203.0.113.2",
            reqwest::Method::POST,
            "/api/v1/auth/%74oken".into(),
        )
        .form(&credentials)
        .send()
        .await
        .unwrap()
    })
    .await;
    assert_eq!(status, 401, "the encoded path is the token endpoint");

    let unknown = json!({"token": "no-such-token"});
    let status = strict_policy_allows_two("confirmation", || async {
        from(
            "203.0.113.3",
            reqwest::Method::POST,
            "/api/v1/registrations/confirm".into(),
        )
        .json(&unknown)
        .send()
        .await
        .unwrap()
    })
    .await;
    assert_eq!(status, 404);
    let status = strict_policy_allows_two("encoded confirmation path", || async {
        from(
            "203.0.113.4",
            reqwest::Method::POST,
            "/api/v1/registrations/%63onfirm".into(),
        )
        .json(&unknown)
        .send()
        .await
        .unwrap()
    })
    .await;
    assert_eq!(status, 404, "the encoded path is the confirmation endpoint");

    let status = strict_policy_allows_two("organisation search", || async {
        from(
            "203.0.113.5",
            reqwest::Method::GET,
            "/api/v1/organisations?q=Kita".into(),
        )
        .send()
        .await
        .unwrap()
    })
    .await;
    assert_eq!(status, 200);
    let status = strict_policy_allows_two("submission search", || async {
        from(
            "203.0.113.6",
            reqwest::Method::GET,
            format!("/api/v1/consultations/{c}/submissions?q=Sprachkurs"),
        )
        .send()
        .await
        .unwrap()
    })
    .await;
    assert_eq!(status, 200);

    // Listing without a search stays under the looser anonymous policy.
    let list = from(
        "203.0.113.5",
        reqwest::Method::GET,
        "/api/v1/organisations?region=Halle".into(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(list.status(), 200);
    assert_eq!(
        header(&list, "ratelimit-policy"),
        "\"anonymous\";q=1000000;w=60"
    );
}

const FRONT_END: &str = "https://beteiligung.sachsen-anhalt.de";

/// A browser's preflight from the configured front end, answered for that origin.
async fn preflight_from_the_front_end(
    app: &crate::helpers::TestApp,
    path: &str,
    method: &str,
    headers: &str,
) -> reqwest::Response {
    let preflight = app
        .request(reqwest::Method::OPTIONS, path, None)
        .header("origin", FRONT_END)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(header(&preflight, "access-control-allow-origin"), FRONT_END);
    preflight
}

#[tokio::test]
async fn a_configured_front_end_is_served_across_origins() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", FRONT_END)]).await;
    let c = app.consultation("integrationskonzept", "open").await;
    let path = format!("/api/v1/consultations/{}", id(&c));
    let preflight = preflight_from_the_front_end(
        &app,
        &path,
        "PATCH",
        "authorization, if-match, content-type",
    )
    .await;
    assert!(header(&preflight, "access-control-allow-methods").contains("PATCH"));
    assert!(
        header(&preflight, "access-control-allow-headers")
            .to_lowercase()
            .contains("if-match")
    );

    let read = app
        .request(reqwest::Method::GET, &path, None)
        .header("origin", FRONT_END)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(header(&read, "access-control-allow-origin"), FRONT_END);
    let exposed = header(&read, "access-control-expose-headers").to_lowercase();
    for name in [
        "etag",
        "location",
        "idempotent-replayed",
        "retry-after",
        "ratelimit",
    ] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
}

#[tokio::test]
async fn preflights_allow_trace_context_conditional_reads_and_preferences() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", FRONT_END)]).await;
    let preflight = preflight_from_the_front_end(
        &app,
        "/api/v1/consultations",
        "GET",
        "traceparent, tracestate, if-none-match, prefer",
    )
    .await;
    let allowed = header(&preflight, "access-control-allow-headers").to_lowercase();
    for name in ["traceparent", "tracestate", "if-none-match", "prefer"] {
        assert!(allowed.contains(name), "{name} not allowed: {allowed}");
    }
}

#[tokio::test]
async fn a_foreign_origin_gets_no_cors_headers() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", FRONT_END)]).await;
    let preflight = app
        .request(reqwest::Method::OPTIONS, "/api/v1/consultations", None)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let read = app
        .request(reqwest::Method::GET, "/api/v1/consultations", None)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.status(),
        200,
        "the browser, not the server, withholds it"
    );
    assert!(read.headers().get("access-control-allow-origin").is_none());

    let default = spawn_app().await;
    let read = default
        .request(reqwest::Method::GET, "/api/v1/consultations", None)
        .header("origin", FRONT_END)
        .send()
        .await
        .unwrap();
    assert!(
        read.headers().get("access-control-allow-origin").is_none(),
        "no origin is allowed by default"
    );
}

#[tokio::test]
async fn a_method_a_path_does_not_serve_is_405_with_allow() {
    let app = spawn_app().await;
    let response = app.delete("/api/v1/consultations", None).await;
    assert_eq!(header(&response, "allow"), "GET, POST");
    assert_problem(response, 405, "method_not_allowed").await;
    let response = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/submissions/{}", uuid::Uuid::now_v7()),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "allow"), "DELETE, GET, PATCH");
    assert_problem(response, 405, "method_not_allowed").await;
    // A literal path beside a parameter (`/registrations/{id}`) is its own resource.
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let response = app
            .request(method, "/api/v1/registrations/confirm", None)
            .send()
            .await
            .unwrap();
        assert_eq!(header(&response, "allow"), "POST");
        assert_problem(response, 405, "method_not_allowed").await;
    }
    assert_problem(
        app.get("/api/v1/nothing-here", None).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn responses_are_not_cached_not_sniffed_and_carry_a_request_id() {
    let app = spawn_app().await;
    let admin = app.admin();
    let c = app.consultation("integrationskonzept", "open").await;
    let round = id(&app.round(&id(&c), 10).await);
    let registration: Value = app
        .post(
            &format!("/api/v1/rounds/{round}/registrations"),
            Some(&admin),
            &registrant("Aylin Demir", "a.demir@example.org"),
        )
        .await
        .json()
        .await
        .unwrap();
    // Every endpoint that answers with personal data.
    for path in [
        format!("/api/v1/rounds/{round}/registrations"),
        format!("/api/v1/registrations/{}", id(&registration)),
        format!("/api/v1/registrations/{}/history", id(&registration)),
        format!("/api/v1/rounds/{round}/registrations/export?format=csv"),
        format!("/api/v1/consultations/{}/submissions", id(&c)),
        format!(
            "/api/v1/consultations/{}/submissions/export?format=csv",
            id(&c)
        ),
        format!(
            "/api/v1/consultations/{}/consideration-table?format=xlsx",
            id(&c)
        ),
        "/api/v1/outbox".to_string(),
        "/api/v1/clients".to_string(),
        "/api/v1/webhooks".to_string(),
        "/api/v1/privacy/access-log".to_string(),
        "/api/v1/privacy/processing".to_string(),
    ] {
        let response = app.get(&path, Some(&admin)).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
    }
    let exported = app
        .post(
            "/api/v1/privacy/export",
            Some(&admin),
            &json!({"email": "a.demir@example.org"}),
        )
        .await;
    assert_eq!(header(&exported, "cache-control"), "no-store");
    // A problem too, and the operations endpoints are not sniffed either.
    let refused = app.get("/api/v1/outbox", None).await;
    assert_eq!(header(&refused, "cache-control"), "no-store");
    for path in ["/healthz", "/openapi.json", "/metrics"] {
        let response = app.get(path, None).await;
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
    }
    // The caller's request id comes back; without one, a new one is made.
    let traced = app
        .request(reqwest::Method::GET, "/healthz", None)
        .header("x-request-id", "trace-4711")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&traced, "x-request-id"), "trace-4711");
    let fresh = app.get("/healthz", None).await;
    assert!(uuid::Uuid::parse_str(&header(&fresh, "x-request-id")).is_ok());
}

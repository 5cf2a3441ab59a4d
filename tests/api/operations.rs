use std::time::Duration;

use beteiligung::config::{Config, MissingSecret};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::helpers::{TestApp, assert_problem, metric_value, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_ok_when_the_database_is_migrated() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_unreachable() {
    let vars = [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
        ("JWT_SECRET", "test-secret-that-is-long-enough-0123456789"),
        ("HTTP_WORKERS", "1"),
    ];
    let config = Config::from_lookup(
        |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        },
        MissingSecret::Refuse,
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(beteiligung::startup::run(&config, listener).unwrap());
    let base = format!("http://127.0.0.1:{port}");
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<Value>().await.unwrap()["status"],
        "database unreachable"
    );
    let alive = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(alive.status(), 200);
    // An API call needing the database is a 503 problem, not a 500.
    let list = reqwest::get(format!("{base}/api/v1/consultations"))
        .await
        .unwrap();
    assert_eq!(list.status(), 503);
    let body: Value = list.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
}

#[tokio::test]
async fn the_spec_and_swagger_ui_are_served_from_the_binary() {
    let app = spawn_app().await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/consultations"]["post"].is_object());
    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger-ui"));
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status(), 308);
}

/// The committed spec must be what the code generates.
#[test]
fn committed_openapi_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = beteiligung::api::openapi::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
}

/// Every email field a request can carry states the shape the service checks.
#[test]
fn every_email_field_of_a_request_states_the_email_pattern() {
    let spec: Value = serde_json::from_str(&beteiligung::api::openapi::spec_json()).unwrap();
    let document = spec.to_string();
    let mut checked = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let is_request = document.contains(&format!(
            "\"requestBody\":{{\"content\":{{\"application/json\":{{\"schema\":{{\"$ref\":\"#/components/schemas/{name}\""
        ));
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (field, property) in properties {
            if is_request && (field == "email" || field.ends_with("_email")) {
                assert_eq!(
                    property["pattern"],
                    beteiligung::domain::validate::EMAIL_PATTERN,
                    "{name}.{field}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked, 5,
        "the email fields of NewSubmission, NewRegistration, PrivacyRequest, NewAuthority, AuthorityPatch"
    );
}

#[test]
fn every_operation_documents_its_problems_and_security() {
    let spec: Value = serde_json::from_str(&beteiligung::api::openapi::spec_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for field in ["summary", "description"] {
                assert!(
                    operation[field]
                        .as_str()
                        .is_some_and(|s| !s.trim().is_empty()),
                    "{method} {path} has no {field}"
                );
            }
            let responses = operation["responses"].as_object().unwrap();
            if path.starts_with("/api/v1") {
                assert!(
                    responses.keys().any(|code| code.starts_with('4')),
                    "{method} {path} documents no 4xx"
                );
                assert!(
                    operation.get("security").is_some() || path == "/api/v1/auth/token",
                    "{method} {path} has no security"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_outbox_series_exist_at_zero_before_any_backlog() {
    let app = spawn_app().await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for channel in ["mail", "webhook"] {
        for series in [
            "beteiligung_outbox_pending",
            "beteiligung_outbox_oldest_pending_seconds",
            "beteiligung_outbox_sent_total",
            "beteiligung_outbox_retries_total",
            "beteiligung_outbox_failed_total",
        ] {
            let line = format!("{series}{{channel=\"{channel}\"}} 0\n");
            assert!(text.contains(&line), "no {line:?} in {text}");
        }
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let app = spawn_app().await;
    app.get("/api/v1/categories", None).await;
    app.get(&format!("/api/v1/rounds/{}", uuid::Uuid::now_v7()), None)
        .await;
    app.get("/api/v1/registrations/confirm", None).await;
    app.get("/api/v1/no-such-thing/42", None).await;
    let probe = reqwest::Method::from_bytes(b"PROBE42").unwrap();
    app.request(probe, "/api/v1/categories", None)
        .send()
        .await
        .unwrap();
    app.get("/metrics", None).await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("beteiligung_http_requests_total{endpoint=\"/api/v1/categories\",method=\"GET\",status=\"200\"} 1"), "{text}");
    assert!(
        text.contains("endpoint=\"/api/v1/rounds/{id}\""),
        "ids are not labels: {text}"
    );
    // A literal route is not counted under the parameter route beside it.
    assert!(text.contains("beteiligung_http_requests_total{endpoint=\"/api/v1/registrations/confirm\",method=\"GET\",status=\"405\"} 1"), "{text}");
    assert!(
        text.contains(
            "beteiligung_http_requests_total{endpoint=\"UNKNOWN\",method=\"GET\",status=\"404\"} 1"
        ),
        "{text}"
    );
    assert!(!text.contains("endpoint=\"/metrics\""), "{text}");
    assert!(
        text.contains("endpoint=\"/api/v1/categories\",method=\"OTHER\""),
        "{text}"
    );
    assert!(!text.contains("PROBE42"), "{text}");
    assert!(text.contains("beteiligung_http_requests_duration_seconds_count{endpoint=\"/api/v1/categories\",method=\"GET\",status=\"200\"} 1"), "{text}");
    // The test server's DB_POOL_SIZE=20 is split between its 2 HTTP workers; the two
    // requests above opened a connection or two, which wait idle for the next request.
    let value =
        |series: &str| metric_value(&text, series).unwrap_or_else(|| panic!("{series}: {text}"));
    assert_eq!(
        value("beteiligung_db_connections_max{pool=\"requests\"}"),
        20.0
    );
    assert_eq!(
        value("beteiligung_db_connections{pool=\"requests\",state=\"in_use\"}"),
        0.0
    );
    let idle = value("beteiligung_db_connections{pool=\"requests\",state=\"idle\"}");
    assert!((1.0..=2.0).contains(&idle), "{text}");
    assert_eq!(
        value("beteiligung_db_connection_waits{pool=\"requests\"}"),
        0.0
    );
    assert_eq!(
        value("beteiligung_db_connections_max{pool=\"background\"}"),
        4.0
    );
}

#[tokio::test]
async fn the_demo_consultation_loads_idempotently() {
    use diesel_async::AsyncConnection;
    let app = spawn_app().await;
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.database_url())
        .await
        .unwrap();
    beteiligung::demo::load(&mut conn).await.unwrap();
    beteiligung::demo::load(&mut conn).await.unwrap();

    let consultation: Value = app
        .get(
            "/api/v1/consultations/integrationskonzept-sachsen-anhalt",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(consultation["title"], "Integrationskonzept Sachsen-Anhalt");
    assert_eq!(consultation["status"], "open");
    let rounds: Value = app
        .get(
            "/api/v1/consultations/integrationskonzept-sachsen-anhalt/rounds",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let rounds = rounds["items"].as_array().unwrap();
    let cities: Vec<&str> = rounds
        .iter()
        .map(|r| r["venue"]["city"].as_str().unwrap())
        .collect();
    assert_eq!(
        cities,
        [
            "Magdeburg",
            "Dessau-Roßlau",
            "Stendal",
            "Halle (Saale)",
            "Magdeburg"
        ]
    );
    assert_eq!(rounds[0]["kind"], "kickoff");
    // The conferences of 2019 in the recent past, within the retention (tests/api/demo.rs).
    let kickoff =
        chrono::DateTime::parse_from_rfc3339(rounds[0]["starts_at"].as_str().unwrap()).unwrap();
    assert!((60..80).contains(&(chrono::Utc::now() - kickoff.to_utc()).num_days()));
    assert_eq!(
        rounds[0]["seats"],
        json!({"confirmed": 0, "waitlisted": 0, "attended": 118, "capacity": 130})
    );
    // The workshop is open for registration and submissions now.
    let workshop = &rounds[4];
    let now = chrono::Utc::now();
    let instant = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(workshop[field].as_str().unwrap()).unwrap()
    };
    assert!(instant("registration_opens_at") < now && now < instant("registration_closes_at"));
    assert!(instant("submissions_open_at") < now && now < instant("submissions_close_at"));
    assert_eq!(workshop["seats"]["confirmed"], 23);

    let organisations: Value = app
        .get("/api/v1/organisations?limit=200", None)
        .await
        .json()
        .await
        .unwrap();
    let categories: std::collections::HashSet<&str> = organisations["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories.len(), 16, "every category, loaded once");
    let report: Value = app
        .get(
            "/api/v1/consultations/integrationskonzept-sachsen-anhalt/report",
            Some(&app.admin()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["totals"]["submissions"], 40);
    assert_eq!(report["totals"]["attended"], 278);
    let statuses: std::collections::HashSet<&str> = report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.len(),
        6,
        "submissions in every status: {statuses:?}"
    );
    assert!(
        report["open_needs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["title"] == "Schnellere Anerkennung ausländischer Abschlüsse")
    );
}

#[tokio::test]
async fn demo_api_clients_come_from_the_environment() {
    use diesel_async::AsyncConnection;
    let app = spawn_app().await;
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.database_url())
        .await
        .unwrap();
    beteiligung::demo::load(&mut conn).await.unwrap();
    let partner_id = uuid::Uuid::new_v4().to_string();
    let vars = [
        ("DEMO_PARTNER_CLIENT_ID", partner_id.as_str()),
        (
            "DEMO_PARTNER_CLIENT_SECRET",
            "partner-secret-for-integration-tests",
        ),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let created = beteiligung::demo::load_clients(&mut conn, lookup)
        .await
        .unwrap();
    assert_eq!(created.len(), 1);
    // Loading again (a restart) keeps one client with the same credentials.
    beteiligung::demo::load_clients(&mut conn, lookup)
        .await
        .unwrap();
    let token: Value = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": partner_id,
                    "client_secret": "partner-secret-for-integration-tests"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let submitted = app
        .post(
            "/api/v1/consultations/integrationskonzept-sachsen-anhalt/submissions",
            Some(token),
            &json!({"kind": "need", "topic": "sprache", "title": "Sprachkurse in Teilzeit",
                    "body": "Für Eltern in Teilzeitbeschäftigung", "round_id": beteiligung::demo::OPEN_ROUND_ID}),
        )
        .await;
    assert_eq!(submitted.status(), 201);
    let submitted: Value = submitted.json().await.unwrap();
    assert_eq!(
        submitted["organisation_id"],
        beteiligung::demo::PARTNER_ORGANISATION_ID.to_string()
    );
    let bad = beteiligung::demo::load_clients(&mut conn, |name: &str| {
        (name == "DEMO_ADMIN_CLIENT_ID" || name == "DEMO_ADMIN_CLIENT_SECRET")
            .then(|| "not-a-uuid-and-not-long".to_string())
    })
    .await;
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("DEMO_ADMIN_CLIENT_ID")
    );
}

/// What a caller sees when the database terminates the service's connections, as a fast
/// shutdown, a failover or an administrator does (SQLSTATE 57P01): the request whose
/// statement is running is answered 503 with `Retry-After`, never a 500; then the service
/// serves again on fresh connections.
///
/// The request is held in flight on a lock the test takes, so that the termination meets it
/// for certain. A connection terminated while it idles in the pool reaches no caller once its
/// driver has seen it close (the pool drops it at checkout); only a request checking it out in
/// the moment between would get the 503, which no test can time.
#[tokio::test]
async fn connections_terminated_by_the_database_are_503_then_recover() {
    // A statement timeout far beyond the test: a 503 here can only be the termination's.
    let app = spawn_app_with(&[("DB_POOL_SIZE", "2"), ("DB_STATEMENT_TIMEOUT", "60s")]).await;
    let list = "/api/v1/consultations";
    assert_eq!(app.get(list, None).await.status(), 200);

    let mut db = app.db().await;
    let holding = db.transaction().await.unwrap();
    let (in_flight, waiting) = held_on_a_lock(&app, &holding, list).await;
    let others = "FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()";
    // Every backend of the service, the waiting one with them.
    let terminated: Vec<(i32, bool)> = holding
        .query(
            &format!("SELECT pid, pg_terminate_backend(pid) {others}"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    for pid in &waiting {
        assert!(
            terminated.contains(&(*pid, true)),
            "the waiting backend {pid} was not terminated: {terminated:?}"
        );
    }

    let answered = tokio::time::timeout(Duration::from_secs(30), in_flight)
        .await
        .expect("the terminated request is answered at once")
        .unwrap()
        .expect("an HTTP answer");
    assert_unavailable(answered).await;
    holding.rollback().await.unwrap();

    // Then the service recovers. The backend sends its error before it exits and closes the
    // socket; a request in between gets the dead connection from the pool, fails with
    // "connection closed" and discards it. So each of the two pooled connections may fail one
    // more request, with the same 503 problem; then every request is served.
    let mut after = Vec::new();
    while after.len() < 5 && !after.ends_with(&[200, 200, 200]) {
        let response = app.get(list, None).await;
        let status = response.status().as_u16();
        after.push(status);
        if status == 200 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["items"], json!([]), "{after:?}");
        } else {
            assert_eq!(
                response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap()),
                Some("5"),
                "{after:?}"
            );
            assert_problem(response, 503, "unavailable").await;
        }
    }
    assert!(
        after.ends_with(&[200, 200, 200]) && after.iter().filter(|s| **s == 503).count() <= 2,
        "after the 503: {after:?}"
    );
}

#[tokio::test]
async fn a_statement_timeout_is_503() {
    let app = spawn_app_with(&[("DB_STATEMENT_TIMEOUT", "200ms")]).await;
    let c = app.consultation("integrationskonzept", "open").await;
    let mut db = app.db().await;
    let holding = db.transaction().await.unwrap();
    holding
        .execute(
            "SELECT 1 FROM consultations WHERE slug = 'integrationskonzept' FOR UPDATE",
            &[],
        )
        .await
        .unwrap();
    let change = app
        .patch(
            &format!("/api/v1/consultations/{}", c["id"].as_str().unwrap()),
            Some(&app.admin()),
            &json!({"title": "Integrationskonzept 2020"}),
        )
        .await;
    assert_eq!(change.headers()["retry-after"], "5");
    assert_problem(change, 503, "unavailable").await;
    holding.rollback().await.unwrap();
}

#[tokio::test]
async fn instants_outside_the_years_0001_to_9999_are_400() {
    let app = spawn_app().await;
    let c = app.consultation("integrationskonzept", "open").await;
    let list = app
        .get(
            &format!(
                "/api/v1/consultations/{}/submissions?updated_since=-5000-01-01T00:00:00Z",
                c["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_problem(list, 400, "invalid_parameter").await;
    let round = app
        .post(
            &format!("/api/v1/consultations/{}/rounds", c["id"].as_str().unwrap()),
            Some(&app.admin()),
            &json!({"kind": "online", "title": "Online", "starts_at": "+10000-01-01T00:00:00Z",
                    "ends_at": "+10000-01-02T00:00:00Z", "capacity": 10}),
        )
        .await;
    assert_problem(round, 400, "invalid_body").await;
    let dates = app
        .patch(
            &format!("/api/v1/consultations/{}", c["id"].as_str().unwrap()),
            Some(&app.admin()),
            &json!({"ends_on": "0000-12-31"}),
        )
        .await;
    assert_problem(dates, 400, "invalid_body").await;
}

/// Started against a port where no database listens, the service retries with backoff,
/// logs each attempt (as JSON lines when asked to) naming host and port but no password,
/// and gives up after `DB_CONNECT_TIMEOUT`.
#[tokio::test]
async fn an_unreachable_database_is_retried_and_named_until_the_timeout() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let mut migrate = std::process::Command::new(env!("CARGO_BIN_EXE_beteiligung"));
    migrate
        .arg("migrate")
        .env(
            "DATABASE_URL",
            format!("postgres://app:geheim@127.0.0.1:{port}/beteiligung"),
        )
        .env("DB_CONNECT_TIMEOUT", "2s")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info");
    let output = tokio::task::spawn_blocking(move || migrate.output())
        .await
        .unwrap()
        .unwrap();
    let took = started.elapsed();
    assert!(!output.status.success());
    assert!(took >= std::time::Duration::from_secs(2), "{took:?}");
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("geheim"), "{stderr}");
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let server = format!("database at 127.0.0.1:{port} not reachable");
    let retries = lines
        .iter()
        .filter(|l| l["level"] == "WARN" && l["message"].as_str().unwrap().contains("retrying in"))
        .count();
    assert!(retries >= 2, "{stderr}");
    assert!(
        lines
            .iter()
            .all(|l| l["message"].as_str().unwrap().contains(&server)),
        "{stderr}"
    );
    let last = lines.last().unwrap();
    assert_eq!(last["level"], "ERROR", "{stderr}");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("DB_CONNECT_TIMEOUT"),
        "{stderr}"
    );
}

/// SIGTERM's first step (`DRAIN_DELAY`): readiness turns 503 `draining` with `Retry-After`,
/// while requests are still served, each closing its connection so that a balancer opens its
/// next one elsewhere. Then the listener closes and a request held in flight is still
/// answered: a rolling restart fails no request.
#[tokio::test]
async fn a_draining_replica_is_unready_but_serves_and_finishes_what_it_holds() {
    let app = spawn_app().await;
    let list = "/api/v1/consultations";
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    app.begin_draining();
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("5")
    );
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "draining");
    let served = app.get(list, None).await;
    assert_eq!(served.status(), 200);
    assert_eq!(
        served
            .headers()
            .get("connection")
            .map(|v| v.to_str().unwrap()),
        Some("close")
    );

    // A request in flight when the listener closes: held on a lock the test takes.
    let mut db = app.db().await;
    let holding = db.transaction().await.unwrap();
    let (in_flight, _) = held_on_a_lock(&app, &holding, list).await;
    let stopping = tokio::spawn({
        let app_url = app.url("/readyz");
        async move {
            // A fresh client each time: no kept-alive connection, a new one is refused.
            loop {
                match reqwest::Client::new().get(&app_url).send().await {
                    Err(e) if e.is_connect() => break,
                    _ => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        }
    });
    let stopped = tokio::spawn(async move {
        app.stop_gracefully().await;
        app
    });
    tokio::time::timeout(Duration::from_secs(30), stopping)
        .await
        .expect("the listener closes")
        .unwrap();
    assert!(!in_flight.is_finished(), "the held request was cut off");
    holding.rollback().await.unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(30), in_flight)
        .await
        .expect("the held request is answered")
        .unwrap()
        .expect("an HTTP answer, not a broken connection");
    assert_eq!(answered.status(), 200);
    let app = stopped.await.unwrap();
    drop(app);
}

/// A server that takes no writes (a primary demoted to a standby, a database set read-only
/// during maintenance) refuses every change with 503 and `Retry-After`, never a 500; reads
/// go on.
#[tokio::test]
async fn a_read_only_database_is_503_with_retry_after_for_writes() {
    let app = spawn_app().await;
    app.db()
        .await
        .batch_execute(&format!(
            "ALTER DATABASE {} SET default_transaction_read_only = on",
            app.db_name
        ))
        .await
        .unwrap();
    // A replica on the same database: its connections are opened read-only.
    let read_only = app.replica(&[]);
    let admin = read_only.admin();
    let created = read_only
        .post(
            "/api/v1/consultations",
            Some(&admin),
            &json!({"slug": "nur-lesen", "title": "Nur lesen", "summary": "Wartung",
                    "topics": [{"key": "sprache", "label": "Sprache"}]}),
        )
        .await;
    assert_unavailable(created).await;
    assert_eq!(
        read_only.get("/api/v1/consultations", None).await.status(),
        200
    );
}

/// Locks the consultations in `holding` and sends a GET of `path` (which reads them), then
/// waits until the request waits on that lock: the request in flight, and the backends that
/// wait.
async fn held_on_a_lock(
    app: &TestApp,
    holding: &tokio_postgres::Transaction<'_>,
    path: &str,
) -> (
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
    Vec<i32>,
) {
    holding
        .batch_execute("LOCK TABLE consultations IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let in_flight = tokio::spawn(app.request(Method::GET, path, None).send());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: Vec<i32> = holding
            .query(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        if !waiting.is_empty() {
            return (in_flight, waiting);
        }
        assert!(
            Instant::now() < deadline,
            "the request never waited on the locked table"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A 503 problem `unavailable` that says when to retry.
async fn assert_unavailable(response: reqwest::Response) {
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("5")
    );
    assert_problem(response, 503, "unavailable").await;
}

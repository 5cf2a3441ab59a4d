//! Spawns the real server on a free port against its own PostgreSQL database, cloned from a
//! migrated template, and offers a client that speaks to it like a user would.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::smtp::MailSink;
use beteiligung::auth::TokenService;
use beteiligung::base::{AuthorityOfCaller, Principal, Role};
use beteiligung::config::{Config, MissingSecret};
use futures::future::join_all;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const SECRET: &str = "test-secret-that-is-long-enough-0123456789";

/// The PostgreSQL server the tests use (any database on it; tests create their own).
fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn database_url(name: &str) -> String {
    let mut config: tokio_postgres::Config = server_url().parse().expect("TEST_DATABASE_URL");
    config.dbname(name);
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    format!("postgres://{user}{password}@{host}:{port}/{name}")
}

async fn admin_connection() -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(&database_url("postgres"), tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL must be running (see README)");
    tokio::spawn(connection);
    client
}

/// Template name derived from the migrations, so a changed migration gets a new template.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = walk(&dir);
        files.sort();
        let mut hasher = Sha256::new();
        for file in files {
            hasher.update(file.to_string_lossy().as_bytes());
            hasher.update(std::fs::read(&file).unwrap_or_default());
        }
        let digest = hasher.finalize();
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("beteiligung_tpl_{hex}")
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Creates the migrated template once per migration set, safely across test processes.
async fn ensure_template(admin: &tokio_postgres::Client) {
    let template = template_name();
    admin
        .execute("SELECT pg_advisory_lock(7215)", &[])
        .await
        .expect("advisory lock");
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
        .await
        .expect("pg_database")
        .is_some();
    if !exists {
        let building = format!("{template}_building");
        for statement in [
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            format!("CREATE DATABASE {building}"),
        ] {
            admin
                .batch_execute(&statement)
                .await
                .expect("create template");
        }
        beteiligung::db::migrate(&database_url(&building), "Standardbehörde")
            .await
            .expect("migrate template");
        admin
            .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
            .await
            .expect("rename template");
    }
    admin
        .execute("SELECT pg_advisory_unlock(7215)", &[])
        .await
        .expect("advisory unlock");
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db_name: String,
    tokens: TokenService,
    server: actix_web::dev::ServerHandle,
    /// Marks the server as stopping, as SIGTERM does in the process.
    drain: beteiligung::api::drain::Drain,
    /// The first app of a test drops its database at the end; replicas share it.
    owns_database: bool,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !self.owns_database {
            return;
        }
        let name = self.db_name.clone();
        // Drop runs inside the test's runtime; use a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = admin_connection().await;
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Limits high enough that no test but the rate-limit ones meets them.
const UNLIMITED: &str = "1000000/min";

/// The app with extra (or overriding) configuration variables.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let _ = env_logger::builder().is_test(true).try_init();
    let admin = admin_connection().await;
    ensure_template(&admin).await;
    let db_name = format!("t_{}", Uuid::new_v4().simple());
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {db_name} TEMPLATE {}",
            template_name()
        ))
        .await
        .expect("clone template");
    start_server(db_name, extra, true)
}

/// Configuration for mail through `sink`, delivered promptly and retried soon.
pub fn mail_settings(sink_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_URL", sink_url.to_string()),
        ("MAIL_FROM", "\"Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung\" <beteiligung@ms.sachsen-anhalt.test>".into()),
        ("OUTBOX_POLL_INTERVAL", "100ms".into()),
        ("MAIL_RETRY_DELAY", "300ms".into()),
        ("REGISTRATION_CONFIRM_URL", CONFIRM_URL.into()),
        ("REGISTRATION_CANCEL_URL", CANCEL_URL.into()),
    ]
}

pub const CONFIRM_URL: &str =
    "https://beteiligung.sachsen-anhalt.test/anmeldung/bestaetigen?token={token}";
pub const CANCEL_URL: &str =
    "https://beteiligung.sachsen-anhalt.test/anmeldung/{id}/stornieren?token={token}";

/// The app with mail going to a real SMTP server on a local port.
pub async fn spawn_app_with_mail(extra: &[(&str, &str)]) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let settings = mail_settings(&sink.url());
    let mut vars: Vec<(&str, &str)> = extra.to_vec();
    vars.extend(settings.iter().map(|(k, v)| (*k, v.as_str())));
    (spawn_app_with(&vars).await, sink)
}

fn start_server(db_name: String, extra: &[(&str, &str)], owns_database: bool) -> TestApp {
    let url = database_url(&db_name);
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("JWT_SECRET", SECRET),
        ("DB_POOL_SIZE", "20"),
        // Concurrency tests queue hundreds of requests on one lock while other tests load the
        // same machine; they check outcomes, not latency, so a request waits for a connection.
        ("DB_POOL_WAIT_TIMEOUT", "60s"),
        ("HTTP_WORKERS", "2"),
        ("RATE_LIMIT_ANONYMOUS", UNLIMITED),
        ("RATE_LIMIT_SENSITIVE", UNLIMITED),
        ("RATE_LIMIT_TOKEN", UNLIMITED),
    ];
    let config = Config::from_lookup(
        |name| {
            extra
                .iter()
                .chain(vars.iter())
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        },
        MissingSecret::Refuse,
    )
    .expect("test config");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let drain = beteiligung::api::drain::Drain::default();
    let telemetry =
        beteiligung::telemetry::Telemetry::from_config(&config.tracing).expect("telemetry");
    let server = beteiligung::startup::run_with(&config, listener, telemetry, drain.clone())
        .expect("server");
    let handle = server.handle();
    tokio::spawn(server);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db_name,
        tokens: TokenService::new(&config.jwt),
        server: handle,
        drain,
        owns_database,
    }
}

impl TestApp {
    /// Another replica of the service on the same database, with its own configuration.
    pub fn replica(&self, extra: &[(&str, &str)]) -> TestApp {
        start_server(self.db_name.clone(), extra, false)
    }

    /// What SIGTERM starts: readiness 503, requests still served.
    pub fn begin_draining(&self) {
        self.drain.begin();
    }

    /// What follows the drain delay: the listener closes, requests in flight are finished.
    pub async fn stop_gracefully(&self) {
        self.server.stop(true).await;
    }

    /// Stops accepting and serving requests at once, as a crashed process would.
    pub async fn stop(&self) {
        self.server.stop(false).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn token(&self, role: Role, organisation_id: Option<Uuid>) -> String {
        self.token_of(role, organisation_id, None)
    }

    /// A token of an authority's staff, naming the authority by its slug.
    pub fn staff_of(&self, role: Role, authority_slug: &str) -> String {
        self.token_of(role, None, Some(authority_slug))
    }

    fn token_of(
        &self,
        role: Role,
        organisation_id: Option<Uuid>,
        authority: Option<&str>,
    ) -> String {
        let principal = Principal {
            subject: format!("test-{role}"),
            role,
            organisation_id,
            display_name: None,
            authority: authority.map(AuthorityOfCaller::named),
        };
        self.tokens
            .issue(&principal, std::time::Duration::from_secs(600))
            .expect("token")
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None)
    }

    pub fn moderator(&self) -> String {
        self.token(Role::Moderator, None)
    }

    pub fn partner(&self, organisation_id: Uuid) -> String {
        self.token(Role::Partner, Some(organisation_id))
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token)
            .send()
            .await
            .expect("GET")
    }

    /// GET, and the JSON body of the answer (whatever its status).
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        self.get(path, token).await.json().await.expect("JSON body")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token)
            .send()
            .await
            .expect("DELETE")
    }

    pub fn database_url(&self) -> String {
        database_url(&self.db_name)
    }

    /// PATCH with an `If-Match` header.
    pub async fn patch_if_match(
        &self,
        path: &str,
        token: &str,
        etag: &str,
        body: &Value,
    ) -> Response {
        self.request(Method::PATCH, path, Some(token))
            .header("if-match", etag)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    /// POSTs `body` `times` at once with one `Idempotency-Key`, as a client retrying after
    /// timeouts does. Each answer must be 201 or 409 `idempotency_key_in_use`; returns the
    /// ids the 201s carry.
    pub async fn post_at_once_with_key(
        &self,
        path: &str,
        token: Option<&str>,
        key: &str,
        body: &Value,
        times: usize,
    ) -> HashSet<Value> {
        let responses = join_all((0..times).map(|_| {
            self.request(Method::POST, path, token)
                .header("idempotency-key", key)
                .json(body)
                .send()
        }))
        .await;
        let mut ids = HashSet::new();
        for response in responses {
            let response = response.expect("POST");
            match response.status().as_u16() {
                201 => {
                    ids.insert(response.json::<Value>().await.expect("JSON body")["id"].clone());
                }
                409 => assert_eq!(
                    response.json::<Value>().await.expect("problem body")["code"],
                    "idempotency_key_in_use"
                ),
                other => panic!("unexpected status {other}"),
            }
        }
        ids
    }

    /// How many rows of `table` match an SQL condition.
    pub async fn count_where(&self, table: &str, condition: &str) -> i64 {
        self.db()
            .await
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE {condition}"),
                &[],
            )
            .await
            .expect("count")
            .get(0)
    }

    /// How many rows `table` holds in this test's database.
    pub async fn count(&self, table: &str) -> i64 {
        self.db()
            .await
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .expect("count")
            .get(0)
    }

    /// The value of one series at `GET /metrics`, e.g.
    /// `beteiligung_outbox_sent_total{channel="webhook"}`; `None` while it is not there.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        let response = self.get("/metrics", None).await;
        assert_eq!(response.status(), 200, "GET /metrics");
        metric_value(&response.text().await.expect("metrics"), series)
    }

    /// A direct connection to this test's database, to check what is stored.
    pub async fn db(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&database_url(&self.db_name), tokio_postgres::NoTls)
                .await
                .expect("test database");
        tokio::spawn(connection);
        client
    }
}

/// Asserts a problem response with `status` and `code`, and returns its body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = content_type(&response);
    let body: Value = response.json().await.expect("problem body");
    if let Err(why) = is_problem(&content_type, status, code, &body) {
        panic!("{why}: {body}");
    }
    body
}

/// Whether an answer of `content_type` with `body` is the problem `status` `code`; `Err` says
/// how it differs.
pub fn is_problem(content_type: &str, status: u16, code: &str, body: &Value) -> Result<(), String> {
    if content_type != "application/problem+json" {
        return Err(format!("content type {content_type:?}"));
    }
    if body["status"] != status || body["code"] != code {
        return Err(format!("not the problem {status} {code}"));
    }
    if !(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string()) {
        return Err("a problem without title, detail or type".into());
    }
    Ok(())
}

/// The `Content-Type` of a response, empty when it has none.
pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_string()
}

/// The value of one series in the Prometheus text of `GET /metrics`, e.g.
/// `beteiligung_outbox_sent_total{channel="webhook"}`.
pub fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

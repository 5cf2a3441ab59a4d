//! TLS to PostgreSQL: the test server (`.ci/ensure-postgres`) has `ssl = on` with a
//! certificate for `localhost` only, from a CA made on the machine. The service connects
//! with `sslmode=verify-full`, `verify-ca` and `require` as libpq would, refuses what libpq
//! refuses, and PostgreSQL itself tells that its connections are encrypted.

use serde_json::Value;

use crate::helpers::{TestApp, id, spawn_app};

/// The CA of the test server's certificate (`TEST_DATABASE_CA` to use another).
fn ca() -> String {
    std::env::var("TEST_DATABASE_CA")
        .unwrap_or_else(|_| "/var/lib/postgresql/beteiligung-ca.pem".into())
}

/// A CA that signed nothing the test server has.
fn another_ca() -> String {
    format!("{}/tests/api/another-ca.pem", env!("CARGO_MANIFEST_DIR"))
}

/// The URL of `app`'s database at `host` with TLS `parameters`, its connections named
/// `application` (which also shows that the URL's other parameters are kept).
fn url(app: &TestApp, host: &str, parameters: &str, application: &str) -> String {
    let url = app
        .database_url()
        .replace("@127.0.0.1:", &format!("@{host}:"));
    format!("{url}?{parameters}&application_name={application}")
}

/// Whether PostgreSQL's connections named `application` use TLS, one entry each.
async fn encrypted(app: &TestApp, application: &str) -> Vec<bool> {
    app.db()
        .await
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.datname = current_database() AND a.application_name = $1",
            &[&application],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Writes an organisation through `server` and reads it back.
async fn writes_and_reads(server: &TestApp) {
    let created = server
        .organisation(
            "Landesfrauenrat Sachsen-Anhalt",
            "welfare_association",
            "Magdeburg",
        )
        .await;
    let read: Value = server
        .get_json(
            &format!("/api/v1/organisations/{}", id(&created)),
            Some(&server.admin()),
        )
        .await;
    assert_eq!(read["name"], "Landesfrauenrat Sachsen-Anhalt");
}

/// Whether each connection of a server on a test database, reached at `host` with TLS
/// `parameters`, is encrypted, after it wrote and read.
async fn serving_connections(host: &str, parameters: &str) -> Vec<bool> {
    let app = spawn_app().await;
    let application = "tls-serving";
    let database_url = url(&app, host, parameters, application);
    let server = app.replica(&[("DATABASE_URL", database_url.as_str())]);
    writes_and_reads(&server).await;
    let connections = encrypted(&app, application).await;
    assert!(!connections.is_empty(), "{parameters}");
    connections
}

#[tokio::test]
async fn verify_full_to_the_certificates_host_serves_over_tls() {
    let parameters = format!("sslmode=verify-full&sslrootcert={}", ca());
    let connections = serving_connections("localhost", &parameters).await;
    assert!(connections.iter().all(|ssl| *ssl), "{connections:?}");
}

#[tokio::test]
async fn require_without_a_ca_serves_over_tls() {
    let connections = serving_connections("127.0.0.1", "sslmode=require").await;
    assert!(connections.iter().all(|ssl| *ssl), "{connections:?}");
}

#[tokio::test]
async fn disable_serves_without_tls() {
    let connections = serving_connections("127.0.0.1", "sslmode=disable").await;
    assert!(connections.iter().all(|ssl| !*ssl), "{connections:?}");
}

/// `beteiligung migrate` against `database_url`: whether it succeeded, and its log.
async fn migrate(database_url: String) -> (bool, String) {
    let mut migrate = std::process::Command::new(env!("CARGO_BIN_EXE_beteiligung"));
    migrate
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .env("DB_CONNECT_TIMEOUT", "60s")
        .env("RUST_LOG", "info");
    let output = tokio::task::spawn_blocking(move || migrate.output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), log)
}

/// The role the test server lets in over TLS only (`.ci/ensure-postgres`).
const TLS_ONLY_ROLE: &str = "beteiligung_tls";

/// Start-up (waiting for the server, creating the database, migrating) goes over TLS too:
/// a role that PostgreSQL refuses without TLS creates and migrates a new database with
/// `verify-full`, and is refused with `disable`.
#[tokio::test]
async fn start_up_creates_and_migrates_over_verify_full() {
    let app = spawn_app().await;
    let name = format!("{}_new", app.db_name);
    let new_database = |parameters: &str| {
        url(&app, "localhost", parameters, "tls-migrate")
            .replace("postgres@", &format!("{TLS_ONLY_ROLE}@"))
            .replace(&format!("/{}?", app.db_name), &format!("/{name}?"))
    };
    let (migrated, plain_log) = migrate(new_database("sslmode=disable")).await;
    assert!(!migrated, "{plain_log}");
    assert!(plain_log.contains("no encryption"), "{plain_log}");

    let parameters = format!("sslmode=verify-full&sslrootcert={}", ca());
    let (migrated, log) = migrate(new_database(&parameters)).await;
    let admin = app.db().await;
    let exists: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    assert!(migrated, "{log}");
    assert!(log.contains("created database"), "{log}");
    assert!(log.contains("applied"), "{log}");
    assert_eq!(exists, 1);
}

/// The certificate names `localhost` only: `verify-full` to 127.0.0.1 is refused at once
/// (no retrying as if the server were away), `verify-ca` takes it (the chain is good), and
/// `verify-ca` with a CA that did not sign it refuses it.
#[tokio::test]
async fn a_certificate_that_does_not_match_stops_the_start() {
    let app = spawn_app().await;
    let full = format!("sslmode=verify-full&sslrootcert={}", ca());
    let (migrated, log) = migrate(url(&app, "127.0.0.1", &full, "tls-wrong-host")).await;
    assert!(!migrated, "{log}");
    assert!(log.contains("not valid for name \"127.0.0.1\""), "{log}");
    assert!(!log.contains("retrying"), "{log}");

    let chain = format!("sslmode=verify-ca&sslrootcert={}", ca());
    let (migrated, log) = migrate(url(&app, "127.0.0.1", &chain, "tls-chain")).await;
    assert!(migrated, "{log}");

    let wrong = format!("sslmode=verify-ca&sslrootcert={}", another_ca());
    let (migrated, log) = migrate(url(&app, "127.0.0.1", &wrong, "tls-wrong-ca")).await;
    assert!(!migrated, "{log}");
    assert!(log.contains("UnknownIssuer"), "{log}");
}

/// A mistake in the TLS parameters is named before anything is tried.
#[tokio::test]
async fn wrong_tls_parameters_are_named_at_start() {
    let app = spawn_app().await;
    let cases = [
        ("sslmode=verify", "sslmode `verify`"),
        (
            "sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
            "sslrootcert /nonexistent/ca.pem cannot be read",
        ),
    ];
    for (parameters, expected) in cases {
        let (migrated, log) = migrate(url(&app, "127.0.0.1", parameters, "tls-wrong")).await;
        assert!(!migrated, "{parameters}: {log}");
        assert!(log.contains("DATABASE_URL"), "{parameters}: {log}");
        assert!(log.contains(expected), "{parameters}: {log}");
    }
}

/// libpq's `key=value` form takes the same TLS parameters.
#[tokio::test]
async fn key_value_pairs_connect_with_verify_full() {
    let app = spawn_app().await;
    let pairs = format!(
        "host=localhost port=5432 user={TLS_ONLY_ROLE} dbname={} sslmode=verify-full sslrootcert='{}'",
        app.db_name,
        ca()
    );
    let (migrated, log) = migrate(pairs.clone()).await;
    assert!(migrated, "{log}");
    let (migrated, log) = migrate(pairs.replace("verify-full", "disable")).await;
    assert!(!migrated, "{log}");
    assert!(log.contains("no encryption"), "{log}");
}

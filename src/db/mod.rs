//! The PostgreSQL side: connection pool, database creation and embedded migrations.

pub mod by_text;
pub mod rate_limits;
mod reachable;
pub mod schema;
pub mod workers;

pub use reachable::wait_until_reachable;

pub use by_text::PreparedByText;

use std::time::Duration;

use crate::base::Scope;
use crate::config::Config;
use diesel::connection::SimpleConnection;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

pub type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;
pub type Conn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Key of the advisory lock that serialises migrations of replicas starting together.
const MIGRATION_LOCK: i64 = 0x6265_7465_696c_6967; // "beteilig"

/// Builds a pool of connections that see every authority's rows (the service's own rules
/// decide what a caller sees): for background jobs, commands and callers not scoped to an
/// authority.
pub fn pool(config: &Config, size: usize) -> anyhow::Result<Pool> {
    scoped_pool(config, &config.database_url, size, Scope::Every)
}

/// Builds a pool of connections to `url` (the primary's or a replica's) that see the rows
/// of `scope` only. Each connection is set up
/// once, in one round trip: a `statement_timeout`, so that a runaway query cannot hold it
/// forever; the request role (`DATABASE_REQUEST_ROLE`), which is not the tables' owner and
/// has no `BYPASSRLS`, so that row-level security applies; and the authority it acts for
/// (`beteiligung.authority`), which the policies read. A connection keeps its scope for
/// life: it never serves a caller of another authority, so nothing has to be set per
/// request or reset after one.
///
/// Connections are recycled by checking diesel-async's own broken flag (`Fast`) instead of
/// a `SELECT 1` round trip on every checkout (the default): a connection that died fails
/// its next query (503) and is then discarded.
///
/// With tracing, each statement is a span of the traced work it serves.
pub fn scoped_pool(config: &Config, url: &str, size: usize, scope: Scope) -> anyhow::Result<Pool> {
    let setup = session_setup(config, scope);
    let traced = config.tracing.otlp_endpoint.is_some();
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_string();
        let setup = setup.clone();
        async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            if traced {
                conn.set_instrumentation(crate::telemetry::statements::Statements::default());
            }
            conn.batch_execute(&setup)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(url, manager_config);
    Ok(Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(config.db_pool_wait_timeout))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()?)
}

/// The statements that set up a connection of `scope`: only values the service made (a
/// number, a checked role name, a uuid or `*`) go into it.
fn session_setup(config: &Config, scope: Scope) -> String {
    let timeout_ms = config.db_statement_timeout.as_millis();
    let role = config
        .database_request_role
        .as_deref()
        .map(|role| format!("SET ROLE \"{role}\"; "))
        .unwrap_or_default();
    format!(
        "SET statement_timeout = {timeout_ms}; {role}SET beteiligung.authority = '{}'",
        scope.setting()
    )
}

/// Creates the database named in `database_url` if it does not exist yet.
pub async fn create_database_if_missing(database_url: &str) -> anyhow::Result<()> {
    let config: tokio_postgres::Config = database_url.parse()?;
    let Some(name) = config.get_dbname().map(str::to_owned) else {
        return Ok(());
    };
    // A connection to the target database proves it exists.
    if let Ok((client, connection)) = config.connect(tokio_postgres::NoTls).await {
        drop(client);
        drop(connection);
        return Ok(());
    }
    let mut maintenance = config.clone();
    maintenance.dbname("postgres");
    let (client, connection) = maintenance.connect(tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(connection);
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    match client
        .batch_execute(&format!("CREATE DATABASE {quoted}"))
        .await
    {
        Ok(()) => log::info!("created database {name}"),
        // Another replica created it in the meantime.
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
        Err(e) => return Err(e.into()),
    }
    drop(client);
    let _ = driver.await;
    Ok(())
}

/// Runs the embedded migrations that are not applied yet, under an advisory lock, as the
/// login role of `DATABASE_URL` (the tables' owner). `default_authority_name` names the
/// first authority, should the migration that brings authorities run.
pub async fn migrate(database_url: &str, default_authority_name: &str) -> anyhow::Result<()> {
    let url = database_url.to_string();
    let default_authority_name = default_authority_name.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        use diesel::Connection;
        use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)?;
        SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"),
        )?;
        {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT set_config('beteiligung.default_authority_name', $1, false)")
                .bind::<diesel::sql_types::Text, _>(&default_authority_name)
                .execute(&mut conn)?;
        }
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.len())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
        SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"),
        )?;
        let applied = applied?;
        if applied > 0 {
            log::info!("applied {applied} migration(s)");
        }
        Ok(())
    })
    .await?
}

/// The version of the newest embedded migration, which `/readyz` expects to be applied.
pub fn latest_migration_version() -> String {
    use diesel::migration::MigrationSource;
    let migrations: Vec<Box<dyn diesel::migration::Migration<diesel::pg::Pg>>> =
        MIGRATIONS.migrations().unwrap_or_default();
    migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
        .unwrap_or_default()
}

/// The transaction's start, `now()`: the change stamp the `stamp_change` trigger writes on
/// every row this transaction inserts or updates, known before the write.
pub async fn transaction_time(
    mut conn: &AsyncPgConnection,
) -> diesel::QueryResult<chrono::DateTime<chrono::Utc>> {
    use diesel_async::RunQueryDsl;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Timestamptz>("now()"))
        .by_text()
        .get_result(&mut conn)
        .await
}

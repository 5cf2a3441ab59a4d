//! The PostgreSQL side: connection pool, database creation and embedded migrations.

pub mod by_text;
pub mod schema;
pub mod workers;

pub use by_text::PreparedByText;

use std::time::Duration;

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

/// Builds the pool. Every connection gets a `statement_timeout`, so that a runaway query
/// cannot hold a connection forever. Connections are recycled by checking diesel-async's
/// own broken flag (`Fast`) instead of a `SELECT 1` round trip on every checkout (the
/// default): a connection that died fails its next query (503) and is then discarded.
pub fn pool(config: &Config, size: usize) -> anyhow::Result<Pool> {
    let timeout_ms = config.db_statement_timeout.as_millis();
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_string();
        async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            conn.batch_execute(&format!("SET statement_timeout = {timeout_ms}"))
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager =
        AsyncDieselConnectionManager::new_with_config(&config.database_url, manager_config);
    Ok(Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(config.db_pool_wait_timeout))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()?)
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

/// Runs the embedded migrations that are not applied yet, under an advisory lock.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        use diesel::Connection;
        use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)?;
        SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"),
        )?;
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

//! What every handler shares: the state of the HTTP adapter.

use std::sync::Arc;

use crate::auth::TokenService;
use crate::auth::oidc::OidcVerifier;
use crate::base::Scope;
use crate::db::workers::WorkerPools;
use crate::db::{Conn, Pool};
use crate::domain::outbox::Channel;
use crate::error::AppError;

/// What every handler shares.
pub struct AppState {
    /// Connections of the background jobs (a request uses its worker's, see [`Self::conn`]).
    pub pool: Pool,
    pub tokens: TokenService,
    /// The ministry's identity provider, when `OIDC_ISSUER` is set.
    pub oidc: Option<Arc<OidcVerifier>>,
    /// Newest embedded migration, expected by `/readyz`.
    pub latest_migration: String,
    /// Every metric, served at `/metrics`.
    pub metrics: prometheus::Registry,
    /// Confirmation window and privacy notice of registrations.
    pub registration_rules: crate::domain::registration::RegistrationRules,
    /// Where webhooks may point.
    pub webhook_targets: crate::domain::webhook::target::TargetRules,
    /// Waiting messages per channel, and the age of the oldest, set at each scrape.
    pub backlog: OutboxGauges,
    pub worker_pools: WorkerPools,
    /// The authorities staff tokens name, by slug.
    pub known_authorities: crate::api::authorities_known::KnownAuthorities,
    /// Connections in use, idle and waited for, set at each scrape.
    pub connections: PoolGauges,
}

/// The outbox backlog as metrics.
pub struct OutboxGauges {
    pub pending: prometheus::IntGaugeVec,
    pub oldest_seconds: prometheus::GaugeVec,
}

impl OutboxGauges {
    pub fn register(registry: &prometheus::Registry) -> prometheus::Result<Self> {
        let pending = prometheus::IntGaugeVec::new(
            prometheus::Opts::new(
                "beteiligung_outbox_pending",
                "Outbox messages waiting for delivery",
            ),
            &["channel"],
        )?;
        let oldest_seconds = prometheus::GaugeVec::new(
            prometheus::Opts::new(
                "beteiligung_outbox_oldest_pending_seconds",
                "Age of the oldest outbox message waiting for delivery",
            ),
            &["channel"],
        )?;
        registry.register(Box::new(pending.clone()))?;
        registry.register(Box::new(oldest_seconds.clone()))?;
        let gauges = Self {
            pending,
            oldest_seconds,
        };
        gauges.clear();
        Ok(gauges)
    }

    /// Every channel at 0: an alert on the backlog needs the series before the first backlog.
    pub fn clear(&self) {
        for channel in Channel::ALL {
            self.pending.with_label_values(&[channel.as_str()]).set(0);
            self.oldest_seconds
                .with_label_values(&[channel.as_str()])
                .set(0.0);
        }
    }
}

/// The connection pools as metrics, by pool (`requests`: the HTTP workers', `background`).
pub struct PoolGauges {
    pub connections: prometheus::IntGaugeVec,
    pub max: prometheus::IntGaugeVec,
    pub waiting: prometheus::IntGaugeVec,
}

impl PoolGauges {
    pub fn register(registry: &prometheus::Registry) -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let gauge = prometheus::IntGaugeVec::new(prometheus::Opts::new(name, help), labels)?;
            registry.register(Box::new(gauge.clone()))?;
            Ok::<_, prometheus::Error>(gauge)
        };
        Ok(Self {
            connections: gauge(
                "beteiligung_db_connections",
                "Open database connections by state (in_use, idle)",
                &["pool", "state"],
            )?,
            max: gauge(
                "beteiligung_db_connections_max",
                "Most database connections the pool opens",
                &["pool"],
            )?,
            waiting: gauge(
                "beteiligung_db_connection_waits",
                "Requests waiting for a database connection",
                &["pool"],
            )?,
        })
    }

    pub fn set(&self, pool: &str, status: deadpool::Status) {
        let idle = status.available.min(status.size);
        let number = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.connections
            .with_label_values(&[pool, "in_use"])
            .set(number(status.size - idle));
        self.connections
            .with_label_values(&[pool, "idle"])
            .set(number(idle));
        self.max
            .with_label_values(&[pool])
            .set(number(status.max_size));
        self.waiting
            .with_label_values(&[pool])
            .set(number(status.waiting));
    }
}

tokio::task_local! {
    /// Which authority's rows the request being served may see, set by the middleware
    /// that verifies the caller; without it, every authority's (anonymous callers).
    pub static REQUEST_SCOPE: Scope;
}

/// The scope of the request being served, for work that outlives its handler: the pages
/// of a streamed body, a task it spawns. Such work runs [`within`] it.
pub fn request_scope() -> Scope {
    REQUEST_SCOPE
        .try_with(|scope| *scope)
        .unwrap_or(Scope::Every)
}

/// Runs `work` in `scope`: its connections are those of the request that started it.
pub fn within<F: Future>(scope: Scope, work: F) -> impl Future<Output = F::Output> {
    REQUEST_SCOPE.scope(scope, work)
}

impl AppState {
    /// A connection of this worker's own pool for the caller of the request being served:
    /// staff of an authority get one that sees their authority's rows only.
    pub async fn conn(&self) -> Result<Conn, AppError> {
        let scope = request_scope();
        self.conn_of(scope, self.worker_pools.for_scope(scope))
            .await
    }

    /// A connection for a heavy read that may lag the primary by a moment (report,
    /// exports, Abwägungstabelle): the replica's with `DATABASE_READ_URL`, else as
    /// [`Self::conn`]. What was just written, sync lists and anything under a lock read
    /// [`Self::conn`].
    /// Should the replica give no connection, the primary serves.
    pub async fn conn_for_reading(&self) -> Result<Conn, AppError> {
        let scope = request_scope();
        match self
            .conn_of(scope, self.worker_pools.for_reading(scope))
            .await
        {
            Err(_) if self.worker_pools.reads_replica() => {
                log::warn!("no connection to the replica (DATABASE_READ_URL); reading the primary");
                self.conn().await
            }
            read => read,
        }
    }

    async fn conn_of(
        &self,
        scope: Scope,
        pool: anyhow::Result<Option<Pool>>,
    ) -> Result<Conn, AppError> {
        let pool = match pool {
            Ok(Some(pool)) => pool,
            Ok(None) if scope == Scope::Every => self.pool.clone(),
            // Requests are served by the HTTP workers only.
            Ok(None) => return Err(AppError::internal()),
            Err(e) => {
                log::error!("a pool for {scope:?}: {e}");
                return Err(AppError::internal());
            }
        };
        Ok(pool.get().await?)
    }
}

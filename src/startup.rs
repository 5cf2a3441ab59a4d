//! Putting the service together: the pools, the delivery workers, the periodic jobs and the
//! HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;

use crate::api::drain::Drain;
use crate::api::metrics::RequestMetrics;
use crate::api::ratelimit::RateLimiter;
use crate::api::routes::Routes;
use crate::api::server::Shared;
use crate::api::state::{AppState, OutboxGauges, PoolGauges};
use crate::auth::TokenService;
use crate::auth::oidc::OidcVerifier;
use crate::config::Config;
use crate::db::{self, workers::WorkerPools};
use crate::delivery::DeliveryMetrics;
use crate::delivery::mail::MailWorker;
use crate::delivery::webhook::WebhookWorker;
use crate::domain::webhook::target::TargetRules;
use crate::jobs;
use crate::telemetry::Telemetry;

/// Waits for the database server (at most `DB_CONNECT_TIMEOUT`), creates the database if
/// needed and runs pending migrations.
pub async fn prepare_database(config: &Config) -> anyhow::Result<()> {
    db::wait_until_reachable(&config.database_url, config.db_connect_timeout).await?;
    db::create_database_if_missing(&config.database_url).await?;
    db::migrate(&config.database_url, &config.default_authority_name).await
}

/// Most connections the background jobs (mail, webhooks, maintenance, retention) hold; the
/// HTTP workers share `DB_POOL_SIZE` among them.
const BACKGROUND_CONNECTIONS: usize = 4;

/// Starts the server on `listener` (bind port 0 to get a free one), exporting its traces
/// as configured.
pub fn run(config: &Config, listener: TcpListener) -> anyhow::Result<Server> {
    run_with(
        config,
        listener,
        Telemetry::from_config(&config.tracing)?,
        Drain::default(),
    )
}

/// Starts the server with `telemetry` (which the caller shuts down once the server has
/// stopped, so that the last spans are sent) and `drain`, which marks it as stopping (see
/// [`Drain::stop`]).
pub fn run_with(
    config: &Config,
    listener: TcpListener,
    telemetry: Telemetry,
    drain: Drain,
) -> anyhow::Result<Server> {
    let pool = db::pool(config, config.db_pool_size.min(BACKGROUND_CONNECTIONS))?;
    jobs::spawn(jobs::Maintenance {
        pool: pool.clone(),
        every: config.maintenance_interval,
    });
    jobs::spawn(jobs::Retention {
        pool: pool.clone(),
        every: config.retention_interval,
    });
    let registry = prometheus::Registry::new();
    let delivery_metrics = DeliveryMetrics::register(&registry)?;
    if let Some(worker) = MailWorker::new(pool.clone(), &config.mail, delivery_metrics.clone())? {
        tokio::spawn(worker.traced(telemetry.clone()).run());
    }
    let webhook_targets = TargetRules {
        allow_http: config.webhook_targets.allow_http,
        allow_private_networks: config.webhook_targets.allow_private_networks,
    };
    let webhooks = WebhookWorker::new(
        pool.clone(),
        webhook_targets,
        config.mail.poll_interval,
        delivery_metrics,
    )?
    .traced(telemetry.clone());
    tokio::spawn(webhooks.run());
    let tokens = TokenService::new(&config.jwt);
    jobs::spawn(jobs::RevocationRefresh {
        pool: pool.clone(),
        tokens: tokens.clone(),
        every: config.jwt.revocation_refresh,
    });
    let oidc = match &config.oidc {
        Some(oidc) => {
            let verifier = Arc::new(OidcVerifier::new(oidc.clone())?);
            jobs::spawn(jobs::ProviderKeys(verifier.clone()));
            Some(verifier)
        }
        None => None,
    };
    let spec = crate::api::openapi::spec();
    let request_metrics = RequestMetrics::register(&registry)?;
    let state = web::Data::new(AppState {
        pool,
        tokens,
        oidc,
        latest_migration: db::latest_migration_version(),
        backlog: OutboxGauges::register(&registry)?,
        connections: PoolGauges::register(&registry)?,
        metrics: registry,
        registration_rules: crate::domain::registration::RegistrationRules {
            confirm_within: config.mail.confirm_ttl,
            privacy_notice_version: config.privacy_notice_version.clone(),
        },
        webhook_targets,
        worker_pools: WorkerPools::new(config),
        known_authorities: Default::default(),
    });
    let rate_limiter = web::Data::new(RateLimiter::new(
        config.rate_limits,
        config.trusted_proxies.clone(),
    ));
    jobs::spawn(jobs::MemoryTrim);
    jobs::spawn(jobs::AuthorityPoolTrim(state.clone()));
    jobs::spawn(jobs::RateLimitSweep(rate_limiter.clone()));
    let shared = Shared {
        state,
        rate_limiter,
        request_metrics: web::Data::new(request_metrics),
        routes: web::Data::new(Routes::of(&spec)),
        drain: web::Data::new(drain),
        telemetry: web::Data::new(telemetry),
        document: web::Bytes::from(serde_json::to_vec(&spec)?),
    };
    Ok(crate::api::server::serve(
        shared,
        config.cors_allowed_origins.clone(),
        config.http_workers,
        listener,
    )?)
}

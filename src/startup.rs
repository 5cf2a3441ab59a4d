//! Building and running the HTTP server.

use std::net::TcpListener;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{self, ErrorHandlerResponse, ErrorHandlers, Logger};
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::ratelimit::RateLimiter;
use crate::auth::TokenService;
use crate::auth::oidc::OidcVerifier;
use crate::config::Config;
use crate::db::workers::WorkerPools;
use crate::db::{self, Conn, Pool};
use crate::delivery::DeliveryMetrics;
use crate::delivery::mail::MailWorker;
use crate::delivery::webhook::WebhookWorker;
use crate::error::{AppError, ErrorKind};
use std::sync::Arc;

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
    pub request_metrics: crate::api::metrics::RequestMetrics,
    pub rate_limiter: RateLimiter,
    /// The documented routes, for 405 with `Allow`.
    pub routes: crate::api::Routes,
    /// Confirmation window and privacy notice of registrations.
    pub registration_rules: crate::domain::registration::RegistrationRules,
    /// Where webhooks may point.
    pub webhook_targets: crate::domain::webhook::target::TargetRules,
    /// Waiting messages per channel, and the age of the oldest, set at each scrape.
    pub backlog: OutboxGauges,
    pub worker_pools: WorkerPools,
    /// Connections in use, idle and waited for, set at each scrape.
    pub connections: PoolGauges,
}

/// The outbox backlog as metrics.
pub struct OutboxGauges {
    pub pending: prometheus::IntGaugeVec,
    pub oldest_seconds: prometheus::GaugeVec,
}

impl OutboxGauges {
    fn register(registry: &prometheus::Registry) -> prometheus::Result<Self> {
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
        Ok(Self {
            pending,
            oldest_seconds,
        })
    }
}

/// The connection pools as metrics, by pool (`requests`: the HTTP workers', `background`).
pub struct PoolGauges {
    pub connections: prometheus::IntGaugeVec,
    pub max: prometheus::IntGaugeVec,
    pub waiting: prometheus::IntGaugeVec,
}

impl PoolGauges {
    fn register(registry: &prometheus::Registry) -> prometheus::Result<Self> {
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

impl AppState {
    /// A connection of this worker's own pool.
    pub async fn conn(&self) -> Result<Conn, AppError> {
        let pool = WorkerPools::of_this_worker().unwrap_or_else(|| self.pool.clone());
        Ok(pool.get().await?)
    }
}

/// Registers every documented route: operations at the root, the API under `/api/v1`.
pub fn configure_api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(crate::api::health::healthz)
        .service(crate::api::health::readyz)
        .service(crate::api::health::metrics)
        .service(utoipa_actix_web::scope("/api/v1").configure(crate::api::routes));
}

/// Creates the database if needed and runs pending migrations.
pub async fn prepare_database(config: &Config) -> anyhow::Result<()> {
    db::create_database_if_missing(&config.database_url).await?;
    db::migrate(&config.database_url).await
}

/// Most connections the background jobs (mail, webhooks, maintenance, retention) hold; the
/// HTTP workers share `DB_POOL_SIZE` among them.
const BACKGROUND_CONNECTIONS: usize = 4;

/// Starts the server on `listener` (bind port 0 to get a free one).
pub fn run(config: &Config, listener: TcpListener) -> anyhow::Result<Server> {
    let pool = db::pool(config, config.db_pool_size.min(BACKGROUND_CONNECTIONS))?;
    let maintenance_pool = pool.clone();
    let maintenance_interval = config.maintenance_interval;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(maintenance_interval);
        loop {
            ticks.tick().await;
            maintain(&maintenance_pool).await;
        }
    });
    let retention_pool = pool.clone();
    let retention_interval = config.retention_interval;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(retention_interval);
        loop {
            ticks.tick().await;
            apply_retention(&retention_pool).await;
        }
    });
    let spec = crate::openapi::spec();
    let document = web::Bytes::from(serde_json::to_vec(&spec)?);
    let registry = prometheus::Registry::new();
    let request_metrics = crate::api::metrics::RequestMetrics::register(&registry)?;
    let delivery_metrics = DeliveryMetrics::register(&registry)?;
    if let Some(worker) = MailWorker::new(pool.clone(), &config.mail, delivery_metrics.clone())? {
        tokio::spawn(worker.run());
    }
    let webhooks = WebhookWorker::new(
        pool.clone(),
        config.webhook_targets,
        config.mail.poll_interval,
        delivery_metrics,
    )?;
    tokio::spawn(webhooks.run());
    let backlog = OutboxGauges::register(&registry)?;
    let connections = PoolGauges::register(&registry)?;
    let tokens = TokenService::new(&config.jwt);
    spawn_revocation_refresh(pool.clone(), tokens.clone(), config.jwt.revocation_refresh);
    let oidc = match &config.oidc {
        Some(oidc) => {
            let verifier = Arc::new(OidcVerifier::new(oidc.clone())?);
            spawn_key_refresh(verifier.clone());
            Some(verifier)
        }
        None => None,
    };
    let state = web::Data::new(AppState {
        pool,
        tokens,
        oidc,
        latest_migration: db::latest_migration_version(),
        metrics: registry,
        request_metrics,
        rate_limiter: RateLimiter::new(config.rate_limits, config.trusted_proxies.clone()),
        routes: crate::api::Routes::of(&spec),
        registration_rules: crate::domain::registration::RegistrationRules {
            confirm_within: config.mail.confirm_ttl,
            privacy_notice_version: config.privacy_notice_version.clone(),
        },
        webhook_targets: config.webhook_targets,
        backlog,
        worker_pools: WorkerPools::new(config),
        connections,
    });
    spawn_memory_trim();
    let idle_state = state.clone();
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            idle_state.rate_limiter.forget_idle();
        }
    });
    let origins = config.cors_allowed_origins.clone();
    let server = HttpServer::new(move || {
        state.worker_pools.open_for_this_worker();
        // The document served is the finished one, built once (`crate::openapi::spec`): the
        // workers' own collection of paths is dropped, so it starts from an empty document.
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .map(|app| app.configure(crate::api::extractor_configs))
            .configure(configure_api)
            .split_for_parts();
        let document = document.clone();
        app.service(
            SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")),
        )
        .route(
            "/openapi.json",
            web::get().to(move || {
                let document = document.clone();
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("application/json")
                        .body(document)
                }
            }),
        )
        .service(web::redirect("/docs", "/docs/").permanent())
        .default_service(web::to(crate::api::not_found))
        .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
        .wrap(middleware::from_fn(crate::api::ratelimit::limit))
        .wrap(cors(&origins))
        .wrap(Logger::new("%r %s %b %Dms request_id=%{X-Request-Id}i"))
        .wrap(middleware::from_fn(crate::api::headers::add))
        .wrap(middleware::from_fn(crate::api::metrics::record))
    })
    .workers(config.http_workers)
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Keeps this replica's list of revoked API clients fresh, so that their tokens stop
/// working within `REVOCATION_REFRESH` without a database query per request.
fn spawn_revocation_refresh(pool: Pool, tokens: TokenService, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            let revoked = match pool.get().await {
                Ok(mut conn) => crate::domain::client::revoked_ids(&mut conn)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match revoked {
                Ok(revoked) => tokens.learn_revoked(revoked),
                Err(e) => log::warn!("reading revoked API clients: {e}"),
            }
        }
    });
}

/// Gives memory that glibc keeps after it was freed back to the system: a second after the
/// start (building the OpenAPI document and the workers' routes left 6 MiB of the idle 13
/// MiB of heap free but held), then every minute (after an export's or an import's peak).
fn spawn_memory_trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let every = std::time::Duration::from_secs(60);
        let first = tokio::time::Instant::now() + std::time::Duration::from_secs(1);
        let mut ticks = tokio::time::interval_at(first, every);
        loop {
            ticks.tick().await;
            // SAFETY: malloc_trim only hands free pages of the allocator back to the system.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    });
}

/// Fetches the identity provider's keys at start and every `OIDC_JWKS_REFRESH`.
fn spawn_key_refresh(verifier: Arc<OidcVerifier>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(verifier.refresh_interval());
        loop {
            ticks.tick().await;
            verifier.refresh().await;
        }
    });
}

/// CORS for the configured front-end origins (none by default): preflights answered, the
/// headers a front end reads exposed.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-cancel-token"),
            crate::api::headers::REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("ratelimit"),
            header::HeaderName::from_static("ratelimit-policy"),
            crate::api::headers::REQUEST_ID,
        ])
        .block_on_origin_mismatch(false)
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Anonymises personal data whose retention period ended (one replica at a time).
async fn apply_retention(pool: &Pool) {
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => {
            log::warn!("retention: {e}");
            return;
        }
    };
    match crate::domain::retention::purge(&mut conn, chrono::Utc::now()).await {
        Ok(Some(purged)) if purged != Default::default() => log::info!(
            "retention: anonymised {} registrations and {} submission authors, deleted {} access-log entries",
            purged.registrations,
            purged.submission_authors,
            purged.access_log_entries
        ),
        Ok(_) => {}
        Err(e) => log::warn!("retention: {e}"),
    }
}

/// Removes what has expired: idempotency records after 24 h, registrations whose
/// confirmation link ran out, delivered or failed outbox messages after 30 days. Each replica may run it; the deletes do not conflict.
async fn maintain(pool: &Pool) {
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => {
            log::warn!("maintenance: {e}");
            return;
        }
    };
    match crate::domain::idempotency::purge_expired(&mut conn).await {
        Ok(0) => {}
        Ok(n) => log::info!("purged {n} expired idempotency records"),
        Err(e) => log::warn!("purging idempotency records: {e}"),
    }
    match crate::domain::registration::delete_unconfirmed(&mut conn).await {
        Ok(0) => {}
        Ok(n) => log::info!("deleted {n} registrations whose confirmation link expired"),
        Err(e) => log::warn!("deleting unconfirmed registrations: {e}"),
    }
    match crate::domain::outbox::purge_settled(&mut conn, crate::domain::outbox::KEPT_FOR).await {
        Ok(0) => {}
        Ok(n) => log::info!("deleted {n} delivered or failed outbox messages"),
        Err(e) => log::warn!("purging the outbox: {e}"),
    }
}

/// Error responses that did not come from [`AppError`] (actix's own: a body that is too
/// large for a raw payload, a method that is not allowed, …) become problems too.
fn problem_for_plain_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems, and JSON bodies of our own (the /readyz 503), pass unchanged.
    let is_json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/problem+json")
            || v.as_bytes().starts_with(b"application/json")
    });
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (kind, code, detail) = match status.as_u16() {
        413 => (
            ErrorKind::PayloadTooLarge,
            "payload_too_large",
            "The request body exceeds 64 KiB.",
        ),
        404 => (ErrorKind::NotFound, "not_found", "No such resource."),
        405 => (
            ErrorKind::MethodNotAllowed,
            "method_not_allowed",
            "This method is not allowed here.",
        ),
        400..=499 => (
            ErrorKind::BadRequest,
            "bad_request",
            "The request could not be processed.",
        ),
        _ => (
            ErrorKind::Internal,
            "internal_error",
            "An unexpected error occurred.",
        ),
    };
    // The status stays what it was (e.g. 431); the body says it as a problem.
    let mut body = crate::api::problem::problem(&AppError::new(kind, code, detail));
    body.status = status.as_u16();
    body.title = status.canonical_reason().unwrap_or("Error").to_string();
    let (req, _) = res.into_parts();
    let response = actix_web::HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(body);
    let response: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}

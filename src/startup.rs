//! Building and running the HTTP server.

use std::net::TcpListener;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Logger};
use actix_web::{App, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::TokenService;
use crate::config::Config;
use crate::db::{self, Conn, Pool};
use crate::error::ApiError;
use crate::openapi::ApiDoc;

/// What every handler shares.
pub struct AppState {
    pub pool: Pool,
    pub tokens: TokenService,
    /// Newest embedded migration, expected by `/readyz`.
    pub latest_migration: String,
    /// Request counters and latency histograms, served at `/metrics`.
    pub metrics: prometheus::Registry,
}

impl AppState {
    pub async fn conn(&self) -> Result<Conn, ApiError> {
        Ok(self.pool.get().await?)
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

/// Starts the server on `listener` (bind port 0 to get a free one).
pub fn run(config: &Config, listener: TcpListener) -> anyhow::Result<Server> {
    let pool = db::pool(
        &config.database_url,
        config.db_pool_size,
        config.db_statement_timeout,
    )?;
    let purge_pool = pool.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            crate::api::idempotency::purge_expired(&purge_pool).await;
        }
    });
    let request_metrics = PrometheusMetricsBuilder::new("beteiligung")
        .mask_unmatched_patterns("UNKNOWN")
        .exclude("/metrics")
        .build()
        .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
    let state = web::Data::new(AppState {
        pool,
        tokens: TokenService::new(&config.jwt),
        latest_migration: db::latest_migration_version(),
        metrics: request_metrics.registry.clone(),
    });
    let server = HttpServer::new(move || {
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(state.clone())
            .map(|app| app.configure(crate::api::extractor_configs))
            .configure(configure_api)
            .split_for_parts();
        app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
            .service(web::redirect("/docs", "/docs/").permanent())
            .default_service(web::to(crate::api::not_found))
            .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
            .wrap(Logger::new("%r %s %b %Dms"))
            .wrap(request_metrics.clone())
    })
    .workers(config.http_workers)
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Error responses that did not come from [`ApiError`] (actix's own: a body that is too
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
    let error = match status.as_u16() {
        413 => ApiError::new(
            status,
            "payload_too_large",
            "The request body exceeds 64 KiB.",
        ),
        404 => ApiError::new(status, "not_found", "No such resource."),
        405 => ApiError::new(
            status,
            "method_not_allowed",
            "This method is not allowed here.",
        ),
        400..=499 => ApiError::new(status, "bad_request", "The request could not be processed."),
        _ => ApiError::new(status, "internal_error", "An unexpected error occurred."),
    };
    let (req, _) = res.into_parts();
    let response = actix_web::ResponseError::error_response(&error);
    let response: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}

//! The HTTP server: routes, middleware in their order, the OpenAPI document and its viewer.

use std::net::TcpListener;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{self, ErrorHandlerResponse, ErrorHandlers, Logger};
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::drain::Drain;
use crate::api::metrics::RequestMetrics;
use crate::api::ratelimit::RateLimiter;
use crate::api::routes::Routes;
use crate::api::state::AppState;
use crate::api::{
    authorities, categories, clients, consideration_table, consultations, imports, organisations,
    outbox, participation_report, privacy, registrations, reports, responses, rounds, submissions,
    token, webhooks,
};
use crate::error::{AppError, ErrorKind};

/// Registers every documented route: operations at the root, the API under `/api/v1`.
pub fn configure_api(cfg: &mut ServiceConfig) {
    cfg.service(crate::api::health::healthz)
        .service(crate::api::health::readyz)
        .service(crate::api::health::metrics)
        .configure(crate::api::pages::routes)
        .service(utoipa_actix_web::scope("/api/v1").configure(api_v1));
}

/// Every route under `/api/v1`.
fn api_v1(cfg: &mut ServiceConfig) {
    cfg.configure(token::routes)
        .configure(clients::routes)
        .configure(categories::routes)
        .configure(authorities::routes)
        .configure(organisations::routes)
        .configure(consultations::routes)
        .configure(rounds::routes)
        .configure(registrations::routes)
        .configure(submissions::routes)
        .configure(imports::routes)
        .configure(reports::routes)
        .configure(participation_report::routes)
        .configure(consideration_table::routes)
        .configure(responses::routes)
        .configure(privacy::routes)
        .configure(outbox::routes)
        .configure(webhooks::routes);
}

/// What the workers share, each registered as app data of its own (the middleware and the
/// fallback read theirs without the handlers' state).
#[derive(Clone)]
pub struct Shared {
    pub state: web::Data<AppState>,
    pub rate_limiter: web::Data<RateLimiter>,
    pub request_metrics: web::Data<RequestMetrics>,
    pub routes: web::Data<Routes>,
    /// Set when the process is stopping (`crate::api::drain`).
    pub drain: web::Data<Drain>,
    pub telemetry: web::Data<crate::telemetry::Telemetry>,
    /// The OpenAPI document, built once.
    pub document: web::Bytes,
}

/// Serves the API on `listener` with `workers` threads.
pub fn serve(
    shared: Shared,
    cors_allowed_origins: Vec<String>,
    workers: usize,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let origins = cors_allowed_origins;
    Ok(HttpServer::new(move || {
        let Shared {
            state,
            rate_limiter,
            request_metrics,
            routes,
            drain,
            telemetry,
            document,
        } = &shared;
        state.worker_pools.open_for_this_worker();
        // The document served is the finished one, built once (`crate::api::openapi::spec`):
        // the workers' own collection of paths is dropped, so it starts from an empty document.
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .app_data(rate_limiter.clone())
            .app_data(request_metrics.clone())
            .app_data(routes.clone())
            .app_data(drain.clone())
            .app_data(telemetry.clone())
            .map(|app| app.configure(crate::api::extractors::extractor_configs))
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
        .default_service(web::to(crate::api::fallback::not_found))
        .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
        .wrap(middleware::from_fn(crate::api::ratelimit::limit))
        .wrap(cors(&origins))
        .wrap(
            Logger::new("%{request}xi %s %b %Dms request_id=%{X-Request-Id}i%{trace}xi")
                .custom_request_replace("request", crate::api::headers::loggable_request_line)
                .custom_request_replace("trace", crate::api::trace::loggable_trace),
        )
        .wrap(middleware::from_fn(crate::api::headers::add))
        .wrap(middleware::from_fn(crate::api::drain::close_connections))
        .wrap(middleware::from_fn(crate::api::trace::trace))
        .wrap(middleware::from_fn(crate::api::metrics::record))
    })
    .workers(workers)
    // SIGTERM and SIGINT drain first (`crate::api::drain`), then stop the server.
    .disable_signals()
    .shutdown_timeout(30)
    .listen(listener)?
    .run())
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
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("prefer"),
            // W3C Trace Context: a front end's trace continues into the service's.
            header::HeaderName::from_static("traceparent"),
            header::HeaderName::from_static("tracestate"),
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

/// Error responses that did not come from [`AppError`] (actix's own: a body that is too
/// large for a raw payload, a method that is not allowed, …) become problems too.
fn problem_for_plain_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems, JSON bodies of our own (the /readyz 503) and the pages pass unchanged.
    let is_json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/problem+json")
            || v.as_bytes().starts_with(b"application/json")
            || v.as_bytes().starts_with(b"text/html")
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

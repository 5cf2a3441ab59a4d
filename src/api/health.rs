//! Liveness and readiness for orchestrators.

use actix_web::{HttpResponse, get, web};
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::drain::Drain;
use crate::api::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or what is not ready.
    #[schema(max_length = 50)]
    pub status: String,
}

/// Liveness
///
/// For orchestrators; needs no token and is not rate-limited. 200 while the process runs.
/// Changes nothing.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

#[derive(diesel::QueryableByName)]
struct AppliedVersion {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    version: Option<String>,
}

/// Readiness
///
/// For orchestrators and load balancers; needs no token and is not rate-limited. 200 when the
/// database is reachable and every migration is applied, else 503 with what is missing; 503
/// `draining` as soon as the process stops (SIGTERM), while it still serves requests for
/// `DRAIN_DELAY` before it closes its listener. Changes nothing.
#[utoipa::path(tag = "operations", responses(
    (status = 200, body = Health),
    (status = 503, description = "`draining` (the process stops), `database unreachable` or `migrations pending`",
        body = Health,
        headers(("Retry-After" = u32, description = "seconds to wait before asking again"))),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>, drain: web::Data<Drain>) -> HttpResponse {
    let unavailable = |status: &str| {
        HttpResponse::ServiceUnavailable()
            .insert_header((
                actix_web::http::header::RETRY_AFTER,
                crate::api::problem::RETRY_AFTER_UNAVAILABLE,
            ))
            .json(Health {
                status: status.into(),
            })
    };
    if drain.is_draining() {
        return unavailable("draining");
    }
    let Ok(mut conn) = state.conn().await else {
        return unavailable("database unreachable");
    };
    let applied =
        diesel::sql_query("SELECT max(version) AS version FROM __diesel_schema_migrations")
            .get_result::<AppliedVersion>(&mut conn)
            .await;
    match applied {
        Ok(AppliedVersion { version: Some(v) }) if v >= state.latest_migration => {
            HttpResponse::Ok().json(Health {
                status: "ok".into(),
            })
        }
        Ok(_) => unavailable("migrations pending"),
        Err(_) => unavailable("database unreachable"),
    }
}

/// Metrics (Prometheus)
///
/// For the metrics scraper; needs no token and is not rate-limited. Requests and latencies by
/// route, database pool usage, outbox backlog and failures, webhook deliveries, in the
/// Prometheus text exposition format. Changes nothing.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format", content_type = "text/plain; version=0.0.4", body = String),
    (status = 500, description = "`internal_error`: the metrics could not be encoded", body = crate::error::Problem, content_type = "application/problem+json"),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    use prometheus::Encoder;
    if let Ok(mut conn) = state.conn().await
        && let Ok(backlog) = crate::domain::outbox::backlog(&mut conn).await
    {
        state.backlog.clear();
        for channel in backlog {
            let label = [channel.channel.as_str()];
            state
                .backlog
                .pending
                .with_label_values(&label)
                .set(channel.pending);
            state
                .backlog
                .oldest_seconds
                .with_label_values(&label)
                .set(channel.oldest_seconds);
        }
    }
    state
        .connections
        .set("requests", state.worker_pools.status());
    state.connections.set("background", state.pool.status());
    let encoder = prometheus::TextEncoder::new();
    let mut buffer = Vec::new();
    if let Err(e) = encoder.encode(&state.metrics.gather(), &mut buffer) {
        log::error!("encoding metrics: {e}");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type(encoder.format_type())
        .body(buffer)
}

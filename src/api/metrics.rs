//! Request counts and latencies per documented route, for `GET /metrics`:
//! `beteiligung_http_requests_total` and `beteiligung_http_requests_duration_seconds`,
//! labelled `endpoint` (the route, e.g. `/api/v1/submissions/{id}`; `UNKNOWN` for paths no
//! route serves, so that ids and probes never become labels), `method` (`OTHER` beyond the
//! usual seven) and `status`. A duration ends when the response's head is ready; the body of
//! a streamed export may take longer.
//!
//! The route is looked up by path segments in the table the 405 answers use, not by
//! matching actix's route patterns again (regular expressions, the router's own work done a
//! second time).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, web};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use crate::api::routes::Routes;

const LABELS: [&str; 3] = ["endpoint", "method", "status"];

/// The request metrics, registered in the process's registry.
#[derive(Clone)]
pub struct RequestMetrics {
    requests: IntCounterVec,
    durations: HistogramVec,
}

impl RequestMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let requests = IntCounterVec::new(
            Opts::new("beteiligung_http_requests_total", "Requests answered"),
            &LABELS,
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "beteiligung_http_requests_duration_seconds",
                "Time from a request's arrival to its response's head",
            ),
            &LABELS,
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        Ok(Self {
            requests,
            durations,
        })
    }
}

/// The route a path is counted under.
pub fn endpoint<'a>(routes: &'a Routes, path: &str) -> &'a str {
    if let Some(template) = routes.template_of(path) {
        return template;
    }
    match path {
        "/openapi.json" => "/openapi.json",
        "/docs" => "/docs",
        _ if path.starts_with("/docs/") => "/docs/{file}",
        _ => "UNKNOWN",
    }
}

/// The method as a label: any other token a client sends is `OTHER`, not a series of its own.
pub fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("OTHER")
}

/// The middleware: counts every response but those of `/metrics` itself.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let started = Instant::now();
    let response = next.call(req).await?;
    let request = response.request();
    if let (Some(metrics), Some(routes)) = (
        request.app_data::<web::Data<RequestMetrics>>(),
        request.app_data::<web::Data<Routes>>(),
    ) && request.path() != "/metrics"
    {
        let status = response.status();
        let labels = [
            endpoint(routes, request.path()),
            method_label(request.method()),
            status.as_str(),
        ];
        metrics.requests.with_label_values(&labels).inc();
        metrics
            .durations
            .with_label_values(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

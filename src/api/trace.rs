//! A span per request, when traces are exported: named by method and documented route
//! (`POST /api/v1/rounds/{id}/registrations`), continuing the caller's W3C `traceparent`,
//! with the attributes of OpenTelemetry's HTTP conventions — the path without its query
//! (page links carry tokens there) — and who called: `beteiligung.principal.kind`
//! (`anonymous`, a role, or `rejected` for a bad token) and `beteiligung.authority` for an
//! authority's staff. The request runs in the span's context, so its database statements
//! and the outbox messages it writes belong to its trace.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use opentelemetry::trace::{FutureExt, SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};

use crate::api::guard::Verified;
use crate::api::metrics::{endpoint, method_label};
use crate::api::routes::Routes;
use crate::telemetry::{Telemetry, context};

/// The middleware: only a check when traces are not exported.
pub async fn trace(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let Some(tracer) = req
        .app_data::<web::Data<Telemetry>>()
        .and_then(|telemetry| telemetry.tracer().cloned())
    else {
        return next.call(req).await;
    };
    let route = req
        .app_data::<web::Data<Routes>>()
        .map_or("UNKNOWN", |routes| endpoint(routes, req.path()))
        .to_string();
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let parent = context::from_traceparent(header("traceparent"), header("tracestate"));
    // A method beyond the usual ones is `_OTHER`, and the span's name says `HTTP`.
    let (name, method) = match method_label(req.method()) {
        "OTHER" => (format!("HTTP {route}"), "_OTHER"),
        method => (format!("{method} {route}"), method),
    };
    let attributes = vec![
        KeyValue::new("http.request.method", method),
        KeyValue::new("http.route", route),
        KeyValue::new("url.path", req.path().to_string()),
    ];
    let traced = context::start(&tracer, name, SpanKind::Server, attributes, &parent);
    let trace_id = traced.span().span_context().trace_id();
    req.extensions_mut()
        .insert(TraceOfRequest(trace_id.to_string()));
    let result = next.call(req).with_context(traced.clone()).await;
    let status = match &result {
        Ok(response) => {
            record_caller(&traced, response.request().extensions().get::<Verified>());
            response.status()
        }
        Err(e) => e.as_response_error().status_code(),
    };
    record_status(&traced, status);
    result
}

/// The trace id of a traced request, for its access log line (written when the response
/// has been sent, outside the request's context).
#[derive(Debug, Clone)]
struct TraceOfRequest(String);

/// ` trace_id=…` for the access log line of a traced request; nothing otherwise.
pub fn loggable_trace(req: &ServiceRequest) -> String {
    req.extensions()
        .get::<TraceOfRequest>()
        .map(|TraceOfRequest(id)| format!(" trace_id={id}"))
        .unwrap_or_default()
}

/// Who called, as the rate limit's verification found (requests outside the API, such as
/// `/healthz`, are not verified and say nothing).
fn record_caller(traced: &Context, verified: Option<&Verified>) {
    let Some(Verified(verified)) = verified else {
        return;
    };
    let span = traced.span();
    let kind = match verified {
        Ok(None) => "anonymous",
        Ok(Some(principal)) => principal.role.as_str(),
        Err(_) => "rejected",
    };
    span.set_attribute(KeyValue::new("beteiligung.principal.kind", kind));
    if let Ok(Some(principal)) = verified
        && let Some(authority) = principal.authority_id()
    {
        span.set_attribute(KeyValue::new(
            "beteiligung.authority",
            authority.to_string(),
        ));
    }
}

/// The status code, an error status for 5xx (a 4xx is the caller's, not the server's), and
/// the end of the span.
fn record_status(traced: &Context, status: StatusCode) {
    let span = traced.span();
    span.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    if status.is_server_error() {
        span.set_status(Status::error(status.to_string()));
    }
    span.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_access_log_names_the_trace_of_a_traced_request_only() {
        let untraced = TestRequest::get().uri("/healthz").to_srv_request();
        assert_eq!(loggable_trace(&untraced), "");
        let traced = TestRequest::get().uri("/healthz").to_srv_request();
        traced
            .extensions_mut()
            .insert(TraceOfRequest("4bf92f3577b34da6a3ce929d0e0e4736".into()));
        assert_eq!(
            loggable_trace(&traced),
            " trace_id=4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }
}

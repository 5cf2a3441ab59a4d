//! The OpenTelemetry context work runs in: W3C Trace Context (`traceparent`) in and out,
//! and the tracer that opens the spans of the work.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracer;

/// The tracer of the server whose work this context is, stored in the context itself: the
/// statements of that work open their spans with it ([`super::statements`]).
#[derive(Clone, Debug)]
pub struct Traced(pub SdkTracer);

/// Opens a span under `parent` with the server's `tracer`; the context returned has it
/// active and carries the tracer on to the work's own spans.
pub fn start(
    tracer: &SdkTracer,
    name: String,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    parent: &Context,
) -> Context {
    let span = tracer
        .span_builder(name)
        .with_kind(kind)
        .with_attributes(attributes)
        .start_with_context(tracer, parent);
    parent.with_span(span).with_value(Traced(tracer.clone()))
}

/// Ends the span of `traced`, as failed with `error` if there was one.
pub fn finish(traced: &Context, error: Option<&str>) {
    let span = traced.span();
    if let Some(error) = error {
        span.set_status(Status::error(error.to_string()));
    }
    span.end();
}

/// On the span current here (a delivery's): the status a receiver answered, and why the
/// attempt failed, if it did.
pub fn record_answer(status: Option<u16>, error: Option<&str>) {
    let context = Context::current();
    let span = context.span();
    if let Some(status) = status {
        span.set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
    }
    if let Some(error) = error {
        span.set_status(Status::error(error.to_string()));
    }
}

/// The context a W3C `traceparent` (and `tracestate`) names; empty for none or a malformed
/// one (the work then starts a trace of its own).
pub fn from_traceparent(traceparent: Option<&str>, tracestate: Option<&str>) -> Context {
    let Some(traceparent) = traceparent else {
        return Context::new();
    };
    let mut carrier = HashMap::from([("traceparent".to_string(), traceparent.to_string())]);
    if let Some(tracestate) = tracestate {
        carrier.insert("tracestate".to_string(), tracestate.to_string());
    }
    // Against an empty context: a malformed header must not adopt whatever is current.
    TraceContextPropagator::new().extract_with_context(&Context::new(), &carrier)
}

/// The `traceparent` of the span current here, to hand the trace on (an outbox message,
/// a webhook request, a mail); `None` outside a traced span.
pub fn current_traceparent() -> Option<String> {
    let context = Context::current();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove("traceparent")
}

/// The trace and span id of the span current here, as hexadecimal, for log lines.
pub fn current_ids() -> Option<(String, String)> {
    let context = Context::current();
    let span = context.span();
    let ids = span.span_context();
    ids.is_valid()
        .then(|| (ids.trace_id().to_string(), ids.span_id().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_is_continued_and_a_malformed_one_ignored() {
        let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let context = from_traceparent(Some(incoming), None);
        let _attached = context.attach();
        assert_eq!(current_traceparent().as_deref(), Some(incoming));
        assert_eq!(
            current_ids(),
            Some((
                "4bf92f3577b34da6a3ce929d0e0e4736".to_string(),
                "00f067aa0ba902b7".to_string()
            ))
        );
        let malformed = from_traceparent(Some("00-nonsense-01"), None);
        assert!(!malformed.span().span_context().is_valid());
    }
}

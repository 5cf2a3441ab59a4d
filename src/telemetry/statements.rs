//! A span per database statement, as a child of the traced work it serves (a request, a
//! delivery): diesel's connection instrumentation reports each statement's start and end.
//!
//! A statement's span names its SQL as the statement text without its bound values (they
//! may be personal data). Statements of a pipeline are in flight together, so an end closes
//! the oldest open span of the same text.

use diesel::connection::{Instrumentation, InstrumentationEvent};
use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use crate::telemetry::context::Traced;

/// The longest statement text recorded (an import's insert of thousands of rows is long).
const TEXT_LIMIT: usize = 4096;

/// Spans opened but not yet ended beyond this many are ended (a statement whose end was
/// never reported, e.g. because its request was cancelled).
const OPEN_LIMIT: usize = 64;

/// The instrumentation of one connection.
#[derive(Default)]
pub struct Statements {
    open: Vec<(String, opentelemetry_sdk::trace::Span)>,
}

impl Instrumentation for Statements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                let context = Context::current();
                if let Some(Traced(tracer)) = context.get::<Traced>() {
                    self.start(tracer, &context, &query.to_string());
                }
            }
            InstrumentationEvent::FinishQuery { query, error, .. } if !self.open.is_empty() => {
                let text = statement_text(&query.to_string());
                if let Some(at) = self.open.iter().position(|(open, _)| *open == text) {
                    let (_, mut span) = self.open.remove(at);
                    if let Some(error) = error {
                        span.set_status(Status::error(error.to_string()));
                    }
                    span.end();
                }
            }
            _ => {}
        }
    }
}

impl Statements {
    fn start(
        &mut self,
        tracer: &opentelemetry_sdk::trace::SdkTracer,
        parent: &Context,
        query: &str,
    ) {
        if !parent.span().span_context().is_valid() {
            return;
        }
        let text = statement_text(query);
        let operation = text
            .split_whitespace()
            .next()
            .unwrap_or("statement")
            .to_uppercase();
        let span = tracer
            .span_builder(operation.clone())
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("db.system.name", "postgresql"),
                KeyValue::new("db.system", "postgresql"),
                KeyValue::new("db.operation.name", operation),
                KeyValue::new("db.query.text", truncated(&text).to_string()),
            ])
            .start_with_context(tracer, parent);
        if self.open.len() >= OPEN_LIMIT {
            self.open.remove(0).1.end();
        }
        self.open.push((text, span));
    }
}

/// A statement as diesel shows it, without the bound values it appends (` -- binds: […]`).
fn statement_text(query: &str) -> String {
    query
        .split_once(" -- binds: ")
        .map_or(query, |(sql, _)| sql)
        .trim()
        .to_string()
}

fn truncated(text: &str) -> &str {
    if text.len() <= TEXT_LIMIT {
        return text;
    }
    let mut end = TEXT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_leaves_out_the_bound_values() {
        assert_eq!(
            statement_text(
                "SELECT \"email\" FROM \"registrations\" WHERE \"id\" = $1 -- binds: [\"a@b.de\"]"
            ),
            "SELECT \"email\" FROM \"registrations\" WHERE \"id\" = $1"
        );
        assert_eq!(statement_text("BEGIN"), "BEGIN");
        let long = "ä".repeat(TEXT_LIMIT);
        assert!(truncated(&long).len() <= TEXT_LIMIT);
    }
}

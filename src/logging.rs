//! The logger: env_logger's text lines, or with `LOG_FORMAT=json` one JSON object per line
//! (`timestamp`, `level`, `target`, `message`; `trace_id` and `span_id` within traced work)
//! for a log collector.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::config::LogFormat;

/// Starts the process's logger, filtered by `RUST_LOG` (default `info`).
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|out, record| writeln!(out, "{}", json_line(record, Utc::now())));
    }
    builder.init();
}

/// One record as a JSON object on one line: serde_json escapes the line breaks and quotes a
/// message may hold, so a collector never sees half a record.
pub fn json_line(record: &log::Record<'_>, at: DateTime<Utc>) -> String {
    let mut line = serde_json::json!({
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "level": record.level().as_str(),
        "target": record.target(),
        "message": record.args().to_string(),
    });
    // Within a traced request or delivery: its trace, to find the line from the trace.
    if let Some((trace_id, span_id)) = crate::telemetry::context::current_ids() {
        line["trace_id"] = trace_id.into();
        line["span_id"] = span_id.into();
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_one_json_object_on_one_line() {
        let message = "database at \"db\":5432 not reachable\nretrying";
        let at = DateTime::parse_from_rfc3339("2026-12-04T11:06:45.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("beteiligung::db")
                .args(format_args!("{message}"))
                .build(),
            at,
        );
        assert!(!line.contains('\n'), "{line}");
        let object: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            object,
            serde_json::json!({
                "timestamp": "2026-12-04T11:06:45.123Z",
                "level": "WARN",
                "target": "beteiligung::db",
                "message": message,
            })
        );
    }

    #[test]
    fn a_record_within_a_trace_names_it() {
        let _traced = crate::telemetry::context::from_traceparent(
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            None,
        )
        .attach();
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Info)
                .args(format_args!("registered"))
                .build(),
            Utc::now(),
        );
        let object: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(object["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(object["span_id"], "00f067aa0ba902b7");
    }
}

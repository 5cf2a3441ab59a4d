//! Traces (OpenTelemetry over OTLP/HTTP), when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: the
//! tracer of one server, the W3C Trace Context a span travels in (`context`), and a span per
//! database statement (`statements`).
//!
//! Each server holds its own tracer (no process-global provider): the tests run many
//! servers in one process, each with its own configuration. The tracer travels with the
//! work it traces, in the OpenTelemetry context ([`context::Traced`]), so that a database
//! statement opens its span as a child of the request or delivery it serves without the
//! pools knowing of tracers.

pub mod context;
pub mod statements;

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider,
};

use crate::config::TracingConfig;

/// The tracer of one server; without an endpoint none, and tracing costs a check.
#[derive(Clone, Default, Debug)]
pub struct Telemetry {
    exporting: Option<Exporting>,
}

#[derive(Clone, Debug)]
struct Exporting {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Telemetry {
    /// Exports spans in batches to `{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` (protobuf over
    /// HTTP) from a thread of its own.
    pub fn from_config(config: &TracingConfig) -> anyhow::Result<Self> {
        let Some(endpoint) = &config.otlp_endpoint else {
            return Ok(Self::default());
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{endpoint}/v1/traces"))
            .build()
            .map_err(|e| anyhow::anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}"))?;
        let processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(
                BatchConfigBuilder::default()
                    .with_scheduled_delay(config.export_delay)
                    .build(),
            )
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(
                Resource::builder()
                    .with_service_name(config.service_name.clone())
                    .build(),
            )
            .build();
        let tracer = provider.tracer(env!("CARGO_PKG_NAME"));
        Ok(Self {
            exporting: Some(Exporting { provider, tracer }),
        })
    }

    /// The tracer, when spans are exported.
    pub fn tracer(&self) -> Option<&SdkTracer> {
        self.exporting.as_ref().map(|exporting| &exporting.tracer)
    }

    /// The context an outbox message's delivery runs in: a span of its own, a child of the
    /// work that wrote the message (its `traceparent`); empty when nothing is exported.
    pub fn delivery(
        &self,
        channel: &str,
        id: uuid::Uuid,
        topic: &str,
        traceparent: Option<&str>,
    ) -> Context {
        let Some(tracer) = self.tracer() else {
            return Context::new();
        };
        context::start(
            tracer,
            format!("send {channel}"),
            SpanKind::Producer,
            vec![
                KeyValue::new("messaging.system", "beteiligung.outbox"),
                KeyValue::new("messaging.destination.name", channel.to_string()),
                KeyValue::new("messaging.message.id", id.to_string()),
                KeyValue::new("beteiligung.outbox.topic", topic.to_string()),
            ],
            &context::from_traceparent(traceparent, None),
        )
    }

    /// Sends the spans still waiting and stops the exporter (when the server has stopped).
    pub fn shutdown(&self) {
        if let Some(exporting) = &self.exporting
            && let Err(e) = exporting.provider.shutdown()
        {
            log::warn!("traces: the last spans were not sent: {e}");
        }
    }
}

//! `OTEL_*`: where traces go. Named as OpenTelemetry's SDKs name them, so a deployment
//! configures this service like its others.

use std::time::Duration;

use super::settings::{ConfigError, TracingConfig, invalid};
use super::values::number;

/// The traces' settings; without `OTEL_EXPORTER_OTLP_ENDPOINT` none are exported.
pub(super) fn tracing(var: &impl Fn(&str) -> Option<String>) -> Result<TracingConfig, ConfigError> {
    let endpoint = var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .map(|raw| raw.trim().trim_end_matches('/').to_string())
        .filter(|endpoint| !endpoint.is_empty());
    if let Some(endpoint) = &endpoint {
        let scheme = url::Url::parse(endpoint).map(|url| url.scheme().to_string());
        if !matches!(scheme.as_deref(), Ok("http" | "https")) {
            return Err(invalid(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "must be an http:// or https:// URL, e.g. http://otel-collector:4318",
            ));
        }
    }
    let service_name = match var("OTEL_SERVICE_NAME") {
        Some(name) if name.trim().is_empty() => {
            return Err(invalid("OTEL_SERVICE_NAME", "must not be empty"));
        }
        Some(name) => name.trim().to_string(),
        None => "beteiligung".to_string(),
    };
    // Milliseconds, as the OpenTelemetry specification has it.
    let delay = number(var, "OTEL_BSP_SCHEDULE_DELAY", 5000, 1..=600_000)?;
    Ok(TracingConfig {
        otlp_endpoint: endpoint,
        service_name,
        export_delay: Duration::from_millis(delay as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<TracingConfig, ConfigError> {
        tracing(&|name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn without_an_endpoint_nothing_is_exported() {
        let config = read(&[]).unwrap();
        assert_eq!(config.otlp_endpoint, None);
        assert_eq!(config.service_name, "beteiligung");
        assert_eq!(config.export_delay, Duration::from_secs(5));
    }

    #[test]
    fn an_endpoint_is_an_http_url() {
        let config = read(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_SERVICE_NAME", "beteiligung-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ])
        .unwrap();
        assert_eq!(
            config.otlp_endpoint.as_deref(),
            Some("http://collector:4318")
        );
        assert_eq!(config.service_name, "beteiligung-test");
        assert_eq!(config.export_delay, Duration::from_millis(100));
        let refused = read(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]).unwrap_err();
        assert!(
            refused.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
            "{refused}"
        );
    }
}

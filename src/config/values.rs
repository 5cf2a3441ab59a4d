//! The kinds of value a variable holds: durations, numbers in a range, lists, origins,
//! proxy ranges, flags, rates.

use std::time::Duration;

use super::settings::{ConfigError, Rate, invalid};

pub(super) fn duration(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<Duration, ConfigError> {
    let (raw, parsed) = raw_duration(var, name, default);
    parsed.filter(|d| !d.is_zero()).ok_or_else(|| {
        invalid(
            name,
            format!("must be a positive duration like 30s, 15m or 1h, got {raw:?}"),
        )
    })
}

/// A duration that may be zero (`0s`: not at all).
pub(super) fn duration_or_zero(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<Duration, ConfigError> {
    let (raw, parsed) = raw_duration(var, name, default);
    parsed.ok_or_else(|| {
        invalid(
            name,
            format!("must be a duration like 0s, 5s or 1m, got {raw:?}"),
        )
    })
}

/// The variable's text (or the default) and the duration it names, if it names one.
fn raw_duration(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
) -> (String, Option<Duration>) {
    let raw = var(name).unwrap_or_else(|| default.to_string());
    let parsed = humantime::parse_duration(&raw).ok();
    (raw, parsed)
}

pub(super) fn number(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    let Some(raw) = var(name) else {
        return Ok(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(invalid(
            name,
            format!(
                "must be a whole number from {} to {}, got {raw:?}",
                range.start(),
                range.end()
            ),
        )),
    }
}

pub(super) fn list(var: &impl Fn(&str) -> Option<String>, name: &str) -> Vec<String> {
    var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Exact origins: `scheme://host[:port]`, nothing after.
pub(super) fn origins(var: &impl Fn(&str) -> Option<String>) -> Result<Vec<String>, ConfigError> {
    let origins = list(var, "CORS_ALLOWED_ORIGINS");
    for origin in &origins {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        if !rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', '*', ' '])) {
            return Err(invalid(
                "CORS_ALLOWED_ORIGINS",
                format!("{origin:?} is not an origin like https://beteiligung.example.de"),
            ));
        }
    }
    Ok(origins)
}

pub(super) fn proxies(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    list(var, "TRUSTED_PROXIES")
        .iter()
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        "TRUSTED_PROXIES",
                        format!("{item:?} is not an IP address or CIDR range"),
                    )
                })
        })
        .collect()
}

pub(super) fn at_least(
    value: Duration,
    name: &'static str,
    min: Duration,
) -> Result<Duration, ConfigError> {
    if value >= min {
        Ok(value)
    } else {
        Err(invalid(
            name,
            format!("must be at least {}", humantime::format_duration(min)),
        ))
    }
}

pub(super) fn at_most(
    value: Duration,
    name: &'static str,
    max: Duration,
) -> Result<Duration, ConfigError> {
    if value <= max {
        Ok(value)
    } else {
        Err(invalid(
            name,
            format!("must be at most {}", humantime::format_duration(max)),
        ))
    }
}

pub(super) fn flag(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(invalid(
            name,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

pub(super) fn rate(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<Rate, ConfigError> {
    let raw = var(name).unwrap_or_else(|| default.to_string());
    let parsed = raw.split_once('/').and_then(|(n, unit)| {
        let requests = n.trim().parse::<u32>().ok().filter(|n| *n > 0)?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return None,
        };
        Some(Rate { requests, per })
    });
    parsed.ok_or_else(|| {
        invalid(
            name,
            format!("must be requests per period like 300/min, 10/s or 5000/h, got {raw:?}"),
        )
    })
}

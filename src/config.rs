//! Configuration, read from environment variables only:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/beteiligung` | PostgreSQL; the database is created if missing |
//! | `BIND_ADDR` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `JWT_SECRET` | — (required, ≥ 32 bytes; `serve --demo` generates one) | HMAC key signing and checking tokens |
//! | `JWT_ISSUER` | `beteiligung` | `iss` of issued tokens, required on received ones |
//! | `JWT_AUDIENCE` | `beteiligung-api` | `aud` of issued tokens, required on received ones |
//! | `TOKEN_TTL` | `1h` | lifetime of tokens from `/api/v1/auth/token` (e.g. `15m`, `8h`) |
//! | `DB_POOL_SIZE` | `10` | database connections of the HTTP workers, split among them (at least one each); background jobs open at most 4 more |
//! | `DB_STATEMENT_TIMEOUT` | `10s` | PostgreSQL `statement_timeout` on every pooled connection |
//! | `DB_POOL_WAIT_TIMEOUT` | `5s` | longest wait for a free connection before a request is answered 503 |
//! | `HTTP_WORKERS` | number of cores | actix worker threads |
//! | `CORS_ALLOWED_ORIGINS` | — (none) | comma-separated exact origins of browser front ends, e.g. `https://beteiligung.sachsen-anhalt.de` |
//! | `RATE_LIMIT_ANONYMOUS` | `300/min` | requests without a token, per client address |
//! | `RATE_LIMIT_SENSITIVE` | `30/min` | token requests, registrations and searches without a token, per client address |
//! | `RATE_LIMIT_TOKEN` | `1200/min` | requests with a token, per token subject |
//! | `TRUSTED_PROXIES` | — (none) | comma-separated addresses or CIDR ranges of proxies whose `X-Forwarded-For` names the client |
//! | `SMTP_URL` | — (mails stay in the outbox) | `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS), `smtps://user:password@host:465` (implicit TLS) |
//! | `MAIL_FROM` | `Beteiligung <beteiligung@localhost>` | sender of every mail |
//! | `REGISTRATION_CONFIRM_URL` | `http://localhost:8080/anmeldung/bestaetigen?token={token}` | link in the please-confirm mail, a page of the front end that posts the token to `/api/v1/registrations/confirm` |
//! | `REGISTRATION_CANCEL_URL` | `http://localhost:8080/anmeldung/{id}/stornieren?token={token}` | cancel link in mails; the page sends `DELETE /api/v1/registrations/{id}` with `X-Cancel-Token` |
//! | `REGISTRATION_CONFIRM_TTL` | `24h` | how long a confirmation link is valid; unconfirmed registrations are deleted after |
//! | `OUTBOX_POLL_INTERVAL` | `1s` | how often each replica looks for due mails and webhook deliveries |
//! | `MAIL_RETRY_DELAY` | `30s` | wait after the first failed delivery; doubles per attempt (±20 %), at most 1 h |
//! | `MAIL_MAX_ATTEMPTS` | `12` | attempts before a mail is marked `failed` (about 5 h at the defaults) |
//! | `WEBHOOK_ALLOW_HTTP` | `false` | accept `http://` webhook URLs (tests, closed networks) |
//! | `WEBHOOK_ALLOW_PRIVATE_NETWORKS` | `false` | deliver webhooks to loopback, private and link-local addresses |
//! | `MAINTENANCE_INTERVAL` | `1m` | how often expired idempotency records and unconfirmed registrations are removed |
//! | `PRIVACY_NOTICE_VERSION` | — (none) | the privacy notice in force, e.g. `2019-08`; registrations must name it in `privacy_notice_version` |
//! | `RETENTION_INTERVAL` | `1h` | how often expired personal data is anonymised (one replica at a time) |
//! | `RUST_LOG` | `info` | log filter (env_logger syntax) |

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/beteiligung";
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: String,
    pub jwt: JwtConfig,
    pub db_pool_size: usize,
    pub db_statement_timeout: Duration,
    pub db_pool_wait_timeout: Duration,
    pub http_workers: usize,
    pub cors_allowed_origins: Vec<String>,
    pub rate_limits: RateLimits,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub mail: MailConfig,
    pub maintenance_interval: Duration,
    pub retention_interval: Duration,
    pub privacy_notice_version: Option<String>,
    pub webhook_targets: WebhookTargets,
    pub oidc: Option<OidcConfig>,
}

/// The pages mails link to, as templates: `{token}` (and `{id}` for cancelling) are filled in.
#[derive(Clone, Debug)]
pub struct MailLinks {
    pub confirm: String,
    pub cancel: String,
}

/// What the operator allows webhooks to point at beyond public `https` targets.
#[derive(Clone, Copy, Debug, Default)]
pub struct WebhookTargets {
    pub allow_http: bool,
    pub allow_private_networks: bool,
}

/// Mail delivery and the links mails carry.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// Without it, mails wait in the outbox.
    pub smtp_url: Option<SecretString>,
    pub from: String,
    pub links: MailLinks,
    pub confirm_ttl: Duration,
    pub poll_interval: Duration,
    pub retry_delay: Duration,
    pub max_attempts: u32,
    /// Demo mode: without SMTP, write mails to the log (and mark them sent).
    pub log_without_smtp: bool,
}

/// A number of requests per period, e.g. `300/min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
}

#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    pub anonymous: Rate,
    pub sensitive: Rate,
    pub token: Rate,
}

#[derive(Clone, Debug)]
pub struct JwtConfig {
    pub secret: SecretString,
    /// Secrets rotated out: tokens they signed stay valid until they expire.
    pub previous_secrets: Vec<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub token_ttl: Duration,
    /// The longest lifetime `beteiligung token --ttl` grants.
    pub max_ttl: Duration,
    /// How often each replica learns which API clients were revoked (at most 60 s).
    pub revocation_refresh: Duration,
}

/// Ministry single sign-on: access tokens of this OpenID Connect provider are accepted.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    pub issuer: String,
    pub audience: String,
    /// Default: the `jwks_uri` of the provider's discovery document.
    pub jwks_url: Option<String>,
    /// The path of the roles claim, e.g. `["realm_access", "roles"]`.
    pub roles_claim: Vec<String>,
    /// Provider role → role here.
    pub role_map: Vec<(String, crate::base::Role)>,
    /// How often the keys are fetched again, whatever happens.
    pub jwks_refresh: Duration,
}

/// A configuration problem, naming the variable, shown as one line at start-up.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// What to do when `JWT_SECRET` is not set.
pub enum MissingSecret {
    Refuse,
    /// Demo mode: generate a random secret (tokens die with the process).
    Generate,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env(missing_secret: MissingSecret) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok(), missing_secret)
    }

    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        missing_secret: MissingSecret,
    ) -> Result<Self, ConfigError> {
        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid(
                "DATABASE_URL",
                "must be a postgres:// or postgresql:// URL",
            ));
        }
        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind_addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid("BIND_ADDR", "must be host:port, e.g. 0.0.0.0:8080"));
        }
        let secret = match (var("JWT_SECRET"), missing_secret) {
            (Some(secret), _) if secret.len() >= MIN_SECRET_BYTES => secret,
            (Some(_), _) => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes long"),
                ));
            }
            (None, MissingSecret::Generate) => random_secret(),
            (None, MissingSecret::Refuse) => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!(
                        "is required (at least {MIN_SECRET_BYTES} bytes, e.g. from `openssl rand -hex 32`)"
                    ),
                ));
            }
        };
        let non_empty = |name: &'static str, default: &str| match var(name) {
            Some(value) if value.trim().is_empty() => Err(invalid(name, "must not be empty")),
            Some(value) => Ok(value),
            None => Ok(default.to_string()),
        };
        let previous_secrets = list(&var, "JWT_PREVIOUS_SECRETS");
        if previous_secrets.iter().any(|s| s.len() < MIN_SECRET_BYTES) {
            return Err(invalid(
                "JWT_PREVIOUS_SECRETS",
                format!("each secret must be at least {MIN_SECRET_BYTES} bytes long"),
            ));
        }
        let jwt = JwtConfig {
            secret: SecretString::from(secret),
            previous_secrets: previous_secrets
                .into_iter()
                .map(SecretString::from)
                .collect(),
            issuer: non_empty("JWT_ISSUER", "beteiligung")?,
            audience: non_empty("JWT_AUDIENCE", "beteiligung-api")?,
            token_ttl: duration(&var, "TOKEN_TTL", "1h")?,
            max_ttl: duration(&var, "TOKEN_MAX_TTL", "30d")?,
            revocation_refresh: at_most(
                duration(&var, "REVOCATION_REFRESH", "30s")?,
                "REVOCATION_REFRESH",
                Duration::from_secs(60),
            )?,
        };
        let db_pool_size = number(&var, "DB_POOL_SIZE", 10, 1..=1000)?;
        let http_workers = number(
            &var,
            "HTTP_WORKERS",
            std::thread::available_parallelism().map_or(2, usize::from),
            1..=256,
        )?;
        Ok(Self {
            database_url,
            bind_addr,
            jwt,
            db_pool_size,
            db_statement_timeout: duration(&var, "DB_STATEMENT_TIMEOUT", "10s")?,
            db_pool_wait_timeout: duration(&var, "DB_POOL_WAIT_TIMEOUT", "5s")?,
            http_workers,
            cors_allowed_origins: origins(&var)?,
            rate_limits: RateLimits {
                anonymous: rate(&var, "RATE_LIMIT_ANONYMOUS", "300/min")?,
                sensitive: rate(&var, "RATE_LIMIT_SENSITIVE", "30/min")?,
                token: rate(&var, "RATE_LIMIT_TOKEN", "1200/min")?,
            },
            trusted_proxies: proxies(&var)?,
            mail: mail(&var)?,
            maintenance_interval: duration(&var, "MAINTENANCE_INTERVAL", "1m")?,
            retention_interval: duration(&var, "RETENTION_INTERVAL", "1h")?,
            privacy_notice_version: notice_version(&var)?,
            oidc: oidc(&var)?,
            webhook_targets: WebhookTargets {
                allow_http: flag(&var, "WEBHOOK_ALLOW_HTTP")?,
                allow_private_networks: flag(&var, "WEBHOOK_ALLOW_PRIVATE_NETWORKS")?,
            },
        })
    }
}

impl JwtConfig {
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.expose_secret().as_bytes()
    }
}

fn duration(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<Duration, ConfigError> {
    let raw = var(name).unwrap_or_else(|| default.to_string());
    match humantime::parse_duration(&raw) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(invalid(
            name,
            format!("must be a positive duration like 30s, 15m or 1h, got {raw:?}"),
        )),
    }
}

fn number(
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

fn list(var: &impl Fn(&str) -> Option<String>, name: &str) -> Vec<String> {
    var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Exact origins: `scheme://host[:port]`, nothing after.
fn origins(var: &impl Fn(&str) -> Option<String>) -> Result<Vec<String>, ConfigError> {
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

fn proxies(var: &impl Fn(&str) -> Option<String>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
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

fn oidc(var: &impl Fn(&str) -> Option<String>) -> Result<Option<OidcConfig>, ConfigError> {
    let Some(issuer) = var("OIDC_ISSUER").filter(|i| !i.trim().is_empty()) else {
        return Ok(None);
    };
    // Kept exactly as given: it must equal the tokens' `iss`.
    let url = |name: &'static str, value: &str| {
        if value.starts_with("https://") || value.starts_with("http://") {
            Ok(value.to_string())
        } else {
            Err(invalid(name, "must be an http(s) URL"))
        }
    };
    let issuer = url("OIDC_ISSUER", issuer.trim())?;
    let audience = var("OIDC_AUDIENCE")
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| invalid("OIDC_AUDIENCE", "is required with OIDC_ISSUER"))?;
    let jwks_url = match var("OIDC_JWKS_URL").filter(|u| !u.trim().is_empty()) {
        Some(jwks) => Some(url("OIDC_JWKS_URL", jwks.trim())?),
        None => None,
    };
    let roles_claim =
        claim_path(&var("OIDC_ROLES_CLAIM").unwrap_or_else(|| "realm_access.roles".into()))
            .filter(|path| path.iter().all(|part| !part.trim().is_empty()))
            .ok_or_else(|| {
                invalid(
                    "OIDC_ROLES_CLAIM",
                    r"must be a claim path like realm_access.roles (a dot in a name written \.)",
                )
            })?;
    let role_map = list(var, "OIDC_ROLE_MAP");
    let role_map = if role_map.is_empty() {
        vec![
            "beteiligung-admin=admin".to_string(),
            "beteiligung-moderation=moderator".to_string(),
        ]
    } else {
        role_map
    };
    let role_map = role_map
        .iter()
        .map(|pair| {
            let (theirs, ours) = pair.split_once('=').unwrap_or((pair, ""));
            match ours.trim().parse() {
                // A partner acts for an organisation, which a provider's token does not name.
                Ok(crate::base::Role::Partner) => Err(invalid(
                    "OIDC_ROLE_MAP",
                    format!(
                        "{pair:?}: provider roles map to admin or moderator only; a partner \
                         acts for an organisation and signs in as an API client"
                    ),
                )),
                Ok(role) if !theirs.trim().is_empty() => Ok((theirs.trim().to_string(), role)),
                _ => Err(invalid(
                    "OIDC_ROLE_MAP",
                    format!("{pair:?} is not provider-role=admin|moderator"),
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(OidcConfig {
        issuer,
        audience: audience.trim().to_string(),
        jwks_url,
        roles_claim,
        role_map,
        jwks_refresh: at_least(
            duration(var, "OIDC_JWKS_REFRESH", "10m")?,
            "OIDC_JWKS_REFRESH",
            MIN_JWKS_REFRESH,
        )?,
    }))
}

/// The names of a claim path: split at dots, `\.` a dot within a name (Keycloak client ids
/// may contain dots) and `\\` a backslash; `None` for a backslash before anything else.
fn claim_path(raw: &str) -> Option<Vec<String>> {
    let mut parts = vec![String::new()];
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('.' | '\\')) => parts.last_mut()?.push(escaped),
                _ => return None,
            },
            '.' => parts.push(String::new()),
            other => parts.last_mut()?.push(other),
        }
    }
    Some(parts)
}

/// The shortest `OIDC_JWKS_REFRESH`: short enough for tests of key removal, long enough
/// that a typo (`10ms` for `10m`) does not ask the provider a hundred times a second.
const MIN_JWKS_REFRESH: Duration = Duration::from_millis(100);

fn at_least(value: Duration, name: &'static str, min: Duration) -> Result<Duration, ConfigError> {
    if value >= min {
        Ok(value)
    } else {
        Err(invalid(
            name,
            format!("must be at least {}", humantime::format_duration(min)),
        ))
    }
}

fn at_most(value: Duration, name: &'static str, max: Duration) -> Result<Duration, ConfigError> {
    if value <= max {
        Ok(value)
    } else {
        Err(invalid(
            name,
            format!("must be at most {}", humantime::format_duration(max)),
        ))
    }
}

fn notice_version(var: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let name = "PRIVACY_NOTICE_VERSION";
    match var(name).map(|v| v.trim().to_string()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > 50 => Err(invalid(name, "must be at most 50 characters")),
        Some(v) => Ok(Some(v)),
    }
}

fn flag(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(invalid(
            name,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

fn mail(var: &impl Fn(&str) -> Option<String>) -> Result<MailConfig, ConfigError> {
    let smtp_url = match var("SMTP_URL").filter(|url| !url.trim().is_empty()) {
        Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => Some(url),
        Some(_) => {
            return Err(invalid(
                "SMTP_URL",
                "must be an smtp:// or smtps:// URL, e.g. smtp://mail.example.de:587?tls=required",
            ));
        }
        None => None,
    };
    let from = var("MAIL_FROM").unwrap_or_else(|| "Beteiligung <beteiligung@localhost>".into());
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "MAIL_FROM",
            format!("{from:?} is not a mailbox like Beteiligung <beteiligung@lsa.de>"),
        ));
    }
    let template = |name: &'static str, default: &str, placeholders: &[&str]| {
        let template = var(name).unwrap_or_else(|| default.to_string());
        let ok = (template.starts_with("https://") || template.starts_with("http://"))
            && placeholders.iter().all(|p| template.contains(p));
        if ok {
            Ok(template)
        } else {
            Err(invalid(
                name,
                format!(
                    "must be an http(s) URL containing {}",
                    placeholders.join(" and ")
                ),
            ))
        }
    };
    let max_attempts = number(var, "MAIL_MAX_ATTEMPTS", 12, 1..=100)?;
    Ok(MailConfig {
        smtp_url: smtp_url.map(SecretString::from),
        from,
        links: MailLinks {
            confirm: template(
                "REGISTRATION_CONFIRM_URL",
                "http://localhost:8080/anmeldung/bestaetigen?token={token}",
                &["{token}"],
            )?,
            cancel: template(
                "REGISTRATION_CANCEL_URL",
                "http://localhost:8080/anmeldung/{id}/stornieren?token={token}",
                &["{id}", "{token}"],
            )?,
        },
        confirm_ttl: at_most(
            duration(var, "REGISTRATION_CONFIRM_TTL", "24h")?,
            "REGISTRATION_CONFIRM_TTL",
            Duration::from_secs(30 * 24 * 3600),
        )?,
        poll_interval: duration(var, "OUTBOX_POLL_INTERVAL", "1s")?,
        retry_delay: duration(var, "MAIL_RETRY_DELAY", "30s")?,
        max_attempts: u32::try_from(max_attempts).unwrap_or(12),
        log_without_smtp: false,
    })
}

fn rate(
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

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn defaults_apply_when_only_the_secret_is_set() {
        let config =
            Config::from_lookup(lookup(&[("JWT_SECRET", SECRET)]), MissingSecret::Refuse).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.bind_addr, "127.0.0.1:8080");
        assert_eq!(config.jwt.token_ttl, Duration::from_secs(3600));
        assert_eq!(config.db_pool_size, 10);
        assert!(config.cors_allowed_origins.is_empty());
        assert_eq!(
            config.rate_limits.sensitive,
            Rate {
                requests: 30,
                per: Duration::from_secs(60)
            }
        );
    }

    #[test]
    fn lists_and_rates_are_read() {
        let config = Config::from_lookup(
            lookup(&[
                ("JWT_SECRET", SECRET),
                (
                    "CORS_ALLOWED_ORIGINS",
                    "https://beteiligung.sachsen-anhalt.de, http://localhost:5173",
                ),
                ("TRUSTED_PROXIES", "10.0.0.0/8,::1"),
                ("RATE_LIMIT_TOKEN", "50/s"),
            ]),
            MissingSecret::Refuse,
        )
        .unwrap();
        assert_eq!(config.cors_allowed_origins.len(), 2);
        assert_eq!(config.trusted_proxies.len(), 2);
        assert_eq!(config.rate_limits.token.requests, 50);
    }

    #[test]
    fn each_invalid_variable_is_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "JWT_SECRET"),
            (&[("JWT_SECRET", "short")], "JWT_SECRET"),
            (
                &[("JWT_SECRET", SECRET), ("TOKEN_TTL", "soon")],
                "TOKEN_TTL",
            ),
            (
                &[("JWT_SECRET", SECRET), ("DB_POOL_SIZE", "0")],
                "DB_POOL_SIZE",
            ),
            (
                &[("JWT_SECRET", SECRET), ("BIND_ADDR", "localhost")],
                "BIND_ADDR",
            ),
            (
                &[("JWT_SECRET", SECRET), ("DATABASE_URL", "mysql://x")],
                "DATABASE_URL",
            ),
            (&[("JWT_SECRET", SECRET), ("JWT_ISSUER", " ")], "JWT_ISSUER"),
            (
                &[
                    ("JWT_SECRET", SECRET),
                    ("CORS_ALLOWED_ORIGINS", "https://a.de/path"),
                ],
                "CORS_ALLOWED_ORIGINS",
            ),
            (
                &[("JWT_SECRET", SECRET), ("RATE_LIMIT_TOKEN", "lots")],
                "RATE_LIMIT_TOKEN",
            ),
            (
                &[("JWT_SECRET", SECRET), ("RATE_LIMIT_ANONYMOUS", "0/min")],
                "RATE_LIMIT_ANONYMOUS",
            ),
            (
                &[("JWT_SECRET", SECRET), ("TRUSTED_PROXIES", "proxy.local")],
                "TRUSTED_PROXIES",
            ),
        ];
        for (vars, variable) in cases {
            let error = Config::from_lookup(lookup(vars), MissingSecret::Refuse).unwrap_err();
            assert_eq!(error.variable, *variable, "{vars:?}");
        }
    }

    fn oidc_with(extra: &[(&str, &str)]) -> Result<Option<OidcConfig>, ConfigError> {
        let base = [
            ("JWT_SECRET", SECRET),
            (
                "OIDC_ISSUER",
                "https://login.sachsen-anhalt.de/realms/beteiligung",
            ),
            ("OIDC_AUDIENCE", "beteiligung-api"),
        ];
        let vars: Vec<(&str, &str)> = extra.iter().chain(base.iter()).copied().collect();
        Config::from_lookup(lookup(&vars), MissingSecret::Refuse).map(|c| c.oidc)
    }

    #[test]
    fn the_key_refresh_is_at_least_100_ms() {
        let too_often = oidc_with(&[("OIDC_JWKS_REFRESH", "10ms")]).unwrap_err();
        assert_eq!(too_often.variable, "OIDC_JWKS_REFRESH");
        assert!(too_often.message.contains("at least 100ms"), "{too_often}");
        let fastest = oidc_with(&[("OIDC_JWKS_REFRESH", "100ms")]).unwrap();
        assert_eq!(
            fastest.map(|o| o.jwks_refresh),
            Some(Duration::from_millis(100))
        );
    }

    #[test]
    fn a_dot_in_a_claim_name_is_escaped() {
        let path = |raw: &str| {
            oidc_with(&[("OIDC_ROLES_CLAIM", raw)])
                .map(|o| o.map(|o| o.roles_claim))
                .map_err(|e| e.variable)
        };
        let names = |names: &[&str]| Ok(Some(names.iter().map(|n| n.to_string()).collect()));
        assert_eq!(
            path("realm_access.roles"),
            names(&["realm_access", "roles"])
        );
        assert_eq!(
            path(r"resource_access.beteiligung\.sachsen-anhalt\.de.roles"),
            names(&["resource_access", "beteiligung.sachsen-anhalt.de", "roles"])
        );
        assert_eq!(path(r"a\\b.roles"), names(&[r"a\b", "roles"]));
        for bad in [
            "realm_access..roles",
            "roles.",
            r"realm_access\roles",
            r"roles\",
        ] {
            assert_eq!(path(bad), Err("OIDC_ROLES_CLAIM"), "{bad}");
        }
    }

    #[test]
    fn a_provider_role_cannot_map_to_partner() {
        let error =
            oidc_with(&[("OIDC_ROLE_MAP", "beteiligung-admin=admin,traeger=partner")]).unwrap_err();
        assert_eq!(error.variable, "OIDC_ROLE_MAP");
        assert!(error.message.contains("\"traeger=partner\""), "{error}");
        assert!(error.message.contains("admin or moderator only"), "{error}");
        let map = oidc_with(&[("OIDC_ROLE_MAP", "a=admin, m=moderator")])
            .unwrap()
            .map(|o| o.role_map);
        assert_eq!(
            map,
            Some(vec![
                ("a".to_string(), crate::base::Role::Admin),
                ("m".to_string(), crate::base::Role::Moderator)
            ])
        );
    }

    #[test]
    fn demo_mode_generates_a_secret() {
        let config = Config::from_lookup(lookup(&[]), MissingSecret::Generate).unwrap();
        assert!(config.jwt.secret_bytes().len() >= MIN_SECRET_BYTES);
    }
}

//! Reading the settings from environment variables: every variable checked at start, every
//! mistake named.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::database::{database_url, default_authority_name, request_role};
use super::settings::{
    Config, ConfigError, JwtConfig, LogFormat, MIN_SECRET_BYTES, MailConfig, MailLinks,
    MissingSecret, OidcConfig, RateLimits, WebhookTargets, invalid,
};
use super::values::{
    at_least, at_most, duration, duration_or_zero, flag, list, number, origins, proxies, rate,
};

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env(missing_secret: MissingSecret) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok(), missing_secret)
    }

    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        missing_secret: MissingSecret,
    ) -> Result<Self, ConfigError> {
        let database_read_url = var("DATABASE_READ_URL")
            .filter(|url| !url.is_empty())
            .map(|_| database_url(&var, "DATABASE_READ_URL"))
            .transpose()?;
        let database_url = database_url(&var, "DATABASE_URL")?;
        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind_addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid("BIND_ADDR", "must be host:port, e.g. 0.0.0.0:8080"));
        }
        let jwt = jwt(&var, missing_secret)?;
        let mail = mail(&var, &bind_addr)?;
        let db_pool_size = number(&var, "DB_POOL_SIZE", 10, 1..=1000)?;
        let http_workers = number(
            &var,
            "HTTP_WORKERS",
            std::thread::available_parallelism().map_or(2, usize::from),
            1..=256,
        )?;
        Ok(Self {
            database_url,
            database_read_url,
            database_request_role: request_role(&var)?,
            default_authority_name: default_authority_name(&var)?,
            bind_addr,
            jwt,
            db_pool_size,
            db_statement_timeout: duration(&var, "DB_STATEMENT_TIMEOUT", "10s")?,
            db_pool_wait_timeout: duration(&var, "DB_POOL_WAIT_TIMEOUT", "5s")?,
            db_connect_timeout: duration(&var, "DB_CONNECT_TIMEOUT", "60s")?,
            drain_delay: duration_or_zero(&var, "DRAIN_DELAY", "5s")?,
            log_format: LogFormat::from_lookup(&var)?,
            http_workers,
            cors_allowed_origins: origins(&var)?,
            rate_limits: RateLimits {
                anonymous: rate(&var, "RATE_LIMIT_ANONYMOUS", "300/min")?,
                sensitive: rate(&var, "RATE_LIMIT_SENSITIVE", "30/min")?,
                token: rate(&var, "RATE_LIMIT_TOKEN", "1200/min")?,
            },
            trusted_proxies: proxies(&var)?,
            mail,
            maintenance_interval: duration(&var, "MAINTENANCE_INTERVAL", "1m")?,
            retention_interval: duration(&var, "RETENTION_INTERVAL", "1h")?,
            privacy_notice_version: notice_version(&var)?,
            oidc: oidc(&var)?,
            tracing: super::telemetry::tracing(&var)?,
            webhook_targets: WebhookTargets {
                allow_http: flag(&var, "WEBHOOK_ALLOW_HTTP")?,
                allow_private_networks: flag(&var, "WEBHOOK_ALLOW_PRIVATE_NETWORKS")?,
            },
        })
    }
}

/// The signing of the service's own tokens: the secret (and the previous ones, still
/// accepted while tokens signed with them live), issuer, audience and lifetimes.
fn jwt(
    var: &impl Fn(&str) -> Option<String>,
    missing_secret: MissingSecret,
) -> Result<JwtConfig, ConfigError> {
    let secret = jwt_secret(var, missing_secret)?;
    let non_empty = |name: &'static str, default: &str| match var(name) {
        Some(value) if value.trim().is_empty() => Err(invalid(name, "must not be empty")),
        Some(value) => Ok(value),
        None => Ok(default.to_string()),
    };
    let previous_secrets = list(var, "JWT_PREVIOUS_SECRETS");
    if previous_secrets.iter().any(|s| s.len() < MIN_SECRET_BYTES) {
        return Err(invalid(
            "JWT_PREVIOUS_SECRETS",
            format!("each secret must be at least {MIN_SECRET_BYTES} bytes long"),
        ));
    }
    Ok(JwtConfig {
        secret: SecretString::from(secret),
        previous_secrets: previous_secrets
            .into_iter()
            .map(SecretString::from)
            .collect(),
        issuer: non_empty("JWT_ISSUER", "beteiligung")?,
        audience: non_empty("JWT_AUDIENCE", "beteiligung-api")?,
        token_ttl: duration(var, "TOKEN_TTL", "1h")?,
        max_ttl: duration(var, "TOKEN_MAX_TTL", "30d")?,
        revocation_refresh: at_most(
            duration(var, "REVOCATION_REFRESH", "30s")?,
            "REVOCATION_REFRESH",
            Duration::from_secs(60),
        )?,
    })
}

/// `JWT_SECRET`, long enough; without it a random one (demo mode) or an error.
fn jwt_secret(
    var: &impl Fn(&str) -> Option<String>,
    missing_secret: MissingSecret,
) -> Result<String, ConfigError> {
    match (var("JWT_SECRET"), missing_secret) {
        (Some(secret), _) if secret.len() >= MIN_SECRET_BYTES => Ok(secret),
        (Some(_), _) => Err(invalid(
            "JWT_SECRET",
            format!("must be at least {MIN_SECRET_BYTES} bytes long"),
        )),
        (None, MissingSecret::Generate) => Ok(random_secret()),
        (None, MissingSecret::Refuse) => Err(invalid(
            "JWT_SECRET",
            format!(
                "is required (at least {MIN_SECRET_BYTES} bytes, e.g. from `openssl rand -hex 32`)"
            ),
        )),
    }
}

impl JwtConfig {
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.expose_secret().as_bytes()
    }
}

pub(super) fn oidc(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<OidcConfig>, ConfigError> {
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
                        "{pair:?}: provider roles map to admin, authority_admin or moderator only; a partner \
                         acts for an organisation and signs in as an API client"
                    ),
                )),
                Ok(role) if !theirs.trim().is_empty() => Ok((theirs.trim().to_string(), role)),
                _ => Err(invalid(
                    "OIDC_ROLE_MAP",
                    format!("{pair:?} is not provider-role=admin|authority_admin|moderator"),
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
        authority_claim: claim_path(
            &var("OIDC_AUTHORITY_CLAIM").unwrap_or_else(|| "authority".into()),
        )
        .filter(|path| path.iter().all(|part| !part.trim().is_empty()))
        .ok_or_else(|| {
            invalid(
                "OIDC_AUTHORITY_CLAIM",
                r"must be a claim path like groups or authority (a dot in a name written \.)",
            )
        })?,
    }))
}

/// The names of a claim path: split at dots, `\.` a dot within a name (Keycloak client ids
/// may contain dots) and `\\` a backslash; `None` for a backslash before anything else.
pub(super) fn claim_path(raw: &str) -> Option<Vec<String>> {
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
pub(super) const MIN_JWKS_REFRESH: Duration = Duration::from_millis(100);

pub(super) fn notice_version(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let name = "PRIVACY_NOTICE_VERSION";
    match var(name).map(|v| v.trim().to_string()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > 50 => Err(invalid(name, "must be at most 50 characters")),
        Some(v) => Ok(Some(v)),
    }
}

/// Where the service is reached from outside, for the links in mails to its own pages:
/// `PUBLIC_BASE_URL`, else `http://localhost` at the port it listens on.
fn public_base_url(
    var: &impl Fn(&str) -> Option<String>,
    bind_addr: &str,
) -> Result<String, ConfigError> {
    match var("PUBLIC_BASE_URL").filter(|url| !url.trim().is_empty()) {
        Some(url) => match url::Url::parse(&url) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https")
                    && parsed.query().is_none()
                    && parsed.fragment().is_none() =>
            {
                Ok(parsed.as_str().trim_end_matches('/').to_string())
            }
            _ => Err(invalid(
                "PUBLIC_BASE_URL",
                "must be an http(s) URL without query or fragment, e.g. https://beteiligung.sachsen-anhalt.de",
            )),
        },
        None => {
            let port = bind_addr
                .parse::<std::net::SocketAddr>()
                .map_or(8080, |addr| addr.port());
            Ok(format!("http://localhost:{port}"))
        }
    }
}

/// `MAIL_SIGNATURE`: lines under the closing of every mail (`\n` starts a new line).
fn signature(var: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(text) = var("MAIL_SIGNATURE").filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let text = text.replace("\\n", "\n");
    if text.chars().count() > 500 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            "MAIL_SIGNATURE",
            "must be at most 500 characters of text (lines separated by \\n)",
        ));
    }
    Ok(Some(text.trim().to_string()))
}

pub(super) fn mail(
    var: &impl Fn(&str) -> Option<String>,
    bind_addr: &str,
) -> Result<MailConfig, ConfigError> {
    let base = public_base_url(var, bind_addr)?;
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
                &format!("{base}/anmeldung/bestaetigen?token={{token}}"),
                &["{token}"],
            )?,
            cancel: template(
                "REGISTRATION_CANCEL_URL",
                &format!("{base}/anmeldung/{{id}}/stornieren?token={{token}}"),
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
        signature: signature(var)?,
        log_without_smtp: false,
    })
}

pub(super) fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_DATABASE_URL, Rate};

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
        assert!(
            error
                .message
                .contains("admin, authority_admin or moderator only"),
            "{error}"
        );
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

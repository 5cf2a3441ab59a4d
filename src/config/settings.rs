//! The settings of the service, as read from the environment.

use std::time::Duration;

use secrecy::SecretString;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/beteiligung";

pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    /// `DATABASE_READ_URL`: a replica (streaming standby) for the heavy reads — report,
    /// exports, Abwägungstabelle; `None`: they read the primary too.
    pub database_read_url: Option<String>,
    /// The role request connections take (`SET ROLE`) when the login role is the tables'
    /// owner; `None`: the login role is already one without `BYPASSRLS`.
    pub database_request_role: Option<String>,
    /// The name of the first authority, which holds what a deployment had before it had
    /// authorities.
    pub default_authority_name: String,
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
    pub log_format: LogFormat,
    /// How long start-up waits for an unreachable database before giving up.
    pub db_connect_timeout: Duration,
    /// How long a stopping process keeps serving (readiness 503) before it closes its
    /// listener, so that load balancers take it out first.
    pub drain_delay: Duration,
    pub tracing: TracingConfig,
}

/// Where traces go (OpenTelemetry over OTLP/HTTP).
#[derive(Clone, Debug)]
pub struct TracingConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://otel-collector:4318`; `None`: no traces.
    pub otlp_endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`, the `service.name` of every span.
    pub service_name: String,
    /// `OTEL_BSP_SCHEDULE_DELAY`: how long finished spans wait to be sent in one batch.
    pub export_delay: Duration,
}

/// How each log line is written to standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: env_logger's own line.
    #[default]
    Text,
    /// For a log collector: one JSON object per line.
    Json,
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
    /// `MAIL_SIGNATURE`: the lines under the closing of every mail.
    pub signature: Option<String>,
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
    /// The path of the claim naming the authority of a staff member, e.g. `["groups"]`
    /// with values like `/authorities/kreis-mettmann/moderation`.
    pub authority_claim: Vec<String>,
}

/// A configuration problem, naming the variable, shown as one line at start-up.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

pub(super) fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
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

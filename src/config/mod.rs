//! Configuration, read from environment variables only:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/beteiligung` | PostgreSQL (a URL or libpq's `key=value` pairs); the database is created if missing; TLS as libpq: `sslmode=disable\|prefer\|require\|verify-ca\|verify-full` (default `prefer`), `sslrootcert=/path/ca.pem` or `system` |
//! | `DATABASE_REQUEST_ROLE` | `beteiligung_app` | role of the request connections (`SET ROLE`), without `BYPASSRLS` and not the tables' owner, so row-level security holds; the migrations (run as the login role, the owner) create it; empty: the login role is already such a role |
//! | `DEFAULT_AUTHORITY_NAME` | `Standardbehörde` | name of the first authority, created by the migration that introduced authorities; it holds the consultations there were before |
//! | `BIND_ADDR` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `JWT_SECRET` | — (required, ≥ 32 bytes; `serve --demo` generates one) | HMAC key signing and checking tokens |
//! | `JWT_ISSUER` | `beteiligung` | `iss` of issued tokens, required on received ones |
//! | `JWT_AUDIENCE` | `beteiligung-api` | `aud` of issued tokens, required on received ones |
//! | `TOKEN_TTL` | `1h` | lifetime of tokens from `/api/v1/auth/token` (e.g. `15m`, `8h`) |
//! | `DB_POOL_SIZE` | `10` | database connections of the HTTP workers, split among them (at least one each); background jobs open at most 4 more |
//! | `DB_STATEMENT_TIMEOUT` | `10s` | PostgreSQL `statement_timeout` on every pooled connection |
//! | `DB_CONNECT_TIMEOUT` | `60s` | how long start-up retries a database it cannot reach (every 0.5 s, doubling to 10 s, each attempt logged with host and port) before it exits |
//! | `DRAIN_DELAY` | `5s` | after SIGTERM or SIGINT: how long the process keeps serving with `/readyz` at 503 (`draining`) before it closes its listener and finishes the requests it holds (at most 30 s); a second signal stops at once |
//! | `DB_POOL_WAIT_TIMEOUT` | `5s` | longest wait for a free connection before a request is answered 503 |
//! | `HTTP_WORKERS` | number of cores | actix worker threads |
//! | `CORS_ALLOWED_ORIGINS` | — (none) | comma-separated exact origins of browser front ends, e.g. `https://beteiligung.sachsen-anhalt.de` |
//! | `RATE_LIMIT_ANONYMOUS` | `300/min` | requests without a token, per client address |
//! | `RATE_LIMIT_SENSITIVE` | `30/min` | token requests, registrations and searches without a token, per client address |
//! | `RATE_LIMIT_TOKEN` | `1200/min` | requests with a token, per token subject |
//! | `TRUSTED_PROXIES` | — (none) | comma-separated addresses or CIDR ranges of proxies whose `X-Forwarded-For` names the client |
//! | `SMTP_URL` | — (mails stay in the outbox) | `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS), `smtps://user:password@host:465` (implicit TLS) |
//! | `MAIL_FROM` | `Beteiligung <beteiligung@localhost>` | sender of every mail |
//! | `MAIL_SIGNATURE` | — (the language's „Ihr Team der Beteiligung“) | lines under the closing of every mail, e.g. `Ministerium für Arbeit, Soziales und Integration\nTurmschanzenstraße 25, 39114 Magdeburg` (`\n`: new line) |
//! | `PUBLIC_BASE_URL` | `http://localhost:` + the port of `BIND_ADDR` | where people reach the service, for links to its own pages |
//! | `REGISTRATION_CONFIRM_URL` | `{PUBLIC_BASE_URL}/anmeldung/bestaetigen?token={token}` | link in the please-confirm mail: the service's own page (GET shows, its form's POST confirms), or a page of the ministry's front end that posts the token to `/api/v1/registrations/confirm` |
//! | `REGISTRATION_CANCEL_URL` | `{PUBLIC_BASE_URL}/anmeldung/{id}/stornieren?token={token}` | cancel link in mails: the service's own page, or a front end's that sends `DELETE /api/v1/registrations/{id}` with `X-Cancel-Token` |
//! | `REGISTRATION_CONFIRM_TTL` | `24h` | how long a confirmation link is valid; unconfirmed registrations are deleted after |
//! | `OUTBOX_POLL_INTERVAL` | `1s` | how often each replica looks for due mails and webhook deliveries |
//! | `MAIL_RETRY_DELAY` | `30s` | wait after the first failed delivery; doubles per attempt (±20 %), at most 1 h |
//! | `MAIL_MAX_ATTEMPTS` | `12` | attempts before a mail is marked `failed` (about 5 h at the defaults) |
//! | `WEBHOOK_ALLOW_HTTP` | `false` | accept `http://` webhook URLs (tests, closed networks) |
//! | `WEBHOOK_ALLOW_PRIVATE_NETWORKS` | `false` | deliver webhooks to loopback, private and link-local addresses |
//! | `MAINTENANCE_INTERVAL` | `1m` | how often expired idempotency records and unconfirmed registrations are removed |
//! | `PRIVACY_NOTICE_VERSION` | — (none) | the privacy notice in force, e.g. `2019-08`; registrations must name it in `privacy_notice_version` |
//! | `RETENTION_INTERVAL` | `1h` | how often expired personal data is anonymised (one replica at a time) |
//! | `OIDC_AUTHORITY_CLAIM` | `authority` | claim path naming the authority of staff signed in at the identity provider: a slug, or a group path like `/authorities/{slug}/moderation` (a list of them works too) |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | — (no traces) | OpenTelemetry collector (OTLP/HTTP, protobuf), e.g. `http://otel-collector:4318`; spans go to `{endpoint}/v1/traces` |
//! | `OTEL_SERVICE_NAME` | `beteiligung` | `service.name` of the spans |
//! | `OTEL_BSP_SCHEDULE_DELAY` | `5000` | milliseconds finished spans wait to be sent together |
//! | `RUST_LOG` | `info` | log filter (env_logger syntax) |
//! | `LOG_FORMAT` | `text` | `text` (for people) or `json`: one JSON object per line with `timestamp`, `level`, `target`, `message`, and `trace_id`, `span_id` within a traced request |

mod database;
mod database_tls;
mod logs;
mod read;
mod settings;
mod telemetry;
mod values;

pub use database_tls::{DatabaseTls, RootCerts, SslMode};
pub use settings::{
    Config, ConfigError, DEFAULT_DATABASE_URL, JwtConfig, LogFormat, MIN_SECRET_BYTES, MailConfig,
    MailLinks, MissingSecret, OidcConfig, Rate, RateLimits, TracingConfig, WebhookTargets,
};

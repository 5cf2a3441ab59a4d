//! The one error type of the service: every failure a request can meet is an [`AppError`]
//! with a [`ErrorKind`] and a stable `code`; `src/api/problem.rs` answers it as an RFC 9457
//! problem (`application/problem+json`). The domain uses it without knowing HTTP.
//!
//! Use [`AppError`] constructors for rule violations the caller can fix. Database and pool
//! errors convert with `?`: a missing row is `NotFound`, data PostgreSQL cannot store is
//! `BadRequest`, an unreachable, restarting or timed-out database is `Unavailable`; anything
//! else is logged with its cause and answered as a bare internal error that discloses nothing.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://beteiligung.example/problems/validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "capacity: must be at least 1",
    "code": "validation_failed",
    "errors": [{"field": "capacity", "message": "must be at least 1"}]
}))]
pub struct Problem {
    /// URI identifying the problem type.
    #[serde(rename = "type")]
    #[schema(max_length = 200)]
    pub type_: String,
    #[schema(max_length = 100)]
    pub title: String,
    pub status: u16,
    #[schema(max_length = 10000)]
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `invalid_transition`.
    #[schema(max_length = 50)]
    pub code: String,
    /// Field-level details, present for validation problems; an import lists every bad
    /// field of every row (at most 12 per row of 5,000).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 60000)]
    pub errors: Vec<FieldError>,
}

/// Most field errors a problem lists: every field of every row of the largest import.
pub const MAX_FIELD_ERRORS: usize = 60_000;

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The record of a bulk request (an import) the error is about, counted from 1 (in a
    /// CSV file the header is not counted: row 1 is the spreadsheet's line 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub row: Option<u32>,
    #[schema(max_length = 100)]
    pub field: String,
    #[schema(max_length = 500)]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            row: None,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn in_row(row: u32, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            row: Some(row),
            ..Self::new(field, message)
        }
    }
}

/// What went wrong, as far as the caller is concerned. Each kind has one HTTP status
/// (mapped in `src/api/problem.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed input: syntax, types, parameters (400).
    BadRequest,
    /// No or an invalid credential (401).
    Unauthorized,
    /// Known caller, not allowed (403).
    Forbidden,
    /// Absent, or not visible to the caller (404).
    NotFound,
    /// A method the resource does not serve (405).
    MethodNotAllowed,
    /// Existed, but is no longer usable, e.g. an expired link (410).
    Gone,
    /// The state of the resource does not allow it (409).
    Conflict,
    /// `If-Match` does not match (412).
    PreconditionFailed,
    /// Body too large (413).
    PayloadTooLarge,
    /// Body of a type the operation does not take (415).
    UnsupportedMediaType,
    /// Well-formed input that breaks the rules (422).
    Invalid,
    /// Too many requests (429).
    RateLimited,
    /// Our fault (500).
    Internal,
    /// The database is unreachable, restarting or too slow (503).
    Unavailable,
}

impl ErrorKind {
    const NAMES: [(Self, &'static str); 14] = [
        (Self::BadRequest, "bad_request"),
        (Self::Unauthorized, "unauthorized"),
        (Self::Forbidden, "forbidden"),
        (Self::NotFound, "not_found"),
        (Self::MethodNotAllowed, "method_not_allowed"),
        (Self::Gone, "gone"),
        (Self::Conflict, "conflict"),
        (Self::PreconditionFailed, "precondition_failed"),
        (Self::PayloadTooLarge, "payload_too_large"),
        (Self::UnsupportedMediaType, "unsupported_media_type"),
        (Self::Invalid, "invalid"),
        (Self::RateLimited, "rate_limited"),
        (Self::Internal, "internal"),
        (Self::Unavailable, "unavailable"),
    ];

    /// The name under which a kind is stored (e.g. with an idempotent refusal).
    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("internal", |(_, name)| name)
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(kind, _)| *kind)
    }

    /// Whether the same request would always fail the same way: such outcomes are stored
    /// for idempotent replay; time- and state-dependent ones are not.
    pub fn is_deterministic(self) -> bool {
        matches!(
            self,
            Self::BadRequest | Self::PayloadTooLarge | Self::Invalid
        )
    }
}

/// Base URI of the problem types; each `code` is a path below it.
pub const PROBLEM_BASE: &str = "https://beteiligung.example/problems/";

#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?} {code}: {detail}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: Cow<'static, str>,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Whether the refusal depends on stored data (a topic of the consultation, a known
    /// organisation), so that the same request may succeed later.
    pub depends_on_state: bool,
}

impl AppError {
    pub fn new(
        kind: ErrorKind,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            depends_on_state: false,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, "bad_request", detail)
    }

    /// A request parameter (query, path, header) that is malformed: 400.
    pub fn invalid_parameter(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            errors: vec![FieldError::new(field, message.clone())],
            ..Self::new(
                ErrorKind::BadRequest,
                "invalid_parameter",
                format!("{field}: {message}"),
            )
        }
    }

    /// Well-formed JSON whose values break the rules: 422 with one entry per field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            errors,
            ..Self::new(ErrorKind::Invalid, "validation_failed", detail)
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, detail)
    }

    pub fn invalid_transition(from: &str, to: &str) -> Self {
        Self::conflict(
            "invalid_transition",
            format!("status cannot change from {from} to {to}"),
        )
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            ErrorKind::PreconditionFailed,
            "precondition_failed",
            "If-Match does not match the current ETag of the resource",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, "unavailable", detail)
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "internal_error",
            "An unexpected error occurred.",
        )
    }

    /// Whether every retry of the request would be refused the same way: such refusals are
    /// stored for idempotent replay.
    pub fn is_deterministic(&self) -> bool {
        self.kind.is_deterministic() && !self.depends_on_state
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}
impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::not_found("resource"),
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => {
                log::warn!("database connection closed: {error}");
                Self::unavailable("The database is not reachable.")
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::conflict("conflict", "A concurrent change won; retry the request.")
            }
            Error::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, _) => {
                log::warn!("database is read-only (failover?): {error}");
                Self::unavailable("The database does not accept changes right now.")
            }
            Error::DatabaseError(_, ref info) => match classify(info.message()) {
                Some(DataError::Unstorable) => Self::new(
                    ErrorKind::BadRequest,
                    "invalid_text",
                    "The request contains characters that cannot be stored (e.g. NUL).",
                ),
                Some(DataError::Invalid) => {
                    log::info!("value refused by the database: {}", info.message());
                    Self::new(
                        ErrorKind::BadRequest,
                        "invalid_data",
                        "A value of the request cannot be stored (out of range or malformed).",
                    )
                }
                Some(DataError::Deadlock) => Self::conflict(
                    "conflict",
                    "A concurrent change collided with this one; retry the request.",
                ),
                Some(DataError::Unavailable) => {
                    log::warn!("database unavailable: {}", info.message());
                    Self::unavailable("The database is restarting or did not answer in time.")
                }
                None => {
                    log::error!("database error: {error:?}");
                    Self::internal()
                }
            },
            other => {
                log::error!("database error: {other:?}");
                Self::internal()
            }
        }
    }
}

enum DataError {
    Unstorable,
    Invalid,
    Unavailable,
    Deadlock,
}

/// What a PostgreSQL error message means for the caller. diesel-async does not pass the
/// SQLSTATE on, so the (English, `lc_messages = C`) messages of the classes that matter are
/// matched: 22 (data exceptions: the caller's value) and 57 (operator intervention: a
/// statement timeout, a shutdown or restart) — both must not be a 500.
fn classify(message: &str) -> Option<DataError> {
    const UNAVAILABLE: &[&str] = &[
        "canceling statement due to statement timeout",
        "canceling statement due to user request",
        "canceling statement due to conflict with recovery",
        "terminating connection due to administrator command",
        "terminating connection due to conflict with recovery",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
    ];
    const INVALID: &[&str] = &[
        "out of range",
        "invalid input syntax",
        "value too long",
        "numeric field overflow",
        "invalid input value",
        "malformed",
    ];
    if message.starts_with("deadlock detected") {
        return Some(DataError::Deadlock);
    }
    if message.starts_with("invalid byte sequence for encoding")
        || message.starts_with("unsupported Unicode escape sequence")
    {
        Some(DataError::Unstorable)
    } else if UNAVAILABLE.iter().any(|m| message.starts_with(m)) {
        Some(DataError::Unavailable)
    } else if INVALID.iter().any(|m| message.contains(m)) {
        Some(DataError::Invalid)
    } else {
        None
    }
}

impl From<crate::db::PoolError> for AppError {
    fn from(error: crate::db::PoolError) -> Self {
        log::warn!("database pool: {error}");
        Self::unavailable("The database is not reachable.")
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        log::error!("background task failed: {error}");
        Self::internal()
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn database_messages_of_classes_22_and_57_are_the_callers_or_unavailable() {
        use super::{DataError, classify};
        assert!(matches!(
            classify("timestamp out of range: \"-5000-01-01\""),
            Some(DataError::Invalid)
        ));
        assert!(matches!(
            classify("canceling statement due to statement timeout"),
            Some(DataError::Unavailable)
        ));
        assert!(matches!(
            classify("terminating connection due to administrator command"),
            Some(DataError::Unavailable)
        ));
        assert!(matches!(
            classify("invalid byte sequence for encoding \"UTF8\": 0x00"),
            Some(DataError::Unstorable)
        ));
        assert!(classify("relation \"x\" does not exist").is_none());
    }

    #[test]
    fn every_kind_is_stored_under_its_own_name() {
        for (kind, name) in ErrorKind::NAMES {
            assert_eq!(kind.as_str(), name);
            assert_eq!(ErrorKind::parse(name), Some(kind));
        }
        assert_eq!(ErrorKind::parse("teapot"), None);
    }
}

//! How an [`AppError`] goes on the wire: an RFC 9457 problem with the status of its kind.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::error::{AppError, ErrorKind, FieldError, MAX_FIELD_ERRORS, PROBLEM_BASE, Problem};

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_UNAVAILABLE: &str = "5";

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorKind::Gone => StatusCode::GONE,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Text of a problem as the spec bounds it: at most `max` characters, no NUL (a detail may
/// quote what the caller sent).
fn bounded(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .take(max)
        .collect()
}

/// The problem document of an error.
pub fn problem(error: &AppError) -> Problem {
    let status = status_of(error.kind);
    Problem {
        type_: format!("{PROBLEM_BASE}{}", error.code),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: bounded(&error.detail, 10_000),
        code: error.code.to_string(),
        errors: error
            .errors
            .iter()
            .take(MAX_FIELD_ERRORS)
            .map(|e| FieldError {
                row: e.row,
                ..FieldError::new(bounded(&e.field, 100), bounded(&e.message, 500))
            })
            .collect(),
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        status_of(self.kind)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self.kind {
            ErrorKind::Unauthorized => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"beteiligung\""),
                ));
            }
            ErrorKind::Unavailable => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE));
            }
            _ => {}
        }
        response.json(problem(self))
    }
}

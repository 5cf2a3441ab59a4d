//! How requests are read: body limits, and actix's own extractor errors answered as
//! problems instead of plain text.

use actix_web::{error, web};

use crate::error::{AppError, ErrorKind};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Extractor settings that turn actix's own errors into problems instead of plain text.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|e, _| json_error(e).into()),
    )
    .app_data(
        web::FormConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|e, _| form_error(e).into()),
    )
    .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
    .app_data(
        web::PathConfig::default()
            .error_handler(|e, _| AppError::invalid_parameter("path", path_message(&e)).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| AppError::invalid_parameter("query", query_message(&e)).into()),
    );
}

fn too_large() -> AppError {
    AppError::new(
        ErrorKind::PayloadTooLarge,
        "payload_too_large",
        format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
    )
}

fn unsupported_media_type(expected: &str) -> AppError {
    AppError::new(
        ErrorKind::UnsupportedMediaType,
        "unsupported_media_type",
        format!("The request body must be {expected}."),
    )
}

pub fn json_error(e: error::JsonPayloadError) -> AppError {
    use error::JsonPayloadError as E;
    match e {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => too_large(),
        E::ContentType => unsupported_media_type("application/json"),
        E::Deserialize(e) => body_error(&e),
        E::Payload(error::PayloadError::Overflow) => too_large(),
        other => AppError::bad_request(format!("The request body could not be read: {other}")),
    }
}

/// A JSON body that is malformed (400 `malformed_json`) or of the wrong shape: wrong types,
/// unknown or missing fields (400 `invalid_body`).
pub fn body_error(e: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => AppError::new(
            ErrorKind::BadRequest,
            "malformed_json",
            format!("The request body is not valid JSON: {e}"),
        ),
        Category::Data => AppError::new(
            ErrorKind::BadRequest,
            "invalid_body",
            format!("The request body does not match the schema: {e}"),
        ),
    }
}

fn form_error(e: error::UrlencodedError) -> AppError {
    use error::UrlencodedError as E;
    match e {
        E::Overflow { .. } => too_large(),
        E::ContentType => unsupported_media_type("application/x-www-form-urlencoded"),
        other => AppError::bad_request(format!("The form body is invalid: {other}")),
    }
}

fn path_message(e: &error::PathError) -> String {
    match e {
        error::PathError::Deserialize(e) => e.to_string(),
        _ => "is invalid".into(),
    }
}

fn query_message(e: &error::QueryPayloadError) -> String {
    match e {
        error::QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => "is invalid".into(),
    }
}

/// A query parameter of at most `max` characters, as the spec says; 400 beyond.
pub fn bounded(name: &str, value: Option<&String>, max: usize) -> Result<(), AppError> {
    match value {
        Some(value) if value.chars().count() > max => Err(AppError::invalid_parameter(
            name,
            format!("must not be longer than {max} characters"),
        )),
        _ => Ok(()),
    }
}

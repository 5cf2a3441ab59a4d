//! `Idempotency-Key` on the wire: the header read into a domain [`IdempotencyKey`], and a
//! creating operation's [`Outcome`] answered as the first response was.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::base::Caller;
use crate::domain::idempotency::{Created, IdempotencyKey, Outcome, StoredResponse};
use crate::error::{AppError, AppResult};

pub const HEADER: &str = "Idempotency-Key";
const REPLAYED: &str = "Idempotent-Replayed";

/// What keys an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// Any key of 1–255 characters; a UUID from callers without a token.
    Any,
    /// UUIDs only: the operation is mostly called without a token.
    Uuid,
}

/// The key of a request, scoped to the caller (and a partner's organisation) and the
/// operation; `None` without the header.
pub fn key(
    req: &HttpRequest,
    caller: &Caller,
    operation: &str,
    keys: Keys,
    body: &impl Serialize,
) -> AppResult<Option<IdempotencyKey>> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::invalid_parameter(HEADER, "must be visible ASCII characters"))?;
    let scope = format!(
        "{} {}",
        caller.actor(),
        caller
            .partner_organisation()
            .map(|o| o.to_string())
            .unwrap_or_default()
    );
    let uuid_only = keys == Keys::Uuid || caller.principal().is_none();
    IdempotencyKey::new(&scope, uuid_only, operation, value, body).map(Some)
}

/// The success as first answered; a replay says so in `Idempotent-Replayed: true`.
pub fn respond(outcome: Outcome) -> HttpResponse {
    match outcome {
        Outcome::Done(response) => created(response, false),
        Outcome::Replayed(response) => created(response, true),
        Outcome::Refused(error) => error.error_response(),
        Outcome::RefusedBefore(error) => {
            let mut response = error.error_response();
            response.headers_mut().insert(
                header::HeaderName::from_static("idempotent-replayed"),
                HeaderValue::from_static("true"),
            );
            response
        }
    }
}

/// Where a created resource is served.
fn location(created: Created) -> String {
    match created {
        Created::Submission(id) => format!("/api/v1/submissions/{id}"),
        Created::Registration(id) => format!("/api/v1/registrations/{id}"),
    }
}

/// 201 with `Location` for a created resource, 200 for a success that is not one.
fn created(stored: StoredResponse, replayed: bool) -> HttpResponse {
    let mut response = match stored.created {
        Some(resource) => {
            let mut created = HttpResponse::Created();
            created.insert_header((header::LOCATION, location(resource)));
            created
        }
        None => HttpResponse::Ok(),
    };
    if replayed {
        response.insert_header((REPLAYED, "true"));
    }
    response.json(stored.body)
}

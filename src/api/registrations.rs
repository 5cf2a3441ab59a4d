use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::idempotency::{self, IdempotencyKey};
use super::pagination::{Keyset, Page, PageQuery};
use super::{csv_cell, export};
use crate::auth::{Caller, RequireAdmin};
use crate::domain::registration::{
    self, Canceller, CreatedRegistration, NewRegistration, Reader, Registration,
    RegistrationFilter, RegistrationStatus,
};
use crate::domain::round;
use crate::error::{ApiError, ApiResult, Problem};
use crate::startup::AppState;

pub const CANCEL_TOKEN_HEADER: &str = "X-Cancel-Token";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(list_registrations)
        .service(export_registrations)
        .service(get_registration)
        .service(cancel_registration)
        .service(check_in);
}

/// Register a person for a round (anonymous callers and partners). `confirmed` while seats
/// are left, else `waitlisted`. Accepts `Idempotency-Key`.
#[utoipa::path(tag = "registrations",
    params(("id" = Uuid, Path, description = "round id"),
           ("Idempotency-Key" = Option<String>, Header, description = "≤ 255 characters; a retry with the same key and body replays the first response for 24 h")),
    request_body = NewRegistration, responses(
    (status = 201, body = CreatedRegistration, headers(("Location" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "a partner naming another organisation", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) round", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`registration_closed`, `already_registered`, or `idempotency_key_in_use`", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields (`privacy_consent` must be true) or `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[post("/rounds/{id}/registrations")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<NewRegistration>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let key = IdempotencyKey::from_request(&req, &caller, &body)?;
    let mut conn = state.conn().await?;
    idempotency::run_once(&mut conn, key, async |conn, key| {
        let round = round::find_visible(conn, *id, caller.is_staff()).await?;
        registration::register(conn, &round, body, &caller, key).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub status: Option<RegistrationStatus>,
    /// Only registrations changed at or after this instant (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Staff see every registration of the round, a partner those it made.
fn reader_filter(caller: &Caller) -> ApiResult<Option<Uuid>> {
    match caller.principal() {
        None => Err(ApiError::unauthorized(
            "This endpoint requires a bearer token.",
        )),
        Some(p) if p.is_staff() => Ok(None),
        Some(p) => Ok(p.partner_organisation()),
    }
}

/// List a round's registrations (staff; a partner sees those it made).
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path, description = "round id"), RegistrationQuery, PageQuery), responses(
    (status = 200, body = Page<Registration>),
    (status = 400, description = "invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) round", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/rounds/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<RegistrationQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let registered_by_org = reader_filter(&caller)?;
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let round = round::find_visible(&mut conn, *id, caller.is_staff()).await?;
    let filter = RegistrationFilter {
        status: query.status,
        updated_since: query.updated_since,
        registered_by_org,
    };
    let items = registration::list(&mut conn, round.id, &filter, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(items, |r| r.id, |r| r)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only `csv`.
    pub format: ExportFormat,
}

crate::text_enum! {
    /// Format of the attendance list.
    ExportFormat {
        Csv = "csv",
    }
}

/// Rows fetched per database round trip while streaming an export.
const EXPORT_CHUNK: i64 = 500;

/// The attendance list of a round as CSV (admin), streamed in chunks.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path, description = "round id"), ExportQuery), responses(
    (status = 200, description = "RFC 4180 CSV with a header row", content_type = "text/csv", body = String),
    (status = 400, description = "unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such round", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/rounds/{id}/registrations/export")]
pub async fn export_registrations(
    state: web::Data<AppState>,
    _admin: RequireAdmin,
    id: web::Path<Uuid>,
    _query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let round = {
        let mut conn = state.conn().await?;
        round::find_visible(&mut conn, *id, true).await?
    };
    let header = csv_cell::record(&[
        "id",
        "name",
        "email",
        "organisation",
        "category",
        "status",
        "waitlist_position",
        "registered_at",
    ]);
    let round_id = round.id;
    let fetch = move |state: web::Data<AppState>, keyset: Keyset| async move {
        let filter = RegistrationFilter {
            status: None,
            updated_since: None,
            registered_by_org: None,
        };
        registration::list(&mut *state.conn().await?, round_id, &filter, keyset).await
    };
    let body = export::rows(state, EXPORT_CHUNK, header, fetch, |r| r.id.into(), csv_row);
    Ok(export::attachment(
        "text/csv; charset=utf-8",
        format!("teilnehmende-{round_id}.csv"),
        body,
    ))
}

fn csv_row(r: &Registration, out: &mut Vec<u8>) {
    out.extend(csv_cell::record(&[
        &r.id.to_string(),
        &r.name,
        &r.email,
        r.organisation_name.as_deref().unwrap_or(""),
        r.category.map(|c| c.as_str()).unwrap_or(""),
        r.status.as_str(),
        &r.waitlist_position
            .map(|p| p.to_string())
            .unwrap_or_default(),
        &r.created_at.to_rfc3339(),
    ]));
}

fn cancel_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(CANCEL_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
}

/// Get a registration: staff, the partner that made it, or the registrant with `X-Cancel-Token`.
#[utoipa::path(tag = "registrations",
    params(("id" = Uuid, Path), ("X-Cancel-Token" = Option<String>, Header, description = "the registrant's cancel token")),
    responses(
    (status = 200, body = Registration),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "neither a token nor a cancel token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such registration visible to the caller", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let reader = match (caller.principal(), cancel_token(&req)) {
        (Some(p), _) if p.is_staff() => Reader::Staff,
        (_, Some(token)) => Reader::Registrant(token),
        (Some(p), None) => {
            Reader::Partner(p.partner_organisation().ok_or_else(ApiError::internal)?)
        }
        (None, None) => {
            return Err(ApiError::unauthorized(
                "Send a bearer token or the registration's X-Cancel-Token.",
            ));
        }
    };
    let mut conn = state.conn().await?;
    let found = registration::find_for(&mut conn, *id, reader).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Cancel a registration, with its `X-Cancel-Token` or as admin. A freed seat goes to the
/// first on the waitlist in the same transaction.
#[utoipa::path(tag = "registrations",
    params(("id" = Uuid, Path), ("X-Cancel-Token" = Option<String>, Header, description = "the cancel token from the 201 response")),
    responses(
    (status = 200, description = "cancelled (also when it already was)", body = Registration),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "neither an admin token nor a cancel token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "the cancel token does not match", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such registration", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: the person already attended", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[delete("/registrations/{id}")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let canceller = match (caller.is_admin(), cancel_token(&req)) {
        (true, _) => Canceller::Admin(caller.actor()),
        (false, Some(token)) => Canceller::Token(token),
        (false, None) if caller.principal().is_some() => {
            return Err(ApiError::forbidden(
                "Only admins cancel without the cancel token.",
            ));
        }
        (false, None) => {
            return Err(ApiError::unauthorized(
                "Send the X-Cancel-Token header (or an admin token).",
            ));
        }
    };
    let mut conn = state.conn().await?;
    let cancelled = registration::cancel(&mut conn, *id, canceller).await?;
    Ok(HttpResponse::Ok().json(cancelled))
}

/// Mark a confirmed registration as attended (admin).
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "attended (also when it already was)", body = Registration),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such registration", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: waitlisted or cancelled", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/registrations/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    admin: RequireAdmin,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let attended = registration::check_in(&mut conn, *id, &admin.0.actor()).await?;
    Ok(HttpResponse::Ok().json(attended))
}

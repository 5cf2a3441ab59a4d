use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::csv_cell::{self, Dialect};
use super::idempotent::{self, Keys};
use super::{access, export, language};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::base::Caller;
use crate::domain::access_log::AccessKind;
use crate::domain::event::Event;
use crate::domain::page::{self, Cursor, PageQuery, SyncPage};
use crate::domain::policy::{self, Action, Party, RegistrationReader, permits};
use crate::domain::registration::{
    self, Canceller, Confirmation, CreatedRegistration, NewRegistration, Registration,
    RegistrationFilter, RegistrationStatus,
};
use crate::domain::round;
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult, Problem};

pub const CANCEL_TOKEN_HEADER: &str = "X-Cancel-Token";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(confirm_registration)
        // Other methods on this path are 405, not a registration id that is no UUID.
        .route(
            "/registrations/confirm",
            web::route().to(super::fallback::not_found),
        )
        .service(list_registrations)
        .service(export_registrations)
        .service(get_registration)
        .service(registration_history)
        .service(cancel_registration)
        .service(check_in);
}

/// Register a person for a round
///
/// Anonymous callers and partners (staff too), while the round's registration window is open
/// (else 409 `registration_closed`); the same email twice for one round is 409
/// `already_registered`; `privacy_consent` must be `true`. Anonymous: 201 `pending`, holding no
/// seat, and a mail asks to confirm (`REGISTRATION_CONFIRM_URL`); the seat is decided at `POST
/// /registrations/confirm`. A partner (for its organisation) or staff: 201 `confirmed` while
/// seats are left and nobody waits, else `waitlisted` with its position, with the
/// `cancel_token` (shown once); the registrant is mailed the outcome (with the round as `.ics`
/// when confirmed). Webhook subscriptions of admins and of the registering organisation hear
/// `registration.status_changed`. Mails and pages are in `language`, else in the language
/// `Accept-Language` asks for (de, en, uk, ar), else German. Accepts `Idempotency-Key` (a UUID); a replay carries
/// `Idempotent-Replayed: true`. Rate-limited per client address without a token
/// (`RATE_LIMIT_SENSITIVE`).
#[utoipa::path(tag = "registrations",
    params(("id" = Uuid, Path, description = "round id"),
           ("Idempotency-Key" = Option<uuid::Uuid>, Header, description = "a UUID; a retry with the same key and body replays the first response for 24 h (a 201, or a 400 or 422 refusal of the request itself)"),
           ("Accept-Language" = Option<String>, Header, max_length = 500, description = "the registrant's language when the body names none, e.g. `uk-UA,uk;q=0.9`; others than de, en, uk, ar mean German; longer than 500 characters: 400")),
    request_body = NewRegistration, responses(
    (status = 201, body = CreatedRegistration, headers(("Location" = String))),
    (status = 400, description = "malformed body or id; an `Idempotency-Key` that is not a UUID", body = Problem, content_type = "application/problem+json"),
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
    body: Json<NewRegistration>,
) -> AppResult<HttpResponse> {
    let mut body = body.into_inner();
    let key = idempotent::key(&req, &caller, "registration.create", Keys::Uuid, &body)?;
    if body.language.is_none() {
        body.language = language::requested(&req)?;
    }
    let mut conn = state.conn().await?;
    let outcome = registration::register(
        &mut conn,
        *id,
        body,
        &caller,
        key.as_ref(),
        &state.registration_rules,
    )
    .await?;
    Ok(idempotent::respond(outcome))
}

/// Confirm a registration (double opt-in)
///
/// Anyone holding the token from the confirmation mail; no bearer token needed. The seat is
/// decided now: `confirmed` while seats are left and nobody waits, else `waitlisted`. A token
/// confirms once; an expired link is 410, an unknown or used one 404. The registrant is mailed
/// the outcome with the cancel link (and, when confirmed, the round as `.ics`); webhook
/// subscriptions hear `registration.status_changed`. Answers with `Cache-Control: no-store`.
/// Rate-limited per client address (`RATE_LIMIT_SENSITIVE`).
#[utoipa::path(tag = "registrations", request_body = Confirmation, responses(
    (status = 200, body = Registration),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "`confirmation_not_found`: unknown or used token, or the unconfirmed registration was deleted", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`registration_closed`: the round was cancelled or is over", body = Problem, content_type = "application/problem+json"),
    (status = 410, description = "`confirmation_expired`: the link has expired", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "the token is empty or too long", body = Problem, content_type = "application/problem+json"),
), security(()))]
#[post("/registrations/confirm")]
pub async fn confirm_registration(
    state: web::Data<AppState>,
    body: Json<Confirmation>,
) -> AppResult<HttpResponse> {
    let token = body.into_inner().token;
    let mut v = Violations::new();
    v.text("token", &token, crate::limits!(Confirmation, "token"));
    v.into_result()?;
    let mut conn = state.conn().await?;
    let confirmed = registration::confirm(&mut conn, &token).await?;
    Ok(HttpResponse::Ok()
        .insert_header(actix_web::http::header::CacheControl(vec![
            actix_web::http::header::CacheDirective::NoStore,
        ]))
        .json(confirmed))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub status: Option<RegistrationStatus>,
    /// Only registrations created or changed at or after this instant (RFC 3339); pass the
    /// `sync_watermark` of the previous listing to sync.
    #[serde(default, deserialize_with = "crate::domain::calendar::optional")]
    pub updated_since: Option<DateTime<Utc>>,
}

/// List a round's registrations
///
/// Staff see every registration of the round, a partner those it made; anonymous callers 401.
/// Filters `status` and `updated_since` (pass the `sync_watermark` of the previous listing to
/// sync without missing a change); keyset pagination. Holds personal data: each non-empty page
/// is written to the access log (`/privacy/access-log`). Changes nothing else.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path, description = "round id"), RegistrationQuery, PageQuery), responses(
    (status = 200, body = SyncPage<Registration>),
    (status = 400, description = "invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) round", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/rounds/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    allowed: Allowed<may::ListRegistrations>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<RegistrationQuery>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let party = allowed.party;
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let watermark = match keyset.watermark {
        Some(watermark) => watermark,
        None => page::sync_watermark(&mut conn).await?,
    };
    let round = round::find_visible(&conn, *id, permits(party, Action::ReadDrafts)).await?;
    let filter = RegistrationFilter {
        status: query.status,
        updated_since: query.updated_since,
        registered_by_org: policy::registration_list_scope(party),
    };
    let items = registration::list(&mut conn, round.id, &filter, keyset).await?;
    drop(conn);
    let page = keyset.sync_page(items, watermark, |r| r.id, |r| r);
    if !page.items.is_empty() {
        let actor = allowed.caller.actor();
        access::record(
            &state,
            &req,
            actor,
            AccessKind::RegistrationList,
            page.items.len(),
        )
        .await?;
    }
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only `csv`.
    pub format: ExportFormat,
    /// Write it as German Excel opens it (UTF-8 BOM, `;`, every field quoted).
    #[serde(default)]
    pub excel: bool,
}

crate::text_enum! {
    /// Format of the attendance list.
    ExportFormat {
        Csv = "csv",
    }
}

/// Rows fetched per database round trip while streaming an export.
const EXPORT_CHUNK: i64 = 500;

/// Export a round's attendance list (CSV)
///
/// Admins only (the platform's, and an authority's for its own consultations). RFC 4180 CSV with a header row (id, name, email, organisation, category,
/// status, waitlist_position, registered_at), or with `excel=true` as German Excel opens it
/// (UTF-8 BOM, `;`, CRLF, every field quoted); never a live formula. Streamed in constant
/// memory. Recorded in the access log. Changes nothing else.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path, description = "round id"), ExportQuery), responses(
    (status = 200, description = "RFC 4180 CSV with a header row", content_type = "text/csv", body = String),
    (status = 400, description = "unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such round", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/rounds/{id}/registrations/export")]
pub async fn export_registrations(
    state: web::Data<AppState>,
    admin: Allowed<may::ExportAttendance>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    let round = {
        let conn = state.conn().await?;
        round::find_visible(&conn, *id, true).await?
    };
    let dialect = Dialect::excel(query.excel);
    let mut header = dialect.preamble().to_vec();
    header.extend(csv_cell::record(
        &[
            "id",
            "name",
            "email",
            "organisation",
            "category",
            "status",
            "waitlist_position",
            "registered_at",
        ],
        dialect,
    ));
    let round_id = round.id;
    let fetch = move |state: web::Data<AppState>, after: Option<Cursor>| async move {
        let keyset = export::keyset(EXPORT_CHUNK, after);
        let filter = RegistrationFilter {
            status: None,
            updated_since: None,
            registered_by_org: None,
        };
        registration::list(&mut *state.conn().await?, round_id, &filter, keyset).await
    };
    let sent = access::record_stream(
        state.clone(),
        &req,
        admin.caller.actor(),
        AccessKind::AttendanceExport,
    )
    .await?;
    let body = export::rows(
        state,
        EXPORT_CHUNK,
        header,
        fetch,
        |r| r.id.into(),
        move |r, out| csv_row(r, dialect, out),
        sent,
    )
    .await?;
    Ok(export::attachment(
        "text/csv; charset=utf-8",
        format!("teilnehmende-{round_id}.csv"),
        body,
    ))
}

fn csv_row(r: &Registration, dialect: Dialect, out: &mut Vec<u8>) {
    out.extend(csv_cell::record(
        &[
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
        ],
        dialect,
    ));
}

/// The reader of a request, as the policy sees it.
fn reader<'r>(caller: &'r Caller, req: &'r HttpRequest) -> AppResult<RegistrationReader<'r>> {
    policy::registration_reader(caller, cancel_token(req))
}

fn cancel_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(CANCEL_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
}

/// Get a registration
///
/// Staff, the partner that made it, or the registrant with the `X-Cancel-Token` from the mail
/// or the 201 body; without either 401, a registration the caller may not see 404. Holds
/// personal data (`Cache-Control: no-store`). Changes nothing.
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
) -> AppResult<HttpResponse> {
    let reader = reader(&caller, &req)?;
    let mut conn = state.conn().await?;
    let found = registration::find_for(&mut conn, *id, reader).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// A registration's history
///
/// For whoever may read the registration: staff, the partner that made it, the registrant with
/// `X-Cancel-Token`. Its events (registered, confirmed, cancelled, promoted, checked in,
/// anonymised), oldest first; who exactly acted is shown to staff only. Changes nothing.
#[utoipa::path(tag = "registrations",
    params(("id" = Uuid, Path), ("X-Cancel-Token" = Option<String>, Header, description = "the registrant's cancel token")),
    responses(
    (status = 200, body = Vec<Event>),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "neither a token nor a cancel token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such registration visible to the caller", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/registrations/{id}/history")]
pub async fn registration_history(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let reader = reader(&caller, &req)?;
    let mut conn = state.conn().await?;
    let events = registration::history(&mut conn, *id, reader).await?;
    Ok(HttpResponse::Ok().json(events))
}

/// Cancel a registration
///
/// The registrant with the `X-Cancel-Token`, or an admin; another token without the cancel
/// token is 403. The registration becomes `cancelled` (cancelling again answers the same); an
/// attended one is 409. The freed seat goes to the first on the waitlist in the same
/// transaction. Mails: `cancelled` to the registrant, `promoted` (with `.ics`) to the one
/// promoted. Webhook subscriptions hear `registration.status_changed` for each.
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
) -> AppResult<HttpResponse> {
    let may_cancel_any = permits(Party::of(&caller), Action::CancelAnyRegistration);
    let canceller = match (may_cancel_any, cancel_token(&req)) {
        (true, _) => Canceller::Admin(caller.actor()),
        (false, Some(token)) => Canceller::Token(token),
        (false, None) if caller.principal().is_some() => {
            return Err(AppError::forbidden(
                "Only admins cancel without the cancel token.",
            ));
        }
        (false, None) => {
            return Err(AppError::unauthorized(
                "Send the X-Cancel-Token header (or an admin token).",
            ));
        }
    };
    let mut conn = state.conn().await?;
    let cancelled = registration::cancel(&mut conn, *id, canceller).await?;
    Ok(HttpResponse::Ok().json(cancelled))
}

/// Check a registration in
///
/// Admins only, at the round: a `confirmed` registration becomes `attended` (checking in again
/// answers the same); waitlisted or cancelled ones are 409 `invalid_transition`. Recorded in
/// its history; webhook subscriptions hear `registration.status_changed`. No mail follows.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "attended (also when it already was)", body = Registration),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such registration", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: waitlisted or cancelled", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/registrations/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    admin: Allowed<may::CheckIn>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let attended = registration::check_in(&mut conn, *id, &admin.actor()).await?;
    Ok(HttpResponse::Ok().json(attended))
}

use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::etag::if_match;
use super::language::{self, Preferred};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::base::Caller;
use crate::domain::consultation;
use crate::domain::page::{Page, PageQuery};
use crate::domain::policy::{Action, Party, permits};
use crate::domain::round::{self, NewRound, Round, RoundPatch};
use crate::domain::translation::Localised;
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_rounds)
        .service(create_round)
        .service(get_round)
        .service(update_round);
}

/// List the rounds of a consultation
///
/// Anyone may call it for a consultation they may see (drafts: staff only), with the live seat
/// counts. Keyset pagination. Changes nothing.
#[utoipa::path(tag = "rounds", params(("id" = String, Path, description = "consultation id or slug"), PageQuery), responses(
    (status = 200, body = Page<Round>),
    (status = 400, description = "invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) consultation", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/consultations/{id}/rounds")]
pub async fn list_rounds(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    page: web::Query<PageQuery>,
    Preferred(wanted): Preferred,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let consultation = consultation::find_visible(
        &mut conn,
        &id,
        permits(Party::of(&caller), Action::ReadDrafts),
    )
    .await?;
    let rows = round::list(&mut conn, consultation.id, keyset).await?;
    let page = keyset.page(rows, |r| r.id, |r| Round::from(r).localised(wanted));
    Ok(language::ok(Localised::page(page)))
}

/// Add a round to a consultation
///
/// Admins only, not to an archived consultation (409 `consultation_archived`). Times must be in
/// order and the capacity at least 1 (else 422). Answers 201 with `Location` and `ETag`. No
/// events or mails follow.
#[utoipa::path(tag = "rounds", params(("id" = String, Path, description = "consultation id or slug")), request_body = NewRound, responses(
    (status = 201, body = Round, headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`consultation_archived`", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields: times out of order, capacity below 1, …", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/consultations/{id}/rounds")]
pub async fn create_round(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageRounds>,
    id: web::Path<String>,
    Preferred(wanted): Preferred,
    body: Json<NewRound>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let row = round::create(&mut conn, &id, body.into_inner()).await?;
    Ok(language::created_with_etag(
        format!("/api/v1/rounds/{}", row.id),
        &row.etag(),
        Round::from(row).localised(wanted),
    ))
}

/// Get a round
///
/// Anyone may call it for a round of a consultation they may see (drafts: staff only), with its
/// live seat counts and an `ETag`. Changes nothing.
#[utoipa::path(tag = "rounds", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Round, headers(("ETag" = String))),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) round", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/rounds/{id}")]
pub async fn get_round(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    Preferred(wanted): Preferred,
) -> AppResult<HttpResponse> {
    let conn = state.conn().await?;
    let row = round::find_visible(
        &conn,
        id.into_inner(),
        permits(Party::of(&caller), Action::ReadDrafts),
    )
    .await?;
    let etag = row.etag();
    Ok(language::ok_with_etag(
        &etag,
        Round::from(row).localised(wanted),
    ))
}

/// Change a round
///
/// Admins only (the platform's, and an authority's for its own consultations). Only the fields sent change; capacity below the confirmed seats is 409
/// `capacity_below_confirmed`; honours `If-Match` (412 when it changed since). Webhook
/// subscriptions hear `round.updated` (and `round.cancelled` when `cancelled` becomes true):
/// admins' always, partners' once the consultation is public. A new time or venue mails every
/// registrant of the round (`round changed`), a cancellation mails them `round cancelled`; both
/// through the outbox, in the change's transaction.
#[utoipa::path(tag = "rounds",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag the change applies to")),
    request_body = RoundPatch, responses(
    (status = 200, body = Round, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such round", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`capacity_below_confirmed`", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/rounds/{id}")]
pub async fn update_round(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageRounds>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    Preferred(wanted): Preferred,
    body: Json<RoundPatch>,
) -> AppResult<HttpResponse> {
    let if_match = if_match(&req)?;
    let mut conn = state.conn().await?;
    let row = round::update(&mut conn, id.into_inner(), if_match, body.into_inner()).await?;
    let etag = row.etag();
    Ok(language::ok_with_etag(
        &etag,
        Round::from(row).localised(wanted),
    ))
}

use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::etag::if_match;
use super::language::{self, Preferred};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::base::Caller;
use crate::domain::consultation::{
    self, Consultation, ConsultationPatch, ConsultationStatus, NewConsultation,
};
use crate::domain::page::{Page, PageQuery};
use crate::domain::policy::{Action, Party, permits};
use crate::domain::precondition::tag;
use crate::domain::translation::Localised;
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_consultations)
        .service(create_consultation)
        .service(get_consultation)
        .service(update_consultation);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationQuery {
    pub status: Option<ConsultationStatus>,
}

/// List consultations
///
/// Anyone may call it. Anonymous callers and partners see open, closed and archived
/// consultations of every authority; staff drafts too: the platform's admins of every
/// authority, an authority's staff (`authority_admin`, `moderator`) only and all of their
/// own authority's. Filter `status`; keyset pagination. Changes nothing.
#[utoipa::path(tag = "consultations", params(ConsultationQuery, PageQuery), responses(
    (status = 200, body = Page<Consultation>),
    (status = 400, description = "invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/consultations")]
pub async fn list_consultations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ConsultationQuery>,
    page: web::Query<PageQuery>,
    Preferred(wanted): Preferred,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let rows = consultation::list(
        &mut conn,
        query.status,
        permits(Party::of(&caller), Action::ReadDrafts),
        keyset,
    )
    .await?;
    let page = keyset.page(rows, |r| r.id, |r| Consultation::from(r).localised(wanted));
    Ok(language::ok(Localised::page(page)))
}

/// Create a consultation
///
/// Admins only: the platform's, naming the `authority_id` (required when there are several
/// authorities), and an authority's, for its own authority. It starts as `draft`, invisible to
/// anonymous callers and partners until it is opened (`PATCH` with `status: open`). Answers
/// 201 with `Location` and `ETag`. No events or mails follow.
#[utoipa::path(tag = "consultations", request_body = NewConsultation, responses(
    (status = 201, body = Consultation, headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`slug_taken`", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/consultations")]
pub async fn create_consultation(
    state: web::Data<AppState>,
    admin: Allowed<may::ManageConsultations>,
    Preferred(wanted): Preferred,
    body: Json<NewConsultation>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let row = consultation::create(&mut conn, &admin.by, body.into_inner()).await?;
    Ok(language::created_with_etag(
        format!("/api/v1/consultations/{}", row.id),
        &tag(row.version),
        Consultation::from(row).localised(wanted),
    ))
}

/// Get a consultation
///
/// Anyone may call it, by id or slug. Drafts are 404 except for staff; to an authority's staff
/// every consultation of another authority is 404. Answers with an `ETag` for `If-Match`.
/// Changes nothing.
#[utoipa::path(tag = "consultations", params(("id" = String, Path, description = "id or slug")), responses(
    (status = 200, body = Consultation, headers(("ETag" = String))),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) consultation", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/consultations/{id}")]
pub async fn get_consultation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    Preferred(wanted): Preferred,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let row = consultation::find_visible(
        &mut conn,
        &id,
        permits(Party::of(&caller), Action::ReadDrafts),
    )
    .await?;
    let etag = tag(row.version);
    Ok(language::ok_with_etag(
        &etag,
        Consultation::from(row).localised(wanted),
    ))
}

/// Change a consultation
///
/// Admins only (the platform's, and an authority's for its own consultations); giving it to
/// another authority (`authority_id`) only the platform's, recorded in its history. Only the
/// fields sent change, `status` included: only forward (`draft → open →
/// closed → archived`), anything else is 409 `invalid_transition`. Honours `If-Match` (412 when
/// it changed since). Opening makes it and its rounds public: from then on partners' webhook
/// subscriptions hear `round.updated` and `round.cancelled` of its rounds. No mails follow.
#[utoipa::path(tag = "consultations",
    params(("id" = String, Path, description = "id or slug"), ("If-Match" = Option<String>, Header, description = "ETag the change applies to")),
    request_body = ConsultationPatch, responses(
    (status = 200, body = Consultation, headers(("ETag" = String))),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition` or `slug_taken`", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/consultations/{id}")]
pub async fn update_consultation(
    state: web::Data<AppState>,
    admin: Allowed<may::ManageConsultations>,
    req: HttpRequest,
    id: web::Path<String>,
    Preferred(wanted): Preferred,
    body: Json<ConsultationPatch>,
) -> AppResult<HttpResponse> {
    let if_match = if_match(&req)?;
    let mut conn = state.conn().await?;
    let row = consultation::update(&mut conn, &admin.by, &id, if_match, body.into_inner()).await?;
    let etag = tag(row.version);
    Ok(language::ok_with_etag(
        &etag,
        Consultation::from(row).localised(wanted),
    ))
}

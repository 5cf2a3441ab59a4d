use super::access;
use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::access_log::{self, AccessEntry, AccessKind};
use crate::domain::page::{Page, PageQuery};
use crate::domain::privacy::{self, Erasure, PersonalData, PrivacyRequest};
use crate::domain::processing::{self, ProcessingRecord};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_personal_data)
        .service(erase_personal_data)
        .service(list_access_log)
        .service(processing_record);
}

/// The access log of personal data
///
/// Admins only (the platform's, and an authority's for its own consultations). Every bulk read of personal data: attendance exports, registration lists,
/// submission exports with author names, privacy exports — who, when, what, how many records;
/// oldest first, kept two years; keyset pagination. Changes nothing.
#[utoipa::path(tag = "privacy", params(PageQuery), responses(
    (status = 200, body = Page<AccessEntry>),
    (status = 400, description = "invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/privacy/access-log")]
pub async fn list_access_log(
    state: web::Data<AppState>,
    _admin: Allowed<may::HandlePrivacyRequests>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let entries = access_log::list(&mut conn, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(entries, |e| e.id, |e| e)))
}

/// The record of processing activities (DSGVO Art. 30)
///
/// Admins only (the platform's, and an authority's for its own consultations). Each kind of personal data the service holds, its purpose, who may see it (from
/// the service's own rules) and its retention, with every consultation's configured periods.
/// Changes nothing.
#[utoipa::path(tag = "privacy", responses(
    (status = 200, body = ProcessingRecord),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/privacy/processing")]
pub async fn processing_record(
    state: web::Data<AppState>,
    admin: Allowed<may::HandlePrivacyRequests>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(processing::record(&mut conn, admin.party).await?))
}

/// Export everything held for an email address (DSGVO Art. 15)
///
/// Admins only (the platform's, and an authority's for its own consultations). Every registration and every submission authored under that email. Recorded in
/// the access log. Changes nothing else.
#[utoipa::path(tag = "privacy", request_body = PrivacyRequest, responses(
    (status = 200, body = PersonalData),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid email", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/privacy/export")]
pub async fn export_personal_data(
    state: web::Data<AppState>,
    admin: Allowed<may::HandlePrivacyRequests>,
    req: HttpRequest,
    body: Json<PrivacyRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let data = privacy::export(&mut conn, body.into_inner()).await?;
    drop(conn);
    let records = data.registrations.len() + data.submissions.len();
    access::record(
        &state,
        &req,
        admin.caller.actor(),
        AccessKind::PrivacyExport,
        records,
    )
    .await?;
    Ok(HttpResponse::Ok().json(data))
}

/// Erase the personal data of an email address (DSGVO Art. 17)
///
/// Admins only (the platform's, and an authority's for its own consultations). Registrations and author names of that email are anonymised; submission content
/// stays (the process needs it). Stored idempotency responses, pending mails and undelivered
/// webhook payloads holding the person's data go too. Each change is recorded as an event that
/// only staff see. No mail and no webhook event follows.
#[utoipa::path(tag = "privacy", request_body = PrivacyRequest, responses(
    (status = 200, body = Erasure),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid email", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/privacy/erasure")]
pub async fn erase_personal_data(
    state: web::Data<AppState>,
    admin: Allowed<may::HandlePrivacyRequests>,
    body: Json<PrivacyRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let erased = privacy::erase(&mut conn, body.into_inner(), &admin.actor()).await?;
    Ok(HttpResponse::Ok().json(erased))
}

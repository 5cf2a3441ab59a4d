use super::body::Json;
use actix_web::{HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Allowed, may};
use crate::domain::privacy::{self, Erasure, PersonalData, PrivacyRequest};
use crate::error::{AppResult, Problem};
use crate::startup::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_personal_data)
        .service(erase_personal_data);
}

/// Every personal record held for an email address (admin; DSGVO Art. 15).
#[utoipa::path(tag = "privacy", request_body = PrivacyRequest, responses(
    (status = 200, body = PersonalData),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid email", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/privacy/export")]
pub async fn export_personal_data(
    state: web::Data<AppState>,
    _admin: Allowed<may::HandlePrivacyRequests>,
    body: Json<PrivacyRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(privacy::export(&mut conn, body.into_inner()).await?))
}

/// Anonymise registrations and author names of an email address (admin; DSGVO Art. 17).
/// Submission content stays; each change is recorded as an event.
#[utoipa::path(tag = "privacy", request_body = PrivacyRequest, responses(
    (status = 200, body = Erasure),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
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

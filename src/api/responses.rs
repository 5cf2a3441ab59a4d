//! Considered responses (Abwägung): drafted by staff per submission, published by admins.

use super::body::Json;
use actix_web::{HttpResponse, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::reply::with_etag;
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::consultation;
use crate::domain::precondition::tag;
use crate::domain::submission::Submission;
use crate::domain::submission::{self as response, PublishRequest, Published, ResponseDraft};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(draft_response).service(publish_responses);
}

/// Draft the considered response to a submission
///
/// Moderators and admins: writes or changes the response (Abwägung) of one submission; a
/// changed response is a draft again until published, and drafts are shown to staff only.
/// Recorded in its history (`response_drafted`). No webhook event or mail follows until it is
/// published.
#[utoipa::path(tag = "submissions", params(("id" = Uuid, Path)), request_body = ResponseDraft, responses(
    (status = 200, body = Submission, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such submission", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "empty or too long text", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/submissions/{id}/response")]
pub async fn draft_response(
    state: web::Data<AppState>,
    staff: Allowed<may::Review>,
    id: web::Path<Uuid>,
    body: Json<ResponseDraft>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let answered = response::draft(&mut conn, *id, body.into_inner(), &staff.actor()).await?;
    Ok(with_etag(tag(answered.version), answered))
}

/// Publish the drafted responses of a consultation
///
/// Admins only: every drafted response of the consultation, or those of the listed submissions
/// (at most 1000). Each becomes visible with its submission, always to the submitting
/// organisation; each is recorded in the submission's history, and webhook subscriptions of
/// admins and of the organisation hear `submission.response_published`. No mail follows.
#[utoipa::path(tag = "submissions", params(("id" = String, Path, description = "consultation id or slug")),
    request_body = PublishRequest, responses(
    (status = 200, body = Published),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "more than 1000 submissions listed", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/consultations/{id}/responses/publish")]
pub async fn publish_responses(
    state: web::Data<AppState>,
    admin: Allowed<may::PublishResponses>,
    id: web::Path<String>,
    body: Json<PublishRequest>,
) -> AppResult<HttpResponse> {
    super::extractors::bounded("id", Some(&id), 100)?;
    let mut conn = state.conn().await?;
    let found = consultation::find_visible(&mut conn, &id, true).await?;
    let published =
        response::publish(&mut conn, found.id, body.into_inner(), &admin.actor()).await?;
    Ok(HttpResponse::Ok().json(published))
}

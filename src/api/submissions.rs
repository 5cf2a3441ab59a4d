use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::etag::if_match;
use super::idempotent::{self, Keys};
use super::reply::with_etag;
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::base::Caller;
use crate::domain::category::Category;
use crate::domain::event::Event;
use crate::domain::page::{PageQuery, SyncPage};
use crate::domain::policy::Party;
use crate::domain::precondition::tag;
use crate::domain::submission::{
    self, NewSubmission, Review, Submission, SubmissionFilter, SubmissionKind, SubmissionPatch,
    SubmissionStatus,
};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_submission)
        .service(list_submissions)
        .service(get_submission)
        .service(update_submission)
        .service(withdraw_submission)
        .service(review_submission)
        .service(submission_history);
}

/// Hand in a submission
///
/// Partners for their own organisation (naming another is 403), moderators and admins for any
/// (e.g. recording a Regionalkonferenz's results with `round_id` and `source: conference`).
/// Only while the consultation is `open` and, with a `round_id`, while that round's submission
/// window is open (else 409 `submissions_closed`). The submission is `submitted` and gets the
/// next `number` of its consultation (e.g. `ITK-0042`); `external_ref` is unique per
/// organisation (409 `duplicate_external_ref`). Recorded in its history; webhook subscriptions
/// of admins and of the organisation hear `submission.created`. No mail follows. Accepts
/// `Idempotency-Key`; a replay carries `Idempotent-Replayed: true`.
#[utoipa::path(tag = "submissions",
    params(("id" = String, Path, description = "consultation id or slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "≤ 255 characters; a retry with the same key and body replays the first response for 24 h")),
    request_body = NewSubmission, responses(
    (status = 201, body = Submission, headers(("Location" = String))),
    (status = 400, description = "malformed body or `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "a partner naming another organisation", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) consultation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`submissions_closed`, `duplicate_external_ref` or `idempotency_key_in_use`", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields (topic, addresses, round, …) or `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/consultations/{id}/submissions")]
pub async fn create_submission(
    state: web::Data<AppState>,
    allowed: Allowed<may::Submit>,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<NewSubmission>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let key = idempotent::key(&req, &allowed.caller, "submission.create", Keys::Any, &body)?;
    let mut conn = state.conn().await?;
    let outcome = submission::create(&mut conn, &id, body, &allowed.by, key.as_ref()).await?;
    Ok(idempotent::respond(outcome))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionQuery {
    pub round_id: Option<Uuid>,
    pub kind: Option<SubmissionKind>,
    /// A topic key of the consultation.
    #[param(max_length = 50)]
    pub topic: Option<String>,
    pub status: Option<SubmissionStatus>,
    pub organisation_id: Option<Uuid>,
    /// Category of the submitting organisation.
    pub category: Option<Category>,
    /// Region of the submitting organisation.
    #[param(max_length = 100)]
    pub region: Option<String>,
    /// The partner's own id of a submission.
    #[param(max_length = 200)]
    pub external_ref: Option<String>,
    /// Only submissions created or changed at or after this instant (RFC 3339); pass the
    /// `sync_watermark` of the previous listing to sync.
    #[serde(default, deserialize_with = "crate::domain::calendar::optional")]
    pub updated_since: Option<DateTime<Utc>>,
    /// German full-text search over title and body: words are matched as stemmed prefixes
    /// (`Sprachkurs` finds `Sprachkurse`) and must all occur; `OR` between two words, `-word`
    /// excludes. Results are ranked, best first, with their `rank`. Words of one character
    /// are left out and only the first 8 words count; a search without a word finds nothing.
    #[param(max_length = 200)]
    pub q: Option<String>,
}

impl SubmissionQuery {
    pub fn filter(&self) -> AppResult<SubmissionFilter> {
        super::extractors::bounded("topic", self.topic.as_ref(), 50)?;
        super::extractors::bounded("region", self.region.as_ref(), 100)?;
        super::extractors::bounded("external_ref", self.external_ref.as_ref(), 200)?;
        let q = match self.q.as_deref() {
            Some(q) => submission::search_terms(q)?,
            None => None,
        };
        Ok(SubmissionFilter {
            round_id: self.round_id,
            kind: self.kind,
            topic: self.topic.clone(),
            status: self.status,
            organisation_id: self.organisation_id,
            category: self.category,
            region: self.region.clone(),
            external_ref: self.external_ref.clone(),
            updated_since: self.updated_since,
            q,
        })
    }
}

/// List a consultation's submissions
///
/// Anyone may call it. Anonymous callers see accepted submissions without author names; a
/// partner also its own organisation's in every status; staff see all. Filters as the
/// parameters say, German full-text search with `q` (stemming: `Sprachkurs` finds
/// `Sprachkurse`; a search without a token counts against `RATE_LIMIT_SENSITIVE` and is cut off
/// after 2 s with 503), `updated_since` with the `sync_watermark` of the previous listing to
/// sync without missing a change. Keyset pagination. Changes nothing.
#[utoipa::path(tag = "submissions", params(("id" = String, Path, description = "consultation id or slug"), SubmissionQuery, PageQuery), responses(
    (status = 200, body = SyncPage<Submission>),
    (status = 400, description = "invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such (visible) consultation", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "`unavailable`: e.g. an anonymous search that took longer than 2 s", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/consultations/{id}/submissions")]
pub async fn list_submissions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<SubmissionQuery>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let filter = query.filter()?;
    let party = Party::of(&caller);
    let mut conn = state.conn().await?;
    let (items, watermark) = submission::list(&mut conn, &id, &filter, party, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.sync_page(items, watermark, Submission::cursor, |s| s)))
}

/// Get a submission
///
/// Anyone may call it; a submission the caller may not see is 404 (another organisation's
/// non-public submission too: its existence is not disclosed). Its considered response is shown
/// once published (to its organisation always, drafts to staff). Answers with an `ETag` for
/// `If-Match`. Changes nothing.
#[utoipa::path(tag = "submissions", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Submission, headers(("ETag" = String))),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such submission visible to the caller", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/submissions/{id}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let found = submission::find_visible(&mut conn, *id, Party::of(&caller)).await?;
    Ok(with_etag(tag(found.version), found))
}

/// Change a submission
///
/// The submitting organisation's partner, while the submission is `submitted` (else 409
/// `not_editable`) and the consultation and the round's submission window are open (else 409
/// `submissions_closed`). Only the fields sent change; honours `If-Match` (412 when it changed
/// since). Recorded in its history (`edited`); webhook subscriptions hear `submission.updated`.
/// No mail follows.
#[utoipa::path(tag = "submissions",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag the change applies to")),
    request_body = SubmissionPatch, responses(
    (status = 200, body = Submission, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not the submitting organisation", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such submission visible to the caller", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`not_editable`: no longer submitted; `submissions_closed`: the consultation or the round's window is closed; `duplicate_external_ref`", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/submissions/{id}")]
pub async fn update_submission(
    state: web::Data<AppState>,
    allowed: Allowed<may::Submit>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<SubmissionPatch>,
) -> AppResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let mut conn = state.conn().await?;
    let updated =
        submission::update(&mut conn, *id, &allowed.by, precondition, body.into_inner()).await?;
    Ok(with_etag(tag(updated.version), updated))
}

/// Withdraw a submission
///
/// The submitting organisation's partner, while the submission is `submitted` or `in_review`
/// (else 409 `invalid_transition`); one that others were merged into cannot be withdrawn (409
/// `merge_target`). It becomes `withdrawn`; recorded in its history; webhook subscriptions hear
/// `submission.status_changed`. No mail follows.
#[utoipa::path(tag = "submissions", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "withdrawn", body = Submission),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not the submitting organisation", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such submission visible to the caller", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: already decided or withdrawn; `merge_target`: others are merged into it", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[delete("/submissions/{id}")]
pub async fn withdraw_submission(
    state: web::Data<AppState>,
    allowed: Allowed<may::Submit>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let withdrawn = submission::withdraw(&mut conn, *id, &allowed.by).await?;
    Ok(HttpResponse::Ok().json(withdrawn))
}

/// Review a submission
///
/// Moderators and admins: `submitted → in_review → accepted | rejected | merged` (`rejected`
/// needs a `reason`, `merged` a `duplicate_of` that stands); any other step is 409
/// `invalid_transition`. Of concurrent reviews exactly one wins, the others get 409. Recorded
/// in its history with the reviewer; webhook subscriptions of admins and of the organisation
/// hear `submission.status_changed`. No mail follows.
#[utoipa::path(tag = "submissions", params(("id" = Uuid, Path)), request_body = Review, responses(
    (status = 200, body = Submission, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such submission", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`; `merge_target`: others are merged into it, so it cannot be rejected or merged", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`rejected` without reason, `merged` without a valid `duplicate_of`", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/submissions/{id}/review")]
pub async fn review_submission(
    state: web::Data<AppState>,
    staff: Allowed<may::Review>,
    id: web::Path<Uuid>,
    body: Json<Review>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let reviewed = submission::review(&mut conn, *id, body.into_inner(), &staff.actor()).await?;
    Ok(with_etag(tag(reviewed.version), reviewed))
}

/// A submission's history
///
/// For whoever may see the submission (else 404): creation, edits, each status change with
/// reason, withdrawal, responses drafted and published; oldest first. Who exactly acted is
/// shown to staff only. Changes nothing.
#[utoipa::path(tag = "submissions", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<Event>),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such submission visible to the caller", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/submissions/{id}/history")]
pub async fn submission_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let events = submission::history(&mut conn, *id, Party::of(&caller)).await?;
    Ok(HttpResponse::Ok().json(events))
}

use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::etag::if_match;
use super::reply::{created, with_etag};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::base::Caller;
use crate::domain::category::Category;
use crate::domain::organisation::{
    self, NewOrganisation, Organisation, OrganisationFilter, OrganisationPatch,
};
use crate::domain::page::{Page, PageQuery};
use crate::domain::policy::{self, Party};
use crate::domain::precondition::tag;
use crate::error::{AppError, AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_organisations)
        .service(create_organisation)
        .service(get_organisation)
        .service(update_organisation);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    pub category: Option<Category>,
    /// Exact region.
    #[param(max_length = 100)]
    pub region: Option<String>,
    /// Case-insensitive part of the name.
    #[param(max_length = 200)]
    pub q: Option<String>,
}

/// List organisations
///
/// Anyone may call it: who takes part is public. Filters `category`, exact `region`, and `q` (a
/// case-insensitive part of the name; a search without a token counts against
/// `RATE_LIMIT_SENSITIVE`). Keyset pagination. Changes nothing.
#[utoipa::path(tag = "organisations", params(OrganisationQuery, PageQuery), responses(
    (status = 200, body = Page<Organisation>),
    (status = 400, description = "invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<OrganisationQuery>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    super::extractors::bounded("region", query.region.as_ref(), 100)?;
    super::extractors::bounded("q", query.q.as_ref(), 200)?;
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let filter = OrganisationFilter {
        category: query.category,
        region: query.region,
        q: query.q,
    };
    let rows = organisation::list(&mut conn, filter, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(rows, |r| r.id, Organisation::from)))
}

/// Create an organisation
///
/// Admins only. Organisations form one shared directory; partner API clients and submissions
/// name them by `id`. No events or mails follow.
#[utoipa::path(tag = "organisations", request_body = NewOrganisation, responses(
    (status = 201, body = Organisation, headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageOrganisations>,
    body: Json<NewOrganisation>,
) -> AppResult<HttpResponse> {
    check_website(body.website.as_deref())?;
    let mut conn = state.conn().await?;
    let row = organisation::create(&mut conn, body.into_inner()).await?;
    Ok(created(
        format!("/api/v1/organisations/{}", row.id),
        Some(tag(row.version)),
        Organisation::from(row),
    ))
}

/// Get an organisation
///
/// Staff (moderators, admins), and a partner its own organisation; other partners get 403.
/// Answers with an `ETag` for `If-Match`. Changes nothing.
#[utoipa::path(tag = "organisations", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Organisation, headers(("ETag" = String))),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither staff nor this organisation's partner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such organisation", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    policy::require(
        &caller,
        policy::may_read_organisation(Party::of(&caller), id),
    )?;
    let mut conn = state.conn().await?;
    let row = organisation::find(&mut conn, id).await?;
    Ok(with_etag(tag(row.version), Organisation::from(row)))
}

/// Change an organisation
///
/// Admins only. Only the fields sent change; honours `If-Match` (412 when it changed since the
/// `ETag` was read). No events or mails follow.
#[utoipa::path(tag = "organisations", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag the change applies to")),
    request_body = OrganisationPatch, responses(
    (status = 200, body = Organisation, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such organisation", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageOrganisations>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<OrganisationPatch>,
) -> AppResult<HttpResponse> {
    let if_match = if_match(&req)?;
    check_website(body.website.as_ref().and_then(Option::as_deref))?;
    let mut conn = state.conn().await?;
    let row = organisation::update(&mut conn, id.into_inner(), if_match, body.into_inner()).await?;
    Ok(with_etag(tag(row.version), Organisation::from(row)))
}

/// A website is a URL a browser can open, not only text that starts like one
/// (`http://[` is none): 422 otherwise, as for a website that does not start with `http`.
fn check_website(website: Option<&str>) -> AppResult<()> {
    let opens = |w: &str| url::Url::parse(w).is_ok_and(|u| u.host().is_some());
    match website {
        Some(website) if !opens(website) => Err(AppError::field(
            "website",
            "must be an http(s) URL of at most 500 characters",
        )),
        _ => Ok(()),
    }
}

//! Authorities: the ministries, districts and cities one deployment serves. Anyone may list
//! them; the platform's admins create and change them.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::body::Json;
use super::etag::if_match;
use super::reply::{created, with_etag};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::base::Caller;
use crate::domain::authority::{self, Authority, AuthorityPatch, NewAuthority};
use crate::domain::page::{Page, PageQuery};
use crate::domain::precondition::tag;
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_authorities)
        .service(create_authority)
        .service(get_authority)
        .service(update_authority);
}

/// List authorities
///
/// Anyone may call it: which authorities run consultations here is public. Keyset
/// pagination. Changes nothing.
#[utoipa::path(tag = "authorities", params(PageQuery), responses(
    (status = 200, body = Page<Authority>),
    (status = 400, description = "invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/authorities")]
pub async fn list_authorities(
    state: web::Data<AppState>,
    _caller: Caller,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let rows = authority::list(&mut conn, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(rows, |r| r.id, Authority::from)))
}

/// Create an authority
///
/// The platform's admins only. Its `slug` names it in the tokens of its staff (claim
/// `authority`, `beteiligung token --authority`, group paths of the identity provider) and
/// cannot change later. No events or mails follow.
#[utoipa::path(tag = "authorities", request_body = NewAuthority, responses(
    (status = 201, body = Authority, headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not the platform's admin", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "another authority has this slug (`slug_taken`)", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/authorities")]
pub async fn create_authority(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageAuthorities>,
    body: Json<NewAuthority>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let row = authority::create(&mut conn, body.into_inner()).await?;
    state.known_authorities.forget_only_one();
    Ok(created(
        format!("/api/v1/authorities/{}", row.id),
        Some(tag(row.version)),
        Authority::from(row),
    ))
}

/// Get an authority
///
/// Anyone may call it. Answers with an `ETag` for `If-Match`. Changes nothing.
#[utoipa::path(tag = "authorities", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Authority, headers(("ETag" = String))),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such authority", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/authorities/{id}")]
pub async fn get_authority(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let row = authority::find(&mut conn, id.into_inner()).await?;
    Ok(with_etag(tag(row.version), Authority::from(row)))
}

/// Change an authority
///
/// The platform's admins only. Only the fields sent change (the slug stays); honours
/// `If-Match` (412 when it changed since the `ETag` was read). No events or mails follow.
#[utoipa::path(tag = "authorities", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag the change applies to")),
    request_body = AuthorityPatch, responses(
    (status = 200, body = Authority, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not the platform's admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such authority", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/authorities/{id}")]
pub async fn update_authority(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageAuthorities>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<AuthorityPatch>,
) -> AppResult<HttpResponse> {
    let if_match = if_match(&req)?;
    let mut conn = state.conn().await?;
    let row = authority::update(&mut conn, id.into_inner(), if_match, body.into_inner()).await?;
    Ok(with_etag(tag(row.version), Authority::from(row)))
}

use super::body::Json;
use actix_web::{HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::reply::created;
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::client::{self, Client, CreatedClient, NewClient};
use crate::domain::page::{Page, PageQuery};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(revoke_client);
}

/// Create an API client
///
/// Admins only. `role: partner` needs the `organisation_id` it acts for; `admin` and
/// `moderator` clients must not name one. The response shows the `client_secret` this once
/// (only its argon2 hash is stored); use `id` as `client_id` at `POST /api/v1/auth/token`. No
/// events or mails follow.
#[utoipa::path(tag = "auth", request_body = NewClient, responses(
    (status = 201, body = CreatedClient, headers(("Location" = String))),
    (status = 400, description = "malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields (a partner needs a known organisation)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageClients>,
    body: Json<NewClient>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let created_client = client::create(&mut conn, body.into_inner()).await?;
    Ok(created(
        format!("/api/v1/clients/{}", created_client.client_id),
        None,
        created_client,
    ))
}

/// List API clients
///
/// Admins only, revoked clients included (with `revoked_at`), oldest first; keyset pagination.
/// Secrets are never shown. Changes nothing.
#[utoipa::path(tag = "auth", params(PageQuery), responses(
    (status = 200, body = Page<Client>),
    (status = 400, description = "invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageClients>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let rows = client::list(&mut conn, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(rows, |r| r.id, Client::from)))
}

/// Revoke an API client
///
/// Admins only. The client gets no new tokens, and its tokens stop working within
/// `REVOCATION_REFRESH` (at most 60 s) on every replica. Revoking twice is harmless. No events
/// or mails follow.
#[utoipa::path(tag = "auth", params(("id" = Uuid, Path)), responses(
    (status = 204, description = "revoked"),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such client", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[delete("/clients/{id}")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    _admin: Allowed<may::ManageClients>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    client::revoke(&mut conn, *id).await?;
    // This replica refuses the client's tokens at once; the others within
    // `REVOCATION_REFRESH`.
    state.tokens.revoke(id.to_string());
    Ok(HttpResponse::NoContent().finish())
}

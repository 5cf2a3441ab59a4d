//! The outbox as staff see it: which mails (and deliveries) wait, went out or failed.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::outbox::{self, Channel, OutboxEntry, OutboxStatus};
use crate::domain::page::{Page, PageQuery};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub status: Option<OutboxStatus>,
    pub channel: Option<Channel>,
}

/// The outbox
///
/// Admins only (the platform's, and an authority's for its own consultations). Every mail and webhook delivery waiting, sent or failed, oldest first:
/// recipient, topic, status, attempts and the last error, never the body. Filters `status` and
/// `channel`; keyset pagination. Changes nothing.
#[utoipa::path(tag = "operations", params(OutboxQuery, PageQuery), responses(
    (status = 200, body = Page<OutboxEntry>),
    (status = 400, description = "invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin (of the platform or this authority)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    _admin: Allowed<may::ReadOutbox>,
    query: web::Query<OutboxQuery>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let entries = outbox::list(&mut conn, query.status, query.channel, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(entries, |e| e.id, |e| e)))
}

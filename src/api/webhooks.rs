//! Webhook subscriptions of partner systems (Standard Webhooks): a partner manages its
//! organisation's, an admin all; another organisation's subscription is 404.

use super::body::Json;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::etag::if_match;
use super::reply::{created, with_etag};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::page::{Page, PageQuery};
use crate::domain::webhook::{
    self, Delivery, NewSubscription, Subscription, SubscriptionPatch, SubscriptionWithSecret,
};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_subscription)
        .service(list_subscriptions)
        .service(get_subscription)
        .service(update_subscription)
        .service(delete_subscription)
        .service(rotate_secret)
        .service(send_test)
        .service(list_deliveries)
        .service(redeliver);
}

/// Subscribe to webhook events
///
/// Partners for their own organisation, admins for everything or for one organisation
/// (`organisation_id`). The URL must be `https` (unless `WEBHOOK_ALLOW_HTTP`) and resolve to
/// public addresses only (unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS`); at most 25 subscriptions
/// per organisation (409 `too_many_subscriptions`). The 201 body shows the signing `secret`
/// (`whsec_…`) this once. From now on every event it asked for is delivered as the `webhooks`
/// section of this document describes. No mail follows.
#[utoipa::path(tag = "webhooks", request_body = NewSubscription, responses(
    (status = 201, body = SubscriptionWithSecret, headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "malformed body, unknown event type", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin; a partner naming another organisation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`too_many_subscriptions`: the organisation holds 25 already", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields: a URL that is not https or resolves to a private address, no events", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/webhooks")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    body: Json<NewSubscription>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let made = webhook::create(
        &mut conn,
        allowed.party,
        body.into_inner(),
        state.webhook_targets,
    )
    .await?;
    Ok(created(
        format!("/api/v1/webhooks/{}", made.subscription.id),
        Some("\"1\"".into()),
        made,
    ))
}

/// List webhook subscriptions
///
/// Partners see their organisation's, admins all; keyset pagination. Secrets are never shown
/// again. Changes nothing.
#[utoipa::path(tag = "webhooks", params(PageQuery), responses(
    (status = 200, body = Page<Subscription>),
    (status = 400, description = "invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/webhooks")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let rows = webhook::list(&mut conn, allowed.party, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(rows, |r| r.id, Subscription::from)))
}

/// Get a webhook subscription
///
/// Partners their organisation's, admins any; another organisation's is 404. Answers with an
/// `ETag` for `If-Match`. Changes nothing.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Subscription, headers(("ETag" = String))),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/webhooks/{id}")]
pub async fn get_subscription(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let row = webhook::find_for(&mut conn, allowed.party, *id).await?;
    Ok(with_etag(row.etag(), Subscription::from(row)))
}

/// Change a webhook subscription
///
/// Partners their organisation's, admins any. URL, events, description; `status: active`
/// re-enables a disabled subscription, `disabled` pauses it. Honours `If-Match` (412 when it
/// changed since). No mail or event follows.
#[utoipa::path(tag = "webhooks",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag the change applies to")),
    request_body = SubscriptionPatch, responses(
    (status = 200, body = Subscription, headers(("ETag" = String))),
    (status = 400, description = "malformed body or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/webhooks/{id}")]
pub async fn update_subscription(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<SubscriptionPatch>,
) -> AppResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let mut conn = state.conn().await?;
    let row = webhook::update(
        &mut conn,
        allowed.party,
        *id,
        precondition,
        body.into_inner(),
        state.webhook_targets,
    )
    .await?;
    Ok(with_etag(row.etag(), Subscription::from(row)))
}

/// Delete a webhook subscription
///
/// Partners their organisation's, admins any. Its delivery log goes with it, and waiting
/// deliveries are never sent. No mail or event follows.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses(
    (status = 204, description = "deleted"),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[delete("/webhooks/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    webhook::delete(&mut conn, allowed.party, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook subscription's secret
///
/// Partners their organisation's, admins any. A new secret, shown this once; for 24 hours
/// deliveries carry a signature with the old secret beside the new one, so the receiver can
/// switch without losing a delivery.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses(
    (status = 200, body = SubscriptionWithSecret),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let rotated = webhook::rotate_secret(&mut conn, allowed.party, *id).await?;
    Ok(HttpResponse::Ok().json(rotated))
}

/// The delivery queued by a test or a redelivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    /// The delivery (its `webhook-id` is `msg_` + this id without dashes).
    pub delivery_id: Uuid,
}

/// Send a test event
///
/// Partners their organisation's subscription, admins any: queues a `ping` event (`data:
/// {subscription_id}`) through the same queue as every event, signed like them. A disabled
/// subscription is 409 `subscription_disabled`. Answers 202 with the delivery's id; follow it
/// under `/deliveries`.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses(
    (status = 202, description = "queued", body = Queued),
    (status = 400, description = "id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`subscription_disabled`", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/webhooks/{id}/test")]
pub async fn send_test(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let delivery_id = webhook::ping(&mut conn, allowed.party, *id).await?;
    Ok(HttpResponse::Accepted().json(Queued { delivery_id }))
}

/// List a subscription's deliveries
///
/// Partners their organisation's subscription, admins any. Each delivery, oldest first, with
/// every attempt: time, the receiver's status code, duration and error. Keyset pagination.
/// Changes nothing.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), PageQuery), responses(
    (status = 200, body = Page<Delivery>),
    (status = 400, description = "id is not a UUID; invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let keyset = page.keyset()?;
    let mut conn = state.conn().await?;
    let deliveries = webhook::deliveries(&mut conn, allowed.party, *id, keyset).await?;
    Ok(HttpResponse::Ok().json(keyset.page(deliveries, |d| d.id, |d| d)))
}

/// Deliver an event again
///
/// Partners their organisation's subscription, admins any: queues the delivery again as it was
/// (same `webhook-id` and body) with a fresh retry schedule. A disabled subscription is 409
/// `subscription_disabled`. Answers 202.
#[utoipa::path(tag = "webhooks",
    params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses(
    (status = 202, description = "queued", body = Queued),
    (status = 400, description = "an id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "neither a partner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such subscription of the caller, or no such delivery of it", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`subscription_disabled`", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    allowed: Allowed<may::ManageWebhooks>,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (id, delivery_id) = path.into_inner();
    let mut conn = state.conn().await?;
    webhook::redeliver(&mut conn, allowed.party, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(Queued { delivery_id }))
}

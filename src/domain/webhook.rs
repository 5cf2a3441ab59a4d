//! Webhooks for partner systems, by the Standard Webhooks specification: subscriptions,
//! the events written to the outbox in the transaction of each change, and the delivery
//! log. Delivery itself is `crate::delivery::webhook`.

pub mod signature;
pub mod target;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::outbox::{self, Channel, NewMessage, OutboxStatus};
use super::page::Keyset;
use super::policy::{self, Audience, Party};
use super::precondition::Precondition;
use super::validate::{Violations, double_option};
use crate::db::schema::{outbox as outbox_table, webhook_attempts, webhook_subscriptions};
use crate::error::{AppError, AppResult};
use target::TargetRules;

crate::text_enum! {
    /// What a webhook tells about.
    EventType {
        SubmissionCreated = "submission.created",
        SubmissionUpdated = "submission.updated",
        SubmissionStatusChanged = "submission.status_changed",
        SubmissionResponsePublished = "submission.response_published",
        RegistrationStatusChanged = "registration.status_changed",
        RoundUpdated = "round.updated",
        RoundCancelled = "round.cancelled",
    }
}

crate::text_enum! {
    /// Whether a subscription receives deliveries.
    SubscriptionStatus {
        Active = "active",
        Disabled = "disabled",
    }
}

/// The type of the test event of `POST /webhooks/{id}/test`.
pub const PING: &str = "ping";
/// Subscriptions one organisation (or the admins together) may hold: each takes delivery
/// slots, and no partner may crowd out the others.
pub const MAX_SUBSCRIPTIONS: i64 = 25;
/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::hours(24);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub status: SubscriptionStatus,
    pub disabled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SubscriptionRow {
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The secrets that sign a delivery now: the current one, and a rotated-out one during
    /// its overlap.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, self.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// A webhook subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: Uuid,
    /// The partner organisation whose events it receives; `null`: an admin's, for all.
    pub organisation_id: Option<Uuid>,
    #[schema(
        example = "https://fachverfahren.caritas-halle.example/webhooks/beteiligung",
        max_length = 2000
    )]
    pub url: String,
    #[schema(max_items = 7)]
    pub events: Vec<EventType>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    pub status: SubscriptionStatus,
    /// Why it was disabled (the receiver answered 410, or deliveries failed for 3 days).
    #[schema(max_length = 500)]
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs beside the current one.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            url: row.url,
            events: row.events.iter().filter_map(|e| e.parse().ok()).collect(),
            description: row.description,
            status: row.status,
            disabled_reason: row.disabled_reason,
            previous_secret_expires_at: row
                .previous_secret_expires_at
                .filter(|until| *until > Utc::now()),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The 201 body of a new subscription, and the answer to a rotation: the secret, shown
/// this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionWithSecret {
    #[serde(flatten)]
    pub subscription: Subscription,
    /// `whsec_` + base64 of 32 random bytes: verify deliveries with it (Standard Webhooks).
    #[schema(example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", max_length = 100)]
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// `https` URL of the receiver (≤ 2000 characters), on a public address.
    #[schema(min_length = 8, max_length = 2000)]
    pub url: String,
    /// The events to receive (at least one).
    #[schema(min_items = 1, max_items = 7)]
    pub events: Vec<EventType>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Admins only: the organisation whose events it receives (default: all events).
    pub organisation_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionPatch {
    #[schema(min_length = 8, max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 7)]
    pub events: Option<Vec<EventType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    /// `active` re-enables a disabled subscription; `disabled` pauses it.
    pub status: Option<SubscriptionStatus>,
}

fn check_events(v: &mut Violations, events: &[EventType]) {
    v.check(!events.is_empty(), "events", "must name at least one event");
    let mut unique = events.to_vec();
    unique.sort();
    unique.dedup();
    v.check(
        unique.len() == events.len(),
        "events",
        "must not name an event twice",
    );
}

/// The target URL, checked against the rules (scheme, form, and where it resolves).
async fn check_url(v: &mut Violations, rules: TargetRules, url: &str) {
    if url.chars().count() > 2000 {
        v.add("url", "must be at most 2000 characters");
        return;
    }
    match rules.parse(url) {
        Ok(parsed) => {
            if let Err(message) = rules.resolve(&parsed).await {
                v.add("url", message);
            }
        }
        Err(message) => v.add("url", message),
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    party: Party,
    new: NewSubscription,
    rules: TargetRules,
) -> AppResult<SubscriptionWithSecret> {
    let owner = match (party, new.organisation_id) {
        (Party::Partner(org), None) => Some(org),
        (Party::Partner(org), Some(named)) if named == org => Some(org),
        (Party::Partner(_), Some(_)) => {
            return Err(AppError::forbidden(
                "A partner subscribes for its own organisation only.",
            ));
        }
        (_, named) => named,
    };
    let mut v = Violations::new();
    check_url(&mut v, rules, &new.url).await;
    check_events(&mut v, &new.events);
    v.optional_text("description", new.description.as_deref(), 500);
    v.into_result()?;
    if let Some(org) = owner {
        super::organisation::find(conn, org).await.map_err(|e| {
            if e.is_not_found() {
                AppError::field("organisation_id", "is not a known organisation")
            } else {
                e
            }
        })?;
    }
    conn.transaction(async |conn| {
        // Creates for one owner are serialised, so that the count below sees every
        // subscription committed before this one: the limit holds under concurrent creates.
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtextextended('webhook subscriptions of ' || \
                    coalesce($1::text, 'admins'), 0))",
        )
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(owner)
        .execute(conn)
        .await?;
        let held = webhook_subscriptions::table.count().into_boxed();
        let held: i64 = match owner {
            Some(org) => held.filter(webhook_subscriptions::organisation_id.eq(org)),
            None => held.filter(webhook_subscriptions::organisation_id.is_null()),
        }
        .get_result(conn)
        .await?;
        if held >= MAX_SUBSCRIPTIONS {
            return Err(AppError::conflict(
                "too_many_subscriptions",
                format!("At most {MAX_SUBSCRIPTIONS} subscriptions per organisation."),
            ));
        }
        let secret = signature::generate_secret();
        let row: SubscriptionRow = diesel::insert_into(webhook_subscriptions::table)
            .values((
                webhook_subscriptions::id.eq(Uuid::now_v7()),
                webhook_subscriptions::organisation_id.eq(owner),
                webhook_subscriptions::url.eq(&new.url),
                webhook_subscriptions::events.eq(event_names(&new.events)),
                webhook_subscriptions::description.eq(&new.description),
                webhook_subscriptions::secret.eq(&secret),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(SubscriptionWithSecret {
            subscription: row.into(),
            secret,
        })
    })
    .await
}

fn event_names(events: &[EventType]) -> Vec<String> {
    events.iter().map(|e| e.as_str().to_string()).collect()
}

/// A subscription `party` manages; 404 for one it does not (its existence is not disclosed).
pub async fn find_for(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
) -> AppResult<SubscriptionRow> {
    let row: Option<SubscriptionRow> = webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.filter(|row| policy::may_manage_subscription(party, row.organisation_id))
        .ok_or_else(|| AppError::not_found("webhook subscription"))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    party: Party,
    keyset: Keyset,
) -> AppResult<Vec<SubscriptionRow>> {
    let mut query = webhook_subscriptions::table
        .select(SubscriptionRow::as_select())
        .order(webhook_subscriptions::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(webhook_subscriptions::id.gt(after));
    }
    if party != Party::Admin {
        query = query.filter(webhook_subscriptions::organisation_id.eq(party.organisation()));
    }
    Ok(query.load(conn).await?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
    precondition: Precondition,
    patch: SubscriptionPatch,
    rules: TargetRules,
) -> AppResult<SubscriptionRow> {
    let mut v = Violations::new();
    if let Some(url) = &patch.url {
        check_url(&mut v, rules, url).await;
    }
    if let Some(events) = &patch.events {
        check_events(&mut v, events);
    }
    if let Some(Some(description)) = &patch.description {
        v.text("description", description, 0, 500);
    }
    v.into_result()?;
    conn.transaction(async |conn| {
        let current = find_for(conn, party, id).await?;
        let locked: SubscriptionRow = webhook_subscriptions::table
            .find(current.id)
            .select(SubscriptionRow::as_select())
            .for_update()
            .first(conn)
            .await?;
        precondition.check(&locked.etag())?;
        let status = patch.status.unwrap_or(locked.status);
        let reason = match status {
            SubscriptionStatus::Active => None,
            SubscriptionStatus::Disabled if locked.status == SubscriptionStatus::Disabled => {
                locked.disabled_reason.clone()
            }
            SubscriptionStatus::Disabled => Some("disabled by its owner".to_string()),
        };
        Ok(diesel::update(webhook_subscriptions::table.find(id))
            .set((
                webhook_subscriptions::url.eq(patch.url.unwrap_or(locked.url)),
                webhook_subscriptions::events.eq(patch
                    .events
                    .map(|e| event_names(&e))
                    .unwrap_or(locked.events)),
                webhook_subscriptions::description
                    .eq(patch.description.unwrap_or(locked.description)),
                webhook_subscriptions::status.eq(status),
                webhook_subscriptions::disabled_reason.eq(reason),
                webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                webhook_subscriptions::updated_at.eq(Utc::now()),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

/// Deletes a subscription with its delivery log: every delivery, waiting (never sent then),
/// sent or failed, and with them their attempts (`ON DELETE CASCADE`). Nothing could read
/// the log any more: it is listed only through its subscription.
pub async fn delete(conn: &mut AsyncPgConnection, party: Party, id: Uuid) -> AppResult<()> {
    conn.transaction(async |conn| {
        let row = find_for(conn, party, id).await?;
        diesel::delete(
            outbox_table::table
                .filter(outbox_table::channel.eq(Channel::Webhook))
                .filter(outbox_table::recipient.eq(row.id.to_string())),
        )
        .execute(conn)
        .await?;
        diesel::delete(webhook_subscriptions::table.find(row.id))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

/// A new secret; the current one keeps signing beside it for 24 hours.
pub async fn rotate_secret(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
) -> AppResult<SubscriptionWithSecret> {
    conn.transaction(async |conn| {
        let row = find_for(conn, party, id).await?;
        let secret = signature::generate_secret();
        let row: SubscriptionRow = diesel::update(webhook_subscriptions::table.find(row.id))
            .set((
                webhook_subscriptions::previous_secret.eq(Some(&row.secret)),
                webhook_subscriptions::previous_secret_expires_at
                    .eq(Some(Utc::now() + ROTATION_OVERLAP)),
                webhook_subscriptions::secret.eq(&secret),
                webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                webhook_subscriptions::updated_at.eq(Utc::now()),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(SubscriptionWithSecret {
            subscription: row.into(),
            secret,
        })
    })
    .await
}

/// An event as a receiver gets it: `{"type", "timestamp", "data"}`.
fn envelope(kind: &str, data: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": kind,
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
}

/// Queues a `ping` to one subscription.
pub async fn ping(conn: &mut AsyncPgConnection, party: Party, id: Uuid) -> AppResult<Uuid> {
    let row = find_for(conn, party, id).await?;
    if row.status == SubscriptionStatus::Disabled {
        return Err(disabled());
    }
    let message = Uuid::now_v7();
    diesel::insert_into(outbox_table::table)
        .values((
            outbox_table::id.eq(message),
            outbox_table::channel.eq(Channel::Webhook),
            outbox_table::topic.eq(PING),
            outbox_table::recipient.eq(row.id.to_string()),
            outbox_table::subject_id.eq(Some(row.id)),
            outbox_table::payload.eq(Some(envelope(
                PING,
                serde_json::json!({ "subscription_id": row.id }),
            ))),
        ))
        .execute(conn)
        .await?;
    Ok(message)
}

fn disabled() -> AppError {
    AppError::conflict(
        "subscription_disabled",
        "The subscription is disabled; re-enable it with PATCH {\"status\": \"active\"}.",
    )
}

/// An event to tell subscribers about, written in the transaction of the change.
pub struct Event {
    pub kind: EventType,
    pub audience: Audience,
    pub subject_id: Uuid,
    pub data: serde_json::Value,
}

/// Queues the event for every active subscription that asked for it and may receive it.
pub async fn publish(conn: &AsyncPgConnection, event: Event) -> QueryResult<()> {
    publish_all(conn, vec![event]).await
}

/// Queues events of one change of many resources (an import) with one look at the
/// subscriptions.
pub async fn publish_all(mut conn: &AsyncPgConnection, events: Vec<Event>) -> QueryResult<()> {
    let mut kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    if kinds.is_empty() {
        return Ok(());
    }
    let subscribers: Vec<(Uuid, Option<Uuid>, Vec<String>)> = webhook_subscriptions::table
        .filter(webhook_subscriptions::status.eq(SubscriptionStatus::Active))
        .filter(webhook_subscriptions::events.overlaps_with(kinds))
        .select((
            webhook_subscriptions::id,
            webhook_subscriptions::organisation_id,
            webhook_subscriptions::events,
        ))
        .load(&mut conn)
        .await?;
    let mut messages = Vec::new();
    for event in events {
        let payload = envelope(event.kind.as_str(), event.data);
        messages.extend(
            subscribers
                .iter()
                .filter(|(_, org, wanted)| {
                    wanted.iter().any(|w| w == event.kind.as_str())
                        && policy::may_receive(*org, event.audience)
                })
                .map(|(id, _, _)| NewMessage {
                    channel: Channel::Webhook,
                    topic: event.kind.as_str(),
                    recipient: id.to_string(),
                    subject_id: Some(event.subject_id),
                    payload: payload.clone(),
                }),
        );
    }
    outbox::enqueue(conn, messages).await
}

/// One attempt to deliver a webhook.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when there was no answer.
    pub status_code: Option<i16>,
    pub duration_ms: i32,
    /// Why it failed (connection refused, timeout, the status).
    #[schema(max_length = 2000)]
    pub error: Option<String>,
}

/// A webhook delivery: one event to one subscription, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Also the `webhook-id` header, as `msg_` + this id without dashes.
    pub id: Uuid,
    #[schema(example = "submission.status_changed", max_length = 100)]
    pub event_type: String,
    pub status: OutboxStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[schema(max_items = 100)]
    pub attempts: Vec<Attempt>,
}

/// id, event type, status, next attempt, created.
type DeliveryRow = (Uuid, String, OutboxStatus, DateTime<Utc>, DateTime<Utc>);

/// The deliveries of a subscription, oldest first, each with its attempts.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
    keyset: Keyset,
) -> AppResult<Vec<Delivery>> {
    let row = find_for(conn, party, id).await?;
    let mut query = outbox_table::table
        .filter(outbox_table::channel.eq(Channel::Webhook))
        .filter(outbox_table::recipient.eq(row.id.to_string()))
        .select((
            outbox_table::id,
            outbox_table::topic,
            outbox_table::status,
            outbox_table::next_attempt_at,
            outbox_table::created_at,
        ))
        .order(outbox_table::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(outbox_table::id.gt(after));
    }
    let messages: Vec<DeliveryRow> = query.load(conn).await?;
    let ids: Vec<Uuid> = messages.iter().map(|m| m.0).collect();
    let attempts: Vec<(Uuid, Attempt)> = webhook_attempts::table
        .filter(webhook_attempts::message_id.eq_any(&ids))
        .order(webhook_attempts::id)
        .select((
            webhook_attempts::message_id,
            (
                webhook_attempts::at,
                webhook_attempts::status_code,
                webhook_attempts::duration_ms,
                webhook_attempts::error,
            ),
        ))
        .load(conn)
        .await?;
    let mut attempts_of: std::collections::HashMap<Uuid, Vec<Attempt>> = Default::default();
    for (message, attempt) in attempts {
        attempts_of.entry(message).or_default().push(attempt);
    }
    Ok(messages
        .into_iter()
        .map(|(id, event_type, status, next, created_at)| Delivery {
            id,
            event_type,
            status,
            next_attempt_at: (status == OutboxStatus::Pending).then_some(next),
            created_at,
            attempts: attempts_of.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// Queues a delivery again, as it was (same `webhook-id`, same body), with a fresh retry
/// schedule.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
    delivery: Uuid,
) -> AppResult<()> {
    conn.transaction(async |conn| {
        let row = find_for(conn, party, id).await?;
        if row.status == SubscriptionStatus::Disabled {
            return Err(disabled());
        }
        let queued = diesel::update(
            outbox_table::table
                .find(delivery)
                .filter(outbox_table::channel.eq(Channel::Webhook))
                .filter(outbox_table::recipient.eq(row.id.to_string()))
                .filter(outbox_table::status.ne(OutboxStatus::Pending)),
        )
        .set((
            outbox_table::status.eq(OutboxStatus::Pending),
            outbox_table::attempts.eq(0),
            outbox_table::next_attempt_at.eq(Utc::now()),
            // Its retry window starts again.
            outbox_table::created_at.eq(Utc::now()),
            outbox_table::sent_at.eq(None::<DateTime<Utc>>),
            outbox_table::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
        if queued == 1 {
            return Ok(());
        }
        let waiting: Option<Uuid> = outbox_table::table
            .find(delivery)
            .filter(outbox_table::recipient.eq(row.id.to_string()))
            .select(outbox_table::id)
            .first(conn)
            .await
            .optional()?;
        match waiting {
            // Already waiting for its next attempt: nothing to do.
            Some(_) => Ok(()),
            None => Err(AppError::not_found("delivery")),
        }
    })
    .await
}

/// Records an attempt in the delivery log.
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    message: Uuid,
    status_code: Option<u16>,
    duration: std::time::Duration,
    error: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::message_id.eq(message),
            webhook_attempts::status_code.eq(status_code.and_then(|c| i16::try_from(c).ok())),
            webhook_attempts::duration_ms
                .eq(i32::try_from(duration.as_millis()).unwrap_or(i32::MAX)),
            webhook_attempts::error.eq(error.map(|e| e.chars().take(2000).collect::<String>())),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Disables a subscription, saying why (a 410 from the receiver, three days of failures).
pub async fn disable(conn: &mut AsyncPgConnection, id: Uuid, reason: &str) -> QueryResult<()> {
    diesel::update(webhook_subscriptions::table.find(id))
        .set((
            webhook_subscriptions::status.eq(SubscriptionStatus::Disabled),
            webhook_subscriptions::disabled_reason
                .eq(Some(reason.chars().take(500).collect::<String>())),
            webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
            webhook_subscriptions::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The subscription a delivery goes to, if it still exists.
pub async fn subscription(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Registration and submission events carry what names the resource, never personal data:
/// a partner reads the rest with its token.
pub fn thin<T: Serialize>(fields: T) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or_default()
}

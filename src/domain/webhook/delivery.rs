//! The delivery log of a subscription: attempts, redelivery, and disabling a subscription
//! whose receiver is gone.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::subscription::{disabled, find_for};
use super::wire::{Attempt, Delivery, SubscriptionStatus};
use crate::db::schema::{outbox as outbox_table, webhook_attempts, webhook_subscriptions};
use crate::domain::outbox::{Channel, OutboxStatus};
use crate::domain::page::Keyset;
use crate::domain::policy::Party;
use crate::error::{AppError, AppResult};

/// id, event type, status, next attempt, created.
pub(super) type DeliveryRow = (Uuid, String, OutboxStatus, DateTime<Utc>, DateTime<Utc>);

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
/// schedule, in the trace of this request.
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
            // The redelivery belongs to the trace of the request that asked for it.
            outbox_table::traceparent.eq(crate::telemetry::context::current_traceparent()),
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

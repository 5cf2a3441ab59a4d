//! Events written to the outbox in the transaction of each change, for the subscriptions
//! that may hear of them.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::subscription::envelope;
use super::wire::{EventType, SubscriptionStatus};
use crate::db::schema::webhook_subscriptions;
use crate::domain::outbox::{self, Channel, NewMessage};
use crate::domain::policy::{self, Audience};

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

/// Registration and submission events carry what names the resource, never personal data:
/// a partner reads the rest with its token.
pub fn thin<T: Serialize>(fields: T) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or_default()
}

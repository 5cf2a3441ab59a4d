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
    /// What the subject belongs to and what already exists when the event is written (the
    /// subject itself may be written after it): its round or consultation, or the subject.
    /// The event goes to the subscriptions of that one's authority; the events published
    /// together are of one change, so of one authority.
    pub belongs_to: Uuid,
    pub data: serde_json::Value,
}

/// Queues the event for every active subscription that asked for it and may receive it.
pub async fn publish(conn: &AsyncPgConnection, event: Event) -> QueryResult<()> {
    publish_all(conn, vec![event]).await
}

/// Queues events of one change of many resources (an import) with one look at the
/// subscriptions. One change is of one authority's consultation: the first event's says
/// whose.
pub async fn publish_all(mut conn: &AsyncPgConnection, events: Vec<Event>) -> QueryResult<()> {
    let mut kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let Some(belongs_to) = events.iter().map(|e| e.belongs_to).next() else {
        return Ok(());
    };
    // The authority comes with each subscriber row, in the same prepared statement.
    let subscribers: Vec<SubscriberRow> = webhook_subscriptions::table
        .filter(webhook_subscriptions::status.eq(SubscriptionStatus::Active))
        .filter(webhook_subscriptions::events.overlaps_with(kinds))
        .select((
            webhook_subscriptions::id,
            webhook_subscriptions::organisation_id,
            webhook_subscriptions::authority_id,
            webhook_subscriptions::events,
            authority_of(belongs_to),
        ))
        .load(&mut conn)
        .await?;
    let mut messages = Vec::new();
    for event in events {
        let payload = envelope(event.kind.as_str(), event.data);
        messages.extend(
            subscribers
                .iter()
                .filter(
                    |(_, organisation, subscriber_authority, wanted, authority)| {
                        let subscriber = policy::Subscriber {
                            organisation: *organisation,
                            authority: *subscriber_authority,
                        };
                        wanted.iter().any(|w| w == event.kind.as_str())
                            && policy::may_receive(subscriber, event.audience, *authority)
                    },
                )
                .map(|(id, _, _, _, _)| NewMessage {
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

/// A subscription that may hear of a change: its id, organisation, authority and event
/// types, and the authority of the change.
type SubscriberRow = (Uuid, Option<Uuid>, Option<Uuid>, Vec<String>, Option<Uuid>);

diesel::define_sql_function! {
    /// The authority of a registration, submission, round or consultation (the
    /// migration's `authority_of`).
    fn authority_of(subject: diesel::sql_types::Uuid) -> diesel::sql_types::Nullable<diesel::sql_types::Uuid>;
}

/// Registration and submission events carry what names the resource, never personal data:
/// a partner reads the rest with its token.
pub fn thin<T: Serialize>(fields: T) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or_default()
}

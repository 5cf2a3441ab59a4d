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
    /// The event goes to the subscriptions of that one's authority.
    pub belongs_to: Uuid,
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
    let owners: Vec<Uuid> = events.iter().map(|e| e.belongs_to).collect();
    let subscribers = webhook_subscriptions::table
        .filter(webhook_subscriptions::status.eq(SubscriptionStatus::Active))
        .filter(webhook_subscriptions::events.overlaps_with(kinds))
        .select((
            webhook_subscriptions::id,
            webhook_subscriptions::organisation_id,
            webhook_subscriptions::authority_id,
            webhook_subscriptions::events,
        ))
        .load::<(Uuid, Option<Uuid>, Option<Uuid>, Vec<String>)>(&mut conn);
    // In the same round trip: the authority of what each event's resource belongs to.
    let (subscribers, authorities) = futures_util::try_join!(
        subscribers,
        diesel::sql_query("SELECT id, authority_of(id) AS authority_id FROM unnest($1) AS id")
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&owners)
            .load::<SubjectAuthority>(&mut conn)
    )?;
    let authority_of = |subject: Uuid| {
        authorities
            .iter()
            .find(|found| found.id == subject)
            .and_then(|found| found.authority_id)
    };
    let mut messages = Vec::new();
    for event in events {
        let payload = envelope(event.kind.as_str(), event.data);
        let authority = authority_of(event.belongs_to);
        messages.extend(
            subscribers
                .iter()
                .filter(|(_, organisation, subscriber_authority, wanted)| {
                    let subscriber = policy::Subscriber {
                        organisation: *organisation,
                        authority: *subscriber_authority,
                    };
                    wanted.iter().any(|w| w == event.kind.as_str())
                        && policy::may_receive(subscriber, event.audience, authority)
                })
                .map(|(id, _, _, _)| NewMessage {
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

/// The authority of an event's resource.
#[derive(QueryableByName)]
struct SubjectAuthority {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    authority_id: Option<Uuid>,
}

/// Registration and submission events carry what names the resource, never personal data:
/// a partner reads the rest with its token.
pub fn thin<T: Serialize>(fields: T) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or_default()
}

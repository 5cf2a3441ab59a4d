//! The events of submissions and registrations: recorded in the transaction of each change, read as a history as the caller may see it.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::Event;
use crate::db::PreparedByText;
use crate::db::schema::events;
use crate::domain::policy::{self, Action, Party};

/// What an event is about.
#[derive(Debug, Clone, Copy)]
pub enum Entity {
    Registration,
    Submission,
    Consultation,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Registration => "registration",
            Entity::Submission => "submission",
            Entity::Consultation => "consultation",
        }
    }
}

/// One change, as recorded.
#[derive(Debug, Clone, Default)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The authority of what the event is about, where the writer knows it; otherwise the
    /// database finds it (at commit, when the event comes before what it is about).
    pub authority: Option<Uuid>,
}

#[derive(Insertable)]
#[diesel(table_name = events)]
pub(super) struct NewEvent<'a> {
    entity: &'a str,
    entity_id: Uuid,
    actor: &'a str,
    action: &'a str,
    from_status: Option<&'a str>,
    to_status: Option<&'a str>,
    reason: Option<&'a str>,
    authority_id: Option<Uuid>,
}

impl<'a> NewEvent<'a> {
    fn of(entity: Entity, entity_id: Uuid, change: &Change<'a>) -> Self {
        Self {
            entity: entity.as_str(),
            entity_id,
            actor: change.actor,
            action: change.action,
            from_status: change.from_status,
            to_status: change.to_status,
            reason: change.reason,
            authority_id: change.authority,
        }
    }
}

pub async fn record(
    mut conn: &AsyncPgConnection,
    entity: Entity,
    entity_id: Uuid,
    change: Change<'_>,
) -> QueryResult<()> {
    diesel::insert_into(events::table)
        .values(NewEvent::of(entity, entity_id, &change))
        .by_text()
        .execute(&mut conn)
        .await
        .map(drop)
}

/// Events recorded per statement: PostgreSQL binds at most 65,535 parameters.
pub(super) const RECORD_CHUNK: usize = 5000;

/// Records the same change of many entities (an import) with one statement per 5,000.
pub async fn record_all(
    conn: &mut AsyncPgConnection,
    entity: Entity,
    entity_ids: &[Uuid],
    change: Change<'_>,
) -> QueryResult<()> {
    for chunk in entity_ids.chunks(RECORD_CHUNK) {
        let rows: Vec<NewEvent> = chunk
            .iter()
            .map(|&entity_id| NewEvent::of(entity, entity_id, &change))
            .collect();
        diesel::insert_into(events::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Deletes the events of entities that are gone without a trace (unconfirmed registrations).
pub async fn delete_about(
    conn: &mut AsyncPgConnection,
    entity: Entity,
    ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        events::table
            .filter(events::entity.eq(entity.as_str()))
            .filter(events::entity_id.eq_any(ids)),
    )
    .execute(conn)
    .await
    .map(drop)
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    entity: Entity,
    entity_id: Uuid,
) -> QueryResult<Vec<Event>> {
    events::table
        .filter(events::entity.eq(entity.as_str()))
        .filter(events::entity_id.eq(entity_id))
        .order(events::id)
        .select((
            events::at,
            events::actor,
            events::action,
            events::from_status,
            events::to_status,
            events::reason,
        ))
        .load(conn)
        .await
}

/// A history as `party` may see it: events about personal data only for staff, and for
/// others the role that acted instead of the exact actor (client ids, staff names).
pub fn as_seen_by(events: Vec<Event>, party: Party) -> Vec<Event> {
    let identities = policy::permits(party, Action::ReadActorIdentity);
    events
        .into_iter()
        .filter(|e| policy::may_see_event(party, &e.action))
        .map(|mut e| {
            if !identities && let Some((role, _)) = e.actor.split_once(':') {
                e.actor = role.to_string();
            }
            e
        })
        .collect()
}

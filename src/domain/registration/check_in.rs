//! Checking a registrant in at the event.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{load, view};
use super::status::{announce, lock_for_change, set_status};
use super::wire::{Registration, RegistrationStatus};
use crate::db::schema::rounds;
use crate::domain::event::{self, Change, Entity};
use crate::error::{AppError, AppResult};

/// Marks a confirmed registration as attended. Checking in twice changes nothing.
pub async fn check_in(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: &str,
) -> AppResult<Registration> {
    conn.transaction(async |conn| {
        let (row, _) = lock_for_change(conn, id).await?;
        match row.status {
            RegistrationStatus::Attended => return Ok(view(load(conn, id).await?)),
            RegistrationStatus::Pending
            | RegistrationStatus::Waitlisted
            | RegistrationStatus::Cancelled => {
                return Err(AppError::invalid_transition(
                    row.status.as_str(),
                    "attended",
                ));
            }
            RegistrationStatus::Confirmed => {}
        }
        diesel::update(rounds::table.find(row.round_id))
            .set((
                rounds::confirmed_count.eq(rounds::confirmed_count - 1),
                rounds::attended_count.eq(rounds::attended_count + 1),
            ))
            .execute(conn)
            .await?;
        set_status(conn, id, RegistrationStatus::Attended).await?;
        event::record(
            conn,
            Entity::Registration,
            id,
            Change {
                actor,
                action: "checked_in",
                from_status: Some("confirmed"),
                to_status: Some("attended"),
                ..Default::default()
            },
        )
        .await?;
        let attended = RegistrationStatus::Attended;
        announce(conn, &row, attended, Some(RegistrationStatus::Confirmed)).await?;
        Ok(view(load(conn, id).await?))
    })
    .await
}

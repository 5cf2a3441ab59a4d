//! Cancelling a registration, by an admin or by the registrant with the cancel token; a
//! freed seat goes to the waitlist.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{hash_token, load, view};
use super::status::{announce, lock_for_change};
use super::waitlist::{promote_next, touch_waitlist};
use super::wire::{Registration, RegistrationStatus};
use crate::db::schema::{registrations, rounds};
use crate::domain::event::{self, Change, Entity};
use crate::domain::notification::{self, Notice, NoticeKind};
use crate::domain::outbox;
use crate::error::{AppError, AppResult};

/// Who cancels: an admin, or the registrant with the cancel token.
pub enum Canceller<'a> {
    Admin(String),
    Token(&'a str),
}

/// Cancels a registration; a freed seat goes to the first on the waitlist in the same
/// transaction. Cancelling a cancelled registration changes nothing.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    canceller: Canceller<'_>,
) -> AppResult<Registration> {
    conn.transaction(async |conn| {
        let (row, round) = lock_for_change(conn, id).await?;
        let actor = match canceller {
            Canceller::Admin(actor) => actor,
            Canceller::Token(token) if Some(hash_token(token)) == row.cancel_token_hash => {
                "registrant".to_string()
            }
            Canceller::Token(_) => {
                return Err(AppError::forbidden("The cancel token does not match."));
            }
        };
        match row.status {
            RegistrationStatus::Cancelled => return Ok(view(load(conn, id).await?)),
            RegistrationStatus::Attended => {
                return Err(AppError::invalid_transition("attended", "cancelled"));
            }
            RegistrationStatus::Pending
            | RegistrationStatus::Confirmed
            | RegistrationStatus::Waitlisted => {}
        }
        // An unconfirmed registration's link dies with it; a confirmed one's says
        // "cancelled" while it is still readable (`link::by_confirm_token`).
        let confirm_link = match row.status {
            RegistrationStatus::Pending => None,
            _ => row.confirm_token_hash.clone(),
        };
        diesel::update(registrations::table.find(id))
            .set((
                registrations::status.eq(RegistrationStatus::Cancelled),
                registrations::confirm_token_hash.eq(confirm_link),
                registrations::confirm_expires_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
        event::record(
            conn,
            Entity::Registration,
            id,
            Change {
                actor: &actor,
                action: "cancelled",
                from_status: Some(row.status.as_str()),
                to_status: Some("cancelled"),
                ..Default::default()
            },
        )
        .await?;
        match row.status {
            RegistrationStatus::Confirmed => {
                diesel::update(rounds::table.find(row.round_id))
                    .set(rounds::confirmed_count.eq(rounds::confirmed_count - 1))
                    .execute(conn)
                    .await?;
                promote_next(conn, &round).await?;
            }
            RegistrationStatus::Waitlisted => {
                diesel::update(rounds::table.find(row.round_id))
                    .set(rounds::waitlisted_count.eq(rounds::waitlisted_count - 1))
                    .execute(conn)
                    .await?;
                touch_waitlist(conn, row.round_id).await?;
            }
            _ => {}
        }
        announce(conn, &row, RegistrationStatus::Cancelled, Some(row.status)).await?;
        if row.status == RegistrationStatus::Pending {
            // The address was never confirmed: no further mail to it, not even this one.
            outbox::drop_pending_about(conn, &[id]).await?;
        } else {
            let notice = Notice::new(NoticeKind::Cancelled, row.addressee(), &round);
            notification::send(conn, vec![notice]).await?;
        }
        Ok(view(load(conn, id).await?))
    })
    .await
}

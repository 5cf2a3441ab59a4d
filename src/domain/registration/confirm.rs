//! Confirming an anonymous registration with the token from its mail.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{hash_token, load, view};
use super::seat::{Window, claim_seat};
use super::status::{announce, lock_for_change};
use super::wire::{Registration, RegistrationStatus};
use crate::base::secret;
use crate::db::schema::registrations;
use crate::domain::event::{self, Change, Entity};
use crate::domain::notification::{self, Notice};
use crate::error::{AppError, AppResult};

/// Confirms a pending registration with the token from its mail: a seat while seats are
/// left and nobody waits, else a waitlist place, decided under the round's lock; the
/// registrant is mailed the outcome with the cancel link. The token works once.
pub async fn confirm(conn: &mut AsyncPgConnection, token: &str) -> AppResult<Registration> {
    let token_hash = hash_token(token);
    conn.transaction(async |conn| {
        // A confirmed registration keeps the hash, so that its link can say so; it
        // confirms nothing twice.
        let id: Uuid = registrations::table
            .filter(registrations::confirm_token_hash.eq(&token_hash))
            .filter(registrations::status.eq(RegistrationStatus::Pending))
            .select(registrations::id)
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| {
                AppError::new(
                    crate::error::ErrorKind::NotFound,
                    "confirmation_not_found",
                    "No registration waits for this confirmation token: it is unknown, was \
                     used already, or its registration was deleted when the link expired.",
                )
            })?;
        let (row, round) = lock_for_change(conn, id).await?;
        if row.status != RegistrationStatus::Pending {
            return Err(AppError::invalid_transition(
                row.status.as_str(),
                "confirmed",
            ));
        }
        if row.confirm_expires_at.is_none_or(|at| at <= Utc::now()) {
            return Err(AppError::new(
                crate::error::ErrorKind::Gone,
                "confirmation_expired",
                "The confirmation link has expired; please register again.",
            ));
        }
        let (status, _) = claim_seat(conn, round.id, Window::Confirmation).await?;
        let cancel_token = secret::generate();
        diesel::update(registrations::table.find(id))
            .set((
                registrations::status.eq(status),
                registrations::confirm_expires_at.eq(None::<DateTime<Utc>>),
                registrations::cancel_token_hash.eq(Some(hash_token(&cancel_token))),
                // The waitlist is in order of confirmation.
                registrations::waitlist_seq.eq(sql::<BigInt>("nextval('waitlist_seq')")),
            ))
            .execute(conn)
            .await?;
        event::record(
            conn,
            Entity::Registration,
            id,
            Change {
                actor: "registrant",
                action: "confirmed",
                from_status: Some("pending"),
                to_status: Some(status.as_str()),
                ..Default::default()
            },
        )
        .await?;
        announce(conn, &row, status, Some(RegistrationStatus::Pending)).await?;
        let confirmed = load(conn, id).await?;
        let mut notice = Notice::new(status.notice(), row.addressee(), &round);
        notice.cancel_token = Some(cancel_token);
        notice.waitlist_position = confirmed.1;
        notification::send(conn, vec![notice]).await?;
        Ok(view(confirmed))
    })
    .await
}

//! Unconfirmed registrations whose link expired: deleted with all they left behind.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::RegistrationStatus;
use crate::db::schema::registrations;
use crate::domain::event::{self, Entity};
use crate::domain::outbox;
use crate::error::AppResult;

/// Deletes pending registrations whose confirmation link has expired, with their events and
/// waiting mails: nobody confirmed them, so nothing of them is kept. Returns how many.
pub async fn delete_unconfirmed(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    conn.transaction(async |conn| {
        let expired: Vec<Uuid> = diesel::delete(
            registrations::table
                .filter(registrations::status.eq(RegistrationStatus::Pending))
                .filter(registrations::confirm_expires_at.lt(Utc::now())),
        )
        .returning(registrations::id)
        .get_results(conn)
        .await?;
        if !expired.is_empty() {
            event::delete_about(conn, Entity::Registration, &expired).await?;
            outbox::delete_about(conn, &expired).await?;
        }
        Ok(expired.len())
    })
    .await
}

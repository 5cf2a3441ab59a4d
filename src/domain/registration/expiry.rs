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
    delete_pending(conn, None).await
}

/// Deletes the registration `id` like an expired one if it still awaits its confirmation,
/// its link not yet expired (the demo replaces its own unconfirmed registration, whose link
/// only the start that made it knew). Returns how many: 0 or 1.
pub async fn withdraw_unconfirmed(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<usize> {
    delete_pending(conn, Some(id)).await
}

/// Deletes pending registrations, the one `id` or else those whose link expired.
async fn delete_pending(conn: &mut AsyncPgConnection, id: Option<Uuid>) -> AppResult<usize> {
    conn.transaction(async |conn| {
        let mut pending = diesel::delete(registrations::table)
            .filter(registrations::status.eq(RegistrationStatus::Pending))
            .into_boxed();
        pending = match id {
            Some(id) => pending.filter(registrations::id.eq(id)),
            None => pending.filter(registrations::confirm_expires_at.lt(Utc::now())),
        };
        let deleted: Vec<Uuid> = pending
            .returning(registrations::id)
            .get_results(conn)
            .await?;
        if !deleted.is_empty() {
            event::delete_about(conn, Entity::Registration, &deleted).await?;
            outbox::delete_about(conn, &deleted).await?;
        }
        Ok(deleted.len())
    })
    .await
}

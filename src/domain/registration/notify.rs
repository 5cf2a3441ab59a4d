//! What registrants are told: the mail for a status just reached, and the mail to everyone
//! registered when their round changes or is cancelled.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::waitlist_position;
use super::wire::RegistrationStatus;
use crate::db::schema::registrations;
use crate::domain::language::Language;
use crate::domain::notification::{self, Addressee, Notice, NoticeKind};
use crate::domain::outbox;
use crate::domain::round::model::RoundRow;
use crate::error::AppResult;

impl RegistrationStatus {
    /// The mail for a registration that has just reached this status.
    pub(super) fn notice(self) -> NoticeKind {
        match self {
            RegistrationStatus::Waitlisted => NoticeKind::Waitlisted,
            RegistrationStatus::Cancelled => NoticeKind::Cancelled,
            _ => NoticeKind::Confirmed,
        }
    }
}

/// Writes `kind` (round changed or cancelled) to everyone registered for a round who still
/// expects it: confirmed and waitlisted registrations.
pub async fn notify_round(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
    kind: NoticeKind,
) -> AppResult<()> {
    if kind == NoticeKind::RoundCancelled {
        // Unconfirmed addresses are not written to again; their link now answers 409.
        let pending: Vec<Uuid> = registrations::table
            .filter(registrations::round_id.eq(round.id))
            .filter(registrations::status.eq(RegistrationStatus::Pending))
            .select(registrations::id)
            .load(conn)
            .await?;
        outbox::drop_pending_about(conn, &pending).await?;
    }
    let told = [
        RegistrationStatus::Confirmed,
        RegistrationStatus::Waitlisted,
    ];
    let registrants: Vec<(Uuid, String, String, Language, Option<i64>)> = registrations::table
        .filter(registrations::round_id.eq(round.id))
        .filter(registrations::status.eq_any(told))
        .order(registrations::id)
        .select((
            registrations::id,
            registrations::name,
            registrations::email,
            registrations::language,
            waitlist_position(),
        ))
        .load(conn)
        .await?;
    let notices = registrants
        .into_iter()
        .map(
            |(registration_id, name, email, language, waitlist_position)| {
                let to = Addressee {
                    registration_id,
                    name: &name,
                    email: &email,
                    language,
                };
                // The position tells the letter that this registrant holds no seat.
                let mut notice = Notice::new(kind, to, round);
                notice.waitlist_position = waitlist_position;
                notice
            },
        )
        .collect();
    Ok(notification::send(conn, notices).await?)
}

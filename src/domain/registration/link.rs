//! A registration as the holder of a link from its mails sees it: found by the token the
//! link carries, read only (a mail security gateway that opens the link changes nothing).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{RegistrationRow, hash_token, waitlist_position};
use super::wire::RegistrationStatus;
use crate::db::schema::{registrations, rounds};
use crate::domain::authority::{self, AuthorityRow};
use crate::domain::language::Language;
use crate::domain::round::model::RoundRow;
use crate::error::AppResult;

/// What a page about a registration shows.
#[derive(Debug, Clone)]
pub struct Linked {
    pub id: Uuid,
    pub status: RegistrationStatus,
    pub waitlist_position: Option<i64>,
    pub language: Language,
    /// A pending registration whose confirmation link has run out (until the maintenance
    /// job deletes it).
    pub expired: bool,
    pub round: RoundRow,
    /// The authority running the consultation: whom to ask.
    pub authority: Option<AuthorityRow>,
}

/// The registration the confirmation link with `token` belongs to. After the confirmation
/// the link still reads for `readable_for` after registering (`REGISTRATION_CONFIRM_TTL`),
/// so that it says "already confirmed" to a second click; after that it is unknown. It
/// confirms only once (`confirm`).
pub async fn by_confirm_token(
    conn: &mut AsyncPgConnection,
    token: &str,
    readable_for: chrono::Duration,
) -> AppResult<Option<Linked>> {
    // Pending ones past their deadline too (their page says "expired"); used ones only
    // for as long as a link is valid, counted from the registration.
    let readable = registrations::status
        .eq(RegistrationStatus::Pending)
        .or(registrations::created_at.gt(Utc::now() - readable_for));
    let found = registrations::table
        .filter(registrations::confirm_token_hash.eq(hash_token(token)))
        .filter(readable)
        .select((RegistrationRow::as_select(), waitlist_position()))
        .first(conn)
        .await
        .optional()?;
    linked(conn, found).await
}

/// The registration `id` when `token` is its cancel token.
pub async fn by_cancel_token(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    token: &str,
) -> AppResult<Option<Linked>> {
    let found = registrations::table
        .find(id)
        .filter(registrations::cancel_token_hash.eq(hash_token(token)))
        .select((RegistrationRow::as_select(), waitlist_position()))
        .first(conn)
        .await
        .optional()?;
    linked(conn, found).await
}

async fn linked(
    conn: &mut AsyncPgConnection,
    found: Option<(RegistrationRow, Option<i64>)>,
) -> AppResult<Option<Linked>> {
    let Some((row, waitlist_position)) = found else {
        return Ok(None);
    };
    let round = rounds::table
        .find(row.round_id)
        .select(RoundRow::as_select())
        .first(conn)
        .await?;
    let authority = authority::of_round(conn, round.id).await?;
    Ok(Some(Linked {
        id: row.id,
        status: row.status,
        waitlist_position,
        language: row.language,
        expired: row.status == RegistrationStatus::Pending
            && row.confirm_expires_at.is_none_or(|at| at <= Utc::now()),
        round,
        authority,
    }))
}

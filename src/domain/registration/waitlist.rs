//! The waitlist moving up: a free seat goes to the first waiting, under the round's lock.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::RegistrationRow;
use super::status::{announce, set_status};
use super::wire::RegistrationStatus;
use crate::db::schema::{registrations, rounds};
use crate::domain::event::{self, Change, Entity};
use crate::domain::notification::{self, Notice, NoticeKind};
use crate::domain::round::model::RoundRow;
use crate::error::AppResult;

/// Moves waitlisted registrations to `confirmed`, first come first served, while seats are
/// free (after a capacity increase). Runs under the round lock.
pub async fn promote_while_free(conn: &mut AsyncPgConnection, round: &RoundRow) -> AppResult<()> {
    while promote_next(conn, round).await? {}
    Ok(())
}

/// Moves the first waitlisted registration of a round to `confirmed`, if a seat is free;
/// says whether it did. Runs under the round lock.
pub(super) async fn promote_next(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
) -> AppResult<bool> {
    // Nobody moves up for a round that will not take place.
    if round.cancelled || round.ends_at <= Utc::now() {
        return Ok(false);
    }
    let round_id = round.id;
    let next: Option<RegistrationRow> = registrations::table
        .filter(registrations::round_id.eq(round_id))
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .order(registrations::waitlist_seq)
        .select(RegistrationRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(next) = next else {
        return Ok(false);
    };
    let seat = diesel::update(rounds::table.find(round_id))
        .filter((rounds::confirmed_count + rounds::attended_count).lt(rounds::capacity))
        .set((
            rounds::confirmed_count.eq(rounds::confirmed_count + 1),
            rounds::waitlisted_count.eq(rounds::waitlisted_count - 1),
        ))
        .execute(conn)
        .await?;
    if seat == 1 {
        set_status(conn, next.id, RegistrationStatus::Confirmed).await?;
        event::record(
            conn,
            Entity::Registration,
            next.id,
            Change {
                actor: "system",
                action: "promoted",
                from_status: Some("waitlisted"),
                to_status: Some("confirmed"),
                reason: Some("a seat became free"),
                ..Change::default()
            },
        )
        .await?;
        touch_waitlist(conn, round_id).await?;
        let notice = Notice::new(NoticeKind::Promoted, next.addressee(), round);
        notification::send(conn, vec![notice]).await?;
        let confirmed = RegistrationStatus::Confirmed;
        announce(conn, &next, confirmed, Some(RegistrationStatus::Waitlisted)).await?;
    }
    Ok(seat == 1)
}

/// Marks every waitlisted registration of a round as changed: their positions moved, and a
/// syncing client must see the new ones (the trigger stamps them).
pub(super) async fn touch_waitlist(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
) -> QueryResult<()> {
    diesel::update(
        registrations::table
            .filter(registrations::round_id.eq(round_id))
            .filter(registrations::status.eq(RegistrationStatus::Waitlisted)),
    )
    .set(registrations::status.eq(RegistrationStatus::Waitlisted))
    .execute(conn)
    .await
    .map(drop)
}

//! Seats: the window in which a seat or waitlist place may be claimed, and the claim
//! itself, each one conditional statement on the round row under its lock.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::RegistrationStatus;
use crate::db::PreparedByText;
use crate::db::schema::rounds;
use crate::error::{AppError, AppResult};

fn registration_closed() -> AppError {
    AppError::conflict(
        "registration_closed",
        "Registration for this round is not open (outside its window, or the round is cancelled).",
    )
}

/// Which window a seat is claimed in.
#[derive(Clone, Copy)]
pub(super) enum Window {
    /// A new registration: the registration window must be open.
    Registration,
    /// A confirmation of a registration made in the window: the round must still be ahead
    /// and not cancelled.
    Confirmation,
}

type RoundCondition =
    Box<dyn BoxableExpression<rounds::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>>;

/// The condition on the round under which a seat may be claimed in `window`.
fn open_at(window: Window) -> RoundCondition {
    let now = Utc::now();
    let ahead = rounds::cancelled.eq(false).and(rounds::ends_at.gt(now));
    match window {
        Window::Confirmation => Box::new(ahead),
        Window::Registration => Box::new(
            ahead
                .and(
                    rounds::registration_opens_at
                        .is_null()
                        .or(rounds::registration_opens_at.le(now)),
                )
                .and(
                    rounds::registration_closes_at
                        .is_null()
                        .or(rounds::registration_closes_at.gt(now)),
                )
                // Never NULL: each bound is either absent or compared.
                .assume_not_null(),
        ),
    }
}

/// Checks the registration window for a registration that takes no seat yet, under the
/// round's lock (so a concurrent change of the window is seen or waits).
pub(super) async fn open_window(conn: &mut AsyncPgConnection, round_id: Uuid) -> AppResult<()> {
    let open: Option<Uuid> = rounds::table
        .find(round_id)
        .filter(open_at(Window::Registration))
        .select(rounds::id)
        .for_key_share()
        .first(conn)
        .await
        .optional()?;
    open.map(drop).ok_or_else(registration_closed)
}

/// Takes a seat if one is left and nobody is waiting, else a waitlist place, in one
/// conditional statement each: the round row lock serialises concurrent registrations. The
/// window is checked again here, under the lock. A waitlist place comes with its position:
/// the last, as the round's count of waiting registrations says.
pub(super) async fn claim_seat(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
    window: Window,
) -> AppResult<(RegistrationStatus, Option<i64>)> {
    let seat = diesel::update(rounds::table.find(round_id))
        .filter(open_at(window))
        .filter(rounds::waitlisted_count.eq(0))
        .filter((rounds::confirmed_count + rounds::attended_count).lt(rounds::capacity))
        .set(rounds::confirmed_count.eq(rounds::confirmed_count + 1))
        .by_text()
        .execute(conn)
        .await?;
    if seat == 1 {
        return Ok((RegistrationStatus::Confirmed, None));
    }
    let waiting: Option<i32> = diesel::update(rounds::table.find(round_id))
        .filter(open_at(window))
        .set(rounds::waitlisted_count.eq(rounds::waitlisted_count + 1))
        .returning(rounds::waitlisted_count)
        .by_text()
        .get_result(conn)
        .await
        .optional()?;
    match waiting {
        Some(position) => Ok((RegistrationStatus::Waitlisted, Some(position.into()))),
        None => Err(registration_closed()),
    }
}

/// Sets the seat counters of a consultation's rounds to what their registrations say: after
/// registrations were written as they are (`registration::seed`), which claims no seats.
pub async fn recount_seats(conn: &mut AsyncPgConnection, consultation_id: Uuid) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE rounds r SET
            confirmed_count = (SELECT count(*) FROM registrations g WHERE g.round_id = r.id AND g.status = 'confirmed'),
            waitlisted_count = (SELECT count(*) FROM registrations g WHERE g.round_id = r.id AND g.status = 'waitlisted'),
            attended_count = (SELECT count(*) FROM registrations g WHERE g.round_id = r.id AND g.status = 'attended')
          WHERE r.consultation_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(consultation_id)
    .execute(conn)
    .await
    .map(drop)
}

//! Adding a round to a consultation.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::RoundRow;
use super::wire::NewRound;
use crate::db::schema::rounds;
use crate::domain::consultation::{self, ConsultationRow, ConsultationStatus};
use crate::domain::translation::Translations;
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult};

/// Adds a round to a consultation (by id or slug) that is not archived, checked on the
/// consultation held by the inserting transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    consultation_ref: &str,
    new: NewRound,
) -> AppResult<RoundRow> {
    conn.transaction(async |conn| {
        let consultation = consultation::hold(conn, consultation_ref, true).await?;
        insert(conn, &consultation, new).await
    })
    .await
}

async fn insert(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    new: NewRound,
) -> AppResult<RoundRow> {
    if consultation.status == ConsultationStatus::Archived {
        return Err(AppError::conflict(
            "consultation_archived",
            "An archived consultation gets no new rounds.",
        ));
    }
    let now = Utc::now();
    let mut faults = Violations::new();
    let translations = new
        .translations
        .map(|t| Translations::read(t, &mut faults))
        .unwrap_or_default();
    let mut row = RoundRow {
        id: Uuid::now_v7(),
        consultation_id: consultation.id,
        kind: new.kind,
        title: new.title,
        venue_name: None,
        venue_street: None,
        venue_postal_code: None,
        venue_city: None,
        region: new.region,
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        capacity: new.capacity,
        registration_opens_at: new.registration_opens_at,
        registration_closes_at: new.registration_closes_at,
        submissions_open_at: new.submissions_open_at,
        submissions_close_at: new.submissions_close_at,
        cancelled: false,
        confirmed_count: 0,
        waitlisted_count: 0,
        attended_count: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        translations,
    };
    row.set_venue(new.venue);
    row.validate(faults)?;
    Ok(diesel::insert_into(rounds::table)
        .values(&row)
        .returning(RoundRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Writes a round as it is (its id, past dates and seat counters too), for seeding and
/// imports of past data, without the request path's checks; one with its id already there
/// is kept.
pub async fn seed(conn: &mut AsyncPgConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(rounds::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Like [`seed`], but a round with its id already there takes the row's times and windows
/// (nothing else of it changes, its version neither, and its registrants are not told): for
/// a seeded round that is to stay ahead of today, such as the demo's open workshop.
pub async fn seed_rescheduled(conn: &mut AsyncPgConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(rounds::table)
        .values(row)
        .on_conflict(rounds::id)
        .do_update()
        .set((
            rounds::starts_at.eq(row.starts_at),
            rounds::ends_at.eq(row.ends_at),
            rounds::registration_opens_at.eq(row.registration_opens_at),
            rounds::registration_closes_at.eq(row.registration_closes_at),
            rounds::submissions_open_at.eq(row.submissions_open_at),
            rounds::submissions_close_at.eq(row.submissions_close_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

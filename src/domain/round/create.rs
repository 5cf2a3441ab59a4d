//! Adding a round to a consultation.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::RoundRow;
use super::wire::NewRound;
use crate::db::schema::rounds;
use crate::domain::consultation::{self, ConsultationRow, ConsultationStatus};
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
    };
    row.set_venue(new.venue);
    row.validate()?;
    Ok(diesel::insert_into(rounds::table)
        .values(&row)
        .returning(RoundRow::as_returning())
        .get_result(conn)
        .await?)
}

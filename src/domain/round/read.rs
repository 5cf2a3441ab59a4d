//! Reading rounds: one as its reader may see it, one held for a writing transaction, and
//! the rounds of a consultation.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::RoundRow;
use crate::db::schema::{consultations, rounds};
use crate::domain::consultation::ConsultationStatus;
use crate::domain::page::Keyset;
use crate::error::{AppError, AppResult};

/// A round, unless its consultation is a draft and the caller is not staff.
pub async fn find_visible(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    staff: bool,
) -> AppResult<RoundRow> {
    let mut query = rounds::table
        .inner_join(consultations::table)
        .filter(rounds::id.eq(id))
        .select(RoundRow::as_select())
        .into_boxed();
    if !staff {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    query
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("round"))
}

/// A round of `consultation_id`, held for the rest of the transaction (`KEY SHARE`, which a
/// change of the round, taken `FOR UPDATE` in [`update`](super::update), waits for): a submission written
/// under it sees the round's submission window as it is until it commits.
pub async fn hold(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    consultation_id: Uuid,
) -> AppResult<Option<RoundRow>> {
    Ok(rounds::table
        .find(id)
        .filter(rounds::consultation_id.eq(consultation_id))
        .select(RoundRow::as_select())
        .for_key_share()
        .first(conn)
        .await
        .optional()?)
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    consultation_id: Uuid,
    keyset: Keyset,
) -> AppResult<Vec<RoundRow>> {
    let mut query = rounds::table
        .filter(rounds::consultation_id.eq(consultation_id))
        .select(RoundRow::as_select())
        .order(rounds::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(rounds::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

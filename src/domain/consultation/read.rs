//! Finding consultations as a caller may see them: by id or slug, locked for a write, listed.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::ConsultationRow;
use super::wire::ConsultationStatus;
use crate::db::schema::consultations;
use crate::domain::page::Keyset;
use crate::error::{AppError, AppResult};

/// Looks a consultation up by id or slug; drafts only for staff.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    id_or_slug: &str,
    staff: bool,
) -> AppResult<ConsultationRow> {
    let mut query = consultations::table
        .select(ConsultationRow::as_select())
        .into_boxed();
    query = match Uuid::parse_str(id_or_slug) {
        Ok(id) => query.filter(consultations::id.eq(id)),
        Err(_) => query.filter(consultations::slug.eq(id_or_slug.to_string())),
    };
    if !staff {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    query
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("consultation"))
}

/// The id of the consultation `id_or_slug` names, if the caller may see it (drafts only
/// with `include_drafts`), as a subquery of a statement about its contents.
pub type VisibleId<'a> = consultations::BoxedQuery<'a, diesel::pg::Pg, diesel::sql_types::Uuid>;

pub fn visible_id<'a>(id_or_slug: &str, include_drafts: bool) -> VisibleId<'a> {
    let mut query = consultations::table.select(consultations::id).into_boxed();
    query = match Uuid::parse_str(id_or_slug) {
        Ok(id) => query.filter(consultations::id.eq(id)),
        Err(_) => query.filter(consultations::slug.eq(id_or_slug.to_string())),
    };
    if !include_drafts {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    query
}

/// Like [`find_visible`], and holds the consultation for the rest of the transaction: a
/// `KEY SHARE` lock, which concurrent writers of submissions share, but which a change of
/// the consultation (taken `FOR UPDATE` in [`update`]) waits for, and vice versa. So a
/// submission written under it sees the status the consultation has until it commits.
pub async fn hold(
    mut conn: &AsyncPgConnection,
    id_or_slug: &str,
    include_drafts: bool,
) -> AppResult<ConsultationRow> {
    type ByRef = Box<
        dyn BoxableExpression<
                consultations::table,
                diesel::pg::Pg,
                SqlType = diesel::sql_types::Bool,
            >,
    >;
    let by_ref: ByRef = match Uuid::parse_str(id_or_slug) {
        Ok(id) => Box::new(consultations::id.eq(id)),
        Err(_) => Box::new(consultations::slug.eq(id_or_slug.to_string())),
    };
    let statuses = ConsultationStatus::ALL
        .iter()
        .filter(|s| include_drafts || s.is_public());
    consultations::table
        .filter(by_ref)
        .filter(consultations::status.eq_any(statuses))
        .select(ConsultationRow::as_select())
        .for_key_share()
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("consultation"))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    status: Option<ConsultationStatus>,
    staff: bool,
    keyset: Keyset,
) -> AppResult<Vec<ConsultationRow>> {
    let mut query = consultations::table
        .select(ConsultationRow::as_select())
        .order(consultations::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(consultations::id.gt(after));
    }
    if let Some(status) = status {
        query = query.filter(consultations::status.eq(status));
    }
    if !staff {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    Ok(query.load(conn).await?)
}

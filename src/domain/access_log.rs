//! The access log: every bulk read of personal data (attendance lists, registration lists,
//! submission exports with author names, privacy exports) — who, when, what, how many
//! records — so that a data protection officer can answer who saw whose data
//! (DSGVO Art. 5(2), accountability). Kept two years (see `retention`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::page::Keyset;
use crate::db::schema::access_log;
use crate::error::AppResult;

crate::text_enum! {
    /// What kind of bulk read of personal data it was.
    AccessKind {
        /// A round's attendance list (CSV export).
        AttendanceExport = "attendance_export",
        /// A page of a round's registrations.
        RegistrationList = "registration_list",
        /// A consultation's submissions with author names (CSV or NDJSON export).
        SubmissionExport = "submission_export",
        /// Everything held for an email address (DSGVO Art. 15).
        PrivacyExport = "privacy_export",
    }
}

/// A bulk read to record.
#[derive(Debug, Clone)]
pub struct BulkRead {
    /// `role:subject` of the reader.
    pub actor: String,
    pub kind: AccessKind,
    /// What was read: the API path (without the query).
    pub resource: String,
    pub records: usize,
    pub request_id: Option<String>,
}

/// An entry of the access log.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = access_log)]
pub struct AccessEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `role:subject` of the reader.
    #[schema(max_length = 300)]
    pub actor: String,
    #[diesel(column_name = action)]
    pub kind: AccessKind,
    /// The API path read, e.g. `/api/v1/rounds/{id}/registrations/export`.
    #[schema(max_length = 500)]
    pub resource: String,
    /// How many personal records were read.
    #[schema(minimum = 0)]
    pub records: i32,
    /// The request's `X-Request-Id`, to find it in the service's log.
    #[schema(max_length = 200)]
    pub request_id: Option<String>,
}

/// Records a read; returns the entry's id.
pub async fn record(conn: &mut AsyncPgConnection, read: BulkRead) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(access_log::table)
        .values((
            access_log::id.eq(id),
            access_log::at.eq(Utc::now()),
            access_log::actor.eq(read.actor),
            access_log::action.eq(read.kind),
            access_log::resource.eq(read.resource),
            access_log::records.eq(i32::try_from(read.records).unwrap_or(i32::MAX)),
            access_log::request_id.eq(read.request_id),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Sets how many records a streamed read sent, once it ended.
pub async fn set_records(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    records: usize,
) -> QueryResult<()> {
    diesel::update(access_log::table.find(id))
        .set(access_log::records.eq(i32::try_from(records).unwrap_or(i32::MAX)))
        .execute(conn)
        .await
        .map(drop)
}

/// The log, oldest first.
pub async fn list(conn: &mut AsyncPgConnection, keyset: Keyset) -> AppResult<Vec<AccessEntry>> {
    let mut query = access_log::table
        .select(AccessEntry::as_select())
        .order(access_log::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(access_log::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

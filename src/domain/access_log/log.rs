//! The access log of bulk reads of personal data (exports): written with the read, listed for staff.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{AccessEntry, AccessKind};
use crate::db::schema::access_log;
use crate::domain::page::Keyset;
use crate::error::AppResult;

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

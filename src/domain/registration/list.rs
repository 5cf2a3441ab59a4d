//! The registrations of a round, filtered and paged, for staff and partners.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{RegistrationRow, RowWithPosition, view, waitlist_position};
use super::wire::{Registration, RegistrationStatus};
use crate::db::schema::registrations;
use crate::domain::page::Keyset;
use crate::error::AppResult;

pub struct RegistrationFilter {
    pub status: Option<RegistrationStatus>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Only those a partner organisation made.
    pub registered_by_org: Option<Uuid>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
    filter: &RegistrationFilter,
    keyset: Keyset,
) -> AppResult<Vec<Registration>> {
    let mut query = registrations::table
        .filter(registrations::round_id.eq(round_id))
        .select((RegistrationRow::as_select(), waitlist_position()))
        .order(registrations::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(registrations::id.gt(after));
    }
    if let Some(status) = filter.status {
        query = query.filter(registrations::status.eq(status));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(registrations::updated_at.ge(since));
    }
    if let Some(org) = filter.registered_by_org {
        query = query.filter(registrations::registered_by_org.eq(org));
    }
    let rows: Vec<RowWithPosition> = query.load(conn).await?;
    Ok(rows.into_iter().map(view).collect())
}

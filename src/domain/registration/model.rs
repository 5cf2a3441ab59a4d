//! What the other capabilities of registrations share: the status, the row, the
//! registration as it is shown, and how a row is read with its waitlist position.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::registrations;
use crate::domain::category::Category;
use crate::error::{AppError, AppResult};

crate::text_enum! {
    /// Status of a registration.
    RegistrationStatus {
        Pending = "pending",
        Confirmed = "confirmed",
        Waitlisted = "waitlisted",
        Cancelled = "cancelled",
        Attended = "attended",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub round_id: Uuid,
    pub name: String,
    pub email: String,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub category: Option<Category>,
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    #[diesel(skip_insertion)]
    pub waitlist_seq: i64,
    pub registered_by_org: Option<Uuid>,
    pub cancel_token_hash: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub confirm_token_hash: Option<Vec<u8>>,
    pub confirm_expires_at: Option<DateTime<Utc>>,
    pub privacy_notice_version: Option<String>,
    pub consented_at: Option<DateTime<Utc>>,
}

/// A registration for a round. Personal data: shown to staff, to the partner that made it
/// and to the registrant (with the cancel token).
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    pub id: Uuid,
    pub round_id: Uuid,
    #[schema(example = "Aylin Demir", max_length = 200)]
    pub name: String,
    #[schema(example = "a.demir@example.org", max_length = 254)]
    pub email: String,
    pub organisation_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub organisation_name: Option<String>,
    pub category: Option<Category>,
    /// Accessibility or other needs for the event.
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    /// 1 for the next to be promoted; only while `waitlisted`.
    pub waitlist_position: Option<i64>,
    /// The version of the privacy notice the person consented to.
    #[schema(example = "2019-08", max_length = 50)]
    pub privacy_notice_version: Option<String>,
    /// When the person consented to the processing of their data (at registration).
    pub consented_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The waitlist position, computed where it is read.
pub(super) fn waitlist_position() -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>(
        "CASE WHEN registrations.status = 'waitlisted' THEN \
         (SELECT count(*) FROM registrations w WHERE w.round_id = registrations.round_id \
          AND w.status = 'waitlisted' AND w.waitlist_seq <= registrations.waitlist_seq) END",
    )
}

pub(super) type RowWithPosition = (RegistrationRow, Option<i64>);

pub(super) fn view((row, waitlist_position): RowWithPosition) -> Registration {
    Registration {
        id: row.id,
        round_id: row.round_id,
        name: row.name,
        email: row.email,
        organisation_id: row.organisation_id,
        organisation_name: row.organisation_name,
        category: row.category,
        needs: row.needs,
        status: row.status,
        waitlist_position,
        privacy_notice_version: row.privacy_notice_version,
        consented_at: row.consented_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub(super) async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<RowWithPosition> {
    registrations::table
        .find(id)
        .select((RegistrationRow::as_select(), waitlist_position()))
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("registration"))
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

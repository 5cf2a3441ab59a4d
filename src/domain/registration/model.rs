//! What the other capabilities of registrations share: the status, the row, the
//! registration as it is shown, and how a row is read with its waitlist position.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::wire::{Registration, RegistrationStatus};
use crate::db::schema::registrations;
use crate::domain::category::Category;
use crate::domain::language::Language;
use crate::domain::notification::Addressee;
use crate::error::{AppError, AppResult};

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
    pub language: Language,
}

impl RegistrationRow {
    /// The registrant, as a notice addresses them.
    pub fn addressee(&self) -> Addressee<'_> {
        Addressee {
            registration_id: self.id,
            name: &self.name,
            email: &self.email,
            language: self.language,
        }
    }
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
        language: row.language,
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

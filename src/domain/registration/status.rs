//! What every change of a registration's status shares: the order of its locks, the
//! status write, and the webhook announcement of the new status.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::model::RegistrationRow;
use super::wire::RegistrationStatus;
use crate::db::schema::{registrations, rounds};
use crate::domain::policy::Audience;
use crate::domain::round::model::RoundRow;
use crate::domain::webhook::{self, EventType};
use crate::error::{AppError, AppResult};

/// Tells webhook subscribers (admins, and the partner that made the registration) that a
/// registration reached `status`, in the transaction of the change. No personal data.
pub(super) async fn announce(
    conn: &AsyncPgConnection,
    row: &RegistrationRow,
    status: RegistrationStatus,
    previous_status: Option<RegistrationStatus>,
) -> QueryResult<()> {
    #[derive(Serialize)]
    struct Data {
        id: Uuid,
        round_id: Uuid,
        organisation_id: Option<Uuid>,
        status: RegistrationStatus,
        previous_status: Option<RegistrationStatus>,
    }
    webhook::publish(
        conn,
        webhook::Event {
            kind: EventType::RegistrationStatusChanged,
            audience: Audience {
                organisation: row.registered_by_org,
                public: false,
            },
            subject_id: row.id,
            belongs_to: row.round_id,
            data: webhook::thin(Data {
                id: row.id,
                round_id: row.round_id,
                organisation_id: row.registered_by_org,
                status,
                previous_status,
            }),
        },
    )
    .await
}

/// Locks the round of a registration, then the registration itself (always in this order).
pub(super) async fn lock_for_change(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<(RegistrationRow, RoundRow)> {
    let round_id: Uuid = registrations::table
        .find(id)
        .select(registrations::round_id)
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("registration"))?;
    // NO KEY UPDATE: serialises with seat claims (which update the round) without blocking
    // inserts whose foreign keys merely reference it.
    let round = rounds::table
        .find(round_id)
        .select(RoundRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await?;
    let registration = registrations::table
        .find(id)
        .select(RegistrationRow::as_select())
        .for_update()
        .first(conn)
        .await?;
    Ok((registration, round))
}

pub(super) async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: RegistrationStatus,
) -> QueryResult<()> {
    diesel::update(registrations::table.find(id))
        .set(registrations::status.eq(status))
        .execute(conn)
        .await
        .map(drop)
}

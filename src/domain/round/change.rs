//! Changing a round: the patch, its checks under the round's lock, and what follows in the
//! same transaction: the waitlist moves up, registrants are told, webhooks announce it.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::RoundRow;
use super::wire::{Round, RoundPatch};
use crate::db::schema::{consultations, rounds};
use crate::domain::consultation::ConsultationStatus;
use crate::domain::notification::notice::NoticeKind;
use crate::domain::policy::Audience;
use crate::domain::precondition::Precondition;
use crate::domain::registration::notify;
use crate::domain::registration::waitlist;
use crate::domain::translation::Translations;
use crate::domain::validate::Violations;
use crate::domain::webhook::{self, EventType};
use crate::error::{AppError, AppResult};

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    precondition: Precondition,
    patch: RoundPatch,
) -> AppResult<RoundRow> {
    conn.transaction(async |conn| {
        let mut row: RoundRow = rounds::table
            .find(id)
            .select(RoundRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| AppError::not_found("round"))?;
        let current = row.etag();
        let before = row.clone();
        let faults = apply(&mut row, patch);
        // An invalid request is refused as such, whatever its precondition (RFC 9110 13.2.1).
        row.validate(faults)?;
        precondition.check_localised(&current)?;
        if row.capacity < row.confirmed_count + row.attended_count {
            return Err(AppError::conflict(
                "capacity_below_confirmed",
                format!(
                    "capacity {} is below the {} seats already taken",
                    row.capacity,
                    row.confirmed_count + row.attended_count
                ),
            ));
        }
        row.version += 1;
        row.updated_at = Utc::now();
        diesel::update(rounds::table.find(id))
            .set(&row)
            .execute(conn)
            .await?;
        // More seats: the waitlist moves up in the same transaction.
        waitlist::promote_while_free(conn, &row).await?;
        if let Some(kind) = news_for_registrants(&before, &row) {
            notify::notify_round(conn, &row, kind).await?;
        }
        announce(conn, &row, !before.cancelled && row.cancelled).await?;
        Ok(rounds::table
            .find(id)
            .select(RoundRow::as_select())
            .first(conn)
            .await?)
    })
    .await
}

/// Tells webhook subscribers that a round changed (and, the first time, that it was
/// cancelled): everyone who may read it, i.e. every partner once the consultation is
/// public, admins always.
async fn announce(conn: &mut AsyncPgConnection, row: &RoundRow, cancelled: bool) -> AppResult<()> {
    let status: ConsultationStatus = consultations::table
        .find(row.consultation_id)
        .select(consultations::status)
        .first(conn)
        .await?;
    let audience = Audience {
        organisation: None,
        public: status != ConsultationStatus::Draft,
    };
    let data = serde_json::to_value(Round::from(row.clone()))
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let mut kinds = vec![EventType::RoundUpdated];
    if cancelled {
        kinds.push(EventType::RoundCancelled);
    }
    for kind in kinds {
        let event = webhook::Event {
            kind,
            audience,
            subject_id: row.id,
            belongs_to: row.id,
            data: data.clone(),
        };
        webhook::publish(conn, event).await?;
    }
    Ok(())
}

/// What registrants must be told about a change of their round: that it is cancelled, or
/// that its time or place moved. Other changes (capacity, windows, title) concern staff.
fn news_for_registrants(before: &RoundRow, after: &RoundRow) -> Option<NoticeKind> {
    if after.cancelled && !before.cancelled {
        Some(NoticeKind::RoundCancelled)
    } else if !after.cancelled
        && (before.starts_at != after.starts_at
            || before.ends_at != after.ends_at
            || before.venue() != after.venue())
    {
        Some(NoticeKind::RoundChanged)
    } else {
        None
    }
}

/// Applies the patch; what is invalid of its translations is returned.
fn apply(row: &mut RoundRow, patch: RoundPatch) -> Violations {
    let mut faults = Violations::new();
    if let Some(kind) = patch.kind {
        row.kind = kind;
    }
    if let Some(title) = patch.title {
        row.title = title;
    }
    if let Some(translations) = patch.translations {
        row.translations = Translations::read(translations, &mut faults);
    }
    if let Some(venue) = patch.venue {
        row.set_venue(venue);
    }
    if let Some(region) = patch.region {
        row.region = region;
    }
    if let Some(starts_at) = patch.starts_at {
        row.starts_at = starts_at;
    }
    if let Some(ends_at) = patch.ends_at {
        row.ends_at = ends_at;
    }
    if let Some(capacity) = patch.capacity {
        row.capacity = capacity;
    }
    if let Some(t) = patch.registration_opens_at {
        row.registration_opens_at = t;
    }
    if let Some(t) = patch.registration_closes_at {
        row.registration_closes_at = t;
    }
    if let Some(t) = patch.submissions_open_at {
        row.submissions_open_at = t;
    }
    if let Some(t) = patch.submissions_close_at {
        row.submissions_close_at = t;
    }
    if let Some(cancelled) = patch.cancelled {
        row.cancelled = cancelled;
    }
    faults
}

//! Creating and changing consultations (and seeding past ones).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{ConsultationRow, DEFAULT_RETENTION};
use super::read::find_visible;
use super::wire::{ConsultationPatch, ConsultationStatus, NewConsultation};
use crate::db::schema::consultations;
use crate::domain::authority;
use crate::domain::event::{self, Change, Entity};
use crate::domain::policy::{self, Action, Authorized, Party};
use crate::domain::precondition::{Precondition, tag};
use crate::domain::translation::Translations;
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult};

diesel::define_sql_function! {
    /// The default number prefix of a slug (the migration's `slug_initials`).
    fn slug_initials(slug: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

pub(super) fn slug_taken(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::conflict("slug_taken", "Another consultation already has this slug.")
        }
        other => other.into(),
    }
}

/// The authority a new consultation belongs to: an authority's admin's own (422 for
/// another one); the one the platform's admin names, which it must name when there are
/// several.
async fn authority_of_new(
    conn: &mut AsyncPgConnection,
    party: Party,
    named: Option<Uuid>,
) -> AppResult<Uuid> {
    let not_known = || AppError::field("authority_id", "is not a known authority");
    match (party.authority(), named) {
        (Some(own), None) => Ok(own),
        (Some(own), Some(named)) if named == own => Ok(own),
        (Some(_), Some(_)) => Err(AppError::field(
            "authority_id",
            "an authority's admin creates consultations of its own authority only",
        )),
        (None, Some(named)) => match authority::exists(conn, named).await? {
            true => Ok(named),
            false => Err(not_known()),
        },
        (None, None) => match authority::only_one(conn).await? {
            Some(only) => Ok(only.id),
            None => Err(AppError::field(
                "authority_id",
                "is required: there are several authorities",
            )),
        },
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    by: &Authorized,
    new: NewConsultation,
) -> AppResult<ConsultationRow> {
    let authority_id = authority_of_new(conn, by.party(), new.authority_id).await?;
    let now = Utc::now();
    let number_prefix = match new.number_prefix {
        Some(prefix) => prefix,
        None => {
            diesel::select(slug_initials(new.slug.clone()))
                .get_result(conn)
                .await?
        }
    };
    let mut faults = Violations::new();
    let translations = new
        .translations
        .map(|t| Translations::read(t, &mut faults))
        .unwrap_or_default();
    let mut row = ConsultationRow {
        id: Uuid::now_v7(),
        slug: new.slug,
        title: new.title,
        summary: new.summary,
        status: ConsultationStatus::Draft,
        topics: serde_json::to_value(&new.topics).map_err(|_| AppError::internal())?,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        version: 1,
        created_at: now,
        updated_at: now,
        number_prefix,
        retention_registrations_days: DEFAULT_RETENTION.registrations_days_after_round,
        retention_authors_days: DEFAULT_RETENTION.authors_days_after_archive,
        archived_at: None,
        authority_id,
        translations,
    };
    new.retention.apply(&mut row);
    row.validate(&new.topics, faults)?;
    diesel::insert_into(consultations::table)
        .values(&row)
        .returning(ConsultationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(slug_taken)
}

/// Writes a consultation as it is (id, status, dates), for seeding and imports of past data,
/// without the request path's checks: true if written, false if its id was there (kept).
pub async fn seed(conn: &mut AsyncPgConnection, row: &ConsultationRow) -> QueryResult<bool> {
    let insert = diesel::insert_into(consultations::table).values(row);
    Ok(insert.on_conflict_do_nothing().execute(conn).await? == 1)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    by: &Authorized,
    id_or_slug: &str,
    precondition: Precondition,
    patch: ConsultationPatch,
) -> AppResult<ConsultationRow> {
    let found = find_visible(conn, id_or_slug, true).await?;
    let moved_to = patch.authority_id.filter(|to| *to != found.authority_id);
    check_move(conn, by, moved_to).await?;
    conn.transaction(async |conn| {
        // FOR UPDATE (not the weaker lock a plain UPDATE takes): it waits for submissions
        // being written under [`hold`], so none lands after a close.
        let mut row: ConsultationRow = consultations::table
            .find(found.id)
            .select(ConsultationRow::as_select())
            .for_update()
            .first(conn)
            .await?;
        let current = tag(row.version);
        if let Some(slug) = patch.slug {
            row.slug = slug;
        }
        if let Some(title) = patch.title {
            row.title = title;
        }
        if let Some(summary) = patch.summary {
            row.summary = summary;
        }
        let mut faults = Violations::new();
        if let Some(translations) = patch.translations {
            row.translations = Translations::read(translations, &mut faults);
        }
        if let Some(starts_on) = patch.starts_on {
            row.starts_on = starts_on;
        }
        if let Some(ends_on) = patch.ends_on {
            row.ends_on = ends_on;
        }
        if let Some(prefix) = patch.number_prefix {
            row.number_prefix = prefix;
        }
        if let Some(retention) = patch.retention {
            retention.apply(&mut row);
        }
        let topics = match patch.topics {
            Some(topics) => {
                row.topics = serde_json::to_value(&topics).map_err(|_| AppError::internal())?;
                topics
            }
            None => row.topics(),
        };
        // An invalid request is refused as such, whatever its precondition (RFC 9110 13.2.1).
        row.validate(&topics, faults)?;
        precondition.check_localised(&current)?;
        if let Some(status) = patch.status {
            if !row.status.can_become(status) {
                return Err(AppError::invalid_transition(
                    row.status.as_str(),
                    status.as_str(),
                ));
            }
            if status == ConsultationStatus::Archived && row.archived_at.is_none() {
                row.archived_at = Some(Utc::now());
            }
            row.status = status;
        }
        let moved_from = row.authority_id;
        if let Some(to) = moved_to {
            row.authority_id = to;
        }
        row.version += 1;
        row.updated_at = Utc::now();
        let row = diesel::update(consultations::table.find(row.id))
            .set(&row)
            .returning(ConsultationRow::as_returning())
            .get_result(conn)
            .await
            .map_err(slug_taken)?;
        if let Some(to) = moved_to {
            record_move(conn, by, row.id, moved_from, to).await?;
        }
        Ok(row)
    })
    .await
}

/// A move to another authority: the platform's admin's (403 for anyone else), to a known
/// authority (422).
async fn check_move(
    conn: &mut AsyncPgConnection,
    by: &Authorized,
    to: Option<Uuid>,
) -> AppResult<()> {
    let Some(to) = to else {
        return Ok(());
    };
    if !policy::permits(by.party(), Action::MoveConsultations) {
        return Err(AppError::forbidden(
            "Only the platform's admin gives a consultation to another authority.",
        ));
    }
    if !authority::exists(conn, to).await? {
        return Err(AppError::field("authority_id", "is not a known authority"));
    }
    Ok(())
}

/// Records in the consultation's history that it went to another authority.
async fn record_move(
    conn: &mut AsyncPgConnection,
    by: &Authorized,
    id: Uuid,
    from: Uuid,
    to: Uuid,
) -> AppResult<()> {
    let reason = format!("moved from authority {from} to authority {to}");
    let change = Change {
        actor: by.actor(),
        action: "moved_to_authority",
        reason: Some(&reason),
        ..Change::default()
    };
    event::record(conn, Entity::Consultation, id, change).await?;
    Ok(())
}

//! The import itself: the rows checked, then written all together (one statement per table
//! per 2,000 rows) or not at all, under an idempotency key.

use diesel::dsl;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::check::{Checked, CheckedRow, check_rows};
use super::file::ImportFile;
use super::known::Known;
use super::wire::{ImportOptions, ImportReport, ImportedSubmission};
use crate::db::schema::{submission_addresses, submissions};
use crate::domain::consultation::{self, ConsultationRow};
use crate::domain::event::{self, Change, Entity};
use crate::domain::idempotency::{
    self, IdempotencyKey, Outcome, Prepared, StoredResponse, Written,
};
use crate::domain::policy::Authorized;
use crate::domain::submission::{self, SubmissionRow, SubmissionSource, SubmissionStatus};
use crate::domain::webhook::{self, EventType};
use crate::error::{AppError, AppResult};

/// Rows written per statement: PostgreSQL binds at most 65,535 parameters (21 per row).
pub(super) const INSERT_CHUNK: usize = 2000;

/// Imports `file` into a consultation (by id or slug), once per idempotency key. A dry run
/// does all the work in a transaction that is rolled back, so it finds exactly what the
/// import would; it takes no idempotency key, as it changes nothing.
pub async fn import(
    conn: &mut AsyncPgConnection,
    consultation_ref: &str,
    file: ImportFile,
    options: ImportOptions,
    by: &Authorized,
    key: Option<&IdempotencyKey>,
) -> AppResult<Outcome> {
    let actor = by.actor();
    if options.dry_run {
        let rolled_back = conn
            .transaction(async |conn| {
                let consultation = consultation::hold(conn, consultation_ref, true).await?;
                let report = write(conn, &consultation, file, options, actor).await?;
                Err::<(), _>(Abort::DryRun(report))
            })
            .await;
        return match rolled_back {
            Err(Abort::DryRun(report)) => Ok(Outcome::Done(StoredResponse::ok(&report)?)),
            Err(Abort::Refused(error)) => Err(error),
            Ok(()) => Err(AppError::internal()),
        };
    }
    let operation = Import {
        consultation_ref,
        file,
        options,
        actor,
    };
    idempotency::run(conn, key, operation).await
}

/// Importing one file, as an idempotent operation.
struct Import<'a> {
    consultation_ref: &'a str,
    file: ImportFile,
    options: ImportOptions,
    actor: &'a str,
}

impl idempotency::Operation for Import<'_> {
    type Target = ConsultationRow;
    type Write = Written;

    async fn target(&self, conn: &AsyncPgConnection) -> AppResult<ConsultationRow> {
        consultation::hold(conn, self.consultation_ref, true).await
    }

    fn target_id(consultation: &ConsultationRow) -> Uuid {
        consultation.id
    }

    async fn prepare(
        self,
        conn: &mut AsyncPgConnection,
        consultation: ConsultationRow,
    ) -> AppResult<Prepared<Written>> {
        let report = write(conn, &consultation, self.file, self.options, self.actor).await?;
        Ok(Prepared {
            pending: Written,
            response: StoredResponse::ok(&report)?,
        })
    }
}

/// Ends a dry run's transaction with its report, rolling back what it wrote.
pub(super) enum Abort {
    DryRun(ImportReport),
    Refused(AppError),
}

impl From<AppError> for Abort {
    fn from(error: AppError) -> Self {
        Self::Refused(error)
    }
}

impl From<diesel::result::Error> for Abort {
    fn from(error: diesel::result::Error) -> Self {
        Self::Refused(error.into())
    }
}

/// Checks every row, then writes them all.
pub(super) async fn write(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    file: ImportFile,
    options: ImportOptions,
    actor: &str,
) -> AppResult<ImportReport> {
    if file.rows.is_empty() && file.errors.is_empty() {
        return Err(AppError::field("row", "the file holds no rows"));
    }
    let known = Known::load(conn, consultation, &file.rows, options.round_id).await?;
    let checked = check_rows(consultation, &known, file, options.round_id)?;
    check_all_open(consultation, &known, &checked)?;
    let count = i32::try_from(checked.rows.len()).map_err(|_| AppError::internal())?;
    let numbers = submission::next_numbers(conn, consultation, count).await?;
    let new = NewRows::numbered(consultation, checked.rows, numbers);
    insert(conn, &new).await?;
    record_imported(conn, &new.rows, actor).await?;
    Ok(ImportReport {
        dry_run: options.dry_run,
        imported: new.report.len(),
        submissions: new.report,
    })
}

/// The consultation, and the window of every round a row is for, must be open.
fn check_all_open(
    consultation: &ConsultationRow,
    known: &Known,
    checked: &Checked,
) -> AppResult<()> {
    submission::check_open(consultation, None)?;
    for round in checked.rounds.iter().filter_map(|id| known.rounds.get(id)) {
        submission::check_open(consultation, Some(round))?;
    }
    Ok(())
}

/// A need an action approach of the file addresses, as inserted.
type Link = (
    dsl::Eq<submission_addresses::action_approach_id, Uuid>,
    dsl::Eq<submission_addresses::need_id, Uuid>,
);

/// The checked rows as they are written, and what the report says of each.
struct NewRows {
    rows: Vec<SubmissionRow>,
    links: Vec<Link>,
    report: Vec<ImportedSubmission>,
}

impl NewRows {
    /// The checked rows with their numbers, in file order.
    fn numbered(
        consultation: &ConsultationRow,
        checked: Vec<CheckedRow>,
        numbers: Vec<String>,
    ) -> Self {
        let mut rows = Vec::with_capacity(checked.len());
        let mut links = Vec::new();
        let mut report = Vec::with_capacity(checked.len());
        for ((row_number, new, id, addresses), number) in checked.into_iter().zip(numbers) {
            links.extend(addresses.into_iter().map(|need| {
                (
                    submission_addresses::action_approach_id.eq(id),
                    submission_addresses::need_id.eq(need),
                )
            }));
            let organisation = new.organisation_id;
            let row = SubmissionRow::submitted(
                id,
                consultation.id,
                number,
                (organisation, SubmissionSource::Conference),
                new,
            );
            report.push(ImportedSubmission {
                row: row_number,
                id,
                number: row.number.clone(),
                external_ref: row.external_ref.clone(),
            });
            rows.push(row);
        }
        Self {
            rows,
            links,
            report,
        }
    }
}

/// The submissions, then the needs they address, a chunk per statement.
async fn insert(conn: &mut AsyncPgConnection, new: &NewRows) -> AppResult<()> {
    for chunk in new.rows.chunks(INSERT_CHUNK) {
        diesel::insert_into(submissions::table)
            .values(chunk)
            .execute(conn)
            .await
            .map_err(submission::duplicate_external_ref)?;
    }
    for chunk in new.links.chunks(INSERT_CHUNK * 10) {
        diesel::insert_into(submission_addresses::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The import in each submission's history, and announced to the webhooks.
async fn record_imported(
    conn: &mut AsyncPgConnection,
    rows: &[SubmissionRow],
    actor: &str,
) -> AppResult<()> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    event::record_all(
        conn,
        Entity::Submission,
        &ids,
        Change {
            actor,
            action: "imported",
            to_status: Some(SubmissionStatus::Submitted.as_str()),
            ..Default::default()
        },
    )
    .await?;
    let events = rows
        .iter()
        .map(|row| {
            submission::webhook_event(
                EventType::SubmissionCreated,
                row,
                SubmissionStatus::Submitted,
                None,
            )
        })
        .collect();
    webhook::publish_all(conn, events).await?;
    Ok(())
}

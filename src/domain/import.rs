//! Import of conference results: a file of submissions recorded at a round (the minute of a
//! Regionalkonferenz), written all together or not at all.
//!
//! Every row is checked before anything is written, and every bad row is reported in one
//! problem. Rows refer to their organisation by id or exact name and to the needs they
//! answer by number, id or `external_ref` — also to needs in rows of the same file, since
//! ids are given before anything is written. The writing takes one statement per table (per
//! 2,000 rows), so 5,000 rows are one short transaction.

pub mod file;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::consultation::{self, ConsultationRow};
use super::event::{self, Change, Entity};
use super::idempotency::{self, IdempotencyKey, Outcome, StoredResponse};
use super::policy::{self, Action};
use super::round::RoundRow;
use super::submission::{
    self, MAX_ADDRESSES, NewSubmission, SubmissionKind, SubmissionRow, SubmissionSource,
    SubmissionStatus,
};
use super::validate::Violations;
use super::webhook::{self, EventType};
use crate::base::Caller;
use crate::db::schema::{organisations, rounds, submission_addresses, submissions};
use crate::error::{AppError, AppResult, ErrorKind, FieldError, MAX_FIELD_ERRORS};
pub use file::{ImportFile, ImportRow, MAX_ROWS};

/// Rows written per statement: PostgreSQL binds at most 65,535 parameters (21 per row).
const INSERT_CHUNK: usize = 2000;

/// How an import is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// The round the file records, for rows without a `round_id` of their own.
    pub round_id: Option<Uuid>,
    /// Check and report, write nothing.
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Number of submissions created (in a dry run: that would be created).
    pub imported: usize,
    /// Each row's submission, in file order. A dry run shows the ids and numbers the rows
    /// would have got now; a later import gives others.
    #[schema(max_items = 5000)]
    pub submissions: Vec<ImportedSubmission>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedSubmission {
    #[schema(minimum = 1, maximum = 5000)]
    pub row: u32,
    pub id: Uuid,
    #[schema(example = "ITK-0042", max_length = 20)]
    pub number: String,
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
}

/// Imports `file` into a consultation (by id or slug), once per idempotency key. A dry run
/// does all the work in a transaction that is rolled back, so it finds exactly what the
/// import would; it takes no idempotency key, as it changes nothing.
pub async fn import(
    conn: &mut AsyncPgConnection,
    consultation_ref: &str,
    file: ImportFile,
    options: ImportOptions,
    caller: &Caller,
    key: Option<&IdempotencyKey>,
) -> AppResult<Outcome> {
    policy::authorize(caller, Action::RecordForOthers)?;
    let actor = caller.actor();
    if options.dry_run {
        let rolled_back = conn
            .transaction(async |conn| {
                let consultation = consultation::hold(conn, consultation_ref, true).await?;
                let report = write(conn, &consultation, file, options, &actor).await?;
                Err::<(), _>(Abort::DryRun(report))
            })
            .await;
        return match rolled_back {
            Err(Abort::DryRun(report)) => Ok(Outcome::Done(StoredResponse::ok(&report)?)),
            Err(Abort::Refused(error)) => Err(error),
            Ok(()) => Err(AppError::internal()),
        };
    }
    conn.transaction(async |conn| {
        let consultation = consultation::hold(conn, consultation_ref, true).await?;
        let claim = match idempotency::claim(conn, key, consultation.id).await? {
            Ok(claim) => claim,
            Err(stored) => return Ok(stored),
        };
        let result = write(conn, &consultation, file, options, &actor)
            .await
            .and_then(|report| StoredResponse::ok(&report));
        idempotency::settle(conn, claim, result).await
    })
    .await
}

/// Ends a dry run's transaction with its report, rolling back what it wrote.
enum Abort {
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
async fn write(
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
    submission::check_open(consultation, None)?;
    for round in checked.rounds.iter().filter_map(|id| known.rounds.get(id)) {
        submission::check_open(consultation, Some(round))?;
    }
    let count = i32::try_from(checked.rows.len()).map_err(|_| AppError::internal())?;
    let numbers = submission::next_numbers(conn, consultation, count).await?;
    let mut rows = Vec::with_capacity(checked.rows.len());
    let mut links = Vec::new();
    let mut report = Vec::with_capacity(checked.rows.len());
    for ((row_number, new, id, addresses), number) in checked.rows.into_iter().zip(numbers) {
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
    for chunk in rows.chunks(INSERT_CHUNK) {
        diesel::insert_into(submissions::table)
            .values(chunk)
            .execute(conn)
            .await
            .map_err(submission::duplicate_external_ref)?;
    }
    for chunk in links.chunks(INSERT_CHUNK * 10) {
        diesel::insert_into(submission_addresses::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
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
    Ok(ImportReport {
        dry_run: options.dry_run,
        imported: report.len(),
        submissions: report,
    })
}

/// What the rows refer to, loaded with one query per kind of reference.
struct Known {
    rounds: HashMap<Uuid, RoundRow>,
    organisation_ids: HashSet<Uuid>,
    organisations_by_name: HashMap<String, Vec<Uuid>>,
    needs: Vec<StoredSubmission>,
    /// Indexes into `needs`.
    by_number: HashMap<String, usize>,
    by_id: HashMap<Uuid, usize>,
    by_ref: HashMap<String, Vec<usize>>,
    /// `(organisation, external_ref)` of every stored submission with a ref of the file.
    taken_refs: HashSet<(Option<Uuid>, String)>,
}

/// A stored submission a row may refer to.
#[derive(Queryable)]
struct StoredSubmission {
    id: Uuid,
    number: String,
    external_ref: Option<String>,
    organisation_id: Option<Uuid>,
    kind: SubmissionKind,
}

impl Known {
    async fn load(
        conn: &mut AsyncPgConnection,
        consultation: &ConsultationRow,
        rows: &[ImportRow],
        default_round: Option<Uuid>,
    ) -> AppResult<Self> {
        let round_ids: Vec<Uuid> = rows
            .iter()
            .filter_map(|r| {
                r.round_id
                    .as_deref()
                    .and_then(|r| Uuid::try_parse(r.trim()).ok())
            })
            .chain(default_round)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // Held like a single create holds its round: its window cannot change meanwhile.
        let rounds: HashMap<Uuid, RoundRow> = rounds::table
            .filter(rounds::id.eq_any(&round_ids))
            .filter(rounds::consultation_id.eq(consultation.id))
            .select(RoundRow::as_select())
            .for_key_share()
            .load(conn)
            .await?
            .into_iter()
            .map(|r: RoundRow| (r.id, r))
            .collect();
        let (org_ids, org_names): (Vec<&str>, Vec<&str>) = rows
            .iter()
            .filter_map(|r| r.organisation.as_deref())
            .partition(|o| Uuid::try_parse(o.trim()).is_ok());
        let org_ids: Vec<Uuid> = org_ids
            .iter()
            .filter_map(|o| Uuid::try_parse(o.trim()).ok())
            .collect();
        let organisations: Vec<(Uuid, String)> = organisations::table
            .filter(
                organisations::id
                    .eq_any(&org_ids)
                    .or(organisations::name.eq_any(&org_names)),
            )
            .select((organisations::id, organisations::name))
            .load(conn)
            .await?;
        let mut organisations_by_name: HashMap<String, Vec<Uuid>> = HashMap::new();
        for (id, name) in &organisations {
            organisations_by_name
                .entry(name.clone())
                .or_default()
                .push(*id);
        }
        let refs: Vec<&str> = rows
            .iter()
            .flat_map(|r| r.addresses.iter().map(String::as_str))
            .collect();
        let numbers: Vec<String> = refs
            .iter()
            .filter_map(|r| submission::as_number(r))
            .collect();
        let ids: Vec<Uuid> = refs
            .iter()
            .filter_map(|r| Uuid::try_parse(r).ok())
            .collect();
        let needs: Vec<StoredSubmission> = if refs.is_empty() {
            Vec::new()
        } else {
            submissions::table
                .filter(submissions::consultation_id.eq(consultation.id))
                .filter(
                    submissions::number
                        .eq_any(&numbers)
                        .or(submissions::id.eq_any(&ids))
                        .or(submissions::external_ref.eq_any(&refs)),
                )
                .select((
                    submissions::id,
                    submissions::number,
                    submissions::external_ref,
                    submissions::organisation_id,
                    submissions::kind,
                ))
                .load(conn)
                .await?
        };
        let file_refs: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.external_ref.as_deref())
            .collect();
        let taken_refs = if file_refs.is_empty() {
            HashSet::new()
        } else {
            submissions::table
                .filter(submissions::external_ref.eq_any(&file_refs))
                .select((submissions::organisation_id, submissions::external_ref))
                .load::<(Option<Uuid>, Option<String>)>(conn)
                .await?
                .into_iter()
                .filter_map(|(org, r)| r.map(|r| (org, r)))
                .collect()
        };
        let mut by_ref: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, need) in needs.iter().enumerate() {
            if let Some(external_ref) = &need.external_ref {
                by_ref.entry(external_ref.clone()).or_default().push(i);
            }
        }
        Ok(Self {
            by_number: needs
                .iter()
                .enumerate()
                .map(|(i, n)| (n.number.clone(), i))
                .collect(),
            by_id: needs.iter().enumerate().map(|(i, n)| (n.id, i)).collect(),
            by_ref,
            rounds,
            organisation_ids: organisations.iter().map(|(id, _)| *id).collect(),
            organisations_by_name,
            needs,
            taken_refs,
        })
    }

    /// The organisation a cell names, by id or exact name.
    fn organisation(&self, v: &mut Violations, cell: &str) -> Option<Uuid> {
        let cell = cell.trim();
        if let Ok(id) = Uuid::try_parse(cell) {
            if self.organisation_ids.contains(&id) {
                return Some(id);
            }
            v.add_about_state("organisation", "is not a known organisation");
            return None;
        }
        match self.organisations_by_name.get(cell).map(Vec::as_slice) {
            Some([id]) => Some(*id),
            Some(_) => {
                v.add_about_state(
                    "organisation",
                    "several organisations have this name; give the id",
                );
                None
            }
            None => {
                v.add_about_state(
                    "organisation",
                    "no organisation has exactly this name (or id)",
                );
                None
            }
        }
    }
}

/// A row ready to write: its number in the file, the submission, its id, the needs it
/// answers.
type CheckedRow = (u32, NewSubmission, Uuid, Vec<Uuid>);

struct Checked {
    rows: Vec<CheckedRow>,
    rounds: HashSet<Uuid>,
}

/// A need in the file: its id, organisation and kind (a reference must be to a need).
struct FileRef {
    id: Uuid,
    organisation: Option<Uuid>,
    kind: Option<SubmissionKind>,
}

/// Checks every row; all errors of all rows, or the rows ready to write.
fn check_rows(
    consultation: &ConsultationRow,
    known: &Known,
    file: ImportFile,
    default_round: Option<Uuid>,
) -> AppResult<Checked> {
    let mut errors = file.errors;
    let mut depends_on_state = false;
    // Ids first: rows refer to needs further down the file too.
    let ids: Vec<Uuid> = file.rows.iter().map(|_| Uuid::now_v7()).collect();
    let mut organisations = Vec::with_capacity(file.rows.len());
    let mut row_errors: Vec<Violations> = Vec::with_capacity(file.rows.len());
    for row in &file.rows {
        let mut v = Violations::new();
        organisations.push(
            row.organisation
                .as_deref()
                .and_then(|cell| known.organisation(&mut v, cell)),
        );
        row_errors.push(v);
    }
    // The refs rows may address; a ref an organisation uses twice means its first row (the
    // second is refused).
    let mut file_refs: HashMap<&str, Vec<FileRef>> = HashMap::new();
    for (i, row) in file.rows.iter().enumerate() {
        let Some(external_ref) = row.external_ref.as_deref().filter(|_| !row.unreadable) else {
            continue;
        };
        let same = file_refs.entry(external_ref).or_default();
        if same.iter().all(|r| r.organisation != organisations[i]) {
            same.push(FileRef {
                id: ids[i],
                organisation: organisations[i],
                kind: row.kind.as_deref().and_then(|k| parse_kind(k).ok()),
            });
        }
    }
    let mut checked = Checked {
        rows: Vec::with_capacity(file.rows.len()),
        rounds: HashSet::new(),
    };
    let mut seen_refs: HashMap<(Option<Uuid>, &str), u32> = HashMap::new();
    for (i, (row, mut v)) in file.rows.iter().zip(row_errors).enumerate() {
        if row.unreadable {
            continue; // its errors came with the file
        }
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let organisation_id = organisations[i];
        let kind = match row.kind.as_deref().map(parse_kind) {
            Some(Ok(kind)) => Some(kind),
            Some(Err(message)) => {
                v.add("kind", message);
                None
            }
            None => {
                v.add("kind", "is required");
                None
            }
        };
        for (field, value) in [
            ("topic", &row.topic),
            ("title", &row.title),
            ("body", &row.body),
        ] {
            if value.is_none() {
                v.add(field, "is required");
            }
        }
        let round_id = round_of(&mut v, known, row, default_round);
        // Unique per organisation, as the database has it (rows without one are not bound).
        if let (Some(external_ref), Some(_)) = (row.external_ref.as_deref(), organisation_id) {
            let first = *seen_refs
                .entry((organisation_id, external_ref))
                .or_insert(number);
            if first != number {
                v.add(
                    "external_ref",
                    format!("is the external_ref of row {first} of this organisation too"),
                );
            } else if known
                .taken_refs
                .contains(&(organisation_id, external_ref.to_string()))
            {
                v.add_about_state(
                    "external_ref",
                    "this organisation already has a submission with this external_ref",
                );
            }
        }
        let addresses = kind
            .map(|kind| needs_of(&mut v, known, &file_refs, row, kind, organisation_id))
            .unwrap_or_default();
        let mut new = NewSubmission {
            kind: kind.unwrap_or(SubmissionKind::Statement),
            topic: row.topic.clone().unwrap_or_default(),
            title: row.title.clone().unwrap_or_default(),
            body: row.body.clone().unwrap_or_default(),
            addresses: Vec::new(),
            round_id,
            organisation_id,
            author_name: row.author_name.clone(),
            author_email: row.author_email.clone(),
            external_ref: row.external_ref.clone(),
            source: Some(SubmissionSource::Conference),
        };
        submission::check_fields(&mut v, consultation, &mut new);
        let (row_errors, about_state) = v.into_parts();
        if row_errors.is_empty() {
            checked.rounds.extend(round_id);
            checked.rows.push((number, new, ids[i], addresses));
        } else {
            depends_on_state |= about_state;
            errors.extend(first_per_field(row_errors, number));
        }
    }
    if errors.is_empty() {
        return Ok(checked);
    }
    errors.sort_by_key(|e| e.row);
    errors.truncate(MAX_FIELD_ERRORS);
    let bad_rows = errors
        .iter()
        .filter_map(|e| e.row)
        .collect::<HashSet<_>>()
        .len();
    Err(AppError {
        errors,
        depends_on_state,
        ..AppError::new(
            ErrorKind::Invalid,
            "validation_failed",
            format!(
                "{bad_rows} of {} rows cannot be imported; nothing was imported. See `errors`.",
                file.rows.len()
            ),
        )
    })
}

/// Each field's first error only: a missing title is not also too short.
fn first_per_field(errors: Vec<FieldError>, row: u32) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert(e.field.clone()))
        .map(|e| FieldError::in_row(row, e.field, e.message))
        .collect()
}

fn parse_kind(cell: &str) -> Result<SubmissionKind, String> {
    SubmissionKind::from_str(&cell.trim().to_lowercase())
}

/// The row's round: its own `round_id` cell, else the file's.
fn round_of(
    v: &mut Violations,
    known: &Known,
    row: &ImportRow,
    default_round: Option<Uuid>,
) -> Option<Uuid> {
    let round_id = match row.round_id.as_deref() {
        Some(cell) => match Uuid::try_parse(cell.trim()) {
            Ok(id) => id,
            Err(_) => {
                v.add("round_id", "must be a UUID");
                return None;
            }
        },
        None => match default_round {
            Some(id) => id,
            None => {
                v.add(
                    "round_id",
                    "is required for conference results: a column or the `round_id` parameter",
                );
                return None;
            }
        },
    };
    if known.rounds.contains_key(&round_id) {
        Some(round_id)
    } else {
        v.add_about_state("round_id", "is not a round of this consultation");
        None
    }
}

/// The needs an action approach answers: each reference a stored need's number or id, or
/// the `external_ref` of a need in the file or stored (of the row's organisation, if
/// several organisations use the ref).
fn needs_of(
    v: &mut Violations,
    known: &Known,
    file_refs: &HashMap<&str, Vec<FileRef>>,
    row: &ImportRow,
    kind: SubmissionKind,
    organisation: Option<Uuid>,
) -> Vec<Uuid> {
    if kind != SubmissionKind::ActionApproach {
        if !row.addresses.is_empty() {
            v.add("addresses", "only action approaches address needs");
        }
        return Vec::new();
    }
    if row.addresses.is_empty() {
        v.add(
            "addresses",
            "an action approach must address at least one need",
        );
        return Vec::new();
    }
    let mut needs = Vec::new();
    let mut unknown = Vec::new();
    for reference in &row.addresses {
        match resolve(known, file_refs, reference, organisation) {
            Some((id, SubmissionKind::Need)) => needs.push(id),
            _ => unknown.push(reference.as_str()),
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
        v.add_about_state(
            "addresses",
            format!(
                "not a need of this consultation (by number, id or external_ref), or ambiguous: {}{}",
                shown.join(", "),
                if unknown.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        );
    }
    needs.sort_unstable();
    needs.dedup();
    if needs.len() > MAX_ADDRESSES {
        v.add(
            "addresses",
            format!("must not name more than {MAX_ADDRESSES} needs"),
        );
    }
    needs
}

fn resolve(
    known: &Known,
    file_refs: &HashMap<&str, Vec<FileRef>>,
    reference: &str,
    organisation: Option<Uuid>,
) -> Option<(Uuid, SubmissionKind)> {
    // A ref may look like a number (`W-1`) or be an id; it must not mean two needs.
    let by_number_or_id = submission::as_number(reference)
        .and_then(|number| known.by_number.get(&number))
        .or_else(|| {
            Uuid::try_parse(reference)
                .ok()
                .and_then(|id| known.by_id.get(&id))
        })
        .map(|&i| &known.needs[i]);
    let in_file = file_refs
        .get(reference)
        .into_iter()
        .flatten()
        .map(|r| (r.id, r.organisation, r.kind));
    let stored = known
        .by_ref
        .get(reference)
        .into_iter()
        .flatten()
        .map(|&i| &known.needs[i])
        .map(|s| (s.id, s.organisation_id, Some(s.kind)));
    let by_ref: Vec<_> = in_file.chain(stored).collect();
    let chosen = match (by_number_or_id, by_ref.as_slice()) {
        (Some(need), []) => return Some((need.id, need.kind)),
        (Some(need), refs) if refs.iter().all(|(id, _, _)| *id == need.id) => {
            return Some((need.id, need.kind));
        }
        (Some(_), _) => None, // ambiguous
        (None, [only]) => Some(only),
        (None, several) => several.iter().find(|(_, org, _)| *org == organisation),
    };
    chosen.and_then(|(id, _, kind)| kind.map(|k| (*id, k)))
}

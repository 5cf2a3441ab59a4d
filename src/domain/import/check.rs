//! Checking every row of an import before anything is written; every bad row is reported
//! in one problem.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use uuid::Uuid;

use super::file::{ImportFile, ImportRow};
use super::known::Known;
use crate::domain::consultation::ConsultationRow;
use crate::domain::submission::{
    self, MAX_ADDRESSES, NewSubmission, SubmissionKind, SubmissionSource,
};
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult, ErrorKind, FieldError, MAX_FIELD_ERRORS};

/// A row ready to write: its number in the file, the submission, its id, the needs it
/// answers.
pub(super) type CheckedRow = (u32, NewSubmission, Uuid, Vec<Uuid>);

pub(super) struct Checked {
    pub(super) rows: Vec<CheckedRow>,
    pub(super) rounds: HashSet<Uuid>,
}

/// A need in the file: its id, organisation and kind (a reference must be to a need).
pub(super) struct FileRef {
    pub(super) id: Uuid,
    pub(super) organisation: Option<Uuid>,
    pub(super) kind: Option<SubmissionKind>,
}

/// Checks every row; all errors of all rows, or the rows ready to write.
#[allow(clippy::too_many_lines)] // over 80 lines: to be split into steps
pub(super) fn check_rows(
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
pub(super) fn first_per_field(errors: Vec<FieldError>, row: u32) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert(e.field.clone()))
        .map(|e| FieldError::in_row(row, e.field, e.message))
        .collect()
}

pub(super) fn parse_kind(cell: &str) -> Result<SubmissionKind, String> {
    SubmissionKind::from_str(&cell.trim().to_lowercase())
}

/// The row's round: its own `round_id` cell, else the file's.
pub(super) fn round_of(
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
pub(super) fn needs_of(
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

pub(super) fn resolve(
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

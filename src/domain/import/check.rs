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
    let (organisations, row_errors) = organisations_of(known, &file.rows);
    let file_refs = file_refs(&file.rows, &ids, &organisations);
    let mut checker = RowChecker {
        consultation,
        known,
        file_refs: &file_refs,
        default_round,
        seen_refs: HashMap::new(),
    };
    let mut checked = Checked {
        rows: Vec::with_capacity(file.rows.len()),
        rounds: HashSet::new(),
    };
    for (i, (row, mut v)) in file.rows.iter().zip(row_errors).enumerate() {
        if row.unreadable {
            continue; // its errors came with the file
        }
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (new, addresses) = checker.check(&mut v, row, number, organisations[i]);
        let (row_errors, about_state) = v.into_parts();
        if row_errors.is_empty() {
            checked.rounds.extend(new.round_id);
            checked.rows.push((number, new, ids[i], addresses));
        } else {
            depends_on_state |= about_state;
            errors.extend(first_per_field(row_errors, number));
        }
    }
    if errors.is_empty() {
        return Ok(checked);
    }
    Err(refusal(errors, depends_on_state, file.rows.len()))
}

/// The organisation of each row, and each row's violations so far (its organisation's).
fn organisations_of(known: &Known, rows: &[ImportRow]) -> (Vec<Option<Uuid>>, Vec<Violations>) {
    let mut organisations = Vec::with_capacity(rows.len());
    let mut row_errors: Vec<Violations> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut v = Violations::new();
        organisations.push(
            row.organisation
                .as_deref()
                .and_then(|cell| known.organisation(&mut v, cell)),
        );
        row_errors.push(v);
    }
    (organisations, row_errors)
}

/// The refs rows may address; a ref an organisation uses twice means its first row (the
/// second is refused).
fn file_refs<'a>(
    rows: &'a [ImportRow],
    ids: &[Uuid],
    organisations: &[Option<Uuid>],
) -> HashMap<&'a str, Vec<FileRef>> {
    let mut file_refs: HashMap<&str, Vec<FileRef>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
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
    file_refs
}

/// What checking a row needs of the others: the file's refs, and the refs seen so far.
struct RowChecker<'a> {
    consultation: &'a ConsultationRow,
    known: &'a Known,
    file_refs: &'a HashMap<&'a str, Vec<FileRef>>,
    default_round: Option<Uuid>,
    /// The row that first used an organisation's ref.
    seen_refs: HashMap<(Option<Uuid>, &'a str), u32>,
}

impl<'a> RowChecker<'a> {
    /// Checks one row, adding its mistakes to `v`: the submission it becomes, the needs it
    /// addresses.
    fn check(
        &mut self,
        v: &mut Violations,
        row: &'a ImportRow,
        number: u32,
        organisation_id: Option<Uuid>,
    ) -> (NewSubmission, Vec<Uuid>) {
        let kind = kind_of(v, row);
        for (field, value) in [
            ("topic", &row.topic),
            ("title", &row.title),
            ("body", &row.body),
        ] {
            if value.is_none() {
                v.add(field, "is required");
            }
        }
        let round_id = round_of(v, self.known, row, self.default_round);
        self.check_unique_ref(v, row, number, organisation_id);
        let addresses = kind
            .map(|kind| needs_of(v, self.known, self.file_refs, row, kind, organisation_id))
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
        submission::check_fields(v, self.consultation, &mut new);
        (new, addresses)
    }

    /// Unique per organisation, as the database has it (rows without one are not bound).
    fn check_unique_ref(
        &mut self,
        v: &mut Violations,
        row: &'a ImportRow,
        number: u32,
        organisation_id: Option<Uuid>,
    ) {
        let (Some(external_ref), Some(_)) = (row.external_ref.as_deref(), organisation_id) else {
            return;
        };
        let first = *self
            .seen_refs
            .entry((organisation_id, external_ref))
            .or_insert(number);
        if first != number {
            v.add(
                "external_ref",
                format!("is the external_ref of row {first} of this organisation too"),
            );
        } else if self
            .known
            .taken_refs
            .contains(&(organisation_id, external_ref.to_string()))
        {
            v.add_about_state(
                "external_ref",
                "this organisation already has a submission with this external_ref",
            );
        }
    }
}

/// The row's kind, which is required.
fn kind_of(v: &mut Violations, row: &ImportRow) -> Option<SubmissionKind> {
    match row.kind.as_deref().map(parse_kind) {
        Some(Ok(kind)) => Some(kind),
        Some(Err(message)) => {
            v.add("kind", message);
            None
        }
        None => {
            v.add("kind", "is required");
            None
        }
    }
}

/// The problem refusing the whole file: the first errors by row, how many rows are bad.
fn refusal(mut errors: Vec<FieldError>, depends_on_state: bool, rows: usize) -> AppError {
    errors.sort_by_key(|e| e.row);
    errors.truncate(MAX_FIELD_ERRORS);
    let bad_rows = errors
        .iter()
        .filter_map(|e| e.row)
        .collect::<HashSet<_>>()
        .len();
    AppError {
        errors,
        depends_on_state,
        ..AppError::new(
            ErrorKind::Invalid,
            "validation_failed",
            format!(
                "{bad_rows} of {rows} rows cannot be imported; nothing was imported. See `errors`."
            ),
        )
    }
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

//! What the rows of an import may refer to, read before the check: the consultation's
//! organisations, rounds and needs, by id, name, number and `external_ref`.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::file::ImportRow;
use crate::db::schema::{organisations, rounds, submissions};
use crate::domain::consultation::ConsultationRow;
use crate::domain::round::RoundRow;
use crate::domain::submission::{self, SubmissionKind};
use crate::domain::validate::Violations;
use crate::error::AppResult;

/// What the rows refer to, loaded with one query per kind of reference.
pub(super) struct Known {
    pub(super) rounds: HashMap<Uuid, RoundRow>,
    pub(super) organisation_ids: HashSet<Uuid>,
    pub(super) organisations_by_name: HashMap<String, Vec<Uuid>>,
    pub(super) needs: Vec<StoredSubmission>,
    /// Indexes into `needs`.
    pub(super) by_number: HashMap<String, usize>,
    pub(super) by_id: HashMap<Uuid, usize>,
    pub(super) by_ref: HashMap<String, Vec<usize>>,
    /// `(organisation, external_ref)` of every stored submission with a ref of the file.
    pub(super) taken_refs: HashSet<(Option<Uuid>, String)>,
}

/// A stored submission a row may refer to.
#[derive(Queryable)]
pub(super) struct StoredSubmission {
    pub(super) id: Uuid,
    pub(super) number: String,
    pub(super) external_ref: Option<String>,
    pub(super) organisation_id: Option<Uuid>,
    pub(super) kind: SubmissionKind,
}

impl Known {
    pub(super) async fn load(
        conn: &mut AsyncPgConnection,
        consultation: &ConsultationRow,
        rows: &[ImportRow],
        default_round: Option<Uuid>,
    ) -> AppResult<Self> {
        let rounds = hold_rounds(conn, consultation, rows, default_round).await?;
        let organisations = load_organisations(conn, rows).await?;
        let mut organisations_by_name: HashMap<String, Vec<Uuid>> = HashMap::new();
        for (id, name) in &organisations {
            organisations_by_name
                .entry(name.clone())
                .or_default()
                .push(*id);
        }
        let needs = load_needs(conn, consultation, rows).await?;
        let taken_refs = load_taken_refs(conn, rows).await?;
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
    pub(super) fn organisation(&self, v: &mut Violations, cell: &str) -> Option<Uuid> {
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

/// The consultation's rounds the rows (or the file) name, held like a single create holds
/// its round: their windows cannot change meanwhile.
async fn hold_rounds(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    rows: &[ImportRow],
    default_round: Option<Uuid>,
) -> AppResult<HashMap<Uuid, RoundRow>> {
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
    Ok(rounds::table
        .filter(rounds::id.eq_any(&round_ids))
        .filter(rounds::consultation_id.eq(consultation.id))
        .select(RoundRow::as_select())
        .for_key_share()
        .load(conn)
        .await?
        .into_iter()
        .map(|r: RoundRow| (r.id, r))
        .collect())
}

/// The organisations the rows name, by id or name: their ids and names.
async fn load_organisations(
    conn: &mut AsyncPgConnection,
    rows: &[ImportRow],
) -> AppResult<Vec<(Uuid, String)>> {
    let (org_ids, org_names): (Vec<&str>, Vec<&str>) = rows
        .iter()
        .filter_map(|r| r.organisation.as_deref())
        .partition(|o| Uuid::try_parse(o.trim()).is_ok());
    let org_ids: Vec<Uuid> = org_ids
        .iter()
        .filter_map(|o| Uuid::try_parse(o.trim()).ok())
        .collect();
    Ok(organisations::table
        .filter(
            organisations::id
                .eq_any(&org_ids)
                .or(organisations::name.eq_any(&org_names)),
        )
        .select((organisations::id, organisations::name))
        .load(conn)
        .await?)
}

/// The consultation's submissions the rows' `addresses` may mean: by number, id or
/// `external_ref`.
async fn load_needs(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    rows: &[ImportRow],
) -> AppResult<Vec<StoredSubmission>> {
    let refs: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.addresses.iter().map(String::as_str))
        .collect();
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let numbers: Vec<String> = refs
        .iter()
        .filter_map(|r| submission::as_number(r))
        .collect();
    let ids: Vec<Uuid> = refs
        .iter()
        .filter_map(|r| Uuid::try_parse(r).ok())
        .collect();
    Ok(submissions::table
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
        .await?)
}

/// `(organisation, external_ref)` of every stored submission with a ref of the file.
async fn load_taken_refs(
    conn: &mut AsyncPgConnection,
    rows: &[ImportRow],
) -> AppResult<HashSet<(Option<Uuid>, String)>> {
    let file_refs: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.external_ref.as_deref())
        .collect();
    if file_refs.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(submissions::table
        .filter(submissions::external_ref.eq_any(&file_refs))
        .select((submissions::organisation_id, submissions::external_ref))
        .load::<(Option<Uuid>, Option<String>)>(conn)
        .await?
        .into_iter()
        .filter_map(|(org, r)| r.map(|r| (org, r)))
        .collect())
}

//! Submissions (Beiträge): needs (Bedarfe), action approaches (Handlungsansätze) that answer
//! them, and statements; who may see them, edit them, and how moderators decide on them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::category::Category;
use super::consultation::{ConsultationRow, ConsultationStatus};
use super::event::{self, Change, Entity};
use super::validate::Violations;
use super::{organisation, round};
use crate::api::etag::IfMatch;
use crate::api::idempotency::{self, IdempotencyKey, StoredResponse};
use crate::api::pagination::{Cursor, Keyset};
use crate::auth::{Caller, Role};
use crate::db::schema::{organisations, submission_addresses, submissions};
use crate::error::{ApiError, ApiResult};

crate::text_enum! {
    /// What a submission is.
    SubmissionKind {
        /// Bedarf: a need seen by the organisation.
        Need = "need",
        /// Handlungsansatz: an approach answering one or more needs.
        ActionApproach = "action_approach",
        /// Stellungnahme: a statement.
        Statement = "statement",
    }
}

crate::text_enum! {
    /// Review status: `submitted → in_review → accepted | rejected | merged`;
    /// `submitted | in_review → withdrawn` by its organisation.
    SubmissionStatus {
        Submitted = "submitted",
        InReview = "in_review",
        Accepted = "accepted",
        Rejected = "rejected",
        Merged = "merged",
        Withdrawn = "withdrawn",
    }
}

crate::text_enum! {
    /// How a submission came in.
    SubmissionSource {
        /// From a partner organisation's system.
        Api = "api",
        /// Recorded by staff from a round's results.
        Conference = "conference",
        /// Entered by staff.
        Staff = "staff",
    }
}

impl SubmissionStatus {
    /// The status a submission must have for a moderator to move it to `to`.
    pub fn review_source(to: Self) -> Option<Self> {
        match to {
            Self::InReview => Some(Self::Submitted),
            Self::Accepted | Self::Rejected | Self::Merged => Some(Self::InReview),
            Self::Submitted | Self::Withdrawn => None,
        }
    }

    pub fn can_withdraw(self) -> bool {
        matches!(self, Self::Submitted | Self::InReview)
    }
}

/// Whose eyes a query is for. Anonymous callers see accepted submissions; a partner also
/// its own organisation's in every status; staff see everything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Viewer {
    Anonymous,
    Partner(Uuid),
    Staff,
}

impl Viewer {
    pub fn of(caller: &Caller) -> Self {
        match caller.principal() {
            None => Self::Anonymous,
            Some(p) if p.is_staff() => Self::Staff,
            Some(p) => p
                .partner_organisation()
                .map_or(Self::Anonymous, Self::Partner),
        }
    }

    fn may_see(self, row: &SubmissionRow) -> bool {
        match self {
            Self::Staff => true,
            Self::Partner(org) => {
                row.status == SubmissionStatus::Accepted || row.organisation_id == Some(org)
            }
            Self::Anonymous => row.status == SubmissionStatus::Accepted,
        }
    }

    /// Author names are personal data: for staff and the submitting organisation only.
    fn may_see_author(self, row: &SubmissionRow) -> bool {
        match self {
            Self::Staff => true,
            Self::Partner(org) => row.organisation_id == Some(org),
            Self::Anonymous => false,
        }
    }
}

type BoxedSubmissions<'a> = submissions::BoxedQuery<'a, Pg>;

fn visible<'a>(query: BoxedSubmissions<'a>, viewer: Viewer) -> BoxedSubmissions<'a> {
    match viewer {
        Viewer::Staff => query,
        Viewer::Partner(org) => query.filter(
            submissions::status
                .eq(SubmissionStatus::Accepted)
                .or(submissions::organisation_id.eq(org)),
        ),
        Viewer::Anonymous => query.filter(submissions::status.eq(SubmissionStatus::Accepted)),
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = submissions, treat_none_as_null = true)]
pub struct SubmissionRow {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub round_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub kind: SubmissionKind,
    pub topic: String,
    pub title: String,
    pub body: String,
    pub status: SubmissionStatus,
    pub decision_reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub external_ref: Option<String>,
    pub source: SubmissionSource,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub round_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// Shown to staff and the submitting organisation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    pub kind: SubmissionKind,
    #[schema(example = "sprache")]
    pub topic: String,
    #[schema(example = "Mehr Sprachkurse mit Kinderbetreuung")]
    pub title: String,
    pub body: String,
    /// The needs this action approach answers.
    pub addresses: Vec<Uuid>,
    pub status: SubmissionStatus,
    pub decision_reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
    /// The partner's own id for it, unique per organisation.
    pub external_ref: Option<String>,
    pub source: SubmissionSource,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Present when the list was searched with `q`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<f32>,
    #[serde(skip)]
    pub version: i32,
}

fn view(row: SubmissionRow, addresses: Vec<Uuid>, viewer: Viewer, rank: Option<f32>) -> Submission {
    let author_name = if viewer.may_see_author(&row) {
        row.author_name
    } else {
        None
    };
    Submission {
        author_name,
        addresses,
        rank,
        id: row.id,
        consultation_id: row.consultation_id,
        round_id: row.round_id,
        organisation_id: row.organisation_id,
        kind: row.kind,
        topic: row.topic,
        title: row.title,
        body: row.body,
        status: row.status,
        decision_reason: row.decision_reason,
        duplicate_of: row.duplicate_of,
        external_ref: row.external_ref,
        source: row.source,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The needs each of `ids` addresses that `viewer` may see, in one query: the ids of another
/// organisation's non-public needs are not disclosed either.
async fn addresses_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    viewer: Viewer,
) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
    let visible_needs = visible(submissions::table.into_boxed(), viewer).select(submissions::id);
    let pairs: Vec<(Uuid, Uuid)> = submission_addresses::table
        .filter(submission_addresses::action_approach_id.eq_any(ids))
        .filter(submission_addresses::need_id.eq_any(visible_needs))
        .order((
            submission_addresses::action_approach_id,
            submission_addresses::need_id,
        ))
        .select((
            submission_addresses::action_approach_id,
            submission_addresses::need_id,
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (approach, need) in pairs {
        map.entry(approach).or_default().push(need);
    }
    Ok(map)
}

async fn views(
    conn: &mut AsyncPgConnection,
    rows: Vec<(SubmissionRow, Option<f32>)>,
    viewer: Viewer,
) -> QueryResult<Vec<Submission>> {
    let ids: Vec<Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    let mut addresses = addresses_of(conn, &ids, viewer).await?;
    let duplicates: Vec<Uuid> = rows.iter().filter_map(|(r, _)| r.duplicate_of).collect();
    let visible_duplicates: HashSet<Uuid> = if duplicates.is_empty() || viewer == Viewer::Staff {
        duplicates.into_iter().collect()
    } else {
        visible(submissions::table.into_boxed(), viewer)
            .filter(submissions::id.eq_any(duplicates))
            .select(submissions::id)
            .load::<Uuid>(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(mut row, rank)| {
            let needs = addresses.remove(&row.id).unwrap_or_default();
            row.duplicate_of = row.duplicate_of.filter(|d| visible_duplicates.contains(d));
            view(row, needs, viewer, rank)
        })
        .collect())
}

/// A submission as `viewer` may see it; 404 when it may not (its existence is not disclosed).
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    viewer: Viewer,
) -> ApiResult<Submission> {
    let row = find_row(conn, id, viewer).await?;
    let mut found = views(conn, vec![(row, None)], viewer).await?;
    found.pop().ok_or_else(|| ApiError::not_found("submission"))
}

async fn find_row(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    viewer: Viewer,
) -> ApiResult<SubmissionRow> {
    visible(submissions::table.into_boxed(), viewer)
        .filter(submissions::id.eq(id))
        .select(SubmissionRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("submission"))
}

// ---------------------------------------------------------------------------------------
// Creating

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    pub kind: SubmissionKind,
    /// One of the consultation's topic keys.
    pub topic: String,
    /// 1–300 characters.
    pub title: String,
    /// 1–20000 characters.
    pub body: String,
    /// For `action_approach` only: ids of needs of the same consultation (at least one).
    #[serde(default)]
    pub addresses: Vec<Uuid>,
    /// The round it came from; its submission window must be open.
    pub round_id: Option<Uuid>,
    /// A partner's own organisation (the default); staff may name any.
    pub organisation_id: Option<Uuid>,
    /// ≤ 200 characters; personal data.
    pub author_name: Option<String>,
    /// ≤ 254 characters; personal data, never shown to other organisations.
    pub author_email: Option<String>,
    /// The partner's own id, unique per organisation (≤ 200).
    pub external_ref: Option<String>,
    /// `api` for partners (the default), `staff` (default) or `conference` for staff.
    pub source: Option<SubmissionSource>,
}

fn validate_text(v: &mut Violations, title: &str, body: &str) {
    v.text("title", title, 1, 300);
    v.text("body", body, 1, 20000);
}

/// Checks that `addresses` fit `kind` and name needs of the consultation that the caller
/// can see (so that the answer reveals nothing about needs it cannot see).
async fn check_addresses(
    conn: &mut AsyncPgConnection,
    v: &mut Violations,
    consultation_id: Uuid,
    kind: SubmissionKind,
    addresses: &[Uuid],
    viewer: Viewer,
) -> ApiResult<()> {
    if kind != SubmissionKind::ActionApproach {
        v.check(
            addresses.is_empty(),
            "addresses",
            "only action approaches address needs",
        );
        return Ok(());
    }
    let wanted: HashSet<Uuid> = addresses.iter().copied().collect();
    if wanted.is_empty() {
        v.add(
            "addresses",
            "an action approach must address at least one need",
        );
        return Ok(());
    }
    if wanted.len() > 100 {
        v.add("addresses", "must not name more than 100 needs");
        return Ok(());
    }
    let found: Vec<Uuid> = visible(submissions::table.into_boxed(), viewer)
        .filter(submissions::id.eq_any(wanted.iter().copied().collect::<Vec<_>>()))
        .filter(submissions::consultation_id.eq(consultation_id))
        .filter(submissions::kind.eq(SubmissionKind::Need))
        .select(submissions::id)
        .load(conn)
        .await?;
    for (i, id) in addresses.iter().enumerate() {
        if !found.contains(id) {
            v.add(
                &format!("addresses[{i}]"),
                "is not a need of this consultation",
            );
        }
    }
    Ok(())
}

fn duplicate_external_ref(error: diesel::result::Error) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::conflict(
            "duplicate_external_ref",
            "This organisation already has a submission with this external_ref.",
        ),
        other => other.into(),
    }
}

fn submissions_closed(detail: &str) -> ApiError {
    ApiError::conflict("submissions_closed", detail)
}

/// Creates a submission in `consultation` for the caller.
pub async fn create(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    new: NewSubmission,
    caller: &Caller,
    key: Option<&IdempotencyKey>,
) -> ApiResult<StoredResponse> {
    let principal = caller
        .principal()
        .ok_or_else(|| ApiError::unauthorized("This endpoint requires a bearer token."))?;
    let viewer = Viewer::of(caller);
    let mut v = Violations::new();
    let (organisation_id, source) = match principal.role {
        Role::Partner => {
            let own = principal.partner_organisation();
            if new.organisation_id.is_some() && new.organisation_id != own {
                return Err(ApiError::forbidden(
                    "A partner submits for its own organisation only.",
                ));
            }
            if new.source.is_some_and(|s| s != SubmissionSource::Api) {
                v.add("source", "partners submit with source api");
            }
            (own, SubmissionSource::Api)
        }
        Role::Admin | Role::Moderator => {
            let source = new.source.unwrap_or(SubmissionSource::Staff);
            if source == SubmissionSource::Api {
                v.add(
                    "source",
                    "staff record submissions with source staff or conference",
                );
            }
            if source == SubmissionSource::Conference && new.round_id.is_none() {
                v.add("round_id", "is required for conference results");
            }
            if let Some(org) = new.organisation_id
                && !organisation::exists(conn, org).await?
            {
                v.add("organisation_id", "is not a known organisation");
            }
            (new.organisation_id, source)
        }
    };
    validate_text(&mut v, &new.title, &new.body);
    v.check(
        consultation.has_topic(&new.topic),
        "topic",
        "is not a topic of this consultation",
    );
    v.optional_text("author_name", new.author_name.as_deref(), 200);
    v.optional_text("author_email", new.author_email.as_deref(), 254);
    v.optional_text("external_ref", new.external_ref.as_deref(), 200);
    let round = match new.round_id {
        Some(round_id) => {
            let found = match round::find_visible(conn, round_id, true).await {
                Ok(round) => Some(round).filter(|r| r.consultation_id == consultation.id),
                Err(e) if e.code == "not_found" => None,
                Err(e) => return Err(e),
            };
            if found.is_none() {
                v.add("round_id", "is not a round of this consultation");
            }
            found
        }
        None => None,
    };
    check_addresses(
        conn,
        &mut v,
        consultation.id,
        new.kind,
        &new.addresses,
        viewer,
    )
    .await?;
    v.into_result()?;
    if consultation.status != ConsultationStatus::Open {
        return Err(submissions_closed(
            "The consultation is not open for submissions.",
        ));
    }
    if let Some(round) = &round
        && !round.submissions_open(Utc::now())
    {
        return Err(submissions_closed(
            "The round's submission window is not open.",
        ));
    }
    let now = Utc::now();
    let row = SubmissionRow {
        id: Uuid::now_v7(),
        consultation_id: consultation.id,
        round_id: new.round_id,
        organisation_id,
        author_name: new.author_name,
        author_email: new.author_email,
        kind: new.kind,
        topic: new.topic,
        title: new.title,
        body: new.body,
        status: SubmissionStatus::Submitted,
        decision_reason: None,
        duplicate_of: None,
        external_ref: new.external_ref,
        source,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let actor = caller.actor();
    let addresses: Vec<Uuid> = new
        .addresses
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    conn.transaction(async |conn| {
        diesel::insert_into(submissions::table)
            .values(&row)
            .execute(conn)
            .await
            .map_err(duplicate_external_ref)?;
        link_needs(conn, row.id, &addresses).await?;
        event::record(
            conn,
            Entity::Submission,
            row.id,
            Change {
                actor: &actor,
                action: "created",
                to_status: Some(SubmissionStatus::Submitted.as_str()),
                ..Default::default()
            },
        )
        .await?;
        let created = find_visible(conn, row.id, viewer).await?;
        let response =
            StoredResponse::created(format!("/api/v1/submissions/{}", row.id), &created)?;
        if let Some(key) = key {
            idempotency::complete(conn, key, &response).await?;
        }
        Ok(response)
    })
    .await
}

async fn link_needs(
    conn: &mut AsyncPgConnection,
    approach: Uuid,
    needs: &[Uuid],
) -> QueryResult<()> {
    let rows: Vec<_> = needs
        .iter()
        .map(|need| {
            (
                submission_addresses::action_approach_id.eq(approach),
                submission_addresses::need_id.eq(*need),
            )
        })
        .collect();
    diesel::insert_into(submission_addresses::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}

// ---------------------------------------------------------------------------------------
// Listing

/// Filters of the submission list (and its export).
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub round_id: Option<Uuid>,
    pub kind: Option<SubmissionKind>,
    pub topic: Option<String>,
    pub status: Option<SubmissionStatus>,
    pub organisation_id: Option<Uuid>,
    pub category: Option<Category>,
    pub region: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// German full-text search over title and body, as produced by [`search_terms`].
    pub q: Option<String>,
}

type SearchExpression<T> = Box<dyn BoxableExpression<submissions::table, Pg, SqlType = T>>;

/// Turns what a user types into a `to_tsquery` expression: every word becomes a German-
/// stemmed prefix (the stemmer alone maps `Sprachkurs` to `sprachkur` but `Sprachkurse` to
/// `sprachkurs`; as a prefix the first finds the second), words are ANDed, `OR` between two
/// words ORs them and a leading `-` excludes a word. `None` when no word is left.
pub fn search_terms(q: &str) -> Option<String> {
    let mut out = String::new();
    let mut pending_or = false;
    for raw in q.split_whitespace() {
        if raw == "OR" {
            pending_or = !out.is_empty();
            continue;
        }
        let (negated, word) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        // `Kita-Plätze` searches for both parts, as PostgreSQL indexes them.
        for part in word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
        {
            if !out.is_empty() {
                out.push_str(if pending_or { " | " } else { " & " });
            }
            pending_or = false;
            if negated {
                out.push('!');
            }
            out.push_str(part);
            out.push_str(":*");
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `ts_rank` of a row against the terms from [`search_terms`].
fn rank_of(terms: &str) -> SearchExpression<Float> {
    Box::new(
        sql::<Float>("ts_rank(submissions.search, to_tsquery('german', ")
            .bind::<Text, _>(terms.to_string())
            .sql("))"),
    )
}

/// Whether a row matches the terms from [`search_terms`].
fn matches(terms: &str) -> SearchExpression<Bool> {
    Box::new(
        sql::<Bool>("submissions.search @@ to_tsquery('german', ")
            .bind::<Text, _>(terms.to_string())
            .sql(")"),
    )
}

fn filtered<'a>(
    consultation_id: Uuid,
    filter: &SubmissionFilter,
    viewer: Viewer,
) -> BoxedSubmissions<'a> {
    let mut query = visible(submissions::table.into_boxed(), viewer)
        .filter(submissions::consultation_id.eq(consultation_id));
    if let Some(round_id) = filter.round_id {
        query = query.filter(submissions::round_id.eq(round_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(submissions::kind.eq(kind));
    }
    if let Some(topic) = &filter.topic {
        query = query.filter(submissions::topic.eq(topic.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(submissions::status.eq(status));
    }
    if let Some(org) = filter.organisation_id {
        query = query.filter(submissions::organisation_id.eq(org));
    }
    if let Some(category) = filter.category {
        query = query.filter(
            submissions::organisation_id.eq_any(
                organisations::table
                    .filter(organisations::category.eq(category))
                    .select(organisations::id.nullable()),
            ),
        );
    }
    if let Some(region) = &filter.region {
        query = query.filter(
            submissions::organisation_id.eq_any(
                organisations::table
                    .filter(organisations::region.eq(region.clone()))
                    .select(organisations::id.nullable()),
            ),
        );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(submissions::updated_at.ge(since));
    }
    if let Some(q) = &filter.q {
        query = query.filter(matches(q));
    }
    query
}

/// One page of submissions: by creation order, or by rank when searching.
pub async fn list(
    conn: &mut AsyncPgConnection,
    consultation_id: Uuid,
    filter: &SubmissionFilter,
    viewer: Viewer,
    keyset: Keyset,
) -> ApiResult<Vec<Submission>> {
    let query = filtered(consultation_id, filter, viewer).limit(keyset.fetch());
    let rows: Vec<(SubmissionRow, Option<f32>)> = match &filter.q {
        None => {
            let mut query = query.order(submissions::id);
            if let Some(after) = keyset.after {
                query = query.filter(submissions::id.gt(after));
            }
            query
                .select(SubmissionRow::as_select())
                .load::<SubmissionRow>(conn)
                .await?
                .into_iter()
                .map(|row| (row, None))
                .collect()
        }
        Some(q) => {
            let mut query = query.order((rank_of(q).desc(), submissions::id));
            if let Some(after) = keyset.after {
                let rank = keyset.after_rank.unwrap_or(f32::MAX);
                query = query.filter(
                    rank_of(q)
                        .lt(rank)
                        .or(rank_of(q).eq(rank).and(submissions::id.gt(after))),
                );
            }
            query
                .select((SubmissionRow::as_select(), rank_of(q)))
                .load::<(SubmissionRow, f32)>(conn)
                .await?
                .into_iter()
                .map(|(row, rank)| (row, Some(rank)))
                .collect()
        }
    };
    Ok(views(conn, rows, viewer).await?)
}

impl Submission {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            id: self.id,
            rank: self.rank,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Editing, withdrawing, reviewing

/// Changes by the submitting organisation while the submission is `submitted`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionPatch {
    pub topic: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// Replaces the addressed needs (action approaches only).
    pub addresses: Option<Vec<Uuid>>,
    pub author_name: Option<String>,
    pub external_ref: Option<String>,
}

/// The submission a partner may change: its own organisation's, else 404 (when it cannot
/// see it) or 403 (when it can, e.g. another organisation's accepted one).
async fn own_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    caller: &Caller,
) -> ApiResult<SubmissionRow> {
    let row: SubmissionRow = submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .filter(|row| Viewer::of(caller).may_see(row))
        .ok_or_else(|| ApiError::not_found("submission"))?;
    match caller.partner_organisation() {
        Some(org) if row.organisation_id == Some(org) => Ok(row),
        _ => Err(ApiError::forbidden(
            "Only the submitting organisation may change or withdraw a submission.",
        )),
    }
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    caller: &Caller,
    if_match: IfMatch,
    patch: SubmissionPatch,
) -> ApiResult<Submission> {
    let viewer = Viewer::of(caller);
    let actor = caller.actor();
    let consultations = crate::db::schema::consultations::table;
    conn.transaction(async |conn| {
        let mut row = own_for_update(conn, id, caller).await?;
        if_match.check(row.version)?;
        if row.status != SubmissionStatus::Submitted {
            return Err(ApiError::conflict(
                "not_editable",
                format!(
                    "A submission can be changed while submitted, not when {}.",
                    row.status
                ),
            ));
        }
        let consultation: ConsultationRow = consultations
            .find(row.consultation_id)
            .select(ConsultationRow::as_select())
            .first(conn)
            .await?;
        let mut v = Violations::new();
        if let Some(topic) = patch.topic {
            v.check(
                consultation.has_topic(&topic),
                "topic",
                "is not a topic of this consultation",
            );
            row.topic = topic;
        }
        if let Some(title) = patch.title {
            row.title = title;
        }
        if let Some(body) = patch.body {
            row.body = body;
        }
        if let Some(author_name) = patch.author_name {
            row.author_name = Some(author_name);
        }
        if let Some(external_ref) = patch.external_ref {
            row.external_ref = Some(external_ref);
        }
        validate_text(&mut v, &row.title, &row.body);
        v.optional_text("author_name", row.author_name.as_deref(), 200);
        v.optional_text("external_ref", row.external_ref.as_deref(), 200);
        if let Some(addresses) = &patch.addresses {
            check_addresses(
                conn,
                &mut v,
                row.consultation_id,
                row.kind,
                addresses,
                viewer,
            )
            .await?;
        }
        v.into_result()?;
        row.version += 1;
        row.updated_at = Utc::now();
        diesel::update(submissions::table.find(id))
            .set(&row)
            .execute(conn)
            .await
            .map_err(duplicate_external_ref)?;
        if let Some(addresses) = patch.addresses {
            diesel::delete(
                submission_addresses::table.filter(submission_addresses::action_approach_id.eq(id)),
            )
            .execute(conn)
            .await?;
            let unique: Vec<Uuid> = addresses
                .into_iter()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            link_needs(conn, id, &unique).await?;
        }
        event::record(
            conn,
            Entity::Submission,
            id,
            Change {
                actor: &actor,
                action: "edited",
                from_status: Some(row.status.as_str()),
                to_status: Some(row.status.as_str()),
                ..Default::default()
            },
        )
        .await?;
        find_visible(conn, id, viewer).await
    })
    .await
}

/// Withdrawal by the submitting organisation, from `submitted` or `in_review`.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    caller: &Caller,
) -> ApiResult<Submission> {
    let viewer = Viewer::of(caller);
    let actor = caller.actor();
    conn.transaction(async |conn| {
        let row = own_for_update(conn, id, caller).await?;
        if !row.status.can_withdraw() {
            return Err(ApiError::invalid_transition(
                row.status.as_str(),
                "withdrawn",
            ));
        }
        diesel::update(submissions::table.find(id))
            .set((
                submissions::status.eq(SubmissionStatus::Withdrawn),
                submissions::version.eq(submissions::version + 1),
                submissions::updated_at.eq(Utc::now()),
            ))
            .execute(conn)
            .await?;
        event::record(
            conn,
            Entity::Submission,
            id,
            Change {
                actor: &actor,
                action: "withdrawn",
                from_status: Some(row.status.as_str()),
                to_status: Some("withdrawn"),
                ..Default::default()
            },
        )
        .await?;
        find_visible(conn, id, viewer).await
    })
    .await
}

/// A moderator's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `in_review`, `accepted`, `rejected` (needs `reason`) or `merged` (needs `duplicate_of`).
    pub status: SubmissionStatus,
    /// Required for `rejected` (≤ 2000).
    pub reason: Option<String>,
    /// Required for `merged`: another submission of the same consultation.
    pub duplicate_of: Option<Uuid>,
}

/// Applies a review as one conditional UPDATE, so of two concurrent reviews exactly one
/// finds the status it expects.
pub async fn review(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    review: Review,
    actor: &str,
) -> ApiResult<Submission> {
    let current = find_row(conn, id, Viewer::Staff).await?;
    let Some(required) = SubmissionStatus::review_source(review.status) else {
        return Err(ApiError::field(
            "status",
            "must be in_review, accepted, rejected or merged",
        ));
    };
    let mut v = Violations::new();
    if review.status == SubmissionStatus::Rejected {
        match &review.reason {
            Some(reason) => v.text("reason", reason, 1, 2000),
            None => v.add("reason", "is required to reject"),
        }
    } else {
        v.optional_text("reason", review.reason.as_deref(), 2000);
    }
    match (review.status, review.duplicate_of) {
        (SubmissionStatus::Merged, None) => v.add("duplicate_of", "is required to merge"),
        (SubmissionStatus::Merged, Some(dup)) if dup == id => {
            v.add("duplicate_of", "must be another submission")
        }
        (SubmissionStatus::Merged, Some(dup)) => {
            let target: Option<SubmissionStatus> = submissions::table
                .filter(submissions::id.eq(dup))
                .filter(submissions::consultation_id.eq(current.consultation_id))
                .select(submissions::status)
                .first(conn)
                .await
                .optional()?;
            match target {
                None => v.add("duplicate_of", "is not a submission of this consultation"),
                // A merge target must itself stand: this also rules out merge cycles.
                Some(
                    SubmissionStatus::Merged
                    | SubmissionStatus::Withdrawn
                    | SubmissionStatus::Rejected,
                ) => v.add(
                    "duplicate_of",
                    "must not be merged, withdrawn or rejected itself",
                ),
                Some(_) => {}
            }
        }
        (_, Some(_)) => v.add("duplicate_of", "is only for merged"),
        (_, None) => {}
    }
    v.into_result()?;
    conn.transaction(async |conn| {
        let changed = diesel::update(submissions::table.find(id))
            .filter(submissions::status.eq(required))
            .set((
                submissions::status.eq(review.status),
                submissions::decision_reason.eq(&review.reason),
                submissions::duplicate_of.eq(review.duplicate_of),
                submissions::version.eq(submissions::version + 1),
                submissions::updated_at.eq(Utc::now()),
            ))
            .execute(conn)
            .await?;
        if changed == 0 {
            let now: SubmissionStatus = submissions::table
                .find(id)
                .select(submissions::status)
                .first(conn)
                .await?;
            return Err(ApiError::invalid_transition(
                now.as_str(),
                review.status.as_str(),
            ));
        }
        event::record(
            conn,
            Entity::Submission,
            id,
            Change {
                actor,
                action: "reviewed",
                from_status: Some(required.as_str()),
                to_status: Some(review.status.as_str()),
                reason: review.reason.as_deref(),
            },
        )
        .await?;
        find_visible(conn, id, Viewer::Staff).await
    })
    .await
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    viewer: Viewer,
) -> ApiResult<Vec<event::Event>> {
    find_row(conn, id, viewer).await?;
    let mut events = event::history(conn, Entity::Submission, id).await?;
    if viewer != Viewer::Staff {
        // Who exactly acted (client ids, staff names) is for staff; others see the role.
        for event in &mut events {
            if let Some((role, _)) = event.actor.split_once(':') {
                event.actor = role.to_string();
            }
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn search_words_become_anded_prefixes() {
        assert_eq!(search_terms("Sprachkurs").as_deref(), Some("Sprachkurs:*"));
        assert_eq!(
            search_terms("Sprachkurs Kita -Halle").as_deref(),
            Some("Sprachkurs:* & Kita:* & !Halle:*")
        );
        assert_eq!(
            search_terms("Kita OR Schule").as_deref(),
            Some("Kita:* | Schule:*")
        );
        assert_eq!(search_terms("a':*|(b) & !").as_deref(), Some("a:* & b:*"));
        assert_eq!(
            search_terms("Kita-Plätze").as_deref(),
            Some("Kita:* & Plätze:*")
        );
        assert_eq!(search_terms(" ! & ( ) "), None);
    }
}

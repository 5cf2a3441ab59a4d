//! A submission as stored, and who may see which: the visibility rule applied in SQL and
//! the view a caller gets.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{
    Consideration, ConsideredResponse, NewSubmission, Submission, SubmissionKind, SubmissionSource,
    SubmissionStatus,
};
use crate::db::PreparedByText;
use crate::db::schema::submissions;
use crate::domain::page::Cursor;
use crate::domain::policy::{self, Party, SubmissionScope};
use crate::error::{AppError, AppResult};

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

    /// Whether a submission in this status stands, so that others may be merged into it.
    pub fn can_be_merge_target(self) -> bool {
        !matches!(self, Self::Merged | Self::Withdrawn | Self::Rejected)
    }
}

pub(super) type BoxedSubmissions<'a> = submissions::BoxedQuery<'a, Pg>;

/// The submissions `party` may see (see [`policy::submission_scope`]).
pub(super) fn visible<'a>(query: BoxedSubmissions<'a>, party: Party) -> BoxedSubmissions<'a> {
    match policy::submission_scope(party) {
        SubmissionScope::All => query,
        SubmissionScope::AcceptedOrOwn(org) => query.filter(
            submissions::status
                .eq(SubmissionStatus::Accepted)
                .or(submissions::organisation_id.eq(org)),
        ),
        SubmissionScope::Accepted => {
            query.filter(submissions::status.eq(SubmissionStatus::Accepted))
        }
    }
}

pub(super) fn may_see(party: Party, row: &SubmissionRow) -> bool {
    policy::submission_scope(party).includes(
        row.status == SubmissionStatus::Accepted,
        row.organisation_id,
    )
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
    pub number: String,
    pub response_consideration: Option<Consideration>,
    pub response_text: Option<String>,
    pub response_published_at: Option<DateTime<Utc>>,
}

pub(super) fn view(
    row: SubmissionRow,
    addresses: Vec<Uuid>,
    party: Party,
    rank: Option<f32>,
) -> Submission {
    let author_name = if policy::may_see_author(party, row.organisation_id) {
        row.author_name
    } else {
        None
    };
    let response = ConsideredResponse::of(
        row.response_consideration,
        row.response_text,
        row.response_published_at,
        party,
    );
    Submission {
        author_name,
        addresses,
        rank,
        response,
        id: row.id,
        number: row.number,
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

/// A value computed for each row of a submissions query.
pub(super) type Computed<T> = Box<dyn BoxableExpression<submissions::table, Pg, SqlType = T>>;

/// What a visibility rule is, as two parameters of a statement: whether it restricts at all,
/// and the organisation whose own submissions it lets through.
pub(super) fn scope_parameters(party: Party) -> (bool, Option<Uuid>) {
    match policy::submission_scope(party) {
        SubmissionScope::All => (false, None),
        SubmissionScope::AcceptedOrOwn(org) => (true, Some(org)),
        SubmissionScope::Accepted => (true, None),
    }
}

/// The needs a row addresses that `party` may see, as a column of the row's own query: the
/// ids of another organisation's non-public needs are not disclosed either.
pub(super) fn addressed_needs(party: Party) -> Computed<Array<SqlUuid>> {
    let (restricted, org) = scope_parameters(party);
    Box::new(
        sql::<Array<SqlUuid>>(
            "ARRAY(SELECT a.need_id FROM submission_addresses a \
             JOIN submissions n ON n.id = a.need_id \
             WHERE a.action_approach_id = submissions.id AND (NOT ",
        )
        .bind::<Bool, _>(restricted)
        .sql(" OR n.status = 'accepted' OR n.organisation_id = ")
        .bind::<Nullable<SqlUuid>, _>(org)
        .sql(") ORDER BY a.need_id)"),
    )
}

/// The submission a row duplicates, if `party` may see that one (else not disclosed). A
/// scalar subquery by primary key, asked only for rows that name a duplicate (an `EXISTS`
/// here is planned as a hash of every visible submission).
pub(super) fn visible_duplicate(party: Party) -> Computed<Nullable<SqlUuid>> {
    let (restricted, org) = scope_parameters(party);
    Box::new(
        sql::<Nullable<SqlUuid>>(
            "CASE WHEN submissions.duplicate_of IS NOT NULL THEN \
             (SELECT d.id FROM submissions d WHERE d.id = submissions.duplicate_of AND (NOT ",
        )
        .bind::<Bool, _>(restricted)
        .sql(" OR d.status = 'accepted' OR d.organisation_id = ")
        .bind::<Nullable<SqlUuid>, _>(org)
        .sql(")) END"),
    )
}

/// A row with what `party` may see of its neighbours, as one statement reads it.
pub(super) type Seen = (SubmissionRow, Vec<Uuid>, Option<Uuid>);

/// The view of a row read with [`addressed_needs`] and [`visible_duplicate`].
pub(super) fn view_of(
    (mut row, needs, duplicate_of): Seen,
    party: Party,
    rank: Option<f32>,
) -> Submission {
    row.duplicate_of = duplicate_of;
    view(row, needs, party, rank)
}

/// A submission as `party` may see it; 404 when it may not (its existence is not disclosed).
/// One statement: the row under the visibility rule, with the needs it addresses.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    party: Party,
) -> AppResult<Submission> {
    let found: Seen = visible(submissions::table.into_boxed(), party)
        .filter(submissions::id.eq(id))
        .select((
            SubmissionRow::as_select(),
            addressed_needs(party),
            visible_duplicate(party),
        ))
        .by_text()
        .get_result(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("submission"))?;
    Ok(view_of(found, party, None))
}

pub(super) async fn find_row(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    party: Party,
) -> AppResult<SubmissionRow> {
    visible(submissions::table.into_boxed(), party)
        .filter(submissions::id.eq(id))
        .select(SubmissionRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("submission"))
}

impl SubmissionRow {
    /// A new submission as it is first stored: `submitted`, version 1.
    pub(in crate::domain) fn submitted(
        id: Uuid,
        consultation_id: Uuid,
        number: String,
        (organisation_id, source): (Option<Uuid>, SubmissionSource),
        new: NewSubmission,
    ) -> Self {
        Self {
            id,
            consultation_id,
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
            // Stamped by the database (trigger `stamp_change`).
            created_at: Utc::now(),
            updated_at: Utc::now(),
            number,
            response_consideration: None,
            response_text: None,
            response_published_at: None,
        }
    }
}

impl Submission {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            id: self.id,
            rank: self.rank,
            watermark: None,
        }
    }
}

impl ConsideredResponse {
    /// The response of a stored submission, as `party` may see it.
    pub fn of(
        consideration: Option<Consideration>,
        text: Option<String>,
        published_at: Option<DateTime<Utc>>,
        party: Party,
    ) -> Option<Self> {
        let response = Self {
            consideration: consideration?,
            text: text?,
            published_at,
        };
        (published_at.is_some() || policy::may_see_draft_response(party)).then_some(response)
    }
}

//! Submissions (Beiträge): needs (Bedarfe), action approaches (Handlungsansätze) that answer
//! them, and statements; who may see them, edit them, and how moderators decide on them.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Float, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::category::Category;
use super::consultation::{self, ConsultationRow, ConsultationStatus};
use super::event::{self, Change, Entity};
use super::idempotency::{self, IdempotencyKey, Outcome, PendingWrite, Prepared, StoredResponse};
use super::page::{self, Cursor, Keyset};
use super::policy::{self, Action, Audience, Party, SubmissionScope};
use super::precondition::{Precondition, tag};
use super::response::{Consideration, ConsideredResponse};
use super::validate::{Violations, normalise_email};
use super::webhook::{self, EventType};
use super::{organisation, round};
use crate::base::Caller;
use crate::db::PreparedByText;
use crate::db::schema::{organisations, submission_addresses, submissions};
use crate::error::{AppError, AppResult};

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

    /// Whether a submission in this status stands, so that others may be merged into it.
    pub fn can_be_merge_target(self) -> bool {
        !matches!(self, Self::Merged | Self::Withdrawn | Self::Rejected)
    }
}

type BoxedSubmissions<'a> = submissions::BoxedQuery<'a, Pg>;

/// The submissions `party` may see (see [`policy::submission_scope`]).
fn visible<'a>(query: BoxedSubmissions<'a>, party: Party) -> BoxedSubmissions<'a> {
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

fn may_see(party: Party, row: &SubmissionRow) -> bool {
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

/// A submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    pub id: Uuid,
    /// Short reference, unique in the consultation, in creation order.
    #[schema(example = "ISA-0042", max_length = 20)]
    pub number: String,
    pub consultation_id: Uuid,
    pub round_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// Shown to staff and the submitting organisation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub author_name: Option<String>,
    pub kind: SubmissionKind,
    #[schema(example = "sprache", max_length = 50)]
    pub topic: String,
    #[schema(example = "Mehr Sprachkurse mit Kinderbetreuung", max_length = 300)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: String,
    /// The needs this action approach answers.
    #[schema(max_items = 100)]
    pub addresses: Vec<Uuid>,
    pub status: SubmissionStatus,
    #[schema(max_length = 2000)]
    pub decision_reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
    /// The partner's own id for it, unique per organisation.
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
    pub source: SubmissionSource,
    /// The ministry's considered response: shown once published, and to staff as a draft.
    pub response: Option<ConsideredResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Present when the list was searched with `q`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<f32>,
    #[serde(skip)]
    pub version: i32,
}

fn view(row: SubmissionRow, addresses: Vec<Uuid>, party: Party, rank: Option<f32>) -> Submission {
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
type Computed<T> = Box<dyn BoxableExpression<submissions::table, Pg, SqlType = T>>;

/// What a visibility rule is, as two parameters of a statement: whether it restricts at all,
/// and the organisation whose own submissions it lets through.
fn scope_parameters(party: Party) -> (bool, Option<Uuid>) {
    match policy::submission_scope(party) {
        SubmissionScope::All => (false, None),
        SubmissionScope::AcceptedOrOwn(org) => (true, Some(org)),
        SubmissionScope::Accepted => (true, None),
    }
}

/// The needs a row addresses that `party` may see, as a column of the row's own query: the
/// ids of another organisation's non-public needs are not disclosed either.
fn addressed_needs(party: Party) -> Computed<Array<SqlUuid>> {
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
fn visible_duplicate(party: Party) -> Computed<Nullable<SqlUuid>> {
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
type Seen = (SubmissionRow, Vec<Uuid>, Option<Uuid>);

/// The view of a row read with [`addressed_needs`] and [`visible_duplicate`].
fn view_of((mut row, needs, duplicate_of): Seen, party: Party, rank: Option<f32>) -> Submission {
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

async fn find_row(
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

// ---------------------------------------------------------------------------------------
// Creating

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    pub kind: SubmissionKind,
    /// One of the consultation's topic keys.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub topic: String,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: String,
    /// 1–20000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub body: String,
    /// For `action_approach` only: ids of needs of the same consultation (at least one).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub addresses: Vec<Uuid>,
    /// The round it came from; its submission window must be open.
    pub round_id: Option<Uuid>,
    /// A partner's own organisation (the default); staff may name any.
    pub organisation_id: Option<Uuid>,
    /// ≤ 200 characters; personal data.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub author_name: Option<String>,
    /// ≤ 254 characters; personal data, never shown to other organisations.
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x1f\x7f-\x9f@.][^\s\x00-\x1f\x7f-\x9f@]*\.[^\s\x00-\x1f\x7f-\x9f@]*[^\s\x00-\x1f\x7f-\x9f@.]\s*$"
    )]
    pub author_email: Option<String>,
    /// The partner's own id, unique per organisation (≤ 200).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub external_ref: Option<String>,
    /// `api` for partners (the default), `staff` (default) or `conference` for staff.
    pub source: Option<SubmissionSource>,
}

fn validate_text(v: &mut Violations, title: &str, body: &str) {
    v.text("title", title, 1, 300);
    v.text("body", body, 1, 20000);
}

/// Most needs one action approach may address.
pub const MAX_ADDRESSES: usize = 100;

/// Checks that `addresses` fit `kind` and name needs of the consultation that the caller
/// can see (so that the answer reveals nothing about needs it cannot see); returns them
/// without repetitions, in id order (the order they are shown in).
async fn check_addresses(
    conn: &mut AsyncPgConnection,
    v: &mut Violations,
    consultation_id: Uuid,
    kind: SubmissionKind,
    addresses: &[Uuid],
    party: Party,
) -> AppResult<Vec<Uuid>> {
    if kind != SubmissionKind::ActionApproach {
        v.check(
            addresses.is_empty(),
            "addresses",
            "only action approaches address needs",
        );
        return Ok(Vec::new());
    }
    let wanted: BTreeSet<Uuid> = addresses.iter().copied().collect();
    if wanted.is_empty() {
        v.add(
            "addresses",
            "an action approach must address at least one need",
        );
        return Ok(Vec::new());
    }
    if wanted.len() > MAX_ADDRESSES {
        v.add(
            "addresses",
            format!("must not name more than {MAX_ADDRESSES} needs"),
        );
        return Ok(Vec::new());
    }
    let found: Vec<Uuid> = visible(submissions::table.into_boxed(), party)
        .filter(submissions::id.eq_any(wanted.iter().copied().collect::<Vec<_>>()))
        .filter(submissions::consultation_id.eq(consultation_id))
        .filter(submissions::kind.eq(SubmissionKind::Need))
        .select(submissions::id)
        .load(conn)
        .await?;
    for (i, id) in addresses.iter().enumerate() {
        if !found.contains(id) {
            v.add_about_state(
                &format!("addresses[{i}]"),
                "is not a need of this consultation",
            );
        }
    }
    Ok(wanted.into_iter().collect())
}

pub(super) fn duplicate_external_ref(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::conflict(
            "duplicate_external_ref",
            "This organisation already has a submission with this external_ref.",
        ),
        other => other.into(),
    }
}

fn submissions_closed(detail: &str) -> AppError {
    AppError::conflict("submissions_closed", detail)
}

/// Creates a submission in a consultation (by id or slug) for the caller, once per
/// idempotency key. The consultation and the round are held in the writing transaction, so a
/// submission never lands after the consultation is closed or the round's window changed.
/// Statements that need no answer of one another are sent together: a partner's need takes
/// three round trips besides `BEGIN` and `COMMIT`; a round, addressed needs or a webhook
/// subscription that hears of it add one each.
pub async fn create(
    conn: &mut AsyncPgConnection,
    consultation_ref: &str,
    new: NewSubmission,
    caller: &Caller,
    key: Option<&IdempotencyKey>,
) -> AppResult<Outcome> {
    let party = policy::authorize(caller, Action::Submit)?;
    let actor = caller.actor();
    conn.transaction(async |conn| {
        let shared: &AsyncPgConnection = conn;
        let (consultation, held, now) = futures_util::try_join!(
            consultation::hold(
                shared,
                consultation_ref,
                policy::permits(party, Action::ReadDrafts),
            ),
            idempotency::hold(shared, key),
            async { Ok(crate::db::transaction_time(shared).await?) },
        )?;
        let claim = match idempotency::for_target(held, consultation.id)? {
            Ok(claim) => claim,
            Err(stored) => return Ok(stored),
        };
        let prepared = prepare(conn, &consultation, new, party, &actor, now).await;
        idempotency::settle_prepared(conn, claim, prepared).await
    })
    .await
}

/// Who a new submission is for and how it came in: a partner's own organisation via the
/// API; staff name any organisation (or none) and record `staff` or `conference` input.
async fn origin(
    conn: &mut AsyncPgConnection,
    v: &mut Violations,
    new: &NewSubmission,
    party: Party,
) -> AppResult<(Option<Uuid>, SubmissionSource)> {
    if !policy::permits(party, Action::RecordForOthers) {
        let own = party.organisation();
        if new.organisation_id.is_some() && new.organisation_id != own {
            return Err(AppError::forbidden(
                "A partner submits for its own organisation only.",
            ));
        }
        if new.source.is_some_and(|s| s != SubmissionSource::Api) {
            v.add("source", "partners submit with source api");
        }
        return Ok((own, SubmissionSource::Api));
    }
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
        v.add_about_state("organisation_id", "is not a known organisation");
    }
    Ok((new.organisation_id, source))
}

/// Whether submissions are accepted now: the consultation `open` and, with a round, the
/// round's window open. Read from rows held by the calling transaction.
pub(super) fn check_open(
    consultation: &ConsultationRow,
    round: Option<&round::RoundRow>,
) -> AppResult<()> {
    if consultation.status != ConsultationStatus::Open {
        return Err(submissions_closed(
            "The consultation is not open for submissions.",
        ));
    }
    if let Some(round) = round
        && !round.submissions_open(Utc::now())
    {
        return Err(submissions_closed(
            "The round's submission window is not open.",
        ));
    }
    Ok(())
}

/// Checks the fields of a new submission that need no query beyond the consultation, and
/// writes the email as it is stored.
pub(super) fn check_fields(
    v: &mut Violations,
    consultation: &ConsultationRow,
    new: &mut NewSubmission,
) {
    validate_text(v, &new.title, &new.body);
    if !consultation.has_topic(&new.topic) {
        v.add_about_state("topic", "is not a topic of this consultation");
    }
    v.optional_text("author_name", new.author_name.as_deref(), 200);
    if let Some(email) = &new.author_email {
        v.email("author_email", email);
    }
    new.author_email = new.author_email.as_deref().map(normalise_email);
    v.optional_text("external_ref", new.external_ref.as_deref(), 200);
}

impl SubmissionRow {
    /// A new submission as it is first stored: `submitted`, version 1.
    pub(super) fn submitted(
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

/// A new submission, checked and numbered, still to be written.
struct NewRow {
    row: SubmissionRow,
    addresses: Vec<Uuid>,
}

impl PendingWrite for NewRow {
    /// The row and the needs it addresses, sent together.
    async fn write(&self, conn: &AsyncPgConnection) -> AppResult<()> {
        let mut inserting = conn;
        let insert = async {
            diesel::insert_into(submissions::table)
                .values(&self.row)
                .by_text()
                .execute(&mut inserting)
                .await
                .map_err(duplicate_external_ref)
        };
        let link = async { Ok(link_needs(conn, self.row.id, &self.addresses).await?) };
        futures_util::try_join!(insert, link).map(drop)
    }
}

/// Checks a new submission, records its event and webhooks, and takes its number; refusals
/// of the request itself come before any write. `now` is the transaction's start, which the
/// database stamps on the row.
async fn prepare(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    mut new: NewSubmission,
    party: Party,
    actor: &str,
    now: DateTime<Utc>,
) -> AppResult<Prepared<NewRow>> {
    let mut v = Violations::new();
    let (organisation_id, source) = origin(conn, &mut v, &new, party).await?;
    check_fields(&mut v, consultation, &mut new);
    let round = match new.round_id {
        Some(round_id) => {
            let found = round::hold(conn, round_id, consultation.id).await?;
            if found.is_none() {
                v.add_about_state("round_id", "is not a round of this consultation");
            }
            found
        }
        None => None,
    };
    let addresses = check_addresses(
        conn,
        &mut v,
        consultation.id,
        new.kind,
        &new.addresses,
        party,
    )
    .await?;
    v.into_result()?;
    check_open(consultation, round.as_ref())?;
    let mut row = SubmissionRow::submitted(
        Uuid::now_v7(),
        consultation.id,
        String::new(),
        (organisation_id, source),
        new,
    );
    (row.created_at, row.updated_at) = (now, now);
    // The consultation's counter row, which every new submission of the consultation waits
    // for, is taken last, in the same pipeline as the event: it is then held for the row and
    // its stored response (and the webhook messages, when a subscription hears of it).
    let shared: &AsyncPgConnection = conn;
    let created = Change {
        actor,
        action: "created",
        to_status: Some(SubmissionStatus::Submitted.as_str()),
        ..Default::default()
    };
    let ((), (), mut numbers) = futures_util::try_join!(
        event::record(shared, Entity::Submission, row.id, created),
        announce(shared, EventType::SubmissionCreated, &row, row.status, None),
        next_numbers(shared, consultation, 1),
    )?;
    row.number = numbers.remove(0);
    let email = row.author_email.clone();
    // The addresses were checked to be needs the caller sees: the view needs no re-read.
    let view = view(row.clone(), addresses.clone(), party, None);
    let response = StoredResponse::created(format!("/api/v1/submissions/{}", view.id), &view)?
        .naming(email.as_deref());
    Ok(Prepared {
        pending: NewRow { row, addresses },
        response,
    })
}

async fn link_needs(
    mut conn: &AsyncPgConnection,
    approach: Uuid,
    needs: &[Uuid],
) -> QueryResult<()> {
    if needs.is_empty() {
        return Ok(());
    }
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
        .execute(&mut conn)
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
    pub external_ref: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// German full-text search over title and body, as produced by [`search_terms`].
    pub q: Option<Search>,
}

/// Most words one search may have: each is a prefix match over the index.
pub const MAX_SEARCH_TERMS: usize = 8;
/// Shortest word searched for: a one-letter prefix matches nearly every row.
pub const MIN_SEARCH_TERM_CHARS: usize = 2;
/// Longest search text.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Turns what a user types into a `to_tsquery` expression: every word becomes a German-
/// stemmed prefix (the stemmer alone maps `Sprachkurs` to `sprachkur` but `Sprachkurse` to
/// `sprachkurs`; as a prefix the first finds the second), words are ANDed, `OR` between two
/// words ORs them and a leading `-` excludes a word. Bounded, so that no search is costly:
/// words shorter than [`MIN_SEARCH_TERM_CHARS`] are left out, and only the first
/// [`MAX_SEARCH_TERMS`] words count. `Search::Nothing` when no word is left (it finds
/// nothing), `None` for a blank text; a text over [`MAX_SEARCH_CHARS`] is refused (400).
pub fn search_terms(q: &str) -> AppResult<Option<Search>> {
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::invalid_parameter(
            "q",
            format!("must not be longer than {MAX_SEARCH_CHARS} characters"),
        ));
    }
    if q.contains('\0') {
        return Err(AppError::invalid_parameter("q", "must not contain NUL"));
    }
    if q.trim().is_empty() {
        return Ok(None);
    }
    if let Some(number) = as_number(q.trim()) {
        return Ok(Some(Search::Number(number)));
    }
    let mut out = String::new();
    let mut terms = 0;
    let mut pending_or = false;
    'words: for raw in q.split_whitespace() {
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
            .filter(|p| p.chars().count() >= MIN_SEARCH_TERM_CHARS)
        {
            if terms == MAX_SEARCH_TERMS {
                break 'words;
            }
            terms += 1;
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
    Ok(Some(if out.is_empty() {
        Search::Nothing
    } else {
        Search::Terms(out)
    }))
}

/// A submission number as searched for (`ITK-0042`, `ITK-42`), written as it is stored.
/// The prefix is in capitals as numbers are written, so that `Covid-19` stays a word.
pub(super) fn as_number(q: &str) -> Option<String> {
    let (prefix, digits) = q.split_once('-')?;
    let prefix_ok = prefix.len() <= 10
        && prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let n: u32 = digits.parse().ok().filter(|_| digits.len() <= 9)?;
    prefix_ok.then(|| format!("{prefix}-{n:04}"))
}

/// A search, as [`search_terms`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// A submission number: finds that submission.
    Number(String),
    /// A `to_tsquery` expression.
    Terms(String),
    /// No word to search for: nothing is found.
    Nothing,
}

/// `ts_rank` of a row against the terms from [`search_terms`].
fn rank_of(terms: &str) -> Computed<Float> {
    Box::new(
        sql::<Float>("ts_rank(submissions.search, to_tsquery('german', ")
            .bind::<Text, _>(terms.to_string())
            .sql("))"),
    )
}

/// Whether a row matches the terms from [`search_terms`].
fn matches(terms: &str) -> Computed<Bool> {
    Box::new(
        sql::<Bool>("submissions.search @@ to_tsquery('german', ")
            .bind::<Text, _>(terms.to_string())
            .sql(")"),
    )
}

fn filtered<'a>(
    consultation: consultation::VisibleId<'a>,
    filter: &SubmissionFilter,
    party: Party,
) -> BoxedSubmissions<'a> {
    let mut query = visible(submissions::table.into_boxed(), party)
        .filter(submissions::consultation_id.eq_any(consultation));
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
    if let Some(external_ref) = &filter.external_ref {
        query = query.filter(submissions::external_ref.eq(external_ref.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(submissions::updated_at.ge(since));
    }
    match &filter.q {
        Some(Search::Number(number)) => {
            query = query.filter(submissions::number.eq(number.clone()))
        }
        Some(Search::Terms(terms)) => query = query.filter(matches(terms)),
        Some(Search::Nothing) => query = query.filter(diesel::dsl::sql::<Bool>("false")),
        None => {}
    }
    query
}

/// How long an anonymous search may hold a database connection.
pub const ANONYMOUS_SEARCH_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// A page of the submissions of the consultation `consultation` names (id or slug) that
/// `party` may see, by creation order or by rank when searching, with the listing's sync
/// watermark. The watermark (first page only) and the page are sent together and run in
/// that order, each in its own snapshot, as the watermark requires: one round trip. Only an
/// empty page asks whether the consultation is there at all (404 if not). An anonymous
/// search holds its connection at most [`ANONYMOUS_SEARCH_BUDGET`] (503 beyond): anyone can
/// send one, and a costly one must not tie up the pool.
pub async fn list(
    conn: &mut AsyncPgConnection,
    consultation: &str,
    filter: &SubmissionFilter,
    party: Party,
    keyset: Keyset,
) -> AppResult<(Vec<Submission>, DateTime<Utc>)> {
    let include_drafts = policy::permits(party, Action::ReadDrafts);
    let of = || consultation::visible_id(consultation, include_drafts);
    let (watermark, rows) = if filter.q.is_none() || party != Party::Anonymous {
        let shared: &AsyncPgConnection = conn;
        match keyset.watermark {
            Some(watermark) => (
                watermark,
                load_page(&mut &*shared, of(), filter, party, keyset).await?,
            ),
            None => {
                let (mut first, mut second) = (shared, shared);
                futures_util::try_join!(
                    page::sync_watermark_on(&mut first),
                    load_page(&mut second, of(), filter, party, keyset)
                )?
            }
        }
    } else {
        let watermark = match keyset.watermark {
            Some(watermark) => watermark,
            None => page::sync_watermark(conn).await?,
        };
        let rows = conn
            .transaction(async |conn| {
                set_local_timeout(conn, ANONYMOUS_SEARCH_BUDGET).await?;
                load_page(&mut &*conn, of(), filter, party, keyset).await
            })
            .await?;
        (watermark, rows)
    };
    if rows.is_empty() {
        consultation::find_visible(conn, consultation, include_drafts).await?;
    }
    let items = rows
        .into_iter()
        .map(|(seen, rank)| view_of(seen, party, rank))
        .collect();
    Ok((items, watermark))
}

/// Bounds every following statement of the transaction to `budget` (at least 1 ms).
async fn set_local_timeout(
    conn: &mut AsyncPgConnection,
    budget: std::time::Duration,
) -> QueryResult<()> {
    let ms = budget.as_millis().max(1);
    diesel::sql_query(format!("SET LOCAL statement_timeout = {ms}"))
        .execute(conn)
        .await
        .map(drop)
}

/// One statement: the page's rows with the needs they address (see [`addressed_needs`]).
async fn load_page(
    conn: &mut &AsyncPgConnection,
    consultation: consultation::VisibleId<'_>,
    filter: &SubmissionFilter,
    party: Party,
    keyset: Keyset,
) -> QueryResult<Vec<(Seen, Option<f32>)>> {
    let query = filtered(consultation, filter, party).limit(keyset.fetch());
    let rows: Vec<(Seen, Option<f32>)> = match &filter.q {
        None | Some(Search::Nothing) | Some(Search::Number(_)) => {
            let mut query = query.order(submissions::id);
            if let Some(after) = keyset.after {
                query = query.filter(submissions::id.gt(after));
            }
            query
                .select((
                    SubmissionRow::as_select(),
                    addressed_needs(party),
                    visible_duplicate(party),
                ))
                .by_text()
                .load::<Seen>(conn)
                .await?
                .into_iter()
                .map(|seen| (seen, None))
                .collect()
        }
        Some(Search::Terms(q)) => {
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
                .select((
                    SubmissionRow::as_select(),
                    addressed_needs(party),
                    visible_duplicate(party),
                    rank_of(q),
                ))
                .by_text()
                .load::<(SubmissionRow, Vec<Uuid>, Option<Uuid>, f32)>(conn)
                .await?
                .into_iter()
                .map(|(row, needs, duplicate_of, rank)| ((row, needs, duplicate_of), Some(rank)))
                .collect()
        }
    };
    Ok(rows)
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

// ---------------------------------------------------------------------------------------
// Editing, withdrawing, reviewing

/// Changes by the submitting organisation while the submission is `submitted`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionPatch {
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub topic: Option<String>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub body: Option<String>,
    /// Replaces the addressed needs (action approaches only).
    #[schema(max_items = 100)]
    pub addresses: Option<Vec<Uuid>>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub author_name: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub external_ref: Option<String>,
}

/// The next `count` numbers of a consultation, in creation order. The counter row stays locked
/// until the transaction ends, so concurrent submissions wait for each other here, at the
/// end of their work, and no number is given twice (a rolled-back one is given again).
pub(super) async fn next_numbers(
    mut conn: &AsyncPgConnection,
    consultation: &ConsultationRow,
    count: i32,
) -> QueryResult<Vec<String>> {
    use crate::db::schema::submission_counters::dsl::*;
    let last: i32 = diesel::insert_into(submission_counters)
        .values((consultation_id.eq(consultation.id), last_number.eq(count)))
        .on_conflict(consultation_id)
        .do_update()
        .set(last_number.eq(last_number + count))
        .returning(last_number)
        .by_text()
        .get_result(&mut conn)
        .await?;
    Ok((last - count + 1..=last)
        .map(|number| format!("{}-{number:04}", consultation.number_prefix))
        .collect())
}

/// Tells webhook subscribers (admins, and the submitting organisation) about a change of
/// a submission, in the transaction of the change.
async fn announce(
    conn: &AsyncPgConnection,
    kind: EventType,
    row: &SubmissionRow,
    status: SubmissionStatus,
    previous_status: Option<SubmissionStatus>,
) -> QueryResult<()> {
    webhook::publish(conn, webhook_event(kind, row, status, previous_status)).await
}

/// The webhook event about a change of a submission: who may receive it, and the thin
/// payload (ids and statuses; the receiver fetches the rest with its own rights).
pub(super) fn webhook_event(
    kind: EventType,
    row: &SubmissionRow,
    status: SubmissionStatus,
    previous_status: Option<SubmissionStatus>,
) -> webhook::Event {
    #[derive(Serialize)]
    struct Data<'a> {
        id: Uuid,
        consultation_id: Uuid,
        organisation_id: Option<Uuid>,
        kind: SubmissionKind,
        status: SubmissionStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_status: Option<SubmissionStatus>,
        external_ref: Option<&'a str>,
    }
    webhook::Event {
        kind,
        audience: Audience {
            organisation: row.organisation_id,
            public: false,
        },
        subject_id: row.id,
        data: webhook::thin(Data {
            id: row.id,
            consultation_id: row.consultation_id,
            organisation_id: row.organisation_id,
            kind: row.kind,
            status,
            previous_status,
            external_ref: row.external_ref.as_deref(),
        }),
    }
}

/// The submission a partner may change, locked: its own organisation's, else 404 (when it
/// cannot see it) or 403 (when it can, e.g. another organisation's accepted one).
async fn own_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    party: Party,
) -> AppResult<SubmissionRow> {
    let row: SubmissionRow = submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .filter(|row| may_see(party, row))
        .ok_or_else(|| AppError::not_found("submission"))?;
    if policy::may_change_submission(party, row.organisation_id) {
        Ok(row)
    } else {
        Err(AppError::forbidden(
            "Only the submitting organisation may change or withdraw a submission.",
        ))
    }
}

/// Marks the action approaches addressing need `id` as changed: whether the need is public
/// decides which of their `addresses` others see, so a syncing client must see them again.
async fn touch_approaches_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(
        submissions::table.filter(
            submissions::id.eq_any(
                submission_addresses::table
                    .filter(submission_addresses::need_id.eq(id))
                    .select(submission_addresses::action_approach_id),
            ),
        ),
    )
    .set(submissions::version.eq(submissions::version))
    .execute(conn)
    .await
    .map(drop)
}

/// How many submissions are merged into `id`. A merge target must stand: it is not
/// withdrawn, rejected or merged itself while others point at it. Call with `id` locked.
async fn merged_into(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<i64> {
    submissions::table
        .filter(submissions::duplicate_of.eq(id))
        .filter(submissions::status.eq(SubmissionStatus::Merged))
        .count()
        .get_result(conn)
        .await
}

fn is_merge_target(count: i64) -> AppError {
    AppError::conflict(
        "merge_target",
        format!("{count} submission(s) are merged into this one; it must stand."),
    )
}

/// Changes by the submitting organisation while the submission is `submitted` and the
/// consultation (and the round's window) open, all checked in the writing transaction.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    caller: &Caller,
    precondition: Precondition,
    patch: SubmissionPatch,
) -> AppResult<Submission> {
    let party = policy::authorize(caller, Action::Submit)?;
    let actor = caller.actor();
    conn.transaction(async |conn| {
        let mut row = own_for_update(conn, id, party).await?;
        let current = tag(row.version);
        if row.status != SubmissionStatus::Submitted {
            return Err(AppError::conflict(
                "not_editable",
                format!(
                    "A submission can be changed while submitted, not when {}.",
                    row.status
                ),
            ));
        }
        let consultation = consultation::hold(conn, &row.consultation_id.to_string(), true).await?;
        let round = match row.round_id {
            Some(round_id) => round::hold(conn, round_id, row.consultation_id).await?,
            None => None,
        };
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
        let addresses = match &patch.addresses {
            Some(addresses) => Some(
                check_addresses(
                    conn,
                    &mut v,
                    row.consultation_id,
                    row.kind,
                    addresses,
                    party,
                )
                .await?,
            ),
            None => None,
        };
        v.into_result()?;
        // An invalid request is refused as such, whatever its precondition (RFC 9110 13.2.1).
        precondition.check(&current)?;
        check_open(&consultation, round.as_ref())?;
        row.version += 1;
        diesel::update(submissions::table.find(id))
            .set(&row)
            .execute(conn)
            .await
            .map_err(duplicate_external_ref)?;
        if let Some(addresses) = addresses {
            diesel::delete(
                submission_addresses::table.filter(submission_addresses::action_approach_id.eq(id)),
            )
            .execute(conn)
            .await?;
            link_needs(conn, id, &addresses).await?;
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
        announce(conn, EventType::SubmissionUpdated, &row, row.status, None).await?;
        find_visible(conn, id, party).await
    })
    .await
}

/// Withdrawal by the submitting organisation, from `submitted` or `in_review`, unless other
/// submissions are merged into it.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    caller: &Caller,
) -> AppResult<Submission> {
    let party = policy::authorize(caller, Action::Submit)?;
    let actor = caller.actor();
    conn.transaction(async |conn| {
        let row = own_for_update(conn, id, party).await?;
        if !row.status.can_withdraw() {
            return Err(AppError::invalid_transition(
                row.status.as_str(),
                "withdrawn",
            ));
        }
        let merged = merged_into(conn, id).await?;
        if merged > 0 {
            return Err(is_merge_target(merged));
        }
        diesel::update(submissions::table.find(id))
            .set((
                submissions::status.eq(SubmissionStatus::Withdrawn),
                submissions::version.eq(submissions::version + 1),
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
        announce(
            conn,
            EventType::SubmissionStatusChanged,
            &row,
            SubmissionStatus::Withdrawn,
            Some(row.status),
        )
        .await?;
        find_visible(conn, id, party).await
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
    #[schema(max_length = 2000, min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: Option<String>,
    /// Required for `merged`: another submission of the same consultation that stands
    /// (not merged, withdrawn or rejected).
    pub duplicate_of: Option<Uuid>,
}

impl Review {
    /// The checks that need no database: the status a decision needs, reason, target.
    fn validate(&self, id: Uuid) -> AppResult<SubmissionStatus> {
        let Some(required) = SubmissionStatus::review_source(self.status) else {
            return Err(AppError::field(
                "status",
                "must be in_review, accepted, rejected or merged",
            ));
        };
        let mut v = Violations::new();
        if self.status == SubmissionStatus::Rejected {
            match &self.reason {
                Some(reason) => v.text("reason", reason, 1, 2000),
                None => v.add("reason", "is required to reject"),
            }
        } else {
            v.optional_text("reason", self.reason.as_deref(), 2000);
        }
        match (self.status, self.duplicate_of) {
            (SubmissionStatus::Merged, None) => v.add("duplicate_of", "is required to merge"),
            (SubmissionStatus::Merged, Some(dup)) if dup == id => {
                v.add("duplicate_of", "must be another submission")
            }
            (SubmissionStatus::Merged, Some(_)) | (_, None) => {}
            (_, Some(_)) => v.add("duplicate_of", "is only for merged"),
        }
        v.into_result().map(|()| required)
    }
}

/// Applies a review. The submission and its merge target are locked in id order in the
/// deciding transaction, so two crossing merges (A into B, B into A) or a merge racing the
/// target's withdrawal cannot both succeed: the second sees the first's outcome.
pub async fn review(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    review: Review,
    actor: &str,
) -> AppResult<Submission> {
    let required = review.validate(id)?;
    conn.transaction(async |conn| {
        let locked: Vec<SubmissionRow> = submissions::table
            .filter(submissions::id.eq_any([Some(id), review.duplicate_of].into_iter().flatten()))
            .order(submissions::id)
            .select(SubmissionRow::as_select())
            .for_update()
            .load(conn)
            .await?;
        let current = locked
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::not_found("submission"))?;
        if current.status != required {
            return Err(AppError::invalid_transition(
                current.status.as_str(),
                review.status.as_str(),
            ));
        }
        if let Some(dup) = review.duplicate_of {
            match locked.iter().find(|r| r.id == dup) {
                Some(target) if target.consultation_id != current.consultation_id => {
                    return Err(AppError::field(
                        "duplicate_of",
                        "is not a submission of this consultation",
                    ));
                }
                None => {
                    return Err(AppError::field(
                        "duplicate_of",
                        "is not a submission of this consultation",
                    ));
                }
                Some(target) if !target.status.can_be_merge_target() => {
                    return Err(AppError::field(
                        "duplicate_of",
                        "must not be merged, withdrawn or rejected itself",
                    ));
                }
                Some(target) if target.kind != current.kind => {
                    return Err(AppError::field(
                        "duplicate_of",
                        "must be a submission of the same kind",
                    ));
                }
                Some(_) => {}
            }
        }
        if !review.status.can_be_merge_target() {
            let merged = merged_into(conn, id).await?;
            if merged > 0 {
                return Err(is_merge_target(merged));
            }
        }
        diesel::update(submissions::table.find(id))
            .set((
                submissions::status.eq(review.status),
                submissions::decision_reason.eq(&review.reason),
                submissions::duplicate_of.eq(review.duplicate_of),
                submissions::version.eq(submissions::version + 1),
            ))
            .execute(conn)
            .await?;
        touch_approaches_of(conn, id).await?;
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
        announce(
            conn,
            EventType::SubmissionStatusChanged,
            current,
            review.status,
            Some(required),
        )
        .await?;
        find_visible(conn, id, Party::Admin).await
    })
    .await
}

/// The events of a submission the caller may see it; who exactly acted only for staff.
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    party: Party,
) -> AppResult<Vec<event::Event>> {
    find_row(conn, id, party).await?;
    let events = event::history(conn, Entity::Submission, id).await?;
    Ok(event::as_seen_by(events, party))
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    use super::Search;

    fn terms(q: &str) -> Option<String> {
        match search_terms(q).unwrap() {
            Some(Search::Terms(terms)) => Some(terms),
            _ => None,
        }
    }

    #[test]
    fn search_words_become_anded_prefixes() {
        assert_eq!(terms("Sprachkurs").as_deref(), Some("Sprachkurs:*"));
        assert_eq!(
            terms("Sprachkurs Kita -Halle").as_deref(),
            Some("Sprachkurs:* & Kita:* & !Halle:*")
        );
        assert_eq!(
            terms("Kita OR Schule").as_deref(),
            Some("Kita:* | Schule:*")
        );
        assert_eq!(terms("ab':*|(cd) & !").as_deref(), Some("ab:* & cd:*"));
        assert_eq!(terms("Kita-Plätze").as_deref(), Some("Kita:* & Plätze:*"));
        assert_eq!(terms("Halle a. S.").as_deref(), Some("Halle:*"));
        assert_eq!(search_terms("  ").unwrap(), None);
        assert_eq!(
            search_terms(" ITK-42 ").unwrap(),
            Some(Search::Number("ITK-0042".into()))
        );
        assert_eq!(
            search_terms("Covid-19").unwrap(),
            Some(Search::Terms("Covid:* & 19:*".into()))
        );
        assert_eq!(
            search_terms("Kita-Plätze").unwrap(),
            Some(Search::Terms("Kita:* & Plätze:*".into()))
        );
    }

    #[test]
    fn searches_are_bounded() {
        assert_eq!(search_terms(" ! & ( ) ").unwrap(), Some(Search::Nothing));
        assert_eq!(search_terms("a b c").unwrap(), Some(Search::Nothing));
        assert_eq!(
            terms("eins zwei drei vier fünf sechs sieben acht neun zehn").as_deref(),
            Some("eins:* & zwei:* & drei:* & vier:* & fünf:* & sechs:* & sieben:* & acht:*")
        );
        assert!(search_terms(&"x".repeat(201)).is_err());
    }
}

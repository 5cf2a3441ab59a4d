//! Handing in a submission: the checks of the consultation, the round, the fields and the
//! addressed needs, numbering, and the write with its idempotency record.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::announce::announce;
use super::model::{SubmissionRow, view, visible};
use super::wire::{NewSubmission, SubmissionKind, SubmissionSource, SubmissionStatus};
use crate::db::PreparedByText;
use crate::db::schema::{submission_addresses, submissions};
use crate::domain::consultation::{self, ConsultationRow, ConsultationStatus};
use crate::domain::event::{self, Change, Entity};
use crate::domain::idempotency::{
    self, Created, IdempotencyKey, Outcome, PendingWrite, Prepared, StoredResponse,
};
use crate::domain::policy::{self, Action, Authorized, Party};
use crate::domain::validate::{Violations, normalise_email};
use crate::domain::webhook::EventType;
use crate::domain::{organisation, round};
use crate::error::{AppError, AppResult};

pub(super) fn validate_text(v: &mut Violations, title: &str, body: &str) {
    v.text("title", title, crate::limits!(NewSubmission, "title"));
    v.text("body", body, crate::limits!(NewSubmission, "body"));
}

/// Most needs one action approach may address.
pub const MAX_ADDRESSES: usize = 100;

/// Checks that `addresses` fit `kind` and name needs of the consultation that the caller
/// can see (so that the answer reveals nothing about needs it cannot see); returns them
/// without repetitions, in id order (the order they are shown in).
pub(super) async fn check_addresses(
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

pub(in crate::domain) fn duplicate_external_ref(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::conflict(
            "duplicate_external_ref",
            "This organisation already has a submission with this external_ref.",
        ),
        other => other.into(),
    }
}

pub(super) fn submissions_closed(detail: &str) -> AppError {
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
    by: &Authorized,
    key: Option<&IdempotencyKey>,
) -> AppResult<Outcome> {
    let operation = Create {
        consultation_ref,
        new,
        party: by.party(),
        actor: by.actor(),
    };
    idempotency::run(conn, key, operation).await
}

/// Handing in one submission, as an idempotent operation.
struct Create<'a> {
    consultation_ref: &'a str,
    new: NewSubmission,
    party: Party,
    actor: &'a str,
}

impl idempotency::Operation for Create<'_> {
    type Target = (ConsultationRow, DateTime<Utc>);
    type Write = NewRow;

    async fn target(&self, conn: &AsyncPgConnection) -> AppResult<Self::Target> {
        let drafts = policy::permits(self.party, Action::ReadDrafts);
        futures_util::try_join!(
            consultation::hold(conn, self.consultation_ref, drafts),
            async { Ok(crate::db::transaction_time(conn).await?) },
        )
    }

    fn target_id((consultation, _): &Self::Target) -> Uuid {
        consultation.id
    }

    async fn prepare(
        self,
        conn: &mut AsyncPgConnection,
        (consultation, now): Self::Target,
    ) -> AppResult<Prepared<NewRow>> {
        prepare(conn, &consultation, self.new, self.party, self.actor, now).await
    }
}

/// Who a new submission is for and how it came in: a partner's own organisation via the
/// API; staff name any organisation (or none) and record `staff` or `conference` input.
pub(super) async fn origin(
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
pub(in crate::domain) fn check_open(
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
pub(in crate::domain) fn check_fields(
    v: &mut Violations,
    consultation: &ConsultationRow,
    new: &mut NewSubmission,
) {
    validate_text(v, &new.title, &new.body);
    if !consultation.has_topic(&new.topic) {
        v.add_about_state("topic", "is not a topic of this consultation");
    }
    v.optional_text(
        "author_name",
        new.author_name.as_deref(),
        crate::limits!(NewSubmission, "author_name"),
    );
    if let Some(email) = &new.author_email {
        v.email("author_email", email);
    }
    new.author_email = new.author_email.as_deref().map(normalise_email);
    v.optional_text(
        "external_ref",
        new.external_ref.as_deref(),
        crate::limits!(NewSubmission, "external_ref"),
    );
}

/// A new submission, checked and numbered, still to be written.
pub(super) struct NewRow {
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
pub(super) async fn prepare(
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
        // Known here: the submission is written after its event.
        authority: Some(consultation.authority_id),
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
    let response =
        StoredResponse::created(Created::Submission(view.id), &view)?.naming(email.as_deref());
    Ok(Prepared {
        pending: NewRow { row, addresses },
        response,
    })
}

pub(super) async fn link_needs(
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

/// The next `count` numbers of a consultation, in creation order. The counter row stays locked
/// until the transaction ends, so concurrent submissions wait for each other here, at the
/// end of their work, and no number is given twice (a rolled-back one is given again).
pub(in crate::domain) async fn next_numbers(
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

/// Writes a submission as it is (its id, number, status and decision too), with the needs it
/// addresses, for seeding and imports of past data, without the request path's checks,
/// numbering, events or webhooks; what is already there is kept. The consultation's
/// numbering is not moved: [`continue_numbers_after`] does that. The database stamps an
/// insert with its transaction's time; a new row then takes the `created_at` it was handed
/// (an update keeps that column and stamps `updated_at`, so syncing partners still see it).
pub async fn seed(
    conn: &mut AsyncPgConnection,
    row: &SubmissionRow,
    addresses: &[Uuid],
) -> QueryResult<()> {
    let inserted = diesel::insert_into(submissions::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted > 0 {
        diesel::update(submissions::table.find(row.id))
            .set(submissions::created_at.eq(row.created_at))
            .execute(conn)
            .await?;
    }
    if addresses.is_empty() {
        return Ok(());
    }
    let links: Vec<_> = addresses
        .iter()
        .map(|need| {
            (
                submission_addresses::action_approach_id.eq(row.id),
                submission_addresses::need_id.eq(*need),
            )
        })
        .collect();
    diesel::insert_into(submission_addresses::table)
        .values(links)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Makes the numbers of a consultation's new submissions continue after `last`, for
/// submissions written with their numbers by [`seed`]; numbering never goes back.
pub async fn continue_numbers_after(
    conn: &mut AsyncPgConnection,
    consultation: Uuid,
    last: i32,
) -> QueryResult<()> {
    use crate::db::schema::submission_counters::dsl::*;
    diesel::insert_into(submission_counters)
        .values((consultation_id.eq(consultation), last_number.eq(last)))
        .on_conflict(consultation_id)
        .do_update()
        .set(
            last_number.eq(diesel::dsl::sql::<diesel::sql_types::Integer>(
                "greatest(submission_counters.last_number, excluded.last_number)",
            )),
        )
        .execute(conn)
        .await
        .map(drop)
}

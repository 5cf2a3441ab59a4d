//! Changes by the submitting organisation: editing while submitted, withdrawing.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::announce::announce;
use super::create::{
    check_addresses, check_open, duplicate_external_ref, link_needs, validate_text,
};
use super::model::{SubmissionRow, find_visible, may_see};
use super::wire::{Submission, SubmissionPatch, SubmissionStatus};
use crate::db::schema::{submission_addresses, submissions};
use crate::domain::consultation::{self, ConsultationRow};
use crate::domain::event::{self, Change, Entity};
use crate::domain::policy::{self, Authorized, Party};
use crate::domain::precondition::{Precondition, tag};
use crate::domain::round;
use crate::domain::validate::Violations;
use crate::domain::webhook::EventType;
use crate::error::{AppError, AppResult};

/// The submission a partner may change, locked: its own organisation's, else 404 (when it
/// cannot see it) or 403 (when it can, e.g. another organisation's accepted one).
pub(super) async fn own_for_update(
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
pub(super) async fn touch_approaches_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
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

/// Refuses to let `id` fall (withdrawn, rejected, merged) while others are merged into it.
/// Call with `id` locked.
pub(super) async fn check_stands(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    let merged = merged_into(conn, id).await?;
    if merged > 0 {
        return Err(AppError::conflict(
            "merge_target",
            format!("{merged} submission(s) are merged into this one; it must stand."),
        ));
    }
    Ok(())
}

/// Changes by the submitting organisation while the submission is `submitted` and the
/// consultation (and the round's window) open, all checked in the writing transaction.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: &Authorized,
    precondition: Precondition,
    patch: SubmissionPatch,
) -> AppResult<Submission> {
    let party = by.party();
    let actor = by.actor();
    conn.transaction(async |conn| {
        let mut row = own_for_update(conn, id, party).await?;
        let current = tag(row.version);
        check_editable(&row)?;
        let consultation = consultation::hold(conn, &row.consultation_id.to_string(), true).await?;
        let round = match row.round_id {
            Some(round_id) => round::hold(conn, round_id, row.consultation_id).await?,
            None => None,
        };
        let addresses = check_patch(conn, &consultation, &mut row, patch, party).await?;
        // An invalid request is refused as such, whatever its precondition (RFC 9110 13.2.1).
        precondition.check(&current)?;
        check_open(&consultation, round.as_ref())?;
        row.version += 1;
        write_patch(conn, &row, addresses).await?;
        record_edit(conn, &row, actor).await?;
        find_visible(conn, id, party).await
    })
    .await
}

fn check_editable(row: &SubmissionRow) -> AppResult<()> {
    if row.status == SubmissionStatus::Submitted {
        return Ok(());
    }
    Err(AppError::conflict(
        "not_editable",
        format!(
            "A submission can be changed while submitted, not when {}.",
            row.status
        ),
    ))
}

/// Applies the patch to `row` and checks the result, all mistakes at once; the needs to
/// address instead, if the patch replaces them.
async fn check_patch(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    row: &mut SubmissionRow,
    patch: SubmissionPatch,
    party: Party,
) -> AppResult<Option<Vec<Uuid>>> {
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
    let author_name = row.author_name.as_deref();
    v.optional_text(
        "author_name",
        author_name,
        crate::limits!(SubmissionPatch, "author_name"),
    );
    let external_ref = row.external_ref.as_deref();
    v.optional_text(
        "external_ref",
        external_ref,
        crate::limits!(SubmissionPatch, "external_ref"),
    );
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
    Ok(addresses)
}

/// Writes the changed row and, if given, the needs it now addresses.
async fn write_patch(
    conn: &mut AsyncPgConnection,
    row: &SubmissionRow,
    addresses: Option<Vec<Uuid>>,
) -> AppResult<()> {
    diesel::update(submissions::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map_err(duplicate_external_ref)?;
    if let Some(addresses) = addresses {
        diesel::delete(
            submission_addresses::table.filter(submission_addresses::action_approach_id.eq(row.id)),
        )
        .execute(conn)
        .await?;
        link_needs(conn, row.id, &addresses).await?;
    }
    Ok(())
}

/// The edit in the submission's history, and announced to the webhooks.
async fn record_edit(conn: &AsyncPgConnection, row: &SubmissionRow, actor: &str) -> AppResult<()> {
    event::record(
        conn,
        Entity::Submission,
        row.id,
        Change {
            actor,
            action: "edited",
            from_status: Some(row.status.as_str()),
            to_status: Some(row.status.as_str()),
            ..Default::default()
        },
    )
    .await?;
    announce(conn, EventType::SubmissionUpdated, row, row.status, None).await?;
    Ok(())
}

/// Withdrawal by the submitting organisation, from `submitted` or `in_review`, unless other
/// submissions are merged into it.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: &Authorized,
) -> AppResult<Submission> {
    let party = by.party();
    let actor = by.actor();
    conn.transaction(async |conn| {
        let row = own_for_update(conn, id, party).await?;
        if !row.status.can_withdraw() {
            return Err(AppError::invalid_transition(
                row.status.as_str(),
                "withdrawn",
            ));
        }
        check_stands(conn, id).await?;
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
                actor,
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

//! Moderators' decisions on a submission, along its status machine.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::announce::announce;
use super::change::{check_stands, touch_approaches_of};
use super::model::{SubmissionRow, find_visible};
use super::wire::{Review, Submission, SubmissionStatus};
use crate::db::schema::submissions;
use crate::domain::event::{self, Change, Entity};
use crate::domain::policy::Party;
use crate::domain::validate::Violations;
use crate::domain::webhook::EventType;
use crate::error::{AppError, AppResult};

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
                Some(reason) => v.text("reason", reason, crate::limits!(Review, "reason")),
                None => v.add("reason", "is required to reject"),
            }
        } else {
            v.optional_text(
                "reason",
                self.reason.as_deref(),
                crate::limits!(Review, "reason"),
            );
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
        let locked = lock_with_target(conn, id, review.duplicate_of).await?;
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
            check_merge_target(current, locked.iter().find(|r| r.id == dup))?;
        }
        if !review.status.can_be_merge_target() {
            check_stands(conn, id).await?;
        }
        apply_review(conn, id, &review).await?;
        record_decision(conn, current, &review, required, actor).await?;
        find_visible(conn, id, Party::Admin).await
    })
    .await
}

/// The submission and the one it is to be merged into, locked in id order.
async fn lock_with_target(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    duplicate_of: Option<Uuid>,
) -> QueryResult<Vec<SubmissionRow>> {
    submissions::table
        .filter(submissions::id.eq_any([Some(id), duplicate_of].into_iter().flatten()))
        .order(submissions::id)
        .select(SubmissionRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// A merge target is a standing submission of the same consultation and kind.
fn check_merge_target(current: &SubmissionRow, target: Option<&SubmissionRow>) -> AppResult<()> {
    let Some(target) = target.filter(|t| t.consultation_id == current.consultation_id) else {
        return Err(AppError::field(
            "duplicate_of",
            "is not a submission of this consultation",
        ));
    };
    if !target.status.can_be_merge_target() {
        return Err(AppError::field(
            "duplicate_of",
            "must not be merged, withdrawn or rejected itself",
        ));
    }
    if target.kind != current.kind {
        return Err(AppError::field(
            "duplicate_of",
            "must be a submission of the same kind",
        ));
    }
    Ok(())
}

/// Writes the decision, and marks the approaches addressing the submission as changed.
async fn apply_review(conn: &mut AsyncPgConnection, id: Uuid, review: &Review) -> AppResult<()> {
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
    Ok(())
}

/// The decision in the submission's history, and announced to the webhooks.
async fn record_decision(
    conn: &AsyncPgConnection,
    current: &SubmissionRow,
    review: &Review,
    required: SubmissionStatus,
    actor: &str,
) -> AppResult<()> {
    event::record(
        conn,
        Entity::Submission,
        current.id,
        Change {
            actor,
            action: "reviewed",
            from_status: Some(required.as_str()),
            to_status: Some(review.status.as_str()),
            reason: review.reason.as_deref(),
            ..Change::default()
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
    Ok(())
}

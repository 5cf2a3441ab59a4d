//! The ministry's considered response (Abwägung) to a submission: drafted and changed by
//! staff, published by an admin for a whole consultation (or a list of submissions), then
//! shown with the submission to whoever may see it. Every step is an event of the
//! submission; publishing also tells the submitting organisation's webhooks.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::find_visible;
use super::wire::{Consideration, PublishRequest, Published, ResponseDraft, Submission};
use crate::db::schema::submissions;
use crate::domain::event::{self, Change, Entity};
use crate::domain::policy::{Audience, Party};
use crate::domain::validate::Violations;
use crate::domain::webhook::{self, EventType};
use crate::error::{AppError, AppResult};

/// Drafts or changes the response to a submission; a changed response is a draft again.
pub async fn draft(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: ResponseDraft,
    actor: &str,
) -> AppResult<Submission> {
    let mut v = Violations::new();
    v.text("text", &draft.text, crate::limits!(ResponseDraft, "text"));
    v.into_result()?;
    conn.transaction(async |conn| {
        let changed = diesel::update(submissions::table.find(id))
            .set((
                submissions::response_consideration.eq(Some(draft.consideration)),
                submissions::response_text.eq(Some(draft.text.trim())),
                submissions::response_published_at.eq(None::<DateTime<Utc>>),
                submissions::version.eq(submissions::version + 1),
            ))
            .execute(conn)
            .await?;
        if changed == 0 {
            return Err(AppError::not_found("submission"));
        }
        event::record(
            conn,
            Entity::Submission,
            id,
            Change {
                actor,
                action: "response_drafted",
                reason: Some(draft.consideration.as_str()),
                ..Default::default()
            },
        )
        .await?;
        find_visible(conn, id, Party::Admin).await
    })
    .await
}

/// Publishes drafted responses of a consultation in one transaction, each an event and a
/// `submission.response_published` webhook for the submitting organisation.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    consultation_id: Uuid,
    request: PublishRequest,
    actor: &str,
) -> AppResult<Published> {
    if request
        .submission_ids
        .as_ref()
        .is_some_and(|ids| ids.len() > 1000)
    {
        return Err(AppError::field(
            "submission_ids",
            "must not list more than 1000 submissions",
        ));
    }
    conn.transaction(async |conn| {
        let mut query = diesel::update(submissions::table)
            .filter(submissions::consultation_id.eq(consultation_id))
            .filter(submissions::response_consideration.is_not_null())
            .filter(submissions::response_published_at.is_null())
            .into_boxed();
        if let Some(ids) = &request.submission_ids {
            query = query.filter(submissions::id.eq_any(ids));
        }
        let published: Vec<(Uuid, Option<Uuid>, Option<Consideration>)> = query
            .set((
                submissions::response_published_at.eq(Some(Utc::now())),
                submissions::version.eq(submissions::version + 1),
            ))
            .returning((
                submissions::id,
                submissions::organisation_id,
                submissions::response_consideration,
            ))
            .get_results(conn)
            .await?;
        for (id, organisation, consideration) in &published {
            event::record(
                conn,
                Entity::Submission,
                *id,
                Change {
                    actor,
                    action: "response_published",
                    reason: consideration.map(Consideration::as_str),
                    ..Default::default()
                },
            )
            .await?;
            webhook::publish(
                conn,
                webhook::Event {
                    kind: EventType::SubmissionResponsePublished,
                    audience: Audience {
                        organisation: *organisation,
                        public: false,
                    },
                    subject_id: *id,
                    belongs_to: *id,
                    data: serde_json::json!({
                        "id": id,
                        "consultation_id": consultation_id,
                        "organisation_id": organisation,
                        "consideration": consideration,
                    }),
                },
            )
            .await?;
        }
        Ok(Published {
            submission_ids: published.into_iter().map(|(id, ..)| id).collect(),
        })
    })
    .await
}

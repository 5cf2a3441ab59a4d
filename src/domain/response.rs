//! The ministry's considered response (Abwägung) to a submission: drafted and changed by
//! staff, published by an admin for a whole consultation (or a list of submissions), then
//! shown with the submission to whoever may see it. Every step is an event of the
//! submission; publishing also tells the submitting organisation's webhooks.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::event::{self, Change, Entity};
use super::policy::{Audience, Party};
use super::submission::{self, Submission};
use super::validate::Violations;
use super::webhook::{self, EventType};
use crate::db::schema::submissions;
use crate::error::{AppError, AppResult};

crate::text_enum! {
    /// How far a submission was taken into account.
    Consideration {
        Considered = "considered",
        PartlyConsidered = "partly_considered",
        NotConsidered = "not_considered",
        Noted = "noted",
    }
}

/// The response as shown with a submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsideredResponse {
    pub consideration: Consideration,
    #[schema(max_length = 10000)]
    pub text: String,
    /// Absent while it is a draft (shown to staff only).
    pub published_at: Option<DateTime<Utc>>,
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
        (published_at.is_some() || party.is_staff()).then_some(response)
    }
}

/// `PUT /submissions/{id}/response`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseDraft {
    pub consideration: Consideration,
    /// 1–10000 characters.
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub text: String,
}

/// Drafts or changes the response to a submission; a changed response is a draft again.
pub async fn draft(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: ResponseDraft,
    actor: &str,
) -> AppResult<Submission> {
    let mut v = Violations::new();
    v.text("text", &draft.text, 1, 10000);
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
        submission::find_visible(conn, id, Party::Admin).await
    })
    .await
}

/// `POST /consultations/{id}/responses/publish`: every drafted response, or those listed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Only these submissions' drafts (default: every draft of the consultation); at most
    /// 1000, as a request body is at most 64 KiB.
    #[schema(max_items = 1000)]
    pub submission_ids: Option<Vec<Uuid>>,
}

/// What was published.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// The submissions whose responses are now published.
    #[schema(max_items = 100000)]
    pub submission_ids: Vec<Uuid>,
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

//! What the API sends and receives about submissions and their considered responses:
//! the wire types, with their schema.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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
    #[schema(min_length = 3, max_length = 254)]
    pub author_email: Option<String>,
    /// The partner's own id, unique per organisation (≤ 200).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub external_ref: Option<String>,
    /// `api` for partners (the default), `staff` (default) or `conference` for staff.
    pub source: Option<SubmissionSource>,
}

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

/// `PUT /submissions/{id}/response`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseDraft {
    pub consideration: Consideration,
    /// 1–10000 characters.
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub text: String,
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

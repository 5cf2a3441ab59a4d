//! What the API sends and receives about webhook subscriptions and their deliveries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::outbox::OutboxStatus;
use crate::domain::validate::double_option;

crate::text_enum! {
    /// What a webhook tells about.
    EventType {
        SubmissionCreated = "submission.created",
        SubmissionUpdated = "submission.updated",
        SubmissionStatusChanged = "submission.status_changed",
        SubmissionResponsePublished = "submission.response_published",
        RegistrationStatusChanged = "registration.status_changed",
        RoundUpdated = "round.updated",
        RoundCancelled = "round.cancelled",
    }
}

crate::text_enum! {
    /// Whether a subscription receives deliveries.
    SubscriptionStatus {
        Active = "active",
        Disabled = "disabled",
    }
}

/// A webhook subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: Uuid,
    /// The partner organisation whose events it receives; `null`: an admin's, for all.
    pub organisation_id: Option<Uuid>,
    /// The authority whose admins made it: it hears of that authority's consultations
    /// only; `null`: a partner's or the platform's, hearing of every authority's.
    pub authority_id: Option<Uuid>,
    #[schema(
        example = "https://fachverfahren.caritas-halle.example/webhooks/beteiligung",
        max_length = 2000
    )]
    pub url: String,
    #[schema(max_items = 7)]
    pub events: Vec<EventType>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    pub status: SubscriptionStatus,
    /// Why it was disabled (the receiver answered 410, or deliveries failed for 3 days).
    #[schema(max_length = 500)]
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs beside the current one.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The 201 body of a new subscription, and the answer to a rotation: the secret, shown
/// this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionWithSecret {
    #[serde(flatten)]
    pub subscription: Subscription,
    /// `whsec_` + base64 of 32 random bytes: verify deliveries with it (Standard Webhooks).
    #[schema(example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", max_length = 100)]
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// `https` URL of the receiver (≤ 2000 characters), on a public address.
    #[schema(min_length = 8, max_length = 2000)]
    pub url: String,
    /// The events to receive (at least one).
    #[schema(min_items = 1, max_items = 7)]
    pub events: Vec<EventType>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Admins only: the organisation whose events it receives (default: all events).
    pub organisation_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionPatch {
    #[schema(min_length = 8, max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 7)]
    pub events: Option<Vec<EventType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    /// `active` re-enables a disabled subscription; `disabled` pauses it.
    pub status: Option<SubscriptionStatus>,
}

/// One attempt to deliver a webhook.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when there was no answer.
    pub status_code: Option<i16>,
    pub duration_ms: i32,
    /// Why it failed (connection refused, timeout, the status).
    #[schema(max_length = 2000)]
    pub error: Option<String>,
}

/// A webhook delivery: one event to one subscription, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Also the `webhook-id` header, as `msg_` + this id without dashes.
    pub id: Uuid,
    #[schema(example = "submission.status_changed", max_length = 100)]
    pub event_type: String,
    pub status: OutboxStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[schema(max_items = 100)]
    pub attempts: Vec<Attempt>,
}

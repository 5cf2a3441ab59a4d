//! What the API sends and receives about the outbox.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::outbox;

crate::text_enum! {
    /// How a message leaves: by mail or as a webhook delivery.
    Channel {
        Mail = "mail",
        Webhook = "webhook",
    }
}

crate::text_enum! {
    /// Where a message stands: waiting (also between retries), delivered, or given up.
    OutboxStatus {
        Pending = "pending",
        Sent = "sent",
        Failed = "failed",
    }
}

/// A message as staff see it in the outbox: where it goes and how it went, never its body.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub channel: Channel,
    /// What the message says, e.g. `registration_confirmed`.
    #[schema(example = "registration_confirmed", max_length = 100)]
    pub topic: String,
    /// The email address, or the webhook subscription.
    #[schema(example = "a.demir@example.org", max_length = 2000)]
    pub recipient: String,
    /// The registration, submission or round the message is about.
    pub subject_id: Option<Uuid>,
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the next attempt is due (while `pending`).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    #[schema(max_length = 2000)]
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

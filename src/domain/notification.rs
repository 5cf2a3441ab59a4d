//! What registrants are told, and when. A notice is written to the outbox in the
//! transaction of the change it reports; the mail worker turns it into a German letter
//! ([`letter`]) when it sends it, so links follow the configured templates.

pub mod letter;

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::outbox::{self, Channel, NewMessage};
use super::round::{RoundRow, Venue};

crate::text_enum! {
    /// Why a registrant is written to.
    NoticeKind {
        PleaseConfirm = "registration_please_confirm",
        Confirmed = "registration_confirmed",
        Waitlisted = "registration_waitlisted",
        Promoted = "registration_promoted",
        Cancelled = "registration_cancelled",
        RoundChanged = "round_changed",
        RoundCancelled = "round_cancelled",
    }
}

/// The round as the notice describes it, at the time of the change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoundFacts {
    pub id: Uuid,
    pub title: String,
    pub venue: Option<Venue>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Grows with every change of the round: calendar programs replace older invitations.
    pub sequence: i32,
    pub cancelled: bool,
}

impl From<&RoundRow> for RoundFacts {
    fn from(round: &RoundRow) -> Self {
        Self {
            id: round.id,
            title: round.title.clone(),
            venue: round.venue(),
            starts_at: round.starts_at,
            ends_at: round.ends_at,
            sequence: round.version,
            cancelled: round.cancelled,
        }
    }
}

/// One message to one registrant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub registration_id: Uuid,
    pub name: String,
    pub email: String,
    pub round: RoundFacts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waitlist_position: Option<i64>,
    /// The confirmation token, for the please-confirm mail only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_expires_at: Option<DateTime<Utc>>,
    /// The cancel token, in the mail that hands it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_token: Option<String>,
}

impl Notice {
    pub fn new(
        kind: NoticeKind,
        registration_id: Uuid,
        name: &str,
        email: &str,
        round: &RoundRow,
    ) -> Self {
        Self {
            kind,
            registration_id,
            name: name.to_string(),
            email: email.to_string(),
            round: round.into(),
            waitlist_position: None,
            confirm_token: None,
            confirm_expires_at: None,
            cancel_token: None,
        }
    }
}

/// Writes notices to the outbox, in the caller's transaction.
pub async fn send(conn: &AsyncPgConnection, notices: Vec<Notice>) -> QueryResult<()> {
    let messages = notices
        .into_iter()
        .map(|notice| {
            Ok(NewMessage {
                channel: Channel::Mail,
                topic: notice.kind.as_str(),
                recipient: notice.email.clone(),
                subject_id: Some(notice.registration_id),
                payload: serde_json::to_value(&notice)
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    outbox::enqueue(conn, messages).await
}

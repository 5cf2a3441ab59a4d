//! A notice: why a registrant is written to, and the round as it stood at the change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::round::model::RoundRow;
use crate::domain::round::wire::Venue;

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

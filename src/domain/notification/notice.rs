//! A notice: why a registrant is written to, and the round as it stood at the change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::language::Language;
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

/// Whom a notice is for: a registration's registrant.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    pub registration_id: Uuid,
    pub name: &'a str,
    pub email: &'a str,
    pub language: Language,
}

/// One message to one registrant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The registrant's language (notices queued before there were languages: German).
    #[serde(default)]
    pub language: Language,
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
    pub fn new(kind: NoticeKind, to: Addressee<'_>, round: &RoundRow) -> Self {
        Self {
            kind,
            language: to.language,
            registration_id: to.registration_id,
            name: to.name.to_string(),
            email: to.email.to_string(),
            // The round's title in the registrant's language, where it has one.
            round: RoundFacts {
                title: round.title_in(to.language).to_string(),
                ..round.into()
            },
            waitlist_position: None,
            confirm_token: None,
            confirm_expires_at: None,
            cancel_token: None,
        }
    }
}

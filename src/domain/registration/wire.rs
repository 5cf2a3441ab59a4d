//! What the API sends and receives about registrations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::category::Category;
use crate::domain::language::Language;

crate::text_enum! {
    /// Status of a registration.
    RegistrationStatus {
        Pending = "pending",
        Confirmed = "confirmed",
        Waitlisted = "waitlisted",
        Cancelled = "cancelled",
        Attended = "attended",
    }
}

/// A registration for a round. Personal data: shown to staff, to the partner that made it
/// and to the registrant (with the cancel token).
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    pub id: Uuid,
    pub round_id: Uuid,
    #[schema(example = "Aylin Demir", max_length = 200)]
    pub name: String,
    #[schema(example = "a.demir@example.org", max_length = 254)]
    pub email: String,
    pub organisation_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub organisation_name: Option<String>,
    pub category: Option<Category>,
    /// Accessibility or other needs for the event.
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    /// 1 for the next to be promoted; only while `waitlisted`.
    pub waitlist_position: Option<i64>,
    /// The version of the privacy notice the person consented to.
    #[schema(example = "2019-08", max_length = 50)]
    pub privacy_notice_version: Option<String>,
    /// When the person consented to the processing of their data (at registration).
    pub consented_at: Option<DateTime<Utc>>,
    /// The language of the registrant's mails and pages.
    pub language: Language,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The 201 body: the registration and, for a registration made by a partner, its cancel
/// token, shown this once (a registrant gets theirs by mail).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRegistration {
    #[serde(flatten)]
    pub registration: Registration,
    /// Send as `X-Cancel-Token` to cancel; stored only as a hash. Absent for a `pending`
    /// registration: the registrant receives it by mail once confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub cancel_token: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// At most 254 characters; one active registration per email and round.
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
    /// For partners: their own organisation (the default); anyone else may name one.
    pub organisation_id: Option<Uuid>,
    /// Free text when the organisation is not registered here (≤ 200).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub organisation_name: Option<String>,
    /// Defaults to the organisation's category.
    pub category: Option<Category>,
    /// Accessibility or other needs (≤ 2000).
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    /// Must be `true`: consent to processing the personal data for this event.
    pub privacy_consent: bool,
    /// The version of the privacy notice shown to the person (1–50 characters); required,
    /// and must be the current one, when the service is configured with one.
    #[schema(example = "2019-08", min_length = 1, max_length = 50, pattern = r"\S")]
    pub privacy_notice_version: Option<String>,
    /// The language of the registrant's mails and pages; default: the request's
    /// `Accept-Language` where it names one of these, else German.
    pub language: Option<Language>,
}

/// `POST /registrations/confirm`: the token from the confirmation mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    #[schema(min_length = 1, max_length = 100)]
    pub token: String,
}

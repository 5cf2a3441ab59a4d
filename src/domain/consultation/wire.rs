//! What the API sends and receives about consultations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::calendar;
use crate::domain::translation::Translations;

crate::text_enum! {
    /// Lifecycle of a consultation; it only moves forward, one step at a time.
    ConsultationStatus {
        Draft = "draft",
        Open = "open",
        Closed = "closed",
        Archived = "archived",
    }
}

/// A topic (Handlungsfeld) of a consultation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Stable key, lowercase letters, digits and dashes (1–50).
    #[schema(
        example = "sprache",
        min_length = 1,
        max_length = 50,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub key: String,
    /// Display label (1–200).
    #[schema(
        example = "Sprache und Sprachkurse",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub label: String,
}

/// How long personal data of a consultation is kept (DSGVO Art. 5(1)(e)); after that it is
/// anonymised, counts in reports stay.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Retention {
    /// Registrants' names, emails and needs: days after their round ended.
    #[schema(minimum = 1, maximum = 3650, example = 90)]
    pub registrations_days_after_round: i32,
    /// Authors' names and emails of submissions: days after the consultation was archived.
    #[schema(minimum = 1, maximum = 3650, example = 365)]
    pub authors_days_after_archive: i32,
}

/// Retention to set; absent fields keep their value (defaults 90 and 365 days).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(
    deny_unknown_fields,
    try_from = "serde_json::Map<String, serde_json::Value>"
)]
pub struct RetentionSettings {
    #[schema(minimum = 1, maximum = 3650, example = 90)]
    pub registrations_days_after_round: Option<i32>,
    #[schema(minimum = 1, maximum = 3650, example = 365)]
    pub authors_days_after_archive: Option<i32>,
}

/// A consultation's texts in one language besides German, with the limits of the German
/// ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationText {
    /// The title in this language (1–300 characters).
    #[schema(
        example = "Integration Concept of Saxony-Anhalt",
        min_length = 1,
        max_length = 300,
        pattern = r"\S"
    )]
    pub title: String,
    /// The summary in this language (at most 5000 characters); without it the German
    /// summary is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
}

/// A consultation (Beteiligungsprozess). `title` and `summary` are in the language of
/// `Content-Language`: the one `Accept-Language` asks for where `translations` has it, else
/// German (the original).

#[derive(Debug, Serialize, ToSchema)]
pub struct Consultation {
    pub id: Uuid,
    /// The authority running it (see `/api/v1/authorities`).
    pub authority_id: Uuid,
    #[schema(
        example = "integrationskonzept-sachsen-anhalt",
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: String,
    #[schema(
        example = "Integrationskonzept Sachsen-Anhalt",
        min_length = 1,
        max_length = 300,
        pattern = r"\S"
    )]
    pub title: String,
    #[schema(max_length = 5000)]
    pub summary: String,
    /// Title and summary in English, Ukrainian and Arabic, all of them whatever language
    /// the answer is in.
    pub translations: Translations<ConsultationText>,
    pub status: ConsultationStatus,
    #[schema(max_items = 50)]
    pub topics: Vec<Topic>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Before the numbers of its submissions (`ISA-0042`).
    #[schema(
        example = "ISA",
        min_length = 1,
        max_length = 10,
        pattern = r"^[A-Z][A-Z0-9]{0,9}$"
    )]
    pub number_prefix: String,
    pub retention: Retention,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new consultation; it starts as `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// The authority running it: required of the platform's admin when there are several
    /// authorities; an authority's admin creates consultations of its own authority.
    #[serde(default)]
    pub authority_id: Option<Uuid>,
    /// Unique, lowercase letters, digits and dashes (1–100); usable instead of the id.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: String,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: String,
    /// At most 5000 characters.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub summary: String,
    /// Title and summary in English (`en`), Ukrainian (`uk`) and Arabic (`ar`), with the
    /// limits of the German ones; German is the original (`title`, `summary`), no key here.
    /// Another key, or an entry of another shape, is 422 naming it (`translations.fr`).
    #[serde(default, deserialize_with = "crate::domain::translation::given")]
    #[schema(value_type = Translations<ConsultationText>)]
    pub translations: Option<serde_json::Value>,
    /// At most 50 topics with unique keys.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub topics: Vec<Topic>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub ends_on: Option<NaiveDate>,
    /// Before the numbers of its submissions (1–10 capital letters or digits, starting with
    /// a letter); default: the initials of the slug.
    #[schema(
        example = "ITK",
        min_length = 1,
        max_length = 10,
        pattern = r"^[A-Z][A-Z0-9]{0,9}$"
    )]
    pub number_prefix: Option<String>,
    /// How long personal data is kept; default 90 days after a round for registrations,
    /// 365 days after archiving for authors.
    #[serde(default)]
    pub retention: RetentionSettings,
}

/// Changes to a consultation; absent fields stay. `status` may move one step forward
/// (`draft → open → closed → archived`); anything else is 409 `invalid_transition`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationPatch {
    /// Gives the consultation, with all its rounds, registrations and submissions, to
    /// another authority: the platform's admin only (403 for anyone else), recorded in
    /// the consultation's history.
    pub authority_id: Option<Uuid>,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
    /// Replaces all translations (`{}` removes them; languages left out are removed too);
    /// absent, they stay. Keys `en`, `uk`, `ar`, limits as for the German texts.
    #[serde(default, deserialize_with = "crate::domain::translation::given")]
    #[schema(value_type = Translations<ConsultationText>)]
    pub translations: Option<serde_json::Value>,
    pub status: Option<ConsultationStatus>,
    #[schema(max_items = 50)]
    pub topics: Option<Vec<Topic>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
    /// For submissions from now on; numbers already given stay.
    #[schema(min_length = 1, max_length = 10, pattern = r"^[A-Z][A-Z0-9]{0,9}$")]
    pub number_prefix: Option<String>,
    /// Applies from now on: data already anonymised stays so.
    pub retention: Option<RetentionSettings>,
}

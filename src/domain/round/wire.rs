//! What the API sends and receives about rounds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::calendar;
use crate::domain::translation::Translations;
use crate::domain::validate::double_option;

crate::text_enum! {
    /// Format of a round.
    RoundKind {
        Kickoff = "kickoff",
        Regional = "regional",
        Online = "online",
        Workshop = "workshop",
    }
}

/// Where a round takes place.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    #[schema(
        example = "Dessau-Roßlau, Altes Theater",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub street: Option<String>,
    #[schema(example = "06844", min_length = 1, max_length = 20, pattern = r"\S")]
    pub postal_code: Option<String>,
    #[schema(
        example = "Dessau-Roßlau",
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub city: String,
}

impl Venue {
    /// The venue on one line, as letters and pages give it: name, street, postal code and city.
    pub fn one_line(&self) -> String {
        let mut parts = vec![self.name.clone()];
        parts.extend(self.street.clone());
        parts.push(match &self.postal_code {
            Some(code) => format!("{code} {}", self.city),
            None => self.city.clone(),
        });
        parts.join(", ")
    }
}

/// Live seat counts of a round.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Seats {
    pub confirmed: i32,
    pub waitlisted: i32,
    pub attended: i32,
    pub capacity: i32,
}

/// A round's texts in one language besides German, with the limits of the German ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundText {
    /// The title in this language (1–300 characters).
    #[schema(
        example = "Regional Conference Dessau",
        min_length = 1,
        max_length = 300,
        pattern = r"\S"
    )]
    pub title: String,
}

/// A round: one event of a consultation. `title` is in the language of `Content-Language`:
/// the one `Accept-Language` asks for where `translations` has it, else German (the
/// original).
#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub kind: RoundKind,
    #[schema(example = "Regionalkonferenz Dessau", max_length = 300)]
    pub title: String,
    /// The title in English, Ukrainian and Arabic, all of them whatever language the answer
    /// is in.
    pub translations: Translations<RoundText>,
    pub venue: Option<Venue>,
    #[schema(example = "Anhalt", max_length = 100)]
    pub region: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub submissions_open_at: Option<DateTime<Utc>>,
    pub submissions_close_at: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub seats: Seats,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new round. Windows are optional: a missing bound leaves that side open.
/// Registration closes at the latest when the round ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    pub kind: RoundKind,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: String,
    /// The title in English (`en`), Ukrainian (`uk`) and Arabic (`ar`), with the limits of
    /// the German one; German is the original (`title`), no key here. Another key, or an
    /// entry of another shape, is 422 naming it (`translations.fr`).
    #[serde(default, deserialize_with = "crate::domain::translation::given")]
    #[schema(value_type = Translations<RoundText>)]
    pub translations: Option<serde_json::Value>,
    pub venue: Option<Venue>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub region: Option<String>,
    #[serde(deserialize_with = "calendar::checked")]
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`.
    #[serde(deserialize_with = "calendar::checked")]
    pub ends_at: DateTime<Utc>,
    /// Seats, at least 1.
    #[schema(example = 130, minimum = 1)]
    #[serde(deserialize_with = "crate::domain::validate::whole_number")]
    pub capacity: i32,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub registration_opens_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub registration_closes_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub submissions_open_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub submissions_close_at: Option<DateTime<Utc>>,
}

/// Changes to a round; absent fields stay, `null` clears an optional one.
/// Lowering `capacity` below the seats taken is 409 `capacity_below_confirmed`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundPatch {
    pub kind: Option<RoundKind>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: Option<String>,
    /// Replaces all translations (`{}` removes them; languages left out are removed too);
    /// absent, they stay. Keys `en`, `uk`, `ar`, limits as for the German title.
    #[serde(default, deserialize_with = "crate::domain::translation::given")]
    #[schema(value_type = Translations<RoundText>)]
    pub translations: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Venue>)]
    pub venue: Option<Option<Venue>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"\S")]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(minimum = 1)]
    #[serde(
        default,
        deserialize_with = "crate::domain::validate::optional_whole_number"
    )]
    pub capacity: Option<i32>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub registration_opens_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub registration_closes_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub submissions_open_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub submissions_close_at: Option<Option<DateTime<Utc>>>,
    pub cancelled: Option<bool>,
}

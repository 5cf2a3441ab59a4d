//! What the other capabilities of rounds (and the registrations and notices about them)
//! share: the kind, the row with its venue and rules, and the round as it is shown.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::wire::{NewRound, Round, RoundKind, RoundText, Seats, Venue};
use crate::db::schema::rounds;
use crate::domain::language::Language;
use crate::domain::translation::{Localised, Text, Translations};
use crate::domain::validate::Violations;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = rounds, treat_none_as_null = true)]
pub struct RoundRow {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub kind: RoundKind,
    pub title: String,
    pub venue_name: Option<String>,
    pub venue_street: Option<String>,
    pub venue_postal_code: Option<String>,
    pub venue_city: Option<String>,
    pub region: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub submissions_open_at: Option<DateTime<Utc>>,
    pub submissions_close_at: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub confirmed_count: i32,
    pub waitlisted_count: i32,
    pub attended_count: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The title in the languages besides German.
    pub translations: Translations<RoundText>,
}

impl From<RoundRow> for Round {
    fn from(row: RoundRow) -> Self {
        let venue = row.venue();
        Self {
            venue,
            seats: Seats {
                confirmed: row.confirmed_count,
                waitlisted: row.waitlisted_count,
                attended: row.attended_count,
                capacity: row.capacity,
            },
            id: row.id,
            consultation_id: row.consultation_id,
            kind: row.kind,
            title: row.title,
            translations: row.translations,
            region: row.region,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            capacity: row.capacity,
            registration_opens_at: row.registration_opens_at,
            registration_closes_at: row.registration_closes_at,
            submissions_open_at: row.submissions_open_at,
            submissions_close_at: row.submissions_close_at,
            cancelled: row.cancelled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl RoundRow {
    /// A round of `consultation_id` from `starts_at` to `ends_at`, as planned before anyone
    /// registers: not cancelled, no seats taken, without venue, region, windows or
    /// translations, for the caller to fill in (`..RoundRow::planned(…)`).
    pub fn planned(
        (id, consultation_id): (Uuid, Uuid),
        kind: RoundKind,
        title: &str,
        (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
        capacity: i32,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            consultation_id,
            kind,
            title: title.into(),
            venue_name: None,
            venue_street: None,
            venue_postal_code: None,
            venue_city: None,
            region: None,
            starts_at,
            ends_at,
            capacity,
            registration_opens_at: None,
            registration_closes_at: None,
            submissions_open_at: None,
            submissions_close_at: None,
            cancelled: false,
            confirmed_count: 0,
            waitlisted_count: 0,
            attended_count: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            translations: Translations::default(),
        }
    }

    /// The title in `language`: its translation, else the German original.
    pub fn title_in(&self, language: Language) -> &str {
        self.translations
            .get(language)
            .map_or(&self.title, |text| &text.title)
    }

    /// The venue, if the round has one (name and city are set together).
    pub fn venue(&self) -> Option<Venue> {
        Some(Venue {
            name: self.venue_name.clone()?,
            street: self.venue_street.clone(),
            postal_code: self.venue_postal_code.clone(),
            city: self.venue_city.clone()?,
        })
    }

    pub(super) fn set_venue(&mut self, venue: Option<Venue>) {
        let venue = venue.map(|v| (v.name, v.street, v.postal_code, v.city));
        let (name, street, postal_code, city) = match venue {
            Some((n, s, p, c)) => (Some(n), s, p, Some(c)),
            None => (None, None, None, None),
        };
        self.venue_name = name;
        self.venue_street = street;
        self.venue_postal_code = postal_code;
        self.venue_city = city;
    }

    /// The entity tag: the version of the round's own fields and its live seat counts, so a
    /// cached round is stale as soon as a seat is taken.
    pub fn etag(&self) -> String {
        format!(
            "\"{}.{}.{}.{}\"",
            self.version, self.confirmed_count, self.waitlisted_count, self.attended_count
        )
    }

    /// Whether registration is possible at `now`.
    pub fn registration_open(&self, now: DateTime<Utc>) -> bool {
        !self.cancelled
            && self.registration_opens_at.is_none_or(|t| t <= now)
            && self.registration_closes_at.is_none_or(|t| now < t)
            && now < self.ends_at
    }

    /// Whether submissions for this round are accepted at `now`.
    pub fn submissions_open(&self, now: DateTime<Utc>) -> bool {
        self.submissions_open_at.is_none_or(|t| t <= now)
            && self.submissions_close_at.is_none_or(|t| now < t)
    }

    /// Adds the violations of the row's fields to those `v` has (of the request's
    /// translations, say) and refuses them all in one 422.
    pub(super) fn validate(&self, mut v: Violations) -> AppResult<()> {
        v.text("title", &self.title, crate::limits!(NewRound, "title"));
        if let Some(name) = &self.venue_name {
            v.text("venue.name", name, crate::limits!(Venue, "name"));
        }
        v.optional_text(
            "venue.street",
            self.venue_street.as_deref(),
            crate::limits!(Venue, "street"),
        );
        v.optional_text(
            "venue.postal_code",
            self.venue_postal_code.as_deref(),
            crate::limits!(Venue, "postal_code"),
        );
        if let Some(city) = &self.venue_city {
            v.text("venue.city", city, crate::limits!(Venue, "city"));
        }
        v.optional_text(
            "region",
            self.region.as_deref(),
            crate::limits!(NewRound, "region"),
        );
        v.check(
            self.ends_at > self.starts_at,
            "ends_at",
            "must be after starts_at",
        );
        v.check(self.capacity >= 1, "capacity", "must be at least 1");
        if let (Some(opens), Some(closes)) =
            (self.registration_opens_at, self.registration_closes_at)
        {
            v.check(
                closes > opens,
                "registration_closes_at",
                "must be after registration_opens_at",
            );
        }
        if let Some(closes) = self.registration_closes_at {
            v.check(
                closes <= self.ends_at,
                "registration_closes_at",
                "must not be after ends_at",
            );
        }
        if let Some(opens) = self.registration_opens_at {
            v.check(
                opens < self.ends_at,
                "registration_opens_at",
                "must be before ends_at",
            );
        }
        if let (Some(opens), Some(closes)) = (self.submissions_open_at, self.submissions_close_at) {
            v.check(
                closes > opens,
                "submissions_close_at",
                "must be after submissions_open_at",
            );
        }
        v.into_result()
    }
}

impl Text for RoundText {
    fn check(&self, at: &str, v: &mut Violations) {
        let title = crate::limits!(RoundText, "title");
        v.text(&format!("{at}.title"), &self.title, title);
    }
}

impl Round {
    /// The round with its title in `wanted` where it has a translation into it, else in
    /// German.
    pub fn localised(mut self, wanted: Option<Language>) -> Localised<Self> {
        let (language, text) = self.translations.choose(wanted);
        if let Some(title) = text.map(|text| text.title.clone()) {
            self.title = title;
        }
        Localised::new(self, language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::declared;

    #[test]
    fn the_letters_get_the_title_in_their_language_else_in_german() {
        let now = Utc::now();
        let row = RoundRow {
            translations: Translations {
                uk: Some(RoundText {
                    title: "Регіональна конференція в Дессау".into(),
                }),
                ..Translations::default()
            },
            ..RoundRow::planned(
                (Uuid::nil(), Uuid::nil()),
                RoundKind::Regional,
                "Regionalkonferenz Dessau",
                (now, now),
                130,
                now,
            )
        };
        assert_eq!(
            row.title_in(Language::Uk),
            "Регіональна конференція в Дессау"
        );
        assert_eq!(row.title_in(Language::Ar), "Regionalkonferenz Dessau");
        assert_eq!(row.title_in(Language::De), "Regionalkonferenz Dessau");
    }

    #[test]
    fn a_translated_title_has_the_limits_of_the_german_one() {
        assert_eq!(
            declared::<RoundText>("title"),
            declared::<NewRound>("title")
        );
    }
}

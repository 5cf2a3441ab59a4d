//! A consultation as stored: its status machine, topics, retention and the rules of its
//! fields.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::wire::{
    Consultation, ConsultationStatus, ConsultationText, NewConsultation, Retention,
    RetentionSettings, Topic,
};
use crate::db::schema::consultations;
use crate::domain::language::Language;
use crate::domain::translation::{Localised, Text, Translations};
use crate::domain::validate::Violations;
use crate::error::AppResult;

impl ConsultationStatus {
    /// The one status this one may move to.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Draft => Some(Self::Open),
            Self::Open => Some(Self::Closed),
            Self::Closed => Some(Self::Archived),
            Self::Archived => None,
        }
    }

    pub fn can_become(self, to: Self) -> bool {
        self == to || self.next() == Some(to)
    }

    /// Drafts are visible to staff only.
    pub fn is_public(self) -> bool {
        self != Self::Draft
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = consultations, treat_none_as_null = true)]
pub struct ConsultationRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub status: ConsultationStatus,
    pub topics: serde_json::Value,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub number_prefix: String,
    pub retention_registrations_days: i32,
    pub retention_authors_days: i32,
    /// When it was archived: authors' data is kept `retention_authors_days` after.
    pub archived_at: Option<DateTime<Utc>>,
    pub authority_id: Uuid,
    /// Title and summary in the languages besides German.
    pub translations: Translations<ConsultationText>,
}

impl ConsultationRow {
    pub fn topics(&self) -> Vec<Topic> {
        serde_json::from_value(self.topics.clone()).unwrap_or_default()
    }

    pub fn has_topic(&self, key: &str) -> bool {
        self.topics().iter().any(|t| t.key == key)
    }

    /// Adds the violations of the row's fields to those `v` has (of the request's
    /// translations, say) and refuses them all in one 422.
    pub(super) fn validate(&self, topics: &[Topic], mut v: Violations) -> AppResult<()> {
        v.slug("slug", &self.slug, 100);
        v.text(
            "title",
            &self.title,
            crate::limits!(NewConsultation, "title"),
        );
        v.text(
            "summary",
            &self.summary,
            crate::limits!(NewConsultation, "summary"),
        );
        v.check(
            topics.len() <= 50,
            "topics",
            "must not have more than 50 entries",
        );
        let label = crate::limits!(Topic, "label");
        for (i, topic) in topics.iter().enumerate() {
            v.slug(&format!("topics[{i}].key"), &topic.key, 50);
            v.text(&format!("topics[{i}].label"), &topic.label, label);
            if topics[..i].iter().any(|t| t.key == topic.key) {
                v.add(&format!("topics[{i}].key"), "is used twice");
            }
        }
        if let (Some(starts), Some(ends)) = (self.starts_on, self.ends_on) {
            v.check(ends >= starts, "ends_on", "must not be before starts_on");
        }
        v.check(
            is_number_prefix(&self.number_prefix),
            "number_prefix",
            "must be 1–10 capital letters or digits, starting with a letter",
        );
        for (field, days) in [
            (
                "retention.registrations_days_after_round",
                self.retention_registrations_days,
            ),
            (
                "retention.authors_days_after_archive",
                self.retention_authors_days,
            ),
        ] {
            v.check(
                RETENTION_DAYS.contains(&days),
                field,
                "must be 1 to 3650 days",
            );
        }
        v.into_result()
    }
}

/// The retention of a consultation that sets none.
pub const DEFAULT_RETENTION: Retention = Retention {
    registrations_days_after_round: 90,
    authors_days_after_archive: 365,
};

/// Allowed retention periods, in days.
pub(super) const RETENTION_DAYS: std::ops::RangeInclusive<i32> = 1..=3650;

/// Read from a JSON object only (serde would take `[90, 365]` for a struct too), with whole
/// numbers as JSON Schema counts them (`90.0` is one).
impl TryFrom<serde_json::Map<String, serde_json::Value>> for RetentionSettings {
    type Error = serde_json::Error;

    fn try_from(object: serde_json::Map<String, serde_json::Value>) -> Result<Self, Self::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            #[serde(
                default,
                deserialize_with = "crate::domain::validate::optional_whole_number"
            )]
            registrations_days_after_round: Option<i32>,
            #[serde(
                default,
                deserialize_with = "crate::domain::validate::optional_whole_number"
            )]
            authors_days_after_archive: Option<i32>,
        }
        let fields: Fields = serde_json::from_value(serde_json::Value::Object(object))?;
        Ok(Self {
            registrations_days_after_round: fields.registrations_days_after_round,
            authors_days_after_archive: fields.authors_days_after_archive,
        })
    }
}

impl RetentionSettings {
    pub(super) fn apply(self, row: &mut ConsultationRow) {
        if let Some(days) = self.registrations_days_after_round {
            row.retention_registrations_days = days;
        }
        if let Some(days) = self.authors_days_after_archive {
            row.retention_authors_days = days;
        }
    }
}

/// Whether `prefix` may stand before submission numbers.
pub(super) fn is_number_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && prefix.len() <= 10
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl From<ConsultationRow> for Consultation {
    fn from(row: ConsultationRow) -> Self {
        Self {
            topics: row.topics(),
            id: row.id,
            authority_id: row.authority_id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            translations: row.translations,
            status: row.status,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            number_prefix: row.number_prefix,
            retention: Retention {
                registrations_days_after_round: row.retention_registrations_days,
                authors_days_after_archive: row.retention_authors_days,
            },
            archived_at: row.archived_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Text for ConsultationText {
    fn check(&self, at: &str, v: &mut Violations) {
        let title = crate::limits!(ConsultationText, "title");
        v.text(&format!("{at}.title"), &self.title, title);
        if let Some(summary) = &self.summary {
            let limits = crate::limits!(ConsultationText, "summary");
            v.text(&format!("{at}.summary"), summary, limits);
        }
    }
}

impl Consultation {
    /// The consultation with its title and summary in `wanted` where it has a translation
    /// into it (a translation without summary keeps the German one), else in German.
    pub fn localised(mut self, wanted: Option<Language>) -> Localised<Self> {
        let (language, text) = self.translations.choose(wanted);
        let text = text.cloned();
        if let Some(text) = text {
            self.title = text.title;
            if let Some(summary) = text.summary {
                self.summary = summary;
            }
        }
        Localised::new(self, language)
    }
}

#[cfg(test)]
mod tests {
    use super::ConsultationStatus::*;
    use super::{ConsultationText, NewConsultation};
    use crate::domain::validate::declared;

    #[test]
    fn translations_have_the_limits_of_the_german_texts() {
        for field in ["title", "summary"] {
            assert_eq!(
                declared::<ConsultationText>(field),
                declared::<NewConsultation>(field),
                "{field}"
            );
        }
    }

    #[test]
    fn status_moves_forward_one_step_only() {
        assert!(Draft.can_become(Open));
        assert!(Open.can_become(Closed));
        assert!(Closed.can_become(Archived));
        assert!(!Draft.can_become(Closed));
        assert!(!Open.can_become(Draft));
        assert!(!Archived.can_become(Closed));
    }
}

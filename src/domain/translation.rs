//! Translations of what is shown of consultations and rounds (their titles, a
//! consultation's summary) into English, Ukrainian and Arabic. German is the original: the
//! resource's own fields, so it is no key of the translations (one text, one place).
//!
//! Stored as `jsonb` (checked for shape by the migration `…_translations`), sent and taken
//! as `{"en": {…}, "uk": {…}, "ar": {…}}`. A request's map is read field by field
//! ([`Translations::read`]), so that an unknown language or a wrong shape is a 422 naming
//! `translations.fr`, like any other invalid field.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Jsonb;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::language::Language;
use crate::domain::page::Page;
use crate::domain::validate::Violations;

/// The texts of a resource in the languages besides German; a language without its entry
/// is shown in German.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Jsonb)]
#[serde(deny_unknown_fields, bound(deserialize = "T: Deserialize<'de>"))]
pub struct Translations<T> {
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<T>,
    /// Ukrainian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uk: Option<T>,
    /// Arabic (written right to left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ar: Option<T>,
}

impl<T> Default for Translations<T> {
    fn default() -> Self {
        Self {
            en: None,
            uk: None,
            ar: None,
        }
    }
}

/// The texts of one language, as each resource has them.
pub trait Text: DeserializeOwned {
    /// Adds the violations of this text to `v`, its fields named under `at`
    /// (`translations.uk`).
    fn check(&self, at: &str, v: &mut Violations);
}

impl<T> Translations<T> {
    /// The texts in `language`, if there are some (never for German, the original).
    pub fn get(&self, language: Language) -> Option<&T> {
        match language {
            Language::De => None,
            Language::En => self.en.as_ref(),
            Language::Uk => self.uk.as_ref(),
            Language::Ar => self.ar.as_ref(),
        }
    }

    /// The language texts are shown in when `wanted` is asked for, and the texts of that
    /// language (`None`: German, the original).
    pub fn choose(&self, wanted: Option<Language>) -> (Language, Option<&T>) {
        match wanted.and_then(|l| Some((l, self.get(l)?))) {
            Some((language, text)) => (language, Some(text)),
            None => (Language::De, None),
        }
    }

    fn slot(&mut self, language: Language) -> Option<&mut Option<T>> {
        match language {
            Language::De => None,
            Language::En => Some(&mut self.en),
            Language::Uk => Some(&mut self.uk),
            Language::Ar => Some(&mut self.ar),
        }
    }
}

impl<T: Text> Translations<T> {
    /// Reads the `translations` of a request body: an object whose keys are `en`, `uk` or
    /// `ar`, each the texts of the resource in that language. What is invalid is added to
    /// `v` (`translations.fr`, `translations.uk.title`) and left out of the result.
    pub fn read(value: Value, v: &mut Violations) -> Self {
        let mut translations = Self::default();
        let Value::Object(entries) = value else {
            v.add(
                "translations",
                "must be an object with the keys en, uk or ar",
            );
            return translations;
        };
        for (key, entry) in entries {
            // Field names and messages are bounded (`FieldError`): a long key or value is cut.
            let at = format!("translations.{}", cut(&key, 40));
            let slot = key
                .parse::<Language>()
                .ok()
                .and_then(|language| translations.slot(language));
            let Some(slot) = slot else {
                v.add(
                    &at,
                    "is not a language of translations (en, uk or ar; German is the original)",
                );
                continue;
            };
            match serde_json::from_value::<T>(entry) {
                Ok(text) => {
                    text.check(&at, v);
                    *slot = Some(text);
                }
                Err(e) => v.add(
                    &at,
                    format!("does not match the schema: {}", cut(&e.to_string(), 200)),
                ),
            }
        }
        translations
    }
}

/// For a request field that is present (`null` too, which [`Translations::read`] refuses)
/// or absent (`#[serde(default)]`, `None`).
pub fn given<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl<T: Serialize + std::fmt::Debug> ToSql<Jsonb, Pg> for Translations<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
        let value = serde_json::to_value(self)?;
        <Value as ToSql<Jsonb, Pg>>::to_sql(&value, &mut out.reborrow())
    }
}

impl<T: DeserializeOwned> FromSql<Jsonb, Pg> for Translations<T> {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let value = <Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        Ok(serde_json::from_value(value)?)
    }
}

/// What is shown and the languages its texts are in (`Content-Language`): the one asked
/// for where a translation has it, else German.
#[derive(Debug)]
pub struct Localised<T> {
    pub value: T,
    pub languages: Vec<Language>,
}

impl<T> Localised<T> {
    /// `value` in `language`, which its texts are in.
    pub fn new(value: T, language: Language) -> Self {
        Self {
            value,
            languages: vec![language],
        }
    }
}

impl<T> Localised<Page<T>> {
    /// A page of localised items, in the languages of its items (German when it is empty).
    pub fn page(page: Page<Localised<T>>) -> Self {
        let mut languages: Vec<Language> = page
            .items
            .iter()
            .flat_map(|item| item.languages.iter().copied())
            .collect();
        languages.sort_unstable();
        languages.dedup();
        if languages.is_empty() {
            languages.push(Language::De);
        }
        Self {
            value: Page {
                items: page.items.into_iter().map(|item| item.value).collect(),
                next_cursor: page.next_cursor,
            },
            languages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Title {
        title: String,
    }

    impl Text for Title {
        fn check(&self, at: &str, v: &mut Violations) {
            v.check(!self.title.is_empty(), &format!("{at}.title"), "is empty");
        }
    }

    fn fields(v: Violations) -> Vec<String> {
        v.into_parts().0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_request_names_each_invalid_language_and_field() {
        let mut v = Violations::new();
        let read = Translations::<Title>::read(
            serde_json::json!({
                "uk": {"title": "Концепція інтеграції"},
                "fr": {"title": "Concept"},
                "de": {"title": "Konzept"},
                "en": {"title": ""},
                "ar": {"name": "x"},
            }),
            &mut v,
        );
        assert_eq!(read.uk.unwrap().title, "Концепція інтеграції");
        let mut named = fields(v);
        named.sort();
        assert_eq!(
            named,
            [
                "translations.ar",
                "translations.de",
                "translations.en.title",
                "translations.fr"
            ]
        );
        let mut v = Violations::new();
        Translations::<Title>::read(serde_json::json!([]), &mut v);
        assert_eq!(fields(v), ["translations"]);
    }

    #[test]
    fn the_language_asked_for_is_chosen_where_it_has_a_translation() {
        let translations = Translations {
            uk: Some(Title {
                title: "Київ".into(),
            }),
            ..Translations::default()
        };
        assert_eq!(translations.choose(Some(Language::Uk)).0, Language::Uk);
        assert_eq!(
            translations.choose(Some(Language::En)),
            (Language::De, None)
        );
        assert_eq!(translations.choose(None), (Language::De, None));
    }
}

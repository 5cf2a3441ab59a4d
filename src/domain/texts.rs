//! The words of mails and pages in each [`Language`]: Fluent messages from `locales/*.ftl`
//! (one file per language, compiled in), with each language's plural rules, and dates and
//! times in Europe/Berlin written the way the language writes them.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Europe::Berlin;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::language::Language;

/// The Fluent source of a language.
pub fn source(language: Language) -> &'static str {
    match language {
        Language::De => include_str!("../../locales/de.ftl"),
        Language::En => include_str!("../../locales/en.ftl"),
        Language::Uk => include_str!("../../locales/uk.ftl"),
        Language::Ar => include_str!("../../locales/ar.ftl"),
    }
}

static BUNDLES: LazyLock<Vec<(Language, FluentBundle<FluentResource>)>> = LazyLock::new(|| {
    Language::ALL
        .iter()
        .map(|&language| (language, bundle(language)))
        .collect()
});

fn bundle(language: Language) -> FluentBundle<FluentResource> {
    // A file with errors still yields the messages it could read; a test keeps them clean.
    let resource = FluentResource::try_new(source(language).to_string())
        .unwrap_or_else(|(partial, _)| partial);
    let mut bundle = FluentBundle::new_concurrent(vec![language.identifier()]);
    // Isolation marks keep names and titles in their own direction inside Arabic text; in
    // left-to-right languages they would only be noise in subjects and plain-text mails.
    bundle.set_use_isolating(language.direction() == "rtl");
    // Each message id is unique in its file (tested), so nothing is refused here.
    let _ = bundle.add_resource(resource);
    bundle
}

/// The texts of one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    pub language: Language,
}

impl Texts {
    pub fn of(language: Language) -> Self {
        Self { language }
    }

    /// A message without placeholders.
    pub fn get(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// A message with its placeholders filled in.
    pub fn with(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            let value: FluentValue = match value {
                Arg::Text(text) => FluentValue::from(text.as_ref()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent.set(*name, value);
        }
        self.format(id, Some(&fluent))
    }

    /// The message in this language, else in German, else its id (a test makes sure every
    /// language has every message, so the fallbacks are only a last resort).
    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        [self.language, Language::De]
            .into_iter()
            .find_map(|language| {
                let bundle = &BUNDLES.iter().find(|(l, _)| *l == language)?.1;
                let pattern = bundle.get_message(id)?.value()?;
                let mut errors = Vec::new();
                Some(
                    bundle
                        .format_pattern(pattern, args, &mut errors)
                        .into_owned(),
                )
            })
            .unwrap_or_else(|| id.to_string())
    }

    /// A day in Europe/Berlin, e.g. „Donnerstag, 12. September 2019“.
    pub fn date(&self, at: DateTime<Utc>) -> String {
        self.local(at, "date-format")
    }

    /// A time of day in Europe/Berlin, e.g. „10:00“.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        self.local(at, "time-format")
    }

    /// When something takes place, from its start to its end.
    pub fn period(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
        let same_day = starts_at.with_timezone(&Berlin).date_naive()
            == ends_at.with_timezone(&Berlin).date_naive();
        if same_day {
            self.with(
                "when-same-day",
                &[
                    ("date", self.date(starts_at).into()),
                    ("start", self.time(starts_at).into()),
                    ("end", self.time(ends_at).into()),
                ],
            )
        } else {
            self.with(
                "when-several-days",
                &[
                    ("start-date", self.date(starts_at).into()),
                    ("start", self.time(starts_at).into()),
                    ("end-date", self.date(ends_at).into()),
                    ("end", self.time(ends_at).into()),
                ],
            )
        }
    }

    fn local(&self, at: DateTime<Utc>, pattern: &str) -> String {
        let pattern = self.get(pattern);
        at.with_timezone(&Berlin)
            .format_localized(&pattern, self.locale())
            .to_string()
    }

    /// The locale whose names of days and months the language uses (Ukrainian months in the
    /// genitive, as a date needs them; Arabic with the Gregorian month names).
    fn locale(&self) -> Locale {
        match self.language {
            Language::De => Locale::de_DE,
            Language::En => Locale::en_GB,
            Language::Uk => Locale::uk_UA,
            Language::Ar => Locale::ar_EG,
        }
    }
}

/// A value for a placeholder.
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Text(Cow::Owned(text))
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

#[cfg(test)]
mod tests;

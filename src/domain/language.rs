//! The languages registrants are written to and pages are shown in: German (the default),
//! English, Ukrainian and Arabic. Which one a request gets is negotiated from its
//! `Accept-Language` (RFC 9110 §12.5.4) by Fluent's own negotiation.

use fluent_langneg::{NegotiationStrategy, negotiate_languages, parse_accepted_languages};
use unic_langid::LanguageIdentifier;

crate::text_enum! {
    /// A language of mails and pages (ISO 639-1).
    #[derive(Default)]
    Language {
        #[default]
        De = "de",
        En = "en",
        Uk = "uk",
        Ar = "ar",
    }
}

impl Language {
    /// The writing direction, for `dir` on HTML.
    pub fn direction(self) -> &'static str {
        match self {
            Self::Ar => "rtl",
            Self::De | Self::En | Self::Uk => "ltr",
        }
    }

    pub fn identifier(self) -> LanguageIdentifier {
        // The four codes are valid language identifiers.
        self.as_str().parse().unwrap_or_default()
    }

    /// The best of ours for an `Accept-Language` header, `None` when it names none of them
    /// (then the caller's default applies: the registration's language, else German).
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let requested = parse_accepted_languages(accept_language);
        let available: Vec<LanguageIdentifier> = Self::ALL.iter().map(|l| l.identifier()).collect();
        negotiate_languages(&requested, &available, None, NegotiationStrategy::Lookup)
            .first()
            .and_then(|chosen| {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|l| l.identifier() == **chosen)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_of_ours_by_quality() {
        assert_eq!(
            Language::negotiate("uk-UA,uk;q=0.9,en;q=0.5"),
            Some(Language::Uk)
        );
        assert_eq!(
            Language::negotiate("fr-FR, ar;q=0.8, de;q=0.1"),
            Some(Language::Ar)
        );
        assert_eq!(Language::negotiate("en-GB"), Some(Language::En));
        assert_eq!(Language::negotiate("fr, tr"), None);
        assert_eq!(Language::negotiate(""), None);
        assert_eq!(Language::negotiate("%%%;;;"), None);
    }

    #[test]
    fn arabic_is_written_right_to_left() {
        assert_eq!(Language::Ar.direction(), "rtl");
        assert_eq!(Language::De.direction(), "ltr");
    }
}

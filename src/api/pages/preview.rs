//! Every mail and every page as a registrant sees it, in every language, written from the
//! same code that serves and sends them, for a ministry to look at before a process starts
//! and for the accessibility check (`conformance/run`) to open in a browser.

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::view::{self, State};
use crate::domain::authority::{AuthorityKind, AuthorityRow};
use crate::domain::language::Language;
use crate::domain::notification::invitation::Organizer;
use crate::domain::notification::letter::{self, Letterhead, Links};
use crate::domain::notification::{Notice, NoticeKind, RoundFacts};
use crate::domain::registration::RegistrationStatus;
use crate::domain::registration::link::Linked;
use crate::domain::round::{RoundKind, RoundRow, RoundText};
use crate::domain::translation::Translations;
use askama::Template;

/// Every state a page can be in.
const STATES: [(&str, State); 14] = [
    ("confirm-form", State::ConfirmForm),
    ("cancel-form", State::CancelForm),
    ("confirmed", State::Confirmed),
    ("waitlisted", State::Waitlisted(3)),
    ("already-confirmed", State::AlreadyConfirmed),
    ("already-waitlisted", State::AlreadyWaitlisted(3)),
    ("cancelled", State::Cancelled),
    ("already-cancelled", State::AlreadyCancelled),
    ("not-cancellable", State::NotCancellable),
    ("closed", State::Closed),
    ("expired", State::Expired),
    ("unknown", State::Unknown),
    ("bad-request", State::BadRequest),
    ("busy", State::Busy),
];

/// `(file name, HTML)` of every mail kind and every page state in every language.
pub fn all(links: &Links) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for &language in Language::ALL {
        for &kind in NoticeKind::ALL {
            let html = letter::write(&notice(kind, language), &letterhead(links), &ministry()).html;
            files.push((format!("mail-{}-{language}.html", kind.as_str()), html));
        }
        let linked = linked(language);
        for (name, state) in STATES {
            let known = !matches!(state, State::Unknown | State::BadRequest | State::Busy);
            let switch = |other: Language| format!("?token=beispiel&lang={other}");
            let form = matches!(state, State::ConfirmForm | State::CancelForm);
            let page = view::page(
                state,
                language,
                known.then_some(&linked),
                form.then_some("beispiel"),
                form.then_some(&switch as &dyn Fn(Language) -> String),
            );
            let html = page.render().unwrap_or_default();
            files.push((format!("page-{name}-{language}.html"), html));
        }
    }
    files
}

fn letterhead(links: &Links) -> Letterhead {
    Letterhead {
        links: links.clone(),
        signature: None,
    }
}

fn ministry() -> Organizer {
    Organizer {
        name: Some(authority().name),
        email: "integration@ms.sachsen-anhalt.de".into(),
    }
}

fn authority() -> AuthorityRow {
    let at = Utc
        .with_ymd_and_hms(2019, 8, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    AuthorityRow {
        id: Uuid::nil(),
        slug: "ms-sachsen-anhalt".into(),
        name: "Ministerium für Arbeit, Soziales und Integration Sachsen-Anhalt".into(),
        kind: AuthorityKind::Ministry,
        contact_email: Some("integration@ms.sachsen-anhalt.de".into()),
        privacy_contact: None,
        imprint_url: None,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// The Regionalkonferenz in Dessau-Roßlau of the integration concept, 9 October 2019.
fn round() -> RoundRow {
    let starts_at = Utc
        .with_ymd_and_hms(2019, 10, 9, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let ends_at = Utc
        .with_ymd_and_hms(2019, 10, 9, 13, 0, 0)
        .single()
        .unwrap_or_default();
    let text = |title: &str| {
        Some(RoundText {
            title: title.into(),
        })
    };
    RoundRow {
        venue_name: Some("Altes Theater".into()),
        venue_street: Some("Friedrichstraße 13".into()),
        venue_postal_code: Some("06844".into()),
        venue_city: Some("Dessau-Roßlau".into()),
        region: Some("Dessau-Roßlau".into()),
        translations: Translations {
            en: text("Regional Conference Dessau-Roßlau"),
            uk: text("Регіональна конференція в Дессау-Рослау"),
            ar: text("المؤتمر الإقليمي في ديساو-روسلاو"),
        },
        ..RoundRow::planned(
            (Uuid::nil(), Uuid::nil()),
            RoundKind::Regional,
            "Regionalkonferenz Dessau-Roßlau",
            (starts_at, ends_at),
            120,
            starts_at,
        )
    }
}

fn linked(language: Language) -> Linked {
    Linked {
        id: Uuid::nil(),
        status: RegistrationStatus::Pending,
        waitlist_position: None,
        language,
        expired: false,
        round: round(),
        authority: Some(authority()),
    }
}

fn notice(kind: NoticeKind, language: Language) -> Notice {
    let round = round();
    Notice {
        kind,
        language,
        registration_id: Uuid::nil(),
        name: "Aylin Demir".into(),
        email: "a.demir@example.org".into(),
        round: RoundFacts {
            title: round.title_in(language).to_string(),
            ..RoundFacts::from(&round)
        },
        waitlist_position: matches!(kind, NoticeKind::Waitlisted).then_some(3),
        confirm_token: Some("beispiel".into()),
        confirm_expires_at: Some(Utc::now() + chrono::Duration::hours(24)),
        cancel_token: Some("beispiel".into()),
    }
}

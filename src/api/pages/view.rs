//! What a page about a registration says, in the registrant's language: one template
//! (`templates/pages/page.html`) for every state.

use actix_web::http::StatusCode;
use askama::Template;

use crate::domain::language::Language;
use crate::domain::registration::link::Linked;
use crate::domain::texts::Texts;

/// The stylesheet, inline (one request per page) and allowed by its hash in the CSP.
pub const CSS: &str = include_str!("../../../templates/pages/page.css");

/// Where a page stands, and so what it says and which status it answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    ConfirmForm,
    CancelForm,
    Confirmed,
    Waitlisted(i64),
    AlreadyConfirmed,
    AlreadyWaitlisted(i64),
    Cancelled,
    AlreadyCancelled,
    NotCancellable,
    Closed,
    Expired,
    Unknown,
    BadRequest,
    Busy,
}

impl State {
    pub fn status(self) -> StatusCode {
        match self {
            State::ConfirmForm
            | State::CancelForm
            | State::Confirmed
            | State::Waitlisted(_)
            | State::AlreadyConfirmed
            | State::AlreadyWaitlisted(_)
            | State::Cancelled
            | State::AlreadyCancelled => StatusCode::OK,
            State::NotCancellable | State::Closed => StatusCode::CONFLICT,
            State::Expired => StatusCode::GONE,
            State::Unknown => StatusCode::NOT_FOUND,
            State::BadRequest => StatusCode::BAD_REQUEST,
            State::Busy => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The title's and the body's messages.
    fn messages(self) -> (&'static str, &'static str) {
        match self {
            State::ConfirmForm => ("page-confirm-title", "page-confirm-lead"),
            State::CancelForm => ("page-cancel-title", "page-cancel-lead"),
            State::Confirmed => ("page-confirmed-title", "page-confirmed-body"),
            State::Waitlisted(_) => ("page-waitlisted-title", "page-waitlisted-body"),
            State::AlreadyConfirmed => (
                "page-already-confirmed-title",
                "page-already-confirmed-body",
            ),
            State::AlreadyWaitlisted(_) => (
                "page-already-confirmed-title",
                "page-already-waitlisted-body",
            ),
            State::Cancelled => ("page-cancelled-title", "page-cancelled-body"),
            State::AlreadyCancelled => (
                "page-already-cancelled-title",
                "page-already-cancelled-body",
            ),
            State::NotCancellable => ("page-not-cancellable-title", "page-not-cancellable-body"),
            State::Closed => ("page-closed-title", "page-closed-body"),
            State::Expired => ("page-expired-title", "page-expired-body"),
            State::Unknown => ("page-unknown-title", "page-unknown-body"),
            State::BadRequest => ("page-bad-request-title", "page-bad-request-body"),
            State::Busy => ("page-busy-title", "page-busy-body"),
        }
    }

    fn position(self) -> Option<i64> {
        match self {
            State::Waitlisted(position) | State::AlreadyWaitlisted(position) => Some(position),
            _ => None,
        }
    }
}

/// The form a page offers: where it posts, the link's token, the button.
pub struct Form {
    pub action: &'static str,
    pub token: String,
    pub button: String,
}

pub struct RoundView {
    pub title: String,
    pub when: String,
    pub venue: String,
}

pub struct Labels {
    pub round: String,
    pub date: String,
    pub venue: String,
    pub language: String,
}

/// A link to the same page in another language.
pub struct LanguageLink {
    pub code: &'static str,
    pub name: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "pages/page.html")]
pub struct Page {
    pub language: &'static str,
    pub direction: &'static str,
    pub service: String,
    pub authority: Option<String>,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub round: Option<RoundView>,
    pub labels: Labels,
    pub form: Option<Form>,
    pub contact: String,
    pub languages: Vec<LanguageLink>,
    pub css: &'static str,
}

/// The page for `state` in `language`, about `linked` where the registration is known.
/// `form` is the token to post back on a form page; `switch` builds the URL of the same
/// page in another language (form pages only).
pub fn page(
    state: State,
    language: Language,
    linked: Option<&Linked>,
    form_token: Option<&str>,
    switch: Option<&dyn Fn(Language) -> String>,
) -> Page {
    let texts = Texts::of(language);
    let (title, body) = state.messages();
    let body = match state.position() {
        Some(position) => texts.with(body, &[("position", position.into())]),
        None => texts.get(body),
    };
    let contact = linked
        .and_then(|l| l.authority.as_ref())
        .and_then(|a| a.contact_email.clone())
        .map_or_else(
            || texts.get("page-contact-none"),
            |contact| texts.with("page-contact", &[("contact", contact.into())]),
        );
    let form = form_token.and_then(|token| {
        let (action, button) = match state {
            State::ConfirmForm => ("bestaetigen", "page-confirm-button"),
            State::CancelForm => ("stornieren", "page-cancel-button"),
            _ => return None,
        };
        Some(Form {
            action,
            token: token.to_string(),
            button: texts.get(button),
        })
    });
    Page {
        language: language.as_str(),
        direction: language.direction(),
        service: texts.get("page-service"),
        authority: linked
            .and_then(|l| l.authority.as_ref())
            .map(|a| a.name.clone()),
        title: texts.get(title),
        paragraphs: vec![body],
        round: linked.map(|l| round(&texts, l)),
        labels: Labels {
            round: texts.get("page-round"),
            date: texts.get("page-date"),
            venue: texts.get("page-venue"),
            language: texts.get("page-language"),
        },
        form,
        contact,
        languages: switch.map_or_else(Vec::new, |href| languages(language, href)),
        css: CSS,
    }
}

fn round(texts: &Texts, linked: &Linked) -> RoundView {
    let round = &linked.round;
    RoundView {
        title: round.title_in(texts.language).to_string(),
        when: texts.period(round.starts_at, round.ends_at),
        venue: round
            .venue()
            .map_or_else(|| texts.get("page-venue-none"), |venue| venue.one_line()),
    }
}

fn languages(current: Language, href: &dyn Fn(Language) -> String) -> Vec<LanguageLink> {
    Language::ALL
        .iter()
        .map(|&language| LanguageLink {
            code: language.as_str(),
            name: Texts::of(language).get("language-name"),
            href: href(language),
            current: language == current,
        })
        .collect()
}

//! The letters written for notices, in the registrant's language: one text, rendered as
//! plain text and as an accessible HTML page (askama), with the round as an iCalendar
//! attachment ([`invitation`](super::invitation)) where it helps.

use askama::Template;
use chrono::Utc;

use super::invitation::{self, Organizer};
use super::notice::{Notice, NoticeKind, RoundFacts};
use crate::domain::texts::Texts;
use Block::{Link, Paragraph};

/// Where the links in mails point: templates with `{token}` (and `{id}` for cancelling),
/// the service's own pages unless the ministry has a front end of its own.
#[derive(Debug, Clone)]
pub struct Links {
    pub confirm: String,
    pub cancel: String,
}

impl Links {
    pub fn confirm(&self, token: &str) -> String {
        self.confirm.replace("{token}", token)
    }

    pub fn cancel(&self, id: uuid::Uuid, token: &str) -> String {
        self.cancel
            .replace("{id}", &id.to_string())
            .replace("{token}", token)
    }
}

/// What every letter of this deployment shares.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub links: Links,
    /// `MAIL_SIGNATURE`: the lines under the closing, the same in every language (a
    /// ministry signs with its name); without it, the words of the language.
    pub signature: Option<String>,
}

/// A letter ready to be put into a mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `termin.ics`: the round for calendar programs.
    pub calendar: Option<String>,
}

/// A piece of a letter.
pub enum Block {
    Paragraph(String),
    Link { label: String, url: String },
}

/// The HTML mail: a complete page with language, direction and title.
#[derive(Template)]
#[template(path = "mail/letter.html")]
struct HtmlLetter<'a> {
    language: &'a str,
    direction: &'a str,
    subject: &'a str,
    blocks: &'a [Block],
}

pub fn write(notice: &Notice, letterhead: &Letterhead, organizer: &Organizer) -> Letter {
    let texts = Texts::of(notice.language);
    let round = &notice.round;
    let draft = Draft {
        notice,
        letterhead,
        organizer,
        texts,
        title: &round.title,
        when_where: format!(
            "{}{}",
            texts.period(round.starts_at, round.ends_at),
            place(round)
        ),
    };
    let (subject, mut blocks, calendar) = match notice.kind {
        NoticeKind::PleaseConfirm => draft.please_confirm(),
        NoticeKind::Confirmed => draft.confirmed(),
        NoticeKind::Waitlisted => draft.waitlisted(),
        NoticeKind::Promoted => draft.promoted(),
        NoticeKind::Cancelled => draft.cancelled(),
        NoticeKind::RoundChanged => draft.round_changed(),
        NoticeKind::RoundCancelled => draft.round_cancelled(),
    };
    blocks.insert(
        0,
        Paragraph(texts.with("greeting", &[("name", notice.name.as_str().into())])),
    );
    let signature = letterhead
        .signature
        .clone()
        .unwrap_or_else(|| texts.get("signature"));
    blocks.push(Paragraph(format!("{}\n{signature}", texts.get("closing"))));
    let html = HtmlLetter {
        language: notice.language.as_str(),
        direction: notice.language.direction(),
        subject: &subject,
        blocks: &blocks,
    }
    .render()
    // Rendering writes into a string and escapes; it fails only on a formatter error.
    .unwrap_or_default();
    Letter {
        text: text(&blocks),
        html,
        subject,
        calendar,
    }
}

/// A letter's subject, its blocks between greeting and closing, and its calendar attachment.
type Body = (String, Vec<Block>, Option<String>);

/// What the letter for one notice draws on.
struct Draft<'a> {
    notice: &'a Notice,
    letterhead: &'a Letterhead,
    organizer: &'a Organizer,
    texts: Texts,
    title: &'a str,
    when_where: String,
}

impl Draft<'_> {
    fn say(&self, id: &str) -> String {
        self.texts.get(id)
    }

    /// A message about the round: its title and when and where.
    fn about(&self, id: &str) -> String {
        self.texts.with(
            id,
            &[
                ("title", self.title.into()),
                ("when", self.when_where.as_str().into()),
            ],
        )
    }

    fn subject(&self, id: &str) -> String {
        self.texts.with(id, &[("title", self.title.into())])
    }

    fn with_position(&self, id: &str, position: i64) -> String {
        self.texts.with(
            id,
            &[
                ("title", self.title.into()),
                ("when", self.when_where.as_str().into()),
                ("position", position.into()),
            ],
        )
    }

    /// The cancel link, when the notice hands out the cancel token.
    fn cancel_url(&self) -> Option<String> {
        self.notice.cancel_token.as_deref().map(|token| {
            self.letterhead
                .links
                .cancel(self.notice.registration_id, token)
        })
    }

    fn cancel_link(&self, label: &str) -> Option<Block> {
        self.cancel_url().map(|url| Link {
            label: self.say(label),
            url,
        })
    }

    /// The round for calendar programs.
    fn event(&self) -> Option<String> {
        let description = self
            .texts
            .with("calendar-description", &[("title", self.title.into())]);
        Some(invitation::calendar(
            &self.notice.round,
            self.organizer,
            invitation::Details {
                summary: self.title,
                description: &description,
                url: self.cancel_url(),
                language: self.notice.language,
            },
        ))
    }

    /// The please-confirm mail, with the confirmation link.
    fn please_confirm(&self) -> Body {
        let mut blocks = vec![
            Paragraph(self.about("please-confirm-thanks")),
            Paragraph(self.say("please-confirm-ask")),
        ];
        if let Some(expires) = self.notice.confirm_expires_at {
            let hours = (expires - Utc::now()).num_minutes().div_euclid(60).max(0);
            let deadline = format!("{}, {}", self.texts.date(expires), self.texts.time(expires));
            blocks.push(Paragraph(self.texts.with(
                "please-confirm-deadline",
                &[("deadline", deadline.into()), ("hours", hours.into())],
            )));
        }
        blocks.push(Link {
            label: self.say("please-confirm-link"),
            url: self
                .letterhead
                .links
                .confirm(self.notice.confirm_token.as_deref().unwrap_or_default()),
        });
        blocks.push(Paragraph(self.say("please-confirm-not-you")));
        (self.subject("please-confirm-subject"), blocks, None)
    }

    /// A seat is the registrant's, with the round for the calendar.
    fn confirmed(&self) -> Body {
        let blocks = vec![
            Paragraph(self.about("confirmed-seat")),
            Paragraph(self.say("confirmed-calendar")),
        ];
        (
            self.subject("confirmed-subject"),
            blocks
                .into_iter()
                .chain(self.cancel_link("cancel-link"))
                .collect(),
            self.event(),
        )
    }

    /// All seats are taken; the registrant waits.
    fn waitlisted(&self) -> Body {
        let position = self.notice.waitlist_position.unwrap_or_default();
        let blocks = vec![
            Paragraph(self.with_position("waitlisted-position", position)),
            Paragraph(self.say("waitlisted-promise")),
        ];
        (
            self.subject("waitlisted-subject"),
            blocks
                .into_iter()
                .chain(self.cancel_link("waitlist-leave-link"))
                .collect(),
            None,
        )
    }

    /// A seat became free and went to the registrant.
    fn promoted(&self) -> Body {
        (
            self.subject("promoted-subject"),
            vec![
                Paragraph(self.about("promoted-seat")),
                Paragraph(self.say("promoted-calendar")),
            ],
            self.event(),
        )
    }

    /// The registration is cancelled.
    fn cancelled(&self) -> Body {
        (
            self.subject("cancelled-subject"),
            vec![Paragraph(self.about("cancelled-body"))],
            None,
        )
    }

    /// The round moved in time or place.
    fn round_changed(&self) -> Body {
        let second = match self.notice.waitlist_position {
            Some(position) => self.with_position("round-changed-waitlist", position),
            None => self.say("round-changed-calendar"),
        };
        (
            self.subject("round-changed-subject"),
            vec![
                Paragraph(self.about("round-changed-body")),
                Paragraph(second),
            ],
            self.event_for_seat_holders(),
        )
    }

    /// The round will not take place.
    fn round_cancelled(&self) -> Body {
        (
            self.subject("round-cancelled-subject"),
            vec![Paragraph(self.about("round-cancelled-body"))],
            self.event_for_seat_holders(),
        )
    }

    /// Waitlisted registrants hold no seat and never got the round into their calendar.
    fn event_for_seat_holders(&self) -> Option<String> {
        if self.notice.waitlist_position.is_some() {
            None
        } else {
            self.event()
        }
    }
}

fn text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|block| match block {
            Paragraph(p) => p.clone(),
            Link { label, url } => format!("{label}:\n{url}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n"
}

fn place(round: &RoundFacts) -> String {
    round
        .venue
        .as_ref()
        .map(|v| format!(", {}", v.one_line()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;

//! The German letters written for notices: one text, rendered as plain text and as HTML,
//! and the round as an iCalendar (RFC 5545) attachment where it helps.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};

use super::notice::{Notice, NoticeKind, RoundFacts};
use crate::domain::round::wire::Venue;
use Block::{Link, Paragraph};

/// Where the links in mails point: templates with `{token}` (and `{id}` for cancelling),
/// pages of the ministry's front end.
#[derive(Debug, Clone)]
pub struct Links {
    pub confirm: String,
    pub cancel: String,
}

impl Links {
    fn confirm(&self, token: &str) -> String {
        self.confirm.replace("{token}", token)
    }

    fn cancel(&self, id: uuid::Uuid, token: &str) -> String {
        self.cancel
            .replace("{id}", &id.to_string())
            .replace("{token}", token)
    }
}

/// Who sends the mails, named in the `.ics` as ORGANIZER (RFC 5546 requires one for
/// PUBLISH and CANCEL): the ministry, by the mail's From.
#[derive(Debug, Clone)]
pub struct Organizer {
    pub name: Option<String>,
    pub email: String,
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
enum Block {
    Paragraph(String),
    Link { label: &'static str, url: String },
}

pub fn write(notice: &Notice, links: &Links, organizer: &Organizer) -> Letter {
    let round = &notice.round;
    let draft = Draft {
        notice,
        links,
        organizer,
        title: &round.title,
        when_where: format!("{}{}", when(round), place(round)),
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
    blocks.insert(0, Paragraph(format!("Guten Tag {},", notice.name)));
    blocks.push(Paragraph(
        "Mit freundlichen Grüßen\nIhr Team der Beteiligung".to_string(),
    ));
    Letter {
        subject,
        text: text(&blocks),
        html: html(&blocks),
        calendar,
    }
}

/// A letter's subject, its blocks between greeting and closing, and its calendar attachment.
type Body = (String, Vec<Block>, Option<String>);

/// What the letter for one notice draws on.
struct Draft<'a> {
    notice: &'a Notice,
    links: &'a Links,
    organizer: &'a Organizer,
    title: &'a str,
    when_where: String,
}

impl Draft<'_> {
    /// The round for calendar programs.
    fn event(&self) -> Option<String> {
        Some(calendar(
            &self.notice.round,
            &self.notice.email,
            self.organizer,
        ))
    }

    /// The link to cancel, when the notice hands out the cancel token.
    fn cancel_link(&self, label: &'static str) -> Option<Block> {
        self.notice.cancel_token.as_deref().map(|token| Link {
            label,
            url: self.links.cancel(self.notice.registration_id, token),
        })
    }

    /// The please-confirm mail, with the confirmation link.
    fn please_confirm(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Bitte bestätigen Sie Ihre Anmeldung: {title}"),
            vec![
                Paragraph(format!(
                    "vielen Dank für Ihre Anmeldung zu „{title}“ ({when_where})."
                )),
                Paragraph(format!(
                    "Bitte bestätigen Sie Ihre Anmeldung{} über diesen Link. Erst mit der \
                     Bestätigung erhalten Sie einen Platz, oder einen Platz auf der Warteliste, \
                     wenn alle Plätze vergeben sind. Ohne Bestätigung löschen wir die Anmeldung \
                     mit Ihren Angaben.",
                    self.notice
                        .confirm_expires_at
                        .map(|at| format!(" bis {}", local(at)))
                        .unwrap_or_default()
                )),
                Link {
                    label: "Anmeldung bestätigen",
                    url: self
                        .links
                        .confirm(self.notice.confirm_token.as_deref().unwrap_or_default()),
                },
                Paragraph(
                    "Wenn Sie sich nicht angemeldet haben, brauchen Sie nichts zu tun.".to_string(),
                ),
            ],
            None,
        )
    }

    /// A seat is the registrant's, with the round for the calendar.
    fn confirmed(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Ihre Anmeldung ist bestätigt: {title}"),
            vec![
                Paragraph(format!(
                    "Ihre Anmeldung zu „{title}“ ist bestätigt: Ein Platz ist für Sie \
                     reserviert ({when_where})."
                )),
                Paragraph(
                    "Den Termin für Ihren Kalender finden Sie im Anhang. Wenn Sie nicht \
                     teilnehmen können, melden Sie sich bitte ab, damit Ihr Platz an die \
                     Warteliste geht."
                        .to_string(),
                ),
            ]
            .into_iter()
            .chain(self.cancel_link("Anmeldung stornieren"))
            .collect(),
            self.event(),
        )
    }

    /// All seats are taken; the registrant waits.
    fn waitlisted(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Sie stehen auf der Warteliste: {title}"),
            vec![
                Paragraph(format!(
                    "alle Plätze für „{title}“ ({when_where}) sind vergeben. Sie stehen auf \
                     der Warteliste{}.",
                    self.notice
                        .waitlist_position
                        .map(|p| format!(" an Position {p}"))
                        .unwrap_or_default()
                )),
                Paragraph(
                    "Sobald ein Platz frei wird, rücken Sie automatisch nach, und wir \
                     schreiben Ihnen."
                        .to_string(),
                ),
            ]
            .into_iter()
            .chain(self.cancel_link("Von der Warteliste abmelden"))
            .collect(),
            None,
        )
    }

    /// A seat became free and went to the registrant.
    fn promoted(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Ein Platz ist frei geworden: {title}"),
            vec![
                Paragraph(format!(
                    "gute Nachricht: Für „{title}“ ({when_where}) ist ein Platz frei geworden, \
                     und Sie sind von der Warteliste nachgerückt. Ihre Teilnahme ist bestätigt."
                )),
                Paragraph(
                    "Den Termin für Ihren Kalender finden Sie im Anhang. Zum Abmelden nutzen \
                     Sie bitte den Link aus unserer ersten E-Mail."
                        .to_string(),
                ),
            ],
            self.event(),
        )
    }

    /// The registration is cancelled.
    fn cancelled(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Ihre Anmeldung ist storniert: {title}"),
            vec![Paragraph(format!(
                "Ihre Anmeldung zu „{title}“ ({when_where}) ist storniert. Sie können sich \
                 jederzeit neu anmelden, solange die Anmeldung offen ist."
            ))],
            None,
        )
    }

    /// The round moved in time or place.
    fn round_changed(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Geänderter Termin: {title}"),
            vec![
                Paragraph(format!(
                    "die Veranstaltung „{title}“, zu der Sie angemeldet sind, hat sich \
                     geändert. Sie findet jetzt so statt: {when_where}."
                )),
                Paragraph(match self.notice.waitlist_position {
                    Some(position) => format!(
                        "Sie stehen weiterhin auf der Warteliste an Position {position}. \
                         Den Termin für Ihren Kalender senden wir Ihnen, sobald ein Platz \
                         für Sie frei wird."
                    ),
                    None => "Der Termin im Anhang ersetzt den bisherigen in Ihrem Kalender. \
                             Ihre Anmeldung bleibt bestehen."
                        .to_string(),
                }),
            ],
            // Waitlisted registrants hold no seat and never got the round into their calendar.
            if self.notice.waitlist_position.is_some() {
                None
            } else {
                self.event()
            },
        )
    }

    /// The round will not take place.
    fn round_cancelled(&self) -> Body {
        let title = self.title;
        let when_where = &self.when_where;
        (
            format!("Abgesagt: {title}"),
            vec![Paragraph(format!(
                "die Veranstaltung „{title}“ ({when_where}) ist leider abgesagt. Ihre \
                 Anmeldung ist damit hinfällig; wir informieren Sie, wenn es einen neuen \
                 Termin gibt."
            ))],
            if self.notice.waitlist_position.is_some() {
                None
            } else {
                self.event()
            },
        )
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

fn html(blocks: &[Block]) -> String {
    use html_escape::{encode_double_quoted_attribute, encode_text};
    let body: String = blocks
        .iter()
        .map(|block| match block {
            Paragraph(p) => format!("<p>{}</p>\n", encode_text(p).replace('\n', "<br>")),
            Link { label, url } => format!(
                "<p><a href=\"{}\">{}</a></p>\n",
                encode_double_quoted_attribute(url),
                encode_text(label)
            ),
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"></head><body>\n{body}</body></html>\n"
    )
}

/// A time as people in Saxony-Anhalt read it: `12.09.2019, 10:00 Uhr`.
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Berlin)
        .format("%d.%m.%Y, %H:%M Uhr")
        .to_string()
}

fn when(round: &RoundFacts) -> String {
    let (starts, ends) = (
        round.starts_at.with_timezone(&Berlin),
        round.ends_at.with_timezone(&Berlin),
    );
    if starts.date_naive() == ends.date_naive() {
        format!(
            "am {} von {} bis {} Uhr",
            starts.format("%d.%m.%Y"),
            starts.format("%H:%M"),
            ends.format("%H:%M")
        )
    } else {
        format!(
            "vom {} bis {}",
            local(round.starts_at),
            local(round.ends_at)
        )
    }
}

fn place(round: &RoundFacts) -> String {
    round
        .venue
        .as_ref()
        .map(|v| format!(", {}", address(v)))
        .unwrap_or_default()
}

fn address(venue: &Venue) -> String {
    let mut parts = vec![venue.name.clone()];
    parts.extend(venue.street.clone());
    let city = match &venue.postal_code {
        Some(code) => format!("{code} {}", venue.city),
        None => venue.city.clone(),
    };
    parts.push(city);
    parts.join(", ")
}

/// The round as an iCalendar event: the same UID for every mail about the round and a
/// growing SEQUENCE, so a change replaces the entry and a cancellation removes it.
fn calendar(round: &RoundFacts, attendee: &str, organizer: &Organizer) -> String {
    let mut organizer_property = Property::new("ORGANIZER", format!("mailto:{}", organizer.email));
    if let Some(name) = &organizer.name {
        // A parameter value may hold no double quote and no control character.
        let name: String = name
            .chars()
            .filter(|c| *c != '"' && !c.is_control())
            .collect();
        organizer_property.add_parameter("CN", name.trim());
    }
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("round-{}@beteiligung", round.id))
        .summary(&round.title)
        .starts(round.starts_at)
        .ends(round.ends_at)
        .sequence(u32::try_from(round.sequence).unwrap_or_default())
        .timestamp(Utc::now())
        .append_property(organizer_property.done())
        .add_property("ATTENDEE", format!("mailto:{attendee}"))
        .status(if round.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if let Some(venue) = &round.venue {
        event.location(&address(venue));
    }
    let method = if round.cancelled { "CANCEL" } else { "PUBLISH" };
    Calendar::new()
        .append_property(("METHOD", method))
        .push(event.done())
        .done()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn notice(kind: NoticeKind) -> Notice {
        Notice {
            kind,
            registration_id: uuid::Uuid::nil(),
            name: "Aylin <Demir>".into(),
            email: "a.demir@example.org".into(),
            round: RoundFacts {
                id: uuid::Uuid::nil(),
                title: "Regionalkonferenz Halle".into(),
                venue: Some(Venue {
                    name: "Stadthaus".into(),
                    street: Some("Marktplatz 2".into()),
                    postal_code: Some("06108".into()),
                    city: "Halle (Saale)".into(),
                }),
                starts_at: Utc.with_ymd_and_hms(2019, 10, 8, 8, 0, 0).unwrap(),
                ends_at: Utc.with_ymd_and_hms(2019, 10, 8, 14, 0, 0).unwrap(),
                sequence: 1,
                cancelled: false,
            },
            waitlist_position: Some(3),
            confirm_token: Some("tok".into()),
            confirm_expires_at: None,
            cancel_token: Some("ctok".into()),
        }
    }

    fn links() -> Links {
        Links {
            confirm: "https://example.org/c?token={token}".into(),
            cancel: "https://example.org/r/{id}/storno?token={token}".into(),
        }
    }

    fn ministry() -> Organizer {
        Organizer {
            name: Some("Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung".into()),
            email: "beteiligung@ms.sachsen-anhalt.test".into(),
        }
    }

    #[test]
    fn times_are_berlin_time_and_html_is_escaped() {
        let letter = write(&notice(NoticeKind::Confirmed), &links(), &ministry());
        assert!(
            letter
                .text
                .contains("am 08.10.2019 von 10:00 bis 16:00 Uhr")
        );
        assert!(
            letter
                .text
                .contains("Stadthaus, Marktplatz 2, 06108 Halle (Saale)")
        );
        assert!(letter.html.contains("Guten Tag Aylin &lt;Demir&gt;,"));
        assert!(letter.text.contains(
            "https://example.org/r/00000000-0000-0000-0000-000000000000/storno?token=ctok"
        ));
        let calendar = letter.calendar.expect("ics");
        assert!(calendar.contains("DTSTART:20191008T080000Z"), "{calendar}");
        assert!(calendar.contains("DTEND:20191008T140000Z"), "{calendar}");
        let unfolded = calendar.replace("\r\n ", "");
        assert!(
            unfolded.contains(
                "ORGANIZER;CN=\"Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung\":\
                 mailto:beteiligung@ms.sachsen-anhalt.test"
            ),
            "{calendar}"
        );
    }

    #[test]
    fn waitlisted_letter_names_the_position_and_please_confirm_the_link() {
        let letter = write(&notice(NoticeKind::Waitlisted), &links(), &ministry());
        assert!(letter.text.contains("an Position 3"));
        assert!(letter.calendar.is_none());
        let letter = write(&notice(NoticeKind::PleaseConfirm), &links(), &ministry());
        assert!(letter.text.contains("https://example.org/c?token=tok"));
    }
}

//! The round as an iCalendar (RFC 5545) invitation: local times with `TZID=Europe/Berlin`
//! and the zone's `VTIMEZONE`, so calendar programs show the time the ministry announced
//! even across a change of summer time, with a description and a link.

use std::str::FromStr;

use chrono::Utc;
use chrono_tz::Europe::Berlin;
use icalendar::{
    Calendar, CalendarComponent, CalendarDateTime, Component, EventLike, EventStatus, Property,
};

use super::notice::RoundFacts;
use crate::domain::language::Language;

const TZID: &str = "Europe/Berlin";

/// Central European Time with the EU's summer time (last Sunday of March to last Sunday of
/// October, since 1996), as RFC 5545 §3.6.5 describes a zone.
const BERLIN: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Europe/Berlin\r\n\
BEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\n\
TZNAME:CEST\r\n\
DTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
TZNAME:CET\r\n\
DTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// Who sends the mails: the authority running the consultation, named in the `.ics` as
/// ORGANIZER (RFC 5546 requires one for PUBLISH and CANCEL).
#[derive(Debug, Clone)]
pub struct Organizer {
    pub name: Option<String>,
    pub email: String,
}

/// What the invitation says besides the round's facts.
pub struct Details<'a> {
    pub summary: &'a str,
    pub description: &'a str,
    /// Where the registrant manages the registration (the cancel page), when known.
    pub url: Option<String>,
    pub language: Language,
}

/// The round as an event: the same UID for every mail about the round and a growing
/// SEQUENCE, so a change replaces the entry and a cancellation removes it. PUBLISH and CANCEL
/// carry the ORGANIZER and no ATTENDEE (RFC 5546 §3.2.1, §3.2.5): an entry for the calendar,
/// not an invitation to answer.
pub fn calendar(round: &RoundFacts, organizer: &Organizer, details: Details<'_>) -> String {
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("round-{}@beteiligung", round.id))
        .append_property(in_language("SUMMARY", details.summary, details.language))
        .append_property(in_language(
            "DESCRIPTION",
            details.description,
            details.language,
        ))
        .starts(local(round.starts_at))
        .ends(local(round.ends_at))
        .sequence(u32::try_from(round.sequence).unwrap_or_default())
        .timestamp(Utc::now())
        .append_property(organizer_property(organizer))
        .status(if round.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if let Some(url) = details.url {
        event.url(&url);
    }
    if let Some(venue) = &round.venue {
        event.location(&venue.one_line());
    }
    let mut calendar = Calendar::new();
    calendar
        .append_property(("METHOD", if round.cancelled { "CANCEL" } else { "PUBLISH" }))
        .append_property(Property::new("X-WR-TIMEZONE", TZID));
    // The zone is a constant of this module; it parses (tested).
    if let Ok(zone) = CalendarComponent::from_str(BERLIN) {
        calendar.push(zone);
    }
    calendar.push(event.done());
    calendar.done().to_string()
}

fn local(at: chrono::DateTime<Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: at.with_timezone(&Berlin).naive_local(),
        tzid: TZID.to_string(),
    }
}

/// A text property with the language it is written in (RFC 5545 §3.2.10).
fn in_language(name: &str, text: &str, language: Language) -> Property {
    let mut property = Property::new(name, text);
    property.add_parameter("LANGUAGE", language.as_str());
    property.done()
}

fn organizer_property(organizer: &Organizer) -> Property {
    let mut property = Property::new("ORGANIZER", format!("mailto:{}", organizer.email));
    if let Some(name) = &organizer.name {
        // A parameter value may hold no double quote and no control character.
        let name: String = name
            .chars()
            .filter(|c| *c != '"' && !c.is_control())
            .collect();
        property.add_parameter("CN", name.trim());
    }
    property.done()
}

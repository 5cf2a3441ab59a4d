use chrono::TimeZone;

use super::*;
use crate::domain::language::Language;
use crate::domain::round::wire::Venue;

fn notice(kind: NoticeKind, language: Language) -> Notice {
    Notice {
        kind,
        language,
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

fn letterhead() -> Letterhead {
    Letterhead {
        links: Links {
            confirm: "https://example.org/c?token={token}".into(),
            cancel: "https://example.org/r/{id}/storno?token={token}".into(),
        },
        signature: None,
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
    let letter = write(
        &notice(NoticeKind::Confirmed, Language::De),
        &letterhead(),
        &ministry(),
    );
    assert!(
        letter
            .text
            .contains("Dienstag, 8. Oktober 2019, 10:00 bis 16:00 Uhr"),
        "{}",
        letter.text
    );
    assert!(
        letter
            .text
            .contains("Stadthaus, Marktplatz 2, 06108 Halle (Saale)")
    );
    assert!(
        letter.html.contains("Guten Tag Aylin &#60;Demir&#62;,")
            || letter.html.contains("Guten Tag Aylin &lt;Demir&gt;,"),
        "{}",
        letter.html
    );
    assert!(
        letter
            .html
            .contains("<title>Ihre Anmeldung ist bestätigt: Regionalkonferenz Halle</title>")
    );
    assert!(letter.html.contains("<html lang=\"de\" dir=\"ltr\">"));
    assert!(
        letter.text.contains(
            "https://example.org/r/00000000-0000-0000-0000-000000000000/storno?token=ctok"
        )
    );
    assert!(
        letter
            .text
            .ends_with("Mit freundlichen Grüßen\nIhr Team der Beteiligung\n")
    );
}

#[test]
fn the_invitation_is_in_berlin_time_with_its_zone_description_and_link() {
    let letter = write(
        &notice(NoticeKind::Confirmed, Language::En),
        &letterhead(),
        &ministry(),
    );
    let calendar = letter.calendar.expect("ics");
    let unfolded = calendar.replace("\r\n ", "");
    for line in [
        "DTSTART;TZID=Europe/Berlin:20191008T100000",
        "DTEND;TZID=Europe/Berlin:20191008T160000",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "SUMMARY;LANGUAGE=en:Regionalkonferenz Halle",
        "URL:https://example.org/r/00000000-0000-0000-0000-000000000000/storno?token=ctok",
        "ORGANIZER;CN=\"Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung\":\
         mailto:beteiligung@ms.sachsen-anhalt.test",
    ] {
        assert!(unfolded.contains(line), "{line} missing in\n{calendar}");
    }
    assert!(
        unfolded.contains("DESCRIPTION;LANGUAGE=en:Your registration for"),
        "{calendar}"
    );
    // An entry for the calendar (PUBLISH), not an invitation to answer.
    assert!(!unfolded.contains("ATTENDEE"), "{calendar}");
    // The zone comes before the event that refers to it.
    assert!(unfolded.find("BEGIN:VTIMEZONE") < unfolded.find("BEGIN:VEVENT"));
}

#[test]
fn letters_speak_the_registrants_language() {
    let letter = write(
        &notice(NoticeKind::Waitlisted, Language::Uk),
        &letterhead(),
        &ministry(),
    );
    assert!(
        letter.subject.starts_with("Ви в списку очікування"),
        "{}",
        letter.subject
    );
    assert!(letter.text.contains("під номером 3"), "{}", letter.text);
    assert!(
        letter.text.contains("вівторок, 8 жовтня 2019 р."),
        "{}",
        letter.text
    );
    assert!(letter.calendar.is_none());
    let letter = write(
        &notice(NoticeKind::PleaseConfirm, Language::Ar),
        &letterhead(),
        &ministry(),
    );
    assert!(letter.html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(letter.subject.contains("يرجى تأكيد تسجيلك"));
    assert!(letter.text.contains("https://example.org/c?token=tok"));
}

#[test]
fn a_configured_signature_closes_every_letter() {
    let mut head = letterhead();
    head.signature = Some("Ministerium für Arbeit, Soziales und Integration\nMagdeburg".into());
    let letter = write(
        &notice(NoticeKind::Cancelled, Language::En),
        &head,
        &ministry(),
    );
    assert!(
        letter.text.ends_with(
            "Kind regards\nMinisterium für Arbeit, Soziales und Integration\nMagdeburg\n"
        )
    );
    assert!(
        letter
            .html
            .contains("Kind regards<br>Ministerium für Arbeit")
    );
}

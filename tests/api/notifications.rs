//! Double opt-in and the mails registrants receive, through a real SMTP server: what
//! arrives, that its links work, and that the outbox survives crashes, SMTP outages and
//! a second replica.

use std::time::Duration;

use futures::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::registrant;
use crate::helpers::{
    TestApp, assert_problem, id, mail_settings, metric_value, spawn_app, spawn_app_with,
    spawn_app_with_mail,
};
use crate::smtp::{Mail, MailSink, REFUSED_DOMAIN};

const CONFIRM_LINK: &str = "https://beteiligung.sachsen-anhalt.test/anmeldung/bestaetigen";
const CANCEL_LINK: &str = "https://beteiligung.sachsen-anhalt.test/anmeldung/";

/// An open consultation's Regionalkonferenz Halle with `capacity` seats, a venue and
/// registration open now.
async fn halle(app: &TestApp, capacity: i32) -> Value {
    let c = app.consultation("integrationskonzept", "open").await;
    let round = app.round(&id(&c), capacity).await;
    let response = patch_round(
        app,
        &format!("/api/v1/rounds/{}", id(&round)),
        &json!({"title": "Regionalkonferenz Halle",
                    "venue": {"name": "Stadthaus", "street": "Marktplatz 2",
                              "postal_code": "06108", "city": "Halle (Saale)"}}),
    )
    .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Changes a round as an admin, with the ETag it has now.
async fn patch_round(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    let etag = app.etag(path, None).await;
    app.patch_if_match(path, &app.admin(), &etag, body).await
}

async fn register(app: &TestApp, round: &str, body: &Value, token: Option<&str>) -> Value {
    let response = app
        .post(
            &format!("/api/v1/rounds/{round}/registrations"),
            token,
            body,
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn confirm(app: &TestApp, token: &str) -> reqwest::Response {
    app.post(
        "/api/v1/registrations/confirm",
        None,
        &json!({ "token": token }),
    )
    .await
}

/// The one mail to `address` whose subject starts with `subject`.
async fn mail(sink: &MailSink, address: &str, subject: &str) -> Mail {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mails = sink.mails_to(address, 1).await;
        let matching: Vec<Mail> = mails
            .into_iter()
            .filter(|m| m.subject.starts_with(subject))
            .collect();
        if matching.len() == 1 {
            return matching.into_iter().next().unwrap();
        }
        assert!(matching.len() < 2, "{subject} twice to {address}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail {subject:?} to {address}: {:?}",
            sink.received().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An instant as the invitation states it: local time in Europe/Berlin, with its zone.
fn berlin(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Berlin)
        .format("Europe/Berlin %Y%m%dT%H%M%S")
        .to_string()
}

fn property<'a>(event: &'a [(String, String)], name: &str) -> &'a str {
    event
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

#[tokio::test]
async fn an_anonymous_registrant_confirms_by_mail_and_cancels_with_the_mailed_link() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = halle(&app, 130).await;
    let round_id = id(&round);
    let created = register(
        &app,
        &round_id,
        &registrant("Aylin Demir", "a.demir@example.org"),
        None,
    )
    .await;
    assert_eq!(created["status"], "pending");
    assert!(created.get("cancel_token").is_none(), "{created}");
    assert_eq!(app.seats(&round_id).await["confirmed"], 0);

    let please = mail(&sink, "a.demir@example.org", "Bitte bestätigen").await;
    assert_eq!(
        please.subject,
        "Bitte bestätigen Sie Ihre Anmeldung: Regionalkonferenz Halle"
    );
    assert_eq!(please.header_to, ["a.demir@example.org"]);
    assert!(
        please.text.starts_with("Guten Tag Aylin Demir,"),
        "{}",
        please.text
    );
    assert!(
        please
            .text
            .contains("Stadthaus, Marktplatz 2, 06108 Halle (Saale)")
    );
    assert!(
        please
            .html
            .contains("<a href=\"https://beteiligung.sachsen-anhalt.test/")
    );
    assert!(please.attachments.is_empty());
    let token = please.token(CONFIRM_LINK);

    let confirmed = confirm(&app, &token).await;
    assert_eq!(confirmed.status(), 200);
    let confirmed: Value = confirmed.json().await.unwrap();
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["id"], created["id"]);
    assert_eq!(app.seats(&round_id).await["confirmed"], 1);
    // The link works once: later it reveals nothing and changes nothing.
    assert_problem(confirm(&app, &token).await, 404, "confirmation_not_found").await;
    assert_eq!(app.seats(&round_id).await["confirmed"], 1);

    let welcome = mail(&sink, "a.demir@example.org", "Ihre Anmeldung ist bestätigt").await;
    assert!(welcome.text.contains("Ein Platz ist für Sie reserviert"));
    let event = welcome.calendar_event();
    let starts = chrono::DateTime::parse_from_rfc3339(round["starts_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(property(&event, "DTSTART"), berlin(starts));
    assert_eq!(property(&event, "SUMMARY"), "Regionalkonferenz Halle");
    assert!(property(&event, "DESCRIPTION").contains("Regionalkonferenz Halle"));
    assert_eq!(property(&event, "URL"), welcome.link(CANCEL_LINK));
    assert!(property(&event, "LOCATION").contains("Halle (Saale)"));
    let cancel_link = welcome.link(CANCEL_LINK);
    assert!(cancel_link.contains(&id(&created)), "{cancel_link}");
    let cancel_token = welcome.token(CANCEL_LINK);

    let cancelled = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{}", id(&created)),
            None,
        )
        .header("X-Cancel-Token", &cancel_token)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    assert_eq!(app.seats(&round_id).await["confirmed"], 0);
    let goodbye = mail(&sink, "a.demir@example.org", "Ihre Anmeldung ist storniert").await;
    assert!(goodbye.text.contains("Regionalkonferenz Halle"));
}

#[tokio::test]
async fn the_seat_is_decided_at_confirmation_and_the_waitlist_is_told_its_position_and_promotion() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 1).await);
    let first = register(
        &app,
        &round,
        &registrant("Jonas Krüger", "j.krueger@example.org"),
        None,
    )
    .await;
    let second = register(
        &app,
        &round,
        &registrant("Lena Wolf", "l.wolf@example.org"),
        None,
    )
    .await;
    // Confirmation order decides, not registration order.
    let token = mail(&sink, "l.wolf@example.org", "Bitte")
        .await
        .token(CONFIRM_LINK);
    let lena: Value = confirm(&app, &token).await.json().await.unwrap();
    assert_eq!(lena["status"], "confirmed");
    let token = mail(&sink, "j.krueger@example.org", "Bitte")
        .await
        .token(CONFIRM_LINK);
    let jonas: Value = confirm(&app, &token).await.json().await.unwrap();
    assert_eq!(jonas["status"], "waitlisted");
    assert_eq!(jonas["waitlist_position"], 1);
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 1, "waitlisted": 1, "attended": 0, "capacity": 1})
    );
    let waiting = mail(
        &sink,
        "j.krueger@example.org",
        "Sie stehen auf der Warteliste",
    )
    .await;
    assert!(waiting.text.contains("an Position 1"), "{}", waiting.text);
    assert!(waiting.attachments.is_empty());

    let cancelled = app
        .delete(
            &format!("/api/v1/registrations/{}", id(&second)),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let promoted = mail(
        &sink,
        "j.krueger@example.org",
        "Ein Platz ist frei geworden",
    )
    .await;
    assert!(promoted.text.contains("von der Warteliste nachgerückt"));
    assert_eq!(
        property(&promoted.calendar_event(), "SUMMARY"),
        "Regionalkonferenz Halle"
    );
    let now: Value = app
        .get_json(
            &format!("/api/v1/registrations/{}", id(&first)),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(now["status"], "confirmed");
}

#[tokio::test]
async fn unknown_and_expired_confirmation_tokens_are_refused_and_change_nothing() {
    let (app, sink) = spawn_app_with_mail(&[
        ("REGISTRATION_CONFIRM_TTL", "1s"),
        ("MAINTENANCE_INTERVAL", "300ms"),
    ])
    .await;
    let round = id(&halle(&app, 10).await);
    assert_problem(
        confirm(&app, "no-such-token").await,
        404,
        "confirmation_not_found",
    )
    .await;
    assert_problem(confirm(&app, "").await, 422, "validation_failed").await;
    let created = register(
        &app,
        &round,
        &registrant("Emil Hahn", "e.hahn@example.org"),
        None,
    )
    .await;
    let token = mail(&sink, "e.hahn@example.org", "Bitte")
        .await
        .token(CONFIRM_LINK);
    let db = app.db().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let refused = confirm(&app, &token).await;
    let status = refused.status().as_u16();
    // 410 while the row is still there, 404 once the clean-up has deleted it.
    assert!(status == 410 || status == 404, "{status}");
    assert_eq!(app.seats(&round).await["confirmed"], 0);
    // The clean-up deletes the registration, its events and waiting mails.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let left = db
        .query_one(
            "SELECT (SELECT count(*) FROM registrations WHERE id = $1::text::uuid) \
                  + (SELECT count(*) FROM events WHERE entity_id = $1::text::uuid) \
                  + (SELECT count(*) FROM outbox WHERE subject_id = $1::text::uuid \
                                                 OR recipient = 'e.hahn@example.org')",
            &[&id(&created)],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(left, 0);
    assert_problem(confirm(&app, &token).await, 404, "confirmation_not_found").await;
    // The address is free again.
    let again = register(
        &app,
        &round,
        &registrant("Emil Hahn", "e.hahn@example.org"),
        None,
    )
    .await;
    assert_eq!(again["status"], "pending");
}

#[tokio::test]
async fn a_pending_registration_cancelled_by_staff_is_not_written_to_again() {
    let app = spawn_app().await;
    let round = id(&halle(&app, 10).await);
    let created = register(
        &app,
        &round,
        &registrant("Emil Hahn", "e.hahn@example.org"),
        None,
    )
    .await;
    let cancelled = app
        .delete(
            &format!("/api/v1/registrations/{}", id(&created)),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(
        cancelled.json::<Value>().await.unwrap()["status"],
        "cancelled"
    );
    // No SMTP server here: the please-confirm mail was still waiting, and is gone.
    assert_eq!(app.count("outbox").await, 0);
    assert_eq!(app.seats(&round).await["confirmed"], 0);
}

#[tokio::test]
async fn nobody_moves_up_for_a_cancelled_round() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 1).await);
    let admin = app.admin();
    let first = register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        Some(&admin),
    )
    .await;
    let second = register(
        &app,
        &round,
        &registrant("Jonas Krüger", "j.krueger@example.org"),
        Some(&admin),
    )
    .await;
    assert_eq!(second["status"], "waitlisted");
    let path = format!("/api/v1/rounds/{round}");
    assert_eq!(
        patch_round(&app, &path, &json!({"cancelled": true}))
            .await
            .status(),
        200
    );
    mail(&sink, "j.krueger@example.org", "Abgesagt").await;
    let cancelled = app
        .delete(
            &format!("/api/v1/registrations/{}", id(&first)),
            Some(&admin),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    mail(&sink, "a.demir@example.org", "Ihre Anmeldung ist storniert").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let to_jonas = sink.mails_to("j.krueger@example.org", 0).await;
    assert!(
        to_jonas.iter().all(|m| !m.subject.starts_with("Ein Platz")),
        "{:?}",
        to_jonas.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let jonas = app
        .get_json(
            &format!("/api/v1/registrations/{}", id(&second)),
            Some(&admin),
        )
        .await;
    assert_eq!(jonas["status"], "waitlisted");
}

#[tokio::test]
async fn an_expired_link_is_gone_until_the_clean_up() {
    let (app, sink) = spawn_app_with_mail(&[
        ("REGISTRATION_CONFIRM_TTL", "1s"),
        ("MAINTENANCE_INTERVAL", "1h"),
    ])
    .await;
    let round = id(&halle(&app, 10).await);
    register(
        &app,
        &round,
        &registrant("Emil Hahn", "e.hahn@example.org"),
        None,
    )
    .await;
    let token = mail(&sink, "e.hahn@example.org", "Bitte")
        .await
        .token(CONFIRM_LINK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_problem(confirm(&app, &token).await, 410, "confirmation_expired").await;
    let status: String = app
        .db()
        .await
        .query_one("SELECT status FROM registrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "pending");
    assert_eq!(app.seats(&round).await["confirmed"], 0);
}

#[tokio::test]
async fn a_partners_registration_is_confirmed_at_once_and_the_registrant_mailed() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 10).await);
    let caritas = app
        .organisation("Caritasverband Halle", "welfare_association", "Halle")
        .await;
    let created = register(
        &app,
        &round,
        &registrant("Mehmet Yılmaz", "m.yilmaz@caritas-halle.example"),
        Some(&app.partner(id(&caritas).parse().unwrap())),
    )
    .await;
    assert_eq!(created["status"], "confirmed");
    let cancel_token = created["cancel_token"].as_str().unwrap();
    let welcome = mail(
        &sink,
        "m.yilmaz@caritas-halle.example",
        "Ihre Anmeldung ist bestätigt",
    )
    .await;
    assert!(welcome.text.starts_with("Guten Tag Mehmet Yılmaz,"));
    assert_eq!(welcome.token(CANCEL_LINK), cancel_token);
}

#[tokio::test]
async fn mails_come_from_the_authority_and_answers_go_to_its_contact() {
    let (app, sink) = spawn_app_with_mail(&[(
        "MAIL_SIGNATURE",
        "Referat Integration\\nTurmschanzenstraße 25, 39114 Magdeburg",
    )])
    .await;
    let admin = app.admin();
    let authorities = app.get_json("/api/v1/authorities", Some(&admin)).await;
    let path = format!(
        "/api/v1/authorities/{}",
        authorities["items"][0]["id"].as_str().unwrap()
    );
    let etag = app.etag(&path, Some(&admin)).await;
    let renamed = app
        .patch_if_match(
            &path,
            &admin,
            &etag,
            &json!({"name": "Ministerium für Arbeit, Soziales und Integration Sachsen-Anhalt",
                    "contact_email": "integration@ms.sachsen-anhalt.test"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let round = id(&halle(&app, 10).await);
    register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        Some(&admin),
    )
    .await;
    let welcome = mail(&sink, "a.demir@example.org", "Ihre Anmeldung ist bestätigt").await;
    assert_eq!(
        welcome.from,
        (
            "Ministerium für Arbeit, Soziales und Integration Sachsen-Anhalt".to_string(),
            "beteiligung@ms.sachsen-anhalt.test".to_string()
        )
    );
    assert_eq!(welcome.reply_to, ["integration@ms.sachsen-anhalt.test"]);
    assert!(
        welcome.text.replace("\r\n", "\n").contains(
            "Mit freundlichen Grüßen\nReferat Integration\nTurmschanzenstraße 25, 39114 Magdeburg"
        ),
        "{}",
        welcome.text
    );
    let event = welcome.calendar_event();
    assert_eq!(
        property(&event, "ORGANIZER"),
        "mailto:integration@ms.sachsen-anhalt.test"
    );
}

#[tokio::test]
async fn registrants_are_told_when_their_round_moves_and_when_it_is_cancelled() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = halle(&app, 1).await;
    let round_id = id(&round);
    let admin = app.admin();
    let path = format!("/api/v1/rounds/{round_id}");
    register(
        &app,
        &round_id,
        &registrant("Aylin Demir", "a.demir@example.org"),
        Some(&admin),
    )
    .await;
    // A change of capacity concerns staff only.
    assert_eq!(
        patch_round(&app, &path, &json!({"capacity": 2}))
            .await
            .status(),
        200
    );
    register(
        &app,
        &round_id,
        &registrant("Jonas Krüger", "j.krueger@example.org"),
        Some(&admin),
    )
    .await;
    let waiting = register(
        &app,
        &round_id,
        &registrant("Emil Hahn", "e.hahn@example.org"),
        Some(&admin),
    )
    .await;
    assert_eq!(waiting["status"], "waitlisted");
    let starts = chrono::Utc::now() + chrono::Duration::days(30);
    let ends = starts + chrono::Duration::hours(6);
    let moved = patch_round(
        &app,
        &path,
        &json!({"starts_at": starts.to_rfc3339(), "ends_at": ends.to_rfc3339()}),
    )
    .await;
    assert_eq!(moved.status(), 200);
    for email in ["a.demir@example.org", "j.krueger@example.org"] {
        let changed = mail(&sink, email, "Geänderter Termin").await;
        let event = changed.calendar_event();
        assert_eq!(property(&event, "DTSTART"), berlin(starts));
        assert_eq!(property(&event, "DTEND"), berlin(ends));
        assert_eq!(property(&event, "STATUS"), "CONFIRMED");
        assert_eq!(
            property(&event, "ORGANIZER"),
            "mailto:beteiligung@ms.sachsen-anhalt.test"
        );
    }
    // A waitlisted registrant holds no seat: told of the change, but nothing for the calendar.
    let changed = mail(&sink, "e.hahn@example.org", "Geänderter Termin").await;
    assert!(changed.attachments.is_empty(), "{:?}", changed.attachments);
    assert!(
        changed.text.contains("Warteliste an Position 1"),
        "{}",
        changed.text
    );

    let cancelled = patch_round(&app, &path, &json!({"cancelled": true})).await;
    assert_eq!(cancelled.status(), 200);
    let called_off = mail(&sink, "a.demir@example.org", "Abgesagt").await;
    let event = called_off.calendar_event();
    assert_eq!(property(&event, "STATUS"), "CANCELLED");
    assert_eq!(
        property(&event, "ORGANIZER"),
        "mailto:beteiligung@ms.sachsen-anhalt.test"
    );
    assert!(property(&event, "SEQUENCE").parse::<u32>().unwrap() >= 3);
    mail(&sink, "j.krueger@example.org", "Abgesagt").await;
    let called_off = mail(&sink, "e.hahn@example.org", "Abgesagt").await;
    assert!(called_off.attachments.is_empty());
    // Two confirmations and a waitlisting, three moves, three cancellations; nothing about
    // the capacity.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 9);
}

#[tokio::test]
async fn a_header_injection_in_a_name_adds_no_recipient() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 10).await);
    let response = app
        .post(
            &format!("/api/v1/rounds/{round}/registrations"),
            Some(&app.admin()),
            &registrant(
                "Eve\r\nBcc: victim@example.org\r\nX-Injected: yes",
                "eve@example.org",
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
    let only = &mails[0];
    assert_eq!(only.envelope_to, ["eve@example.org"]);
    assert_eq!(only.header_to, ["eve@example.org"]);
    assert_eq!(only.cc_and_bcc, 0);
    let raw = String::from_utf8_lossy(&sink.received()[0].data).to_string();
    let (headers, _) = raw.split_once("\r\n\r\n").expect("headers and body");
    let names: Vec<&str> = headers
        .lines()
        .filter(|line| !line.starts_with([' ', '\t']))
        .filter_map(|line| line.split_once(':').map(|(name, _)| name))
        .collect();
    assert!(!names.contains(&"Bcc"), "{headers}");
    assert!(!names.contains(&"X-Injected"), "{headers}");
}

#[tokio::test]
async fn a_mail_written_before_a_crash_is_sent_by_the_restarted_service() {
    // The first process has no SMTP server configured: its mails wait in the outbox.
    let first = spawn_app().await;
    let round = id(&halle(&first, 10).await);
    register(
        &first,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        None,
    )
    .await;
    let waiting = first
        .get_json("/api/v1/outbox?status=pending", Some(&first.admin()))
        .await;
    assert_eq!(waiting["items"].as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting["items"][0]["topic"], "registration_please_confirm");
    assert!(waiting["items"][0].get("payload").is_none());
    first.stop().await;

    let sink = MailSink::start();
    let settings = mail_settings(&sink.url());
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let restarted = first.replica(&vars);
    let please = mail(&sink, "a.demir@example.org", "Bitte bestätigen").await;
    assert_eq!(
        confirm(&restarted, &please.token(CONFIRM_LINK))
            .await
            .status(),
        200
    );
    let sent = restarted
        .get_json("/api/v1/outbox?status=sent", Some(&restarted.admin()))
        .await;
    assert!(!sent["items"].as_array().unwrap().is_empty());
    // Delivered mails keep no body (it held the link).
    let bodies = restarted
        .count_where("outbox", "status = 'sent' AND payload IS NOT NULL")
        .await;
    assert_eq!(bodies, 0);
}

#[tokio::test]
async fn mails_wait_while_the_smtp_server_is_down_and_go_out_when_it_is_back() {
    let port = MailSink::free_port();
    let settings = mail_settings(&format!("smtp://127.0.0.1:{port}"));
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    let round = id(&halle(&app, 10).await);
    register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        None,
    )
    .await;
    // Attempts fail and are retried.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let failed_attempt = loop {
        let outbox = app.get_json("/api/v1/outbox", Some(&app.admin())).await;
        let entry = outbox["items"][0].clone();
        if entry["attempts"].as_i64().unwrap_or(0) >= 1 && !entry["last_error"].is_null() {
            break entry;
        }
        assert!(tokio::time::Instant::now() < deadline, "{outbox}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed_attempt["status"], "pending");

    let sink = MailSink::start_on(port);
    let delivered = mail(&sink, "a.demir@example.org", "Bitte bestätigen").await;
    // Every attempt was the same mail: its Message-ID is the outbox message's, at the
    // sender's domain.
    assert_eq!(
        delivered.message_id,
        format!(
            "{}@ms.sachsen-anhalt.test",
            failed_attempt["id"].as_str().unwrap()
        )
    );
    // The worker counts the mail once the SMTP server has accepted it: a moment after the
    // sink has it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        if metrics.contains("beteiligung_outbox_sent_total{channel=\"mail\"} 1") {
            break metrics;
        }
        assert!(tokio::time::Instant::now() < deadline, "{metrics}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(metrics.contains("beteiligung_outbox_retries_total{channel=\"mail\"}"));
}

#[tokio::test]
async fn a_mail_the_server_refuses_for_good_is_marked_failed_and_not_retried() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 10).await);
    let admin = app.admin();
    let nowhere = format!("niemand@{REFUSED_DOMAIN}");
    register(&app, &round, &registrant("Niemand", &nowhere), Some(&admin)).await;
    register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        Some(&admin),
    )
    .await;
    // The other mail goes out regardless.
    mail(&sink, "a.demir@example.org", "Ihre Anmeldung ist bestätigt").await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let failed = loop {
        let outbox = app
            .get_json("/api/v1/outbox?status=failed", Some(&admin))
            .await;
        if let Some(entry) = outbox["items"].as_array().and_then(|items| items.first()) {
            break entry.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{outbox}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed["recipient"], nowhere);
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"], 1);
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("550"),
        "{failed}"
    );

    // Many retry delays (300 ms) later, the server was asked once and the row is unchanged.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.refused(), std::slice::from_ref(&nowhere));
    let outbox = app.get_json("/api/v1/outbox", Some(&admin)).await;
    let entries: Vec<&Value> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["recipient"] == nowhere)
        .collect();
    assert_eq!(entries.len(), 1, "{outbox}");
    assert_eq!(entries[0]["status"], "failed");
    assert_eq!(entries[0]["attempts"], 1);

    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    // Every counter is there from the start, at 0.
    let mail_counter =
        |name: &str| metric_value(&metrics, &format!("{name}{{channel=\"mail\"}}")).unwrap_or(0.0);
    assert_eq!(
        mail_counter("beteiligung_outbox_failed_total"),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        mail_counter("beteiligung_outbox_retries_total"),
        0.0,
        "{metrics}"
    );
    assert_eq!(
        mail_counter("beteiligung_outbox_sent_total"),
        1.0,
        "{metrics}"
    );
}

#[tokio::test]
async fn two_replicas_send_each_mail_once() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let settings = mail_settings(&sink.url());
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _second = app.replica(&vars);
    let round = id(&halle(&app, 100).await);
    let admin = app.admin();
    let registrations = (0..40).map(|i| {
        let body = registrant(&format!("Teilnehmerin {i}"), &format!("t{i}@example.org"));
        let (app, round, admin) = (&app, &round, &admin);
        async move { register(app, round, &body, Some(admin)).await }
    });
    join_all(registrations).await;
    let mails = sink.wait_for(40, Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 40);
    // Give a double delivery time to show.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut recipients: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m.envelope_to.join(","))
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 40);
    assert_eq!(sink.received().len(), 40);
}

#[tokio::test]
async fn two_hundred_concurrent_confirmations_fill_twenty_seats_exactly() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 20).await);
    for i in 0..200 {
        register(
            &app,
            &round,
            &registrant(&format!("Teilnehmer {i}"), &format!("p{i}@example.org")),
            None,
        )
        .await;
    }
    let mails = sink.wait_for(200, Duration::from_secs(60)).await;
    assert_eq!(mails.len(), 200);
    let tokens: Vec<String> = mails.iter().map(|m| m.token(CONFIRM_LINK)).collect();
    let outcomes = join_all(tokens.iter().map(|token| confirm(&app, token))).await;
    let mut confirmed = 0;
    let mut waitlisted = 0;
    for response in outcomes {
        assert_eq!(response.status(), 200);
        match response.json::<Value>().await.unwrap()["status"].as_str() {
            Some("confirmed") => confirmed += 1,
            Some("waitlisted") => waitlisted += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((confirmed, waitlisted), (20, 180));
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 20, "waitlisted": 180, "attended": 0, "capacity": 20})
    );
    assert_eq!(
        app.count_where("registrations", "status = 'confirmed'")
            .await,
        20
    );
    // Waitlist positions are 1..=180 without gaps or repeats.
    let waitlisted = app
        .get_json(
            &format!("/api/v1/rounds/{round}/registrations?status=waitlisted&limit=200"),
            Some(&app.admin()),
        )
        .await;
    let mut positions: Vec<i64> = waitlisted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["waitlist_position"].as_i64().unwrap())
        .collect();
    positions.sort();
    assert_eq!(positions, (1..=180).collect::<Vec<i64>>());
}

#[tokio::test]
async fn a_flood_of_anonymous_registrations_from_one_address_is_stopped_and_takes_no_seat() {
    // Per hour, so no request is refilled while the flood runs: exactly 30 pass.
    let app = spawn_app_with(&[("RATE_LIMIT_SENSITIVE", "30/h")]).await;
    let round = id(&halle(&app, 1).await);
    let attempts = (0..500).map(|i| {
        let body = registrant("Bot", &format!("bot{i}@example.org"));
        let (app, round) = (&app, &round);
        async move {
            app.post(
                &format!("/api/v1/rounds/{round}/registrations"),
                None,
                &body,
            )
            .await
        }
    });
    let mut created = 0;
    let mut limited = 0;
    for response in join_all(attempts).await {
        match response.status().as_u16() {
            201 => {
                let registration: Value = response.json().await.unwrap();
                assert_eq!(registration["status"], "pending");
                created += 1;
            }
            429 => {
                assert!(response.headers().contains_key("retry-after"));
                assert!(response.headers().contains_key("ratelimit-policy"));
                assert_problem(response, 429, "rate_limited").await;
                limited += 1;
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(created, 30);
    assert_eq!(limited, 470);
    let stored = app
        .get_json(
            &format!("/api/v1/rounds/{round}/registrations?limit=200"),
            Some(&app.admin()),
        )
        .await;
    let stored = stored["items"].as_array().unwrap();
    assert_eq!(stored.len(), 30);
    assert!(stored.iter().all(|r| r["status"] == "pending"));
    assert_eq!(app.seats(&round).await["confirmed"], 0);
    assert_eq!(app.seats(&round).await["waitlisted"], 0);
    // The round's one seat is still free for someone who takes it.
    let caritas = app
        .organisation(
            "Caritasverband Halle",
            "welfare_association",
            "Halle (Saale)",
        )
        .await;
    let partner = app.partner(id(&caritas).parse().unwrap());
    let taken = register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        Some(&partner),
    )
    .await;
    assert_eq!(taken["status"], "confirmed");
    assert_eq!(app.seats(&round).await["confirmed"], 1);
}

#[tokio::test]
async fn only_admins_read_the_outbox_and_never_the_bodies() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = id(&halle(&app, 10).await);
    register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        None,
    )
    .await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    assert_problem(
        app.get("/api/v1/outbox", Some(&app.moderator())).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.get("/api/v1/outbox", None).await, 401, "unauthorized").await;
    assert_problem(
        app.get("/api/v1/outbox?status=lost", Some(&app.admin()))
            .await,
        400,
        "invalid_parameter",
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let sent = loop {
        let sent = app
            .get_json("/api/v1/outbox?status=sent", Some(&app.admin()))
            .await;
        if !sent["items"].as_array().unwrap().is_empty() || tokio::time::Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let entry = &sent["items"][0];
    assert_eq!(entry["recipient"], "a.demir@example.org");
    assert_eq!(entry["channel"], "mail");
    assert_eq!(entry["attempts"], 1);
    assert!(entry["sent_at"].is_string());
    let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("payload") || k.contains("body"))
    );
}

#[tokio::test]
async fn token_requests_beyond_the_verification_queue_are_turned_away_at_once() {
    let app = spawn_app().await;
    let requests = (0..120).map(|i| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/token"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &uuid::Uuid::from_u128(i).to_string()),
                    ("client_secret", "wrong"),
                ])
                .send()
                .await
                .unwrap()
        }
    });
    let mut busy = 0;
    for response in join_all(requests).await {
        match response.status().as_u16() {
            401 | 400 => {}
            503 => {
                assert_eq!(response.headers()["retry-after"], "5");
                assert_problem(response, 503, "unavailable").await;
                busy += 1;
            }
            other => panic!("{other}"),
        }
    }
    assert!(busy > 0, "120 verifications at once were all queued");
}

#[tokio::test]
async fn the_report_counts_no_registration_before_its_confirmation() {
    let app = spawn_app().await;
    let round = halle(&app, 10).await;
    let round_id = id(&round);
    register(
        &app,
        &round_id,
        &registrant("Emil Hahn", "e.hahn@example.org"),
        None,
    )
    .await;
    register(
        &app,
        &round_id,
        &registrant("Aylin Demir", "a.demir@example.org"),
        Some(&app.admin()),
    )
    .await;
    let report = app
        .get_json(
            &format!(
                "/api/v1/consultations/{}/report",
                round["consultation_id"].as_str().unwrap()
            ),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(report["totals"]["registered"], 1);
    let coverage = &report["coverage"][0];
    let registered: i64 = coverage["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["registered"].as_i64().unwrap())
        .sum::<i64>()
        + coverage["uncategorised"]["registered"].as_i64().unwrap();
    assert_eq!(registered, 1);
}

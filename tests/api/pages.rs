//! The pages the links in mails lead to, as a registrant's browser sees them: a GET shows
//! and never changes, the form's POST confirms or cancels once, every state is a page in the
//! registrant's language, and bad links are friendly pages, never problem JSON.

use futures::future::join_all;
use reqwest::Response;
use serde_json::{Value, json};

use crate::fixtures::registrant;
use crate::helpers::{TestApp, id, spawn_app_with_mail};
use crate::smtp::{Mail, MailSink};

const HOST: &str = "https://beteiligung.sachsen-anhalt.test";

/// An open consultation's round in Halle with `capacity` seats and registration open now.
async fn halle(app: &TestApp, capacity: i32) -> String {
    let c = app.consultation("integrationskonzept", "open").await;
    let round = app.round(&id(&c), capacity).await;
    let path = format!("/api/v1/rounds/{}", id(&round));
    let etag = app.etag(&path, None).await;
    let changed = app
        .patch_if_match(
            &path,
            &app.admin(),
            &etag,
            &json!({"title": "Regionalkonferenz Halle",
                    "venue": {"name": "Stadthaus", "street": "Marktplatz 2",
                              "postal_code": "06108", "city": "Halle (Saale)"}}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    id(&round)
}

/// Registers someone anonymously, with the browser's `Accept-Language`.
async fn register(app: &TestApp, round: &str, body: &Value, accept_language: &str) -> Value {
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/rounds/{round}/registrations"),
            None,
        )
        .header("Accept-Language", accept_language)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// The one mail to `address` so far.
async fn first_mail(sink: &MailSink, address: &str) -> Mail {
    sink.mails_to(address, 1).await.remove(0)
}

/// The path and query of the link in `mail` that leads to the service's pages.
fn page_link(mail: &Mail) -> String {
    let link = mail.link(&format!("{HOST}/anmeldung/"));
    link.strip_prefix(HOST).unwrap().to_string()
}

async fn open(app: &TestApp, path: &str) -> Response {
    app.get(path, None).await
}

async fn submit(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Response {
    app.request(reqwest::Method::POST, path, None)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A page's status and HTML, after checking what every page carries.
async fn page(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    let headers = response.headers();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{headers:?}"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let language = headers["content-language"].to_str().unwrap().to_string();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!("<html lang=\"{language}\"")),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    (status, html)
}

async fn status_of(app: &TestApp, registration: &str) -> Value {
    app.get_json(
        &format!("/api/v1/registrations/{registration}"),
        Some(&app.admin()),
    )
    .await
}

#[tokio::test]
async fn opening_the_link_changes_nothing_and_only_the_form_confirms_once() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = halle(&app, 130).await;
    let created = register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        "de-DE,de;q=0.9",
    )
    .await;
    let link = page_link(&first_mail(&sink, "a.demir@example.org").await);
    assert!(link.starts_with("/anmeldung/bestaetigen?token="), "{link}");
    let token = link.split("token=").nth(1).unwrap().to_string();

    // A mail gateway, a preview and the registrant open the link: nothing happens.
    for _ in 0..10 {
        let (status, html) = page(open(&app, &link).await).await;
        assert_eq!(status, 200);
        assert!(html.contains("Regionalkonferenz Halle"), "{html}");
        assert!(html.contains("Stadthaus, Marktplatz 2, 06108 Halle (Saale)"));
        assert!(html.contains("<form method=\"post\" action=\"bestaetigen\">"));
        assert!(html.contains("Anmeldung jetzt bestätigen"));
    }
    assert_eq!(status_of(&app, &id(&created)).await["status"], "pending");
    assert_eq!(app.seats(&round).await["confirmed"], 0);

    // The form without its token does nothing.
    let (status, html) = page(submit(&app, "/anmeldung/bestaetigen", &[]).await).await;
    assert_eq!(status, 400);
    assert!(html.contains("Das Formular war unvollständig"));
    assert_eq!(status_of(&app, &id(&created)).await["status"], "pending");

    let form = [("token", token.as_str()), ("lang", "de")];
    let (status, html) = page(submit(&app, "/anmeldung/bestaetigen", &form).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ihre Anmeldung ist bestätigt"), "{html}");
    assert_eq!(status_of(&app, &id(&created)).await["status"], "confirmed");
    assert_eq!(app.seats(&round).await["confirmed"], 1);

    // Again, and the link later: it says so, and confirms nothing twice.
    let (status, html) = page(submit(&app, "/anmeldung/bestaetigen", &form).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ihre Anmeldung ist bereits bestätigt"),
        "{html}"
    );
    let (_, html) = page(open(&app, &link).await).await;
    assert!(
        html.contains("Ihre Anmeldung ist bereits bestätigt"),
        "{html}"
    );
    assert!(!html.contains("<form"));
    assert_eq!(app.seats(&round).await["confirmed"], 1);
    let mails = sink.mails_to("a.demir@example.org", 2).await;
    assert_eq!(mails.len(), 2, "one please-confirm, one confirmed");

    // The cancel link of the confirmation mail: shown, then cancelled by the form.
    let confirmed = mails
        .iter()
        .find(|m| m.subject.starts_with("Ihre Anmeldung ist bestätigt"))
        .unwrap();
    let cancel = page_link(confirmed);
    assert!(cancel.contains("/stornieren?token="), "{cancel}");
    let (status, html) = page(open(&app, &cancel).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Anmeldung jetzt stornieren"), "{html}");
    assert_eq!(status_of(&app, &id(&created)).await["status"], "confirmed");
    let action = cancel.split('?').next().unwrap();
    let cancel_token = cancel.split("token=").nth(1).unwrap();
    let (status, html) = page(submit(&app, action, &[("token", cancel_token)]).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ihre Anmeldung ist storniert"), "{html}");
    assert_eq!(status_of(&app, &id(&created)).await["status"], "cancelled");
    assert_eq!(app.seats(&round).await["confirmed"], 0);
    let (_, html) = page(open(&app, &cancel).await).await;
    assert!(
        html.contains("Diese Anmeldung ist bereits storniert"),
        "{html}"
    );
    let (_, html) = page(open(&app, &link).await).await;
    assert!(
        html.contains("Diese Anmeldung ist bereits storniert"),
        "{html}"
    );

    // Once a link would have run out, a used one tells nothing any more.
    app.db()
        .await
        .execute(
            "UPDATE registrations SET created_at = now() - interval '25 hours' \
             WHERE id = $1::text::uuid",
            &[&id(&created)],
        )
        .await
        .unwrap();
    let (status, html) = page(open(&app, &link).await).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Regionalkonferenz Halle"), "{html}");
}

#[tokio::test]
async fn pages_and_mails_speak_the_registrants_language() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = halle(&app, 130).await;
    let path = format!("/api/v1/rounds/{round}");
    let etag = app.etag(&path, None).await;
    let translated = app
        .patch_if_match(
            &path,
            &app.admin(),
            &etag,
            &json!({"translations": {"uk": {"title": "Регіональна конференція в Галле"}}}),
        )
        .await;
    assert_eq!(translated.status(), 200);
    let created = register(
        &app,
        &round,
        &registrant("Olena Kovalenko", "o.kovalenko@example.org"),
        "uk-UA,uk;q=0.9,de;q=0.5",
    )
    .await;
    assert_eq!(created["language"], "uk");
    let mail = first_mail(&sink, "o.kovalenko@example.org").await;
    assert!(
        mail.subject
            .starts_with("Будь ласка, підтвердьте реєстрацію"),
        "{}",
        mail.subject
    );
    assert!(mail.html.contains("<html lang=\"uk\" dir=\"ltr\">"));
    assert!(
        mail.subject.ends_with("Регіональна конференція в Галле"),
        "{}",
        mail.subject
    );
    let link = page_link(&mail);
    // The registration's language, whatever the browser says.
    let (status, html) = page(
        app.request(reqwest::Method::GET, &link, None)
            .header("Accept-Language", "de")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Підтвердити реєстрацію зараз"), "{html}");
    assert!(html.contains("Регіональна конференція в Галле"), "{html}");
    assert!(html.contains("hreflang=\"ar\""));
    // The page's own language switch.
    let (_, html) = page(open(&app, &format!("{link}&lang=en")).await).await;
    assert!(html.contains("Confirm registration now"), "{html}");

    let arabic = register(
        &app,
        &round,
        &json!({"name": "Yusuf Haddad", "email": "y.haddad@example.org",
                "privacy_consent": true, "language": "ar"}),
        "de",
    )
    .await;
    assert_eq!(arabic["language"], "ar");
    let mail = first_mail(&sink, "y.haddad@example.org").await;
    assert!(mail.html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    let (_, html) = page(open(&app, &page_link(&mail)).await).await;
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("تأكيد التسجيل الآن"));
    let token = page_link(&mail).split("token=").nth(1).unwrap().to_string();
    let (_, html) = page(submit(&app, "/anmeldung/bestaetigen", &[("token", &token)]).await).await;
    assert!(html.contains("تم تأكيد تسجيلك"), "{html}");
    let confirmed = sink.mails_to("y.haddad@example.org", 2).await;
    assert!(
        confirmed
            .iter()
            .any(|m| m.subject.starts_with("تم تأكيد تسجيلك"))
    );

    // A language we do not write: German.
    let french = register(
        &app,
        &round,
        &registrant("Claire Martin", "c.martin@example.org"),
        "fr-FR,fr;q=0.9",
    )
    .await;
    assert_eq!(french["language"], "de");
}

#[tokio::test]
async fn wrong_and_expired_links_are_pages_that_say_what_to_do() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = halle(&app, 130).await;
    for path in [
        "/anmeldung/bestaetigen?token=not-a-token",
        "/anmeldung/bestaetigen",
        "/anmeldung/bestaetigen?token=%FF%FE&token=x",
        "/anmeldung/not-a-uuid/stornieren?token=x",
        "/anmeldung/0190f1a0-0000-7000-8000-000000000001/stornieren?token=x",
    ] {
        let (status, html) = page(open(&app, path).await).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            html.contains("Dieser Link ist ungültig oder abgelaufen"),
            "{path}: {html}"
        );
    }
    let (status, html) = page(
        app.request(reqwest::Method::GET, "/anmeldung/bestaetigen?token=x", None)
            .header("Accept-Language", "en-GB")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        html.contains("This link is invalid or has expired"),
        "{html}"
    );
    let (status, _) =
        page(submit(&app, "/anmeldung/bestaetigen", &[("token", "not-a-token")]).await).await;
    assert_eq!(status, 404);

    // A link past its time, before the maintenance job deletes the registration.
    let created = register(
        &app,
        &round,
        &registrant("Jonas Krüger", "j.krueger@example.org"),
        "de",
    )
    .await;
    let link = page_link(&first_mail(&sink, "j.krueger@example.org").await);
    app.db()
        .await
        .execute(
            "UPDATE registrations SET confirm_expires_at = now() - interval '1 minute' \
             WHERE id = $1::text::uuid",
            &[&id(&created)],
        )
        .await
        .unwrap();
    let (status, html) = page(open(&app, &link).await).await;
    assert_eq!(status, 410);
    assert!(html.contains("Dieser Link ist abgelaufen"), "{html}");
    let token = link.split("token=").nth(1).unwrap();
    let (status, _) = page(submit(&app, "/anmeldung/bestaetigen", &[("token", token)]).await).await;
    assert_eq!(status, 410);
    assert_eq!(status_of(&app, &id(&created)).await["status"], "pending");
}

#[tokio::test]
async fn concurrent_clicks_confirm_once_and_the_waitlist_position_is_shown() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let round = halle(&app, 1).await;
    let first = register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
        "de",
    )
    .await;
    let second = register(
        &app,
        &round,
        &registrant("Jonas Krüger", "j.krueger@example.org"),
        "de",
    )
    .await;
    let token_of = |mail: Mail| page_link(&mail).split("token=").nth(1).unwrap().to_string();
    let first_token = token_of(first_mail(&sink, "a.demir@example.org").await);
    let second_token = token_of(first_mail(&sink, "j.krueger@example.org").await);

    let clicks =
        join_all(
            (0..6).map(|_| {
                let app = &app;
                let token = first_token.clone();
                async move {
                    page(submit(app, "/anmeldung/bestaetigen", &[("token", &token)]).await).await
                }
            }),
        )
        .await;
    assert!(
        clicks.iter().all(|(status, _)| *status == 200),
        "{clicks:?}"
    );
    let fresh = clicks
        .iter()
        .filter(|(_, html)| html.contains("Ihre Anmeldung ist bestätigt"))
        .count();
    assert_eq!(fresh, 1, "exactly one click confirms");
    assert_eq!(status_of(&app, &id(&first)).await["status"], "confirmed");
    assert_eq!(app.seats(&round).await["confirmed"], 1);

    let (status, html) =
        page(submit(&app, "/anmeldung/bestaetigen", &[("token", &second_token)]).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Warteliste an Position 1"), "{html}");
    assert_eq!(status_of(&app, &id(&second)).await["status"], "waitlisted");
}

#[tokio::test]
async fn pages_are_rate_limited_like_the_api_and_say_so_as_a_page() {
    let (app, _sink) = spawn_app_with_mail(&[("RATE_LIMIT_SENSITIVE", "2/min")]).await;
    for _ in 0..2 {
        let (status, _) =
            page(submit(&app, "/anmeldung/bestaetigen", &[("token", "x")]).await).await;
        assert_eq!(status, 404);
    }
    let response = submit(&app, "/anmeldung/bestaetigen", &[("token", "x")]).await;
    assert!(response.headers().contains_key("retry-after"));
    let (status, html) = page(response).await;
    assert_eq!(status, 429);
    assert!(html.contains("Zu viele Anfragen"), "{html}");
}

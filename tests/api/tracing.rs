//! Traces through a real OTLP/HTTP collector on a local port: the request's span continues
//! the caller's `traceparent`, its database statements are its children, and the trace
//! travels on into the webhook and the mail the request caused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::collector::{Collector, ReceivedSpan};
use crate::fixtures::{Setup, registrant, setup_with};
use crate::helpers::{id, mail_settings, spawn_app_with_mail};
use crate::receiver::Receiver;
use crate::smtp::MailSink;
use beteiligung::base::Role;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";
const MAIL_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

/// `SERVER` in OTLP's span kinds.
const SERVER: i32 = 2;

fn traceparent(trace: &str, span: &str) -> String {
    format!("00-{trace}-{span}-01")
}

/// Trace id and parent span id of a `traceparent`.
fn ids_of(traceparent: &str) -> (String, String) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    (parts[1].to_string(), parts[2].to_string())
}

async fn send_traced(
    s: &Setup,
    method: Method,
    path: &str,
    token: Option<&str>,
    traceparent: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let request = s
        .app
        .request(method, path, token)
        .header("traceparent", traceparent);
    match body {
        Some(body) => request.json(body),
        None => request,
    }
    .send()
    .await
    .expect("request")
}

/// The server span of a request, once exported.
async fn request_span(collector: &Collector, name: &str, trace: Option<&str>) -> ReceivedSpan {
    collector
        .span(|s| s.kind == SERVER && s.name == name && trace.is_none_or(|t| s.trace_id == t))
        .await
        .unwrap_or_else(|| panic!("no span {name}: {:#?}", collector.spans()))
}

/// The mail's `Traceparent` header, if it has one.
fn mail_traceparent(sink: &MailSink, to: &str) -> Option<String> {
    sink.received()
        .into_iter()
        .filter(|mail| mail.envelope_to.iter().any(|a| a == to))
        .find_map(|mail| {
            String::from_utf8_lossy(&mail.data)
                .lines()
                .find_map(|line| line.strip_prefix("Traceparent: ").map(str::to_string))
        })
}

async fn traced_setup(collector: &Collector, sink: &MailSink) -> Setup {
    let mail = mail_settings(&sink.url());
    let mut vars: Vec<(&str, &str)> = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint.as_str()),
        ("OTEL_SERVICE_NAME", "beteiligung-test"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OUTBOX_POLL_INTERVAL", "100ms"),
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ];
    vars.extend(mail.iter().map(|(k, v)| (*k, v.as_str())));
    setup_with(&vars).await
}

#[tokio::test]
async fn a_submission_is_one_trace_from_the_caller_through_its_statements_to_the_webhook() {
    let collector = Collector::start();
    let sink = MailSink::start();
    let s = traced_setup(&collector, &sink).await;
    let hook = Receiver::start(&[]);
    let subscribed = s
        .app
        .post(
            "/api/v1/webhooks",
            Some(&s.caritas_token),
            &json!({"url": hook.url, "events": ["submission.created"]}),
        )
        .await;
    assert_eq!(subscribed.status(), 201);

    let title = "Sprachkurse in Stendal";
    let response = send_traced(
        &s,
        Method::POST,
        &s.path(),
        Some(&s.caritas_token),
        &traceparent(TRACE, CALLER_SPAN),
        Some(&json!({"kind": "need", "topic": "sprache", "title": title,
                     "body": "Mit Kinderbetreuung.", "author_name": "Maria Schulz"})),
    )
    .await;
    assert_eq!(response.status(), 201);

    // The request's span continues the caller's trace under the caller's span.
    let request = request_span(
        &collector,
        "POST /api/v1/consultations/{id}/submissions",
        Some(TRACE),
    )
    .await;
    assert_eq!(request.parent_span_id, CALLER_SPAN);
    assert_eq!(request.service, "beteiligung-test");
    assert_eq!(
        request.attribute("http.route"),
        Some("/api/v1/consultations/{id}/submissions")
    );
    assert_eq!(request.attribute("http.request.method"), Some("POST"));
    assert_eq!(request.attribute("http.response.status_code"), Some("201"));
    assert_eq!(request.attribute("url.path"), Some(s.path().as_str()));
    assert_eq!(
        request.attribute("beteiligung.principal.kind"),
        Some("partner")
    );
    assert_eq!(request.status, 0, "a 201 is no error");

    // Its statements are its children, with their SQL but not the values bound to it.
    let insert = collector
        .span(|span| {
            span.parent_span_id == request.span_id
                && span.attribute("db.operation.name") == Some("INSERT")
                && span
                    .attribute("db.query.text")
                    .is_some_and(|sql| sql.contains("submissions"))
        })
        .await
        .unwrap_or_else(|| panic!("no INSERT under the request: {:#?}", collector.spans()));
    assert_eq!(insert.trace_id, TRACE);
    assert_eq!(insert.attribute("db.system.name"), Some("postgresql"));
    let statements: Vec<ReceivedSpan> = collector
        .spans()
        .into_iter()
        .filter(|span| span.attribute("db.query.text").is_some())
        .collect();
    assert!(
        statements
            .iter()
            .all(|span| !span.attribute("db.query.text").unwrap().contains(title)),
        "{statements:#?}"
    );

    // The webhook goes out in a span of its own under the request, and hands it on.
    let delivered = hook.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let (trace, parent) = ids_of(&delivered[0].traceparent);
    assert_eq!(trace, TRACE);
    let delivery = collector
        .span(|span| span.span_id == parent)
        .await
        .unwrap_or_else(|| panic!("no delivery span: {:#?}", collector.spans()));
    assert_eq!(delivery.name, "send webhook");
    assert_eq!(delivery.trace_id, TRACE);
    assert_eq!(delivery.parent_span_id, request.span_id);
    assert_eq!(delivery.attribute("http.response.status_code"), Some("204"));
}

#[tokio::test]
async fn a_registrations_trace_reaches_its_mail_and_a_bad_traceparent_starts_a_new_one() {
    let collector = Collector::start();
    let sink = MailSink::start();
    let s = traced_setup(&collector, &sink).await;

    let path = format!("/api/v1/rounds/{}/registrations", s.round);
    let response = send_traced(
        &s,
        Method::POST,
        &path,
        None,
        &traceparent(MAIL_TRACE, CALLER_SPAN),
        Some(&registrant("Aylin Demir", "a.demir@example.org")),
    )
    .await;
    assert_eq!(response.status(), 201);
    let request = request_span(
        &collector,
        "POST /api/v1/rounds/{id}/registrations",
        Some(MAIL_TRACE),
    )
    .await;
    assert_eq!(
        request.attribute("beteiligung.principal.kind"),
        Some("anonymous")
    );
    sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    let header = mail_traceparent(&sink, "a.demir@example.org").expect("a Traceparent header");
    let (trace, parent) = ids_of(&header);
    assert_eq!(trace, MAIL_TRACE);
    let delivery = collector
        .span(|span| span.span_id == parent)
        .await
        .unwrap_or_else(|| panic!("no delivery span: {:#?}", collector.spans()));
    assert_eq!(delivery.name, "send mail");
    assert_eq!(delivery.parent_span_id, request.span_id);

    // A malformed traceparent is no error: the request starts a trace of its own.
    let consultation = format!("/api/v1/consultations/{}", s.consultation);
    let moderator = s.app.staff_of(Role::Moderator, "standardbehoerde");
    let response = send_traced(
        &s,
        Method::GET,
        &consultation,
        Some(&moderator),
        "00-not-a-trace-01",
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let fresh = request_span(&collector, "GET /api/v1/consultations/{id}", None).await;
    assert!(fresh.parent_span_id.is_empty(), "{fresh:?}");
    assert_ne!(fresh.trace_id, MAIL_TRACE);
    // An authority's staff: the span names the authority.
    assert_eq!(
        fresh.attribute("beteiligung.principal.kind"),
        Some("moderator")
    );
    let authorities = s
        .app
        .get_json("/api/v1/authorities", Some(&s.app.admin()))
        .await;
    let first = authorities["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "standardbehoerde")
        .map(id)
        .expect("the first authority");
    assert_eq!(
        fresh.attribute("beteiligung.authority"),
        Some(first.as_str())
    );
}

#[tokio::test]
async fn without_an_endpoint_no_trace_is_handed_on() {
    let (app, sink) = spawn_app_with_mail(&[]).await;
    let consultation = id(&app.consultation("integrationskonzept", "open").await);
    let round = id(&app.round(&consultation, 80).await);
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/rounds/{round}/registrations"),
            None,
        )
        .header("traceparent", traceparent(MAIL_TRACE, CALLER_SPAN))
        .json(&registrant("Aylin Demir", "a.demir@example.org"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let mails = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mail_traceparent(&sink, "a.demir@example.org"), None);
}

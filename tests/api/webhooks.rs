//! Webhooks to real HTTP receivers on local ports: who receives what, signatures,
//! retries, timeouts, 410, two replicas, SSRF refusals, rotation, ping and redelivery.

use std::collections::HashSet;
use std::time::Duration;

use futures::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::{
    Caller, DELETE, Expect, GET, NOT_FOUND, PATCH, POST, Setup, access, assert_access, registrant,
    setup_with,
};
use crate::helpers::{assert_problem, id, spawn_app};
use crate::receiver::{Receiver, Reply};

/// Receivers here listen on loopback over plain HTTP.
const LOCAL_RECEIVERS: [(&str, &str); 3] = [
    ("WEBHOOK_ALLOW_HTTP", "true"),
    ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ("OUTBOX_POLL_INTERVAL", "100ms"),
];

async fn subscribe(s: &Setup, token: &str, url: &str, events: &[&str]) -> Value {
    let response = s
        .app
        .post(
            "/api/v1/webhooks",
            Some(token),
            &json!({"url": url, "events": events, "description": "Fachverfahren"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/webhooks/{}", id(&body)));
    body
}

/// The first attempt of the first delivery, once the worker has recorded it (it records an
/// attempt after the receiver answered, so a receiver may hold the request a moment before).
async fn first_attempt(s: &Setup, token: &str, subscription: &Value) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let log = deliveries(s, token, subscription).await;
        if let Some(attempt) = log.first().and_then(|d| d["attempts"].get(0)) {
            return attempt.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no attempt recorded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn deliveries(s: &Setup, token: &str, subscription: &Value) -> Vec<Value> {
    s.app
        .get_json(
            &format!("/api/v1/webhooks/{}/deliveries", id(subscription)),
            Some(token),
        )
        .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_partner_receives_its_own_events_signed_and_nobody_elses() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let caritas_hook = Receiver::start(&[]);
    let lamsa_hook = Receiver::start(&[]);
    let events = ["submission.created", "submission.status_changed"];
    let caritas = subscribe(&s, &s.caritas_token, &caritas_hook.url, &events).await;
    let secret = caritas["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(caritas["organisation_id"], s.caritas.as_str());
    assert_eq!(caritas["status"], "active");
    subscribe(&s, &s.lamsa_token, &lamsa_hook.url, &events).await;

    let need = s
        .need(
            &s.caritas_token,
            "Sprachkurse in Stendal",
            "Mit Kinderbetreuung.",
        )
        .await;
    s.accept(&id(&need)).await;
    let mut delivered = caritas_hook.wait_for(3, Duration::from_secs(10)).await;
    // Deliveries run side by side; the event's timestamp tells the order.
    delivered.sort_by_key(|d| d.json()["timestamp"].as_str().unwrap().to_string());
    let types: Vec<String> = delivered
        .iter()
        .map(|d| d.json()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "submission.created",
            "submission.status_changed",
            "submission.status_changed"
        ]
    );
    for delivery in &delivered {
        assert!(delivery.signed_with(secret), "{delivery:?}");
        assert!(delivery.id.starts_with("msg_"));
        let body = delivery.json();
        assert_eq!(body["data"]["id"], id(&need).as_str());
        assert!(body["timestamp"].is_string());
        // No personal data travels in events.
        assert!(!delivery.body.contains("Maria Schulz"));
    }
    assert_eq!(delivered[2].json()["data"]["status"], "accepted");
    assert_eq!(delivered[2].json()["data"]["previous_status"], "in_review");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(lamsa_hook.delivered().is_empty());

    // Another organisation's subscription does not exist for LAMSA; staff other than
    // admins manage none.
    assert_problem(
        s.app
            .get(
                &format!("/api/v1/webhooks/{}", id(&caritas)),
                Some(&s.lamsa_token),
            )
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        s.app
            .get("/api/v1/webhooks", Some(&s.app.moderator()))
            .await,
        403,
        "forbidden",
    )
    .await;
    let listed = s
        .app
        .get_json("/api/v1/webhooks", Some(&s.lamsa_token))
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(listed["items"][0].get("secret").is_none());
    let all = s
        .app
        .get_json("/api/v1/webhooks", Some(&s.app.admin()))
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_the_same_id_until_it_succeeds() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[Reply::Status(500)]);
    let subscription = subscribe(&s, &s.caritas_token, &hook.url, &["submission.created"]).await;
    s.need(&s.caritas_token, "Beratung", "Migrationsberatung in Halle.")
        .await;
    let first = hook.wait_for(1, Duration::from_secs(10)).await;
    // Between the attempts the delivery waits, and the metrics say since when.
    let waited_at_least = first[0].at.elapsed().as_secs_f64();
    let oldest = s
        .app
        .metric("beteiligung_outbox_oldest_pending_seconds{channel=\"webhook\"}")
        .await
        .unwrap();
    assert!(oldest >= waited_at_least && oldest < 5.0, "{oldest}");
    assert_eq!(
        s.app
            .metric("beteiligung_outbox_pending{channel=\"webhook\"}")
            .await,
        Some(1.0)
    );
    let delivered = hook.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[0].id, delivered[1].id);
    assert_eq!(delivered[0].body, delivered[1].body);
    // The schedule's first wait is 5 seconds.
    assert!(delivered[1].at - delivered[0].at >= Duration::from_secs(4));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = deliveries(&s, &s.caritas_token, &subscription).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "sent");
    let attempts: Vec<Value> = log[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(attempts, [json!(500), json!(204)]);
    let webhook = |name: &str| format!("beteiligung_outbox_{name}{{channel=\"webhook\"}}");
    assert_eq!(s.app.metric(&webhook("retries_total")).await, Some(1.0));
    assert_eq!(s.app.metric(&webhook("sent_total")).await, Some(1.0));
    assert_eq!(s.app.metric(&webhook("failed_total")).await, Some(0.0));
    // Nothing waits any more: the series stay, at 0.
    assert_eq!(s.app.metric(&webhook("pending")).await, Some(0.0));
    assert_eq!(
        s.app.metric(&webhook("oldest_pending_seconds")).await,
        Some(0.0)
    );
}

#[tokio::test]
async fn a_receiver_answering_410_disables_its_subscription() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[Reply::Status(410)]);
    let subscription = subscribe(&s, &s.caritas_token, &hook.url, &["submission.created"]).await;
    s.need(&s.caritas_token, "Kita-Plätze", "Für Kinder Geflüchteter.")
        .await;
    hook.wait_for(1, Duration::from_secs(10)).await;
    let path = format!("/api/v1/webhooks/{}", id(&subscription));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let disabled = loop {
        let now = s.app.get_json(&path, Some(&s.caritas_token)).await;
        if now["status"] == "disabled" || tokio::time::Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(disabled["status"], "disabled");
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410"),
        "{disabled}"
    );
    s.need(&s.caritas_token, "Wohnraum", "Für Familien.").await;
    assert_problem(
        s.app
            .post(&format!("{path}/test"), Some(&s.caritas_token), &json!({}))
            .await,
        409,
        "subscription_disabled",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hook.delivered().len(), 1);
    assert_eq!(
        s.app
            .metric("beteiligung_outbox_failed_total{channel=\"webhook\"}")
            .await,
        Some(1.0)
    );
    // Re-enabled, it receives again.
    let enabled = s
        .app
        .patch(&path, Some(&s.caritas_token), &json!({"status": "active"}))
        .await;
    assert_eq!(enabled.status(), 200);
    assert_eq!(
        enabled.json::<Value>().await.unwrap()["disabled_reason"],
        Value::Null
    );
    s.need(
        &s.caritas_token,
        "Arbeitsmarkt",
        "Anerkennung von Abschlüssen.",
    )
    .await;
    assert_eq!(hook.wait_for(2, Duration::from_secs(10)).await.len(), 2);
}

#[tokio::test]
async fn a_receiver_asking_to_wait_is_retried_after_its_retry_after() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[Reply::RetryAfter(429, 8)]);
    subscribe(&s, &s.caritas_token, &hook.url, &["submission.created"]).await;
    s.need(&s.caritas_token, "Beratung", "Migrationsberatung.")
        .await;
    let delivered = hook.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(delivered.len(), 2);
    let waited = delivered[1].at - delivered[0].at;
    // Eight seconds as asked, not the schedule's five.
    assert!(
        waited >= Duration::from_millis(7500) && waited < Duration::from_secs(12),
        "{waited:?}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_but_counted_as_a_failed_attempt() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let elsewhere = Receiver::start(&[]);
    let hook = Receiver::start(&[Reply::Redirect(elsewhere.url.clone())]);
    let subscription = subscribe(&s, &s.caritas_token, &hook.url, &["submission.created"]).await;
    s.need(&s.caritas_token, "Beratung", "Migrationsberatung.")
        .await;
    let attempt = first_attempt(&s, &s.caritas_token, &subscription).await;
    assert_eq!(attempt["status_code"], 307);
    assert_eq!(hook.delivered().len(), 1);
    assert!(elsewhere.delivered().is_empty());
}

#[tokio::test]
async fn a_slow_receiver_times_out_is_retried_and_delays_nobody_else() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let slow = Receiver::start(&[Reply::Sleep(Duration::from_secs(20))]);
    let fast = Receiver::start(&[]);
    let admin = s.app.admin();
    let slow_subscription = subscribe(&s, &admin, &slow.url, &["submission.created"]).await;
    subscribe(&s, &admin, &fast.url, &["submission.created"]).await;
    s.need(&s.caritas_token, "Sprachkurse", "Abends.").await;
    // The fast receiver has its delivery while the slow one still holds its connection.
    assert_eq!(fast.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    assert_eq!(slow.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    let delivered = slow.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[0].id, delivered[1].id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = deliveries(&s, &admin, &slow_subscription).await;
    let first = &log[0]["attempts"][0];
    assert_eq!(first["status_code"], Value::Null);
    assert!(first["error"].as_str().unwrap().contains("15 s"), "{first}");
    assert!(first["duration_ms"].as_i64().unwrap() >= 14_000);
    assert_eq!(log[0]["status"], "sent");
}

#[tokio::test]
async fn a_dead_receiver_with_a_backlog_holds_a_few_slots_and_delays_nobody_else() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    // Never answers within the 15 s timeout.
    let dead = Receiver::start(&vec![Reply::Sleep(Duration::from_secs(30)); 100]);
    let fast = Receiver::start(&[]);
    subscribe(&s, &s.caritas_token, &dead.url, &["submission.created"]).await;
    // A backlog larger than a replica's 32 delivery slots.
    let needs = (0..40).map(|i| {
        let s = &s;
        async move {
            s.need(&s.caritas_token, &format!("Bedarf {i}"), "Aus dem Import.")
                .await
        }
    });
    join_all(needs).await;
    assert!(!dead.wait_for(4, Duration::from_secs(10)).await.is_empty());

    subscribe(&s, &s.lamsa_token, &fast.url, &["submission.created"]).await;
    let need = s
        .need(&s.lamsa_token, "Wohnraum", "Für Familien in Magdeburg.")
        .await;
    // Not after the dead receiver's backlog (32 slots held for 15 s each), but at once.
    let delivered = fast.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].json()["data"]["id"], id(&need).as_str());
    // The dead receiver holds a few connections, not every slot.
    let held = dead.delivered().len();
    assert!(
        (1..=4).contains(&held),
        "{held} deliveries in flight at once"
    );
}

#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let _second = s.app.replica(&LOCAL_RECEIVERS);
    let hook = Receiver::start(&[]);
    subscribe(&s, &s.caritas_token, &hook.url, &["submission.created"]).await;
    let needs = (0..30).map(|i| {
        let s = &s;
        async move {
            s.need(
                &s.caritas_token,
                &format!("Bedarf {i}"),
                "Aus der Regionalkonferenz.",
            )
            .await
        }
    });
    join_all(needs).await;
    let delivered = hook.wait_for(30, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let ids: HashSet<String> = hook.delivered().iter().map(|d| d.id.clone()).collect();
    assert_eq!(delivered.len(), 30);
    assert_eq!(hook.delivered().len(), 30);
    assert_eq!(ids.len(), 30);
}

#[tokio::test]
async fn private_and_plain_http_targets_are_refused_unless_allowed() {
    let app = spawn_app().await;
    let admin = app.admin();
    for url in [
        "http://hooks.example.org/beteiligung",
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.0.0.7/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "ftp://hooks.example.org/",
        "kein link",
    ] {
        let response = app
            .post(
                "/api/v1/webhooks",
                Some(&admin),
                &json!({"url": url, "events": ["round.updated"]}),
            )
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
    assert_eq!(app.count("webhook_subscriptions").await, 0);
}

#[tokio::test]
async fn the_target_is_checked_again_at_delivery() {
    // Made while private networks were allowed; delivered by a replica that forbids them.
    let s = setup_with(&[
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
        ("OUTBOX_POLL_INTERVAL", "1h"),
    ])
    .await;
    let hook = Receiver::start(&[]);
    let subscription = subscribe(&s, &s.caritas_token, &hook.url, &["submission.created"]).await;
    let _strict = s.app.replica(&[
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("OUTBOX_POLL_INTERVAL", "100ms"),
    ]);
    s.need(&s.caritas_token, "Sprachkurse", "Abends.").await;
    let attempt = first_attempt(&s, &s.caritas_token, &subscription).await;
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .contains("resolves to 127.0.0.1"),
        "{attempt}"
    );
    assert!(hook.delivered().is_empty());
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_and_ping_and_redelivery_reach_the_receiver() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[]);
    let subscription = subscribe(&s, &s.caritas_token, &hook.url, &["round.updated"]).await;
    let old = subscription["secret"].as_str().unwrap().to_string();
    let path = format!("/api/v1/webhooks/{}", id(&subscription));
    let rotated: Value = s
        .app
        .post(
            &format!("{path}/rotate-secret"),
            Some(&s.caritas_token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(old, new);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let queued = s
        .app
        .post(&format!("{path}/test"), Some(&s.caritas_token), &json!({}))
        .await;
    assert_eq!(queued.status(), 202);
    let delivery_id = queued.json::<Value>().await.unwrap()["delivery_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ping = hook.wait_for(1, Duration::from_secs(10)).await[0].clone();
    assert_eq!(ping.json()["type"], "ping");
    assert!(ping.signed_with(&old) && ping.signed_with(&new));
    assert_eq!(ping.signature.split(' ').count(), 2);
    assert_eq!(ping.id, format!("msg_{}", delivery_id.replace('-', "")));

    // A round of the public consultation changes: partners hear of it.
    let round_path = format!("/api/v1/rounds/{}", s.round);
    let etag = s.app.etag(&round_path, None).await;
    let changed = s
        .app
        .patch_if_match(&round_path, &s.app.admin(), &etag, &json!({"capacity": 95}))
        .await;
    assert_eq!(changed.status(), 200);
    let round_event = hook.wait_for(2, Duration::from_secs(10)).await[1].clone();
    assert_eq!(round_event.json()["type"], "round.updated");
    assert_eq!(round_event.json()["data"]["capacity"], 95);

    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = s
        .app
        .post(
            &format!("{path}/deliveries/{delivery_id}/redeliver"),
            Some(&s.caritas_token),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 202);
    let redelivered = hook.wait_for(3, Duration::from_secs(10)).await[2].clone();
    assert_eq!(redelivered.id, ping.id);
    assert_eq!(redelivered.body, ping.body);
    assert_problem(
        s.app
            .post(
                &format!("{path}/deliveries/{}/redeliver", uuid::Uuid::now_v7()),
                Some(&s.caritas_token),
                &json!({}),
            )
            .await,
        404,
        "not_found",
    )
    .await;
    let metrics = s.app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("beteiligung_outbox_sent_total{channel=\"webhook\"}"));

    let deleted = s.app.delete(&path, Some(&s.caritas_token)).await;
    assert_eq!(deleted.status(), 204);
    assert_problem(
        s.app.get(&path, Some(&s.caritas_token)).await,
        404,
        "not_found",
    )
    .await;
    // Its delivery log went with it, the sent deliveries too.
    assert_problem(
        s.app
            .get(&format!("{path}/deliveries"), Some(&s.app.admin()))
            .await,
        404,
        "not_found",
    )
    .await;
    let outbox = s
        .app
        .get_json("/api/v1/outbox?channel=webhook", Some(&s.app.admin()))
        .await;
    assert_eq!(outbox["items"], json!([]));
}

#[tokio::test]
async fn subscriptions_are_validated() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[]);
    for (body, status, code) in [
        (
            json!({"url": hook.url, "events": []}),
            422,
            "validation_failed",
        ),
        (
            json!({"url": hook.url, "events": ["round.updated", "round.updated"]}),
            422,
            "validation_failed",
        ),
        (
            json!({"url": hook.url, "events": ["round.exploded"]}),
            400,
            "bad_request",
        ),
        (
            json!({"url": hook.url, "events": ["round.updated"], "organisation_id": s.lamsa}),
            403,
            "forbidden",
        ),
    ] {
        let response = s
            .app
            .post("/api/v1/webhooks", Some(&s.caritas_token), &body)
            .await;
        assert_eq!(response.status(), status, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status);
        if status != 400 {
            assert_eq!(problem["code"], code, "{body}");
        }
    }
    assert_eq!(s.app.count("webhook_subscriptions").await, 0);
}

#[tokio::test]
async fn concurrent_creates_never_exceed_the_limit_of_25_subscriptions() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[]);
    for _ in 0..24 {
        subscribe(&s, &s.caritas_token, &hook.url, &["round.updated"]).await;
    }
    let body = json!({"url": hook.url, "events": ["round.updated"]});
    let creates = (0..8).map(|_| {
        s.app
            .post("/api/v1/webhooks", Some(&s.caritas_token), &body)
    });
    let mut created = 0;
    for response in join_all(creates).await {
        if response.status() == 201 {
            created += 1;
        } else {
            assert_problem(response, 409, "too_many_subscriptions").await;
        }
    }
    assert_eq!(created, 1);
    let listed = s
        .app
        .get_json("/api/v1/webhooks", Some(&s.caritas_token))
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 25);
    // The limit is per organisation: LAMSA may still subscribe.
    subscribe(&s, &s.lamsa_token, &hook.url, &["round.updated"]).await;
}

#[tokio::test]
async fn another_organisations_subscription_does_not_exist_for_a_partner() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let hook = Receiver::start(&[]);
    let caritas = subscribe(&s, &s.caritas_token, &hook.url, &["round.updated"]).await;
    let secret = caritas["secret"].as_str().unwrap();
    let path = format!("/api/v1/webhooks/{}", id(&caritas));
    let queued = s
        .app
        .post(&format!("{path}/test"), Some(&s.caritas_token), &json!({}))
        .await;
    assert_eq!(queued.status(), 202);
    let delivery = queued.json::<Value>().await.unwrap()["delivery_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(hook.wait_for(1, Duration::from_secs(10)).await.len(), 1);
    first_attempt(&s, &s.caritas_token, &caritas).await;
    let etag = s.app.etag(&path, Some(&s.caritas_token)).await;

    let lamsa = Caller::bearer("LAMSA", &s.lamsa_token);
    let change = json!({"status": "disabled", "url": "http://127.0.0.1:9/elsewhere"});
    assert_access(
        &s.app,
        vec![
            access(GET, &path, &lamsa, NOT_FOUND),
            access(
                GET,
                "/api/v1/webhooks",
                &lamsa,
                Expect::json_that(200, "no subscription", |list| list["items"] == json!([])),
            ),
            access(PATCH, &path, &lamsa, NOT_FOUND).body(change.clone()),
            access(PATCH, &path, &lamsa, NOT_FOUND)
                .if_match(&etag)
                .body(change),
            access(DELETE, &path, &lamsa, NOT_FOUND),
            access(POST, &format!("{path}/rotate-secret"), &lamsa, NOT_FOUND).body(json!({})),
            access(POST, &format!("{path}/test"), &lamsa, NOT_FOUND).body(json!({})),
            access(GET, &format!("{path}/deliveries"), &lamsa, NOT_FOUND),
            access(
                POST,
                &format!("{path}/deliveries/{delivery}/redeliver"),
                &lamsa,
                NOT_FOUND,
            )
            .body(json!({})),
        ],
    )
    .await;

    // Nothing of it changed, and nothing more went out.
    let after = s.app.get(&path, Some(&s.caritas_token)).await;
    assert_eq!(after.headers()["etag"].to_str().unwrap(), etag);
    let after: Value = after.json().await.unwrap();
    assert_eq!(after["status"], "active");
    assert_eq!(after["url"], hook.url.as_str());
    assert_eq!(after["previous_secret_expires_at"], Value::Null);
    let log = deliveries(&s, &s.caritas_token, &caritas).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 1);
    // Its own ping still arrives, signed with the unrotated secret.
    s.app
        .post(&format!("{path}/test"), Some(&s.caritas_token), &json!({}))
        .await;
    let delivered = hook.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 2);
    assert!(delivered[1].signed_with(secret));
}

#[tokio::test]
async fn a_partner_never_hears_of_draft_consultations_rounds_or_others_registrations() {
    let s = setup_with(&LOCAL_RECEIVERS).await;
    let caritas_hook = Receiver::start(&[]);
    let admin_hook = Receiver::start(&[]);
    let events = ["round.updated", "registration.status_changed"];
    subscribe(&s, &s.caritas_token, &caritas_hook.url, &events).await;
    subscribe(&s, &s.app.admin(), &admin_hook.url, &events).await;
    let admin = s.app.admin();
    let draft = id(&s.app.consultation("entwurf-2027", "draft").await);
    let draft_round = id(&s.app.round(&draft, 40).await);

    // First what CARITAS must not hear of: a draft consultation's round changes, and LAMSA
    // registers someone.
    for round in [&draft_round, &s.round] {
        let round_path = format!("/api/v1/rounds/{round}");
        let etag = s.app.etag(&round_path, Some(&admin)).await;
        let changed = s
            .app
            .patch_if_match(&round_path, &admin, &etag, &json!({"capacity": 95}))
            .await;
        assert_eq!(changed.status(), 200);
        if *round == draft_round {
            let registered = s
                .app
                .post(
                    &format!("/api/v1/rounds/{}/registrations", s.round),
                    Some(&s.lamsa_token),
                    &registrant("Aylin Demir", "a.demir@lamsa.example"),
                )
                .await;
            assert_eq!(registered.status(), 201);
        }
    }
    // Then what it must hear of: its own registration.
    let own: Value = s
        .app
        .post(
            &format!("/api/v1/rounds/{}/registrations", s.round),
            Some(&s.caritas_token),
            &registrant("Schwester Maria", "maria@caritas.example"),
        )
        .await
        .json()
        .await
        .unwrap();

    // Admins hear of all four: the events were there to be sent.
    assert_eq!(
        admin_hook.wait_for(4, Duration::from_secs(10)).await.len(),
        4
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let received = loop {
        let received: Vec<Value> = caritas_hook.delivered().iter().map(|d| d.json()).collect();
        let heard_of = |kind: &str, subject: &Value| {
            received
                .iter()
                .any(|e| e["type"] == kind && e["data"]["id"] == *subject)
        };
        if heard_of("registration.status_changed", &own["id"])
            && heard_of("round.updated", &json!(s.round))
        {
            break received;
        }
        assert!(tokio::time::Instant::now() < deadline, "{received:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut heard: Vec<(String, String)> = received
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["data"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    heard.sort();
    assert_eq!(
        heard,
        [
            ("registration.status_changed".to_string(), id(&own)),
            ("round.updated".to_string(), s.round.clone()),
        ]
    );
}

//! Rules that guard writes hold under concurrency: checked in the writing transaction,
//! with racing requests fired together (or a competing transaction held open) and the
//! stored state asserted afterwards.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::fixtures::{
    Caller, Expect, GET, NOT_FOUND, Setup, access, assert_access, registrant, setup,
};
use crate::helpers::{assert_problem, id};

/// A submission of the caller's organisation, as a partner's system sends it.
fn need(title: &str) -> Value {
    json!({"kind": "need", "topic": "sprache", "title": title, "body": "Bedarf aus der Regionalkonferenz"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_by_watermark_sees_a_change_that_commits_late() {
    let s = setup().await;
    let early = id(&s
        .need(&s.caritas_token, "Sprachkurse in Stendal", "a")
        .await);
    // A writer whose transaction started before the partner's listing and commits after it.
    let mut late_writer = s.app.db().await;
    let held = late_writer.transaction().await.unwrap();
    held.execute(
        "UPDATE submissions SET title = 'Sprachkurse in Stendal und Tangermünde' WHERE id = $1::text::uuid",
        &[&early],
    )
    .await
    .unwrap();

    let sync = |since: Option<String>| {
        let s = &s;
        async move {
            let mut path = format!("{}?limit=200", s.path());
            if let Some(since) = since {
                path.push_str(&format!("&updated_since={}", urlencode(&since)));
            }
            let page: Value = s.app.get_json(&path, Some(&s.caritas_token)).await;
            let ids: Vec<(String, String)> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (id(i), i["title"].as_str().unwrap().to_string()))
                .collect();
            (ids, page["sync_watermark"].as_str().unwrap().to_string())
        }
    };
    // The partner syncs in a loop while other writers commit, the held one still open.
    let (_, mut watermark) = sync(None).await;
    let mut seen: Vec<(String, String)> = Vec::new();
    for round in 0..5 {
        s.need(&s.caritas_token, &format!("Kitaplätze {round}"), "b")
            .await;
        let (items, next) = sync(Some(watermark.clone())).await;
        seen.extend(items);
        watermark = next;
    }
    held.commit().await.unwrap();
    let (items, _) = sync(Some(watermark)).await;
    seen.extend(items);

    let titles: HashSet<&str> = seen.iter().map(|(_, t)| t.as_str()).collect();
    for round in 0..5 {
        assert!(titles.contains(format!("Kitaplätze {round}").as_str()));
    }
    assert!(
        titles.contains("Sprachkurse in Stendal und Tangermünde"),
        "the change committed late is seen by the next sync: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_of_a_listing_carries_the_first_pages_watermark() {
    let s = setup().await;
    for i in 0..3 {
        s.need(&s.caritas_token, &format!("Bedarf {i}"), "x").await;
    }
    let first: Value = s
        .app
        .get(&format!("{}?limit=2", s.path()), Some(&s.caritas_token))
        .await
        .json()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = s
        .app
        .get(
            &format!("{}?limit=2&cursor={cursor}", s.path()),
            Some(&s.caritas_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["sync_watermark"], first["sync_watermark"]);
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crossing_merges_never_both_succeed() {
    let s = setup().await;
    for attempt in 0..5 {
        let a = id(&s.need(&s.caritas_token, &format!("A{attempt}"), "a").await);
        let b = id(&s.need(&s.lamsa_token, &format!("B{attempt}"), "b").await);
        for x in [&a, &b] {
            s.review(x, json!({"status": "in_review"})).await;
        }
        let (ab, ba) = tokio::join!(
            s.review(&a, json!({"status": "merged", "duplicate_of": b})),
            s.review(&b, json!({"status": "merged", "duplicate_of": a})),
        );
        let statuses = [ab.status().as_u16(), ba.status().as_u16()];
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "exactly one merge wins: {statuses:?}"
        );
        let db = s.app.db().await;
        let merged: i64 = db
            .query_one(
                "SELECT count(*) FROM submissions WHERE status = 'merged' AND id::text = ANY($1)",
                &[&vec![a.clone(), b.clone()]],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(merged, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_merge_and_the_targets_withdrawal_never_both_succeed() {
    let s = setup().await;
    for attempt in 0..5 {
        let dup = id(&s
            .need(&s.lamsa_token, &format!("Doppelt {attempt}"), "a")
            .await);
        let target = id(&s
            .need(&s.caritas_token, &format!("Ziel {attempt}"), "b")
            .await);
        s.review(&dup, json!({"status": "in_review"})).await;
        let target_path = format!("/api/v1/submissions/{target}");
        let (merge, withdraw) = tokio::join!(
            s.review(&dup, json!({"status": "merged", "duplicate_of": target})),
            s.app.delete(&target_path, Some(&s.caritas_token)),
        );
        let (merge, withdraw) = (merge.status().as_u16(), withdraw.status().as_u16());
        assert!(
            (merge == 200) != (withdraw == 200),
            "one wins: merge {merge}, withdraw {withdraw}"
        );
        let db = s.app.db().await;
        let dangling: i64 = db
            .query_one(
                "SELECT count(*) FROM submissions s JOIN submissions t ON t.id = s.duplicate_of
                  WHERE s.status = 'merged' AND t.status IN ('withdrawn', 'rejected', 'merged')",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(dangling, 0, "nothing is merged into a withdrawn submission");
    }
}

/// An admin's change of a row, in flight: the row locked as the service's updates lock it
/// (`FOR UPDATE`) and changed, the transaction left open until the test sends `COMMIT`.
async fn change_in_flight(
    s: &Setup,
    table: &str,
    id: &str,
    change: &str,
) -> tokio_postgres::Client {
    let admin = s.app.db().await;
    admin
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM {table} WHERE id = '{id}' FOR UPDATE; \
             UPDATE {table} SET {change} WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    admin
}

/// Caritas submits `body` while the test goes on (e.g. to commit a transaction it waits for).
fn submit_in_background(s: &Setup, body: Value) -> tokio::task::JoinHandle<reqwest::Response> {
    let request = s
        .app
        .client
        .post(s.app.url(&s.path()))
        .bearer_auth(&s.caritas_token)
        .json(&body);
    tokio::spawn(async move { request.send().await.unwrap() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_submission_waiting_on_a_close_in_progress_is_refused() {
    let s = setup().await;
    // The admin's close is in flight: its transaction holds the consultation.
    let admin = change_in_flight(&s, "consultations", &s.consultation, "status = 'closed'").await;
    let submitting = submit_in_background(&s, need("Spät eingereicht"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !submitting.is_finished(),
        "the submission waits for the close"
    );
    admin.batch_execute("COMMIT").await.unwrap();
    assert_problem(submitting.await.unwrap(), 409, "submissions_closed").await;
    assert_eq!(s.app.count("submissions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_submission_waiting_on_a_round_change_sees_its_new_window() {
    let s = setup().await;
    let admin = change_in_flight(
        &s,
        "rounds",
        &s.round,
        "submissions_close_at = now() - interval '1 hour'",
    )
    .await;
    let mut body = need("Ergebnis der Regionalkonferenz");
    body["round_id"] = json!(s.round);
    let submitting = submit_in_background(&s, body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    admin.batch_execute("COMMIT").await.unwrap();
    assert_problem(submitting.await.unwrap(), 409, "submissions_closed").await;
    assert_eq!(s.app.count("submissions").await, 0);
}

#[tokio::test]
async fn a_closed_consultations_submissions_cannot_be_edited() {
    let s = setup().await;
    let n = id(&s.need(&s.caritas_token, "Sprachkurse", "a").await);
    let close = s
        .app
        .patch(
            &format!("/api/v1/consultations/{}", s.consultation),
            Some(&s.app.admin()),
            &json!({"status": "closed"}),
        )
        .await;
    assert_eq!(close.status(), 200);
    let edit = s
        .app
        .patch(
            &format!("/api/v1/submissions/{n}"),
            Some(&s.caritas_token),
            &json!({"title": "Nachträglich geändert"}),
        )
        .await;
    assert_problem(edit, 409, "submissions_closed").await;
    let stored: String = s
        .app
        .db()
        .await
        .query_one(
            "SELECT title FROM submissions WHERE id = $1::text::uuid",
            &[&n],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "Sprachkurse");
}

#[tokio::test]
async fn a_rounds_etag_changes_with_its_seats() {
    let s = setup().await;
    let path = format!("/api/v1/rounds/{}", s.round);
    let before = s.app.get(&path, None).await.headers()["etag"].clone();
    let registered = s
        .app
        .post(
            &format!("{path}/registrations"),
            Some(&s.app.admin()),
            &registrant("Aylin Demir", "a.demir@example.org"),
        )
        .await;
    assert_eq!(registered.status(), 201);
    let after = s.app.get(&path, None).await.headers()["etag"].clone();
    assert_ne!(before, after);
    let stale = s
        .app
        .patch_if_match(
            &path,
            &s.app.admin(),
            before.to_str().unwrap(),
            &json!({"capacity": 90}),
        )
        .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let fresh = s
        .app
        .patch_if_match(
            &path,
            &s.app.admin(),
            after.to_str().unwrap(),
            &json!({"capacity": 90}),
        )
        .await;
    assert_eq!(fresh.status(), 200);
}

#[tokio::test]
async fn a_time_dependent_refusal_is_not_replayed() {
    let s = setup().await;
    let path = format!("/api/v1/rounds/{}", s.round);
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    let closed = s
        .app
        .patch(
            &path,
            Some(&s.app.admin()),
            &json!({"registration_opens_at": later}),
        )
        .await;
    assert_eq!(closed.status(), 200);
    let key = uuid::Uuid::new_v4().to_string();
    let register = || {
        s.app
            .request(
                reqwest::Method::POST,
                &format!("{path}/registrations"),
                None,
            )
            .header("idempotency-key", &key)
            .json(&registrant("Jonas Becker", "j.becker@example.org"))
            .send()
    };
    assert_problem(register().await.unwrap(), 409, "registration_closed").await;
    let opened = s
        .app
        .patch(
            &path,
            Some(&s.app.admin()),
            &json!({"registration_opens_at": null}),
        )
        .await;
    assert_eq!(opened.status(), 200);
    let retry = register().await.unwrap();
    assert_eq!(retry.status(), 201, "the retry is decided anew once open");
    assert!(retry.headers().get("idempotent-replayed").is_none());
}

#[tokio::test]
async fn emails_are_normalised_so_that_erasure_finds_them() {
    let s = setup().await;
    let key = uuid::Uuid::new_v4().to_string();
    let registered = s
        .app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/rounds/{}/registrations", s.round),
            None,
        )
        .header("idempotency-key", &key)
        .json(&registrant("Jane Richter", " Jane@Example.org "))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let body: Value = registered.json().await.unwrap();
    assert_eq!(body["email"], "Jane@Example.org");
    let mut submission = need("Beratung für Geflüchtete");
    submission["author_name"] = json!("Jane Richter");
    submission["author_email"] = json!("\tjane@example.ORG ");
    let created = s.submit(&s.caritas_token, submission.clone()).await;
    assert_eq!(created.status(), 201);
    submission["author_email"] = json!("jane at example.org");
    assert_problem(
        s.submit(&s.caritas_token, submission).await,
        422,
        "validation_failed",
    )
    .await;

    let erased: Value = s
        .app
        .post(
            "/api/v1/privacy/erasure",
            Some(&s.app.admin()),
            &json!({"email": "JANE@example.org"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(erased, json!({"registrations": 1, "submissions": 1}));
    let db = s.app.db().await;
    for table in ["registrations", "submissions", "idempotency_keys", "outbox"] {
        let found: i64 = db
            .query_one(
                &format!("SELECT count(*) FROM {table} t WHERE t::text ILIKE '%jane%'"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(found, 0, "{table} still holds the person's data");
    }
}

#[tokio::test]
async fn erasure_events_are_shown_to_staff_only() {
    let s = setup().await;
    let mut submission = need("Sprachmittlung");
    submission["author_email"] = json!("m.schulz@caritas.example");
    let n = id(&s
        .submit(&s.caritas_token, submission)
        .await
        .json()
        .await
        .unwrap());
    let erased = s
        .app
        .post(
            "/api/v1/privacy/erasure",
            Some(&s.app.admin()),
            &json!({"email": "m.schulz@caritas.example"}),
        )
        .await;
    assert_eq!(erased.status(), 200);
    let history = |token: Option<String>| {
        let s = &s;
        let n = n.clone();
        async move {
            let events: Value = s
                .app
                .get_json(
                    &format!("/api/v1/submissions/{n}/history"),
                    token.as_deref(),
                )
                .await;
            events
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["action"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        history(Some(s.app.moderator())).await,
        ["created", "personal_data_erased"]
    );
    assert_eq!(history(Some(s.caritas_token.clone())).await, ["created"]);
}

#[tokio::test]
async fn a_registrations_history_is_read_by_who_may_read_it() {
    let s = setup().await;
    let created: Value = s
        .app
        .post(
            &format!("/api/v1/rounds/{}/registrations", s.round),
            Some(&s.caritas_token),
            &registrant("Olga Weber", "o.weber@example.org"),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = id(&created);
    let token = created["cancel_token"].as_str().unwrap().to_string();
    let path = format!("/api/v1/registrations/{r}/history");
    let cancelled = s
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{r}"),
            None,
        )
        .header("x-cancel-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    let staff = Expect::json(200, |events| {
        if events[0]["action"] != "registered" || events[1]["action"] != "cancelled" {
            return Err("not registered, then cancelled".into());
        }
        match events[0]["actor"].as_str() {
            Some(actor) if actor.starts_with("partner:") => Ok(()),
            _ => Err("staff see the exact client".into()),
        }
    });
    let partner = Expect::json_that(200, "the partner, not its client", |events| {
        events[0]["actor"] == "partner"
    });
    let moderator = s.app.moderator();
    assert_access(
        &s.app,
        vec![
            access(GET, &path, &Caller::bearer("moderator", &moderator), staff),
            access(
                GET,
                &path,
                &Caller::bearer("CARITAS", &s.caritas_token),
                partner,
            ),
            access(
                GET,
                &path,
                &Caller::cancel_token("the registrant", &token),
                Expect::json_that(200, "the registration's history", |events| {
                    events[0]["action"] == "registered"
                }),
            ),
            access(
                GET,
                &path,
                &Caller::bearer("LAMSA", &s.lamsa_token),
                NOT_FOUND,
            ),
            access(
                GET,
                &path,
                &Caller::anonymous(),
                Expect::Problem(401, "unauthorized"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn submissions_are_found_by_external_ref() {
    let s = setup().await;
    for (title, external_ref) in [
        ("Sprachkurse", "FV-2019-001"),
        ("Kitaplätze", "FV-2019-002"),
    ] {
        let mut body = need(title);
        body["external_ref"] = json!(external_ref);
        assert_eq!(s.submit(&s.caritas_token, body).await.status(), 201);
    }
    let page: Value = s
        .app
        .get(
            &format!("{}?external_ref=FV-2019-002", s.path()),
            Some(&s.caritas_token),
        )
        .await
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Kitaplätze"]);
}

#[tokio::test]
async fn searches_are_bounded() {
    let s = setup().await;
    s.need(&s.caritas_token, "Sprachkurse in Halle", "a").await;
    let s = &s;
    let search = |q: &str| {
        let path = format!("{}?q={q}", s.path());
        async move {
            let response = s.app.get(&path, Some(&s.app.moderator())).await;
            assert_eq!(response.status(), 200);
            let page: Value = response.json().await.unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    // Only the first eight words count: the ninth cannot exclude the match.
    let eight = "Sprachkurse+Halle+".repeat(4);
    assert_eq!(search(&format!("{eight}-Halle")).await, 1);
    assert_eq!(search("Sprachkurse+-Halle").await, 0);
    assert_eq!(search("Sprachkurse+in+Halle+a.+S.").await, 1);
    // One-letter words are left out; a search without a word finds nothing.
    assert_eq!(search("a").await, 0);
    assert_problem(
        s.app
            .get(&format!("{}?q={}", s.path(), "x".repeat(201)), None)
            .await,
        400,
        "invalid_parameter",
    )
    .await;
}

#[tokio::test]
async fn csv_for_german_excel_never_carries_a_live_formula() {
    let s = setup().await;
    let mut body = need("Verein; =HYPERLINK(\"http://x\")");
    body["author_name"] = json!("@Maria, -Schulz");
    assert_eq!(s.submit(&s.caritas_token, body).await.status(), 201);
    let s = &s;
    let export = |excel: bool| {
        let path = format!(
            "/api/v1/consultations/{}/submissions/export?format=csv&excel={excel}",
            s.consultation
        );
        let token = s.app.moderator();
        async move { s.app.get(&path, Some(&token)).await }
    };
    let excel = export(true).await.bytes().await.unwrap();
    assert!(excel.starts_with(b"\xef\xbb\xbf\"id\";\"number\";\"consultation_id\";"));
    let text = String::from_utf8(excel[3..].to_vec()).unwrap();
    assert!(text.ends_with("\r\n"));
    // Split as German Excel does (`;`) and as English Excel does (`,`): no cell is a formula.
    for separator in [';', ','] {
        for cell in text.split(['\r', '\n', separator]) {
            let cell = cell.trim_start_matches([' ', '"']);
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "live formula {cell:?} when split on {separator:?}"
            );
        }
    }
    let plain = String::from_utf8(export(false).await.bytes().await.unwrap().to_vec()).unwrap();
    assert!(plain.starts_with("id,number,consultation_id,"));
    for cell in plain.split(['\r', '\n', ';', ',']) {
        assert!(
            !cell
                .trim_start_matches([' ', '"'])
                .starts_with(['=', '+', '-', '@'])
        );
    }
}

#[tokio::test]
async fn a_refusal_that_depends_on_stored_data_is_not_replayed() {
    let s = setup().await;
    let key = uuid::Uuid::new_v4().to_string();
    let submit = || {
        s.app
            .request(reqwest::Method::POST, &s.path(), Some(&s.caritas_token))
            .header("idempotency-key", &key)
            .json(&json!({"kind": "need", "topic": "gesundheit", "title": "Dolmetschende in Arztpraxen", "body": "b"}))
            .send()
    };
    assert_problem(submit().await.unwrap(), 422, "validation_failed").await;
    let topics = json!({"topics": [
        {"key": "sprache", "label": "Sprache"},
        {"key": "gesundheit", "label": "Gesundheit"}
    ]});
    let changed = s
        .app
        .patch(
            &format!("/api/v1/consultations/{}", s.consultation),
            Some(&s.app.admin()),
            &topics,
        )
        .await;
    assert_eq!(changed.status(), 200);
    let retry = submit().await.unwrap();
    assert_eq!(retry.status(), 201, "decided anew once the topic exists");
}

#[tokio::test]
async fn a_sync_sees_waitlist_positions_that_moved() {
    let s = setup().await;
    let c = s.app.consultation("kleine-runde", "open").await;
    let round = id(&s.app.round(&id(&c), 1).await);
    let path = format!("/api/v1/rounds/{round}/registrations");
    let mut ids = Vec::new();
    for n in 0..3 {
        let body = registrant(&format!("Person {n}"), &format!("p{n}@example.org"));
        let created: Value = s
            .app
            .post(&path, Some(&s.app.admin()), &body)
            .await
            .json()
            .await
            .unwrap();
        ids.push((
            id(&created),
            created["cancel_token"].as_str().unwrap().to_string(),
        ));
    }
    // Past the watermark's one-second margin, so that only a new stamp brings it back.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let admin = s.app.admin();
    let first: Value = s.app.get_json(&path, Some(&admin)).await;
    let watermark = first["sync_watermark"].as_str().unwrap().to_string();
    // The first on the waitlist leaves: the second moves from position 2 to 1.
    let cancelled = s
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{}", ids[1].0),
            None,
        )
        .header("x-cancel-token", &ids[1].1)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    let since: Value = s
        .app
        .get(
            &format!("{path}?updated_since={}", urlencode(&watermark)),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let moved = since["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| id(r) == ids[2].0)
        .expect("the moved registration is in the sync");
    assert_eq!(moved["waitlist_position"], 1);
}

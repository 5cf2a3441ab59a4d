use futures::future::join_all;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::fixtures::{Caller, Expect, GET, NOT_FOUND, POST, access, assert_access, registrant};
use crate::helpers::{TestApp, assert_problem, id, spawn_app};

/// A registration by staff: confirmed or waitlisted at once, with the cancel token in the
/// response (anonymous registrations wait for their mailed confirmation, see
/// `notifications.rs`).
async fn register(app: &TestApp, round: &str, body: &Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/rounds/{round}/registrations"),
        Some(&app.admin()),
        body,
    )
    .await
}

#[tokio::test]
async fn a_registration_by_staff_is_confirmed_with_a_cancel_token_stored_as_hash() {
    let app = spawn_app().await;
    let round = app.open_round(130).await;
    let response = register(
        &app,
        &round,
        &registrant("Aylin Demir", "a.demir@example.org"),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/registrations/{}", id(&body)));
    assert_eq!(body["status"], "confirmed");
    assert_eq!(body["waitlist_position"], Value::Null);
    assert_eq!(body["round_id"], round.as_str());
    let token = body["cancel_token"].as_str().unwrap();

    let db = app.db().await;
    let row = db
        .query_one(
            "SELECT cancel_token_hash, status FROM registrations WHERE id = $1::text::uuid",
            &[&id(&body)],
        )
        .await
        .unwrap();
    let stored: Vec<u8> = row.get(0);
    assert_eq!(stored, Sha256::digest(token.as_bytes()).to_vec());
    assert_eq!(row.get::<_, String>(1), "confirmed");
    let event = db
        .query_one("SELECT actor, action, from_status, to_status FROM events WHERE entity_id = $1::text::uuid", &[&id(&body)])
        .await
        .unwrap();
    assert_eq!(event.get::<_, String>(0), "admin:test-admin");
    assert_eq!(event.get::<_, String>(1), "registered");
    assert_eq!(event.get::<_, Option<String>>(2), None);
    assert_eq!(event.get::<_, String>(3), "confirmed");
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 1, "waitlisted": 0, "attended": 0, "capacity": 130})
    );

    // The registrant reads it with the cancel token; nobody else anonymously.
    let own = app
        .request(reqwest::Method::GET, &location, None)
        .header("x-cancel-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let wrong = app
        .request(reqwest::Method::GET, &location, None)
        .header("x-cancel-token", "guess")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 404, "not_found").await;
    assert_problem(app.get(&location, None).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn consent_and_fields_are_required_and_nothing_is_stored_otherwise() {
    let app = spawn_app().await;
    let round = app.open_round(10).await;
    let no_consent = register(
        &app,
        &round,
        &json!({"name": "Jana Schulz", "email": "jana@example.org"}),
    )
    .await;
    let body = assert_problem(no_consent, 400, "invalid_body").await;
    assert!(body["detail"].as_str().unwrap().contains("privacy_consent"));
    let refused = register(
        &app,
        &round,
        &json!({"name": "Jana Schulz", "email": "jana@example.org", "privacy_consent": false}),
    )
    .await;
    assert_problem(refused, 422, "validation_failed").await;
    let bad = register(&app, &round, &json!({"name": "", "email": "kein-at", "needs": "x".repeat(2001), "privacy_consent": true})).await;
    let body = assert_problem(bad, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "email", "needs"]);
    let unknown_org = register(&app, &round, &json!({"name": "Jana", "email": "jana@example.org", "privacy_consent": true, "organisation_id": uuid::Uuid::now_v7()})).await;
    assert_problem(unknown_org, 422, "validation_failed").await;
    assert_problem(
        register(
            &app,
            &uuid::Uuid::now_v7().to_string(),
            &registrant("A", "a@example.org"),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let count = app.count("registrations").await;
    assert_eq!(count, 0);
    assert_eq!(app.seats(&round).await["confirmed"], 0);
}

#[tokio::test]
async fn the_same_email_registers_once_per_round_until_cancelled() {
    let app = spawn_app().await;
    let round = app.open_round(10).await;
    let first: Value = register(
        &app,
        &round,
        &registrant("Jonas Weber", "Jonas.Weber@example.org"),
    )
    .await
    .json()
    .await
    .unwrap();
    let again = register(
        &app,
        &round,
        &registrant("Jonas Weber", "jonas.weber@EXAMPLE.org"),
    )
    .await;
    assert_problem(again, 409, "already_registered").await;
    assert_eq!(
        app.seats(&round).await["confirmed"],
        1,
        "the rejected attempt took no seat"
    );

    let cancel = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{}", id(&first)),
            None,
        )
        .header("x-cancel-token", first["cancel_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    assert_eq!(cancel.json::<Value>().await.unwrap()["status"], "cancelled");
    assert_eq!(
        register(
            &app,
            &round,
            &registrant("Jonas Weber", "jonas.weber@example.org")
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn registration_is_closed_outside_the_window_and_for_cancelled_rounds() {
    let app = spawn_app().await;
    let round = app.open_round(10).await;
    let path = format!("/api/v1/rounds/{round}");
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    app.patch(&path, Some(&app.admin()), &json!({"registration_closes_at": past, "registration_opens_at": past - chrono::Duration::days(3)})).await;
    assert_problem(
        register(&app, &round, &registrant("Eva Braun", "eva@example.org")).await,
        409,
        "registration_closed",
    )
    .await;

    let future = chrono::Utc::now() + chrono::Duration::days(1);
    app.patch(&path, Some(&app.admin()), &json!({"registration_opens_at": future, "registration_closes_at": future + chrono::Duration::days(1)})).await;
    assert_problem(
        register(&app, &round, &registrant("Eva Braun", "eva@example.org")).await,
        409,
        "registration_closed",
    )
    .await;

    app.patch(
        &path,
        Some(&app.admin()),
        &json!({"registration_opens_at": null, "registration_closes_at": null, "cancelled": true}),
    )
    .await;
    assert_problem(
        register(&app, &round, &registrant("Eva Braun", "eva@example.org")).await,
        409,
        "registration_closed",
    )
    .await;
    app.patch(&path, Some(&app.admin()), &json!({"cancelled": false}))
        .await;
    assert_eq!(
        register(&app, &round, &registrant("Eva Braun", "eva@example.org"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_full_round_waitlists_and_a_cancellation_promotes_the_first_in_line() {
    let app = spawn_app().await;
    let round = app.open_round(2).await;
    let mut people = Vec::new();
    for i in 0..4 {
        let r: Value = register(
            &app,
            &round,
            &registrant(&format!("Person {i}"), &format!("p{i}@example.org")),
        )
        .await
        .json()
        .await
        .unwrap();
        people.push(r);
    }
    let statuses: Vec<(&str, Value)> = people
        .iter()
        .map(|p| {
            (
                p["status"].as_str().unwrap(),
                p["waitlist_position"].clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("confirmed", Value::Null),
            ("confirmed", Value::Null),
            ("waitlisted", json!(1)),
            ("waitlisted", json!(2))
        ]
    );
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 2, "waitlisted": 2, "attended": 0, "capacity": 2})
    );

    let wrong = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{}", id(&people[0])),
            None,
        )
        .header("x-cancel-token", "falsch")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 403, "forbidden").await;
    assert_problem(
        app.delete(&format!("/api/v1/registrations/{}", id(&people[0])), None)
            .await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.delete(
            &format!("/api/v1/registrations/{}", id(&people[0])),
            Some(&app.moderator()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    let cancel = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{}", id(&people[0])),
            None,
        )
        .header(
            "x-cancel-token",
            people[0]["cancel_token"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 2, "waitlisted": 1, "attended": 0, "capacity": 2})
    );

    let admin = app.admin();
    let list: Value = app
        .get(
            &format!("/api/v1/rounds/{round}/registrations"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let now: Vec<(&str, Value)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["status"].as_str().unwrap(),
                p["waitlist_position"].clone(),
            )
        })
        .collect();
    assert_eq!(
        now,
        [
            ("cancelled", Value::Null),
            ("confirmed", Value::Null),
            ("confirmed", Value::Null),
            ("waitlisted", json!(1))
        ]
    );

    let promoted = app.db().await
        .query_one("SELECT actor, from_status, to_status FROM events WHERE entity_id = $1::text::uuid AND action = 'promoted'", &[&id(&people[2])])
        .await
        .unwrap();
    assert_eq!(
        (
            promoted.get::<_, String>(0),
            promoted.get::<_, String>(1),
            promoted.get::<_, String>(2)
        ),
        ("system".into(), "waitlisted".into(), "confirmed".into())
    );

    // An admin cancels the last waitlisted one: no promotion, the waitlist shrinks.
    let by_admin = app
        .delete(
            &format!("/api/v1/registrations/{}", id(&people[3])),
            Some(&admin),
        )
        .await;
    assert_eq!(by_admin.status(), 200);
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 2, "waitlisted": 0, "attended": 0, "capacity": 2})
    );
    let again = app
        .delete(
            &format!("/api/v1/registrations/{}", id(&people[3])),
            Some(&admin),
        )
        .await;
    assert_eq!(again.status(), 200, "cancelling twice is harmless");
    assert_eq!(app.seats(&round).await["waitlisted"], 0);
}

#[tokio::test]
async fn check_in_marks_confirmed_people_only() {
    let app = spawn_app().await;
    let round = app.open_round(1).await;
    let confirmed: Value = register(
        &app,
        &round,
        &registrant("Mehmet Yılmaz", "m.yilmaz@example.org"),
    )
    .await
    .json()
    .await
    .unwrap();
    let waitlisted: Value = register(
        &app,
        &round,
        &registrant("Olga Petrova", "olga@example.org"),
    )
    .await
    .json()
    .await
    .unwrap();
    let admin = app.admin();
    let check_in = |id: String, token: String| {
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/registrations/{id}/check-in"),
                Some(&token),
                &json!({}),
            )
            .await
        }
    };
    assert_problem(
        check_in(id(&confirmed), app.moderator()).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        check_in(id(&waitlisted), admin.clone()).await,
        409,
        "invalid_transition",
    )
    .await;
    let attended = check_in(id(&confirmed), admin.clone()).await;
    assert_eq!(attended.status(), 200);
    assert_eq!(
        attended.json::<Value>().await.unwrap()["status"],
        "attended"
    );
    assert_eq!(check_in(id(&confirmed), admin.clone()).await.status(), 200);
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 0, "waitlisted": 1, "attended": 1, "capacity": 1})
    );
    // An attended person cannot be cancelled; a cancelled one cannot check in.
    assert_problem(
        app.delete(
            &format!("/api/v1/registrations/{}", id(&confirmed)),
            Some(&admin),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    app.delete(
        &format!("/api/v1/registrations/{}", id(&waitlisted)),
        Some(&admin),
    )
    .await;
    assert_problem(
        check_in(id(&waitlisted), admin.clone()).await,
        409,
        "invalid_transition",
    )
    .await;
    assert_problem(
        check_in(uuid::Uuid::now_v7().to_string(), admin).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.count_where("events", "action = 'checked_in'").await, 1);
}

#[tokio::test]
async fn capacity_cannot_be_lowered_below_confirmed_registrations() {
    let app = spawn_app().await;
    let round = app.open_round(5).await;
    for i in 0..3 {
        register(&app, &round, &registrant("P", &format!("p{i}@example.org"))).await;
    }
    let path = format!("/api/v1/rounds/{round}");
    assert_problem(
        app.patch(&path, Some(&app.admin()), &json!({"capacity": 2}))
            .await,
        409,
        "capacity_below_confirmed",
    )
    .await;
    assert_eq!(
        app.patch(&path, Some(&app.admin()), &json!({"capacity": 3}))
            .await
            .status(),
        200
    );
    let next: Value = register(&app, &round, &registrant("P", "p9@example.org"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["status"], "waitlisted");
}

#[tokio::test]
async fn partners_register_for_their_organisation_and_see_only_their_registrations() {
    let app = spawn_app().await;
    let round = app.open_round(50).await;
    let caritas = app
        .organisation(
            "Caritasverband für das Bistum Magdeburg",
            "welfare_association",
            "Magdeburg",
        )
        .await;
    let lamsa = app
        .organisation(
            "Landesnetzwerk Migrantenorganisationen",
            "migrant_organisation",
            "Sachsen-Anhalt",
        )
        .await;
    let partner = app.partner(id(&caritas).parse().unwrap());
    let other_partner = app.partner(id(&lamsa).parse().unwrap());
    let path = format!("/api/v1/rounds/{round}/registrations");

    let made: Value = app
        .post(
            &path,
            Some(&partner),
            &registrant("Schwester Maria", "maria@caritas.example"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(made["organisation_id"], caritas["id"]);
    assert_eq!(made["category"], "welfare_association");
    assert_eq!(
        made["organisation_name"],
        "Caritasverband für das Bistum Magdeburg"
    );
    register(&app, &round, &registrant("Anonym", "anon@example.org")).await;

    let foreign = json!({"name": "X", "email": "x@example.org", "privacy_consent": true, "organisation_id": id(&lamsa)});
    let caritas = Caller::bearer("CARITAS", &partner);
    let lamsa = Caller::bearer("LAMSA", &other_partner);
    let made_path = format!("/api/v1/registrations/{}", id(&made));
    let made_id = made["id"].clone();
    let only_made = Expect::json_that(
        200,
        "its own registration only",
        move |list| matches!(list["items"].as_array().map(Vec::as_slice), Some([only]) if only["id"] == made_id),
    );
    let made_id = made["id"].clone();
    let is_made = Expect::json_that(200, "its registration", move |registration| {
        registration["id"] == made_id
    });
    assert_access(
        &app,
        vec![
            // A partner registers for no other organisation.
            access(POST, &path, &caritas, Expect::Problem(403, "forbidden")).body(foreign),
            access(GET, &path, &caritas, only_made),
            access(
                GET,
                &path,
                &lamsa,
                Expect::json_that(200, "no registration", |list| list["items"] == json!([])),
            ),
            access(GET, &made_path, &lamsa, NOT_FOUND),
            access(GET, &made_path, &caritas, is_made),
            access(
                GET,
                &path,
                &Caller::anonymous(),
                Expect::Problem(401, "unauthorized"),
            ),
            access(
                GET,
                &path,
                &Caller::bearer("moderator", &app.moderator()),
                Expect::json_that(200, "both registrations", |list| {
                    list["items"].as_array().map(Vec::len) == Some(2)
                }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn lists_filter_by_status_and_updated_since_and_page() {
    let app = spawn_app().await;
    let round = app.open_round(2).await;
    for i in 0..5 {
        register(&app, &round, &registrant("P", &format!("p{i}@example.org"))).await;
    }
    let admin = app.admin();
    let path = format!("/api/v1/rounds/{round}/registrations");
    let waitlisted: Value = app
        .get(&format!("{path}?status=waitlisted"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let positions: Vec<Value> = waitlisted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["waitlist_position"].clone())
        .collect();
    assert_eq!(positions, [json!(1), json!(2), json!(3)]);

    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let first: Value = app
        .get(&format!("{path}?limit=1"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    app.post(
        &format!("/api/v1/registrations/{}/check-in", id(&first["items"][0])),
        Some(&admin),
        &json!({}),
    )
    .await;
    let changed: Value = app
        .get(
            &format!(
                "{path}?updated_since={}",
                since.to_rfc3339().replace('+', "%2B")
            ),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["items"].as_array().unwrap().len(), 1);
    assert_eq!(changed["items"][0]["status"], "attended");

    let page: Value = app
        .get(&format!("{path}?limit=2"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(&format!("{path}?limit=200&cursor={cursor}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_problem(
        app.get(&format!("{path}?status=maybe"), Some(&admin)).await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}?updated_since=yesterday"), Some(&admin))
            .await,
        400,
        "invalid_parameter",
    )
    .await;
}

#[tokio::test]
async fn the_attendance_list_is_csv_with_formulas_neutralised() {
    let app = spawn_app().await;
    let round = app.open_round(1).await;
    register(&app, &round, &json!({"name": "=HYPERLINK(\"http://evil\")", "email": "a@example.org", "organisation_name": "Stadt \"Halle\", Saale", "privacy_consent": true})).await;
    register(&app, &round, &registrant("Ömer Çelik", "oemer@example.org")).await;
    let path = format!("/api/v1/rounds/{round}/registrations/export?format=csv");
    assert_problem(
        app.get(&path, Some(&app.moderator())).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/rounds/{round}/registrations/export?format=xlsx"),
            Some(&app.admin()),
        )
        .await,
        400,
        "invalid_parameter",
    )
    .await;
    let response = app.get(&path, Some(&app.admin())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,name,email,organisation,category,status,waitlist_position,registered_at"
    );
    assert!(lines[1].contains(",\"'=HYPERLINK(\"\"http://evil\"\")\",a@example.org,\"Stadt \"\"Halle\"\", Saale\",,confirmed,,"), "{}", lines[1]);
    assert!(
        lines[2].contains(",Ömer Çelik,oemer@example.org,,,waitlisted,1,"),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 4, "two records and the final CRLF");
}

#[tokio::test]
async fn many_exports_rows_stream_in_chunks() {
    let app = spawn_app().await;
    let round = app.open_round(2000).await;
    let db = app.db().await;
    db.execute(
        "INSERT INTO registrations (id, round_id, name, email, status, cancel_token_hash)
         SELECT gen_random_uuid(), $1::text::uuid, 'Person ' || i, 'p' || i || '@example.org', 'confirmed', '\\x00'
         FROM generate_series(1, 1234) i",
        &[&round],
    )
    .await
    .unwrap();
    let text = app
        .get(
            &format!("/api/v1/rounds/{round}/registrations/export?format=csv"),
            Some(&app.admin()),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 1235);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response_and_refuses_another_body() {
    let app = spawn_app().await;
    let round = app.open_round(10).await;
    let path = format!("/api/v1/rounds/{round}/registrations");
    let key1 = uuid::Uuid::new_v4().to_string();
    let key2 = uuid::Uuid::new_v4().to_string();
    let send = |body: Value, key: &str| {
        let key = key.to_string();
        let app = &app;
        let path = path.clone();
        async move {
            app.request(reqwest::Method::POST, &path, None)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(registrant("Lena Koch", "lena@example.org"), &key1).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();
    // Same body with other key order: the same request.
    let replay = send(
        json!({"privacy_consent": true, "email": "lena@example.org", "name": "Lena Koch"}),
        &key1,
    )
    .await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["location"], location);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    let other = send(registrant("Lena Koch", "lena.koch@example.org"), &key1).await;
    assert_problem(other, 422, "idempotency_key_reused").await;
    let stored = app.count("registrations").await;
    assert_eq!(stored, 1);

    // A refusal of the request itself is replayed: the same request fails the same way.
    let no_consent =
        json!({"name": "Lena Koch", "email": "lena@example.org", "privacy_consent": false});
    let refused = send(no_consent.clone(), &key2).await;
    assert!(refused.headers().get("idempotent-replayed").is_none());
    assert_problem(refused, 422, "validation_failed").await;
    let refused_again = send(no_consent, &key2).await;
    assert_eq!(refused_again.headers()["idempotent-replayed"], "true");
    assert_problem(refused_again, 422, "validation_failed").await;

    // A refusal that depends on state is not stored: the retry is decided anew.
    let key3 = uuid::Uuid::new_v4().to_string();
    let dup = send(registrant("Lena Koch", "LENA@example.org "), &key3).await;
    assert_problem(dup, 409, "already_registered").await;
    let retry = send(registrant("Lena Koch", "LENA@example.org "), &key3).await;
    assert!(retry.headers().get("idempotent-replayed").is_none());
    assert_problem(retry, 409, "already_registered").await;

    // Callers without a token must send a UUID as key.
    let not_uuid = send(registrant("Ida Roth", "ida@example.org"), "anmeldung-3").await;
    assert_problem(not_uuid, 400, "invalid_parameter").await;
    let too_long = app
        .request(reqwest::Method::POST, &path, None)
        .header("idempotency-key", "k".repeat(256))
        .json(&registrant("A", "a@example.org"))
        .send()
        .await
        .unwrap();
    assert_problem(too_long, 400, "invalid_parameter").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_create_one_registration() {
    let app = spawn_app().await;
    let round = app.open_round(10).await;
    let path = format!("/api/v1/rounds/{round}/registrations");
    let body = registrant("Paul Neumann", "paul@example.org");
    let key = uuid::Uuid::new_v4().to_string();
    let ids = app
        .post_at_once_with_key(&path, None, &key, &body, 20)
        .await;
    assert_eq!(ids.len(), 1, "every 201 is the same registration");
    let stored = app.count("registrations").await;
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_registrations_never_overbook_twenty_seats() {
    let app = spawn_app().await;
    let round = app.open_round(20).await;
    let path = format!("/api/v1/rounds/{round}/registrations");
    let admin = app.admin();
    let responses = join_all((0..200).map(|i| {
        app.request(reqwest::Method::POST, &path, Some(&admin))
            .json(&registrant(
                &format!("Teilnehmende {i}"),
                &format!("t{i}@example.org"),
            ))
            .send()
    }))
    .await;
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        match body["status"].as_str().unwrap() {
            "confirmed" => confirmed += 1,
            "waitlisted" => positions.push(body["waitlist_position"].as_i64().unwrap()),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(confirmed, 20);
    positions.sort_unstable();
    assert_eq!(
        positions,
        (1..=180).collect::<Vec<i64>>(),
        "each waitlist position once"
    );

    let db = app.db().await;
    let stored = db
        .query_one(
            "SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'waitlisted') FROM registrations",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (stored.get::<_, i64>(0), stored.get::<_, i64>(1)),
        (20, 180)
    );
    assert_eq!(
        app.seats(&round).await,
        json!({"confirmed": 20, "waitlisted": 180, "attended": 0, "capacity": 20})
    );
}

#[tokio::test]
async fn more_seats_move_the_waitlist_up_before_newcomers() {
    let app = spawn_app().await;
    let round = app.open_round(1).await;
    let first: Value = register(&app, &round, &registrant("Erste", "1@example.org"))
        .await
        .json()
        .await
        .unwrap();
    let second: Value = register(&app, &round, &registrant("Zweite", "2@example.org"))
        .await
        .json()
        .await
        .unwrap();
    let third: Value = register(&app, &round, &registrant("Dritte", "3@example.org"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            first["status"].as_str(),
            second["status"].as_str(),
            third["status"].as_str()
        ),
        (Some("confirmed"), Some("waitlisted"), Some("waitlisted"))
    );

    let raised = app
        .patch(
            &format!("/api/v1/rounds/{round}"),
            Some(&app.admin()),
            &json!({"capacity": 2}),
        )
        .await;
    assert_eq!(raised.status(), 200);
    assert_eq!(
        raised.json::<Value>().await.unwrap()["seats"],
        json!({"confirmed": 2, "waitlisted": 1, "attended": 0, "capacity": 2})
    );
    let promoted: Value = app
        .get(
            &format!("/api/v1/registrations/{}", id(&second)),
            Some(&app.admin()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(promoted["status"], "confirmed");
    // A newcomer does not overtake the one still waiting.
    let fourth: Value = register(&app, &round, &registrant("Vierte", "4@example.org"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            fourth["status"].as_str(),
            fourth["waitlist_position"].as_i64()
        ),
        (Some("waitlisted"), Some(2))
    );
}

#[tokio::test]
async fn text_postgresql_cannot_store_is_refused_not_a_500() {
    let app = spawn_app().await;
    let round = app.open_round(5).await;
    let nul = register(&app, &round, &registrant("A\u{0}B", "nul@example.org")).await;
    let body = assert_problem(nul, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "name");
    assert!(
        !body.to_string().contains("\\u0000"),
        "no NUL echoed: {body}"
    );
    assert_problem(
        app.get("/api/v1/organisations?region=%00", None).await,
        400,
        "invalid_text",
    )
    .await;
    assert_problem(
        app.get("/api/v1/consultations/a%00b", None).await,
        400,
        "invalid_text",
    )
    .await;
    assert_eq!(app.seats(&round).await["confirmed"], 0);
}

use serde_json::{Value, json};

use crate::helpers::{assert_problem, id, spawn_app};

#[tokio::test]
async fn a_round_has_its_venue_and_an_empty_seats_block() {
    let app = spawn_app().await;
    let c = app.consultation("rounds", "open").await;
    let round = app.round(&id(&c), 80).await;
    assert_eq!(
        round["seats"],
        json!({"confirmed": 0, "waitlisted": 0, "attended": 0, "capacity": 80})
    );
    assert_eq!(round["venue"]["city"], "Stendal");
    assert_eq!(round["consultation_id"], c["id"]);
    assert_eq!(round["cancelled"], false);

    let fetched = app
        .get(&format!("/api/v1/rounds/{}", id(&round)), None)
        .await;
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["etag"], "\"1.0.0.0\"");
    let list: Value = app
        .get(
            &format!(
                "/api/v1/consultations/{}/rounds",
                c["slug"].as_str().unwrap()
            ),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], round["id"]);
    assert_eq!(list["items"][0]["seats"]["capacity"], 80);
}

#[tokio::test]
async fn round_times_and_capacity_are_validated() {
    let app = spawn_app().await;
    let c = app.consultation("validierung", "open").await;
    let response = app
        .post(
            &format!("/api/v1/consultations/{}/rounds", id(&c)),
            Some(&app.admin()),
            &json!({
                "kind": "kickoff", "title": "Auftaktkonferenz",
                "starts_at": "2019-09-12T10:00:00+02:00", "ends_at": "2019-09-12T09:00:00+02:00",
                "capacity": 0,
                "registration_opens_at": "2019-09-01T00:00:00Z", "registration_closes_at": "2019-08-01T00:00:00Z",
                "submissions_open_at": "2019-09-20T00:00:00Z", "submissions_close_at": "2019-09-10T00:00:00Z"
            }),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"ends_at") && fields.contains(&"capacity"));
    assert!(fields.contains(&"registration_closes_at") && fields.contains(&"submissions_close_at"));
    let bad_kind = app
        .post(&format!("/api/v1/consultations/{}/rounds", id(&c)), Some(&app.admin()), &json!({"kind": "party", "title": "X", "starts_at": "2019-09-12T10:00:00Z", "ends_at": "2019-09-12T12:00:00Z", "capacity": 5}))
        .await;
    assert_problem(bad_kind, 400, "invalid_body").await;
    let stored = app.count("rounds").await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn rounds_of_a_draft_are_hidden_and_only_admins_create_them() {
    let app = spawn_app().await;
    let draft = app.consultation("entwurf", "draft").await;
    let round = app.round(&id(&draft), 10).await;
    assert_problem(
        app.get(&format!("/api/v1/rounds/{}", id(&round)), None)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/rounds/{}", id(&round)),
            Some(&app.moderator())
        )
        .await
        .status(),
        200
    );
    let by_moderator = app
        .post(
            &format!("/api/v1/consultations/{}/rounds", id(&draft)),
            Some(&app.moderator()),
            &json!({}),
        )
        .await;
    assert_problem(by_moderator, 403, "forbidden").await;
    assert_problem(
        app.get(&format!("/api/v1/rounds/{}", uuid::Uuid::now_v7()), None)
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn capacity_cannot_drop_below_the_seats_taken() {
    let app = spawn_app().await;
    let c = app.consultation("kapazitaet", "open").await;
    let round = app.round(&id(&c), 20).await;
    app.db()
        .await
        .execute(
            "UPDATE rounds SET confirmed_count = 12, attended_count = 3",
            &[],
        )
        .await
        .unwrap();
    let path = format!("/api/v1/rounds/{}", id(&round));
    assert_problem(
        app.patch(&path, Some(&app.admin()), &json!({"capacity": 14}))
            .await,
        409,
        "capacity_below_confirmed",
    )
    .await;
    let ok = app
        .patch(
            &path,
            Some(&app.admin()),
            &json!({"capacity": 15, "venue": null, "cancelled": true}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(
        body["seats"],
        json!({"confirmed": 12, "waitlisted": 0, "attended": 3, "capacity": 15})
    );
    assert_eq!(body["venue"], Value::Null);
    assert_eq!(body["cancelled"], true);
    let invalid = app
        .patch(
            &path,
            Some(&app.admin()),
            &json!({"ends_at": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_problem(invalid, 422, "validation_failed").await;
    let stale = app
        .patch_if_match(&path, &app.admin(), "\"1\"", &json!({"title": "X"}))
        .await;
    assert_problem(stale, 412, "precondition_failed").await;
}

#[tokio::test]
async fn a_round_title_is_answered_in_the_language_asked_for() {
    let app = spawn_app().await;
    let c = app.consultation("runden-sprachen", "open").await;
    let path = format!("/api/v1/consultations/{}/rounds", id(&c));
    let mut body = json!({
        "kind": "regional", "title": "Regionalkonferenz Dessau",
        "translations": {
            "en": {"title": "Regional Conference Dessau"},
            "uk": {"title": "Регіональна конференція в Дессау"},
            "ar": {"title": "المؤتمر الإقليمي في دساو"}
        },
        "venue": {"name": "Dessau-Roßlau, Altes Theater", "city": "Dessau-Roßlau"},
        "starts_at": "2019-10-01T10:00:00+02:00", "ends_at": "2019-10-01T16:00:00+02:00",
        "capacity": 130
    });
    body["translations"]["summary"] = json!({"title": "Zusammenfassung"});
    let refused = app.post(&path, Some(&app.admin()), &body).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "translations.summary");
    assert_eq!(app.count("rounds").await, 0);

    body["translations"]
        .as_object_mut()
        .unwrap()
        .remove("summary");
    let created = app.post(&path, Some(&app.admin()), &body).await;
    assert_eq!(created.status(), 201);
    let round: Value = created.json().await.unwrap();
    let in_language = |accept: &'static str, url: String| {
        app.request(reqwest::Method::GET, &url, None)
            .header("accept-language", accept)
            .send()
    };
    let uk = in_language("uk", format!("/api/v1/rounds/{}", id(&round)))
        .await
        .unwrap();
    assert_eq!(uk.headers()["content-language"], "uk");
    assert_eq!(uk.headers()["etag"], "\"1.0.0.0-uk\"");
    let uk: Value = uk.json().await.unwrap();
    assert_eq!(uk["title"], "Регіональна конференція в Дессау");
    assert_eq!(uk["translations"]["ar"]["title"], "المؤتمر الإقليمي في دساو");
    let fr = in_language("fr", path.clone()).await.unwrap();
    assert_eq!(fr.headers()["content-language"], "de");
    assert!(
        fr.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Accept-Language")
    );
    let fr: Value = fr.json().await.unwrap();
    assert_eq!(fr["items"][0]["title"], "Regionalkonferenz Dessau");

    let changed = app
        .patch_if_match(
            &format!("/api/v1/rounds/{}", id(&round)),
            &app.admin(),
            "\"1.0.0.0-ar\"",
            &json!({"translations": {"ar": {"title": "مؤتمر دساو الإقليمي"}}}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let list: Value = in_language("ar", path).await.unwrap().json().await.unwrap();
    assert_eq!(list["items"][0]["title"], "مؤتمر دساو الإقليمي");
    assert_eq!(
        list["items"][0]["translations"],
        json!({"ar": {"title": "مؤتمر دساو الإقليمي"}})
    );
}

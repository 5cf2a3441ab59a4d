use serde_json::{Value, json};

use crate::helpers::{assert_problem, id, spawn_app};

#[tokio::test]
async fn an_admin_creates_a_draft_consultation_with_location_and_etag() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/consultations",
            Some(&app.admin()),
            &json!({"slug": "integrationskonzept-sachsen-anhalt", "title": "Integrationskonzept Sachsen-Anhalt",
                    "topics": [{"key": "sprache", "label": "Sprache"}], "starts_on": "2019-09-12"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/consultations/{}", id(&body)));
    assert_eq!(body["status"], "draft");
    assert_eq!(
        body["topics"],
        json!([{"key": "sprache", "label": "Sprache"}])
    );
    assert_eq!(body["starts_on"], "2019-09-12");
    assert_eq!(body["ends_on"], Value::Null);

    let by_slug = app
        .get(
            "/api/v1/consultations/integrationskonzept-sachsen-anhalt",
            Some(&app.admin()),
        )
        .await;
    assert_eq!(by_slug.status(), 200);
    assert_eq!(by_slug.json::<Value>().await.unwrap()["id"], body["id"]);

    let again = app
        .post(
            "/api/v1/consultations",
            Some(&app.admin()),
            &json!({"slug": "integrationskonzept-sachsen-anhalt", "title": "Zweiter"}),
        )
        .await;
    assert_problem(again, 409, "slug_taken").await;
}

#[tokio::test]
async fn invalid_consultations_name_every_bad_field_and_store_nothing() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/consultations",
            Some(&app.admin()),
            &json!({"slug": "Nicht Gültig", "title": "", "starts_on": "2020-01-02", "ends_on": "2020-01-01",
                    "topics": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["slug", "title", "topics[1].key", "ends_on"]);
    let count = app.count("consultations").await;
    assert_eq!(count, 0);
}

#[tokio::test]
async fn drafts_are_invisible_to_anonymous_and_partner_callers() {
    let app = spawn_app().await;
    let draft = app.consultation("entwurf", "draft").await;
    let open = app.consultation("offen", "open").await;
    let org = app
        .organisation("Stadt Halle (Saale)", "municipality", "Halle")
        .await;
    let partner = app.partner(id(&org).parse().unwrap());
    for token in [None, Some(partner.as_str())] {
        let list: Value = app
            .get("/api/v1/consultations", token)
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["id"])
            .collect();
        assert_eq!(ids, [&open["id"]]);
        let filtered: Value = app
            .get("/api/v1/consultations?status=draft", token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(filtered["items"], json!([]));
        assert_problem(
            app.get(&format!("/api/v1/consultations/{}", id(&draft)), token)
                .await,
            404,
            "not_found",
        )
        .await;
        assert_problem(
            app.get("/api/v1/consultations/entwurf", token).await,
            404,
            "not_found",
        )
        .await;
        assert_problem(
            app.get(
                &format!("/api/v1/consultations/{}/rounds", id(&draft)),
                token,
            )
            .await,
            404,
            "not_found",
        )
        .await;
        assert_eq!(
            app.get("/api/v1/consultations/offen", token).await.status(),
            200
        );
    }
    let staff: Value = app
        .get("/api/v1/consultations?status=draft", Some(&app.moderator()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn status_only_moves_forward_one_step() {
    let app = spawn_app().await;
    let admin = app.admin();
    let c = app.consultation("prozess", "draft").await;
    let path = format!("/api/v1/consultations/{}", id(&c));
    assert_problem(
        app.patch(&path, Some(&admin), &json!({"status": "closed"}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    assert_eq!(
        app.patch(&path, Some(&admin), &json!({"status": "open"}))
            .await
            .status(),
        200
    );
    assert_problem(
        app.patch(&path, Some(&admin), &json!({"status": "draft"}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    assert_eq!(
        app.patch(&path, Some(&admin), &json!({"status": "closed"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.patch(&path, Some(&admin), &json!({"status": "archived"}))
            .await
            .status(),
        200
    );
    assert_problem(
        app.patch(&path, Some(&admin), &json!({"status": "open"}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    let stored: String = app
        .db()
        .await
        .query_one("SELECT status FROM consultations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "archived");
    assert_problem(
        app.patch(&path, Some(&admin), &json!({"status": "finished"}))
            .await,
        400,
        "invalid_body",
    )
    .await;
}

#[tokio::test]
async fn patch_honours_if_match_and_clears_nullable_fields() {
    let app = spawn_app().await;
    let admin = app.admin();
    let c = app.consultation("etag-test", "draft").await;
    let path = format!("/api/v1/consultations/{}", id(&c));
    let etag = app.etag(&path, Some(&admin)).await;

    let stale = app
        .patch_if_match(&path, &admin, "\"999\"", &json!({"title": "Neu"}))
        .await;
    assert_problem(stale, 412, "precondition_failed").await;

    let fresh = app
        .patch_if_match(
            &path,
            &admin,
            &etag,
            &json!({"title": "Integrationskonzept 2.0", "ends_on": null}),
        )
        .await;
    assert_eq!(fresh.status(), 200);
    assert_ne!(fresh.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = fresh.json().await.unwrap();
    assert_eq!(body["title"], "Integrationskonzept 2.0");
    assert_eq!(body["ends_on"], Value::Null);
    assert_eq!(body["starts_on"], "2019-09-12");

    // A value that is no entity tag is a malformed request, not a failed precondition.
    for malformed in ["999", "\"999", "\"1\" \"2\"", "w/\"1\""] {
        let refused = app
            .patch_if_match(&path, &admin, malformed, &json!({"title": "Neu"}))
            .await;
        assert_problem(refused, 400, "invalid_parameter").await;
    }

    // The old ETag no longer applies.
    let replay = app
        .patch_if_match(&path, &admin, &etag, &json!({"title": "Alt"}))
        .await;
    assert_problem(replay, 412, "precondition_failed").await;
    let stored: String = app
        .db()
        .await
        .query_one("SELECT title FROM consultations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "Integrationskonzept 2.0");
}

#[tokio::test]
async fn lists_page_with_keyset_cursors() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.consultation(&format!("prozess-{i}"), "open").await["id"].clone());
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/consultations?limit=2".to_string();
    loop {
        let page: Value = app.get(&path, None).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|c| c["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/consultations?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created);
    for bad in [
        "limit=0",
        "limit=201",
        "limit=abc",
        "cursor=%%%",
        "cursor=AAAA",
    ] {
        let response = app.get(&format!("/api/v1/consultations?{bad}"), None).await;
        assert_problem(response, 400, "invalid_parameter").await;
    }
}

#[tokio::test]
async fn retention_is_set_by_an_object_of_whole_days() {
    let app = crate::helpers::spawn_app().await;
    let created = app.consultation("integrationskonzept", "draft").await;
    assert_eq!(
        created["retention"],
        serde_json::json!({"registrations_days_after_round": 90, "authors_days_after_archive": 365})
    );
    let path = format!("/api/v1/consultations/{}", created["id"].as_str().unwrap());
    for (retention, status) in [
        (serde_json::json!([30, 400]), 400),
        (
            serde_json::json!({"registrations_days_after_round": 30.5}),
            400,
        ),
        (
            serde_json::json!({"registrations_days_after_round": 0}),
            422,
        ),
        (serde_json::json!({"authors_days_after_archive": 3651}), 422),
        (
            serde_json::json!({"registrations_days_after_round": 30.0}),
            200,
        ),
    ] {
        let response = app
            .patch(
                &path,
                Some(&app.admin()),
                &serde_json::json!({"retention": retention}),
            )
            .await;
        assert_eq!(response.status(), status, "{retention}");
    }
    let changed = app.get_json(&path, Some(&app.admin())).await;
    assert_eq!(
        changed["retention"],
        serde_json::json!({"registrations_days_after_round": 30, "authors_days_after_archive": 365})
    );
}

const TITLE_UK: &str = "Концепція інтеграції Саксонії-Ангальт";
const SUMMARY_UK: &str = "Відкритий процес участі Міністерства праці, соціальних справ та інтеграції: \
громади, організації мігрантів, асоціації та волонтери визначають потреби й підходи для нової \
концепції інтеграції землі.";
const TITLE_AR: &str = "مفهوم الاندماج في ساكسونيا-أنهالت";

fn translated_consultation(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": "Integrationskonzept Sachsen-Anhalt",
        "summary": "Offener Beteiligungsprozess des Ministeriums für Arbeit, Soziales und Integration: \
    Kommunen, Migrantenorganisationen, Verbände und Engagierte erarbeiten Bedarfe und Handlungsansätze.",
        "translations": {
            "en": {"title": "Integration Concept for Saxony-Anhalt",
                   "summary": "Open participation process of the Ministry of Labour, Social Affairs and Integration."},
            "uk": {"title": TITLE_UK, "summary": SUMMARY_UK},
            "ar": {"title": TITLE_AR}
        }
    })
}

async fn get_in(
    app: &crate::helpers::TestApp,
    path: &str,
    accept_language: &str,
) -> reqwest::Response {
    app.request(reqwest::Method::GET, path, Some(&app.admin()))
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers()[name].to_str().unwrap()
}

#[tokio::test]
async fn accept_language_picks_the_translation_and_content_language_names_it() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/consultations",
            Some(&app.admin()),
            &translated_consultation("isa-sprachen"),
        )
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(header(&created, "content-language"), "de");
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["title"], "Integrationskonzept Sachsen-Anhalt");
    assert_eq!(body["translations"]["uk"]["title"], TITLE_UK);
    let path = format!("/api/v1/consultations/{}", id(&body));

    let uk = get_in(&app, &path, "uk-UA,uk;q=0.9,de;q=0.5").await;
    assert_eq!(uk.status(), 200);
    assert_eq!(header(&uk, "content-language"), "uk");
    assert!(header(&uk, "vary").contains("Accept-Language"));
    assert_eq!(header(&uk, "etag"), "\"1-uk\"");
    let uk: Value = uk.json().await.unwrap();
    assert_eq!(
        (uk["title"].as_str(), uk["summary"].as_str()),
        (Some(TITLE_UK), Some(SUMMARY_UK))
    );
    assert_eq!(
        uk["translations"], body["translations"],
        "all translations, always"
    );

    // Arabic has no summary of its own: the German one stands.
    let ar: Value = get_in(&app, &path, "ar").await.json().await.unwrap();
    assert_eq!(ar["title"], TITLE_AR);
    assert_eq!(ar["summary"], body["summary"]);

    let fr = get_in(&app, &path, "fr-FR, fr;q=0.9").await;
    assert_eq!(header(&fr, "content-language"), "de");
    assert_eq!(header(&fr, "etag"), "\"1\"");
    assert!(header(&fr, "vary").contains("Accept-Language"));
    assert_eq!(
        fr.json::<Value>().await.unwrap()["title"],
        "Integrationskonzept Sachsen-Anhalt"
    );

    let list = get_in(&app, "/api/v1/consultations", "uk").await;
    assert_eq!(header(&list, "content-language"), "uk");
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["items"][0]["title"], TITLE_UK);
}

#[tokio::test]
async fn patch_replaces_the_translations_and_takes_the_tag_of_any_language() {
    let app = spawn_app().await;
    let created: Value = app
        .post(
            "/api/v1/consultations",
            Some(&app.admin()),
            &translated_consultation("isa-patch"),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/consultations/{}", id(&created));
    let etag_uk = header(&get_in(&app, &path, "uk").await, "etag").to_string();
    let changed = app
        .patch_if_match(
            &path,
            &app.admin(),
            &etag_uk,
            &json!({"translations": {"en": {"title": "Integration Concept Saxony-Anhalt 2020"}}}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        changed["translations"],
        json!({"en": {"title": "Integration Concept Saxony-Anhalt 2020"}})
    );
    // Ukrainian is gone with the map it was in: German answers it, English is there.
    let uk = get_in(&app, &path, "uk").await;
    assert_eq!(header(&uk, "content-language"), "de");
    assert_eq!(
        uk.json::<Value>().await.unwrap()["title"],
        "Integrationskonzept Sachsen-Anhalt"
    );
    let en = get_in(&app, &path, "en-GB").await;
    assert_eq!(header(&en, "etag"), "\"2-en\"");
    assert_eq!(
        en.json::<Value>().await.unwrap()["title"],
        "Integration Concept Saxony-Anhalt 2020"
    );
    let stale = app
        .patch_if_match(&path, &app.admin(), &etag_uk, &json!({"translations": {}}))
        .await;
    assert_problem(stale, 412, "precondition_failed").await;
}

#[tokio::test]
async fn translations_in_another_language_or_shape_are_422_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut body = translated_consultation("isa-falsch");
    body["translations"]["fr"] = json!({"title": "Concept d'intégration"});
    body["translations"]["de"] = json!({"title": "Integrationskonzept"});
    body["translations"]["ar"] = json!({"title": "x".repeat(301)});
    body["translations"]["en"] = json!({"name": "Integration Concept"});
    let response = app
        .post("/api/v1/consultations", Some(&app.admin()), &body)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "translations.ar.title",
            "translations.de",
            "translations.en",
            "translations.fr"
        ]
    );
    assert_eq!(app.count("consultations").await, 0);

    let c = app.consultation("isa-bleibt", "draft").await;
    let path = format!("/api/v1/consultations/{}", id(&c));
    let refused = app
        .patch(
            &path,
            Some(&app.admin()),
            &json!({"translations": [{"uk": "Концепція"}]}),
        )
        .await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "translations");
    let kept: Value = app.get_json(&path, Some(&app.admin())).await;
    assert_eq!(
        (kept["translations"].clone(), kept["updated_at"].clone()),
        (json!({}), c["updated_at"].clone())
    );
}

use futures::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::{
    Caller, DELETE, Expect, GET, NOT_FOUND, PATCH, POST, access, assert_access, setup,
};
use crate::helpers::{assert_problem, id};

#[tokio::test]
async fn a_partner_hands_in_a_need_for_its_own_organisation() {
    let s = setup().await;
    let response = s.submit(&s.caritas_token, json!({"kind": "need", "topic": "sprache", "title": "Sprachkurse mit Kinderbetreuung",
        "body": "Viele Mütter können Sprachkurse nur besuchen, wenn die Kinder betreut sind.", "external_ref": "CAR-2019-001", "round_id": s.round})).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/submissions/{}", id(&body)));
    assert_eq!(body["organisation_id"], s.caritas.as_str());
    assert_eq!(
        (
            body["status"].as_str(),
            body["source"].as_str(),
            body["kind"].as_str()
        ),
        (Some("submitted"), Some("api"), Some("need"))
    );
    assert_eq!(body["addresses"], json!([]));
    assert_eq!(body["round_id"], s.round.as_str());
    let stored = s
        .app
        .db()
        .await
        .query_one(
            "SELECT organisation_id::text, status, external_ref FROM submissions",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(stored.get::<_, String>(0), s.caritas);
    assert_eq!(stored.get::<_, String>(1), "submitted");

    let foreign = s.submit(&s.caritas_token, json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y", "organisation_id": s.lamsa})).await;
    assert_problem(foreign, 403, "forbidden").await;
    let dup = s.submit(&s.caritas_token, json!({"kind": "statement", "topic": "wohnen", "title": "X", "body": "Y", "external_ref": "CAR-2019-001"})).await;
    assert_problem(dup, 409, "duplicate_external_ref").await;
    let other_org_same_ref = s.submit(&s.lamsa_token, json!({"kind": "statement", "topic": "wohnen", "title": "X", "body": "Y", "external_ref": "CAR-2019-001"})).await;
    assert_eq!(other_org_same_ref.status(), 201);
    assert_problem(
        s.app
            .post(
                &s.path(),
                None,
                &json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y"}),
            )
            .await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn invalid_submissions_are_refused_field_by_field() {
    let s = setup().await;
    let other = id(&s.app.consultation("anderes-konzept", "open").await);
    let foreign_need: Value = s
        .app
        .post(
            &format!("/api/v1/consultations/{other}/submissions"),
            Some(&s.caritas_token),
            &json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let lamsa_need = s
        .need(
            &s.lamsa_token,
            "Beratung in Herkunftssprachen",
            "Es fehlt Beratung.",
        )
        .await;
    let statement: Value = s
        .submit(
            &s.caritas_token,
            json!({"kind": "statement", "topic": "wohnen", "title": "X", "body": "Y"}),
        )
        .await
        .json()
        .await
        .unwrap();

    let cases = [
        (
            json!({"kind": "need", "topic": "gesundheit", "title": "X", "body": "Y"}),
            "topic",
        ),
        (
            json!({"kind": "need", "topic": "sprache", "title": "", "body": "Y"}),
            "title",
        ),
        (
            json!({"kind": "need", "topic": "sprache", "title": "X", "body": "y".repeat(20001)}),
            "body",
        ),
        (
            json!({"kind": "action_approach", "topic": "sprache", "title": "X", "body": "Y"}),
            "addresses",
        ),
        (
            json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y", "addresses": [id(&statement)]}),
            "addresses",
        ),
        (
            json!({"kind": "action_approach", "topic": "sprache", "title": "X", "body": "Y", "addresses": [id(&foreign_need)]}),
            "addresses[0]",
        ),
        (
            json!({"kind": "action_approach", "topic": "sprache", "title": "X", "body": "Y", "addresses": [id(&statement)]}),
            "addresses[0]",
        ),
        // Another organisation's need that is not public yet cannot be addressed (nor probed).
        (
            json!({"kind": "action_approach", "topic": "sprache", "title": "X", "body": "Y", "addresses": [id(&lamsa_need)]}),
            "addresses[0]",
        ),
        (
            json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y", "round_id": uuid::Uuid::now_v7()}),
            "round_id",
        ),
        (
            json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y", "source": "conference"}),
            "source",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            s.submit(&s.caritas_token, body.clone()).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let conference_without_round = s.submit(&s.app.admin(), json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y", "source": "conference"})).await;
    assert_problem(conference_without_round, 422, "validation_failed").await;
    assert_problem(
        s.submit(
            &s.caritas_token,
            json!({"kind": "wish", "topic": "sprache", "title": "X", "body": "Y"}),
        )
        .await,
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(
        s.app.count("submissions").await,
        3,
        "only the fixtures were stored"
    );
}

#[tokio::test]
async fn action_approaches_answer_visible_needs_and_staff_record_conference_results() {
    let s = setup().await;
    let own_need = s
        .need(
            &s.caritas_token,
            "Sprachkurse mit Kinderbetreuung",
            "Kinderbetreuung fehlt.",
        )
        .await;
    let public_need = s
        .need(
            &s.lamsa_token,
            "Berufsbezogene Sprachkurse",
            "Mehr Fachsprache.",
        )
        .await;
    s.accept(&id(&public_need)).await;
    let approach = s.submit(&s.caritas_token, json!({"kind": "action_approach", "topic": "sprache", "title": "Kurse mit Kita-Kooperation",
        "body": "Träger kooperieren mit Kitas.", "addresses": [id(&own_need), id(&public_need), id(&own_need)]})).await;
    assert_eq!(approach.status(), 201);
    let approach: Value = approach.json().await.unwrap();
    let mut addressed: Vec<String> = approach["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    addressed.sort();
    let mut expected = vec![id(&own_need), id(&public_need)];
    expected.sort();
    assert_eq!(addressed, expected);

    let recorded = s.submit(&s.app.moderator(), json!({"kind": "need", "topic": "arbeitsmarkt", "title": "Anerkennung von Abschlüssen",
        "body": "Ergebnis der Regionalkonferenz Stendal.", "source": "conference", "round_id": s.round, "organisation_id": s.lamsa})).await;
    assert_eq!(recorded.status(), 201);
    let recorded: Value = recorded.json().await.unwrap();
    assert_eq!(
        (
            recorded["source"].as_str(),
            recorded["organisation_id"].as_str()
        ),
        (Some("conference"), Some(s.lamsa.as_str()))
    );
}

#[tokio::test]
async fn submissions_are_closed_unless_the_consultation_and_round_window_are_open() {
    let s = setup().await;
    let admin = s.app.admin();
    let round_path = format!("/api/v1/rounds/{}", s.round);
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    s.app.patch(&round_path, Some(&admin), &json!({"submissions_open_at": past - chrono::Duration::days(10), "submissions_close_at": past})).await;
    let with_round =
        json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y", "round_id": s.round});
    assert_problem(
        s.submit(&s.caritas_token, with_round.clone()).await,
        409,
        "submissions_closed",
    )
    .await;
    s.app
        .patch(
            &round_path,
            Some(&admin),
            &json!({"submissions_close_at": null}),
        )
        .await;
    assert_eq!(s.submit(&s.caritas_token, with_round).await.status(), 201);

    s.app
        .patch(
            &format!("/api/v1/consultations/{}", s.consultation),
            Some(&admin),
            &json!({"status": "closed"}),
        )
        .await;
    let closed = s
        .submit(
            &s.caritas_token,
            json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y"}),
        )
        .await;
    assert_problem(closed, 409, "submissions_closed").await;
    let draft = id(&s.app.consultation("entwurf", "draft").await);
    let to_draft = s
        .app
        .post(
            &format!("/api/v1/consultations/{draft}/submissions"),
            Some(&s.caritas_token),
            &json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y"}),
        )
        .await;
    assert_problem(to_draft, 404, "not_found").await;
    let staff_to_draft = s
        .app
        .post(
            &format!("/api/v1/consultations/{draft}/submissions"),
            Some(&admin),
            &json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y"}),
        )
        .await;
    assert_problem(staff_to_draft, 409, "submissions_closed").await;
}

/// Another organisation's non-public submission does not exist for a partner: on GET, PATCH,
/// DELETE, history, in every list and filter, and as an address.
#[tokio::test]
async fn nothing_leaks_between_organisations() {
    let s = setup().await;
    let secret = s
        .need(
            &s.caritas_token,
            "Interner Bedarf Sprachkurse",
            "Noch nicht öffentlich.",
        )
        .await;
    let public = s
        .need(
            &s.caritas_token,
            "Öffentlicher Bedarf Sprachkurse",
            "Angenommen.",
        )
        .await;
    s.accept(&id(&public)).await;
    let secret_id = id(&secret);
    let public_id = id(&public);
    let secret_path = format!("/api/v1/submissions/{secret_id}");
    let secret_history = format!("{secret_path}/history");
    let public_path = format!("/api/v1/submissions/{public_id}");
    let lamsa = Caller::bearer("LAMSA", &s.lamsa_token);
    let anonymous = Caller::anonymous();
    let caritas = Caller::bearer("CARITAS", &s.caritas_token);
    let moderator = Caller::bearer("moderator", &s.app.moderator());
    let hijack = json!({"title": "gekapert"});
    let forbidden = || Expect::Problem(403, "forbidden");

    let mut table = vec![
        access(GET, &secret_path, &lamsa, NOT_FOUND),
        access(GET, &secret_path, &anonymous, NOT_FOUND),
        access(PATCH, &secret_path, &lamsa, NOT_FOUND).body(hijack.clone()),
        access(DELETE, &secret_path, &lamsa, NOT_FOUND),
        access(GET, &secret_history, &lamsa, NOT_FOUND),
        access(GET, &secret_history, &anonymous, NOT_FOUND),
        // On the public one another organisation may read but not change; author names are
        // for the own organisation.
        access(
            GET,
            &public_path,
            &lamsa,
            Expect::json(200, move |seen| {
                if seen["id"] != public_id.as_str() {
                    return Err("another submission".into());
                }
                if seen.get("author_name").is_some() {
                    return Err("shows the author".into());
                }
                Ok(())
            }),
        ),
        access(PATCH, &public_path, &lamsa, forbidden()).body(hijack),
        access(DELETE, &public_path, &lamsa, forbidden()),
    ];
    // In no list nor filter.
    for query in [
        String::new(),
        format!("?organisation_id={}", s.caritas),
        "?status=submitted".into(),
        "?kind=need".into(),
        "?topic=sprache".into(),
        "?category=welfare_association".into(),
        "?region=Magdeburg".into(),
        "?q=Sprachkurse".into(),
        "?q=Interner".into(),
        "?updated_since=2000-01-01T00:00:00Z".into(),
    ] {
        for caller in [&lamsa, &anonymous] {
            let secret_id = secret_id.clone();
            let list = Expect::json(200, move |list| {
                let items = list["items"].as_array().ok_or("no items")?;
                if items.iter().any(|i| i["id"] == secret_id.as_str()) {
                    return Err("lists the secret submission".into());
                }
                if items.iter().any(|i| i.get("author_name").is_some()) {
                    return Err("shows an author".into());
                }
                Ok(())
            });
            table.push(access(GET, &format!("{}{query}", s.path()), caller, list));
        }
    }
    // Nor as an address.
    table.push(
        access(
            POST,
            &s.path(),
            &lamsa,
            Expect::Problem(422, "validation_failed"),
        )
        .body(json!({"kind": "action_approach", "topic": "sprache", "title": "X", "body": "Y", "addresses": [secret_id]})),
    );
    // The own organisation sees both, with author names; staff too.
    table.push(access(
        GET,
        &s.path(),
        &caritas,
        Expect::json(200, |own| {
            if own["items"].as_array().map(Vec::len) != Some(2) {
                return Err("not both".into());
            }
            if own["items"][0]["author_name"] != "Maria Schulz" {
                return Err("without the author".into());
            }
            Ok(())
        }),
    ));
    table.push(access(
        GET,
        &format!("{}?status=submitted", s.path()),
        &moderator,
        Expect::json_that(200, "the secret submission", move |staff| {
            staff["items"][0]["id"] == secret_id.as_str()
        }),
    ));
    assert_access(&s.app, table).await;
}

#[tokio::test]
async fn german_full_text_search_stems_and_ranks() {
    let s = setup().await;
    let in_title = s
        .need(
            &s.caritas_token,
            "Sprachkurse für Pflegekräfte",
            "Pflegeeinrichtungen suchen Personal.",
        )
        .await;
    let in_body = s
        .need(
            &s.caritas_token,
            "Pflege",
            "Es braucht mehr Sprachkurse in der Altmark.",
        )
        .await;
    s.need(&s.caritas_token, "Wohnraum", "Bezahlbare Wohnungen fehlen.")
        .await;
    let token = Some(s.caritas_token.as_str());

    let found: Value = s
        .app
        .get(&format!("{}?q=Sprachkurs", s.path()), token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(
        ids,
        [&in_title["id"], &in_body["id"]],
        "title matches rank first"
    );
    assert!(
        found["items"][0]["rank"].as_f64().unwrap() > found["items"][1]["rank"].as_f64().unwrap()
    );

    let first: Value = s
        .app
        .get(&format!("{}?q=Sprachkurs&limit=1", s.path()), token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"][0]["id"], in_title["id"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = s
        .app
        .get(
            &format!("{}?q=Sprachkurs&limit=1&cursor={cursor}", s.path()),
            token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["id"], in_body["id"]);
    assert_eq!(second["next_cursor"], Value::Null);

    let wohnung: Value = s
        .app
        .get(&format!("{}?q=Wohnung", s.path()), token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wohnung["items"].as_array().unwrap().len(), 1);
    let none: Value = s
        .app
        .get(&format!("{}?q=Fahrrad", s.path()), token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"], json!([]));
    assert_problem(
        s.app
            .get(&format!("{}?q={}", s.path(), "x".repeat(201)), token)
            .await,
        400,
        "invalid_parameter",
    )
    .await;
}

#[tokio::test]
async fn every_filter_narrows_the_list() {
    let s = setup().await;
    let staff = s.app.moderator();
    let a = s.submit(&s.caritas_token, json!({"kind": "need", "topic": "sprache", "title": "A", "body": "a", "round_id": s.round})).await.json::<Value>().await.unwrap();
    let b = s
        .submit(
            &s.lamsa_token,
            json!({"kind": "statement", "topic": "wohnen", "title": "B", "body": "b"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let c = s.submit(&s.lamsa_token, json!({"kind": "action_approach", "topic": "sprache", "title": "C", "body": "c", "addresses": [id(&a)]})).await;
    assert_eq!(c.status(), 422, "a's need is not visible to lamsa yet");
    s.accept(&id(&a)).await;
    let c = s.submit(&s.lamsa_token, json!({"kind": "action_approach", "topic": "sprache", "title": "C", "body": "c", "addresses": [id(&a)]})).await.json::<Value>().await.unwrap();
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    s.review(&id(&b), json!({"status": "in_review"})).await;

    let cases = [
        (format!("round_id={}", s.round), vec![&a]),
        ("kind=statement".into(), vec![&b]),
        ("kind=action_approach".into(), vec![&c]),
        ("topic=sprache".into(), vec![&a, &c]),
        ("status=accepted".into(), vec![&a]),
        ("status=in_review".into(), vec![&b]),
        (format!("organisation_id={}", s.lamsa), vec![&b, &c]),
        ("category=welfare_association".into(), vec![&a]),
        ("region=Halle".into(), vec![&b, &c]),
        (
            format!("updated_since={}", since.to_rfc3339().replace('+', "%2B")),
            vec![&b],
        ),
    ];
    for (query, expected) in cases {
        let list: Value = s
            .app
            .get(&format!("{}?{query}", s.path()), Some(&staff))
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        let expected: Vec<&Value> = expected.iter().map(|e| &e["id"]).collect();
        assert_eq!(ids, expected, "{query}");
    }
    for bad in [
        "kind=wish",
        "status=done",
        "category=x",
        "round_id=1",
        "updated_since=gestern",
    ] {
        assert_problem(
            s.app
                .get(&format!("{}?{bad}", s.path()), Some(&staff))
                .await,
            400,
            "invalid_parameter",
        )
        .await;
    }
}

#[tokio::test]
async fn the_organisation_edits_while_submitted_with_if_match() {
    let s = setup().await;
    let need = s
        .need(&s.caritas_token, "Sprachkurse", "Erste Fassung.")
        .await;
    let path = format!("/api/v1/submissions/{}", id(&need));
    let etag = s.app.etag(&path, Some(&s.caritas_token)).await;
    let stale = s
        .app
        .patch_if_match(&path, &s.caritas_token, "\"7\"", &json!({"body": "x"}))
        .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let edited = s
        .app
        .patch_if_match(
            &path,
            &s.caritas_token,
            &etag,
            &json!({"body": "Zweite Fassung mit Kinderbetreuung.", "topic": "arbeitsmarkt"}),
        )
        .await;
    assert_eq!(edited.status(), 200);
    assert_ne!(edited.headers()["etag"].to_str().unwrap(), etag);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        (edited["body"].as_str(), edited["topic"].as_str()),
        (
            Some("Zweite Fassung mit Kinderbetreuung."),
            Some("arbeitsmarkt")
        )
    );
    let found: Value = s
        .app
        .get(
            &format!("{}?q=Kinderbetreuung", s.path()),
            Some(&s.caritas_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["items"][0]["id"], need["id"],
        "the search index follows edits"
    );

    assert_problem(
        s.app
            .patch(
                &path,
                Some(&s.caritas_token),
                &json!({"topic": "gesundheit"}),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        s.app
            .patch(&path, Some(&s.app.admin()), &json!({"title": "Staff"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        s.app
            .patch(
                &path,
                Some(&s.caritas_token),
                &json!({"status": "accepted"}),
            )
            .await,
        400,
        "invalid_body",
    )
    .await;
    s.review(&id(&need), json!({"status": "in_review"})).await;
    assert_problem(
        s.app
            .patch(&path, Some(&s.caritas_token), &json!({"title": "Zu spät"}))
            .await,
        409,
        "not_editable",
    )
    .await;
    let stored: String = s
        .app
        .db()
        .await
        .query_one("SELECT title FROM submissions", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "Sprachkurse");
}

#[tokio::test]
async fn withdrawal_by_the_organisation_until_decided() {
    let s = setup().await;
    let first = s.need(&s.caritas_token, "Eins", "a").await;
    let second = s.need(&s.caritas_token, "Zwei", "b").await;
    s.review(&id(&first), json!({"status": "in_review"})).await;
    let withdrawn = s
        .app
        .delete(
            &format!("/api/v1/submissions/{}", id(&first)),
            Some(&s.caritas_token),
        )
        .await;
    assert_eq!(withdrawn.status(), 200);
    assert_eq!(
        withdrawn.json::<Value>().await.unwrap()["status"],
        "withdrawn"
    );
    assert_problem(
        s.app
            .delete(
                &format!("/api/v1/submissions/{}", id(&first)),
                Some(&s.caritas_token),
            )
            .await,
        409,
        "invalid_transition",
    )
    .await;
    s.accept(&id(&second)).await;
    assert_problem(
        s.app
            .delete(
                &format!("/api/v1/submissions/{}", id(&second)),
                Some(&s.caritas_token),
            )
            .await,
        409,
        "invalid_transition",
    )
    .await;
    assert_problem(
        s.app
            .delete(
                &format!("/api/v1/submissions/{}", id(&second)),
                Some(&s.app.admin()),
            )
            .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn reviews_follow_the_status_machine() {
    let s = setup().await;
    let need = s.need(&s.caritas_token, "Sprachkurse", "a").await;
    let other = s.need(&s.lamsa_token, "Sprachkurse auch", "b").await;
    let elsewhere = id(&s.app.consultation("anderes", "open").await);
    let foreign: Value = s
        .app
        .post(
            &format!("/api/v1/consultations/{elsewhere}/submissions"),
            Some(&s.caritas_token),
            &json!({"kind": "need", "topic": "sprache", "title": "X", "body": "Y"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let n = id(&need);

    assert_problem(
        s.review(&n, json!({"status": "accepted"})).await,
        409,
        "invalid_transition",
    )
    .await;
    assert_problem(
        s.app
            .post(
                &format!("/api/v1/submissions/{n}/review"),
                Some(&s.caritas_token),
                &json!({"status": "in_review"}),
            )
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        s.review(&n, json!({"status": "withdrawn"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        s.review(&n, json!({"status": "in_review"})).await.status(),
        200
    );
    assert_problem(
        s.review(&n, json!({"status": "in_review"})).await,
        409,
        "invalid_transition",
    )
    .await;
    assert_problem(
        s.review(&n, json!({"status": "rejected"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        s.review(&n, json!({"status": "merged"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        s.review(&n, json!({"status": "merged", "duplicate_of": n}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        s.review(
            &n,
            json!({"status": "merged", "duplicate_of": id(&foreign)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let merged = s.review(&n, json!({"status": "merged", "duplicate_of": id(&other), "reason": "Gleicher Bedarf wie LAMSA"})).await;
    assert_eq!(merged.status(), 200);
    let merged: Value = merged.json().await.unwrap();
    assert_eq!(
        (merged["status"].as_str(), merged["duplicate_of"].as_str()),
        (Some("merged"), Some(id(&other).as_str()))
    );
    assert_problem(
        s.review(&n, json!({"status": "accepted"})).await,
        409,
        "invalid_transition",
    )
    .await;
    // Nothing merges into a merged submission (so no merge cycles).
    s.review(&id(&other), json!({"status": "in_review"})).await;
    let into_merged = s
        .review(&id(&other), json!({"status": "merged", "duplicate_of": n}))
        .await;
    assert_problem(into_merged, 422, "validation_failed").await;

    // A merge target stands: it is not rejected while others are merged into it.
    let o = id(&other);
    let reason = json!({"status": "rejected", "reason": "Außerhalb des Landesauftrags"});
    assert_problem(s.review(&o, reason.clone()).await, 409, "merge_target").await;
    let third = id(&s.need(&s.lamsa_token, "Wohnraum", "c").await);
    s.review(&third, json!({"status": "in_review"})).await;
    let rejected: Value = s.review(&third, reason).await.json().await.unwrap();
    assert_eq!(rejected["decision_reason"], "Außerhalb des Landesauftrags");
    assert_problem(
        s.review(
            &uuid::Uuid::now_v7().to_string(),
            json!({"status": "in_review"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reviews_have_exactly_one_winner() {
    let s = setup().await;
    let need = s.need(&s.caritas_token, "Sprachkurse", "a").await;
    let n = id(&need);
    s.review(&n, json!({"status": "in_review"})).await;
    let moderator = s.app.moderator();
    let path = format!("/api/v1/submissions/{n}/review");
    let responses = join_all((0..10).map(|i| {
        let body = if i % 2 == 0 {
            json!({"status": "accepted"})
        } else {
            json!({"status": "rejected", "reason": "doppelt"})
        };
        s.app
            .request(reqwest::Method::POST, &path, Some(&moderator))
            .json(&body)
            .send()
    }))
    .await;
    let statuses: Vec<u16> = responses
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    let decisions: i64 = s.app.db().await
        .query_one("SELECT count(*) FROM events WHERE entity_id = $1::text::uuid AND to_status IN ('accepted', 'rejected')", &[&n])
        .await.unwrap().get(0);
    assert_eq!(decisions, 1);
}

#[tokio::test]
async fn history_lists_every_event_with_actor_and_reason() {
    let s = setup().await;
    let need = s.need(&s.caritas_token, "Sprachkurse", "a").await;
    let n = id(&need);
    s.app
        .patch(
            &format!("/api/v1/submissions/{n}"),
            Some(&s.caritas_token),
            &json!({"body": "b"}),
        )
        .await;
    s.review(&n, json!({"status": "in_review"})).await;
    s.review(
        &n,
        json!({"status": "rejected", "reason": "Bereits im Konzept"}),
    )
    .await;
    let history: Vec<Value> = s
        .app
        .get(
            &format!("/api/v1/submissions/{n}/history"),
            Some(&s.caritas_token),
        )
        .await
        .json()
        .await
        .unwrap();
    let summary: Vec<(&str, Value, Value)> = history
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["from_status"].clone(),
                e["to_status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("created", Value::Null, json!("submitted")),
            ("edited", json!("submitted"), json!("submitted")),
            ("reviewed", json!("submitted"), json!("in_review")),
            ("reviewed", json!("in_review"), json!("rejected")),
        ]
    );
    assert_eq!(history[3]["reason"], "Bereits im Konzept");
    assert_eq!(
        history[3]["actor"], "moderator@standardbehoerde",
        "the role and authority; who exactly is for staff"
    );
    assert_eq!(history[0]["actor"], "partner");
    assert!(history.iter().all(|e| e["at"].is_string()));
    let withdrawn_need = s.need(&s.caritas_token, "Zwei", "b").await;
    s.app
        .delete(
            &format!("/api/v1/submissions/{}", id(&withdrawn_need)),
            Some(&s.caritas_token),
        )
        .await;
    let history: Vec<Value> = s
        .app
        .get(
            &format!("/api/v1/submissions/{}/history", id(&withdrawn_need)),
            Some(&s.app.admin()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history[1]["action"], "withdrawn");
    assert_eq!(history[1]["actor"], "partner:test-partner");
}

#[tokio::test]
async fn anonymous_callers_see_accepted_submissions_without_authors() {
    let s = setup().await;
    let accepted = s.need(&s.caritas_token, "Sprachkurse", "a").await;
    s.need(&s.caritas_token, "Noch offen", "b").await;
    s.accept(&id(&accepted)).await;
    let list: Value = s.app.get(&s.path(), None).await.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], accepted["id"]);
    assert!(items[0].get("author_name").is_none());
    let single: Value = s
        .app
        .get(&format!("/api/v1/submissions/{}", id(&accepted)), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(single.get("author_name").is_none());
    let staff: Value = s
        .app
        .get(
            &format!("/api/v1/submissions/{}", id(&accepted)),
            Some(&s.app.moderator()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["author_name"], "Maria Schulz");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partner_retrying_after_a_timeout_never_creates_a_duplicate() {
    let s = setup().await;
    let body = json!({"kind": "need", "topic": "sprache", "title": "Sprachkurse", "body": "a", "external_ref": "CAR-7"});
    let ids = s
        .app
        .post_at_once_with_key(&s.path(), Some(&s.caritas_token), "car-7-try", &body, 20)
        .await;
    assert_eq!(ids.len(), 1, "every 201 is the same submission");
    let replay = s
        .app
        .request(reqwest::Method::POST, &s.path(), Some(&s.caritas_token))
        .header("idempotency-key", "car-7-try")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let changed = s
        .app
        .request(reqwest::Method::POST, &s.path(), Some(&s.caritas_token))
        .header("idempotency-key", "car-7-try")
        .json(&json!({"kind": "need", "topic": "sprache", "title": "Anders", "body": "a"}))
        .send()
        .await
        .unwrap();
    assert_problem(changed, 422, "idempotency_key_reused").await;
    // Keys are per caller: another organisation may use the same key.
    let other = s
        .app
        .request(reqwest::Method::POST, &s.path(), Some(&s.lamsa_token))
        .header("idempotency-key", "car-7-try")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    assert_eq!(s.app.count("submissions").await, 2);
}

#[tokio::test]
async fn addresses_and_duplicates_show_only_what_the_caller_may_see() {
    let s = setup().await;
    let hidden_need = s
        .need(&s.lamsa_token, "Interner Bedarf", "nicht öffentlich")
        .await;
    let public_need = s
        .need(&s.lamsa_token, "Öffentlicher Bedarf", "angenommen")
        .await;
    s.accept(&id(&public_need)).await;
    let approach: Value = s
        .submit(
            &s.lamsa_token,
            json!({"kind": "action_approach", "topic": "sprache", "title": "Ansatz", "body": "a",
            "addresses": [id(&hidden_need), id(&public_need)]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        approach["addresses"].as_array().unwrap().len(),
        2,
        "the own organisation sees both"
    );
    s.accept(&id(&approach)).await;
    for token in [Some(s.caritas_token.as_str()), None] {
        let seen: Value = s
            .app
            .get(&format!("/api/v1/submissions/{}", id(&approach)), token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(seen["addresses"], json!([public_need["id"]]), "{token:?}");
    }
    let staff: Value = s
        .app
        .get(
            &format!("/api/v1/submissions/{}", id(&approach)),
            Some(&s.app.moderator()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["addresses"].as_array().unwrap().len(), 2);

    // A caritas need merged into lamsa's hidden need: caritas does not learn that need's id.
    let own = s.need(&s.caritas_token, "Doppelt", "d").await;
    s.review(&id(&own), json!({"status": "in_review"})).await;
    s.review(
        &id(&own),
        json!({"status": "merged", "duplicate_of": id(&hidden_need)}),
    )
    .await;
    let merged: Value = s
        .app
        .get(
            &format!("/api/v1/submissions/{}", id(&own)),
            Some(&s.caritas_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (merged["status"].as_str(), &merged["duplicate_of"]),
        (Some("merged"), &Value::Null)
    );
}

#[tokio::test]
async fn a_hundred_concurrent_submissions_get_a_hundred_distinct_numbers() {
    let s = setup().await;
    let consultation: Value = s
        .app
        .get_json(&format!("/api/v1/consultations/{}", s.consultation), None)
        .await;
    // The default prefix: the initials of the slug.
    let prefix = consultation["number_prefix"].as_str().unwrap().to_string();
    assert_eq!(prefix, "I");
    let created = join_all((0..100).map(|i| {
        let s = &s;
        async move {
            s.need(&s.caritas_token, &format!("Bedarf {i}"), "Aus Stendal.")
                .await
        }
    }))
    .await;
    let mut numbers: Vec<String> = created
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    numbers.dedup();
    let expected: Vec<String> = (1..=100).map(|n| format!("{prefix}-{n:04}")).collect();
    assert_eq!(numbers, expected);
    // Found by its number, as minutes cite it.
    let forty_second = created
        .iter()
        .find(|c| c["number"] == format!("{prefix}-0042"))
        .unwrap();
    let found = s
        .app
        .get_json(
            &format!(
                "/api/v1/consultations/{}/submissions?q={prefix}-0042",
                s.consultation
            ),
            Some(&s.caritas_token),
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["id"], forty_second["id"]);

    // A new prefix numbers what comes next; given numbers stay.
    let path = format!("/api/v1/consultations/{}", s.consultation);
    let etag = s.app.etag(&path, None).await;
    let changed = s
        .app
        .patch_if_match(
            &path,
            &s.app.admin(),
            &etag,
            &json!({"number_prefix": "ITK"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let next = s.need(&s.caritas_token, "Wohnraum", "In Halle.").await;
    assert_eq!(next["number"], "ITK-0101");
    let again = s
        .app
        .get_json(
            &format!("/api/v1/submissions/{}", id(forty_second)),
            Some(&s.caritas_token),
        )
        .await;
    assert_eq!(again["number"], format!("{prefix}-0042"));
    let refused = s
        .app
        .patch_if_match(
            &path,
            &s.app.admin(),
            &s.app.etag(&path, None).await,
            &json!({"number_prefix": "itk"}),
        )
        .await;
    assert_problem(refused, 422, "validation_failed").await;
}

#[tokio::test]
async fn considered_responses_are_drafted_by_staff_and_shown_once_published() {
    let s = setup().await;
    let need = s
        .need(
            &s.caritas_token,
            "Sprachkurse in Halle",
            "Mit Kinderbetreuung.",
        )
        .await;
    s.accept(&id(&need)).await;
    let path = format!("/api/v1/submissions/{}/response", id(&need));
    let draft = json!({"consideration": "partly_considered",
                       "text": "Wird im Handlungsfeld Sprache aufgegriffen; Kinderbetreuung prüfen die Kommunen."});
    assert_problem(
        s.app.put(&path, Some(&s.caritas_token), &draft).await,
        403,
        "forbidden",
    )
    .await;
    let drafted = s.app.put(&path, Some(&s.app.moderator()), &draft).await;
    assert_eq!(drafted.status(), 200);
    let drafted: Value = drafted.json().await.unwrap();
    assert_eq!(drafted["response"]["consideration"], "partly_considered");
    assert_eq!(drafted["response"]["published_at"], Value::Null);
    // A draft is for staff only.
    let one = format!("/api/v1/submissions/{}", id(&need));
    assert_eq!(
        s.app.get_json(&one, Some(&s.caritas_token)).await["response"],
        Value::Null
    );
    assert_eq!(s.app.get_json(&one, None).await["response"], Value::Null);

    let publish = format!("/api/v1/consultations/{}/responses/publish", s.consultation);
    assert_problem(
        s.app
            .post(&publish, Some(&s.app.moderator()), &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let published: Value = s
        .app
        .post(&publish, Some(&s.app.admin()), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(published["submission_ids"], json!([id(&need)]));
    for token in [
        Some(s.caritas_token.as_str()),
        Some(s.lamsa_token.as_str()),
        None,
    ] {
        let seen = s.app.get_json(&one, token).await;
        assert_eq!(seen["response"]["consideration"], "partly_considered");
        assert!(seen["response"]["published_at"].is_string());
    }
    // Publishing again publishes nothing new.
    let again: Value = s
        .app
        .post(&publish, Some(&s.app.admin()), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["submission_ids"], json!([]));
    let history = s
        .app
        .get_json(&format!("{one}/history"), Some(&s.app.admin()))
        .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.ends_with(&["response_drafted", "response_published"]),
        "{actions:?}"
    );
    let report = s
        .app
        .get_json(
            &format!("/api/v1/consultations/{}/report", s.consultation),
            Some(&s.app.admin()),
        )
        .await;
    let sprache = report["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == "sprache")
        .unwrap();
    assert_eq!(sprache["considerations"]["partly_considered"], 1);
    assert_eq!(sprache["considerations"]["drafted"], 0);
    assert_problem(
        s.app
            .put(
                &path,
                Some(&s.app.admin()),
                &json!({"consideration": "noted", "text": " "}),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
}

/// A list names its consultation by id or slug; one that does not exist, or a draft for
/// anyone but staff, is 404 — also when the page would be empty — while an existing
/// consultation without visible submissions is an empty page with its watermark.
#[tokio::test]
async fn lists_of_unknown_or_draft_consultations_are_404_and_empty_ones_a_page() {
    let s = setup().await;
    let need = s
        .submit(
            &s.caritas_token,
            json!({"kind": "need", "topic": "sprache", "title": "Kitaplätze in Stendal", "body": "Wartelisten"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let list = |consultation: &str| format!("/api/v1/consultations/{consultation}/submissions");

    let by_id = s
        .app
        .get_json(&list(&s.consultation), Some(&s.caritas_token))
        .await;
    let by_slug = s
        .app
        .get_json(&list("integrationskonzept"), Some(&s.caritas_token))
        .await;
    assert_eq!(by_id["items"][0]["id"], need["id"]);
    assert_eq!(by_slug["items"], by_id["items"]);

    // Not accepted: nobody else sees it, the page is empty but the consultation is there.
    let anonymous = s.app.get(&list(&s.consultation), None).await;
    assert_eq!(anonymous.status(), 200);
    let anonymous: Value = anonymous.json().await.unwrap();
    assert_eq!(anonymous["items"], json!([]));
    assert!(anonymous["sync_watermark"].is_string());

    for unknown in ["00000000-0000-7000-8000-000000000999", "gibt-es-nicht"] {
        assert_problem(
            s.app.get(&list(unknown), Some(&s.caritas_token)).await,
            404,
            "not_found",
        )
        .await;
    }
    let draft = id(&s.app.consultation("entwurf", "draft").await);
    for path in [list(&draft), list("entwurf")] {
        assert_problem(
            s.app.get(&path, Some(&s.caritas_token)).await,
            404,
            "not_found",
        )
        .await;
        assert_problem(s.app.get(&path, None).await, 404, "not_found").await;
        let staff = s.app.get(&path, Some(&s.app.moderator())).await;
        assert_eq!(staff.status(), 200, "staff see drafts");
    }
}

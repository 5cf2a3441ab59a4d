use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, id, spawn_app};

/// A consultation with three Regionalkonferenzen, five organisations of different
/// categories, registrations in every status and submissions in every status.
pub(crate) struct Seeded {
    pub(crate) app: TestApp,
    pub(crate) consultation: String,
    pub(crate) dessau: String,
    pub(crate) stendal: String,
    halle: String,
    pub(crate) ids: std::collections::HashMap<&'static str, String>,
}

pub(crate) async fn seed() -> Seeded {
    let app = spawn_app().await;
    let admin = app.admin();
    let consultation = id(&app.consultation("integrationskonzept", "open").await);
    let dessau = id(&app.round(&consultation, 4).await);
    let stendal = id(&app.round(&consultation, 10).await);
    let halle = id(&app.round(&consultation, 10).await);
    let mut ids = std::collections::HashMap::new();
    for (key, name, category) in [
        ("magdeburg", "Landeshauptstadt Magdeburg", "municipality"),
        ("ihk", "IHK Halle-Dessau", "chamber_or_business_association"),
        ("lamsa", "LAMSA", "migrant_organisation"),
        ("caritas", "Caritas Magdeburg", "welfare_association"),
        ("schule", "Gemeinschaftsschule Stendal", "school"),
    ] {
        ids.insert(
            key,
            id(&app.organisation(name, category, "Sachsen-Anhalt").await),
        );
    }
    let register = |round: String, email: &'static str, org: Option<String>| {
        let app = &app;
        async move {
            let body = json!({"name": "Teilnehmende Person", "email": email, "privacy_consent": true, "organisation_id": org});
            let response = app
                .post(
                    &format!("/api/v1/rounds/{round}/registrations"),
                    Some(&app.admin()),
                    &body,
                )
                .await;
            assert_eq!(response.status(), 201);
            id(&response.json::<Value>().await.unwrap())
        }
    };
    let attended = register(
        dessau.clone(),
        "md@example.org",
        Some(ids["magdeburg"].clone()),
    )
    .await;
    let cancelled = register(dessau.clone(), "ihk@example.org", Some(ids["ihk"].clone())).await;
    register(
        dessau.clone(),
        "lamsa@example.org",
        Some(ids["lamsa"].clone()),
    )
    .await;
    register(dessau.clone(), "anonym@example.org", None).await;
    register(
        dessau.clone(),
        "caritas@example.org",
        Some(ids["caritas"].clone()),
    )
    .await; // waitlisted
    register(
        stendal.clone(),
        "schule@example.org",
        Some(ids["schule"].clone()),
    )
    .await;
    app.post(
        &format!("/api/v1/registrations/{attended}/check-in"),
        Some(&admin),
        &json!({}),
    )
    .await;
    app.delete(&format!("/api/v1/registrations/{cancelled}"), Some(&admin))
        .await; // promotes caritas

    let path = format!("/api/v1/consultations/{consultation}/submissions");
    let moderator = app.moderator();
    let submit = |org: &'static str, body: Value| {
        let app = &app;
        let path = path.clone();
        let token = app.partner(ids[org].parse().unwrap());
        async move {
            let response = app.post(&path, Some(&token), &body).await;
            assert_eq!(response.status(), 201, "{body}");
            id(&response.json::<Value>().await.unwrap())
        }
    };
    let review = |submission: String, body: Value| {
        let app = &app;
        let moderator = moderator.clone();
        async move {
            let response = app
                .post(
                    &format!("/api/v1/submissions/{submission}/review"),
                    Some(&moderator),
                    &body,
                )
                .await;
            assert_eq!(response.status(), 200, "{body}");
        }
    };
    let accept = |submission: String| {
        let review = &review;
        async move {
            review(submission.clone(), json!({"status": "in_review"})).await;
            review(submission, json!({"status": "accepted"})).await;
        }
    };
    let n1 = submit("lamsa", json!({"kind": "need", "topic": "sprache", "title": "=Sprachkurse mit Kinderbetreuung", "body": "Mütter brauchen Betreuung.", "round_id": dessau})).await;
    accept(n1.clone()).await;
    let n2 = submit("caritas", json!({"kind": "need", "topic": "wohnen", "title": "Bezahlbarer Wohnraum", "body": "Wohnungen fehlen.", "round_id": dessau})).await;
    accept(n2.clone()).await;
    let a1 = submit("ihk", json!({"kind": "action_approach", "topic": "sprache", "title": "Kurse mit Kita-Kooperation", "body": "Betriebe und Kitas.", "round_id": dessau, "addresses": [n1]})).await;
    accept(a1.clone()).await;
    let a2 = submit("caritas", json!({"kind": "action_approach", "topic": "wohnen", "title": "Wohnungstausch", "body": "Börse.", "round_id": dessau, "addresses": [n2]})).await;
    review(a2.clone(), json!({"status": "in_review"})).await;
    review(
        a2.clone(),
        json!({"status": "rejected", "reason": "Nicht Landessache"}),
    )
    .await;
    let s1 = submit("lamsa", json!({"kind": "statement", "topic": "sprache", "title": "Stellungnahme", "body": "Zurückgezogen.", "round_id": dessau})).await;
    app.delete(
        &format!("/api/v1/submissions/{s1}"),
        Some(&app.partner(ids["lamsa"].parse().unwrap())),
    )
    .await;
    let n3 = submit("schule", json!({"kind": "need", "topic": "sprache", "title": "DaZ-Lehrkräfte", "body": "Mehr Lehrkräfte.", "round_id": stendal})).await;
    review(n3.clone(), json!({"status": "in_review"})).await;
    let n4 = submit("magdeburg", json!({"kind": "need", "topic": "arbeitsmarkt", "title": "Anerkennung von Abschlüssen", "body": "Verfahren dauern zu lange.", "round_id": stendal})).await;
    accept(n4.clone()).await;
    submit("magdeburg", json!({"kind": "action_approach", "topic": "arbeitsmarkt", "title": "Anerkennungslotsen", "body": "Lotsen.", "round_id": stendal, "addresses": [n4]})).await;
    let staff_statement = app.post(&path, Some(&admin), &json!({"kind": "statement", "topic": "sprache", "title": "Protokoll", "body": "Auftakt."})).await;
    assert_eq!(staff_statement.status(), 201);
    let n5 = submit("caritas", json!({"kind": "need", "topic": "sprache", "title": "Sprachkurse für Eltern", "body": "Doppelt."})).await;
    review(n5.clone(), json!({"status": "in_review"})).await;
    review(n5, json!({"status": "merged", "duplicate_of": n1})).await;
    ids.insert("n2", n2);
    ids.insert("n4", n4);
    Seeded {
        app,
        consultation,
        dessau,
        stendal,
        halle,
        ids,
    }
}

fn coverage<'a>(report: &'a Value, round: &str) -> &'a Value {
    report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["round_id"] == round)
        .unwrap()
}

fn category<'a>(round: &'a Value, category: &str) -> &'a Value {
    round["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == category)
        .unwrap()
}

#[tokio::test]
async fn the_report_counts_everything_that_was_seeded() {
    let s = seed().await;
    let response = s
        .app
        .get(
            &format!("/api/v1/consultations/{}/report", s.consultation),
            Some(&s.app.moderator()),
        )
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();

    assert_eq!(
        report["totals"],
        json!({"submissions": 10, "accepted": 4, "organisations": 5, "registered": 5, "attended": 1})
    );

    let counts = report["submissions"].as_array().unwrap();
    assert_eq!(
        counts
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .sum::<i64>(),
        10
    );
    let count = |round: Value, kind: &str, topic: &str, status: &str| {
        counts
            .iter()
            .find(|c| {
                c["round_id"] == round
                    && c["kind"] == kind
                    && c["topic"] == topic
                    && c["status"] == status
            })
            .map(|c| c["count"].clone())
    };
    assert_eq!(
        count(json!(s.dessau), "need", "sprache", "accepted"),
        Some(json!(1))
    );
    assert_eq!(
        count(json!(s.dessau), "action_approach", "wohnen", "rejected"),
        Some(json!(1))
    );
    assert_eq!(
        count(json!(s.dessau), "statement", "sprache", "withdrawn"),
        Some(json!(1))
    );
    assert_eq!(
        count(
            json!(s.stendal),
            "action_approach",
            "arbeitsmarkt",
            "submitted"
        ),
        Some(json!(1))
    );
    assert_eq!(
        count(Value::Null, "need", "sprache", "merged"),
        Some(json!(1))
    );
    assert_eq!(
        count(Value::Null, "statement", "sprache", "submitted"),
        Some(json!(1))
    );
    assert_eq!(
        counts.len(),
        10,
        "each seeded submission is its own combination"
    );

    let dessau = coverage(&report, &s.dessau);
    assert_eq!(
        dessau["categories"].as_array().unwrap().len(),
        16,
        "every category, zeros included"
    );
    assert_eq!(
        category(dessau, "municipality"),
        &json!({"category": "municipality", "registered": 1, "attended": 1, "submissions": 0})
    );
    assert_eq!(
        category(dessau, "chamber_or_business_association"),
        &json!({"category": "chamber_or_business_association", "registered": 0, "attended": 0, "submissions": 1})
    );
    assert_eq!(
        category(dessau, "migrant_organisation"),
        &json!({"category": "migrant_organisation", "registered": 1, "attended": 0, "submissions": 1})
    );
    assert_eq!(
        category(dessau, "welfare_association"),
        &json!({"category": "welfare_association", "registered": 1, "attended": 0, "submissions": 2})
    );
    assert_eq!(
        dessau["uncategorised"],
        json!({"registered": 1, "attended": 0, "submissions": 0})
    );
    let absent: Vec<&str> = dessau["absent_categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(absent.len(), 12);
    assert!(
        absent.contains(&"school")
            && !absent.contains(&"municipality")
            && !absent.contains(&"chamber_or_business_association")
    );

    let stendal = coverage(&report, &s.stendal);
    assert_eq!(
        category(stendal, "school"),
        &json!({"category": "school", "registered": 1, "attended": 0, "submissions": 1})
    );
    assert_eq!(category(stendal, "municipality")["submissions"], 2);
    assert_eq!(stendal["absent_categories"].as_array().unwrap().len(), 14);
    let halle = coverage(&report, &s.halle);
    assert_eq!(halle["absent_categories"].as_array().unwrap().len(), 16);

    let open: Vec<(&str, &str)> = report["open_needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["topic"].as_str().unwrap()))
        .collect();
    assert_eq!(
        open,
        [
            (s.ids["n4"].as_str(), "arbeitsmarkt"),
            (s.ids["n2"].as_str(), "wohnen")
        ]
    );
    assert_eq!(report["open_needs"][1]["round_id"], s.dessau.as_str());

    let topics: Vec<(&str, i64, i64, i64)> = report["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["topic"].as_str().unwrap(),
                t["needs"].as_i64().unwrap(),
                t["action_approaches"].as_i64().unwrap(),
                t["open_needs"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        topics,
        [
            ("sprache", 1, 1, 0),
            ("arbeitsmarkt", 1, 0, 1),
            ("wohnen", 1, 0, 1)
        ]
    );
}

#[tokio::test]
async fn reports_and_exports_are_for_staff_only() {
    let app = spawn_app().await;
    let consultation = id(&app.consultation("prozess", "open").await);
    let org = id(&app
        .organisation("LAMSA", "migrant_organisation", "Halle")
        .await);
    let partner = app.partner(org.parse().unwrap());
    for path in [
        format!("/api/v1/consultations/{consultation}/report"),
        format!("/api/v1/consultations/{consultation}/submissions/export?format=csv"),
    ] {
        assert_problem(app.get(&path, Some(&partner)).await, 403, "forbidden").await;
        assert_problem(app.get(&path, None).await, 401, "unauthorized").await;
    }
    let empty: Value = app
        .get(
            &format!("/api/v1/consultations/{consultation}/report"),
            Some(&app.admin()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["totals"]["submissions"], 0);
    assert_eq!(empty["coverage"], json!([]));
    assert_eq!(empty["topics"].as_array().unwrap().len(), 3);
    assert_problem(
        app.get(
            &format!("/api/v1/consultations/{consultation}/submissions/export?format=xml"),
            Some(&app.admin()),
        )
        .await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/consultations/{}/report", uuid::Uuid::now_v7()),
            Some(&app.admin()),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_csv_export_matches_the_list_row_by_row() {
    let s = seed().await;
    let moderator = s.app.moderator();
    let list: Value = s
        .app
        .get(
            &format!(
                "/api/v1/consultations/{}/submissions?limit=200",
                s.consultation
            ),
            Some(&moderator),
        )
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    let response = s
        .app
        .get(
            &format!(
                "/api/v1/consultations/{}/submissions/export?format=csv",
                s.consultation
            ),
            Some(&moderator),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..5],
        [
            "id",
            "number",
            "consultation_id",
            "round_id",
            "organisation_id"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), items.len());
    for (record, item) in records.iter().zip(items) {
        let field = |name: &str| {
            record
                .get(header.iter().position(|h| h == name).unwrap())
                .unwrap()
                .to_string()
        };
        assert_eq!(field("id"), item["id"].as_str().unwrap());
        assert_eq!(field("number"), item["number"].as_str().unwrap());
        assert_eq!(field("status"), item["status"].as_str().unwrap());
        assert_eq!(field("kind"), item["kind"].as_str().unwrap());
        assert_eq!(field("round_id"), item["round_id"].as_str().unwrap_or(""));
        let title = item["title"].as_str().unwrap();
        let expected = if title.starts_with('=') {
            format!("'{title}")
        } else {
            title.to_string()
        };
        assert_eq!(field("title"), expected, "formulas are neutralised");
        let addresses: Vec<&str> = item["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(field("addresses"), addresses.join(" "));
        assert_eq!(
            field("decision_reason"),
            item["decision_reason"].as_str().unwrap_or("")
        );
    }
    assert!(text.contains("'=Sprachkurse mit Kinderbetreuung"));
}

#[tokio::test]
async fn the_ndjson_export_applies_every_filter_of_the_list() {
    let s = seed().await;
    let admin = s.app.admin();
    for filter in [
        "kind=need",
        "status=accepted",
        "topic=sprache",
        format!("round_id={}", s.dessau).as_str(),
        "category=welfare_association",
        "q=Sprachkurs",
    ] {
        let list: Value = s
            .app
            .get(
                &format!(
                    "/api/v1/consultations/{}/submissions?{filter}&limit=200",
                    s.consultation
                ),
                Some(&admin),
            )
            .await
            .json()
            .await
            .unwrap();
        let response = s
            .app
            .get(
                &format!(
                    "/api/v1/consultations/{}/submissions/export?format=ndjson&{filter}",
                    s.consultation
                ),
                Some(&admin),
            )
            .await;
        assert_eq!(response.headers()["content-type"], "application/x-ndjson");
        let lines: Vec<Value> = response
            .text()
            .await
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(&lines, list["items"].as_array().unwrap(), "{filter}");
        assert!(!lines.is_empty(), "{filter}");
    }
}

#[tokio::test]
async fn large_exports_stream_in_chunks() {
    let app = spawn_app().await;
    let consultation = id(&app.consultation("gross", "open").await);
    app.db().await.execute(
        "INSERT INTO submissions (id, consultation_id, kind, topic, title, body, source, number)
         SELECT gen_random_uuid(), $1::text::uuid, 'need', 'sprache', 'Bedarf ' || i, 'Text ' || i, 'staff',
                'G-' || lpad(i::text, 4, '0')
         FROM generate_series(1, 2500) i",
        &[&consultation],
    ).await.unwrap();
    let text = app
        .get(
            &format!("/api/v1/consultations/{consultation}/submissions/export?format=ndjson"),
            Some(&app.admin()),
        )
        .await
        .text()
        .await
        .unwrap();
    let ids: std::collections::HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2500, "every row once across the chunks");
}

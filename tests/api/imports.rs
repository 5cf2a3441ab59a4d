//! Import of conference results: CSV as spreadsheets save it and JSON, all rows or none.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::{Setup, setup_with};
use crate::helpers::{TestApp, assert_problem, spawn_app};

fn import_path(consultation: &str) -> String {
    format!("/api/v1/consultations/{consultation}/submissions/import")
}

async fn import(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.request(Method::POST, path, Some(token))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST import")
}

impl Setup {
    async fn import_csv(&self, query: &str, csv: &str) -> reqwest::Response {
        let path = format!(
            "{}?round_id={}{query}",
            import_path(&self.consultation),
            self.round
        );
        import(
            &self.app,
            &path,
            &self.app.moderator(),
            "text/csv; charset=utf-8",
            csv.to_string(),
        )
        .await
    }
}

/// Every stored submission of the setup's consultation: (number, title, kind, organisation).
async fn stored(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    app.db()
        .await
        .query(
            "SELECT number, title, kind, organisation_id::text FROM submissions ORDER BY number",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[tokio::test]
async fn a_csv_minute_is_imported_with_organisations_by_name_and_needs_by_reference() {
    let setup = setup_with(&[]).await;
    let earlier = setup
        .need(
            &setup.caritas_token,
            "Beratung in Herkunftssprachen",
            "Mehr Angebote",
        )
        .await;
    let earlier_number = earlier["number"].as_str().unwrap();
    let csv = format!(
        "\u{feff}Kind;Topic;Title;Body;Organisation;External_Ref;Addresses;Author_Name\r\n\
         need;sprache;Sprachkurse am Nachmittag;\"Eltern können nur nachmittags;\r\nKinderbetreuung fehlt\";Landesnetzwerk Migrantenorganisationen;HAL-B1;;Aylin Öztürk\r\n\
         action_approach;sprache;Kurse mit Kinderbetreuung;\"Volkshochschule und Träger \"\"bieten an\"\"\";{};HAL-A1;\"HAL-B1, {earlier_number}\";\r\n\
         statement;arbeitsmarkt;Anerkennung beschleunigen;Die Verfahren dauern zu lange.;;;;\r\n",
        setup.caritas
    );
    let response = setup.import_csv("", &csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["imported"], 3);
    let rows = report["submissions"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["row"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(rows[0]["external_ref"], "HAL-B1");

    let need = setup
        .app
        .get_json(
            &format!("/api/v1/submissions/{}", rows[0]["id"].as_str().unwrap()),
            Some(&setup.app.moderator()),
        )
        .await;
    assert_eq!(
        need["body"],
        "Eltern können nur nachmittags;\r\nKinderbetreuung fehlt"
    );
    assert_eq!(need["source"], "conference");
    assert_eq!(need["round_id"], setup.round);
    assert_eq!(need["organisation_id"], setup.lamsa);
    assert_eq!(need["author_name"], "Aylin Öztürk");
    assert_eq!(need["status"], "submitted");
    assert_eq!(need["number"], rows[0]["number"]);

    let approach = setup
        .app
        .get_json(
            &format!("/api/v1/submissions/{}", rows[1]["id"].as_str().unwrap()),
            Some(&setup.app.moderator()),
        )
        .await;
    assert_eq!(approach["title"], "Kurse mit Kinderbetreuung");
    assert_eq!(approach["body"], "Volkshochschule und Träger \"bieten an\"");
    assert_eq!(approach["organisation_id"], setup.caritas);
    let mut addresses: Vec<&str> = approach["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    addresses.sort();
    let mut expected = vec![
        rows[0]["id"].as_str().unwrap(),
        earlier["id"].as_str().unwrap(),
    ];
    expected.sort();
    assert_eq!(addresses, expected);

    // Numbered after the earlier submission, in file order.
    let numbers: Vec<String> = stored(&setup.app).await.into_iter().map(|s| s.0).collect();
    assert_eq!(numbers.len(), 4);
    assert_eq!(numbers[0], earlier_number);
    assert_eq!(
        rows.iter()
            .map(|r| r["number"].as_str().unwrap())
            .collect::<Vec<_>>(),
        numbers[1..]
    );
    // Each is an event in its history, by the importing moderator.
    let history = setup
        .app
        .get_json(
            &format!(
                "/api/v1/submissions/{}/history",
                rows[2]["id"].as_str().unwrap()
            ),
            Some(&setup.app.admin()),
        )
        .await;
    assert_eq!(history[0]["action"], "imported");
    assert_eq!(history[0]["to_status"], "submitted");
}

#[tokio::test]
async fn every_bad_row_is_reported_in_one_problem_and_nothing_is_imported() {
    let setup = setup_with(&[]).await;
    let csv = format!(
        "kind,topic,title,body,organisation,external_ref,addresses,author_email\n\
         need,sprache,Gute Zeile,Text,{caritas},R-1,,\n\
         need,unbekannt,,Text,Stadtverwaltung Atlantis,,,\n\
         action_approach,sprache,Ansatz,Text,,,\"R-1, ITK-9999\",keine-adresse\n\
         bedarf,sprache,Titel,Text, {caritas} ,R-1,,\n\
         need,sprache,Titel,Text,{unknown},,,\n",
        caritas = setup.caritas,
        unknown = uuid::Uuid::now_v7()
    );
    let response = setup.import_csv("", &csv).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let errors: Vec<(u64, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (2, "organisation"),
            (2, "title"),
            (2, "topic"),
            (3, "addresses"),
            (3, "author_email"),
            (4, "kind"),
            (4, "external_ref"),
            (5, "organisation"),
        ]
    );
    let messages: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[3].contains("ITK-9999"), "{messages:?}");
    assert!(
        !messages[3].contains("R-1"),
        "R-1 is a need of row 1: {messages:?}"
    );
    assert!(
        messages[5].contains("need, action_approach, statement"),
        "{messages:?}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("4 of 5 rows")
    );
    assert!(stored(&setup.app).await.is_empty());
    assert_eq!(setup.app.count("events").await, 0);
}

#[tokio::test]
async fn a_dry_run_reports_what_would_be_imported_and_writes_nothing() {
    let setup = setup_with(&[]).await;
    let csv =
        "kind;topic;title;body\nneed;sprache;Sprachcafé;Treffpunkt\nneed;wohnen;Wohnraum;Fehlt\n";
    let response = setup.import_csv("&dry_run=true", csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["imported"], 2);
    let would_be = report["submissions"][0]["number"].clone();
    assert!(stored(&setup.app).await.is_empty());
    assert_eq!(setup.app.count("events").await, 0);
    assert_eq!(setup.app.count("outbox").await, 0);

    // The numbers were not used up: the import gets the same first one.
    let response = setup.import_csv("", csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["submissions"][0]["number"], would_be);
    assert_eq!(stored(&setup.app).await.len(), 2);
}

#[tokio::test]
async fn a_json_import_addresses_a_need_further_down_the_same_file() {
    let setup = setup_with(&[]).await;
    let path = format!(
        "{}?round_id={}",
        import_path(&setup.consultation),
        setup.round
    );
    let body = json!([
        {"kind": "action_approach", "topic": "wohnen", "title": "Wohnungslotsen",
         "body": "Ehrenamtliche begleiten Wohnungssuchende", "organisation": setup.lamsa,
         "addresses": ["W-1"]},
        {"kind": "need", "topic": "wohnen", "title": "Wohnraum für Familien",
         "body": "Große Wohnungen fehlen in Halle-Neustadt", "organisation": setup.lamsa,
         "external_ref": "W-1", "author_email": "Leyla.Demir@example.org"}
    ]);
    let response = import(
        &setup.app,
        &path,
        &setup.app.admin(),
        "application/json",
        body.to_string(),
    )
    .await;
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["imported"], 2, "{report}");
    let approach = report["submissions"][0]["id"].as_str().unwrap();
    let need = report["submissions"][1]["id"].as_str().unwrap();
    let stored = setup
        .app
        .get_json(
            &format!("/api/v1/submissions/{approach}"),
            Some(&setup.app.admin()),
        )
        .await;
    assert_eq!(stored["addresses"], json!([need]));
    assert_eq!(
        setup
            .app
            .count_where("submissions", "author_email = 'Leyla.Demir@example.org'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_import_with_an_idempotency_key_is_done_once() {
    let setup = setup_with(&[]).await;
    let path = format!(
        "{}?round_id={}",
        import_path(&setup.consultation),
        setup.round
    );
    let send = |csv: &'static str| {
        setup
            .app
            .request(Method::POST, &path, Some(&setup.app.moderator()))
            .header("Content-Type", "text/csv")
            .header("Idempotency-Key", "protokoll-halle-2019-11-06")
            .body(csv)
            .send()
    };
    let csv = "kind;topic;title;body\nneed;sprache;Sprachcafé;Treffpunkt\n";
    let first = send(csv).await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = send(csv).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["Idempotent-Replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(stored(&setup.app).await.len(), 1);

    let other = send("kind;topic;title;body\nneed;sprache;Anderes;Text\n")
        .await
        .unwrap();
    assert_problem(other, 422, "idempotency_key_reused").await;
    assert_eq!(stored(&setup.app).await.len(), 1);
}

#[tokio::test]
async fn concurrent_imports_number_every_row_once() {
    let setup = setup_with(&[]).await;
    let files: Vec<String> = (0..4)
        .map(|file| {
            let mut csv = String::from("kind;topic;title;body\n");
            for row in 0..50 {
                csv.push_str(&format!("need;sprache;Bedarf {file}-{row};Text\n"));
            }
            csv
        })
        .collect();
    let responses = join_all(files.iter().map(|csv| setup.import_csv("", csv))).await;
    for response in responses {
        assert_eq!(response.status(), 200);
    }
    let numbers: Vec<String> = stored(&setup.app).await.into_iter().map(|s| s.0).collect();
    let distinct: std::collections::HashSet<&String> = numbers.iter().collect();
    assert_eq!((numbers.len(), distinct.len()), (200, 200));
}

#[tokio::test]
async fn the_import_takes_five_mib_where_every_other_body_stops_at_64_kib() {
    let setup = setup_with(&[]).await;
    // About 160 KiB: over the general limit, well within the import's.
    let mut csv = String::from("kind;topic;title;body\n");
    let text = "Sprachförderung ".repeat(100);
    for row in 0..100 {
        csv.push_str(&format!("need;sprache;Bedarf {row};{text}\n"));
    }
    assert!(csv.len() > 64 * 1024);
    let response = setup.import_csv("", &csv).await;
    assert_eq!(response.status(), 200);
    let plain = setup
        .submit(
            &setup.caritas_token,
            json!({"kind": "need", "topic": "sprache", "title": "Zu lang", "body": text.repeat(60)}),
        )
        .await;
    assert_problem(plain, 413, "payload_too_large").await;

    let mut huge = String::from("kind;topic;title;body\n");
    while huge.len() <= 5 * 1024 * 1024 {
        huge.push_str(&format!("need;sprache;Bedarf;{text}\n"));
    }
    let response = setup.import_csv("", &huge).await;
    assert_problem(response, 413, "payload_too_large").await;
    assert_eq!(stored(&setup.app).await.len(), 100);
}

#[tokio::test]
async fn imports_are_for_staff_of_an_open_round_in_csv_or_json_only() {
    let setup = setup_with(&[]).await;
    let path = format!(
        "{}?round_id={}",
        import_path(&setup.consultation),
        setup.round
    );
    let csv = "kind;topic;title;body\nneed;sprache;Sprachcafé;Treffpunkt\n";
    let partner = import(&setup.app, &path, &setup.caritas_token, "text/csv", csv).await;
    assert_problem(partner, 403, "forbidden").await;
    let anonymous = setup
        .app
        .request(Method::POST, &path, None)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthorized").await;
    let excel = import(
        &setup.app,
        &path,
        &setup.app.moderator(),
        "application/vnd.ms-excel",
        csv,
    )
    .await;
    assert_problem(excel, 415, "unsupported_media_type").await;
    let latin1 = import(
        &setup.app,
        &path,
        &setup.app.moderator(),
        "text/csv",
        b"kind;topic;title;body\nneed;sprache;Sprachf\xf6rderung;Text\n".to_vec(),
    )
    .await;
    let problem = assert_problem(latin1, 400, "invalid_body").await;
    assert!(problem["detail"].as_str().unwrap().contains("UTF-8"));
    let no_round = import(
        &setup.app,
        &import_path(&setup.consultation),
        &setup.app.moderator(),
        "text/csv",
        csv,
    )
    .await;
    let problem = assert_problem(no_round, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "round_id");

    // The round's window closed: the whole file is refused.
    let now = chrono::Utc::now();
    let closed = setup
        .app
        .patch(
            &format!("/api/v1/rounds/{}", setup.round),
            Some(&setup.app.admin()),
            &json!({"submissions_open_at": now - chrono::Duration::days(2),
                    "submissions_close_at": now - chrono::Duration::days(1)}),
        )
        .await;
    assert_eq!(closed.status(), 200, "{:?}", closed.text().await);
    let refused = setup.import_csv("", csv).await;
    assert_problem(refused, 409, "submissions_closed").await;
    assert!(stored(&setup.app).await.is_empty());
}

#[tokio::test]
async fn an_import_into_an_unknown_consultation_is_404() {
    let app = spawn_app().await;
    let response = import(
        &app,
        &import_path("gibt-es-nicht"),
        &app.admin(),
        "text/csv",
        "kind;topic;title;body\nneed;a;b;c\n",
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn each_imported_submission_is_announced_to_its_organisations_webhooks_only() {
    use crate::receiver::Receiver;
    let setup = setup_with(&[
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
        ("OUTBOX_POLL_INTERVAL", "100ms"),
    ])
    .await;
    let caritas_hook = Receiver::start(&[]);
    let subscribed = setup
        .app
        .post(
            "/api/v1/webhooks",
            Some(&setup.caritas_token),
            &json!({"url": caritas_hook.url, "events": ["submission.created"]}),
        )
        .await;
    assert_eq!(subscribed.status(), 201);
    let secret = subscribed.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let csv = format!(
        "kind;topic;title;body;organisation;external_ref\n\
         need;sprache;Sprachcafé;Treffpunkt;{};C-1\n\
         need;sprache;Elternabende;Mit Dolmetschenden;{};L-1\n\
         need;wohnen;Wohnraum;Für Familien;{};C-2\n",
        setup.caritas, setup.lamsa, setup.caritas
    );
    let response = setup.import_csv("", &csv).await;
    assert_eq!(response.status(), 200);
    let mut delivered = caritas_hook
        .wait_for(2, std::time::Duration::from_secs(10))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        caritas_hook.delivered().len(),
        2,
        "LAMSA's row is not Caritas' business"
    );
    delivered.sort_by_key(|d| {
        d.json()["data"]["external_ref"]
            .as_str()
            .unwrap()
            .to_string()
    });
    for (delivery, external_ref) in delivered.iter().zip(["C-1", "C-2"]) {
        assert!(delivery.signed_with(&secret));
        let body = delivery.json();
        assert_eq!(body["type"], "submission.created");
        assert_eq!(body["data"]["external_ref"], external_ref);
        assert_eq!(body["data"]["organisation_id"], setup.caritas.as_str());
    }
}

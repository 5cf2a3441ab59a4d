//! From the minute to the Abwägungstabelle: the demo's Regionalkonferenz Halle results
//! imported, answered, published and exported; the XLSX read back with calamine and every
//! cell compared with what the API says.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

const HALLE: &str = "0190f1a0-0000-7000-8000-000000000104";
const SLUG: &str = "integrationskonzept-sachsen-anhalt";

/// The minute as the Regionalkonferenz's note-taker saved it from German Excel: BOM, `;`,
/// CRLF, cells with line breaks and quotes.
const MINUTE: &str = "\u{feff}Kind;Topic;Title;Body;Organisation;External_Ref;Addresses\r\n\
need;sprache;\"Sprachkurse für Schichtarbeitende\";\"Arbeitgeber in Halle-Neustadt berichten:\r\nKurse nur vormittags; Schichtarbeitende fallen heraus.\";Willkommensinitiative Halle-Neustadt;HAL-2019-01;\r\n\
need;arbeitsmarkt;Anerkennung ausländischer Abschlüsse beschleunigen;\"Wartezeiten von über 6 Monaten; Fachkräfte wandern ab.\";Industrie- und Handelskammer Halle-Dessau;HAL-2019-02;\r\n\
action_approach;sprache;Abendkurse mit Kinderbetreuung;\"Volkshochschule Halle und Träger bieten \"\"Deutsch am Abend\"\" an,\r\nmit Betreuung im Haus.\";Netzwerk Integration Halle (Saale);HAL-2019-03;\"HAL-2019-01\r\nITK-0001\"\r\n\
action_approach;arbeitsmarkt;Anerkennungslotsen bei der IHK;Eine Lotsin begleitet Antragstellende durch das Verfahren.;Industrie- und Handelskammer Halle-Dessau;HAL-2019-04;HAL-2019-02\r\n\
statement;wohnen;Wohnraum in Halle-Neustadt;=Mehr große Wohnungen für Familien mit Kindern.;;;\r\n";

async fn demo_app() -> TestApp {
    use diesel_async::AsyncConnection;
    let app = spawn_app().await;
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.database_url())
        .await
        .unwrap();
    beteiligung::demo::load(&mut conn).await.unwrap();
    app
}

/// A moderator of the ministry the demo consultation belongs to (the demo has three
/// authorities, so a staff token names its own).
fn moderator(app: &TestApp) -> String {
    let ministry = beteiligung::demo::AUTHORITIES[0].slug;
    app.staff_of(beteiligung::base::Role::Moderator, ministry)
}

async fn download(app: &TestApp, format: &str) -> reqwest::Response {
    app.get(
        &format!("/api/v1/consultations/{SLUG}/consideration-table?format={format}"),
        Some(&moderator(app)),
    )
    .await
}

/// Every page of a list.
async fn all(app: &TestApp, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = app
            .get_json(
                &format!(
                    "{path}{separator}limit=200{}",
                    cursor.map(|c| format!("&cursor={c}")).unwrap_or_default()
                ),
                Some(&app.admin()),
            )
            .await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

/// The table as it must be, built from the API's own data.
async fn expected_table(app: &TestApp) -> Vec<Vec<String>> {
    let consultation = app
        .get_json(&format!("/api/v1/consultations/{SLUG}"), None)
        .await;
    let topics: Vec<(String, String)> = consultation["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().into(),
                t["label"].as_str().unwrap().into(),
            )
        })
        .collect();
    let categories: HashMap<String, String> = app
        .get_json("/api/v1/categories", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().into(),
                c["label_de"].as_str().unwrap().into(),
            )
        })
        .collect();
    let organisations: HashMap<String, (String, String)> = all(app, "/api/v1/organisations")
        .await
        .into_iter()
        .map(|o| {
            let category = categories[o["category"].as_str().unwrap()].clone();
            (
                o["id"].as_str().unwrap().into(),
                (o["name"].as_str().unwrap().into(), category),
            )
        })
        .collect();
    let rounds: HashMap<String, String> = all(app, &format!("/api/v1/consultations/{SLUG}/rounds"))
        .await
        .into_iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["title"].as_str().unwrap().into(),
            )
        })
        .collect();
    let submissions: Vec<Value> = all(app, &format!("/api/v1/consultations/{SLUG}/submissions"))
        .await
        .into_iter()
        .filter(|s| s["status"] != "withdrawn")
        .collect();
    let number_of: HashMap<&str, &str> = submissions
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["number"].as_str().unwrap()))
        .collect();
    let numbers = |mut list: Vec<&str>| {
        list.sort();
        list.join(", ")
    };
    let label = |map: &[(&str, &str)], key: &Value| -> String {
        map.iter()
            .find(|(k, _)| Some(*k) == key.as_str())
            .map(|(_, l)| l.to_string())
            .unwrap_or_default()
    };
    let kinds = [
        ("need", "Bedarf"),
        ("action_approach", "Handlungsansatz"),
        ("statement", "Stellungnahme"),
    ];
    let statuses = [
        ("submitted", "eingereicht"),
        ("in_review", "in Prüfung"),
        ("accepted", "angenommen"),
        ("rejected", "abgelehnt"),
        ("merged", "zusammengeführt"),
    ];
    let considerations = [
        ("considered", "berücksichtigt"),
        ("partly_considered", "teilweise berücksichtigt"),
        ("not_considered", "nicht berücksichtigt"),
        ("noted", "zur Kenntnis genommen"),
    ];
    let mut rows: Vec<(usize, u64, Vec<String>)> = submissions
        .iter()
        .map(|s| {
            let id = s["id"].as_str().unwrap();
            let number = s["number"].as_str().unwrap();
            let topic = s["topic"].as_str().unwrap();
            let position = topics.iter().position(|(k, _)| k == topic).unwrap();
            let (organisation, category) = s["organisation_id"]
                .as_str()
                .map(|o| organisations[o].clone())
                .unwrap_or_default();
            let answers = numbers(
                s["addresses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| number_of[a.as_str().unwrap()])
                    .collect(),
            );
            let answered_by = numbers(
                submissions
                    .iter()
                    .filter(|other| {
                        other["addresses"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|a| a == id)
                    })
                    .map(|other| other["number"].as_str().unwrap())
                    .collect(),
            );
            let response = &s["response"];
            let published = response["published_at"]
                .as_str()
                .map(|t| {
                    t.parse::<DateTime<Utc>>()
                        .unwrap()
                        .with_timezone(&chrono_tz::Europe::Berlin)
                        .format("%d.%m.%Y")
                        .to_string()
                })
                .unwrap_or_default();
            let cells = vec![
                number.to_string(),
                topics[position].1.clone(),
                label(&kinds, &s["kind"]),
                s["title"].as_str().unwrap().to_string(),
                s["body"].as_str().unwrap().to_string(),
                organisation,
                category,
                s["round_id"]
                    .as_str()
                    .map(|r| rounds[r].clone())
                    .unwrap_or_default(),
                answers,
                answered_by,
                label(&statuses, &s["status"]),
                label(&considerations, &response["consideration"]),
                response["text"].as_str().unwrap_or_default().to_string(),
                published,
            ];
            let digits: u64 = number.rsplit('-').next().unwrap().parse().unwrap();
            (position, digits, cells)
        })
        .collect();
    rows.sort_by_key(|(position, digits, _)| (*position, *digits));
    rows.into_iter().map(|(_, _, cells)| cells).collect()
}

fn header() -> Vec<String> {
    [
        "Nr.",
        "Handlungsfeld",
        "Art",
        "Titel",
        "Inhalt",
        "Organisation",
        "Kategorie",
        "Runde",
        "Antwortet auf Bedarfe",
        "Beantwortet durch Handlungsansätze",
        "Status",
        "Abwägung",
        "Begründung",
        "Veröffentlicht am",
    ]
    .map(String::from)
    .to_vec()
}

#[tokio::test]
async fn the_halle_minute_is_imported_answered_published_and_exported_as_the_table() {
    let app = demo_app().await;
    // The ministry reopens Halle's window to record the conference's minute.
    let reopened = app
        .patch(
            &format!("/api/v1/rounds/{HALLE}"),
            Some(&app.admin()),
            &json!({"submissions_close_at": Utc::now() + chrono::Duration::days(7)}),
        )
        .await;
    assert_eq!(reopened.status(), 200);
    let imported = app
        .request(
            Method::POST,
            &format!("/api/v1/consultations/{SLUG}/submissions/import?round_id={HALLE}"),
            Some(&moderator(&app)),
        )
        .header("Content-Type", "text/csv")
        .body(MINUTE)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let report: Value = imported.json().await.unwrap();
    assert_eq!(report["imported"], 5);
    let ids: Vec<String> = report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();

    // Every imported submission is answered; all but the statement's answer is published.
    let answers = [
        (
            "considered",
            "Wird im Handlungsfeld Sprache als Maßnahme 2.3 aufgenommen.",
        ),
        (
            "partly_considered",
            "Die Landesregierung prüft eine Verkürzung auf drei Monate.",
        ),
        (
            "considered",
            "Übernommen; Förderung über das Landesprogramm.",
        ),
        (
            "not_considered",
            "Zuständig ist der Bund (Anerkennungsgesetz).",
        ),
        ("noted", "=Zur Kenntnis genommen; siehe Wohnraumförderung."),
    ];
    for (id, (consideration, text)) in ids.iter().zip(answers) {
        let response = app
            .put(
                &format!("/api/v1/submissions/{id}/response"),
                Some(&moderator(&app)),
                &json!({"consideration": consideration, "text": text}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let published = app
        .post(
            &format!("/api/v1/consultations/{SLUG}/responses/publish"),
            Some(&app.admin()),
            &json!({"submission_ids": ids[..4]}),
        )
        .await;
    assert_eq!(published.status(), 200);

    let expected = expected_table(&app).await;
    assert!(expected.len() > 5);
    let needs_row = expected
        .iter()
        .find(|r| r[3] == "Sprachkurse für Schichtarbeitende")
        .unwrap();
    assert_eq!(
        needs_row[4],
        "Arbeitgeber in Halle-Neustadt berichten:\r\nKurse nur vormittags; Schichtarbeitende fallen heraus."
    );
    assert_eq!(needs_row[7], "Regionalkonferenz Halle");
    assert_eq!(needs_row[11], "berücksichtigt");
    assert!(
        !needs_row[9].is_empty(),
        "the approach answering it is listed"
    );

    // XLSX, read by calamine: every cell as the API says.
    let response = download(&app, "xlsx").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(workbook.sheet_names(), ["Abwägungstabelle"]);
    let range = workbook.worksheet_range("Abwägungstabelle").unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("only text cells are written: {other:?}"),
                })
                .collect()
        })
        .collect();
    assert_eq!(cells[0], header());
    assert_eq!(cells[1..], expected[..]);

    // Frozen header row with filters over every row, wrapped text, set widths.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(
        sheet.contains(r#"ySplit="1""#) && sheet.contains(r#"state="frozen""#),
        "{sheet:.500}"
    );
    assert!(
        sheet.contains(&format!(
            r#"<autoFilter ref="A1:N{}"/>"#,
            expected.len() + 1
        )),
        "{sheet:.2000}"
    );
    assert!(sheet.contains(r#"customWidth="1""#));
    let mut styles = String::new();
    archive
        .by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains(r#"wrapText="1""#));

    // CSV: the same cells, formulas neutralised.
    let response = download(&app, "csv").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        header()
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|c| c.strip_prefix('\'').unwrap_or(c).to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows, expected);
    assert!(
        text.contains("'=Mehr große Wohnungen"),
        "a formula stays text"
    );
}

#[tokio::test]
async fn the_table_is_for_staff_in_a_known_format() {
    let app = demo_app().await;
    let partner = app
        .get(
            &format!("/api/v1/consultations/{SLUG}/consideration-table?format=xlsx"),
            Some(&app.partner(beteiligung::demo::PARTNER_ORGANISATION_ID)),
        )
        .await;
    assert_problem(partner, 403, "forbidden").await;
    let anonymous = app
        .get(
            &format!("/api/v1/consultations/{SLUG}/consideration-table?format=csv"),
            None,
        )
        .await;
    assert_problem(anonymous, 401, "unauthorized").await;
    let pdf = download(&app, "pdf").await;
    assert_eq!(pdf.status(), 400);
    let unknown = app
        .get(
            "/api/v1/consultations/gibt-es-nicht/consideration-table?format=csv",
            Some(&moderator(&app)),
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;
}

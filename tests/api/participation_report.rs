//! The participation report (Beteiligungsbericht) as HTML and PDF: the same numbers as the
//! JSON report, and the public variant that names no one.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, content_type, id};
use crate::reports::{Seeded, seed};

/// Caption → rows (label, numbers) of every table of an HTML report.
type Tables = BTreeMap<String, Vec<(String, Vec<i64>)>>;

fn unescape(text: &str) -> String {
    [
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
    ]
    .iter()
    .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
    .replace("&#38;", "&")
    .replace("&amp;", "&")
}

/// The text between `start` and the next `end` in `text`, and what follows it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<(&'a str, &'a str)> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some((&text[from..to], &text[to + end.len()..]))
}

fn tables(html: &str) -> Tables {
    let mut tables = Tables::new();
    for table in html.split("<table").skip(1) {
        let table = table.split("</table>").next().unwrap();
        let (caption, _) = between(table, "<caption>", "</caption>").unwrap();
        let rows = table
            .split("<tr><th scope=\"row\">")
            .skip(1)
            .map(|row| {
                let (label, mut rest) = between(row, "", "</th>").unwrap();
                let mut values = Vec::new();
                while let Some((value, after)) = between(rest, "<td class=\"number\">", "</td>") {
                    values.push(value.parse::<i64>().expect("a number"));
                    rest = after;
                }
                (unescape(label), values)
            })
            .collect();
        tables.insert(unescape(caption), rows);
    }
    tables
}

fn figure(title: &str) -> String {
    format!("Daten zur Abbildung „{title}“")
}

const STATUSES: [&str; 6] = [
    "submitted",
    "in_review",
    "accepted",
    "rejected",
    "merged",
    "withdrawn",
];

/// The tables the HTML must hold, computed here from the JSON report. `groups`: the rows of
/// the category heat maps, each a label and the categories it adds up.
fn expected(report: &Value, topics: &Value, groups: &[(String, Vec<String>)]) -> Tables {
    let t = &report["totals"];
    let n = |v: &Value| v.as_i64().unwrap();
    let mut tables = Tables::new();
    tables.insert(
        "Kennzahlen".into(),
        [
            ("Beiträge insgesamt", "submissions"),
            ("davon angenommen", "accepted"),
            ("Organisationen mit Beiträgen", "organisations"),
            ("Anmeldungen zu Runden", "registered"),
            ("Teilnahmen", "attended"),
        ]
        .iter()
        .map(|(label, key)| (label.to_string(), vec![n(&t[*key])]))
        .collect(),
    );
    let rounds = report["coverage"].as_array().unwrap();
    for (title, field) in [
        (
            "Anmeldungen nach Organisationskategorie und Runde",
            "registered",
        ),
        (
            "Beiträge nach Organisationskategorie und Runde",
            "submissions",
        ),
    ] {
        let mut rows: Vec<(String, Vec<i64>)> = groups
            .iter()
            .map(|(label, members)| {
                let per_round = rounds.iter().map(|round| {
                    let cells = round["categories"].as_array().unwrap().iter();
                    cells
                        .filter(|c| members.contains(&c["category"].as_str().unwrap().to_string()))
                        .map(|c| n(&c[field]))
                        .sum()
                });
                (label.clone(), per_round.collect())
            })
            .collect();
        let uncategorised = rounds.iter().map(|r| n(&r["uncategorised"][field]));
        rows.push(("ohne Organisation".into(), uncategorised.collect()));
        tables.insert(figure(title), rows);
    }
    let attendance = rounds.iter().map(|round| {
        let cells = round["categories"].as_array().unwrap().iter();
        let all: Vec<&Value> = cells.chain([&round["uncategorised"]]).collect();
        let sum = |field: &str| all.iter().map(|c| n(&c[field])).sum::<i64>();
        (
            round["title"].as_str().unwrap().to_string(),
            vec![sum("registered"), sum("attended")],
        )
    });
    tables.insert(
        figure("Angemeldet und teilgenommen je Runde"),
        attendance.collect(),
    );
    let counts = report["submissions"].as_array().unwrap();
    for (title, kind) in [
        ("Bedarfe nach Thema und Status", "need"),
        ("Handlungsansätze nach Thema und Status", "action_approach"),
    ] {
        let rows = topics.as_array().unwrap().iter().map(|topic| {
            let per_status = STATUSES.iter().map(|status| {
                let matching = counts.iter().filter(|c| {
                    c["kind"] == kind && c["topic"] == topic["key"] && c["status"] == *status
                });
                matching.map(|c| n(&c["count"])).sum()
            });
            (
                topic["label"].as_str().unwrap().to_string(),
                per_status.collect(),
            )
        });
        tables.insert(figure(title), rows.collect());
    }
    let per_topic = |values: &dyn Fn(&Value) -> Vec<i64>| {
        report["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["label"].as_str().unwrap().to_string(), values(t)))
            .collect::<Vec<_>>()
    };
    tables.insert(
        figure("Angenommene Bedarfe: beantwortet oder offen"),
        per_topic(&|t| {
            let (needs, open) = (n(&t["needs"]), n(&t["open_needs"]));
            vec![needs, needs - open, open]
        }),
    );
    tables.insert(
        figure("Veröffentlichte Abwägung nach Thema"),
        per_topic(&|t| {
            let c = &t["considerations"];
            ["considered", "partly_considered", "not_considered", "noted"]
                .iter()
                .map(|k| n(&c[*k]))
                .collect()
        }),
    );
    let weeks = report["weeks"].as_array().unwrap().iter().map(|w| {
        let monday: chrono::NaiveDate = w["week"].as_str().unwrap().parse().unwrap();
        let label = format!(
            "KW {} (ab {})",
            monday.format("%V/%G"),
            monday.format("%d.%m.%Y")
        );
        (label, vec![n(&w["submissions"])])
    });
    tables.insert(figure("Beiträge je Kalenderwoche"), weeks.collect());
    tables
}

/// Every category on its own row, labelled in German.
async fn all_categories(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let categories = app.get_json("/api/v1/categories", None).await;
    categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let key = c["key"].as_str().unwrap().to_string();
            (c["label_de"].as_str().unwrap().to_string(), vec![key])
        })
        .collect()
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>, accept: &str) -> reqwest::Response {
    let response = app
        .request(reqwest::Method::GET, path, token)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path} as {accept}");
    response
}

fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"));
    pdf_extract::extract_text_from_mem(bytes).expect("the PDF's text")
}

#[tokio::test]
async fn html_and_pdf_hold_the_numbers_of_the_json_report() {
    let Seeded {
        app, consultation, ..
    } = seed().await;
    let moderator = app.moderator();
    let path = format!("/api/v1/consultations/{consultation}/report");
    let report = app.get_json(&path, Some(&moderator)).await;
    let topics = app
        .get_json(&format!("/api/v1/consultations/{consultation}"), None)
        .await["topics"]
        .clone();

    let response = fetch(&app, &path, Some(&moderator), "text/html").await;
    assert_eq!(content_type(&response), "text/html; charset=utf-8");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\">") && !html.contains("<script"));
    assert_eq!(html.matches("role=\"img\"").count(), 8);
    assert_eq!(html.matches("<svg").count(), 8);
    let groups = all_categories(&app).await;
    assert_eq!(tables(&html), expected(&report, &topics, &groups));
    // The staff report names the open needs.
    assert!(html.contains("Bezahlbarer Wohnraum"));

    let by_query = app
        .get(&format!("{path}?format=html"), Some(&moderator))
        .await;
    assert_eq!(content_type(&by_query), "text/html; charset=utf-8");

    let pdf = fetch(&app, &path, Some(&moderator), "application/pdf").await;
    assert_eq!(content_type(&pdf), "application/pdf");
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(
        text.contains("Integrationskonzept Sachsen-Anhalt"),
        "{text}"
    );
    let totals = &report["totals"];
    for (label, key) in [
        ("Beiträge insgesamt", "submissions"),
        ("davon angenommen", "accepted"),
        ("Anmeldungen zu Runden", "registered"),
        ("Teilnahmen", "attended"),
    ] {
        let expected = format!("{label} {}", totals[key]);
        let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(&expected), "{expected} not in {squeezed}");
    }
    // The charts' own text is text too, not outlines.
    assert!(text.contains("Angemeldet und teilgenommen je Runde"));
}

#[tokio::test]
async fn the_report_negotiates_json_html_and_pdf() {
    let Seeded {
        app, consultation, ..
    } = seed().await;
    let admin = app.admin();
    let path = format!("/api/v1/consultations/{consultation}/report");
    for (accept, expected) in [
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/xml", "application/json"),
        ("text/html;q=0.5, application/pdf", "application/pdf"),
        (
            "text/html, application/json;q=0.9",
            "text/html; charset=utf-8",
        ),
    ] {
        let response = fetch(&app, &path, Some(&admin), accept).await;
        assert_eq!(content_type(&response), expected, "Accept: {accept}");
    }
    let json = app
        .request(
            reqwest::Method::GET,
            &format!("{path}?format=json"),
            Some(&admin),
        )
        .header("Accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(content_type(&json), "application/json");
    let bad = app.get(&format!("{path}?format=docx"), Some(&admin)).await;
    assert_problem(bad, 400, "invalid_parameter").await;
    let partner = app.partner(app_organisation(&app).await);
    let refused = app.get(&format!("{path}?format=pdf"), Some(&partner)).await;
    assert_problem(refused, 403, "forbidden").await;
    let anonymous = app.get(&format!("{path}?format=html"), None).await;
    assert_eq!(anonymous.status(), 401);
}

async fn app_organisation(app: &TestApp) -> uuid::Uuid {
    let org = app
        .organisation("Verein Brücke", "association", "Sachsen-Anhalt")
        .await;
    id(&org).parse().unwrap()
}

/// Three associations register, so their category is large enough to be shown.
async fn three_associations(s: &Seeded) {
    let round = &s.stendal;
    for (n, name) in ["Brücke e. V.", "Miteinander e. V.", "Nachbarn e. V."]
        .iter()
        .enumerate()
    {
        let org = id(&s
            .app
            .organisation(name, "association", "Sachsen-Anhalt")
            .await);
        let body = json!({"name": format!("Person {n}"), "email": format!("verein{n}@example.org"), "privacy_consent": true, "organisation_id": org});
        let response = s
            .app
            .post(
                &format!("/api/v1/rounds/{round}/registrations"),
                Some(&s.app.admin()),
                &body,
            )
            .await;
        assert_eq!(response.status(), 201);
    }
}

#[tokio::test]
async fn the_public_report_merges_small_categories_and_names_no_one() {
    let s = seed().await;
    three_associations(&s).await;
    let app = &s.app;
    let report = app
        .get_json(
            &format!("/api/v1/consultations/{}/report", s.consultation),
            Some(&app.admin()),
        )
        .await;
    let slug = "integrationskonzept";
    let path = format!("/api/v1/consultations/{slug}/participation-report");
    let response = app.get(&path, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    let mut groups: Vec<(String, Vec<String>)> = all_categories(app)
        .await
        .into_iter()
        .filter(|(_, keys)| {
            let of = report["categories"].as_array().unwrap().iter();
            let mut of = of.filter(|c| c["category"] == keys[0].as_str());
            !(1..3).contains(&of.next().unwrap()["organisations"].as_i64().unwrap())
        })
        .collect();
    let small = [
        "municipality",
        "chamber_or_business_association",
        "migrant_organisation",
        "welfare_association",
        "school",
    ];
    groups.push(("weitere".into(), small.map(String::from).to_vec()));
    let topics = app
        .get_json(&format!("/api/v1/consultations/{slug}"), None)
        .await["topics"]
        .clone();
    let found = tables(&html);
    assert_eq!(found, expected(&report, &topics, &groups));
    let heat = &found[&figure("Anmeldungen nach Organisationskategorie und Runde")];
    assert!(heat.iter().any(|(label, _)| label == "Verein"));
    assert!(!heat.iter().any(|(label, _)| label == "Schule"));

    let json = app.get_json(&format!("{path}?format=json"), None).await;
    assert_eq!(json["public"], true);
    let pdf = fetch(app, &path, None, "application/pdf").await;
    let text = pdf_text(&pdf.bytes().await.unwrap());
    for content in [&html, &json.to_string(), &text] {
        for name in [
            "LAMSA",
            "Caritas",
            "IHK",
            "Brücke",
            "Teilnehmende Person",
            "Bezahlbarer Wohnraum",
            "Offene Bedarfe",
        ] {
            assert!(!content.contains(name), "{name} is public");
        }
    }
    assert!(text.contains("weitere"));
}

#[tokio::test]
async fn a_draft_or_unknown_consultation_has_no_public_report() {
    let app = crate::helpers::spawn_app().await;
    app.consultation("entwurf", "draft").await;
    for slug in ["entwurf", "unbekannt"] {
        let path = format!("/api/v1/consultations/{slug}/participation-report");
        assert_problem(app.get(&path, None).await, 404, "not_found").await;
        let staff = app.get(&path, Some(&app.admin())).await;
        assert_problem(staff, 404, "not_found").await;
    }
    let closed = app.consultation("abgeschlossen", "closed").await;
    let path = format!(
        "/api/v1/consultations/{}/participation-report?format=pdf",
        closed["slug"].as_str().unwrap()
    );
    let pdf = app.get(&path, None).await;
    assert_eq!(pdf.status(), 200);
    assert!(pdf_text(&pdf.bytes().await.unwrap()).contains("Beteiligungsbericht"));
}

/// 100,000 submissions over 18 weeks: the report is counted in SQL and drawn in time.
#[tokio::test]
/// How fast is measured by the benchmark (`BENCH_ONLY=6 python3 bench/run.py`), not here.
async fn a_report_of_100000_submissions_is_rendered_as_pdf_and_html() {
    let app = crate::helpers::spawn_app().await;
    let consultation = id(&app.consultation("gross", "open").await);
    app.db()
        .await
        .execute(
            "INSERT INTO submissions (id, consultation_id, kind, topic, title, body, source, number,
                                      status, created_at)
             SELECT gen_random_uuid(), $1::text::uuid,
                    (ARRAY['need', 'action_approach', 'statement'])[1 + i % 3],
                    (ARRAY['sprache', 'arbeitsmarkt', 'wohnen'])[1 + i % 7 % 3],
                    'Beitrag ' || i, 'Text', 'staff', 'G-' || lpad(i::text, 6, '0'),
                    CASE WHEN i % 50 = 0 THEN 'accepted' WHEN i % 5 = 0 THEN 'in_review'
                         ELSE 'submitted' END,
                    now() - (i % 120) * interval '1 day'
             FROM generate_series(1, 100000) i",
            &[&consultation],
        )
        .await
        .unwrap();
    let admin = app.admin();
    let path = format!("/api/v1/consultations/{consultation}/report");
    let report = app.get_json(&path, Some(&admin)).await;
    assert_eq!(report["totals"]["submissions"], 100000);
    let weeks = report["weeks"].as_array().unwrap().iter();
    assert_eq!(
        weeks
            .map(|w| w["submissions"].as_i64().unwrap())
            .sum::<i64>(),
        100000
    );
    for (path, token) in [
        (format!("{path}?format=pdf"), Some(admin.as_str())),
        (format!("{path}?format=html"), Some(admin.as_str())),
        (
            "/api/v1/consultations/gross/participation-report?format=pdf".to_string(),
            None,
        ),
    ] {
        let response = app.get(&path, token).await;
        assert_eq!(response.status(), 200, "{path}");
        let body = response.bytes().await.unwrap();
        assert!(body.len() > 1000, "{path}: {} bytes", body.len());
    }
}

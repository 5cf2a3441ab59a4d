//! The sections of the participation report, each from the JSON report's numbers.

use super::charts::{self, Series};
use super::document::{Figure, List, Row, Section, Table, date};
use super::wire::{CategoryCounts, CategoryOrganisations, Report, RoundCoverage};
use crate::domain::category::Category;
use crate::domain::consideration_table::{consideration_label, status_label};
use crate::domain::consultation::Topic;
use crate::domain::submission::{Consideration, SubmissionKind, SubmissionStatus};
use crate::error::AppResult;

/// Below this many organisations a category is merged into "weitere" in the public report,
/// so that no single organisation can be singled out.
pub const SMALLEST_PUBLIC_GROUP: i64 = 3;
const OTHERS: &str = "weitere";
const UNCATEGORISED: &str = "ohne Organisation";

/// A figure whose chart shows the table's columns as bar series.
fn bar_figure(id: &str, title: &str, description: String, table: Table) -> AppResult<Figure> {
    let series: Vec<Series> = table
        .head
        .get(1..)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, name)| Series {
            name: name.clone(),
            values: table.column(i),
        })
        .collect();
    Ok(Figure {
        id: id.to_string(),
        title: title.to_string(),
        svg: charts::bars(title, &table.labels(), &series)?,
        description,
        table,
    })
}

fn heat_figure(id: &str, title: &str, description: String, table: Table) -> AppResult<Figure> {
    let values: Vec<Vec<i64>> = table.rows.iter().map(|r| r.values.clone()).collect();
    // Round titles are too long for a column: the chart numbers them, the table names them.
    let columns: Vec<String> = (1..table.head.len())
        .map(|n| format!("Runde {n}"))
        .collect();
    Ok(Figure {
        id: id.to_string(),
        title: title.to_string(),
        svg: charts::heat_map(title, &table.labels(), &columns, &values)?,
        description,
        table,
    })
}

/// The rows of the category heat maps: each category on its own, or (public) those with one
/// or two organisations together as "weitere"; should "weitere" itself hold fewer than three,
/// the smallest other categories join it until it does, so that no group of one or two
/// organisations can be singled out.
fn category_groups(
    categories: &[CategoryOrganisations],
    public: bool,
) -> Vec<(String, Vec<Category>)> {
    let mut groups: Vec<(Category, i64)> = Vec::new();
    let mut others: Vec<(Category, i64)> = Vec::new();
    for entry in categories {
        let small = (1..SMALLEST_PUBLIC_GROUP).contains(&entry.organisations);
        if public && small {
            others.push((entry.category, entry.organisations));
        } else {
            groups.push((entry.category, entry.organisations));
        }
    }
    let mut merged: i64 = others.iter().map(|(_, n)| n).sum();
    while (1..SMALLEST_PUBLIC_GROUP).contains(&merged) {
        let Some(smallest) = groups
            .iter()
            .enumerate()
            .filter(|(_, (_, n))| *n > 0)
            .min_by_key(|(_, (_, n))| *n)
            .map(|(i, _)| i)
        else {
            break;
        };
        let joining = groups.remove(smallest);
        merged += joining.1;
        others.push(joining);
    }
    let mut rows: Vec<(String, Vec<Category>)> = groups
        .into_iter()
        .map(|(category, _)| (category.labels().0.to_string(), vec![category]))
        .collect();
    if !others.is_empty() {
        rows.push((
            OTHERS.to_string(),
            others.into_iter().map(|(c, _)| c).collect(),
        ));
    }
    rows
}

fn category_table(
    report: &Report,
    groups: &[(String, Vec<Category>)],
    count: fn(&CategoryCounts) -> i64,
) -> Table {
    let mut head = vec!["Kategorie".to_string()];
    let rounds = report.coverage.iter().enumerate();
    head.extend(rounds.map(|(n, r)| format!("Runde {}: {}", n + 1, r.title)));
    let of = |round: &RoundCoverage, members: &[Category]| -> i64 {
        round
            .categories
            .iter()
            .filter(|c| members.contains(&c.category))
            .map(|c| count(&c.counts))
            .sum()
    };
    let mut rows: Vec<Row> = groups
        .iter()
        .map(|(label, members)| Row {
            label: label.clone(),
            values: report.coverage.iter().map(|r| of(r, members)).collect(),
        })
        .collect();
    rows.push(Row {
        label: UNCATEGORISED.to_string(),
        values: report
            .coverage
            .iter()
            .map(|r| count(&r.uncategorised))
            .collect(),
    });
    Table { head, rows }
}

/// Who took part: categories × rounds, registered and attended per round, absent categories.
pub fn participation(report: &Report, public: bool) -> AppResult<Section> {
    let groups = category_groups(&report.categories, public);
    let merged = if public {
        " Kategorien mit weniger als drei Organisationen sind unter „weitere“ zusammengefasst."
    } else {
        ""
    };
    let registered = heat_figure(
        "anmeldungen-kategorien",
        "Anmeldungen nach Organisationskategorie und Runde",
        format!(
            "Wärmekarte: Anmeldungen je Organisationskategorie (Zeilen) und Runde (Spalten, nummeriert in zeitlicher Folge, benannt in der Tabelle); je dunkler, desto mehr. Die Zahlen stehen in jeder Zelle und in der Tabelle.{merged}"
        ),
        category_table(report, &groups, |c| c.registered),
    )?;
    let submitted = heat_figure(
        "beitraege-kategorien",
        "Beiträge nach Organisationskategorie und Runde",
        format!(
            "Wärmekarte: Beiträge je Organisationskategorie (Zeilen) und Runde (Spalten), zurückgezogene nicht gezählt.{merged}"
        ),
        category_table(report, &groups, |c| c.submissions),
    )?;
    let attendance = Table {
        head: vec!["Runde".into(), "angemeldet".into(), "teilgenommen".into()],
        rows: report
            .coverage
            .iter()
            .map(|round| {
                let all = round.categories.iter().map(|c| &c.counts);
                let all = all.chain([&round.uncategorised]);
                let (registered, attended) =
                    all.fold((0, 0), |(r, a), c| (r + c.registered, a + c.attended));
                Row {
                    label: round.title.clone(),
                    values: vec![registered, attended],
                }
            })
            .collect(),
    };
    let attendance = bar_figure(
        "anmeldungen-runden",
        "Angemeldet und teilgenommen je Runde",
        "Balkendiagramm: je Runde ein Balken für die Anmeldungen und einer für die Teilnahmen, jeweils mit Zahl beschriftet.".into(),
        attendance,
    )?;
    let absent = List {
        heading: "Nicht vertretene Organisationskategorien".into(),
        items: report
            .coverage
            .iter()
            .map(|round| {
                let names: Vec<&str> = round
                    .absent_categories
                    .iter()
                    .map(|c| c.labels().0)
                    .collect();
                let names = if names.is_empty() {
                    "keine".to_string()
                } else {
                    names.join(", ")
                };
                format!(
                    "{} ({}): {names}",
                    round.title,
                    date(round.starts_at.date_naive())
                )
            })
            .collect(),
    };
    Ok(Section {
        id: "teilnahme".into(),
        heading: "Wer hat teilgenommen".into(),
        intro: "Eingeladen waren alle Organisationskategorien. Die Übersicht zeigt, welche Kategorien sich in welcher Runde angemeldet und Beiträge eingebracht haben, wie viele der Angemeldeten teilgenommen haben und welche Kategorien nicht vertreten waren.".into(),
        figures: vec![registered, submitted, attendance],
        lists: vec![absent],
    })
}

/// One table of a kind's submissions: topic × status, over every round.
fn by_topic_and_status(report: &Report, topics: &[Topic], kind: SubmissionKind) -> Table {
    let mut head = vec!["Thema".to_string()];
    head.extend(
        SubmissionStatus::ALL
            .iter()
            .map(|s| status_label(*s).to_string()),
    );
    let rows = topics
        .iter()
        .map(|topic| Row {
            label: topic.label.clone(),
            values: SubmissionStatus::ALL
                .iter()
                .map(|status| {
                    report
                        .submissions
                        .iter()
                        .filter(|c| c.kind == kind && c.topic == topic.key && c.status == *status)
                        .map(|c| c.count)
                        .sum()
                })
                .collect(),
        })
        .collect();
    Table { head, rows }
}

/// What was said: needs and action approaches by topic and status.
pub fn contributions(report: &Report, topics: &[Topic]) -> AppResult<Section> {
    let needs = bar_figure(
        "bedarfe",
        "Bedarfe nach Thema und Status",
        "Balkendiagramm: je Thema ein Balken je Bearbeitungsstand der eingebrachten Bedarfe, jeder mit Stand und Zahl beschriftet.".into(),
        by_topic_and_status(report, topics, SubmissionKind::Need),
    )?;
    let approaches = bar_figure(
        "handlungsansaetze",
        "Handlungsansätze nach Thema und Status",
        "Balkendiagramm: je Thema ein Balken je Bearbeitungsstand der eingebrachten Handlungsansätze, jeder mit Stand und Zahl beschriftet.".into(),
        by_topic_and_status(report, topics, SubmissionKind::ActionApproach),
    )?;
    Ok(Section {
        id: "beitraege".into(),
        heading: "Was wurde eingebracht".into(),
        intro: "Bedarfe beschreiben, was fehlt; Handlungsansätze schlagen vor, wie es sich beheben lässt. Gezählt sind alle Beiträge aller Runden nach ihrem Bearbeitungsstand.".into(),
        figures: vec![needs, approaches],
        lists: Vec::new(),
    })
}

/// What became of it: needs answered by an accepted approach or open; considered responses.
pub fn outcomes(report: &Report) -> AppResult<Section> {
    let answered = Table {
        head: vec![
            "Thema".into(),
            "angenommene Bedarfe".into(),
            "durch Handlungsansatz beantwortet".into(),
            "offen".into(),
        ],
        rows: report
            .topics
            .iter()
            .map(|t| Row {
                label: t.label.clone(),
                values: vec![t.needs, t.needs - t.open_needs, t.open_needs],
            })
            .collect(),
    };
    let answered = bar_figure(
        "bedarfe-beantwortet",
        "Angenommene Bedarfe: beantwortet oder offen",
        "Balkendiagramm: je Thema die angenommenen Bedarfe, wie viele davon ein angenommener Handlungsansatz beantwortet und wie viele offen sind.".into(),
        answered,
    )?;
    let considered = Table {
        head: vec!["Thema".into()]
            .into_iter()
            .chain(
                Consideration::ALL
                    .iter()
                    .map(|c| consideration_label(*c).to_string()),
            )
            .collect(),
        rows: report
            .topics
            .iter()
            .map(|t| {
                let c = &t.considerations;
                Row {
                    label: t.label.clone(),
                    values: vec![c.considered, c.partly_considered, c.not_considered, c.noted],
                }
            })
            .collect(),
    };
    let considered = bar_figure(
        "abwaegung",
        "Veröffentlichte Abwägung nach Thema",
        "Balkendiagramm: je Thema die veröffentlichten Antworten auf Beiträge nach ihrem Ergebnis: berücksichtigt, teilweise berücksichtigt, nicht berücksichtigt, zur Kenntnis genommen.".into(),
        considered,
    )?;
    Ok(Section {
        id: "ergebnis".into(),
        heading: "Was daraus wurde".into(),
        intro: "Ein angenommener Bedarf gilt als beantwortet, sobald ein angenommener Handlungsansatz ihn aufgreift. Die Abwägung zählt die veröffentlichten Antworten des Ministeriums.".into(),
        figures: vec![answered, considered],
        lists: Vec::new(),
    })
}

/// How it went over time: submissions per calendar week.
pub fn timeline(report: &Report) -> AppResult<Section> {
    let weeks = Table {
        head: vec!["Kalenderwoche".into(), "Beiträge".into()],
        rows: report
            .weeks
            .iter()
            .map(|w| Row {
                label: format!("KW {} (ab {})", w.week.format("%V/%G"), date(w.week)),
                values: vec![w.submissions],
            })
            .collect(),
    };
    let weeks = bar_figure(
        "verlauf",
        "Beiträge je Kalenderwoche",
        "Balkendiagramm: eingegangene Beiträge je Kalenderwoche, jeder Balken mit Zahl beschriftet; Wochen ohne Beiträge fehlen.".into(),
        weeks,
    )?;
    Ok(Section {
        id: "verlauf".into(),
        heading: "Wie es verlief".into(),
        intro:
            "Eingegangene Beiträge (auch später zurückgezogene) je Kalenderwoche ihres Eingangs."
                .into(),
        figures: vec![weeks],
        lists: Vec::new(),
    })
}

/// The open needs by name (staff only: the titles are the organisations' words).
pub fn open_needs(report: &Report, topics: &[Topic]) -> Section {
    let label = |key: &str| {
        topics
            .iter()
            .find(|t| t.key == key)
            .map_or_else(|| key.to_string(), |t| t.label.clone())
    };
    let items = report
        .open_needs
        .iter()
        .map(|n| format!("{} ({})", n.title, label(&n.topic)))
        .collect();
    Section {
        id: "offen".into(),
        heading: "Offene Bedarfe".into(),
        intro: "Angenommene Bedarfe, die noch kein angenommener Handlungsansatz beantwortet."
            .into(),
        figures: Vec::new(),
        lists: vec![List {
            heading: format!("{} offene Bedarfe", report.open_needs.len()),
            items,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taking_part(counts: &[(Category, i64)]) -> Vec<CategoryOrganisations> {
        counts
            .iter()
            .map(|&(category, organisations)| CategoryOrganisations {
                category,
                organisations,
            })
            .collect()
    }

    #[test]
    fn a_category_of_one_is_never_shown_alone_in_public() {
        let categories = taking_part(&[
            (Category::Municipality, 7),
            (Category::School, 1),
            (Category::Association, 4),
            (Category::Company, 0),
        ]);
        let public = category_groups(&categories, true);
        // The school alone would be one organisation under "weitere": the smallest other
        // category joins it.
        assert_eq!(
            public.last().unwrap(),
            &(
                OTHERS.to_string(),
                vec![Category::School, Category::Association]
            )
        );
        assert_eq!(public.len(), 3, "{public:?}");
        let staff = category_groups(&categories, false);
        assert_eq!(staff.len(), 4);
    }

    #[test]
    fn small_categories_that_make_three_together_stay_among_themselves() {
        let categories = taking_part(&[
            (Category::Municipality, 7),
            (Category::School, 1),
            (Category::Daycare, 2),
        ]);
        let public = category_groups(&categories, true);
        assert_eq!(
            public,
            vec![
                (
                    Category::Municipality.labels().0.to_string(),
                    vec![Category::Municipality]
                ),
                (
                    OTHERS.to_string(),
                    vec![Category::School, Category::Daycare]
                ),
            ]
        );
    }
}

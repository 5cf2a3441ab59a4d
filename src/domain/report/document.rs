//! The participation report (Beteiligungsbericht) as a document in German: a title page, then
//! sections of figures, each a chart with its data table. Built from the JSON [`Report`] and
//! nothing else, so the HTML, the PDF and the public JSON hold the very same numbers; rendered
//! by `html.rs` and `pdf.rs`.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::sections;
use super::wire::Report;
use crate::domain::consultation::ConsultationRow;
use crate::error::AppResult;

/// The report as a document, what the public variant sends as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationReport {
    /// "Beteiligungsbericht: " and the consultation's title.
    #[schema(max_length = 400)]
    pub title: String,
    #[schema(max_length = 300)]
    pub consultation: String,
    #[schema(max_length = 300)]
    pub authority: String,
    /// The consultation's period, as German dates.
    #[schema(max_length = 100)]
    pub period: String,
    /// When the figures were counted, as a German date and time (UTC).
    #[schema(max_length = 100)]
    pub generated: String,
    /// The public variant: counts only, small categories merged into "weitere".
    pub public: bool,
    /// The totals on the title page.
    pub key_figures: Vec<Row>,
    pub sections: Vec<Section>,
}

/// One chapter: who took part, what was said, what became of it, how it went, what is open.
#[derive(Debug, Serialize, ToSchema)]
pub struct Section {
    /// Anchor of the section in the HTML page.
    #[schema(max_length = 50)]
    pub id: String,
    #[schema(max_length = 200)]
    pub heading: String,
    #[schema(max_length = 1000)]
    pub intro: String,
    pub figures: Vec<Figure>,
    pub lists: Vec<List>,
}

/// A chart and the table of its data.
#[derive(Debug, Serialize, ToSchema)]
pub struct Figure {
    #[schema(max_length = 50)]
    pub id: String,
    #[schema(max_length = 200)]
    pub title: String,
    /// The chart's text alternative.
    #[schema(max_length = 2000)]
    pub description: String,
    /// The chart as SVG (plotters); not part of the JSON.
    #[serde(skip)]
    pub svg: String,
    pub table: Table,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Table {
    /// Column heads, the first one that of the row labels.
    pub head: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Row {
    #[schema(max_length = 300)]
    pub label: String,
    pub values: Vec<i64>,
}

/// A list of names beneath a section's figures (absent categories, open needs).
#[derive(Debug, Serialize, ToSchema)]
pub struct List {
    #[schema(max_length = 200)]
    pub heading: String,
    pub items: Vec<String>,
}

impl Table {
    /// The largest value of every row, for scaling a chart.
    pub fn column(&self, index: usize) -> Vec<i64> {
        self.rows
            .iter()
            .map(|r| r.values.get(index).copied().unwrap_or(0))
            .collect()
    }

    pub fn labels(&self) -> Vec<String> {
        self.rows.iter().map(|r| r.label.clone()).collect()
    }
}

/// German date: 17.03.2025.
pub(super) fn date(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

fn period(consultation: &ConsultationRow) -> String {
    match (consultation.starts_on, consultation.ends_on) {
        (Some(from), Some(to)) => format!("{} bis {}", date(from), date(to)),
        (Some(from), None) => format!("seit {}", date(from)),
        (None, Some(to)) => format!("bis {}", date(to)),
        (None, None) => "ohne festgelegten Zeitraum".to_string(),
    }
}

/// The document of a report. `public`: counts only, no names of persons, organisations or
/// submissions, and categories with fewer than three organisations merged into "weitere".
pub fn document(
    report: &Report,
    consultation: &ConsultationRow,
    authority: &str,
    public: bool,
) -> AppResult<ParticipationReport> {
    let totals = &report.totals;
    let key_figures = [
        ("Beiträge insgesamt", totals.submissions),
        ("davon angenommen", totals.accepted),
        ("Organisationen mit Beiträgen", totals.organisations),
        ("Anmeldungen zu Runden", totals.registered),
        ("Teilnahmen", totals.attended),
    ]
    .into_iter()
    .map(|(label, value)| Row {
        label: label.to_string(),
        values: vec![value],
    })
    .collect();
    let topics = consultation.topics();
    let mut sections = vec![
        sections::participation(report, public)?,
        sections::contributions(report, &topics)?,
        sections::outcomes(report)?,
        sections::timeline(report)?,
    ];
    if !public {
        sections.push(sections::open_needs(report, &topics));
    }
    Ok(ParticipationReport {
        title: format!("Beteiligungsbericht: {}", consultation.title),
        consultation: consultation.title.clone(),
        authority: authority.to_string(),
        period: period(consultation),
        generated: report
            .generated_at
            .format("%d.%m.%Y, %H:%M Uhr (UTC)")
            .to_string(),
        public,
        key_figures,
        sections,
    })
}

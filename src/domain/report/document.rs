//! The participation report (Beteiligungsbericht) as a document in German: a title page, then
//! sections of figures, each a chart with its data table. Built from the JSON [`Report`] and
//! nothing else (`compose.rs`), so the HTML, the PDF and the public JSON hold the very same
//! numbers; rendered by `html.rs` and `pdf.rs`.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

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
    /// The values of one column of numbers (0: the first after the labels).
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

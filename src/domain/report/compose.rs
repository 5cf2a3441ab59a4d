//! Puts the participation report's document together: title page and sections.

use super::document::{ParticipationReport, Row, date};
use super::sections;
use super::wire::Report;
use crate::domain::consultation::ConsultationRow;
use crate::error::AppResult;

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

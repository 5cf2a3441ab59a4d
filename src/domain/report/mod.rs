//! The ministry's report on a consultation: how much came in, how broad participation was
//! per round and stakeholder category, and which accepted needs no accepted action approach
//! answers yet. Every figure is an aggregate computed in PostgreSQL.
//!
//! The same report as a document (the Beteiligungsbericht): [`document`] turns it into
//! German sections of charts and tables, rendered as HTML ([`html`]) or PDF ([`pdf`]).

mod charts;
mod compose;
mod document;
mod figures;
mod html;
mod pdf;
mod sections;
mod wire;

pub use compose::document;
pub use document::{Figure, List, ParticipationReport, Row, Section, Table};
pub use figures::build;
pub use html::{content_security_policy, html};
pub use pdf::pdf;
pub use sections::SMALLEST_PUBLIC_GROUP;
pub use wire::{
    CategoryCounts, CategoryCoverage, CategoryOrganisations, Considerations, OpenNeed, Report,
    RoundCoverage, SubmissionCount, TopicSummary, Totals, WeekCount,
};

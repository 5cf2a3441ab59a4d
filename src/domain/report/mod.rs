//! The ministry's report on a consultation: how much came in, how broad participation was
//! per round and stakeholder category, and which accepted needs no accepted action approach
//! answers yet. Every figure is an aggregate computed in PostgreSQL.

mod figures;
mod wire;

pub use figures::build;
pub use wire::{
    CategoryCounts, CategoryCoverage, Considerations, OpenNeed, Report, RoundCoverage,
    SubmissionCount, TopicSummary, Totals,
};

//! Import of conference results: a file of submissions recorded at a round (the minute of a
//! Regionalkonferenz), written all together or not at all.
//!
//! Every row is checked before anything is written, and every bad row is reported in one
//! problem. Rows refer to their organisation by id or exact name and to the needs they
//! answer by number, id or `external_ref` — also to needs in rows of the same file, since
//! ids are given before anything is written. The writing takes one statement per table (per
//! 2,000 rows), so 5,000 rows are one short transaction.

mod check;
pub mod file;
mod known;
mod wire;
mod write;

pub use file::{ImportFile, ImportRow, MAX_ROWS};
pub use wire::{ImportOptions, ImportReport, ImportedSubmission};
pub use write::import;

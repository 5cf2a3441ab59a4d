//! What an import answers and what it is told, as the API sends and receives it.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// How an import is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// The round the file records, for rows without a `round_id` of their own.
    pub round_id: Option<Uuid>,
    /// Check and report, write nothing.
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Number of submissions created (in a dry run: that would be created).
    pub imported: usize,
    /// Each row's submission, in file order. A dry run shows the ids and numbers the rows
    /// would have got now; a later import gives others.
    #[schema(max_items = 5000)]
    pub submissions: Vec<ImportedSubmission>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedSubmission {
    #[schema(minimum = 1, maximum = 5000)]
    pub row: u32,
    pub id: Uuid,
    #[schema(example = "ITK-0042", max_length = 20)]
    pub number: String,
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
}

//! What the API sends and receives about events.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// An entry of a history.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct Event {
    pub at: DateTime<Utc>,
    /// `role:subject` of the caller, `anonymous`, or `system` for automatic changes.
    #[schema(max_length = 300)]
    pub actor: String,
    /// e.g. `created`, `edited`, `reviewed`, `withdrawn`, `cancelled`, `promoted`.
    #[schema(max_length = 50)]
    pub action: String,
    #[schema(max_length = 20)]
    pub from_status: Option<String>,
    #[schema(max_length = 20)]
    pub to_status: Option<String>,
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

//! The pages lists are sent in, and their query.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    #[schema(max_items = 200)]
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(max_length = 64)]
    pub next_cursor: Option<String>,
}

/// One page of a list that syncs.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncPage<T> {
    #[schema(max_items = 200)]
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(max_length = 64)]
    pub next_cursor: Option<String>,
    /// Pass as `updated_since` in the next sync: it then lists every item created or changed
    /// since this listing began, even one whose change committed late (some may come twice).
    /// The same on every page of a listing.
    pub sync_watermark: DateTime<Utc>,
}

//! Keyset pagination shared by every list. Rows are ordered by their UUIDv7 id, which
//! sorts by creation time; the cursor is the opaque encoding of the last id of a page (and,
//! for lists that sync, of the listing's sync watermark, so every page carries the first's).

mod keyset;
mod wire;

pub use keyset::{
    Cursor, DEFAULT_LIMIT, Keyset, MAX_LIMIT, PageQuery, encode_cursor, sync_watermark,
    sync_watermark_on,
};
pub use wire::{Page, SyncPage};

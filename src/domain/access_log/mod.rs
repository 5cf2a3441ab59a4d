//! The access log: every bulk read of personal data (attendance lists, registration lists,
//! submission exports with author names, privacy exports) — who, when, what, how many
//! records — so that a data protection officer can answer who saw whose data
//! (DSGVO Art. 5(2), accountability). Kept two years (see `retention`).

mod log;
mod wire;

pub use log::{BulkRead, list, record, set_records};
pub use wire::{AccessEntry, AccessKind};

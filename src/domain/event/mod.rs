//! The event log: every status change of a registration or submission, with who and when.

mod log;
mod wire;

pub use log::{Change, Entity, as_seen_by, delete_about, history, record, record_all};
pub use wire::Event;

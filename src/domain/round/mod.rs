//! Rounds: the events of a consultation (Auftaktkonferenz, Regionalkonferenzen, …) with
//! their registration and submission windows and their seats.
//!
//! One file per capability; `model` holds the row, its venue and rules and the round as it
//! is shown, which the others (and registrations and notices) share. Registrations and
//! notices import `model` and `read` directly (not through this file, which reaches
//! registrations via `change`), so rounds and registrations import no circle.

mod change;
mod create;
pub(super) mod model;
pub(super) mod read;

pub use change::{RoundPatch, update};
pub use create::{NewRound, create, seed, seed_rescheduled};
pub use model::{Round, RoundKind, RoundRow, Seats, Venue};
pub use read::{find_visible, hold, list};

//! Rounds: the events of a consultation (Auftaktkonferenz, Regionalkonferenzen, …) with
//! their registration and submission windows and their seats.
//!
//! One file per capability; `wire` holds what the API sends and receives (the round as it
//! is shown, its venue, new rounds and changes), `model` the row and its rules, which the
//! others (and registrations and notices) share. Registrations and
//! notices import `model` and `read` directly (not through this file, which reaches
//! registrations via `change`), so rounds and registrations import no circle.

mod change;
mod create;
pub(super) mod model;
pub(super) mod read;
pub(super) mod wire;

pub use change::update;
pub use create::{create, seed, seed_rescheduled};
pub use model::RoundRow;
pub use read::{find_visible, hold, list};
pub use wire::{NewRound, Round, RoundKind, RoundPatch, RoundText, Seats, Venue};

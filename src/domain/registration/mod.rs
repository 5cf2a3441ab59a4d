//! Registrations (Anmeldungen) for rounds: double opt-in, seats, waitlist, cancellation and
//! check-in, each change with the mail that tells the registrant, written to the outbox in
//! the same transaction.
//!
//! An anonymous registration is `pending` and holds no seat until the registrant confirms
//! the emailed link; the seat is then decided by the same rule as for a partner's
//! registration, which is confirmed at once.
//!
//! Seats are counted on the round row (`confirmed_count`, `waitlisted_count`,
//! `attended_count`), guarded by `CHECK (confirmed_count + attended_count <= capacity)`.
//! Every change of a registration's status first takes that round row's lock — by the
//! conditional `UPDATE rounds …` that claims a seat, or by `SELECT … FOR UPDATE` — so the
//! counters and the registrations change together and a round is never overbooked.
//!
//! One file per capability; `model` holds the status, the row and the registration as it
//! is shown, which the others share. A change of a round reaches `waitlist` and `notify`
//! directly (not through this file), so rounds and registrations import no circle.

mod cancel;
mod check_in;
mod confirm;
mod expiry;
mod find;
mod history;
pub mod link;
mod list;
mod model;
pub(super) mod notify;
mod register;
mod seat;
mod status;
pub(super) mod waitlist;
mod wire;

pub use cancel::{Canceller, cancel};
pub use check_in::check_in;
pub use confirm::confirm;
pub use expiry::{delete_unconfirmed, withdraw_unconfirmed};
pub use find::find_for;
pub use history::history;
pub use list::{RegistrationFilter, list};
pub use model::{RegistrationRow, hash_token};
pub use register::{RegistrationRules, register, seed};
pub use seat::recount_seats;
pub use wire::Confirmation;
pub use wire::{CreatedRegistration, NewRegistration};
pub use wire::{Registration, RegistrationStatus};

//! Consultations (Beteiligungsprozesse) and their status machine.

mod model;
mod read;
mod wire;
mod write;

pub use model::{ConsultationRow, DEFAULT_RETENTION};
pub use read::{VisibleId, find_visible, hold, list, visible_id};
pub use wire::{
    Consultation, ConsultationPatch, ConsultationStatus, ConsultationText, NewConsultation,
    Retention, RetentionSettings, Topic,
};
pub use write::{create, seed, update};

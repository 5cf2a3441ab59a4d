//! The record of processing activities (DSGVO Art. 30) as the service does it: each kind of
//! personal data it holds, what for, who may see it — read from the policy module's rules,
//! not written down beside them — and how long it is kept, with each consultation's
//! configured retention. So the record cannot drift from the code.

mod record;
mod wire;

pub use record::record;
pub use wire::{Activity, ConsultationRetention, Controller, Label, ProcessingRecord};

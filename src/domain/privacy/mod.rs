//! Data-protection requests (DSGVO Art. 15 and 17): everything held for an email address,
//! and its anonymisation. Submission content stays, as the process needs it; names and
//! addresses go.

mod requests;
mod wire;

pub use requests::{ERASED_NAME, erase, export};
pub(in crate::domain) use requests::{anonymise_authors, anonymise_registrations};
pub use wire::{Erasure, PersonalData, PrivacyRequest};

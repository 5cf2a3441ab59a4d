//! Organisations taking part in consultations.

mod directory;
mod wire;

pub use directory::{
    OrganisationFilter, OrganisationRow, create, exists, find, list, seed, update,
};
pub use wire::{NewOrganisation, Organisation, OrganisationPatch};

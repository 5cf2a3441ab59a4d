//! Authorities: the ministries, districts and cities one deployment serves. Every
//! consultation belongs to one; an authority's staff see nothing of another's.

mod directory;
mod wire;

pub use directory::{
    AuthorityRow, create, exists, find, id_of_slug, list, of_round, only_one, seed, seed_as_first,
    update,
};
pub use wire::{Authority, AuthorityKind, AuthorityPatch, NewAuthority};

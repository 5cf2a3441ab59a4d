//! API clients: partner systems and staff tools that obtain tokens with the OAuth2
//! client-credentials grant.

mod credentials;
mod wire;

pub use credentials::{
    ActiveClient, ClientRow, create, create_or_reset, find_active, list, revoke, revoked_ids,
    verify_secret,
};
pub use wire::{Client, CreatedClient, NewClient};

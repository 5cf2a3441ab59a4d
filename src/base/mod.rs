//! The base every layer builds on: who is calling, secrets, and the text enums stored and
//! sent as strings. It imports nothing of the crate.

pub mod caller;
pub mod secret;
pub mod text_enum;

pub use caller::{AuthorityOfCaller, Caller, Principal, Role, Scope};

//! Who is calling: issuing and checking the service's own tokens (JWT) and access tokens of
//! the ministry's identity provider (OIDC).

pub mod jwt;
pub mod oidc;

pub use jwt::TokenService;

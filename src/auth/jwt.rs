//! HS256 tokens: issued by this service, checked on every request. The algorithm is pinned,
//! so a token's header (`alg: none`, RS256, …) is never trusted.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Principal, Role};
use crate::config::JwtConfig;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org: Option<Uuid>,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<Uuid>,
}

#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub default_ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
}

impl TokenService {
    pub fn new(config: &JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(config.secret_bytes()),
            decoding: DecodingKey::from_secret(config.secret_bytes()),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            default_ttl: config.token_ttl,
        }
    }

    /// Signs a token for `principal`, valid for `ttl`.
    pub fn issue(&self, principal: &Principal, ttl: Duration) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: principal.subject.clone(),
            role: principal.role,
            org: principal.partner_organisation(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + ttl.as_secs(),
            jti: Some(Uuid::new_v4()),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        if claims.role == Role::Partner && claims.org.is_none() {
            return Err(TokenError::Invalid);
        }
        if claims.iat > jsonwebtoken::get_current_timestamp() + 60 {
            return Err(TokenError::Invalid);
        }
        Ok(Principal {
            subject: claims.sub,
            role: claims.role,
            organisation_id: claims.org,
        })
    }
}

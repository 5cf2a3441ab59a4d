//! HS256 tokens: issued by this service, checked on every request. The algorithm is pinned,
//! so a token's header (`alg: none`, RS256, …) is never trusted. Each token names its
//! secret by `kid`; secrets rotated out (`JWT_PREVIOUS_SECRETS`) still verify the tokens
//! they signed until those expire. Tokens of revoked API clients are refused as soon as the
//! replica has learnt of the revocation (`REVOCATION_REFRESH`, at most 60 s).

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::base::{AuthorityOfCaller, Principal, Role};
use crate::config::JwtConfig;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org: Option<Uuid>,
    /// The slug of the authority an authority's staff act for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<Uuid>,
}

/// A secret that verifies tokens, named by the `kid` it gives them.
#[derive(Clone)]
struct VerifyingSecret {
    kid: String,
    key: DecodingKey,
}

#[derive(Clone)]
pub struct TokenService {
    kid: String,
    encoding: EncodingKey,
    /// The current secret first, then those rotated out.
    verifying: Vec<VerifyingSecret>,
    validation: Validation,
    issuer: String,
    audience: String,
    pub default_ttl: Duration,
    pub max_ttl: Duration,
    /// Ids of revoked API clients, as this replica last learnt them.
    revoked: Arc<RwLock<HashSet<String>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
    /// Signed (by its `kid`) with a key the identity provider does not publish, even after
    /// fetching its keys again.
    #[error("the token's key is not published by the identity provider")]
    UnknownKey,
    #[error("the API client was revoked")]
    Revoked,
    /// Valid, but it grants no role here (an identity provider's token without a mapped role).
    #[error("the token grants no role of this service")]
    NoRole,
}

/// The `kid` of a secret: a digest, so that it names the secret without disclosing it.
fn kid_of(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("hs-{hex}")
}

impl TokenService {
    pub fn new(config: &JwtConfig) -> Self {
        use secrecy::ExposeSecret;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.leeway = 30;
        let current = config.secret_bytes();
        let verifying = std::iter::once(current)
            .chain(
                config
                    .previous_secrets
                    .iter()
                    .map(|s| s.expose_secret().as_bytes()),
            )
            .map(|secret| VerifyingSecret {
                kid: kid_of(secret),
                key: DecodingKey::from_secret(secret),
            })
            .collect();
        Self {
            kid: kid_of(current),
            encoding: EncodingKey::from_secret(current),
            verifying,
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            default_ttl: config.token_ttl,
            max_ttl: config.max_ttl,
            revoked: Arc::default(),
        }
    }

    /// Signs a token for `principal`, valid for `ttl`.
    pub fn issue(&self, principal: &Principal, ttl: Duration) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: principal.subject.clone(),
            role: principal.role,
            org: principal.partner_organisation(),
            authority: principal
                .authority
                .as_ref()
                .filter(|_| principal.role.acts_for_an_authority())
                .map(|authority| authority.slug.clone()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + ttl.as_secs(),
            jti: Some(Uuid::new_v4()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// A token of this service: HS256 under the secret its `kid` names (the current one
    /// when it names none), with every required claim, not of a revoked client.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let secret = match header.kid.as_deref() {
            Some(kid) => self.verifying.iter().find(|s| s.kid == kid),
            None => self.verifying.first(),
        }
        .ok_or(TokenError::Invalid)?;
        let data =
            jsonwebtoken::decode::<Claims>(token, &secret.key, &self.validation).map_err(|e| {
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let claims = data.claims;
        if claims.role == Role::Partner && claims.org.is_none() {
            return Err(TokenError::Invalid);
        }
        if claims.iat > jsonwebtoken::get_current_timestamp() + 60 {
            return Err(TokenError::Invalid);
        }
        if self
            .revoked
            .read()
            .map_or(true, |revoked| revoked.contains(&claims.sub))
        {
            return Err(TokenError::Revoked);
        }
        Ok(Principal {
            subject: claims.sub,
            role: claims.role,
            organisation_id: claims.org,
            display_name: None,
            authority: claims
                .authority
                .filter(|_| claims.role.acts_for_an_authority())
                .map(AuthorityOfCaller::named),
        })
    }

    /// Adds what the database says is revoked to what this replica knows (a revocation is
    /// never undone, and one made here meanwhile must not be lost to an older read).
    pub fn learn_revoked(&self, clients: HashSet<String>) {
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.extend(clients);
        }
    }

    /// Adds one revoked client at once (the replica that revoked it).
    pub fn revoke(&self, client: String) {
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.insert(client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn config(secret: &str, previous: &[&str]) -> JwtConfig {
        JwtConfig {
            secret: SecretString::from(secret.to_string()),
            previous_secrets: previous
                .iter()
                .map(|s| SecretString::from(s.to_string()))
                .collect(),
            issuer: "beteiligung".into(),
            audience: "beteiligung-api".into(),
            token_ttl: Duration::from_secs(3600),
            max_ttl: Duration::from_secs(30 * 86400),
            revocation_refresh: Duration::from_secs(30),
        }
    }

    fn admin() -> Principal {
        Principal {
            subject: "0190f1a0-0000-7000-8000-00000000c001".into(),
            role: Role::Admin,
            organisation_id: None,
            display_name: None,
            authority: None,
        }
    }

    const OLD: &str = "old-secret-0123456789abcdef0123456789abcdef";
    const NEW: &str = "new-secret-0123456789abcdef0123456789abcdef";

    #[test]
    fn tokens_of_a_rotated_secret_verify_while_it_is_listed_as_previous() {
        let before = TokenService::new(&config(OLD, &[]));
        let token = before.issue(&admin(), Duration::from_secs(60)).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(kid_of(OLD.as_bytes()).as_str()));
        let rotated = TokenService::new(&config(NEW, &[OLD]));
        assert_eq!(rotated.verify(&token).unwrap(), admin());
        let forgotten = TokenService::new(&config(NEW, &[]));
        assert!(matches!(forgotten.verify(&token), Err(TokenError::Invalid)));
    }

    #[test]
    fn staff_tokens_name_their_authority_and_others_none() {
        let service = TokenService::new(&config(NEW, &[]));
        let moderator = Principal {
            role: Role::Moderator,
            authority: Some(AuthorityOfCaller::named("kreis-mettmann")),
            ..admin()
        };
        let token = service.issue(&moderator, Duration::from_secs(60)).unwrap();
        assert_eq!(service.verify(&token).unwrap(), moderator);
        let admin_naming_one = Principal {
            authority: Some(AuthorityOfCaller::named("kreis-mettmann")),
            ..admin()
        };
        let token = service
            .issue(&admin_naming_one, Duration::from_secs(60))
            .unwrap();
        assert_eq!(service.verify(&token).unwrap().authority, None);
    }

    #[test]
    fn a_revoked_clients_tokens_are_refused() {
        let service = TokenService::new(&config(NEW, &[]));
        let token = service.issue(&admin(), Duration::from_secs(60)).unwrap();
        service.revoke(admin().subject);
        assert!(matches!(service.verify(&token), Err(TokenError::Revoked)));
        service.learn_revoked(HashSet::new());
        assert!(matches!(service.verify(&token), Err(TokenError::Revoked)));
    }
}

//! Access tokens of the ministry's identity provider (OpenID Connect, typically Keycloak):
//! signature by a key of the provider's JWKS, an allowlisted asymmetric algorithm that fits
//! the key, `iss`, `aud` and `exp` required, `nbf` honoured, and a role from the configured
//! claim mapped to one of ours. The person (`sub` and name) becomes the actor.
//!
//! Keys are cached. An unknown `kid` fetches the JWKS again, at most every 30 seconds and
//! never once per request (concurrent requests wait for the same fetch, and a request that
//! waited for any fetch, such as the one at start, uses its keys); the keys are also
//! fetched every `OIDC_JWKS_REFRESH`. A fetch that fails keeps the keys already known, so
//! an unreachable provider costs only tokens signed by keys not yet seen.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::jwt::TokenError;
use super::{Principal, Role};
use crate::config::OidcConfig;

/// The algorithms a provider's token may use.
const ALLOWED: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];
/// The shortest time between two fetches of the keys caused by unknown `kid`s.
const MIN_REFETCH: Duration = Duration::from_secs(30);

/// A verifying key of the provider and the algorithms it may be used with.
#[derive(Clone)]
struct ProviderKey {
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

pub struct OidcVerifier {
    config: OidcConfig,
    client: reqwest::Client,
    keys: RwLock<HashMap<String, ProviderKey>>,
    /// When the keys were last fetched (or tried); held while fetching, so that
    /// concurrent requests wait for one fetch and then look at its keys.
    fetches: tokio::sync::Mutex<Fetches>,
}

#[derive(Default)]
struct Fetches {
    /// When the last fetch of any kind ended.
    completed: Option<Instant>,
    /// When the last fetch for an unknown `kid` began.
    on_demand: Option<Instant>,
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

impl OidcVerifier {
    pub fn new(config: OidcConfig) -> anyhow::Result<Self> {
        Ok(Self {
            config,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()?,
            keys: RwLock::default(),
            fetches: tokio::sync::Mutex::default(),
        })
    }

    /// How often the keys are fetched regardless of tokens.
    pub fn refresh_interval(&self) -> Duration {
        self.config.jwks_refresh
    }

    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if !ALLOWED.contains(&header.alg) {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = match self.known(&kid) {
            Some(key) => key,
            None => {
                self.fetch_for(&kid).await;
                self.known(&kid).ok_or(TokenError::Invalid)?
            }
        };
        if !key.algorithms.contains(&header.alg) {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key.key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?
            .claims;
        // An ID token says who signed in, to the front end; it grants no access (Keycloak
        // marks it `typ: ID`, its access tokens `Bearer`).
        if claims.get("typ").and_then(|t| t.as_str()) == Some("ID") {
            return Err(TokenError::Invalid);
        }
        let subject = claims
            .get("sub")
            .and_then(|s| s.as_str())
            .filter(|s| !s.is_empty() && s.len() <= 255)
            .ok_or(TokenError::Invalid)?;
        let role = self.role_of(&claims).ok_or(TokenError::NoRole)?;
        let name = ["name", "preferred_username"]
            .iter()
            .find_map(|claim| claims.get(*claim).and_then(|v| v.as_str()))
            .map(|name| name.chars().filter(|c| !c.is_control()).take(100).collect());
        Ok(Principal {
            subject: format!("oidc:{subject}"),
            role,
            organisation_id: None,
            display_name: name,
        })
    }

    /// The highest of our roles the token's provider roles map to; staff only (a partner
    /// acts for an organisation, which a provider's token does not name).
    fn role_of(&self, claims: &serde_json::Value) -> Option<Role> {
        let mut value = claims;
        for part in &self.config.roles_claim {
            value = value.get(part)?;
        }
        let theirs: Vec<&str> = match value {
            serde_json::Value::Array(roles) => roles.iter().filter_map(|r| r.as_str()).collect(),
            serde_json::Value::String(role) => role.split(' ').collect(),
            _ => return None,
        };
        let ours: Vec<Role> = self
            .config
            .role_map
            .iter()
            .filter(|(provider_role, _)| theirs.contains(&provider_role.as_str()))
            .map(|(_, role)| *role)
            .collect();
        [Role::Admin, Role::Moderator]
            .into_iter()
            .find(|role| ours.contains(role))
    }

    fn known(&self, kid: &str) -> Option<ProviderKey> {
        self.keys.read().ok()?.get(kid).cloned()
    }

    /// Fetches the keys again (the scheduled refresh, and at start).
    pub async fn refresh(&self) {
        let mut fetches = self.fetches.lock().await;
        self.fetch_and_keep(&mut fetches).await;
    }

    /// Fetches the keys for an unknown `kid`, unless it became known or a fetch ended while
    /// this request waited for the lock (that fetch is as fresh as one of its own), and only
    /// when the last fetch on demand is 30 s past.
    async fn fetch_for(&self, kid: &str) {
        let asked = Instant::now();
        let mut fetches = self.fetches.lock().await;
        if self.known(kid).is_some() {
            return;
        }
        let fetched_meanwhile = fetches.completed.is_some_and(|at| at >= asked);
        let too_soon = fetches
            .on_demand
            .is_some_and(|at| at.elapsed() < MIN_REFETCH);
        if fetched_meanwhile || too_soon {
            return;
        }
        fetches.on_demand = Some(Instant::now());
        self.fetch_and_keep(&mut fetches).await;
    }

    /// One fetch, the lock held: the keys replace the known ones; a failed fetch keeps them.
    async fn fetch_and_keep(&self, fetches: &mut Fetches) {
        match self.fetch().await {
            Ok(keys) => {
                if let Ok(mut known) = self.keys.write() {
                    *known = keys;
                }
            }
            Err(e) => log::warn!("OIDC keys of {}: {e}", self.config.issuer),
        }
        fetches.completed = Some(Instant::now());
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, ProviderKey>> {
        let jwks_url = match &self.config.jwks_url {
            Some(url) => url.clone(),
            None => {
                let discovery = format!(
                    "{}/.well-known/openid-configuration",
                    self.config.issuer.trim_end_matches('/')
                );
                let document: Discovery = self
                    .client
                    .get(&discovery)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                document.jwks_uri
            }
        };
        let set: JwkSet = self
            .client
            .get(&jwks_url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(set
            .keys
            .iter()
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, provider_key(jwk)?)))
            .collect())
    }
}

/// A key usable for signatures with an allowed algorithm; symmetric and unknown keys are
/// never taken from a JWKS.
fn provider_key(jwk: &Jwk) -> Option<ProviderKey> {
    use jsonwebtoken::jwk::PublicKeyUse;
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    let family: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![Algorithm::RS256, Algorithm::PS256],
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            vec![Algorithm::ES256]
        }
        AlgorithmParameters::OctetKeyPair(_) => vec![Algorithm::EdDSA],
        _ => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        Some(declared) => {
            let declared: Algorithm = declared.to_string().parse().ok()?;
            family.into_iter().filter(|a| *a == declared).collect()
        }
        None => family,
    };
    if algorithms.is_empty() {
        return None;
    }
    Some(ProviderKey {
        key: DecodingKey::from_jwk(jwk).ok()?,
        algorithms,
    })
}

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
//!
//! A discovery document whose `issuer` is not exactly `OIDC_ISSUER`, or whose `jwks_uri`
//! is not https (http only for an http issuer), makes the provider untrusted: logged as an
//! error, its keys dropped, its tokens 401 until a fetch finds the document right again.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::jwt::TokenError;
use crate::base::{AuthorityOfCaller, Principal, Role};
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
    #[serde(default)]
    issuer: String,
    jwks_uri: String,
}

impl Discovery {
    /// Where the keys are, if the document is the configured issuer's: its `issuer` equal
    /// to `OIDC_ISSUER` character for character (OpenID Connect Discovery 1.0 §4.3), and the
    /// keys served over https (http only for an http issuer, a local test provider).
    fn jwks_uri_of(self, issuer: &str) -> Result<String, FetchError> {
        if self.issuer != issuer {
            return Err(FetchError::Untrusted(format!(
                "the discovery document names the issuer {:?}",
                self.issuer
            )));
        }
        let scheme = reqwest::Url::parse(&self.jwks_uri)
            .map(|url| url.scheme().to_string())
            .map_err(|_| FetchError::Untrusted("its jwks_uri is not a URL".into()))?;
        if scheme == "https" || (scheme == "http" && issuer.starts_with("http://")) {
            Ok(self.jwks_uri)
        } else {
            Err(FetchError::Untrusted(
                "its jwks_uri is not an https URL".into(),
            ))
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error(transparent)]
    Unreachable(#[from] reqwest::Error),
    /// The provider's discovery document contradicts the configuration: none of its keys
    /// is trusted.
    #[error("not trusted: {0}")]
    Untrusted(String),
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
                self.known(&kid).ok_or(TokenError::UnknownKey)?
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
        let authority = role
            .acts_for_an_authority()
            .then(|| self.authority_of(&claims))
            .flatten()
            .map(AuthorityOfCaller::named);
        Ok(Principal {
            subject: format!("oidc:{subject}"),
            role,
            organisation_id: None,
            display_name: name,
            authority,
        })
    }

    /// The slug of the authority the token names in `OIDC_AUTHORITY_CLAIM`: the value
    /// itself, or from a group path `/authorities/{slug}/…` (Keycloak groups); the first
    /// of a list that names one.
    fn authority_of(&self, claims: &serde_json::Value) -> Option<String> {
        let mut value = claims;
        for part in &self.config.authority_claim {
            value = value.get(part)?;
        }
        let values: Vec<&str> = match value {
            serde_json::Value::Array(values) => values.iter().filter_map(|v| v.as_str()).collect(),
            serde_json::Value::String(value) => vec![value.as_str()],
            _ => return None,
        };
        values.into_iter().find_map(authority_slug)
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
        [Role::Admin, Role::AuthorityAdmin, Role::Moderator]
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

    /// One fetch, the lock held: the keys replace the known ones; a fetch that fails keeps
    /// them, a discovery document contradicting the configuration drops them.
    async fn fetch_and_keep(&self, fetches: &mut Fetches) {
        match self.fetch().await {
            Ok(keys) => {
                if let Ok(mut known) = self.keys.write() {
                    *known = keys;
                }
            }
            Err(e @ FetchError::Unreachable(_)) => {
                log::warn!("OIDC keys of {}: {e}", self.config.issuer)
            }
            Err(e @ FetchError::Untrusted(_)) => {
                log::error!("OIDC provider {}: {e}", self.config.issuer);
                if let Ok(mut known) = self.keys.write() {
                    known.clear();
                }
            }
        }
        fetches.completed = Some(Instant::now());
    }

    async fn fetch(&self) -> Result<HashMap<String, ProviderKey>, FetchError> {
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
                document.jwks_uri_of(&self.config.issuer)?
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

/// The authority slug a claim value names: `kreis-mettmann`, or a group path such as
/// `/authorities/kreis-mettmann/moderation`.
fn authority_slug(value: &str) -> Option<String> {
    let slug = match value.strip_prefix('/') {
        Some(path) => {
            let mut parts = path.split('/');
            match (parts.next(), parts.next()) {
                (Some("authorities"), Some(slug)) => slug,
                _ => return None,
            }
        }
        None => value,
    };
    let plain = !slug.is_empty()
        && slug.len() <= 100
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    plain.then(|| slug.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_authority_is_named_by_its_slug_or_a_group_path() {
        use super::authority_slug;
        assert_eq!(
            authority_slug("kreis-mettmann").as_deref(),
            Some("kreis-mettmann")
        );
        assert_eq!(
            authority_slug("/authorities/kreis-mettmann/moderation").as_deref(),
            Some("kreis-mettmann")
        );
        assert_eq!(authority_slug("/mitarbeitende"), None);
        assert_eq!(authority_slug("Kreis Mettmann"), None);
        assert_eq!(authority_slug(""), None);
    }

    use super::*;

    fn document(issuer: &str, jwks_uri: &str) -> Discovery {
        Discovery {
            issuer: issuer.into(),
            jwks_uri: jwks_uri.into(),
        }
    }

    const ISSUER: &str = "https://login.sachsen-anhalt.de/realms/beteiligung";
    const CERTS: &str =
        "https://login.sachsen-anhalt.de/realms/beteiligung/protocol/openid-connect/certs";

    #[test]
    fn the_keys_of_the_configured_issuer_over_https_are_taken() {
        let uri = document(ISSUER, CERTS).jwks_uri_of(ISSUER).unwrap();
        assert_eq!(uri, CERTS);
    }

    #[test]
    fn a_document_naming_another_issuer_is_not_trusted() {
        for named in [
            "https://login.sachsen-anhalt.de/realms/beteiligung/",
            "https://LOGIN.sachsen-anhalt.de/realms/beteiligung",
            "https://login.sachsen-anhalt.de/realms/andere",
            "",
        ] {
            let refused = document(named, CERTS).jwks_uri_of(ISSUER);
            assert!(
                matches!(refused, Err(FetchError::Untrusted(_))),
                "{named:?}"
            );
        }
    }

    #[test]
    fn keys_over_http_only_for_an_http_issuer() {
        let http_certs = "http://login.sachsen-anhalt.de/realms/beteiligung/certs";
        let refused = document(ISSUER, http_certs).jwks_uri_of(ISSUER);
        assert!(matches!(refused, Err(FetchError::Untrusted(_))));
        let not_a_url = document(ISSUER, "/certs").jwks_uri_of(ISSUER);
        assert!(matches!(not_a_url, Err(FetchError::Untrusted(_))));
        let local = "http://127.0.0.1:8081/realms/test";
        let certs = "http://127.0.0.1:8081/realms/test/certs";
        assert_eq!(document(local, certs).jwks_uri_of(local).unwrap(), certs);
    }
}

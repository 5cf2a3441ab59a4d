//! An identity provider for the tests: keys generated here (RSA and EC), a discovery
//! document and a JWKS served over HTTP on a local port, tokens signed like Keycloak's.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey as _;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

pub const AUDIENCE: &str = "beteiligung-api";
pub const REALM: &str = "/realms/sachsen-anhalt";

/// A signing key with its public JWK.
#[derive(Clone)]
pub struct Key {
    pub kid: String,
    pub algorithm: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Value,
    /// The public key as PEM, for the algorithm-confusion attack.
    pub public_pem: String,
}

fn rsa_pair() -> &'static (rsa::RsaPrivateKey, rsa::RsaPrivateKey) {
    static KEYS: OnceLock<(rsa::RsaPrivateKey, rsa::RsaPrivateKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rsa::rand_core::OsRng;
        (
            rsa::RsaPrivateKey::new(&mut rng, 2048).expect("rsa key"),
            rsa::RsaPrivateKey::new(&mut rng, 2048).expect("rsa key"),
        )
    })
}

impl Key {
    /// One of two RSA keys generated once per test run (`which` 0 or 1).
    pub fn rsa(kid: &str, which: usize) -> Self {
        use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
        let private = if which == 0 {
            &rsa_pair().0
        } else {
            &rsa_pair().1
        };
        let pem = private
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .expect("pem");
        let public = private.to_public_key();
        Self {
            kid: kid.into(),
            algorithm: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).expect("rsa encoding key"),
            jwk: json!({
                "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            }),
            public_pem: public
                .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
                .expect("public pem"),
        }
    }

    /// A new P-256 key.
    pub fn ec(kid: &str) -> Self {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let pem = secret
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .expect("pem");
        let point = secret.public_key().to_encoded_point(false);
        Self {
            kid: kid.into(),
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_pem(pem.as_bytes()).expect("ec encoding key"),
            jwk: json!({
                "kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
                "x": URL_SAFE_NO_PAD.encode(point.x().expect("x")),
                "y": URL_SAFE_NO_PAD.encode(point.y().expect("y")),
            }),
            public_pem: String::new(),
        }
    }
}

#[derive(Default)]
struct State {
    issuer: Mutex<String>,
    keys: Mutex<Vec<Value>>,
    /// The `issuer` the discovery document names, if not the real one.
    claimed_issuer: Mutex<Option<String>>,
    down: AtomicBool,
    /// How long the JWKS takes to answer, in milliseconds.
    jwks_delay_ms: AtomicU64,
    jwks_hits: AtomicUsize,
    discovery_hits: AtomicUsize,
}

pub struct Provider {
    pub issuer: String,
    state: Arc<State>,
}

async fn discovery(state: web::Data<State>) -> HttpResponse {
    state.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let issuer = state.issuer.lock().expect("issuer").clone();
    let claimed = state.claimed_issuer.lock().expect("claimed issuer").clone();
    HttpResponse::Ok().json(json!({
        "issuer": claimed.unwrap_or_else(|| issuer.clone()),
        "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
    }))
}

async fn jwks(state: web::Data<State>) -> HttpResponse {
    state.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let delay = state.jwks_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if state.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let keys = state.keys.lock().expect("keys").clone();
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

impl Provider {
    /// A provider on a free port publishing `keys`.
    pub fn start(keys: &[&Key]) -> Self {
        let state = Arc::new(State::default());
        let data = web::Data::from(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind provider");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    &format!("{REALM}/.well-known/openid-configuration"),
                    web::get().to(discovery),
                )
                .route(
                    &format!("{REALM}/protocol/openid-connect/certs"),
                    web::get().to(jwks),
                )
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        let issuer = format!("http://127.0.0.1:{port}{REALM}");
        *state.issuer.lock().expect("issuer") = issuer.clone();
        let provider = Self { issuer, state };
        provider.publish(keys);
        provider
    }

    /// Replaces the published keys.
    pub fn publish(&self, keys: &[&Key]) {
        *self.state.keys.lock().expect("keys") = keys.iter().map(|k| k.jwk.clone()).collect();
    }

    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// The JWKS answers only after `delay` (a request counts as a hit when it arrives).
    pub fn set_jwks_delay(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).expect("delay in ms");
        self.state.jwks_delay_ms.store(ms, Ordering::SeqCst);
    }

    /// The discovery document names `issuer` instead of the provider's own.
    pub fn claim_issuer(&self, issuer: &str) {
        *self.state.claimed_issuer.lock().expect("claimed issuer") = Some(issuer.into());
    }

    pub fn jwks_hits(&self) -> usize {
        self.state.jwks_hits.load(Ordering::SeqCst)
    }

    pub fn discovery_hits(&self) -> usize {
        self.state.discovery_hits.load(Ordering::SeqCst)
    }

    /// The service's configuration for this provider.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OIDC_ISSUER", self.issuer.clone()),
            ("OIDC_AUDIENCE", AUDIENCE.into()),
            (
                "OIDC_ROLE_MAP",
                "beteiligung-admin=admin,beteiligung-moderation=moderator".into(),
            ),
        ]
    }

    /// Claims of an access token as Keycloak issues them, for `roles`.
    pub fn claims(&self, roles: &[&str]) -> Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "f3b2c1d0-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "iat": now,
            "exp": now + 300,
            "name": "Katrin Schmidt",
            "preferred_username": "k.schmidt",
            "realm_access": { "roles": roles },
        })
    }
}

/// Signs `claims` with `key`, naming it by `kid`.
pub fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(key.algorithm);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("sign")
}

//! Ministry single sign-on: access tokens of an identity provider whose keys the service
//! fetches over HTTP (discovery + JWKS started by the test, keys generated here), and the
//! rules for the service's own tokens: kid, previous secrets, revocation, TTL cap.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::fixtures::setup_with;
use crate::helpers::{TestApp, assert_problem, id, spawn_app, spawn_app_with};
use crate::provider::{Key, Provider, sign};

fn vars<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn app_for(provider: &Provider, extra: &[(&'static str, &str)]) -> TestApp {
    let settings = provider.settings();
    let mut all = vars(&settings);
    all.extend_from_slice(extra);
    spawn_app_with(&all).await
}

/// Admin-only: the API clients.
async fn as_admin(app: &TestApp, token: &str) -> reqwest::Response {
    app.get("/api/v1/clients", Some(token)).await
}

/// `claims` signed with `key`'s private key, the header naming `alg` and `kid`.
fn sign_as(key: &Key, alg: Algorithm, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

async fn assert_unauthorized(response: reqwest::Response, case: &str) -> Value {
    assert_eq!(response.status(), 401, "{case}");
    assert_eq!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .split_whitespace()
            .next(),
        Some("Bearer"),
        "{case}"
    );
    assert_problem(response, 401, "unauthorized").await
}

#[tokio::test]
async fn provider_tokens_grant_mapped_roles_and_the_person_is_the_actor() {
    let rsa = Key::rsa("rsa-2026", 0);
    let ec = Key::ec("ec-2026");
    let provider = Provider::start(&[&rsa, &ec]);
    let settings = provider.settings();
    let s = setup_with(&vars(&settings)).await;
    let moderator = sign(
        &rsa,
        &provider.claims(&["beteiligung-moderation", "offline_access"]),
    );
    let admin = sign(&ec, &provider.claims(&["beteiligung-admin"]));
    assert_eq!(as_admin(&s.app, &admin).await.status(), 200);
    assert_problem(as_admin(&s.app, &moderator).await, 403, "forbidden").await;

    let need = s
        .need(
            &s.caritas_token,
            "Sprachkurse in Halle",
            "Mit Kinderbetreuung.",
        )
        .await;
    let reviewed = s
        .app
        .post(
            &format!("/api/v1/submissions/{}/review", id(&need)),
            Some(&moderator),
            &json!({"status": "in_review"}),
        )
        .await;
    assert_eq!(reviewed.status(), 200);
    let history = s
        .app
        .get_json(
            &format!("/api/v1/submissions/{}/history", id(&need)),
            Some(&admin),
        )
        .await;
    assert_eq!(
        history[1]["actor"],
        "moderator@standardbehoerde:oidc:f3b2c1d0-5a6b-4c7d-8e9f-0a1b2c3d4e5f (Katrin Schmidt)",
        "the person, and the authority the deployment's one authority is"
    );
    // Partners see the role only.
    let seen = s
        .app
        .get_json(
            &format!("/api/v1/submissions/{}/history", id(&need)),
            Some(&s.caritas_token),
        )
        .await;
    assert_eq!(seen[1]["actor"], "moderator@standardbehoerde");
    // The service's own tokens keep working beside the provider's.
    assert_eq!(as_admin(&s.app, &s.app.admin()).await.status(), 200);
    // A valid token without a mapped role is known but may nothing here.
    let nobody = sign(&rsa, &provider.claims(&["offline_access"]));
    assert_problem(as_admin(&s.app, &nobody).await, 403, "forbidden").await;
    assert_problem(
        s.app
            .get(
                &format!("/api/v1/consultations/{}/report", s.consultation),
                Some(&nobody),
            )
            .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_custom_role_map_reads_the_configured_claim_and_only_its_names() {
    let rsa = Key::rsa("rsa-2026", 0);
    let provider = Provider::start(&[&rsa]);
    let mut settings = provider.settings();
    settings.retain(|(name, _)| *name != "OIDC_ROLE_MAP");
    settings.push((
        "OIDC_ROLE_MAP",
        "referat-33-leitung=admin, referat-33=moderator".into(),
    ));
    settings.push((
        "OIDC_ROLES_CLAIM",
        "resource_access.beteiligung.roles".into(),
    ));
    let s = setup_with(&vars(&settings)).await;
    // Keycloak puts client roles under resource_access.<client id>.roles.
    let token = |realm: &[&str], client: &[&str]| {
        let mut claims = provider.claims(realm);
        claims["resource_access"] = json!({
            "beteiligung": { "roles": client },
            "account": { "roles": ["manage-account", "referat-33-leitung"] },
        });
        sign(&rsa, &claims)
    };
    let need = s
        .need(
            &s.caritas_token,
            "Sprachkurse in Halle",
            "Mit Kinderbetreuung.",
        )
        .await;
    let review = |token: String| {
        let app = &s.app;
        let path = format!("/api/v1/submissions/{}/review", id(&need));
        async move {
            app.post(&path, Some(&token), &json!({"status": "in_review"}))
                .await
        }
    };

    // The mapped client role: a moderator, who reviews but may not manage API clients.
    let moderator = token(&[], &["referat-33"]);
    assert_eq!(review(moderator.clone()).await.status(), 200);
    assert_problem(as_admin(&s.app, &moderator).await, 403, "forbidden").await;
    let admin = token(&[], &["referat-33-leitung"]);
    assert_eq!(as_admin(&s.app, &admin).await.status(), 200);

    // The default names grant nothing under this map, in the realm roles or the client's.
    let defaults = ["beteiligung-admin", "beteiligung-moderation"];
    for (case, token) in [
        ("default names as client roles", token(&[], &defaults)),
        ("default names as realm roles", token(&defaults, &[])),
        // The right names, but in the realm roles, not the configured claim.
        (
            "mapped names as realm roles",
            token(&["referat-33-leitung", "referat-33"], &[]),
        ),
    ] {
        let refused = review(token.clone()).await;
        assert_eq!(refused.status(), 403, "{case}");
        let body = assert_problem(refused, 403, "forbidden").await;
        assert_eq!(
            body["detail"], "The token grants no role of this service.",
            "{case}"
        );
        assert_eq!(as_admin(&s.app, &token).await.status(), 403, "{case}");
    }
}

#[tokio::test]
async fn every_forged_or_unfit_provider_token_is_refused_with_401() {
    let rsa = Key::rsa("rsa-2026", 0);
    let ec = Key::ec("ec-2026");
    let stranger = Key::rsa("rsa-unknown", 1);
    let provider = Provider::start(&[&rsa, &ec]);
    let app = app_for(&provider, &[]).await;
    startup_fetch_begun(&provider).await;
    let good = provider.claims(&["beteiligung-admin"]);
    assert_eq!(as_admin(&app, &sign(&rsa, &good)).await.status(), 200);
    assert_eq!(as_admin(&app, &sign(&ec, &good)).await.status(), 200);
    assert_eq!(provider.jwks_hits(), 1);

    // A kid the provider does not publish: the keys are fetched again, and it stays unknown.
    let body =
        assert_unauthorized(as_admin(&app, &sign(&stranger, &good)).await, "unknown kid").await;
    assert_eq!(
        provider.jwks_hits(),
        2,
        "the keys were fetched again for the unknown kid"
    );
    assert_eq!(
        body["detail"],
        "The token is signed with a key the identity provider does not publish."
    );
    let now = jsonwebtoken::get_current_timestamp();
    let expired = {
        let mut claims = good.clone();
        claims["exp"] = json!(now - 3600);
        sign(&rsa, &claims)
    };
    let body = assert_unauthorized(as_admin(&app, &expired).await, "expired").await;
    assert_eq!(body["detail"], "The token has expired.");

    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = good.clone();
        change(&mut claims);
        sign(&rsa, &claims)
    };
    let mut cases: Vec<(&str, String)> = vec![
        (
            "wrong issuer",
            with(&|c| c["iss"] = json!("https://idp.example/realms/x")),
        ),
        ("wrong audience", with(&|c| c["aud"] = json!("another-api"))),
        ("not yet valid", with(&|c| c["nbf"] = json!(now + 3600))),
        (
            "no exp",
            with(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        ("an ID token", with(&|c| c["typ"] = json!("ID"))),
    ];
    // alg none: a header and payload without signature.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"rsa-2026"}"#);
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    cases.push(("alg none", format!("{header}.{payload}.")));
    // HS256 with the provider's public key as the secret (algorithm confusion).
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(rsa.kid.clone());
    let confused = jsonwebtoken::encode(
        &hs,
        &good,
        &EncodingKey::from_secret(rsa.public_pem.as_bytes()),
    )
    .unwrap();
    cases.push(("HS256 with the public key", confused));
    // Algorithms the provider's own keys could produce but that are not allowed for them:
    // these reach the provider's verifier (only HS256 goes to the service's own tokens).
    cases.push((
        "RS384, not on the allowlist, with the provider's RSA key",
        sign_as(&rsa, Algorithm::RS384, &rsa.kid, &good),
    ));
    cases.push((
        "PS256 with an RSA key the JWKS publishes for RS256 only",
        sign_as(&rsa, Algorithm::PS256, &rsa.kid, &good),
    ));
    cases.push((
        "ES256 naming the RSA key",
        sign_as(&ec, Algorithm::ES256, &rsa.kid, &good),
    ));
    cases.push((
        "RS256 naming the EC key",
        sign_as(&rsa, Algorithm::RS256, &ec.kid, &good),
    ));
    // A payload changed after signing.
    let genuine = sign(&rsa, &provider.claims(&["offline_access"]));
    let parts: Vec<&str> = genuine.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD.encode(good.to_string());
    cases.push((
        "tampered payload",
        format!("{}.{tampered_payload}.{}", parts[0], parts[2]),
    ));
    for (case, token) in cases {
        let body = assert_unauthorized(as_admin(&app, &token).await, case).await;
        assert_eq!(body["detail"], "The token is invalid.", "{case}");
    }
    // None of them cost a fetch of the keys: the kids are known.
    assert_eq!(provider.jwks_hits(), 2);
}

#[tokio::test]
async fn an_rsa_key_published_without_alg_may_sign_with_rs256_and_ps256_only() {
    let mut undeclared = Key::rsa("rsa-any", 0);
    undeclared
        .jwk
        .as_object_mut()
        .unwrap()
        .remove("alg")
        .expect("the JWK declared an alg");
    let provider = Provider::start(&[&undeclared]);
    let app = app_for(&provider, &[]).await;
    let claims = provider.claims(&["beteiligung-admin"]);
    for alg in [Algorithm::RS256, Algorithm::PS256] {
        let token = sign_as(&undeclared, alg, &undeclared.kid, &claims);
        assert_eq!(as_admin(&app, &token).await.status(), 200, "{alg:?}");
    }
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS512] {
        let token = sign_as(&undeclared, alg, &undeclared.kid, &claims);
        assert_unauthorized(as_admin(&app, &token).await, &format!("{alg:?}")).await;
    }
}

/// Waits until the service has asked for the keys as it starts (the request may still be
/// answered).
async fn startup_fetch_begun(provider: &Provider) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while provider.jwks_hits() == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(provider.jwks_hits(), 1, "the keys are fetched at start");
}

#[tokio::test]
async fn keys_are_fetched_again_for_a_new_kid_at_most_once_in_30_seconds() {
    let old = Key::rsa("rsa-old", 0);
    let new = Key::ec("ec-new");
    let provider = Provider::start(&[&old]);
    let app = app_for(&provider, &[("OIDC_JWKS_REFRESH", "1h")]).await;
    startup_fetch_begun(&provider).await;
    let claims = provider.claims(&["beteiligung-admin"]);
    let old_token = sign(&old, &claims);
    assert_eq!(as_admin(&app, &old_token).await.status(), 200);
    let fetched = provider.jwks_hits();

    // The provider rotates: a token with the new key is accepted without restart.
    provider.publish(&[&old, &new]);
    let new_token = sign(&new, &claims);
    assert_eq!(as_admin(&app, &new_token).await.status(), 200);
    assert_eq!(provider.jwks_hits(), fetched + 1);

    // Unknown keys within 30 s cost no further fetch, however many requests carry them.
    let stranger = sign(&Key::ec("ec-stranger"), &claims);
    let refused = join_all((0..20).map(|_| as_admin(&app, &stranger))).await;
    assert!(refused.iter().all(|r| r.status() == 401));
    assert_eq!(provider.jwks_hits(), fetched + 1);
}

#[tokio::test]
async fn a_token_arriving_during_the_startup_fetch_waits_for_it_and_spends_no_refetch() {
    let old = Key::rsa("rsa-old", 0);
    let new = Key::ec("ec-new");
    let provider = Provider::start(&[&old]);
    provider.set_jwks_delay(Duration::from_millis(700));
    let app = app_for(&provider, &[("OIDC_JWKS_REFRESH", "1h")]).await;
    startup_fetch_begun(&provider).await;
    // The provider is still answering the start-up fetch: the token waits for its keys.
    let claims = provider.claims(&["beteiligung-admin"]);
    assert_eq!(as_admin(&app, &sign(&old, &claims)).await.status(), 200);
    assert_eq!(
        provider.jwks_hits(),
        1,
        "no second fetch for a kid the first one brought"
    );

    // So the refetch for a new kid is still available.
    provider.set_jwks_delay(Duration::ZERO);
    provider.publish(&[&old, &new]);
    assert_eq!(as_admin(&app, &sign(&new, &claims)).await.status(), 200);
    assert_eq!(provider.jwks_hits(), 2);
}

#[tokio::test]
async fn a_provider_whose_discovery_names_another_issuer_is_not_trusted() {
    let rsa = Key::rsa("rsa-2026", 0);
    let provider = Provider::start(&[&rsa]);
    // Only a trailing slash apart: still another issuer (OpenID Connect Discovery §4.3).
    provider.claim_issuer(&format!("{}/", provider.issuer));
    let app = app_for(&provider, &[("OIDC_JWKS_REFRESH", "300ms")]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while provider.discovery_hits() == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let token = sign(&rsa, &provider.claims(&["beteiligung-admin"]));
    assert_unauthorized(as_admin(&app, &token).await, "untrusted provider").await;
    assert_eq!(
        provider.jwks_hits(),
        0,
        "no keys asked of an untrusted provider"
    );
    // The service itself stays ready; the provider's tokens are what is refused.
    assert_eq!(app.get("/readyz", None).await.status(), 200);

    // Corrected at the provider, its keys are taken at the next refresh ...
    provider.claim_issuer(&provider.issuer);
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(as_admin(&app, &token).await.status(), 200);
    // ... and dropped again as soon as the document contradicts the configuration.
    provider.claim_issuer("https://idp.example/realms/sachsen-anhalt");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_unauthorized(as_admin(&app, &token).await, "issuer changed").await;
}

#[tokio::test]
async fn a_key_removed_from_the_jwks_is_refused_after_the_next_refresh() {
    let old = Key::rsa("rsa-old", 0);
    let new = Key::rsa("rsa-new", 1);
    let provider = Provider::start(&[&old, &new]);
    let app = app_for(&provider, &[("OIDC_JWKS_REFRESH", "500ms")]).await;
    let claims = provider.claims(&["beteiligung-admin"]);
    let old_token = sign(&old, &claims);
    assert_eq!(as_admin(&app, &old_token).await.status(), 200);
    provider.publish(&[&new]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_unauthorized(as_admin(&app, &old_token).await, "removed key").await;
    assert_eq!(as_admin(&app, &sign(&new, &claims)).await.status(), 200);
}

#[tokio::test]
async fn with_the_jwks_endpoint_down_cached_keys_work_and_unknown_ones_are_401() {
    let rsa = Key::rsa("rsa-2026", 0);
    let provider = Provider::start(&[&rsa]);
    let app = app_for(&provider, &[("OIDC_JWKS_REFRESH", "300ms")]).await;
    let claims = provider.claims(&["beteiligung-admin"]);
    assert_eq!(as_admin(&app, &sign(&rsa, &claims)).await.status(), 200);
    provider.set_down(true);
    // Failing refreshes keep the keys known.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(as_admin(&app, &sign(&rsa, &claims)).await.status(), 200);
    let unknown = sign(&Key::ec("ec-new"), &claims);
    assert_unauthorized(as_admin(&app, &unknown).await, "unknown key, JWKS down").await;
    assert_eq!(app.get("/readyz", None).await.status(), 200);
}

#[tokio::test]
async fn a_revoked_clients_tokens_stop_working_on_every_replica_within_the_refresh() {
    let app = spawn_app_with(&[("REVOCATION_REFRESH", "300ms")]).await;
    let other = app.replica(&[("REVOCATION_REFRESH", "300ms")]);
    let admin = app.admin();
    let created: Value = app
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "Fachverfahren Moderation", "role": "moderator"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token: Value = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", created["client_id"].as_str().unwrap()),
            ("client_secret", created["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert!(header.kid.is_some_and(|kid| kid.starts_with("hs-")));
    let drafts = "/api/v1/consultations?status=draft";
    assert_eq!(other.get(drafts, Some(&token)).await.status(), 200);
    let revoked = app
        .delete(
            &format!("/api/v1/clients/{}", created["client_id"].as_str().unwrap()),
            Some(&admin),
        )
        .await;
    assert_eq!(revoked.status(), 204);
    // At once on the replica that revoked it, within the refresh on the other.
    assert_unauthorized(app.get(drafts, Some(&token)).await, "revoking replica").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_unauthorized(other.get(drafts, Some(&token)).await, "other replica").await;
}

#[tokio::test]
async fn tokens_of_a_previous_secret_work_while_it_is_configured() {
    let old_secret = "old-secret-of-2026-0123456789abcdef0123456789";
    let first = spawn_app_with(&[("JWT_SECRET", old_secret)]).await;
    let token = first.admin();
    let rotated = first.replica(&[
        (
            "JWT_SECRET",
            "new-secret-of-2026-0123456789abcdef0123456789",
        ),
        ("JWT_PREVIOUS_SECRETS", old_secret),
    ]);
    assert_eq!(as_admin(&rotated, &token).await.status(), 200);
    let forgotten = first.replica(&[(
        "JWT_SECRET",
        "new-secret-of-2026-0123456789abcdef0123456789",
    )]);
    assert_unauthorized(as_admin(&forgotten, &token).await, "secret forgotten").await;
}

#[tokio::test]
async fn the_cli_caps_token_lifetimes() {
    let app = spawn_app().await;
    let cli = |ttl: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_beteiligung"))
            .args([
                "token",
                "--role",
                "admin",
                "--subject",
                "jane",
                "--ttl",
                ttl,
            ])
            .env("JWT_SECRET", "cli-secret-0123456789abcdef0123456789abcdef")
            .env("DATABASE_URL", app.database_url())
            .output()
            .expect("run the CLI")
    };
    let long = cli("90d");
    assert!(!long.status.success());
    assert!(String::from_utf8_lossy(&long.stderr).contains("TOKEN_MAX_TTL"));
    let fine = cli("7d");
    assert!(fine.status.success());
    let token = String::from_utf8_lossy(&fine.stdout).trim().to_string();
    assert_eq!(token.split('.').count(), 3);
}

#[tokio::test]
async fn a_group_path_names_the_authority_of_staff_signed_in_at_the_provider() {
    let rsa = Key::rsa("rsa-2026", 0);
    let provider = Provider::start(&[&rsa]);
    let app = app_for(&provider, &[("OIDC_AUTHORITY_CLAIM", "groups")]).await;
    let created = app
        .post(
            "/api/v1/authorities",
            Some(&app.admin()),
            &json!({"slug": "kreis-mettmann", "name": "Kreis Mettmann", "kind": "district"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let signed_in = |groups: Value| {
        let mut claims = provider.claims(&["beteiligung-moderation"]);
        claims["groups"] = groups;
        sign(&rsa, &claims)
    };
    let theirs = signed_in(json!([
        "/mitarbeitende",
        "/authorities/kreis-mettmann/moderation"
    ]));
    let listed = app.get("/api/v1/consultations", Some(&theirs)).await;
    assert_eq!(listed.status(), 200);
    // A staff member whose groups name no authority, or one unknown here, may nothing.
    let none = signed_in(json!(["/mitarbeitende"]));
    assert_problem(
        app.get("/api/v1/consultations", Some(&none)).await,
        403,
        "forbidden",
    )
    .await;
    let unknown = signed_in(json!("/authorities/kreis-unbekannt/moderation"));
    assert_unauthorized(
        app.get("/api/v1/consultations", Some(&unknown)).await,
        "unknown",
    )
    .await;
}

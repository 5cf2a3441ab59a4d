//! API client secrets: random, shown once, stored as argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

/// A new random client secret (256 bits, URL-safe base64).
pub fn generate() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(secret: &str) -> anyhow::Result<String> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string())
}

/// Checks `secret` against a stored hash. With no stored hash (unknown client) it still
/// spends the time of one verification, so response times do not reveal which ids exist.
pub fn verify(secret: &str, stored: Option<&str>) -> bool {
    const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3v0a8Kk6sR4mFbWkH1cJzQk0mJQ5cS2bq9xjzB7ZQ0M";
    let parsed = PasswordHash::new(stored.unwrap_or(DECOY));
    match parsed {
        Ok(hash) => {
            Argon2::default()
                .verify_password(secret.as_bytes(), &hash)
                .is_ok()
                && stored.is_some()
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_only_its_secret() {
        let secret = super::generate();
        let hash = super::hash(&secret).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(super::verify(&secret, Some(&hash)));
        assert!(!super::verify("wrong", Some(&hash)));
        assert!(!super::verify(&secret, None));
    }
}

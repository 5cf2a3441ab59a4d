//! The identity provider's signing keys.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::oidc::OidcVerifier;

/// Fetches the identity provider's keys at start and every `OIDC_JWKS_REFRESH`.
pub struct ProviderKeys(pub Arc<OidcVerifier>);

impl super::periodic::PeriodicJob for ProviderKeys {
    fn interval(&self) -> Duration {
        self.0.refresh_interval()
    }

    async fn run(&mut self) {
        self.0.refresh().await;
    }
}

//! Learning of revoked API clients.

use std::time::Duration;

use crate::auth::TokenService;
use crate::db::Pool;
use crate::domain::client;

/// Keeps this replica's list of revoked API clients fresh, so that their tokens stop
/// working within `REVOCATION_REFRESH` without a database query per request.
pub struct RevocationRefresh {
    pub pool: Pool,
    pub tokens: TokenService,
    pub every: Duration,
}

impl super::periodic::PeriodicJob for RevocationRefresh {
    fn interval(&self) -> Duration {
        self.every
    }

    async fn run(&mut self) {
        let revoked = match self.pool.get().await {
            Ok(mut conn) => client::revoked_ids(&mut conn)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match revoked {
            Ok(revoked) => self.tokens.learn_revoked(revoked),
            Err(e) => log::warn!("reading revoked API clients: {e}"),
        }
    }
}

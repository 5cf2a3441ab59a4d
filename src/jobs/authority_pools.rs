//! Closing the idle connections of the authorities' pools.

use std::time::Duration;

use actix_web::web;

use crate::api::state::AppState;

/// How long a connection of an authority's pool may stay unused: an authority's staff come
/// and go, and each worker keeps a pool per authority whose staff it served.
const IDLE: Duration = Duration::from_secs(120);

/// Closes, every minute, the connections of the authorities' pools unused for [`IDLE`].
pub struct AuthorityPoolTrim(pub web::Data<AppState>);

impl super::periodic::PeriodicJob for AuthorityPoolTrim {
    fn interval(&self) -> Duration {
        Duration::from_secs(60)
    }

    async fn run(&mut self) {
        self.0.worker_pools.close_idle(IDLE);
    }
}

//! Forgetting idle rate-limit buckets.

use std::time::Duration;

use actix_web::web;

use crate::api::ratelimit::RateLimiter;

/// Forgets, every minute, the clients whose quota is full again, so memory stays bounded.
pub struct RateLimitSweep(pub web::Data<RateLimiter>);

impl super::periodic::PeriodicJob for RateLimitSweep {
    fn interval(&self) -> Duration {
        Duration::from_secs(60)
    }

    async fn run(&mut self) {
        self.0.forget_idle();
    }
}

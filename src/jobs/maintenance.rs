//! Removing what has expired.

use std::time::Duration;

use crate::db::{Pool, rate_limits};
use crate::domain::{idempotency, outbox, registration};

/// Removes idempotency records after 24 h, registrations whose confirmation link ran out,
/// delivered or failed outbox messages after 30 days, and the shared rate-limit counters of
/// clients whose quota is full again. Each replica may run it; the
/// deletes do not conflict.
pub struct Maintenance {
    pub pool: Pool,
    pub every: Duration,
}

impl super::periodic::PeriodicJob for Maintenance {
    fn interval(&self) -> Duration {
        self.every
    }

    async fn run(&mut self) {
        let Some(mut conn) = super::periodic::connection(&self.pool, "maintenance").await else {
            return;
        };
        match idempotency::purge_expired(&mut conn).await {
            Ok(0) => {}
            Ok(n) => log::info!("purged {n} expired idempotency records"),
            Err(e) => log::warn!("purging idempotency records: {e}"),
        }
        match registration::delete_unconfirmed(&mut conn).await {
            Ok(0) => {}
            Ok(n) => log::info!("deleted {n} registrations whose confirmation link expired"),
            Err(e) => log::warn!("deleting unconfirmed registrations: {e}"),
        }
        match outbox::purge_settled(&mut conn, outbox::KEPT_FOR).await {
            Ok(0) => {}
            Ok(n) => log::info!("deleted {n} delivered or failed outbox messages"),
            Err(e) => log::warn!("purging the outbox: {e}"),
        }
        if let Err(e) = rate_limits::forget_refilled(&mut conn).await {
            log::warn!("forgetting refilled rate-limit counters: {e}");
        }
    }
}

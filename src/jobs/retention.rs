//! Ending the retention of personal data.

use std::time::Duration;

use crate::db::Pool;
use crate::domain::retention;

/// Anonymises personal data whose retention period ended (one replica at a time: the
/// domain takes an advisory lock).
pub struct Retention {
    pub pool: Pool,
    pub every: Duration,
}

impl super::periodic::PeriodicJob for Retention {
    fn interval(&self) -> Duration {
        self.every
    }

    async fn run(&mut self) {
        let Some(mut conn) = super::periodic::connection(&self.pool, "retention").await else {
            return;
        };
        match retention::purge(&mut conn, chrono::Utc::now()).await {
            Ok(Some(purged)) if purged != Default::default() => log::info!(
                "retention: anonymised {} registrations and {} submission authors, deleted {} access-log entries",
                purged.registrations,
                purged.submission_authors,
                purged.access_log_entries
            ),
            Ok(_) => {}
            Err(e) => log::warn!("retention: {e}"),
        }
    }
}

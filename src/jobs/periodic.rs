//! The one trait of periodic work, and its timer.

use std::future::Future;
use std::time::Duration;

/// Work that runs on a timer, on every replica. A run logs its own failures: the next tick
/// tries again.
pub trait PeriodicJob: Send + 'static {
    /// Time between the starts of two runs.
    fn interval(&self) -> Duration;

    /// Time before the first run; at once unless the job says otherwise.
    fn first_run_after(&self) -> Duration {
        Duration::ZERO
    }

    fn run(&mut self) -> impl Future<Output = ()> + Send;
}

/// Runs `job` on its timer for as long as the runtime lives.
pub fn spawn(mut job: impl PeriodicJob) {
    tokio::spawn(async move {
        let first = tokio::time::Instant::now() + job.first_run_after();
        let mut ticks = tokio::time::interval_at(first, job.interval());
        loop {
            ticks.tick().await;
            job.run().await;
        }
    });
}

/// A connection for one run of a job, or `None` with a warning naming the job (the next
/// tick tries again).
pub(super) async fn connection(pool: &crate::db::Pool, job: &str) -> Option<crate::db::Conn> {
    match pool.get().await {
        Ok(conn) => Some(conn),
        Err(e) => {
            log::warn!("{job}: {e}");
            None
        }
    }
}

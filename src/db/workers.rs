//! One connection pool per HTTP worker. A connection is driven by a task on the runtime that
//! opened it, and each actix worker is a runtime of its own thread: with one pool shared by
//! all workers, most statements would hop to another thread and back (two more wake-ups
//! each). Background jobs keep a small pool of their own on the main runtime.

use std::cell::OnceCell;
use std::sync::Mutex;

use super::{Pool, pool};
use crate::config::Config;

thread_local! {
    static WORKER_POOL: OnceCell<Pool> = const { OnceCell::new() };
}

/// The pools of every HTTP worker of this process, for the metrics.
pub struct WorkerPools {
    config: Config,
    /// Connections of each worker: its share of `DB_POOL_SIZE`.
    share: usize,
    opened: Mutex<Vec<Pool>>,
}

impl WorkerPools {
    pub fn new(config: &Config) -> Self {
        Self {
            config: config.clone(),
            share: config.db_pool_size.div_ceil(config.http_workers).max(1),
            opened: Mutex::new(Vec::new()),
        }
    }

    /// Gives the worker on this thread its pool; call once on each worker thread.
    pub fn open_for_this_worker(&self) {
        match pool(&self.config, self.share) {
            Ok(pool) => {
                WORKER_POOL.with(|cell| {
                    let _ = cell.set(pool.clone());
                });
                if let Ok(mut opened) = self.opened.lock() {
                    opened.push(pool);
                }
            }
            Err(e) => log::warn!("worker pool: {e}; this worker uses the shared pool"),
        }
    }

    /// The pool of the worker on this thread; `None` outside the HTTP workers.
    pub fn of_this_worker() -> Option<Pool> {
        WORKER_POOL.with(|cell| cell.get().cloned())
    }

    /// The workers' pools together.
    pub fn status(&self) -> deadpool::Status {
        let opened = self.opened.lock().map(|o| o.clone()).unwrap_or_default();
        opened.iter().map(Pool::status).fold(
            deadpool::Status {
                max_size: 0,
                size: 0,
                available: 0,
                waiting: 0,
            },
            |sum, s| deadpool::Status {
                max_size: sum.max_size + s.max_size,
                size: sum.size + s.size,
                available: sum.available + s.available,
                waiting: sum.waiting + s.waiting,
            },
        )
    }
}

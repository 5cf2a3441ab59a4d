//! One connection pool per HTTP worker. A connection is driven by a task on the runtime that
//! opened it, and each actix worker is a runtime of its own thread: with one pool shared by
//! all workers, most statements would hop to another thread and back (two more wake-ups
//! each). Background jobs keep a small pool of their own on the main runtime.
//!
//! Staff of an authority get connections of their authority (see [`super::scoped_pool`]):
//! each worker opens a pool per authority whose staff it serves, of the same size, and
//! closes the connections that have been idle for a while.
//!
//! With `DATABASE_READ_URL`, each worker opens pools to the replica as well, per scope, on
//! first use: the heavy reads (report, exports, Abwägungstabelle) take their connections
//! there ([`WorkerPools::for_reading`]).

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use uuid::Uuid;

use super::{Pool, pool, scoped_pool};
use crate::base::Scope;
use crate::config::Config;

thread_local! {
    static WORKER_POOL: OnceCell<Pool> = const { OnceCell::new() };
    static AUTHORITY_POOLS: RefCell<HashMap<Uuid, Pool>> = RefCell::new(HashMap::new());
    static REPLICA_POOLS: RefCell<HashMap<Scope, Pool>> = RefCell::new(HashMap::new());
}

/// The pools of every HTTP worker of this process, for the metrics.
pub struct WorkerPools {
    config: Config,
    opened: Mutex<Vec<Pool>>,
    /// The authorities' and the replica's pools of every worker, to close their idle
    /// connections.
    of_authorities: Mutex<Vec<Pool>>,
}

impl WorkerPools {
    pub fn new(config: &Config) -> Self {
        Self {
            config: config.clone(),
            opened: Mutex::new(Vec::new()),
            of_authorities: Mutex::new(Vec::new()),
        }
    }

    /// The connections of the `n`-th worker's pool: `DB_POOL_SIZE` split among the workers
    /// (the first ones get one more of a remainder), at least one each.
    fn share(&self, n: usize) -> usize {
        let workers = self.config.http_workers.max(1);
        let size = self.config.db_pool_size;
        (size / workers + usize::from(n % workers < size % workers)).max(1)
    }

    /// Gives the worker on this thread its pool, unless it has one (actix builds a worker's
    /// services again after a failure).
    pub fn open_for_this_worker(&self) {
        if WORKER_POOL.with(|cell| cell.get().is_some()) {
            return;
        }
        let Ok(mut opened) = self.opened.lock() else {
            return;
        };
        match pool(&self.config, self.share(opened.len())) {
            Ok(pool) => {
                WORKER_POOL.with(|cell| {
                    let _ = cell.set(pool.clone());
                });
                opened.push(pool);
            }
            Err(e) => log::warn!("worker pool: {e}; this worker uses the shared pool"),
        }
    }

    /// The pool of the worker on this thread; `None` outside the HTTP workers.
    pub fn of_this_worker() -> Option<Pool> {
        WORKER_POOL.with(|cell| cell.get().cloned())
    }

    /// The pool of the worker on this thread for callers of `scope`; `None` outside the
    /// HTTP workers (and for `Scope::Every` without a worker pool).
    pub fn for_scope(&self, scope: Scope) -> anyhow::Result<Option<Pool>> {
        let authority = match scope {
            Scope::Every => return Ok(Self::of_this_worker()),
            Scope::Authority(id) => id,
        };
        let Some(worker_pool) = Self::of_this_worker() else {
            return Ok(None);
        };
        if let Some(pool) = AUTHORITY_POOLS.with(|pools| pools.borrow().get(&authority).cloned()) {
            return Ok(Some(pool));
        }
        let size = worker_pool.status().max_size;
        let pool = scoped_pool(&self.config, &self.config.database_url, size, scope)?;
        AUTHORITY_POOLS.with(|pools| pools.borrow_mut().insert(authority, pool.clone()));
        self.keep_for_closing(&pool);
        Ok(Some(pool))
    }

    /// The pool of the worker on this thread for heavy reads of callers of `scope`: the
    /// replica's when `DATABASE_READ_URL` is set, else the same as [`Self::for_scope`].
    pub fn for_reading(&self, scope: Scope) -> anyhow::Result<Option<Pool>> {
        let Some(url) = &self.config.database_read_url else {
            return self.for_scope(scope);
        };
        let Some(worker_pool) = Self::of_this_worker() else {
            return Ok(None);
        };
        if let Some(pool) = REPLICA_POOLS.with(|pools| pools.borrow().get(&scope).cloned()) {
            return Ok(Some(pool));
        }
        let pool = scoped_pool(&self.config, url, worker_pool.status().max_size, scope)?;
        REPLICA_POOLS.with(|pools| pools.borrow_mut().insert(scope, pool.clone()));
        self.keep_for_closing(&pool);
        Ok(Some(pool))
    }

    /// Whether heavy reads go to a replica (`DATABASE_READ_URL`).
    pub fn reads_replica(&self) -> bool {
        self.config.database_read_url.is_some()
    }

    fn keep_for_closing(&self, pool: &Pool) {
        if let Ok(mut all) = self.of_authorities.lock() {
            all.push(pool.clone());
        }
    }

    /// Closes the connections of the authorities' pools that were not used for `idle`: an
    /// authority's staff come and go, and each pool would otherwise keep its connections.
    pub fn close_idle(&self, idle: Duration) {
        let pools = self
            .of_authorities
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        for pool in pools {
            pool.retain(|_, metrics| metrics.last_used() < idle);
        }
    }

    /// The workers' pools together.
    pub fn status(&self) -> deadpool::Status {
        let mut opened = self.opened.lock().map(|o| o.clone()).unwrap_or_default();
        opened.extend(
            self.of_authorities
                .lock()
                .map(|o| o.clone())
                .unwrap_or_default(),
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pools(size: &str, workers: &str) -> WorkerPools {
        let vars = [
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("DB_POOL_SIZE", size),
            ("HTTP_WORKERS", workers),
        ];
        let var = |name: &str| {
            let found = vars.iter().find(|(k, _)| *k == name);
            found.map(|(_, v)| v.to_string())
        };
        let config = Config::from_lookup(var, crate::config::MissingSecret::Refuse).unwrap();
        WorkerPools::new(&config)
    }

    #[test]
    fn the_workers_shares_add_up_to_the_pool_size() {
        let shares = |p: &WorkerPools, n| (0..n).map(|i| p.share(i)).collect::<Vec<_>>();
        assert_eq!(shares(&pools("10", "4"), 4), [3, 3, 2, 2]);
        assert_eq!(shares(&pools("10", "2"), 2), [5, 5]);
        assert_eq!(shares(&pools("10", "1"), 1), [10]);
    }

    #[test]
    fn every_worker_has_a_connection_however_small_the_pool() {
        let p = pools("2", "4");
        assert_eq!((0..4).map(|i| p.share(i)).collect::<Vec<_>>(), [1, 1, 1, 1]);
    }
}

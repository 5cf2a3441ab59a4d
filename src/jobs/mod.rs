//! Periodic work of every replica, each job behind [`PeriodicJob`]: how often it runs and
//! what one run does. Long-running workers (mail, webhooks) live in `crate::delivery`.

mod authority_pools;
mod maintenance;
mod memory;
mod periodic;
mod provider_keys;
mod rate_limits;
mod retention;
mod revocations;

pub use authority_pools::AuthorityPoolTrim;
pub use maintenance::Maintenance;
pub use memory::MemoryTrim;
pub use periodic::{PeriodicJob, spawn};
pub use provider_keys::ProviderKeys;
pub use rate_limits::RateLimitSweep;
pub use retention::Retention;
pub use revocations::RevocationRefresh;

//! Handing freed memory back.

use std::time::Duration;

/// Gives memory that glibc keeps after it was freed back to the system: a second after the
/// start (building the OpenAPI document and the workers' routes left 6 MiB of the idle 13
/// MiB of heap free but held), then every minute (after an export's or an import's peak).
pub struct MemoryTrim;

impl super::periodic::PeriodicJob for MemoryTrim {
    fn interval(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn first_run_after(&self) -> Duration {
        Duration::from_secs(1)
    }

    async fn run(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only hands free pages of the allocator back to the system.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

//! Waiting at start-up for a database that is not there yet (a container starting beside
//! it, a failover under way): retried with backoff, each attempt logged with host and port.

use std::time::{Duration, Instant};

use tokio_postgres::config::Host;

use super::tls::{Database, reason};
use tokio_postgres::error::SqlState;

/// The first wait after a failed attempt; it doubles up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(500);
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// Returns once a server of `database_url` answers (whatever it answers: a missing database
/// or a wrong password is for the caller to report), or fails after `give_up_after`.
pub async fn wait_until_reachable(
    database_url: &str,
    give_up_after: Duration,
) -> anyhow::Result<()> {
    let Database { mut config, tls } = Database::new(database_url)?;
    let servers = servers(&config);
    let deadline = Instant::now() + give_up_after;
    let mut wait = FIRST_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        config.connect_timeout(left.clamp(Duration::from_millis(100), LONGEST_WAIT));
        let failure = match config.connect(tls.clone()).await {
            Ok(_) => return Ok(()),
            Err(e) if is_unreachable(&e) => reason(&e),
            Err(_) => return Ok(()),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            anyhow::bail!(
                "database at {servers} not reachable within {} (DB_CONNECT_TIMEOUT): {failure}",
                humantime::format_duration(give_up_after)
            );
        }
        let pause = wait.min(left);
        log::warn!(
            "database at {servers} not reachable ({failure}); retrying in {:.1} s",
            pause.as_secs_f64()
        );
        tokio::time::sleep(pause).await;
        wait = (wait * 2).min(LONGEST_WAIT);
    }
}

/// Whether the server could not be reached or is still starting, rather than answering. A
/// refused certificate (a TLS error inside the I/O error) is an answer.
fn is_unreachable(error: &tokio_postgres::Error) -> bool {
    match error.as_db_error() {
        Some(answer) => *answer.code() == SqlState::CANNOT_CONNECT_NOW,
        None => std::error::Error::source(error)
            .and_then(|cause| cause.downcast_ref::<std::io::Error>())
            .is_some_and(|io| {
                !io.get_ref()
                    .is_some_and(|inner| inner.is::<rustls::Error>())
            }),
    }
}

/// `host:port` of every server the URL names (never its user or password).
fn servers(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_host_is_named_with_its_port_and_no_password() {
        let config =
            "postgres://app:geheim@db-a:5433,db-b/beteiligung?target_session_attrs=read-write"
                .parse()
                .unwrap();
        assert_eq!(super::servers(&config), "db-a:5433, db-b:5432");
    }
}

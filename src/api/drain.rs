//! Stopping without failing a request: on SIGTERM (or SIGINT) the process first drains —
//! `/readyz` answers 503 `draining` and every answer closes its connection, while requests are
//! still served — for `DRAIN_DELAY`, so that load balancers take it out; then it closes its
//! listener, finishes the requests it holds (at most the server's shutdown timeout) and exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;

/// Whether the process is on its way out; shared by the workers (readiness, headers).
#[derive(Clone, Default)]
pub struct Drain(Arc<AtomicBool>);

impl Drain {
    /// From now on the process reports itself not ready.
    pub fn begin(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Drains for `delay`, then stops the server gracefully (the listener closes, requests in
    /// flight are finished).
    pub async fn stop(&self, server: &ServerHandle, delay: Duration) {
        self.begin();
        log::info!(
            "draining: readiness is 503, the listener closes in {}",
            humantime::format_duration(delay)
        );
        tokio::time::sleep(delay).await;
        log::info!("closing the listener, finishing the requests in flight");
        server.stop(true).await;
    }
}

/// Waits for SIGTERM or SIGINT, then drains and stops the server; a second signal stops it at
/// once. (The server's own signal handling is off: it would close the listener at once.)
pub async fn stop_on_signal(drain: Drain, server: ServerHandle, delay: Duration) {
    if let Err(e) = termination().await {
        log::error!("cannot listen for signals: {e}");
        return;
    }
    tokio::select! {
        () = drain.stop(&server, delay) => {}
        _ = termination() => {
            log::warn!("second signal: stopping without waiting for requests in flight");
            server.stop(false).await;
        }
    }
}

/// The next SIGTERM or SIGINT.
async fn termination() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = terminate.recv() => log::info!("SIGTERM received"),
        _ = interrupt.recv() => log::info!("SIGINT received"),
    }
    Ok(())
}

/// While draining, every answer closes its connection: a balancer's kept-alive connections
/// end with a complete answer, not with the listener, and its next request opens a new
/// connection to a replica that still listens.
pub async fn close_connections(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let draining = req
        .app_data::<web::Data<Drain>>()
        .is_some_and(|drain| drain.is_draining());
    let mut response = next.call(req).await?;
    if draining {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

//! The webhook worker: claims due deliveries from the outbox and POSTs each to its
//! subscription's URL with the Standard Webhooks headers, every delivery in a task of its
//! own (at most [`CONCURRENT`] at once per replica, and at most [`PER_SUBSCRIPTION`] of one
//! subscription at once across all replicas), so a slow or dead receiver, even with a
//! backlog of thousands, delays nobody else.
//!
//! 2xx is success; redirects are not followed; 410 disables the subscription; 429 and 503
//! are retried after their `Retry-After`; anything else after 5 s, 5 min, 30 min, 2 h, 5 h,
//! 10 h and then every 10 h, until three days have passed: then the subscription is
//! disabled, saying why.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use opentelemetry::trace::FutureExt;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use tokio::sync::{Notify, Semaphore};

use super::DeliveryMetrics;
use crate::db::Pool;
use crate::domain::outbox::{self, Channel, Claimed};
use crate::domain::webhook::{self, SubscriptionStatus, signature, target::TargetRules};
use crate::telemetry::{Telemetry, context};

/// Deliveries in flight per replica.
const CONCURRENT: usize = 32;
/// Deliveries of one subscription in flight at once, across all replicas: a dead receiver
/// holds at most these slots, never all of them.
const PER_SUBSCRIPTION: i64 = 4;
/// The receiver's time to answer.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claimed delivery is reserved: beyond the timeout, so that no other replica
/// takes it while this one waits for the receiver.
const LEASE: Duration = Duration::from_secs(60);
/// Waits after the 1st, 2nd, … failed attempt; the last repeats.
const SCHEDULE: [Duration; 6] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
];
/// How long a delivery is retried before its subscription is disabled.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3 * 24 * 3600);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10 * 3600);

pub struct WebhookWorker {
    pool: Pool,
    client: reqwest::Client,
    rules: TargetRules,
    poll_interval: Duration,
    metrics: DeliveryMetrics,
    slots: Arc<Semaphore>,
    /// Woken when a delivery ends: its subscription may have more waiting, which the
    /// claims before could not take.
    finished: Notify,
    telemetry: Telemetry,
}

/// What came of one attempt.
enum Outcome {
    Delivered,
    /// The receiver wants no more (410).
    Gone,
    Failed {
        reason: String,
        retry_after: Option<Duration>,
    },
}

impl WebhookWorker {
    pub fn new(
        pool: Pool,
        rules: TargetRules,
        poll_interval: Duration,
        metrics: DeliveryMetrics,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            client: client(None)?,
            rules,
            poll_interval,
            metrics,
            slots: Arc::new(Semaphore::new(CONCURRENT)),
            finished: Notify::new(),
            telemetry: Telemetry::default(),
        })
    }

    /// Each delivery a span continuing the trace that wrote its message, which the request
    /// hands on in its `traceparent` header.
    pub fn traced(self, telemetry: Telemetry) -> Self {
        Self { telemetry, ..self }
    }

    pub async fn run(self) {
        let worker = Arc::new(self);
        let mut ticks = tokio::time::interval(worker.poll_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = worker.finished.notified() => {}
            }
            if let Err(e) = worker.clone().dispatch_due().await {
                log::warn!("webhook outbox: {e}");
            }
        }
    }

    /// Claims as many due deliveries as there are free slots (at most [`PER_SUBSCRIPTION`]
    /// in flight per subscription) and starts each in its own task.
    async fn dispatch_due(self: Arc<Self>) -> anyhow::Result<()> {
        loop {
            let free = self.slots.available_permits();
            if free == 0 {
                return Ok(());
            }
            let claimed = {
                let mut conn = self.pool.get().await?;
                outbox::claim(
                    &mut conn,
                    Channel::Webhook,
                    free as i64,
                    Some(PER_SUBSCRIPTION),
                    LEASE,
                )
                .await?
            };
            if claimed.is_empty() {
                return Ok(());
            }
            let claimed_at = Instant::now();
            for message in claimed {
                let slot = self.slots.clone().acquire_owned().await?;
                let worker = self.clone();
                let traced = worker.telemetry.delivery(
                    Channel::Webhook.as_str(),
                    message.id,
                    &message.topic,
                    message.traceparent.as_deref(),
                );
                tokio::spawn(async move {
                    let delivered = worker
                        .deliver(&message, claimed_at)
                        .with_context(traced.clone())
                        .await;
                    if let Err(e) = &delivered {
                        log::warn!("webhook {}: {e}", message.id);
                    }
                    let failure = delivered.err().map(|e| e.to_string());
                    context::finish(&traced, failure.as_deref());
                    drop(slot);
                    worker.finished.notify_one();
                });
            }
        }
    }

    async fn deliver(&self, message: &Claimed, claimed_at: Instant) -> anyhow::Result<()> {
        let subscription = match message.recipient.parse() {
            Ok(id) => webhook::subscription(&mut *self.pool.get().await?, id).await?,
            Err(_) => None,
        };
        let Some(subscription) = subscription else {
            return self.give_up(message, "the subscription was deleted").await;
        };
        if subscription.status == SubscriptionStatus::Disabled {
            return self.give_up(message, "the subscription is disabled").await;
        }
        // Too late to finish within the lease (a slow database): leave it to the next claim
        // rather than risk a second replica delivering it meanwhile.
        if claimed_at.elapsed() + TIMEOUT + Duration::from_secs(15) > LEASE {
            anyhow::bail!("claimed too long ago to deliver within the lease");
        }
        let started = Instant::now();
        let (outcome, status) = self.attempt(message, &subscription).await;
        let elapsed = started.elapsed();
        let mut conn = self.pool.get().await?;
        let error = match &outcome {
            Outcome::Delivered => None,
            Outcome::Gone => Some("410 Gone".to_string()),
            Outcome::Failed { reason, .. } => Some(reason.clone()),
        };
        context::record_answer(status, error.as_deref());
        webhook::record_attempt(&mut conn, message.id, status, elapsed, error.as_deref()).await?;
        let channel = [Channel::Webhook.as_str()];
        match outcome {
            Outcome::Delivered => {
                outbox::mark_sent(&mut conn, message).await?;
                self.metrics.sent.with_label_values(&channel).inc();
            }
            Outcome::Gone => {
                webhook::disable(&mut conn, subscription.id, "the receiver answered 410 Gone")
                    .await?;
                outbox::mark_attempt_failed(&mut conn, message, "410 Gone", None).await?;
                self.metrics.failed.with_label_values(&channel).inc();
            }
            Outcome::Failed {
                reason,
                retry_after,
            } => {
                let next = retry_after.unwrap_or_else(|| scheduled_wait(message.attempts));
                let age = (Utc::now() - message.created_at)
                    .to_std()
                    .unwrap_or_default();
                if age + next > GIVE_UP_AFTER {
                    webhook::disable(
                        &mut conn,
                        subscription.id,
                        &format!("deliveries failed for 3 days; the last: {reason}"),
                    )
                    .await?;
                    outbox::mark_attempt_failed(&mut conn, message, &reason, None).await?;
                    self.metrics.failed.with_label_values(&channel).inc();
                } else {
                    let at = Utc::now() + next;
                    outbox::mark_attempt_failed(&mut conn, message, &reason, Some(at)).await?;
                    self.metrics.retried.with_label_values(&channel).inc();
                }
            }
        }
        Ok(())
    }

    async fn give_up(&self, message: &Claimed, reason: &str) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        outbox::mark_attempt_failed(&mut conn, message, reason, None).await?;
        self.metrics
            .failed
            .with_label_values(&[Channel::Webhook.as_str()])
            .inc();
        Ok(())
    }

    /// One POST, after checking again where the URL resolves now.
    async fn attempt(
        &self,
        message: &Claimed,
        subscription: &webhook::SubscriptionRow,
    ) -> (Outcome, Option<u16>) {
        let failed = |reason: String| Outcome::Failed {
            reason,
            retry_after: None,
        };
        let url = match self.rules.parse(&subscription.url) {
            Ok(url) => url,
            Err(e) => return (failed(format!("url {e}")), None),
        };
        let addresses = match self.rules.resolve(&url).await {
            Ok(addresses) => addresses,
            Err(e) => return (failed(format!("url {e}")), None),
        };
        let body = match &message.payload {
            Some(payload) => payload.to_string(),
            None => return (failed("no payload".into()), None),
        };
        let headers = match self.headers(message, subscription, &body) {
            Some(headers) => headers,
            None => return (failed("the subscription's secret cannot sign".into()), None),
        };
        // Connect to the addresses just checked, not to whatever a second lookup returns.
        let pinned = match url.domain() {
            Some(host) => match client(Some((host, &addresses))) {
                Ok(client) => Some(client),
                Err(e) => return (failed(format!("{e}")), None),
            },
            None => None,
        };
        let response = pinned
            .as_ref()
            .unwrap_or(&self.client)
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await;
        match response {
            Ok(response) => {
                let status = response.status();
                let code = Some(status.as_u16());
                let outcome = if status.is_success() {
                    Outcome::Delivered
                } else if status == reqwest::StatusCode::GONE {
                    Outcome::Gone
                } else {
                    let honoured = matches!(status.as_u16(), 429 | 503);
                    Outcome::Failed {
                        reason: format!("the receiver answered {status}"),
                        retry_after: honoured.then(|| retry_after(response.headers())).flatten(),
                    }
                };
                (outcome, code)
            }
            Err(e) if e.is_timeout() => (
                failed(format!("no answer within {} s", TIMEOUT.as_secs())),
                None,
            ),
            // Without the URL: it may carry the receiver's secret, and the reason reaches
            // the delivery log and the trace.
            Err(e) => (failed(format!("{}", e.without_url())), None),
        }
    }

    fn headers(
        &self,
        message: &Claimed,
        subscription: &webhook::SubscriptionRow,
        body: &str,
    ) -> Option<HeaderMap> {
        let id = format!("msg_{}", message.id.simple());
        let now = Utc::now();
        let timestamp = now.timestamp();
        let signatures = subscription
            .signing_secrets(now)
            .into_iter()
            .map(|secret| signature::sign(secret, &id, timestamp, body.as_bytes()))
            .collect::<Option<Vec<_>>>()?
            .join(" ");
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("webhook-id", HeaderValue::from_str(&id).ok()?);
        headers.insert("webhook-timestamp", HeaderValue::from(timestamp));
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&signatures).ok()?,
        );
        // W3C Trace Context: the receiver's work joins the trace of the change it hears of.
        if let Some(traceparent) = context::current_traceparent()
            && let Ok(value) = HeaderValue::from_str(&traceparent)
        {
            headers.insert("traceparent", value);
        }
        Some(headers)
    }
}

/// The HTTP client for deliveries: no redirects, the timeout, and, given a host with the
/// addresses just checked, connecting there only (no DNS rebinding between the check and
/// the connection).
fn client(pinned: Option<(&str, &[SocketAddr])>) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("Beteiligung-Webhooks/", env!("CARGO_PKG_VERSION")))
        // A proxy would resolve the host itself, past the address check.
        .no_proxy();
    if let Some((host, addresses)) = pinned {
        builder = builder.resolve_to_addrs(host, addresses);
    }
    builder.build()
}

/// The wait after the `attempts`-th failed attempt.
fn scheduled_wait(attempts: i32) -> Duration {
    let index = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
    SCHEDULE[index.min(SCHEDULE.len() - 1)]
}

/// `Retry-After` in seconds or as an HTTP date, from the schedule's first wait (so that a
/// receiver cannot make us hammer it) to 10 hours.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    let wait = match value.trim().parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or_default()
        }
    };
    Some(wait.clamp(SCHEDULE[0], MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_runs_for_three_days() {
        let waits: Vec<u64> = (1..=8).map(|n| scheduled_wait(n).as_secs()).collect();
        assert_eq!(waits, [5, 300, 1800, 7200, 18000, 36000, 36000, 36000]);
        // The attempts after the first span at least three days before giving up.
        let mut attempts = 1;
        let mut elapsed = Duration::ZERO;
        while elapsed + scheduled_wait(attempts) <= GIVE_UP_AFTER {
            elapsed += scheduled_wait(attempts);
            attempts += 1;
        }
        assert_eq!(attempts, 12);
        assert!(elapsed > Duration::from_secs(2 * 24 * 3600));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_is_capped() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(SCHEDULE[0]));
    }
}

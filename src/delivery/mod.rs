//! Delivery of what the outbox holds: a worker per channel in every replica, each claiming
//! due messages, delivering them outside any transaction, and marking the outcome.

pub mod mail;
pub mod webhook;

use prometheus::{IntCounterVec, Opts, Registry};

use crate::domain::outbox::Channel;

/// Counters of delivery outcomes per channel, served at `/metrics` beside the backlog.
#[derive(Clone)]
pub struct DeliveryMetrics {
    /// Messages delivered.
    pub sent: IntCounterVec,
    /// Attempts that failed and will be retried.
    pub retried: IntCounterVec,
    /// Messages given up on.
    pub failed: IntCounterVec,
}

impl DeliveryMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let counter = |name: &str, help: &str| -> prometheus::Result<IntCounterVec> {
            let counter = IntCounterVec::new(Opts::new(name, help), &["channel"])?;
            registry.register(Box::new(counter.clone()))?;
            // Each channel's series from the start, at 0.
            for channel in Channel::ALL {
                counter.with_label_values(&[channel.as_str()]);
            }
            Ok(counter)
        };
        Ok(Self {
            sent: counter("beteiligung_outbox_sent_total", "Outbox messages delivered")?,
            retried: counter(
                "beteiligung_outbox_retries_total",
                "Failed delivery attempts that will be retried",
            )?,
            failed: counter(
                "beteiligung_outbox_failed_total",
                "Outbox messages given up on (marked failed)",
            )?,
        })
    }
}

//! The mail worker: claims due mails from the outbox, writes each notice as a letter in the
//! registrant's language, from the authority running the consultation, and sends it over SMTP (lettre: plain, STARTTLS or implicit TLS, as `SMTP_URL` says).
//!
//! A mail the SMTP server refuses permanently (5xx), or one that cannot be written at all,
//! is marked `failed` at once; any other failure is retried with exponential backoff and
//! jitter until `MAIL_MAX_ATTEMPTS`.

use std::time::Duration;

use chrono::Utc;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use opentelemetry::trace::FutureExt;
use secrecy::ExposeSecret;

use uuid::Uuid;

use super::DeliveryMetrics;
use crate::config::MailConfig;
use crate::db::Pool;
use crate::domain::authority;
use crate::domain::notification::Notice;
use crate::domain::notification::invitation::Organizer;
use crate::domain::notification::letter::{self, Letter, Letterhead, Links};
use crate::domain::outbox::{self, Channel, Claimed};
use crate::telemetry::{Telemetry, context};

/// Mails claimed at a time: one, so that a slow server cannot hold a batch past its lease.
const BATCH: i64 = 1;
/// How long a claimed mail is reserved for this worker: far beyond what one delivery may
/// take (lettre's 30 s per SMTP step), so that no other replica sends it meanwhile.
const LEASE: Duration = Duration::from_secs(600);
/// The longest wait between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Demo mode without SMTP: the mail is written to the log.
    Log,
}

pub struct MailWorker {
    pool: Pool,
    transport: Transport,
    from: Mailbox,
    letterhead: Letterhead,
    poll_interval: Duration,
    retry_delay: Duration,
    max_attempts: u32,
    metrics: DeliveryMetrics,
    telemetry: Telemetry,
}

/// Why a delivery did not succeed, and whether trying again could help.
struct Failure {
    reason: String,
    permanent: bool,
}

impl Failure {
    fn permanent(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            permanent: true,
        }
    }
}

impl MailWorker {
    /// The worker for this configuration, or `None` when mails are to stay in the outbox
    /// (no `SMTP_URL`, not in demo mode).
    pub fn new(
        pool: Pool,
        config: &MailConfig,
        metrics: DeliveryMetrics,
    ) -> anyhow::Result<Option<Self>> {
        let transport = match (&config.smtp_url, config.log_without_smtp) {
            (Some(url), _) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            (None, true) => Transport::Log,
            (None, false) => return Ok(None),
        };
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        Ok(Some(Self {
            pool,
            transport,
            from,
            letterhead: Letterhead {
                links: Links {
                    confirm: config.links.confirm.clone(),
                    cancel: config.links.cancel.clone(),
                },
                signature: config.signature.clone(),
            },
            poll_interval: config.poll_interval,
            retry_delay: config.retry_delay,
            max_attempts: config.max_attempts,
            metrics,
            telemetry: Telemetry::default(),
        }))
    }

    /// Each delivery a span continuing the trace that wrote its message, which the mail
    /// hands on in its `Traceparent` header.
    pub fn traced(self, telemetry: Telemetry) -> Self {
        Self { telemetry, ..self }
    }

    /// Runs until the process ends: every poll interval, delivers everything due.
    pub async fn run(self) {
        let mut ticks = tokio::time::interval(self.poll_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = self.deliver_due().await {
                log::warn!("mail outbox: {e}");
            }
        }
    }

    async fn deliver_due(&self) -> anyhow::Result<()> {
        loop {
            let claimed = {
                let mut conn = self.pool.get().await?;
                outbox::claim(&mut conn, Channel::Mail, BATCH, None, LEASE).await?
            };
            if claimed.is_empty() {
                return Ok(());
            }
            for message in claimed {
                let traced = self.telemetry.delivery(
                    Channel::Mail.as_str(),
                    message.id,
                    &message.topic,
                    message.traceparent.as_deref(),
                );
                let outcome = self.deliver(&message).with_context(traced.clone()).await;
                // The span says only what kind of failure: the mail server's reply may name
                // the registrant's address, which is not for the collector.
                let failure = outcome.as_ref().err().map(|f| {
                    if f.permanent {
                        "the mail was refused for good"
                    } else {
                        "the mail was not sent; it is retried"
                    }
                });
                self.record(&message, outcome)
                    .with_context(traced.clone())
                    .await?;
                context::finish(&traced, failure);
            }
        }
    }

    async fn deliver(&self, message: &Claimed) -> Result<(), Failure> {
        let notice: Notice = message
            .payload
            .clone()
            .and_then(|payload| serde_json::from_value(payload).ok())
            .ok_or_else(|| Failure::permanent("the outbox row holds no readable notice"))?;
        let organizer = self.organizer(&notice).await?;
        let letter = letter::write(&notice, &self.letterhead, &organizer);
        match &self.transport {
            Transport::Log => {
                log::info!(
                    "mail to {} (not sent: no SMTP_URL): {}\n{}",
                    notice.email,
                    letter.subject,
                    letter.text
                );
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let mail = self.compose(message.id, &notice, &organizer, letter)?;
                smtp.send(mail).await.map(drop).map_err(|e| Failure {
                    reason: e.to_string(),
                    permanent: e.is_permanent(),
                })
            }
        }
    }

    /// Who writes: the authority running the round's consultation, by name, answering at its
    /// contact address; the deployment's `MAIL_FROM` where the authority names none.
    async fn organizer(&self, notice: &Notice) -> Result<Organizer, Failure> {
        let authority = {
            let mut conn = self.pool.get().await.map_err(|e| Failure {
                reason: e.to_string(),
                permanent: false,
            })?;
            authority::of_round(&mut conn, notice.round.id)
                .await
                .map_err(|e| Failure {
                    reason: e.to_string(),
                    permanent: false,
                })?
        };
        Ok(match authority {
            Some(authority) => Organizer {
                email: authority
                    .contact_email
                    .unwrap_or_else(|| self.from.email.to_string()),
                name: Some(authority.name),
            },
            None => Organizer {
                name: self.from.name.clone(),
                email: self.from.email.to_string(),
            },
        })
    }

    /// The mail of outbox message `id`. Its `Message-ID` is the outbox id at the sender's
    /// domain: the same for every attempt, so that a mail delivered twice (an attempt that
    /// timed out after the server took it) is one mail to the recipient's client.
    fn compose(
        &self,
        id: Uuid,
        notice: &Notice,
        organizer: &Organizer,
        letter: Letter,
    ) -> Result<Message, Failure> {
        let address = notice
            .email
            .parse()
            .map_err(|e| Failure::permanent(format!("recipient address: {e}")))?;
        // A display name is one line of text; lettre encodes it, and control characters
        // have no business in it anyway.
        let name: String = notice
            .name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let alternative = MultiPart::alternative_plain_html(letter.text, letter.html);
        let body = match letter.calendar {
            Some(calendar) => {
                let method = if notice.round.cancelled {
                    "CANCEL"
                } else {
                    "PUBLISH"
                };
                let content_type =
                    ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                        .map_err(|e| Failure::permanent(e.to_string()))?;
                MultiPart::mixed()
                    .multipart(alternative)
                    .singlepart(Attachment::new("termin.ics".into()).body(calendar, content_type))
            }
            None => alternative,
        };
        // The authority's name on the deployment's address (which the mail server may send
        // for); replies go to the authority.
        let from = Mailbox::new(
            organizer.name.clone().or_else(|| self.from.name.clone()),
            self.from.email.clone(),
        );
        let mut builder = Message::builder()
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())))
            .from(from);
        if let Ok(reply_to) = organizer.email.parse::<lettre::Address>()
            && reply_to != self.from.email
        {
            builder = builder.reply_to(Mailbox::new(organizer.name.clone(), reply_to));
        }
        if let Some(traceparent) = context::current_traceparent() {
            builder = builder.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Traceparent"),
                traceparent,
            ));
        }
        builder
            .to(Mailbox::new(Some(name.trim().to_string()), address))
            .subject(letter.subject)
            .multipart(body)
            .map_err(|e| Failure::permanent(e.to_string()))
    }

    async fn record(&self, message: &Claimed, outcome: Result<(), Failure>) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        let channel = [Channel::Mail.as_str()];
        match outcome {
            Ok(()) => {
                outbox::mark_sent(&mut conn, message).await?;
                self.metrics.sent.with_label_values(&channel).inc();
            }
            Err(failure) => {
                let exhausted = u32::try_from(message.attempts)
                    .is_ok_and(|attempts| attempts >= self.max_attempts);
                let retry_at = (!failure.permanent && !exhausted).then(|| {
                    Utc::now()
                        + outbox::backoff(message.attempts, self.retry_delay, MAX_RETRY_DELAY)
                });
                log::warn!(
                    "mail {} ({}), attempt {}: {}{}",
                    message.id,
                    message.topic,
                    message.attempts,
                    failure.reason,
                    if retry_at.is_some() { "" } else { "; given up" }
                );
                outbox::mark_attempt_failed(&mut conn, message, &failure.reason, retry_at).await?;
                match retry_at {
                    Some(_) => self.metrics.retried.with_label_values(&channel).inc(),
                    None => self.metrics.failed.with_label_values(&channel).inc(),
                }
            }
        }
        Ok(())
    }
}

//! The transactional outbox: every message that leaves the service (mails now, webhook
//! deliveries next) is a row written in the transaction of the change that causes it, so
//! there is no change without its messages and no message without its change.
//!
//! A worker in every replica claims due rows by pushing their `next_attempt_at` past a
//! lease (`FOR UPDATE SKIP LOCKED`, committed at once), delivers them outside any
//! transaction and then marks them sent, due again after a backoff, or failed. While the
//! workers run, no two of them hold the same row; a crash after delivery but before the mark
//! delivers that message once more when its lease has passed (at least once). A claim
//! records its lease in `claimed_until` until the mark, so that a claim can leave alone
//! the recipients that already have enough messages in flight.

mod queue;
mod wire;

pub use queue::{
    Backlog, Claimed, KEPT_FOR, NewMessage, backlog, backoff, claim, delete_about,
    drop_pending_about, enqueue, erase_mail_to, list, mark_attempt_failed, mark_sent,
    purge_settled,
};
pub use wire::{Channel, OutboxEntry, OutboxStatus};

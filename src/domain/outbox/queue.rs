//! The transactional outbox: messages written in the transaction of a change, claimed by the delivery workers with a lease, retried with backoff, settled and purged.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Interval, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use uuid::Uuid;

use super::wire::{Channel, OutboxEntry, OutboxStatus};
use crate::db::PreparedByText;
use crate::db::schema::outbox;
use crate::domain::page::Keyset;
use crate::telemetry::context::current_traceparent;

/// How long delivered and failed messages stay listed (and webhooks redeliverable).
pub const KEPT_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// A message to write in the current transaction.
pub struct NewMessage {
    pub channel: Channel,
    pub topic: &'static str,
    pub recipient: String,
    pub subject_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

/// Messages written per statement: PostgreSQL binds at most 65,535 parameters.
pub(super) const ENQUEUE_CHUNK: usize = 5000;

/// Up to this many messages of one statement, its prepared statement is kept for reuse.
pub(super) const FEW: usize = 4;

/// Writes messages in the caller's transaction (one statement per 5,000 of them), each with
/// the trace of the work that writes it, if traced.
pub async fn enqueue(mut conn: &AsyncPgConnection, messages: Vec<NewMessage>) -> QueryResult<()> {
    let traceparent = current_traceparent();
    let rows: Vec<_> = messages
        .into_iter()
        .map(|m| {
            (
                outbox::id.eq(Uuid::now_v7()),
                outbox::channel.eq(m.channel),
                outbox::topic.eq(m.topic),
                outbox::recipient.eq(m.recipient),
                outbox::subject_id.eq(m.subject_id),
                outbox::payload.eq(Some(m.payload)),
                outbox::traceparent.eq(traceparent.clone()),
            )
        })
        .collect();
    for chunk in rows.chunks(ENQUEUE_CHUNK) {
        let insert = diesel::insert_into(outbox::table).values(chunk);
        // A change's own messages (one mail, a webhook or two) are few: their statements
        // are reused; an import's thousands are one-off texts.
        if chunk.len() <= FEW {
            insert.by_text().execute(&mut conn).await?;
        } else {
            insert.execute(&mut conn).await?;
        }
    }
    Ok(())
}

/// A message claimed for delivery; `attempts` counts this one.
#[derive(Debug, QueryableByName)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    pub id: Uuid,
    pub topic: String,
    pub recipient: String,
    pub subject_id: Option<Uuid>,
    pub payload: Option<serde_json::Value>,
    pub attempts: i32,
    /// When it was queued (again, for a redelivery): retry windows are measured from here.
    pub created_at: DateTime<Utc>,
    /// The trace of the work that wrote it, which its delivery continues.
    pub traceparent: Option<String>,
}

/// Claims up to `limit` due messages of a channel for `lease`, oldest first, skipping rows
/// another worker is claiming at this moment, and, given `per_recipient`, never so many that
/// more than that many messages to one recipient are in flight at once (counting those
/// claimed earlier, by any replica, whose lease has not run out). Claims of a channel are
/// serialised by a transaction-scoped advisory lock, so that each counts what the claims
/// before it took. Commits at once (no transaction held while delivering).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    channel: Channel,
    limit: i64,
    per_recipient: Option<i64>,
    lease: Duration,
) -> QueryResult<Vec<Claimed>> {
    conn.transaction(async |conn| {
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtextextended('outbox claim ' || $1, 0))",
        )
        .bind::<Text, _>(channel)
        .execute(conn)
        .await?;
        diesel::sql_query(
            "WITH in_flight AS ( \
                 SELECT recipient, count(*) AS n FROM outbox \
                  WHERE channel = $1 AND status = 'pending' AND claimed_until > now() \
                  GROUP BY recipient), \
             due AS ( \
                 SELECT id, next_attempt_at, coalesce(in_flight.n, 0) + row_number() OVER \
                        (PARTITION BY recipient ORDER BY next_attempt_at, id) AS place \
                   FROM outbox LEFT JOIN in_flight USING (recipient) \
                  WHERE channel = $1 AND status = 'pending' AND next_attempt_at <= now()) \
             UPDATE outbox SET next_attempt_at = now() + $3, claimed_until = now() + $3, \
                    attempts = attempts + 1 \
              WHERE id IN (SELECT id FROM outbox \
                            WHERE id IN (SELECT id FROM due WHERE $4 IS NULL OR place <= $4 \
                                          ORDER BY next_attempt_at LIMIT $2) \
                              AND status = 'pending' AND next_attempt_at <= now() \
                            FOR UPDATE SKIP LOCKED) \
             RETURNING id, topic, recipient, subject_id, payload, attempts, created_at, \
                       traceparent",
        )
        .bind::<Text, _>(channel)
        .bind::<BigInt, _>(limit)
        .bind::<Interval, _>(interval(lease))
        .bind::<Nullable<BigInt>, _>(per_recipient)
        .load(conn)
        .await
    })
    .await
}

pub(super) fn interval(duration: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(
        i64::try_from(duration.as_micros()).unwrap_or(i64::MAX),
    )
}

/// Marks a claimed message delivered. A mail drops its body (it may hold personal data and
/// links); a webhook keeps its payload so that it can be delivered again on request.
pub async fn mark_sent(conn: &mut AsyncPgConnection, claimed: &Claimed) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL, claimed_until = NULL, \
                payload = CASE channel WHEN 'mail' THEN NULL ELSE payload END \
          WHERE id = $1 AND status = 'pending' AND attempts = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(claimed.id)
    .bind::<diesel::sql_types::Integer, _>(claimed.attempts)
    .execute(conn)
    .await
    .map(drop)
}

/// Records a failed attempt: due again at `retry_at`, or given up (`failed`) without one.
/// Like [`mark_sent`], it changes the row only for the worker whose claim is the latest (a
/// worker whose lease ran out and whose message was claimed again marks nothing).
pub async fn mark_attempt_failed(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let error: String = error.chars().take(2000).collect();
    diesel::sql_query(
        "UPDATE outbox SET last_error = $2, claimed_until = NULL, \
                next_attempt_at = coalesce($3, next_attempt_at), \
                status = CASE WHEN $3 IS NULL THEN 'failed' ELSE status END, \
                payload = CASE WHEN $3 IS NULL AND channel = 'mail' THEN NULL ELSE payload END \
          WHERE id = $1 AND status = 'pending' AND attempts = $4",
    )
    .bind::<diesel::sql_types::Uuid, _>(claimed.id)
    .bind::<Text, _>(error)
    .bind::<Nullable<diesel::sql_types::Timestamptz>, _>(retry_at)
    .bind::<diesel::sql_types::Integer, _>(claimed.attempts)
    .execute(conn)
    .await
    .map(drop)
}

/// The wait before attempt `attempts + 1`: `base · 2^(attempts − 1)`, at most `max`, with
/// ±20 % jitter so that messages failing together do not retry together.
pub fn backoff(attempts: i32, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 31) - 1).unwrap_or(0);
    let wait = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    wait.mul_f64(rand::rng().random_range(0.8..1.2))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    status: Option<OutboxStatus>,
    channel: Option<Channel>,
    keyset: Keyset,
) -> QueryResult<Vec<OutboxEntry>> {
    let mut query = outbox::table
        .select(OutboxEntry::as_select())
        .order(outbox::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(outbox::id.gt(after));
    }
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status));
    }
    if let Some(channel) = channel {
        query = query.filter(outbox::channel.eq(channel));
    }
    query.load(conn).await
}

/// Waiting messages of a channel and the age of the oldest, for metrics.
#[derive(Debug, QueryableByName)]
pub struct Backlog {
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub oldest_seconds: f64,
}

pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Backlog>> {
    diesel::sql_query(
        "SELECT channel, count(*) AS pending, \
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds \
           FROM outbox WHERE status = 'pending' GROUP BY channel",
    )
    .load(conn)
    .await
}

/// Deletes the messages to or about a person: mails to the address, waiting or not.
pub async fn erase_mail_to(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM outbox WHERE channel = 'mail' AND lower(recipient) = lower($1)")
        .bind::<Text, _>(email)
        .execute(conn)
        .await
}

/// Deletes every message about resources that are gone without a trace, sent or not.
pub async fn delete_about(conn: &mut AsyncPgConnection, subject: &[Uuid]) -> QueryResult<()> {
    diesel::delete(outbox::table.filter(outbox::subject_id.eq_any(subject)))
        .execute(conn)
        .await
        .map(drop)
}

/// Deletes delivered and failed messages older than `age`: the outbox is no archive of
/// whom the service wrote to.
pub async fn purge_settled(conn: &mut AsyncPgConnection, age: Duration) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM outbox WHERE status <> 'pending' AND created_at < now() - $1")
        .bind::<Interval, _>(interval(age))
        .execute(conn)
        .await
}

/// Deletes the waiting messages about a resource that is gone.
pub async fn drop_pending_about(conn: &mut AsyncPgConnection, subject: &[Uuid]) -> QueryResult<()> {
    diesel::delete(
        outbox::table
            .filter(outbox::subject_id.eq_any(subject))
            .filter(outbox::status.eq(OutboxStatus::Pending)),
    )
    .execute(conn)
    .await
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_maximum() {
        let base = Duration::from_secs(30);
        let max = Duration::from_secs(3600);
        for (attempts, expected) in [(1, 30.0), (2, 60.0), (3, 120.0), (8, 3600.0), (40, 3600.0)] {
            let wait = backoff(attempts, base, max).as_secs_f64();
            assert!(
                wait >= expected * 0.8 && wait <= expected * 1.2,
                "attempt {attempts}: {wait}"
            );
        }
    }
}

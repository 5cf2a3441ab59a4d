//! Retention (DSGVO Art. 5(1)(e)): personal data is anonymised once its purpose is over —
//! registrants' names, emails and needs a consultation's `retention_registrations_days`
//! after their round ended, authors' names and emails `retention_authors_days` after the
//! consultation was archived. The rows stay, so every count in reports stays as it was.
//! Each anonymisation is an event; mails kept about those registrations go too; access-log
//! entries go after two years.
//!
//! Runs in one transaction under an advisory lock: replicas that start it at the same time
//! skip it, one does the work.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Bool, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::event::{self, Change, Entity};
use super::{outbox, privacy};
use crate::error::AppResult;

/// Key of the advisory lock that lets one replica at a time purge.
const RETENTION_LOCK: i64 = 0x7265_7465_6e74_696f; // "retentio"

/// How long the access log is kept: long enough to answer for any bulk read of the last
/// two years.
pub const ACCESS_LOG_KEPT_DAYS: i32 = 730;

/// What one run anonymised and deleted.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Purged {
    pub registrations: usize,
    pub submission_authors: usize,
    pub access_log_entries: usize,
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Anonymises what has expired by `now`; `None` when another replica is at it.
pub async fn purge(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<Option<Purged>> {
    conn.transaction(async |conn| {
        let lock = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<diesel::sql_types::BigInt, _>(RETENTION_LOCK)
            .get_result::<Locked>(conn)
            .await?;
        if !lock.locked {
            return Ok(None);
        }
        let mut purged = Purged::default();
        // In batches, so that no statement runs into the statement timeout on a first run
        // over years of data.
        loop {
            let registrations = expired_ids(conn, EXPIRED_REGISTRATIONS, now).await?;
            privacy::anonymise_registrations(conn, &registrations).await?;
            event::record_all(conn, Entity::Registration, &registrations, expired()).await?;
            // Mails about them (sent ones are kept a while for the outbox list) name them.
            outbox::delete_about(conn, &registrations).await?;
            purged.registrations += registrations.len();
            if registrations.len() < BATCH as usize {
                break;
            }
        }
        loop {
            let authors = expired_ids(conn, EXPIRED_AUTHORS, now).await?;
            privacy::anonymise_authors(conn, &authors).await?;
            event::record_all(conn, Entity::Submission, &authors, expired()).await?;
            purged.submission_authors += authors.len();
            if authors.len() < BATCH as usize {
                break;
            }
        }
        let access_log_entries =
            diesel::sql_query("DELETE FROM access_log WHERE at < $1 - make_interval(days => $2)")
                .bind::<Timestamptz, _>(now)
                .bind::<diesel::sql_types::Integer, _>(ACCESS_LOG_KEPT_DAYS)
                .execute(conn)
                .await?;
        purged.access_log_entries = access_log_entries;
        Ok(Some(purged))
    })
    .await
}

/// Rows anonymised per statement.
const BATCH: i64 = 1000;

/// Registrations not yet anonymised whose round ended longer ago than the retention.
const EXPIRED_REGISTRATIONS: &str = "
SELECT r.id FROM registrations r
  JOIN rounds ro ON ro.id = r.round_id
  JOIN consultations c ON c.id = ro.consultation_id
 WHERE r.anonymised_at IS NULL
   AND ro.ends_at + make_interval(days => c.retention_registrations_days) < $1
 LIMIT $2 FOR UPDATE OF r";

/// Submissions with an author of a consultation archived longer ago than the retention.
const EXPIRED_AUTHORS: &str = "
SELECT s.id FROM submissions s
  JOIN consultations c ON c.id = s.consultation_id
 WHERE c.archived_at + make_interval(days => c.retention_authors_days) < $1
   AND (s.author_name IS NOT NULL OR s.author_email IS NOT NULL)
 LIMIT $2 FOR UPDATE OF s";

/// The next batch of rows whose retention ended by `now`.
async fn expired_ids(
    conn: &mut AsyncPgConnection,
    query: &'static str,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Vec<Uuid>> {
    Ok(diesel::sql_query(query)
        .bind::<Timestamptz, _>(now)
        .bind::<diesel::sql_types::BigInt, _>(BATCH)
        .load::<Id>(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

fn expired() -> Change<'static> {
    Change {
        actor: "system",
        action: "personal_data_anonymised",
        reason: Some("retention period ended"),
        ..Default::default()
    }
}

//! `Idempotency-Key` for creating operations, kept in PostgreSQL so that it holds across
//! replicas, and settled in the one transaction that does the work:
//!
//! 1. a transaction-scoped advisory lock on the key marks it in flight: a second request
//!    with the key meanwhile gets 409 `idempotency_key_in_use`, for exactly as long as the
//!    first one's transaction lasts (a crashed request releases it with its connection);
//! 2. a stored outcome of the last 24 hours is replayed (the same request) or refused with
//!    422 `idempotency_key_reused` (another request under the same key);
//! 3. otherwise the work runs and its outcome is stored in the same transaction, so a
//!    created resource and its replayable response are committed together.
//!
//! Every creating operation goes through [`run`]: it names what the request is sent to and
//! how to prepare the work ([`Operation`]), `run` does the rest.
//!
//! Only outcomes the same request would always get are stored: a success, or a refusal of
//! the request itself (400, 413, 422 that do not depend on stored data, see
//! [`AppError::is_deterministic`]). A refusal that
//! depends on time or state (`registration_closed`, `already_registered`, …) is not, so a
//! retry after the window opens succeeds.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::PreparedByText;
use crate::db::schema::idempotency_keys;
use crate::error::{AppError, AppResult, ErrorKind, FieldError};

pub const MAX_KEY_CHARS: usize = 255;

/// A key sent by a caller for one operation, with the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    scope: String,
    key: String,
    body: Vec<u8>,
}

impl IdempotencyKey {
    /// `caller_scope` names the caller (and a partner's organisation), `operation` what is
    /// done, e.g. `submission.create`. Anonymous callers share one scope, so their keys
    /// must be UUIDs (`uuid_only`): unguessable, and unique without coordination.
    pub fn new(
        caller_scope: &str,
        uuid_only: bool,
        operation: &str,
        key: &str,
        body: &impl Serialize,
    ) -> AppResult<Self> {
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(AppError::invalid_parameter(
                "Idempotency-Key",
                format!("must be 1 to {MAX_KEY_CHARS} characters"),
            ));
        }
        if uuid_only && (key.len() != 36 || Uuid::try_parse(key).is_err()) {
            return Err(AppError::invalid_parameter(
                "Idempotency-Key",
                "must be a UUID here",
            ));
        }
        // Canonical JSON: key order and white space of the body do not count.
        let body = serde_json::to_value(body)
            .and_then(|v| serde_json::to_vec(&v))
            .map_err(|_| AppError::internal())?;
        Ok(Self {
            scope: format!("{caller_scope} {operation}"),
            key: key.to_string(),
            body,
        })
    }

    /// The hash of the request: the body and the resource it is sent to (by id, so that the
    /// same request via a slug and via the id is one request).
    fn request_hash(&self, target: Uuid) -> Vec<u8> {
        let mut hasher = Sha256::new();
        hasher.update(target.as_bytes());
        hasher.update(&self.body);
        hasher.finalize().to_vec()
    }
}

/// The resource a creating operation made; the API answers it with a `Location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Submission(Uuid),
    Registration(Uuid),
}

impl Created {
    /// As kept in the `location` column: the collection and the id, e.g.
    /// `submissions/0190…`. A record written as a whole URL (`/api/v1/submissions/0190…`)
    /// reads the same.
    fn stored(self) -> String {
        match self {
            Self::Submission(id) => format!("submissions/{id}"),
            Self::Registration(id) => format!("registrations/{id}"),
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        let stored = stored.strip_prefix("/api/v1/").unwrap_or(stored);
        let (collection, id) = stored.split_once('/')?;
        let id = Uuid::parse_str(id).ok()?;
        match collection {
            "submissions" => Some(Self::Submission(id)),
            "registrations" => Some(Self::Registration(id)),
            _ => None,
        }
    }
}

/// The body of a success as stored for replay: a created resource, or a success that
/// created no single one (an import).
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub created: Option<Created>,
    pub body: serde_json::Value,
    /// The email of the person the response names, so that an erasure finds it.
    pub personal_email: Option<String>,
}

impl StoredResponse {
    pub fn created(created: Created, body: &impl Serialize) -> AppResult<Self> {
        Ok(Self {
            created: Some(created),
            body: serde_json::to_value(body).map_err(|_| AppError::internal())?,
            personal_email: None,
        })
    }

    /// The body of a 200: a success that created no single resource (an import).
    pub fn ok(body: &impl Serialize) -> AppResult<Self> {
        Ok(Self {
            created: None,
            body: serde_json::to_value(body).map_err(|_| AppError::internal())?,
            personal_email: None,
        })
    }

    pub fn naming(mut self, email: Option<&str>) -> Self {
        self.personal_email = email.map(str::to_lowercase);
        self
    }
}

/// What a creating operation answers.
#[derive(Debug)]
pub enum Outcome {
    /// The work was done now.
    Done(StoredResponse),
    /// The same request came before: its stored response.
    Replayed(StoredResponse),
    /// The request is refused now, in a way that every retry will be.
    Refused(AppError),
    /// The same request was refused so before.
    RefusedBefore(AppError),
}

/// request hash, error kind (for a refusal), location, body
type StoredRow = (Vec<u8>, Option<String>, Option<String>, serde_json::Value);

/// A key bound to the resource the request is sent to.
pub struct Claim<'k> {
    key: &'k IdempotencyKey,
    request_hash: Vec<u8>,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// A creating operation, run once per key by [`run`].
pub trait Operation: Send {
    /// What the request is sent to (and whatever else the work needs from the first round
    /// trip, e.g. the transaction's time).
    type Target: Send;
    /// What is left to write once the work is checked and ready.
    type Write: PendingWrite + Send + Sync;

    /// Finds the target; sent in one pipeline with the key's lock and stored outcome.
    fn target(
        &self,
        conn: &AsyncPgConnection,
    ) -> impl Future<Output = AppResult<Self::Target>> + Send;

    /// The id the key is bound to: the same key sent to another resource is another request.
    fn target_id(target: &Self::Target) -> Uuid;

    /// Checks the request and makes the work ready: every refusal of the request itself
    /// comes before anything is written.
    fn prepare(
        self,
        conn: &mut AsyncPgConnection,
        target: Self::Target,
    ) -> impl Future<Output = AppResult<Prepared<Self::Write>>> + Send;
}

/// Runs `operation` in one transaction, once per key: its target, the key's lock and the
/// stored outcome in one round trip; a request seen before answers what it got then;
/// otherwise the work is prepared and its writes go out together with the stored response.
/// Without a key the work simply runs.
pub async fn run<O: Operation>(
    conn: &mut AsyncPgConnection,
    key: Option<&IdempotencyKey>,
    operation: O,
) -> AppResult<Outcome> {
    conn.transaction(async |conn| {
        let shared: &AsyncPgConnection = conn;
        let (target, held) = futures_util::try_join!(operation.target(shared), hold(shared, key))?;
        let claim = match for_target(held, O::target_id(&target))? {
            Ok(claim) => claim,
            Err(stored) => return Ok(stored),
        };
        let prepared = operation.prepare(conn, target).await;
        settle_prepared(conn, claim, prepared).await
    })
    .await
}

/// A key locked by this transaction, with what is stored under it.
pub struct Held<'k> {
    key: &'k IdempotencyKey,
    stored: Option<StoredRow>,
}

/// Locks `key` for this transaction (409 `idempotency_key_in_use` while another holds it)
/// and reads what is stored under it: two statements sent together, no round trip between.
/// The read is a statement of its own, so its snapshot is taken after the lock is held and
/// sees the outcome of a request that held the key before (diesel-async sends pipelined
/// statements in the order their futures are first polled, and PostgreSQL runs them in
/// that order). Call first in the transaction that does the work; `None` without a key.
async fn hold<'k>(
    conn: &AsyncPgConnection,
    key: Option<&'k IdempotencyKey>,
) -> AppResult<Option<Held<'k>>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let (mut locking, mut reading) = (conn, conn);
    let lock = diesel::sql_query(
        "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0)) AS locked",
    )
    .bind::<Text, _>(&key.scope)
    .bind::<Text, _>(&key.key)
    .by_text()
    .get_result::<Locked>(&mut locking);
    let read = async {
        idempotency_keys::table
            .find((&key.scope, &key.key))
            .filter(
                idempotency_keys::created_at.gt(chrono::Utc::now() - chrono::Duration::hours(24)),
            )
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::error_kind,
                idempotency_keys::location,
                idempotency_keys::response_body,
            ))
            .first::<StoredRow>(&mut reading)
            .await
            .optional()
    };
    let (locked, stored) = futures_util::try_join!(lock, read)?;
    if !locked.locked {
        return Err(AppError::conflict(
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being processed; retry later.",
        ));
    }
    Ok(Some(Held { key, stored }))
}

/// The claim of a held key for a request to `target`, or the stored outcome to answer
/// instead: the same request's is replayed, another request's is 422
/// `idempotency_key_reused`.
fn for_target(
    held: Option<Held<'_>>,
    target: Uuid,
) -> AppResult<Result<Option<Claim<'_>>, Outcome>> {
    let Some(Held { key, stored }) = held else {
        return Ok(Ok(None));
    };
    let request_hash = key.request_hash(target);
    let Some((hash, error_kind, location, body)) = stored else {
        return Ok(Ok(Some(Claim { key, request_hash })));
    };
    if hash != request_hash {
        return Err(AppError::new(
            ErrorKind::Invalid,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request.",
        ));
    }
    let outcome = match error_kind.as_deref().and_then(ErrorKind::parse) {
        None => Outcome::Replayed(StoredResponse {
            created: location.as_deref().and_then(Created::parse),
            body,
            personal_email: None,
        }),
        Some(kind) => {
            let refusal: StoredRefusal =
                serde_json::from_value(body).map_err(|_| AppError::internal())?;
            Outcome::RefusedBefore(AppError {
                errors: refusal.errors,
                depends_on_state: false,
                ..AppError::new(kind, refusal.code, refusal.detail)
            })
        }
    };
    Ok(Err(outcome))
}

/// Stores the outcome of the work under a claim, in the work's transaction. A refusal of the
/// request itself is stored too, and the transaction is meant to commit (`Ok(Refused)`): the
/// work must raise such refusals before it writes anything. Any other error is returned as
/// it is, and the transaction rolls back.
async fn settle(
    conn: &AsyncPgConnection,
    claim: Option<Claim<'_>>,
    result: AppResult<StoredResponse>,
) -> AppResult<Outcome> {
    let Some(claim) = claim else {
        return result.map(Outcome::Done);
    };
    match result {
        Ok(response) => {
            store(conn, &claim, Ok(&response)).await?;
            Ok(Outcome::Done(response))
        }
        // Stored unless the refusal came from a statement that aborted the transaction
        // (e.g. text PostgreSQL cannot store): then nothing is kept and a retry asks again.
        Err(error) if error.is_deterministic() => match store(conn, &claim, Err(&error)).await {
            Ok(()) => Ok(Outcome::Refused(error)),
            Err(_) => Err(error),
        },
        Err(error) => Err(error),
    }
}

/// The writes that are left of work checked and made ready under a claim.
pub trait PendingWrite {
    fn write(&self, conn: &AsyncPgConnection) -> impl Future<Output = AppResult<()>> + Send;
}

/// Work that wrote everything while it was prepared (an import): nothing is left.
pub struct Written;

impl PendingWrite for Written {
    async fn write(&self, _: &AsyncPgConnection) -> AppResult<()> {
        Ok(())
    }
}

/// Work checked and made ready under a claim: what is left to write, and the response it
/// answers, built before the write (so it holds only what is known without it).
pub struct Prepared<W> {
    pub pending: W,
    pub response: StoredResponse,
}

/// [`settle`] for prepared work: on success its write and the stored response are sent
/// together, with no round trip between.
async fn settle_prepared(
    conn: &AsyncPgConnection,
    claim: Option<Claim<'_>>,
    prepared: AppResult<Prepared<impl PendingWrite>>,
) -> AppResult<Outcome> {
    let Prepared { pending, response } = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return settle(conn, claim, Err(error)).await,
    };
    match &claim {
        Some(claim) => {
            futures_util::try_join!(pending.write(conn), store(conn, claim, Ok(&response)))
                .map(drop)?
        }
        None => pending.write(conn).await?,
    }
    Ok(Outcome::Done(response))
}

/// A refusal as stored: its kind in `error_kind`, the rest in `response_body`.
#[derive(Serialize, serde::Deserialize)]
struct StoredRefusal {
    code: String,
    detail: String,
    errors: Vec<FieldError>,
}

async fn store(
    mut conn: &AsyncPgConnection,
    claim: &Claim<'_>,
    outcome: Result<&StoredResponse, &AppError>,
) -> AppResult<()> {
    let (error_kind, location, body, personal_email) = match outcome {
        Ok(response) => (
            None,
            response.created.map(Created::stored),
            response.body.clone(),
            response.personal_email.clone(),
        ),
        Err(error) => {
            let refusal = StoredRefusal {
                code: error.code.to_string(),
                detail: error.detail.clone(),
                errors: error.errors.clone(),
            };
            let body = serde_json::to_value(refusal).map_err(|_| AppError::internal())?;
            (Some(error.kind.as_str()), None, body, None)
        }
    };
    let values = (
        idempotency_keys::scope.eq(&claim.key.scope),
        idempotency_keys::key.eq(&claim.key.key),
        idempotency_keys::request_hash.eq(&claim.request_hash),
        idempotency_keys::error_kind.eq(error_kind),
        idempotency_keys::location.eq(&location),
        idempotency_keys::response_body.eq(&body),
        idempotency_keys::personal_email.eq(&personal_email),
        idempotency_keys::created_at.eq(chrono::Utc::now()),
    );
    // A record past its 24 hours may still be there (purged hourly): it is replaced.
    diesel::insert_into(idempotency_keys::table)
        .values(values)
        .on_conflict((idempotency_keys::scope, idempotency_keys::key))
        .do_update()
        .set((
            idempotency_keys::request_hash.eq(excluded(idempotency_keys::request_hash)),
            idempotency_keys::error_kind.eq(excluded(idempotency_keys::error_kind)),
            idempotency_keys::location.eq(excluded(idempotency_keys::location)),
            idempotency_keys::response_body.eq(excluded(idempotency_keys::response_body)),
            idempotency_keys::personal_email.eq(excluded(idempotency_keys::personal_email)),
            idempotency_keys::created_at.eq(excluded(idempotency_keys::created_at)),
        ))
        .by_text()
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Deletes the stored responses that name `email` (an erasure request).
pub async fn erase(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::personal_email.eq(email)))
        .execute(conn)
        .await
}

/// Deletes records past their 24 hours: their responses may hold personal data and cancel
/// tokens, which are kept no longer than a retry needs them.
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table.filter(
            idempotency_keys::created_at.lt(chrono::Utc::now() - chrono::Duration::hours(24)),
        ),
    )
    .execute(conn)
    .await
}

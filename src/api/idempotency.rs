//! `Idempotency-Key` for creating POSTs, shared by registrations and submissions and kept in
//! PostgreSQL, so that it holds across replicas.
//!
//! The key is claimed before the work starts (a second request with it meanwhile gets 409),
//! and the response is stored in the same transaction as the work, so a created resource and
//! its replayable response are committed together. A claim whose work never committed (the
//! process died) lapses after [`ABANDONED_AFTER`]; a stored response is replayed for 24 hours.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Bytea, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::schema::idempotency_keys;
use crate::error::{ApiError, ApiResult};

pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY_CHARS: usize = 255;
const ABANDONED_AFTER: &str = "2 minutes";

/// A key sent by the caller, scoped to the caller and the route, with the hash of the body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    scope: String,
    key: String,
    request_hash: Vec<u8>,
}

impl IdempotencyKey {
    /// Reads the header. Keys are scoped per caller (and a partner's organisation); the body
    /// is hashed in canonical JSON form, so that key order and white space do not count as a
    /// different body.
    pub fn from_request(
        req: &HttpRequest,
        caller: &Caller,
        body: &impl Serialize,
    ) -> ApiResult<Option<Self>> {
        let Some(value) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY_CHARS)
            .ok_or_else(|| {
                ApiError::invalid_parameter(
                    HEADER,
                    format!("must be 1 to {MAX_KEY_CHARS} visible ASCII characters"),
                )
            })?;
        let canonical =
            serde_json::to_vec(&serde_json::to_value(body).map_err(|_| ApiError::internal())?)
                .map_err(|_| ApiError::internal())?;
        Ok(Some(Self {
            scope: format!(
                "{} {} {} {}",
                caller.actor(),
                caller
                    .partner_organisation()
                    .map(|o| o.to_string())
                    .unwrap_or_default(),
                req.method(),
                req.path()
            ),
            key: key.to_string(),
            request_hash: Sha256::digest(&canonical).to_vec(),
        }))
    }
}

/// A response as stored for replay.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: serde_json::Value,
}

impl StoredResponse {
    pub fn created(location: String, body: &impl Serialize) -> ApiResult<Self> {
        Ok(Self {
            status: StatusCode::CREATED,
            location: Some(location),
            body: serde_json::to_value(body).map_err(|_| ApiError::internal())?,
        })
    }

    pub fn into_response(self, replayed: bool) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if replayed {
            response.insert_header(("Idempotent-Replayed", HeaderValue::from_static("true")));
        }
        if self.status.is_client_error() {
            response.content_type("application/problem+json");
        }
        response.json(self.body)
    }
}

/// Outcome of claiming a key.
pub enum Claim {
    /// First use (or a lapsed one): do the work.
    Proceed,
    /// Same key and body as before: answer with the stored response.
    Replay(HttpResponse),
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Bool)]
    #[allow(dead_code)]
    claimed: bool,
}

pub async fn claim(conn: &mut AsyncPgConnection, key: &IdempotencyKey) -> ApiResult<Claim> {
    let claimed = diesel::sql_query(format!(
        "INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, status_code = NULL, location = NULL,
                response_body = NULL, created_at = now()
          WHERE idempotency_keys.created_at < now() - interval '24 hours'
             OR (idempotency_keys.status_code IS NULL
                 AND idempotency_keys.created_at < now() - interval '{ABANDONED_AFTER}')
         RETURNING true AS claimed"
    ))
    .bind::<Text, _>(&key.scope)
    .bind::<Text, _>(&key.key)
    .bind::<Bytea, _>(&key.request_hash)
    .get_result::<Claimed>(conn)
    .await
    .optional()?;
    if claimed.is_some() {
        return Ok(Claim::Proceed);
    }
    let (hash, status, location, body): (
        Vec<u8>,
        Option<i16>,
        Option<String>,
        Option<serde_json::Value>,
    ) = idempotency_keys::table
        .find((&key.scope, &key.key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status_code,
            idempotency_keys::location,
            idempotency_keys::response_body,
        ))
        .first(conn)
        .await?;
    if hash != key.request_hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request body.",
        ));
    }
    match (
        status.and_then(|s| StatusCode::from_u16(s as u16).ok()),
        body,
    ) {
        (Some(status), Some(body)) => Ok(Claim::Replay(
            StoredResponse {
                status,
                location,
                body,
            }
            .into_response(true),
        )),
        _ => Err(ApiError::conflict(
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being processed; retry later.",
        )),
    }
}

/// Stores the response; call inside the transaction that does the work.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    key: &IdempotencyKey,
    response: &StoredResponse,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((&key.scope, &key.key)))
        .set((
            idempotency_keys::status_code.eq(response.status.as_u16() as i16),
            idempotency_keys::location.eq(&response.location),
            idempotency_keys::response_body.eq(&response.body),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// After failed work: a client error is stored for replay like a success (the same request
/// would fail the same way); anything else releases the key so that a retry can proceed.
pub async fn settle_failure(conn: &mut AsyncPgConnection, key: &IdempotencyKey, error: &ApiError) {
    let result = if error.status.is_client_error() {
        let problem = StoredResponse {
            status: error.status,
            location: None,
            body: serde_json::to_value(error.problem()).unwrap_or_default(),
        };
        complete(conn, key, &problem).await
    } else {
        diesel::delete(idempotency_keys::table.find((&key.scope, &key.key)))
            .execute(conn)
            .await
            .map(drop)
    };
    if let Err(e) = result {
        log::warn!("settling idempotency key: {e}");
    }
}

/// Runs `work` at most once per key: replays a stored response, refuses a reused key with a
/// different body (422) or one still in flight (409). `work` must call [`complete`] in its
/// transaction when it gets a key.
pub async fn run_once(
    conn: &mut AsyncPgConnection,
    key: Option<IdempotencyKey>,
    work: impl AsyncFnOnce(&mut AsyncPgConnection, Option<&IdempotencyKey>) -> ApiResult<StoredResponse>,
) -> ApiResult<HttpResponse> {
    if let Some(key) = &key
        && let Claim::Replay(response) = claim(conn, key).await?
    {
        return Ok(response);
    }
    match work(conn, key.as_ref()).await {
        Ok(response) => Ok(response.into_response(false)),
        Err(error) => {
            if let Some(key) = &key {
                settle_failure(conn, key, &error).await;
            }
            Err(error)
        }
    }
}

/// Deletes records past their 24 hours: their responses may hold personal data and cancel
/// tokens, which are kept no longer than a retry needs them.
pub async fn purge_expired(pool: &crate::db::Pool) {
    let result = match pool.get().await {
        Ok(mut conn) => diesel::delete(idempotency_keys::table.filter(
            idempotency_keys::created_at.lt(chrono::Utc::now() - chrono::Duration::hours(24)),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(0) => {}
        Ok(n) => log::info!("purged {n} expired idempotency keys"),
        Err(e) => log::warn!("purging idempotency keys: {e}"),
    }
}

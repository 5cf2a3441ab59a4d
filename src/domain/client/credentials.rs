//! API clients: creating, listing and revoking them, and checking their secrets (argon2, a bounded number at a time).

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{Client, CreatedClient, NewClient};
use crate::base::{AuthorityOfCaller, Principal, Role, secret};
use crate::db::schema::{api_clients, authorities};
use crate::domain::page::Keyset;
use crate::domain::validate::Violations;
use crate::domain::{authority, organisation};
use crate::error::{AppError, AppResult, ErrorKind};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
pub struct ClientRow {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub authority_id: Option<Uuid>,
}

impl ClientRow {
    /// A client not revoked, created now.
    fn new(id: Uuid, new: NewClient, secret_hash: String) -> Self {
        Self {
            id,
            name: new.name,
            role: new.role,
            organisation_id: new.organisation_id,
            secret_hash,
            created_at: Utc::now(),
            revoked_at: None,
            authority_id: new.authority_id,
        }
    }

    /// The caller the client's tokens name; `authority_slug` is the slug of its authority.
    pub fn principal(&self, authority_slug: Option<String>) -> Principal {
        Principal {
            subject: self.id.to_string(),
            role: self.role,
            organisation_id: self.organisation_id,
            display_name: None,
            authority: authority_slug.map(|slug| AuthorityOfCaller {
                slug,
                id: self.authority_id,
            }),
        }
    }
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            role: row.role,
            organisation_id: row.organisation_id,
            authority_id: row.authority_id,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// The stored hash of a client secret, computed off the async threads.
pub(super) async fn hash_secret(client_secret: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || secret::hash(&client_secret))
        .await?
        .map_err(|e| {
            log::error!("hashing a client secret: {e}");
            AppError::internal()
        })
}

pub async fn create(conn: &mut AsyncPgConnection, mut new: NewClient) -> AppResult<CreatedClient> {
    let mut v = Violations::new();
    v.text("name", &new.name, crate::limits!(NewClient, "name"));
    match (new.role, new.organisation_id) {
        (Role::Partner, None) => v.add("organisation_id", "is required for a partner client"),
        (Role::Admin | Role::AuthorityAdmin | Role::Moderator, Some(_)) => {
            v.add("organisation_id", "is only for partner clients")
        }
        (Role::Partner, Some(org)) if !organisation::exists(conn, org).await? => {
            v.add("organisation_id", "is not a known organisation")
        }
        _ => {}
    }
    if new.role.acts_for_an_authority() && new.authority_id.is_none() {
        // A deployment for one authority need not name it.
        new.authority_id = authority::only_one(conn).await?.map(|only| only.id);
    }
    match (new.role.acts_for_an_authority(), new.authority_id) {
        (true, None) => v.add(
            "authority_id",
            "is required for an authority_admin or moderator client: there are several authorities",
        ),
        (false, Some(_)) => v.add(
            "authority_id",
            "is only for authority_admin and moderator clients",
        ),
        (true, Some(authority)) if !authority::exists(conn, authority).await? => {
            v.add("authority_id", "is not a known authority")
        }
        _ => {}
    }
    v.into_result()?;
    let client_secret = secret::generate();
    let secret_hash = hash_secret(client_secret.clone()).await?;
    let row = ClientRow::new(Uuid::now_v7(), new, secret_hash);
    let row: ClientRow = diesel::insert_into(api_clients::table)
        .values(&row)
        .returning(ClientRow::as_returning())
        .get_result(conn)
        .await?;
    Ok(CreatedClient {
        client_id: row.id,
        client: row.into(),
        client_secret,
    })
}

/// Creates client `id` with the given secret or, when it exists, gives it that secret and
/// lifts its revocation (its name, role and organisation stay): for a client whose
/// credentials are set outside the service, such as the demo's from the environment. It
/// writes the client as it is, without the request path's checks of role and organisation.
pub async fn create_or_reset(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    new: NewClient,
    client_secret: String,
) -> AppResult<ClientRow> {
    let secret_hash = hash_secret(client_secret).await?;
    let row = ClientRow::new(id, new, secret_hash);
    Ok(diesel::insert_into(api_clients::table)
        .values(&row)
        .on_conflict(api_clients::id)
        .do_update()
        .set((
            api_clients::secret_hash.eq(&row.secret_hash),
            api_clients::revoked_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(ClientRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn list(conn: &mut AsyncPgConnection, keyset: Keyset) -> AppResult<Vec<ClientRow>> {
    let mut query = api_clients::table
        .select(ClientRow::as_select())
        .order(api_clients::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(api_clients::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

/// The ids of every revoked client, as token subjects.
pub async fn revoked_ids(
    conn: &mut AsyncPgConnection,
) -> QueryResult<std::collections::HashSet<String>> {
    let ids: Vec<Uuid> = api_clients::table
        .filter(api_clients::revoked_at.is_not_null())
        .select(api_clients::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(|id| id.to_string()).collect())
}

/// Revokes a client: it gets no new tokens. Revoking twice is harmless.
pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    let found = diesel::update(api_clients::table.find(id))
        .set(api_clients::revoked_at.eq(Some(Utc::now())))
        .filter(api_clients::revoked_at.is_null())
        .execute(conn)
        .await?;
    if found == 0 {
        let exists: bool = diesel::select(diesel::dsl::exists(api_clients::table.find(id)))
            .get_result(conn)
            .await?;
        if !exists {
            return Err(AppError::not_found("client"));
        }
    }
    Ok(())
}

/// The active client with this id, if any (its secret still to be checked).
/// A client that may have tokens, with the slug of its authority.
pub struct ActiveClient {
    pub row: ClientRow,
    pub authority_slug: Option<String>,
}

impl ActiveClient {
    /// The caller its tokens name.
    pub fn principal(&self) -> Principal {
        self.row.principal(self.authority_slug.clone())
    }
}

pub async fn find_active(
    conn: &mut AsyncPgConnection,
    client_id: Uuid,
) -> AppResult<Option<ActiveClient>> {
    let found: Option<(ClientRow, Option<String>)> = api_clients::table
        .left_join(authorities::table)
        .filter(api_clients::id.eq(client_id))
        .filter(api_clients::revoked_at.is_null())
        .select((ClientRow::as_select(), authorities::slug.nullable()))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(row, authority_slug)| ActiveClient {
        row,
        authority_slug,
    }))
}

/// At most this many argon2 verifications (about 19 MiB each) run at once; further token
/// requests wait for a slot instead of exhausting memory and threads.
pub(super) static VERIFICATIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Token requests admitted at once, running or waiting for a slot: beyond them the service
/// is busy and says so at once (503 with `Retry-After`) instead of queueing without bound.
pub(super) const ADMITTED: usize = 32;

pub(super) static IN_LINE: AtomicUsize = AtomicUsize::new(0);

/// A place in the line for a verification, given back when dropped.
pub(super) struct Place;

impl Place {
    fn take() -> Option<Self> {
        IN_LINE
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < ADMITTED).then_some(n + 1)
            })
            .ok()
            .map(|_| Place)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        IN_LINE.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether `secret` is the client's secret; the same work also for unknown clients.
pub async fn verify_secret(client: Option<&ClientRow>, secret: String) -> AppResult<bool> {
    let _place = Place::take().ok_or_else(|| {
        AppError::new(
            ErrorKind::Unavailable,
            "unavailable",
            "Too many token requests are being verified; retry shortly.",
        )
    })?;
    let _slot = VERIFICATIONS
        .acquire()
        .await
        .map_err(|_| AppError::internal())?;
    let stored = client.map(|c| c.secret_hash.clone());
    Ok(tokio::task::spawn_blocking(move || secret::verify(&secret, stored.as_deref())).await?)
}

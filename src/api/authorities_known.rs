//! The authorities this replica knows by slug, to resolve the `authority` a staff token
//! names without a database round trip per request. Slugs never change and authorities are
//! never deleted, so a known slug stays right; an unknown one is looked up once.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::base::{AuthorityOfCaller, Principal};
use crate::db::Pool;
use crate::domain::authority;
use crate::error::AppError;

/// How long "there is one authority only" is believed: a second one created on another
/// replica is noticed within this.
const ONLY_ONE_FOR: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct KnownAuthorities {
    by_slug: RwLock<HashMap<String, Uuid>>,
    only_one: RwLock<Option<(Instant, Option<AuthorityOfCaller>)>>,
}

impl KnownAuthorities {
    /// Fills in the id of the authority a staff member's token names: 401 for a slug no
    /// authority has; a token naming none is for the one authority there is, or 403 when
    /// there are several.
    pub async fn resolve(
        &self,
        pool: &Pool,
        mut principal: Principal,
    ) -> Result<Principal, AppError> {
        if !principal.role.acts_for_an_authority() {
            principal.authority = None;
            return Ok(principal);
        }
        let resolved = match principal.authority.take() {
            Some(named) => AuthorityOfCaller {
                id: Some(self.id_of(pool, &named.slug).await?),
                slug: named.slug,
            },
            None => self.the_only_one(pool).await?.ok_or_else(|| {
                AppError::forbidden(format!(
                    "A {} acts for one authority, and the token names none.",
                    principal.role
                ))
            })?,
        };
        principal.authority = Some(resolved);
        Ok(principal)
    }

    async fn id_of(&self, pool: &Pool, slug: &str) -> Result<Uuid, AppError> {
        if let Some(id) = self
            .by_slug
            .read()
            .ok()
            .and_then(|known| known.get(slug).copied())
        {
            return Ok(id);
        }
        let mut conn = pool.get().await?;
        let id = authority::id_of_slug(&mut conn, slug)
            .await?
            .ok_or_else(|| {
                AppError::unauthorized(format!(
                    "The token names an authority this service does not know: {slug:?}."
                ))
            })?;
        if let Ok(mut known) = self.by_slug.write() {
            known.insert(slug.to_string(), id);
        }
        Ok(id)
    }

    async fn the_only_one(&self, pool: &Pool) -> Result<Option<AuthorityOfCaller>, AppError> {
        let cached = self.only_one.read().ok().and_then(|o| o.clone());
        if let Some((_, only)) = cached.filter(|(at, _)| at.elapsed() < ONLY_ONE_FOR) {
            return Ok(only);
        }
        let mut conn = pool.get().await?;
        let only = authority::only_one(&mut conn)
            .await?
            .map(|row| AuthorityOfCaller {
                slug: row.slug,
                id: Some(row.id),
            });
        if let Ok(mut cached) = self.only_one.write() {
            *cached = Some((Instant::now(), only.clone()));
        }
        Ok(only)
    }

    /// Forgets that there was one authority only (one was created here).
    pub fn forget_only_one(&self) {
        if let Ok(mut cached) = self.only_one.write() {
            *cached = None;
        }
    }
}

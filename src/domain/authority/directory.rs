//! The authorities: creating, finding, listing and changing them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{Authority, AuthorityKind, AuthorityPatch, NewAuthority};
use crate::db::schema::{authorities, rounds};
use crate::domain::page::Keyset;
use crate::domain::precondition::{self, Precondition};
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = authorities, treat_none_as_null = true)]
pub struct AuthorityRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: AuthorityKind,
    pub contact_email: Option<String>,
    pub privacy_contact: Option<String>,
    pub imprint_url: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AuthorityRow> for Authority {
    fn from(row: AuthorityRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            kind: row.kind,
            contact_email: row.contact_email,
            privacy_contact: row.privacy_contact,
            imprint_url: row.imprint_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl AuthorityRow {
    fn validate(&self) -> AppResult<()> {
        let mut v = Violations::new();
        v.slug("slug", &self.slug, crate::limits!(NewAuthority, "slug").max);
        v.text("name", &self.name, crate::limits!(NewAuthority, "name"));
        if let Some(email) = &self.contact_email {
            v.email("contact_email", email);
        }
        v.optional_text(
            "privacy_contact",
            self.privacy_contact.as_deref(),
            crate::limits!(NewAuthority, "privacy_contact"),
        );
        v.url("imprint_url", self.imprint_url.as_deref());
        v.into_result()
    }
}

fn slug_taken(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::conflict("slug_taken", "Another authority already has this slug.")
        }
        other => other.into(),
    }
}

pub async fn create(conn: &mut AsyncPgConnection, new: NewAuthority) -> AppResult<AuthorityRow> {
    let now = Utc::now();
    let row = AuthorityRow {
        id: Uuid::now_v7(),
        slug: new.slug,
        name: new.name,
        kind: new.kind,
        contact_email: new.contact_email,
        privacy_contact: new.privacy_contact,
        imprint_url: new.imprint_url,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.validate()?;
    diesel::insert_into(authorities::table)
        .values(&row)
        .returning(AuthorityRow::as_returning())
        .get_result(conn)
        .await
        .map_err(slug_taken)
}

/// Writes an authority as it is (its id too), for the demo; one with its slug already
/// there is kept, and that one is returned.
pub async fn seed(conn: &mut AsyncPgConnection, row: &AuthorityRow) -> QueryResult<AuthorityRow> {
    diesel::insert_into(authorities::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    authorities::table
        .filter(authorities::slug.eq(&row.slug))
        .select(AuthorityRow::as_select())
        .first(conn)
        .await
}

/// Like [`seed`], but first the authority the migration made becomes `row` (its slug, name,
/// kind and contacts; its id and consultations stay) while it still bears one of the
/// `unnamed` names and no authority has `row`'s slug: for the demo, whose first authority
/// is one of its own, also in a database an earlier demo made. Run before the service
/// serves, since a running replica takes slugs to never change.
pub async fn seed_as_first(
    conn: &mut AsyncPgConnection,
    row: &AuthorityRow,
    unnamed: &[&str],
) -> QueryResult<AuthorityRow> {
    if id_of_slug(conn, &row.slug).await?.is_none()
        && let Some(first) = oldest(conn).await.optional()?
        && unnamed.contains(&first.name.as_str())
    {
        diesel::update(authorities::table.find(first.id))
            .set((
                authorities::slug.eq(&row.slug),
                authorities::name.eq(&row.name),
                authorities::kind.eq(row.kind),
                authorities::contact_email.eq(&row.contact_email),
                authorities::privacy_contact.eq(&row.privacy_contact),
                authorities::imprint_url.eq(&row.imprint_url),
                authorities::version.eq(authorities::version + 1),
                authorities::updated_at.eq(Utc::now()),
            ))
            .execute(conn)
            .await?;
    }
    seed(conn, row).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<AuthorityRow> {
    authorities::table
        .find(id)
        .select(AuthorityRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("authority"))
}

pub async fn exists(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(authorities::table.find(id)))
            .get_result(conn)
            .await?,
    )
}

/// The authority running the round's consultation: it organises the event and answers
/// the registrant's questions.
pub async fn of_round(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
) -> QueryResult<Option<AuthorityRow>> {
    authorities::table
        .inner_join(rounds::table.on(rounds::authority_id.eq(authorities::id)))
        .filter(rounds::id.eq(round_id))
        .select(AuthorityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The first authority, which the migration that brought authorities made.
async fn oldest(conn: &mut AsyncPgConnection) -> QueryResult<AuthorityRow> {
    authorities::table
        .select(AuthorityRow::as_select())
        .order((authorities::created_at, authorities::id))
        .first(conn)
        .await
}

/// The id of the authority with `slug`, if there is one.
pub async fn id_of_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<Uuid>> {
    authorities::table
        .filter(authorities::slug.eq(slug))
        .select(authorities::id)
        .first(conn)
        .await
        .optional()
}

/// The one authority there is, when there is exactly one (a deployment for one authority
/// needs to name none).
pub async fn only_one(conn: &mut AsyncPgConnection) -> QueryResult<Option<AuthorityRow>> {
    let mut first_two: Vec<AuthorityRow> = authorities::table
        .select(AuthorityRow::as_select())
        .order(authorities::id)
        .limit(2)
        .load(conn)
        .await?;
    Ok(match first_two.len() {
        1 => first_two.pop(),
        _ => None,
    })
}

pub async fn list(conn: &mut AsyncPgConnection, keyset: Keyset) -> AppResult<Vec<AuthorityRow>> {
    let mut query = authorities::table
        .select(AuthorityRow::as_select())
        .order(authorities::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(authorities::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

/// Applies a patch to the locked row, with If-Match checked against its version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    precondition: Precondition,
    patch: AuthorityPatch,
) -> AppResult<AuthorityRow> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        let mut row: AuthorityRow = authorities::table
            .find(id)
            .select(AuthorityRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| AppError::not_found("authority"))?;
        let current = precondition::tag(row.version);
        if let Some(name) = patch.name {
            row.name = name;
        }
        if let Some(kind) = patch.kind {
            row.kind = kind;
        }
        if let Some(contact_email) = patch.contact_email {
            row.contact_email = contact_email;
        }
        if let Some(privacy_contact) = patch.privacy_contact {
            row.privacy_contact = privacy_contact;
        }
        if let Some(imprint_url) = patch.imprint_url {
            row.imprint_url = imprint_url;
        }
        row.validate()?;
        precondition.check(&current)?;
        row.version += 1;
        row.updated_at = Utc::now();
        Ok(diesel::update(authorities::table.find(id))
            .set(&row)
            .returning(AuthorityRow::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

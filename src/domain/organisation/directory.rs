//! The directory of organisations: creating, finding, listing and changing them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{NewOrganisation, Organisation, OrganisationPatch};
use crate::db::schema::organisations;
use crate::domain::category::Category;
use crate::domain::page::Keyset;
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub category: Category,
    pub region: Option<String>,
    pub website: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            category: row.category,
            region: row.region,
            website: row.website,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl OrganisationRow {
    fn validate(&self) -> AppResult<()> {
        let mut v = Violations::new();
        v.text("name", &self.name, crate::limits!(NewOrganisation, "name"));
        v.optional_text(
            "region",
            self.region.as_deref(),
            crate::limits!(NewOrganisation, "region"),
        );
        v.url("website", self.website.as_deref());
        v.into_result()
    }
}

pub struct OrganisationFilter {
    pub category: Option<Category>,
    pub region: Option<String>,
    pub q: Option<String>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    new: NewOrganisation,
) -> AppResult<OrganisationRow> {
    let now = Utc::now();
    let row = OrganisationRow {
        id: Uuid::now_v7(),
        name: new.name,
        category: new.category,
        region: new.region,
        website: new.website,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.validate()?;
    Ok(diesel::insert_into(organisations::table)
        .values(&row)
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Writes an organisation as it is (its id too), for seeding and imports of past data,
/// without the request path's checks; one with its id already there is kept.
pub async fn seed(conn: &mut AsyncPgConnection, row: &OrganisationRow) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<OrganisationRow> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("organisation"))
}

pub async fn exists(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(organisations::table.find(id)))
            .get_result(conn)
            .await?,
    )
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: OrganisationFilter,
    keyset: Keyset,
) -> AppResult<Vec<OrganisationRow>> {
    let mut query = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(organisations::id.gt(after));
    }
    if let Some(category) = filter.category {
        query = query.filter(organisations::category.eq(category));
    }
    if let Some(region) = filter.region {
        query = query.filter(organisations::region.eq(region));
    }
    if let Some(q) = filter.q {
        query = query.filter(organisations::name.ilike(like_pattern(&q)));
    }
    Ok(query.load(conn).await?)
}

/// `%q%` with LIKE's wildcards in `q` escaped.
pub(super) fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Applies a patch to the locked row, with If-Match checked against its version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    precondition: crate::domain::precondition::Precondition,
    patch: OrganisationPatch,
) -> AppResult<OrganisationRow> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        let mut row: OrganisationRow = organisations::table
            .find(id)
            .select(OrganisationRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| AppError::not_found("organisation"))?;
        let current = crate::domain::precondition::tag(row.version);
        if let Some(name) = patch.name {
            row.name = name;
        }
        if let Some(category) = patch.category {
            row.category = category;
        }
        if let Some(region) = patch.region {
            row.region = region;
        }
        if let Some(website) = patch.website {
            row.website = website;
        }
        row.validate()?;
        precondition.check(&current)?;
        row.version += 1;
        row.updated_at = Utc::now();
        Ok(diesel::update(organisations::table.find(id))
            .set(&row)
            .returning(OrganisationRow::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

//! Consultations (Beteiligungsprozesse) and their status machine.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::calendar;
use super::precondition::{Precondition, tag};
use super::validate::Violations;
use crate::db::schema::consultations;
use crate::domain::page::Keyset;
use crate::error::{AppError, AppResult};

crate::text_enum! {
    /// Lifecycle of a consultation; it only moves forward, one step at a time.
    ConsultationStatus {
        Draft = "draft",
        Open = "open",
        Closed = "closed",
        Archived = "archived",
    }
}

impl ConsultationStatus {
    /// The one status this one may move to.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Draft => Some(Self::Open),
            Self::Open => Some(Self::Closed),
            Self::Closed => Some(Self::Archived),
            Self::Archived => None,
        }
    }

    pub fn can_become(self, to: Self) -> bool {
        self == to || self.next() == Some(to)
    }

    /// Drafts are visible to staff only.
    pub fn is_public(self) -> bool {
        self != Self::Draft
    }
}

/// A topic (Handlungsfeld) of a consultation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Stable key, lowercase letters, digits and dashes (1–50).
    #[schema(
        example = "sprache",
        min_length = 1,
        max_length = 50,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub key: String,
    /// Display label (1–200).
    #[schema(
        example = "Sprache und Sprachkurse",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub label: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = consultations, treat_none_as_null = true)]
pub struct ConsultationRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub status: ConsultationStatus,
    pub topics: serde_json::Value,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub number_prefix: String,
    pub retention_registrations_days: i32,
    pub retention_authors_days: i32,
    /// When it was archived: authors' data is kept `retention_authors_days` after.
    pub archived_at: Option<DateTime<Utc>>,
}

impl ConsultationRow {
    pub fn topics(&self) -> Vec<Topic> {
        serde_json::from_value(self.topics.clone()).unwrap_or_default()
    }

    pub fn has_topic(&self, key: &str) -> bool {
        self.topics().iter().any(|t| t.key == key)
    }

    fn validate(&self, topics: &[Topic]) -> AppResult<()> {
        let mut v = Violations::new();
        v.slug("slug", &self.slug, 100);
        v.text(
            "title",
            &self.title,
            crate::limits!(NewConsultation, "title"),
        );
        v.text(
            "summary",
            &self.summary,
            crate::limits!(NewConsultation, "summary"),
        );
        v.check(
            topics.len() <= 50,
            "topics",
            "must not have more than 50 entries",
        );
        let label = crate::limits!(Topic, "label");
        for (i, topic) in topics.iter().enumerate() {
            v.slug(&format!("topics[{i}].key"), &topic.key, 50);
            v.text(&format!("topics[{i}].label"), &topic.label, label);
            if topics[..i].iter().any(|t| t.key == topic.key) {
                v.add(&format!("topics[{i}].key"), "is used twice");
            }
        }
        if let (Some(starts), Some(ends)) = (self.starts_on, self.ends_on) {
            v.check(ends >= starts, "ends_on", "must not be before starts_on");
        }
        v.check(
            is_number_prefix(&self.number_prefix),
            "number_prefix",
            "must be 1–10 capital letters or digits, starting with a letter",
        );
        for (field, days) in [
            (
                "retention.registrations_days_after_round",
                self.retention_registrations_days,
            ),
            (
                "retention.authors_days_after_archive",
                self.retention_authors_days,
            ),
        ] {
            v.check(
                RETENTION_DAYS.contains(&days),
                field,
                "must be 1 to 3650 days",
            );
        }
        v.into_result()
    }
}

/// The retention of a consultation that sets none.
pub const DEFAULT_RETENTION: Retention = Retention {
    registrations_days_after_round: 90,
    authors_days_after_archive: 365,
};

/// Allowed retention periods, in days.
const RETENTION_DAYS: std::ops::RangeInclusive<i32> = 1..=3650;

/// How long personal data of a consultation is kept (DSGVO Art. 5(1)(e)); after that it is
/// anonymised, counts in reports stay.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Retention {
    /// Registrants' names, emails and needs: days after their round ended.
    #[schema(minimum = 1, maximum = 3650, example = 90)]
    pub registrations_days_after_round: i32,
    /// Authors' names and emails of submissions: days after the consultation was archived.
    #[schema(minimum = 1, maximum = 3650, example = 365)]
    pub authors_days_after_archive: i32,
}

/// Retention to set; absent fields keep their value (defaults 90 and 365 days).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(
    deny_unknown_fields,
    try_from = "serde_json::Map<String, serde_json::Value>"
)]
pub struct RetentionSettings {
    #[schema(minimum = 1, maximum = 3650, example = 90)]
    pub registrations_days_after_round: Option<i32>,
    #[schema(minimum = 1, maximum = 3650, example = 365)]
    pub authors_days_after_archive: Option<i32>,
}

/// Read from a JSON object only (serde would take `[90, 365]` for a struct too), with whole
/// numbers as JSON Schema counts them (`90.0` is one).
impl TryFrom<serde_json::Map<String, serde_json::Value>> for RetentionSettings {
    type Error = serde_json::Error;

    fn try_from(object: serde_json::Map<String, serde_json::Value>) -> Result<Self, Self::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            #[serde(default, deserialize_with = "super::validate::optional_whole_number")]
            registrations_days_after_round: Option<i32>,
            #[serde(default, deserialize_with = "super::validate::optional_whole_number")]
            authors_days_after_archive: Option<i32>,
        }
        let fields: Fields = serde_json::from_value(serde_json::Value::Object(object))?;
        Ok(Self {
            registrations_days_after_round: fields.registrations_days_after_round,
            authors_days_after_archive: fields.authors_days_after_archive,
        })
    }
}

impl RetentionSettings {
    fn apply(self, row: &mut ConsultationRow) {
        if let Some(days) = self.registrations_days_after_round {
            row.retention_registrations_days = days;
        }
        if let Some(days) = self.authors_days_after_archive {
            row.retention_authors_days = days;
        }
    }
}

/// A consultation (Beteiligungsprozess).
#[derive(Debug, Serialize, ToSchema)]
pub struct Consultation {
    pub id: Uuid,
    #[schema(
        example = "integrationskonzept-sachsen-anhalt",
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: String,
    #[schema(
        example = "Integrationskonzept Sachsen-Anhalt",
        min_length = 1,
        max_length = 300,
        pattern = r"\S"
    )]
    pub title: String,
    #[schema(max_length = 5000)]
    pub summary: String,
    pub status: ConsultationStatus,
    #[schema(max_items = 50)]
    pub topics: Vec<Topic>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Before the numbers of its submissions (`ISA-0042`).
    #[schema(
        example = "ISA",
        min_length = 1,
        max_length = 10,
        pattern = r"^[A-Z][A-Z0-9]{0,9}$"
    )]
    pub number_prefix: String,
    pub retention: Retention,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether `prefix` may stand before submission numbers.
fn is_number_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && prefix.len() <= 10
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl From<ConsultationRow> for Consultation {
    fn from(row: ConsultationRow) -> Self {
        Self {
            topics: row.topics(),
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            status: row.status,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            number_prefix: row.number_prefix,
            retention: Retention {
                registrations_days_after_round: row.retention_registrations_days,
                authors_days_after_archive: row.retention_authors_days,
            },
            archived_at: row.archived_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new consultation; it starts as `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// Unique, lowercase letters, digits and dashes (1–100); usable instead of the id.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: String,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: String,
    /// At most 5000 characters.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub summary: String,
    /// At most 50 topics with unique keys.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub topics: Vec<Topic>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub ends_on: Option<NaiveDate>,
    /// Before the numbers of its submissions (1–10 capital letters or digits, starting with
    /// a letter); default: the initials of the slug.
    #[schema(
        example = "ITK",
        min_length = 1,
        max_length = 10,
        pattern = r"^[A-Z][A-Z0-9]{0,9}$"
    )]
    pub number_prefix: Option<String>,
    /// How long personal data is kept; default 90 days after a round for registrations,
    /// 365 days after archiving for authors.
    #[serde(default)]
    pub retention: RetentionSettings,
}

/// Changes to a consultation; absent fields stay. `status` may move one step forward
/// (`draft → open → closed → archived`); anything else is 409 `invalid_transition`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationPatch {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
    pub status: Option<ConsultationStatus>,
    #[schema(max_items = 50)]
    pub topics: Option<Vec<Topic>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
    /// For submissions from now on; numbers already given stay.
    #[schema(min_length = 1, max_length = 10, pattern = r"^[A-Z][A-Z0-9]{0,9}$")]
    pub number_prefix: Option<String>,
    /// Applies from now on: data already anonymised stays so.
    pub retention: Option<RetentionSettings>,
}

diesel::define_sql_function! {
    /// The default number prefix of a slug (the migration's `slug_initials`).
    fn slug_initials(slug: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

fn slug_taken(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::conflict("slug_taken", "Another consultation already has this slug.")
        }
        other => other.into(),
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    new: NewConsultation,
) -> AppResult<ConsultationRow> {
    let now = Utc::now();
    let number_prefix = match new.number_prefix {
        Some(prefix) => prefix,
        None => {
            diesel::select(slug_initials(new.slug.clone()))
                .get_result(conn)
                .await?
        }
    };
    let mut row = ConsultationRow {
        id: Uuid::now_v7(),
        slug: new.slug,
        title: new.title,
        summary: new.summary,
        status: ConsultationStatus::Draft,
        topics: serde_json::to_value(&new.topics).map_err(|_| AppError::internal())?,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        version: 1,
        created_at: now,
        updated_at: now,
        number_prefix,
        retention_registrations_days: DEFAULT_RETENTION.registrations_days_after_round,
        retention_authors_days: DEFAULT_RETENTION.authors_days_after_archive,
        archived_at: None,
    };
    new.retention.apply(&mut row);
    row.validate(&new.topics)?;
    diesel::insert_into(consultations::table)
        .values(&row)
        .returning(ConsultationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(slug_taken)
}

/// Writes a consultation as it is (id, status, dates), for seeding and imports of past data,
/// without the request path's checks: true if written, false if its id was there (kept).
pub async fn seed(conn: &mut AsyncPgConnection, row: &ConsultationRow) -> QueryResult<bool> {
    let insert = diesel::insert_into(consultations::table).values(row);
    Ok(insert.on_conflict_do_nothing().execute(conn).await? == 1)
}

/// Looks a consultation up by id or slug; drafts only for staff.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    id_or_slug: &str,
    staff: bool,
) -> AppResult<ConsultationRow> {
    let mut query = consultations::table
        .select(ConsultationRow::as_select())
        .into_boxed();
    query = match Uuid::parse_str(id_or_slug) {
        Ok(id) => query.filter(consultations::id.eq(id)),
        Err(_) => query.filter(consultations::slug.eq(id_or_slug.to_string())),
    };
    if !staff {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    query
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("consultation"))
}

/// The id of the consultation `id_or_slug` names, if the caller may see it (drafts only
/// with `include_drafts`), as a subquery of a statement about its contents.
pub type VisibleId<'a> = consultations::BoxedQuery<'a, diesel::pg::Pg, diesel::sql_types::Uuid>;

pub fn visible_id<'a>(id_or_slug: &str, include_drafts: bool) -> VisibleId<'a> {
    let mut query = consultations::table.select(consultations::id).into_boxed();
    query = match Uuid::parse_str(id_or_slug) {
        Ok(id) => query.filter(consultations::id.eq(id)),
        Err(_) => query.filter(consultations::slug.eq(id_or_slug.to_string())),
    };
    if !include_drafts {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    query
}

/// Like [`find_visible`], and holds the consultation for the rest of the transaction: a
/// `KEY SHARE` lock, which concurrent writers of submissions share, but which a change of
/// the consultation (taken `FOR UPDATE` in [`update`]) waits for, and vice versa. So a
/// submission written under it sees the status the consultation has until it commits.
pub async fn hold(
    mut conn: &AsyncPgConnection,
    id_or_slug: &str,
    include_drafts: bool,
) -> AppResult<ConsultationRow> {
    type ByRef = Box<
        dyn BoxableExpression<
                consultations::table,
                diesel::pg::Pg,
                SqlType = diesel::sql_types::Bool,
            >,
    >;
    let by_ref: ByRef = match Uuid::parse_str(id_or_slug) {
        Ok(id) => Box::new(consultations::id.eq(id)),
        Err(_) => Box::new(consultations::slug.eq(id_or_slug.to_string())),
    };
    let statuses = ConsultationStatus::ALL
        .iter()
        .filter(|s| include_drafts || s.is_public());
    consultations::table
        .filter(by_ref)
        .filter(consultations::status.eq_any(statuses))
        .select(ConsultationRow::as_select())
        .for_key_share()
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("consultation"))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    status: Option<ConsultationStatus>,
    staff: bool,
    keyset: Keyset,
) -> AppResult<Vec<ConsultationRow>> {
    let mut query = consultations::table
        .select(ConsultationRow::as_select())
        .order(consultations::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(consultations::id.gt(after));
    }
    if let Some(status) = status {
        query = query.filter(consultations::status.eq(status));
    }
    if !staff {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    Ok(query.load(conn).await?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id_or_slug: &str,
    precondition: Precondition,
    patch: ConsultationPatch,
) -> AppResult<ConsultationRow> {
    let found = find_visible(conn, id_or_slug, true).await?;
    conn.transaction(async |conn| {
        // FOR UPDATE (not the weaker lock a plain UPDATE takes): it waits for submissions
        // being written under [`hold`], so none lands after a close.
        let mut row: ConsultationRow = consultations::table
            .find(found.id)
            .select(ConsultationRow::as_select())
            .for_update()
            .first(conn)
            .await?;
        let current = tag(row.version);
        if let Some(slug) = patch.slug {
            row.slug = slug;
        }
        if let Some(title) = patch.title {
            row.title = title;
        }
        if let Some(summary) = patch.summary {
            row.summary = summary;
        }
        if let Some(starts_on) = patch.starts_on {
            row.starts_on = starts_on;
        }
        if let Some(ends_on) = patch.ends_on {
            row.ends_on = ends_on;
        }
        if let Some(prefix) = patch.number_prefix {
            row.number_prefix = prefix;
        }
        if let Some(retention) = patch.retention {
            retention.apply(&mut row);
        }
        let topics = match patch.topics {
            Some(topics) => {
                row.topics = serde_json::to_value(&topics).map_err(|_| AppError::internal())?;
                topics
            }
            None => row.topics(),
        };
        // An invalid request is refused as such, whatever its precondition (RFC 9110 13.2.1).
        row.validate(&topics)?;
        precondition.check(&current)?;
        if let Some(status) = patch.status {
            if !row.status.can_become(status) {
                return Err(AppError::invalid_transition(
                    row.status.as_str(),
                    status.as_str(),
                ));
            }
            if status == ConsultationStatus::Archived && row.archived_at.is_none() {
                row.archived_at = Some(Utc::now());
            }
            row.status = status;
        }
        row.version += 1;
        row.updated_at = Utc::now();
        diesel::update(consultations::table.find(row.id))
            .set(&row)
            .returning(ConsultationRow::as_returning())
            .get_result(conn)
            .await
            .map_err(slug_taken)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::ConsultationStatus::*;

    #[test]
    fn status_moves_forward_one_step_only() {
        assert!(Draft.can_become(Open));
        assert!(Open.can_become(Closed));
        assert!(Closed.can_become(Archived));
        assert!(!Draft.can_become(Closed));
        assert!(!Open.can_become(Draft));
        assert!(!Archived.can_become(Closed));
    }
}

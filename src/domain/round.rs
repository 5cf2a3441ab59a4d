//! Rounds: the events of a consultation (Auftaktkonferenz, Regionalkonferenzen, …) with
//! their registration and submission windows and their seats.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::calendar;
use super::consultation::{ConsultationRow, ConsultationStatus};
use super::notification::NoticeKind;
use super::policy::Audience;
use super::precondition::Precondition;
use super::validate::{Violations, double_option};
use super::webhook::{self, EventType};
use crate::db::schema::{consultations, rounds};
use crate::domain::page::Keyset;
use crate::error::{AppError, AppResult};

crate::text_enum! {
    /// Format of a round.
    RoundKind {
        Kickoff = "kickoff",
        Regional = "regional",
        Online = "online",
        Workshop = "workshop",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = rounds, treat_none_as_null = true)]
pub struct RoundRow {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub kind: RoundKind,
    pub title: String,
    pub venue_name: Option<String>,
    pub venue_street: Option<String>,
    pub venue_postal_code: Option<String>,
    pub venue_city: Option<String>,
    pub region: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub submissions_open_at: Option<DateTime<Utc>>,
    pub submissions_close_at: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub confirmed_count: i32,
    pub waitlisted_count: i32,
    pub attended_count: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a round takes place.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    #[schema(
        example = "Dessau-Roßlau, Altes Theater",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub street: Option<String>,
    #[schema(example = "06844", min_length = 1, max_length = 20, pattern = r"\S")]
    pub postal_code: Option<String>,
    #[schema(
        example = "Dessau-Roßlau",
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub city: String,
}

/// Live seat counts of a round.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Seats {
    pub confirmed: i32,
    pub waitlisted: i32,
    pub attended: i32,
    pub capacity: i32,
}

/// A round: one event of a consultation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub kind: RoundKind,
    #[schema(example = "Regionalkonferenz Dessau", max_length = 300)]
    pub title: String,
    pub venue: Option<Venue>,
    #[schema(example = "Anhalt", max_length = 100)]
    pub region: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub submissions_open_at: Option<DateTime<Utc>>,
    pub submissions_close_at: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub seats: Seats,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RoundRow> for Round {
    fn from(row: RoundRow) -> Self {
        let venue = row.venue();
        Self {
            venue,
            seats: Seats {
                confirmed: row.confirmed_count,
                waitlisted: row.waitlisted_count,
                attended: row.attended_count,
                capacity: row.capacity,
            },
            id: row.id,
            consultation_id: row.consultation_id,
            kind: row.kind,
            title: row.title,
            region: row.region,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            capacity: row.capacity,
            registration_opens_at: row.registration_opens_at,
            registration_closes_at: row.registration_closes_at,
            submissions_open_at: row.submissions_open_at,
            submissions_close_at: row.submissions_close_at,
            cancelled: row.cancelled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl RoundRow {
    /// The venue, if the round has one (name and city are set together).
    pub fn venue(&self) -> Option<Venue> {
        Some(Venue {
            name: self.venue_name.clone()?,
            street: self.venue_street.clone(),
            postal_code: self.venue_postal_code.clone(),
            city: self.venue_city.clone()?,
        })
    }

    fn set_venue(&mut self, venue: Option<Venue>) {
        let venue = venue.map(|v| (v.name, v.street, v.postal_code, v.city));
        let (name, street, postal_code, city) = match venue {
            Some((n, s, p, c)) => (Some(n), s, p, Some(c)),
            None => (None, None, None, None),
        };
        self.venue_name = name;
        self.venue_street = street;
        self.venue_postal_code = postal_code;
        self.venue_city = city;
    }

    /// The entity tag: the version of the round's own fields and its live seat counts, so a
    /// cached round is stale as soon as a seat is taken.
    pub fn etag(&self) -> String {
        format!(
            "\"{}.{}.{}.{}\"",
            self.version, self.confirmed_count, self.waitlisted_count, self.attended_count
        )
    }

    /// Whether registration is possible at `now`.
    pub fn registration_open(&self, now: DateTime<Utc>) -> bool {
        !self.cancelled
            && self.registration_opens_at.is_none_or(|t| t <= now)
            && self.registration_closes_at.is_none_or(|t| now < t)
            && now < self.ends_at
    }

    /// Whether submissions for this round are accepted at `now`.
    pub fn submissions_open(&self, now: DateTime<Utc>) -> bool {
        self.submissions_open_at.is_none_or(|t| t <= now)
            && self.submissions_close_at.is_none_or(|t| now < t)
    }

    fn validate(&self) -> AppResult<()> {
        let mut v = Violations::new();
        v.text("title", &self.title, 1, 300);
        if let Some(name) = &self.venue_name {
            v.text("venue.name", name, 1, 200);
        }
        v.optional_text("venue.street", self.venue_street.as_deref(), 200);
        v.optional_text("venue.postal_code", self.venue_postal_code.as_deref(), 20);
        if let Some(city) = &self.venue_city {
            v.text("venue.city", city, 1, 100);
        }
        v.optional_text("region", self.region.as_deref(), 100);
        v.check(
            self.ends_at > self.starts_at,
            "ends_at",
            "must be after starts_at",
        );
        v.check(self.capacity >= 1, "capacity", "must be at least 1");
        if let (Some(opens), Some(closes)) =
            (self.registration_opens_at, self.registration_closes_at)
        {
            v.check(
                closes > opens,
                "registration_closes_at",
                "must be after registration_opens_at",
            );
        }
        if let Some(closes) = self.registration_closes_at {
            v.check(
                closes <= self.ends_at,
                "registration_closes_at",
                "must not be after ends_at",
            );
        }
        if let Some(opens) = self.registration_opens_at {
            v.check(
                opens < self.ends_at,
                "registration_opens_at",
                "must be before ends_at",
            );
        }
        if let (Some(opens), Some(closes)) = (self.submissions_open_at, self.submissions_close_at) {
            v.check(
                closes > opens,
                "submissions_close_at",
                "must be after submissions_open_at",
            );
        }
        v.into_result()
    }
}

/// A new round. Windows are optional: a missing bound leaves that side open.
/// Registration closes at the latest when the round ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    pub kind: RoundKind,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: String,
    pub venue: Option<Venue>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub region: Option<String>,
    #[serde(deserialize_with = "calendar::checked")]
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`.
    #[serde(deserialize_with = "calendar::checked")]
    pub ends_at: DateTime<Utc>,
    /// Seats, at least 1.
    #[schema(example = 130, minimum = 1)]
    #[serde(deserialize_with = "super::validate::whole_number")]
    pub capacity: i32,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub registration_opens_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub registration_closes_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub submissions_open_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub submissions_close_at: Option<DateTime<Utc>>,
}

/// Changes to a round; absent fields stay, `null` clears an optional one.
/// Lowering `capacity` below the seats taken is 409 `capacity_below_confirmed`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundPatch {
    pub kind: Option<RoundKind>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Venue>)]
    pub venue: Option<Option<Venue>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"\S")]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "calendar::optional")]
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::validate::optional_whole_number")]
    pub capacity: Option<i32>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub registration_opens_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub registration_closes_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub submissions_open_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "calendar::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub submissions_close_at: Option<Option<DateTime<Utc>>>,
    pub cancelled: Option<bool>,
}

/// Adds a round to a consultation (by id or slug) that is not archived, checked on the
/// consultation held by the inserting transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    consultation_ref: &str,
    new: NewRound,
) -> AppResult<RoundRow> {
    conn.transaction(async |conn| {
        let consultation = super::consultation::hold(conn, consultation_ref, true).await?;
        insert(conn, &consultation, new).await
    })
    .await
}

async fn insert(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
    new: NewRound,
) -> AppResult<RoundRow> {
    if consultation.status == ConsultationStatus::Archived {
        return Err(AppError::conflict(
            "consultation_archived",
            "An archived consultation gets no new rounds.",
        ));
    }
    let now = Utc::now();
    let mut row = RoundRow {
        id: Uuid::now_v7(),
        consultation_id: consultation.id,
        kind: new.kind,
        title: new.title,
        venue_name: None,
        venue_street: None,
        venue_postal_code: None,
        venue_city: None,
        region: new.region,
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        capacity: new.capacity,
        registration_opens_at: new.registration_opens_at,
        registration_closes_at: new.registration_closes_at,
        submissions_open_at: new.submissions_open_at,
        submissions_close_at: new.submissions_close_at,
        cancelled: false,
        confirmed_count: 0,
        waitlisted_count: 0,
        attended_count: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.set_venue(new.venue);
    row.validate()?;
    Ok(diesel::insert_into(rounds::table)
        .values(&row)
        .returning(RoundRow::as_returning())
        .get_result(conn)
        .await?)
}

/// A round, unless its consultation is a draft and the caller is not staff.
pub async fn find_visible(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    staff: bool,
) -> AppResult<RoundRow> {
    let mut query = rounds::table
        .inner_join(consultations::table)
        .filter(rounds::id.eq(id))
        .select(RoundRow::as_select())
        .into_boxed();
    if !staff {
        query = query.filter(consultations::status.ne(ConsultationStatus::Draft));
    }
    query
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("round"))
}

/// A round of `consultation_id`, held for the rest of the transaction (`KEY SHARE`, which a
/// change of the round, taken `FOR UPDATE` in [`update`], waits for): a submission written
/// under it sees the round's submission window as it is until it commits.
pub async fn hold(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    consultation_id: Uuid,
) -> AppResult<Option<RoundRow>> {
    Ok(rounds::table
        .find(id)
        .filter(rounds::consultation_id.eq(consultation_id))
        .select(RoundRow::as_select())
        .for_key_share()
        .first(conn)
        .await
        .optional()?)
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    consultation_id: Uuid,
    keyset: Keyset,
) -> AppResult<Vec<RoundRow>> {
    let mut query = rounds::table
        .filter(rounds::consultation_id.eq(consultation_id))
        .select(RoundRow::as_select())
        .order(rounds::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(rounds::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    precondition: Precondition,
    patch: RoundPatch,
) -> AppResult<RoundRow> {
    conn.transaction(async |conn| {
        let mut row: RoundRow = rounds::table
            .find(id)
            .select(RoundRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| AppError::not_found("round"))?;
        let current = row.etag();
        let before = row.clone();
        apply(&mut row, patch);
        // An invalid request is refused as such, whatever its precondition (RFC 9110 13.2.1).
        row.validate()?;
        precondition.check(&current)?;
        if row.capacity < row.confirmed_count + row.attended_count {
            return Err(AppError::conflict(
                "capacity_below_confirmed",
                format!(
                    "capacity {} is below the {} seats already taken",
                    row.capacity,
                    row.confirmed_count + row.attended_count
                ),
            ));
        }
        row.version += 1;
        row.updated_at = Utc::now();
        diesel::update(rounds::table.find(id))
            .set(&row)
            .execute(conn)
            .await?;
        // More seats: the waitlist moves up in the same transaction.
        super::registration::promote_while_free(conn, &row).await?;
        if let Some(kind) = news_for_registrants(&before, &row) {
            super::registration::notify_round(conn, &row, kind).await?;
        }
        announce(conn, &row, !before.cancelled && row.cancelled).await?;
        Ok(rounds::table
            .find(id)
            .select(RoundRow::as_select())
            .first(conn)
            .await?)
    })
    .await
}

/// Tells webhook subscribers that a round changed (and, the first time, that it was
/// cancelled): everyone who may read it, i.e. every partner once the consultation is
/// public, admins always.
async fn announce(conn: &mut AsyncPgConnection, row: &RoundRow, cancelled: bool) -> AppResult<()> {
    let status: ConsultationStatus = consultations::table
        .find(row.consultation_id)
        .select(consultations::status)
        .first(conn)
        .await?;
    let audience = Audience {
        organisation: None,
        public: status != ConsultationStatus::Draft,
    };
    let data = serde_json::to_value(Round::from(row.clone()))
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let mut kinds = vec![EventType::RoundUpdated];
    if cancelled {
        kinds.push(EventType::RoundCancelled);
    }
    for kind in kinds {
        let event = webhook::Event {
            kind,
            audience,
            subject_id: row.id,
            data: data.clone(),
        };
        webhook::publish(conn, event).await?;
    }
    Ok(())
}

/// What registrants must be told about a change of their round: that it is cancelled, or
/// that its time or place moved. Other changes (capacity, windows, title) concern staff.
fn news_for_registrants(before: &RoundRow, after: &RoundRow) -> Option<NoticeKind> {
    if after.cancelled && !before.cancelled {
        Some(NoticeKind::RoundCancelled)
    } else if !after.cancelled
        && (before.starts_at != after.starts_at
            || before.ends_at != after.ends_at
            || before.venue() != after.venue())
    {
        Some(NoticeKind::RoundChanged)
    } else {
        None
    }
}

fn apply(row: &mut RoundRow, patch: RoundPatch) {
    if let Some(kind) = patch.kind {
        row.kind = kind;
    }
    if let Some(title) = patch.title {
        row.title = title;
    }
    if let Some(venue) = patch.venue {
        row.set_venue(venue);
    }
    if let Some(region) = patch.region {
        row.region = region;
    }
    if let Some(starts_at) = patch.starts_at {
        row.starts_at = starts_at;
    }
    if let Some(ends_at) = patch.ends_at {
        row.ends_at = ends_at;
    }
    if let Some(capacity) = patch.capacity {
        row.capacity = capacity;
    }
    if let Some(t) = patch.registration_opens_at {
        row.registration_opens_at = t;
    }
    if let Some(t) = patch.registration_closes_at {
        row.registration_closes_at = t;
    }
    if let Some(t) = patch.submissions_open_at {
        row.submissions_open_at = t;
    }
    if let Some(t) = patch.submissions_close_at {
        row.submissions_close_at = t;
    }
    if let Some(cancelled) = patch.cancelled {
        row.cancelled = cancelled;
    }
}

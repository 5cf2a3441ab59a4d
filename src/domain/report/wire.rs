//! What the API sends about the participation report.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::category::Category;
use crate::domain::submission::{SubmissionKind, SubmissionStatus};

/// The report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub consultation_id: Uuid,
    pub generated_at: DateTime<Utc>,
    pub totals: Totals,
    /// Submissions counted by round (`null`: not tied to a round) × kind × topic × status;
    /// combinations without submissions are left out.
    pub submissions: Vec<SubmissionCount>,
    /// Per round and every organisation category, including those with zero.
    pub coverage: Vec<RoundCoverage>,
    /// Accepted needs that no accepted action approach addresses.
    pub open_needs: Vec<OpenNeed>,
    /// Per topic of the consultation, including those with zero.
    pub topics: Vec<TopicSummary>,
    /// Per organisation category (every one, in the order of `/api/v1/categories`): how many
    /// organisations took part, by a registration or a submission.
    #[schema(max_items = 16)]
    pub categories: Vec<CategoryOrganisations>,
    /// Submissions (withdrawn ones included) per calendar week of their arrival (Monday, in
    /// German time); weeks without submissions are left out.
    pub weeks: Vec<WeekCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOrganisations {
    pub category: Category,
    /// Distinct organisations (registered, not cancelled, or with a submission that is not
    /// withdrawn); a registration naming no known organisation counts by its organisation's
    /// name.
    pub organisations: i64,
}

#[derive(Debug, Serialize, ToSchema, QueryableByName)]
pub struct WeekCount {
    /// The Monday that starts the week.
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub submissions: i64,
}

#[derive(Debug, Serialize, ToSchema, QueryableByName)]
pub struct Totals {
    /// All submissions, withdrawn ones included.
    #[diesel(sql_type = BigInt)]
    pub submissions: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    /// Organisations with at least one submission.
    #[diesel(sql_type = BigInt)]
    pub organisations: i64,
    /// Registrations confirmed, waitlisted or attended (not cancelled, not awaiting their mailed
    /// confirmation).
    #[diesel(sql_type = BigInt)]
    pub registered: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
}

#[derive(Debug, Serialize, ToSchema, QueryableByName)]
pub struct SubmissionCount {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub round_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub kind: SubmissionKind,
    #[diesel(sql_type = Text)]
    #[schema(max_length = 50)]
    pub topic: String,
    #[diesel(sql_type = Text)]
    pub status: SubmissionStatus,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundCoverage {
    pub round_id: Uuid,
    #[schema(max_length = 300)]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// One entry per category, in the order of `/api/v1/categories`.
    #[schema(max_items = 16)]
    pub categories: Vec<CategoryCoverage>,
    /// Categories with neither a registration nor a submission in this round.
    #[schema(max_items = 16)]
    pub absent_categories: Vec<Category>,
    /// Registrations and submissions without a category (e.g. no organisation named).
    pub uncategorised: CategoryCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCoverage {
    pub category: Category,
    #[serde(flatten)]
    pub counts: CategoryCounts,
}

#[derive(Debug, Default, Serialize, ToSchema, PartialEq)]
pub struct CategoryCounts {
    /// Registrations confirmed, waitlisted or attended.
    pub registered: i64,
    pub attended: i64,
    /// Submissions of the round (withdrawn ones not counted).
    pub submissions: i64,
}

#[derive(Debug, Serialize, ToSchema, QueryableByName)]
pub struct OpenNeed {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    #[schema(max_length = 300)]
    pub title: String,
    #[diesel(sql_type = Text)]
    #[schema(max_length = 50)]
    pub topic: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub round_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub organisation_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicSummary {
    #[schema(max_length = 50)]
    pub topic: String,
    #[schema(max_length = 200)]
    pub label: String,
    /// Accepted needs.
    pub needs: i64,
    /// Accepted action approaches.
    pub action_approaches: i64,
    /// Accepted needs no accepted action approach addresses.
    pub open_needs: i64,
    /// The considered responses to the topic's submissions.
    pub considerations: Considerations,
}

/// Submissions of a topic by the state of their considered response.
#[derive(Debug, Default, Clone, Serialize, ToSchema, QueryableByName)]
pub struct Considerations {
    /// Published, `considered`.
    #[diesel(sql_type = BigInt)]
    pub considered: i64,
    #[diesel(sql_type = BigInt)]
    pub partly_considered: i64,
    #[diesel(sql_type = BigInt)]
    pub not_considered: i64,
    #[diesel(sql_type = BigInt)]
    pub noted: i64,
    /// Drafted, not yet published.
    #[diesel(sql_type = BigInt)]
    pub drafted: i64,
    /// Without a response (withdrawn submissions not counted).
    #[diesel(sql_type = BigInt)]
    pub unanswered: i64,
}

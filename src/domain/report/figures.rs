//! The participation report's figures: totals, coverage of rounds and categories, open needs and topics, each in one statement.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{
    CategoryCounts, CategoryCoverage, CategoryOrganisations, Considerations, OpenNeed, Report,
    RoundCoverage, SubmissionCount, TopicSummary, Totals, WeekCount,
};
use crate::domain::category::Category;
use crate::domain::consultation::ConsultationRow;
use crate::error::AppResult;

#[derive(QueryableByName)]
pub(super) struct CoverageRow {
    #[diesel(sql_type = SqlUuid)]
    round_id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    starts_at: DateTime<Utc>,
    /// NULL for the uncategorised bucket.
    #[diesel(sql_type = Nullable<Text>)]
    category: Option<Category>,
    #[diesel(sql_type = BigInt)]
    registered: i64,
    #[diesel(sql_type = BigInt)]
    attended: i64,
    #[diesel(sql_type = BigInt)]
    submissions: i64,
}

#[derive(QueryableByName)]
pub(super) struct TopicRow {
    #[diesel(sql_type = Text)]
    topic: String,
    #[diesel(sql_type = BigInt)]
    needs: i64,
    #[diesel(sql_type = BigInt)]
    action_approaches: i64,
    #[diesel(embed)]
    considerations: Considerations,
}

pub(super) const TOTALS: &str = "
SELECT
  (SELECT count(*) FROM submissions WHERE consultation_id = $1) AS submissions,
  (SELECT count(*) FROM submissions WHERE consultation_id = $1 AND status = 'accepted') AS accepted,
  (SELECT count(DISTINCT organisation_id) FROM submissions WHERE consultation_id = $1) AS organisations,
  (SELECT count(*) FROM registrations r JOIN rounds ro ON ro.id = r.round_id
    WHERE ro.consultation_id = $1 AND r.status NOT IN ('cancelled', 'pending')) AS registered,
  (SELECT count(*) FROM registrations r JOIN rounds ro ON ro.id = r.round_id
    WHERE ro.consultation_id = $1 AND r.status = 'attended') AS attended";

pub(super) const SUBMISSION_COUNTS: &str = "
SELECT round_id, kind, topic, status, count(*) AS count
FROM submissions WHERE consultation_id = $1
GROUP BY round_id, kind, topic, status
ORDER BY round_id NULLS FIRST, kind, topic, status";

/// Every round × every category (plus NULL for uncategorised), left-joined to the counts.
pub(super) const COVERAGE: &str = "
WITH categories(category, position) AS (
  SELECT c, p FROM unnest($2::text[]) WITH ORDINALITY AS u(c, p)
  UNION ALL SELECT NULL, 2147483647
),
registered AS (
  SELECT r.round_id, r.category,
         count(*) FILTER (WHERE r.status NOT IN ('cancelled', 'pending')) AS registered,
         count(*) FILTER (WHERE r.status = 'attended') AS attended
  FROM registrations r JOIN rounds ro ON ro.id = r.round_id
  WHERE ro.consultation_id = $1
  GROUP BY r.round_id, r.category
),
submitted AS (
  SELECT s.round_id, o.category, count(*) AS submissions
  FROM submissions s LEFT JOIN organisations o ON o.id = s.organisation_id
  WHERE s.consultation_id = $1 AND s.round_id IS NOT NULL AND s.status <> 'withdrawn'
  GROUP BY s.round_id, o.category
)
SELECT ro.id AS round_id, ro.title, ro.starts_at, c.category,
       coalesce(r.registered, 0) AS registered, coalesce(r.attended, 0) AS attended,
       coalesce(s.submissions, 0) AS submissions
FROM rounds ro
CROSS JOIN categories c
LEFT JOIN registered r ON r.round_id = ro.id AND r.category IS NOT DISTINCT FROM c.category
LEFT JOIN submitted s ON s.round_id = ro.id AND s.category IS NOT DISTINCT FROM c.category
WHERE ro.consultation_id = $1
ORDER BY ro.starts_at, ro.id, c.position";

/// An accepted need is open while no accepted action approach addresses it.
pub(super) const OPEN_NEEDS: &str = "
SELECT n.id, n.title, n.topic, n.round_id, n.organisation_id
FROM submissions n
WHERE n.consultation_id = $1 AND n.kind = 'need' AND n.status = 'accepted'
  AND NOT EXISTS (
    SELECT 1 FROM submission_addresses a
    JOIN submissions approach ON approach.id = a.action_approach_id
    WHERE a.need_id = n.id AND approach.status = 'accepted')
ORDER BY n.topic, n.id";

/// Organisations that took part, per category: registered (not cancelled, not pending) or
/// with a submission that is not withdrawn.
pub(super) const CATEGORY_ORGANISATIONS: &str = "
SELECT category, count(DISTINCT who) AS organisations FROM (
  SELECT r.category,
         coalesce(r.organisation_id::text, lower(r.organisation_name), r.id::text) AS who
  FROM registrations r JOIN rounds ro ON ro.id = r.round_id
  WHERE ro.consultation_id = $1 AND r.category IS NOT NULL
    AND r.status NOT IN ('cancelled', 'pending')
  UNION ALL
  SELECT o.category, o.id::text
  FROM submissions s JOIN organisations o ON o.id = s.organisation_id
  WHERE s.consultation_id = $1 AND s.status <> 'withdrawn'
) AS taking_part
GROUP BY category";

pub(super) const WEEKS: &str = "
SELECT date_trunc('week', created_at AT TIME ZONE 'Europe/Berlin')::date AS week,
       count(*) AS submissions
FROM submissions WHERE consultation_id = $1
GROUP BY 1 ORDER BY 1";

#[derive(QueryableByName)]
pub(super) struct CategoryRow {
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    organisations: i64,
}

pub(super) const TOPICS: &str = "
SELECT topic,
       count(*) FILTER (WHERE status = 'accepted' AND kind = 'need') AS needs,
       count(*) FILTER (WHERE status = 'accepted' AND kind = 'action_approach') AS action_approaches,
       count(*) FILTER (WHERE response_published_at IS NOT NULL
                          AND response_consideration = 'considered') AS considered,
       count(*) FILTER (WHERE response_published_at IS NOT NULL
                          AND response_consideration = 'partly_considered') AS partly_considered,
       count(*) FILTER (WHERE response_published_at IS NOT NULL
                          AND response_consideration = 'not_considered') AS not_considered,
       count(*) FILTER (WHERE response_published_at IS NOT NULL
                          AND response_consideration = 'noted') AS noted,
       count(*) FILTER (WHERE response_consideration IS NOT NULL
                          AND response_published_at IS NULL) AS drafted,
       count(*) FILTER (WHERE response_consideration IS NULL
                          AND status <> 'withdrawn') AS unanswered
FROM submissions
WHERE consultation_id = $1
GROUP BY topic";

/// The report, from one snapshot: its seven statements run in one `REPEATABLE READ READ
/// ONLY` transaction, so totals and sections count the same rows.
pub async fn build(
    conn: &mut AsyncPgConnection,
    consultation: &ConsultationRow,
) -> AppResult<Report> {
    let id = consultation.id;
    let category_keys: Vec<&'static str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    let (totals, submissions, coverage_rows, open_needs, topic_rows, extra) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let totals: Totals = diesel::sql_query(TOTALS)
                .bind::<SqlUuid, _>(id)
                .get_result(conn)
                .await?;
            let submissions: Vec<SubmissionCount> = diesel::sql_query(SUBMISSION_COUNTS)
                .bind::<SqlUuid, _>(id)
                .load(conn)
                .await?;
            let coverage_rows: Vec<CoverageRow> = diesel::sql_query(COVERAGE)
                .bind::<SqlUuid, _>(id)
                .bind::<Array<Text>, _>(category_keys)
                .load(conn)
                .await?;
            let open_needs: Vec<OpenNeed> = diesel::sql_query(OPEN_NEEDS)
                .bind::<SqlUuid, _>(id)
                .load(conn)
                .await?;
            let topic_rows: Vec<TopicRow> = diesel::sql_query(TOPICS)
                .bind::<SqlUuid, _>(id)
                .load(conn)
                .await?;
            let category_rows: Vec<CategoryRow> = diesel::sql_query(CATEGORY_ORGANISATIONS)
                .bind::<SqlUuid, _>(id)
                .load(conn)
                .await?;
            let weeks: Vec<WeekCount> = diesel::sql_query(WEEKS)
                .bind::<SqlUuid, _>(id)
                .load(conn)
                .await?;
            let extra = (category_rows, weeks);
            diesel::QueryResult::Ok((
                totals,
                submissions,
                coverage_rows,
                open_needs,
                topic_rows,
                extra,
            ))
        })
        .await?;
    Ok(Report {
        consultation_id: id,
        generated_at: Utc::now(),
        totals,
        submissions,
        coverage: coverage(coverage_rows),
        topics: topics(consultation, &topic_rows, &open_needs),
        open_needs,
        categories: categories(&extra.0),
        weeks: extra.1,
    })
}

/// Every category, with the organisations of those that took part.
fn categories(rows: &[CategoryRow]) -> Vec<CategoryOrganisations> {
    Category::ALL
        .iter()
        .map(|&category| CategoryOrganisations {
            category,
            organisations: rows
                .iter()
                .find(|r| r.category == category.as_str())
                .map_or(0, |r| r.organisations),
        })
        .collect()
}

/// Groups the round × category rows (already in round order) into one entry per round.
pub(super) fn coverage(rows: Vec<CoverageRow>) -> Vec<RoundCoverage> {
    let mut rounds: Vec<RoundCoverage> = Vec::new();
    for row in rows {
        if rounds.last().is_none_or(|r| r.round_id != row.round_id) {
            rounds.push(RoundCoverage {
                round_id: row.round_id,
                title: row.title.clone(),
                starts_at: row.starts_at,
                categories: Vec::new(),
                absent_categories: Vec::new(),
                uncategorised: CategoryCounts::default(),
            });
        }
        let Some(round) = rounds.last_mut() else {
            continue;
        };
        let counts = CategoryCounts {
            registered: row.registered,
            attended: row.attended,
            submissions: row.submissions,
        };
        match row.category {
            Some(category) => {
                if counts.registered == 0 && counts.submissions == 0 {
                    round.absent_categories.push(category);
                }
                round.categories.push(CategoryCoverage { category, counts });
            }
            None => round.uncategorised = counts,
        }
    }
    rounds
}

pub(super) fn topics(
    consultation: &ConsultationRow,
    rows: &[TopicRow],
    open: &[OpenNeed],
) -> Vec<TopicSummary> {
    let mut open_per_topic: BTreeMap<&str, i64> = BTreeMap::new();
    for need in open {
        *open_per_topic.entry(need.topic.as_str()).or_default() += 1;
    }
    consultation
        .topics()
        .into_iter()
        .map(|topic| {
            let row = rows.iter().find(|r| r.topic == topic.key);
            TopicSummary {
                needs: row.map_or(0, |r| r.needs),
                action_approaches: row.map_or(0, |r| r.action_approaches),
                open_needs: open_per_topic.get(topic.key.as_str()).copied().unwrap_or(0),
                considerations: row.map(|r| r.considerations.clone()).unwrap_or_default(),
                topic: topic.key,
                label: topic.label,
            }
        })
        .collect()
}

//! The Abwägungstabelle: every submission of a consultation with the ministry's considered
//! response, grouped by topic (in the consultation's order), in number order within a
//! topic — the table that goes into the concept's documentation. Read page by page, so an
//! export of any size needs the memory of one page.
//!
//! Withdrawn submissions are left out: their organisations took them back. The table names
//! organisations, never authors.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::sql_types::{Array, BigInt, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::category::Category;
use super::consultation::ConsultationRow;
use super::submission::Consideration;
use super::submission::{SubmissionKind, SubmissionStatus};
use crate::error::AppResult;

/// The column headers, in German as the table is read.
pub const HEADER: &[&str] = &[
    "Nr.",
    "Handlungsfeld",
    "Art",
    "Titel",
    "Inhalt",
    "Organisation",
    "Kategorie",
    "Runde",
    "Antwortet auf Bedarfe",
    "Beantwortet durch Handlungsansätze",
    "Status",
    "Abwägung",
    "Begründung",
    "Veröffentlicht am",
];

/// One row of the table, as read.
#[derive(Debug, diesel::QueryableByName)]
pub struct TableRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Text)]
    pub topic: String,
    #[diesel(sql_type = Text)]
    pub kind: SubmissionKind,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub organisation: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<Category>,
    #[diesel(sql_type = Nullable<Text>)]
    pub round: Option<String>,
    /// Numbers of the needs an action approach answers, `, `-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub answers: Option<String>,
    /// Numbers of the action approaches answering a need, `, `-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub answered_by: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: SubmissionStatus,
    #[diesel(sql_type = Nullable<Text>)]
    pub consideration: Option<Consideration>,
    #[diesel(sql_type = Nullable<Text>)]
    pub response: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Int4)]
    pub topic_position: i32,
    #[diesel(sql_type = BigInt)]
    pub sequence: i64,
}

/// Where a page ends: the topic's place in the consultation's order, and the number.
#[derive(Debug, Clone, Copy)]
pub struct TableKey {
    pub topic_position: i32,
    pub sequence: i64,
}

impl TableRow {
    pub fn key(&self) -> TableKey {
        TableKey {
            topic_position: self.topic_position,
            sequence: self.sequence,
        }
    }

    /// The cells under [`HEADER`]; topic keys are shown as the consultation labels them.
    pub fn cells(&self, consultation: &Labels) -> [String; 14] {
        [
            self.number.clone(),
            consultation.topic(&self.topic).to_string(),
            kind_label(self.kind).to_string(),
            self.title.clone(),
            self.body.clone(),
            self.organisation.clone().unwrap_or_default(),
            self.category
                .map(|c| c.labels().0.to_string())
                .unwrap_or_default(),
            self.round.clone().unwrap_or_default(),
            self.answers.clone().unwrap_or_default(),
            self.answered_by.clone().unwrap_or_default(),
            status_label(self.status).to_string(),
            self.consideration
                .map(consideration_label)
                .unwrap_or_default()
                .to_string(),
            self.response.clone().unwrap_or_default(),
            self.published_at
                .map(|t| {
                    t.with_timezone(&chrono_tz::Europe::Berlin)
                        .format("%d.%m.%Y")
                        .to_string()
                })
                .unwrap_or_default(),
        ]
    }
}

/// The topic labels of a consultation, for the table's cells.
#[derive(Debug, Clone)]
pub struct Labels {
    topics: Vec<(String, String)>,
}

impl Labels {
    pub fn of(consultation: &ConsultationRow) -> Self {
        Self {
            topics: consultation
                .topics()
                .into_iter()
                .map(|t| (t.key, t.label))
                .collect(),
        }
    }

    fn keys(&self) -> Vec<String> {
        self.topics.iter().map(|(key, _)| key.clone()).collect()
    }

    fn topic<'a>(&'a self, key: &'a str) -> &'a str {
        self.topics
            .iter()
            .find(|(k, _)| k == key)
            .map_or(key, |(_, label)| label.as_str())
    }
}

pub fn kind_label(kind: SubmissionKind) -> &'static str {
    match kind {
        SubmissionKind::Need => "Bedarf",
        SubmissionKind::ActionApproach => "Handlungsansatz",
        SubmissionKind::Statement => "Stellungnahme",
    }
}

pub fn status_label(status: SubmissionStatus) -> &'static str {
    match status {
        SubmissionStatus::Submitted => "eingereicht",
        SubmissionStatus::InReview => "in Prüfung",
        SubmissionStatus::Accepted => "angenommen",
        SubmissionStatus::Rejected => "abgelehnt",
        SubmissionStatus::Merged => "zusammengeführt",
        SubmissionStatus::Withdrawn => "zurückgezogen",
    }
}

pub fn consideration_label(consideration: Consideration) -> &'static str {
    match consideration {
        Consideration::Considered => "berücksichtigt",
        Consideration::PartlyConsidered => "teilweise berücksichtigt",
        Consideration::NotConsidered => "nicht berücksichtigt",
        Consideration::Noted => "zur Kenntnis genommen",
    }
}

/// Up to `limit` rows after `after`, in table order: topic by topic as the consultation
/// lists them, then topics no longer in its list; in number order within each.
pub async fn page(
    conn: &mut AsyncPgConnection,
    consultation_id: Uuid,
    labels: &Labels,
    after: Option<TableKey>,
    limit: i64,
) -> AppResult<Vec<TableRow>> {
    let keys = labels.keys();
    let mut position = after.map_or(0, |a| a.topic_position);
    let mut after_sequence = after.map_or(i64::MIN, |a| a.sequence);
    let mut rows: Vec<TableRow> = Vec::new();
    while (rows.len() as i64) < limit {
        let wanted = limit - rows.len() as i64;
        let query = match usize::try_from(position).ok().and_then(|p| keys.get(p)) {
            Some(topic) => diesel::sql_query(format!("{SELECT} AND s.topic = $2 {ORDER}"))
                .into_boxed::<Pg>()
                .bind::<SqlUuid, _>(consultation_id)
                .bind::<Text, _>(topic.clone()),
            None => diesel::sql_query(format!("{SELECT} AND s.topic <> ALL($2) {ORDER}"))
                .into_boxed::<Pg>()
                .bind::<SqlUuid, _>(consultation_id)
                .bind::<Array<Text>, _>(keys.clone()),
        };
        let found: Vec<TableRow> = query
            .bind::<Int4, _>(position)
            .bind::<BigInt, _>(after_sequence)
            .bind::<BigInt, _>(wanted)
            .load(conn)
            .await?;
        let exhausted = (found.len() as i64) < wanted;
        rows.extend(found);
        if !exhausted || position == OTHER_TOPICS {
            break;
        }
        position = if usize::try_from(position + 1).is_ok_and(|p| p < keys.len()) {
            position + 1
        } else {
            OTHER_TOPICS
        };
        after_sequence = i64::MIN;
    }
    Ok(rows)
}

/// The place of topics no longer in the consultation's list: after all others.
const OTHER_TOPICS: i32 = i32::MAX;

/// One topic's rows (or the other topics'), from the index `submissions_table_idx`. The
/// numbers' digits order them (`ITK-10000` after `ITK-9999`), and are unique in a
/// consultation whatever prefix it had when they were given.
const SELECT: &str = "
SELECT s.id, s.number, s.topic, s.kind, s.title, s.body,
       o.name AS organisation, o.category, r.title AS round,
       (SELECT string_agg(n.number, ', ' ORDER BY n.number)
          FROM submission_addresses a JOIN submissions n ON n.id = a.need_id
         WHERE a.action_approach_id = s.id) AS answers,
       (SELECT string_agg(ap.number, ', ' ORDER BY ap.number)
          FROM submission_addresses a JOIN submissions ap ON ap.id = a.action_approach_id
         WHERE a.need_id = s.id AND ap.status <> 'withdrawn') AS answered_by,
       s.status, s.response_consideration AS consideration, s.response_text AS response,
       s.response_published_at AS published_at,
       $3::int AS topic_position,
       substring(s.number FROM '[0-9]+$')::bigint AS sequence
  FROM submissions s
  LEFT JOIN organisations o ON o.id = s.organisation_id
  LEFT JOIN rounds r ON r.id = s.round_id
 WHERE s.consultation_id = $1 AND s.status <> 'withdrawn'
   AND substring(s.number FROM '[0-9]+$')::bigint > $4";

const ORDER: &str = "ORDER BY substring(s.number FROM '[0-9]+$')::bigint LIMIT $5";

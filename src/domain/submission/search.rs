//! Listing and searching a consultation's submissions (German full text), a page at a time.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{
    BoxedSubmissions, Computed, Seen, SubmissionRow, addressed_needs, view_of, visible,
    visible_duplicate,
};
use super::wire::{Submission, SubmissionKind, SubmissionStatus};
use crate::db::PreparedByText;
use crate::db::schema::{organisations, submissions};
use crate::domain::category::Category;
use crate::domain::consultation::{self};
use crate::domain::page::{self, Keyset};
use crate::domain::policy::{self, Action, Party};
use crate::error::{AppError, AppResult};

/// Filters of the submission list (and its export).
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub round_id: Option<Uuid>,
    pub kind: Option<SubmissionKind>,
    pub topic: Option<String>,
    pub status: Option<SubmissionStatus>,
    pub organisation_id: Option<Uuid>,
    pub category: Option<Category>,
    pub region: Option<String>,
    pub external_ref: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// German full-text search over title and body, as produced by [`search_terms`].
    pub q: Option<Search>,
}

/// Most words one search may have: each is a prefix match over the index.
pub const MAX_SEARCH_TERMS: usize = 8;

/// Shortest word searched for: a one-letter prefix matches nearly every row.
pub const MIN_SEARCH_TERM_CHARS: usize = 2;

/// Longest search text.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Turns what a user types into a `to_tsquery` expression: every word becomes a German-
/// stemmed prefix (the stemmer alone maps `Sprachkurs` to `sprachkur` but `Sprachkurse` to
/// `sprachkurs`; as a prefix the first finds the second), words are ANDed, `OR` between two
/// words ORs them and a leading `-` excludes a word. Bounded, so that no search is costly:
/// words shorter than [`MIN_SEARCH_TERM_CHARS`] are left out, and only the first
/// [`MAX_SEARCH_TERMS`] words count. `Search::Nothing` when no word is left (it finds
/// nothing), `None` for a blank text; a text over [`MAX_SEARCH_CHARS`] is refused (400).
pub fn search_terms(q: &str) -> AppResult<Option<Search>> {
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::invalid_parameter(
            "q",
            format!("must not be longer than {MAX_SEARCH_CHARS} characters"),
        ));
    }
    if q.contains('\0') {
        return Err(AppError::invalid_parameter("q", "must not contain NUL"));
    }
    if q.trim().is_empty() {
        return Ok(None);
    }
    if let Some(number) = as_number(q.trim()) {
        return Ok(Some(Search::Number(number)));
    }
    let mut out = String::new();
    let mut terms = 0;
    let mut pending_or = false;
    'words: for raw in q.split_whitespace() {
        if raw == "OR" {
            pending_or = !out.is_empty();
            continue;
        }
        let (negated, word) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        // `Kita-Plätze` searches for both parts, as PostgreSQL indexes them.
        for part in word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| p.chars().count() >= MIN_SEARCH_TERM_CHARS)
        {
            if terms == MAX_SEARCH_TERMS {
                break 'words;
            }
            terms += 1;
            if !out.is_empty() {
                out.push_str(if pending_or { " | " } else { " & " });
            }
            pending_or = false;
            if negated {
                out.push('!');
            }
            out.push_str(part);
            out.push_str(":*");
        }
    }
    Ok(Some(if out.is_empty() {
        Search::Nothing
    } else {
        Search::Terms(out)
    }))
}

/// A submission number as searched for (`ITK-0042`, `ITK-42`), written as it is stored.
/// The prefix is in capitals as numbers are written, so that `Covid-19` stays a word.
pub(in crate::domain) fn as_number(q: &str) -> Option<String> {
    let (prefix, digits) = q.split_once('-')?;
    let prefix_ok = prefix.len() <= 10
        && prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let n: u32 = digits.parse().ok().filter(|_| digits.len() <= 9)?;
    prefix_ok.then(|| format!("{prefix}-{n:04}"))
}

/// A search, as [`search_terms`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// A submission number: finds that submission.
    Number(String),
    /// A `to_tsquery` expression.
    Terms(String),
    /// No word to search for: nothing is found.
    Nothing,
}

/// `ts_rank` of a row against the terms from [`search_terms`].
pub(super) fn rank_of(terms: &str) -> Computed<Float> {
    Box::new(
        sql::<Float>("ts_rank(submissions.search, to_tsquery('german', ")
            .bind::<Text, _>(terms.to_string())
            .sql("))"),
    )
}

/// Whether a row matches the terms from [`search_terms`].
pub(super) fn matches(terms: &str) -> Computed<Bool> {
    Box::new(
        sql::<Bool>("submissions.search @@ to_tsquery('german', ")
            .bind::<Text, _>(terms.to_string())
            .sql(")"),
    )
}

pub(super) fn filtered<'a>(
    consultation: consultation::VisibleId<'a>,
    filter: &SubmissionFilter,
    party: Party,
) -> BoxedSubmissions<'a> {
    let mut query = visible(submissions::table.into_boxed(), party)
        .filter(submissions::consultation_id.eq_any(consultation));
    if let Some(round_id) = filter.round_id {
        query = query.filter(submissions::round_id.eq(round_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(submissions::kind.eq(kind));
    }
    if let Some(topic) = &filter.topic {
        query = query.filter(submissions::topic.eq(topic.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(submissions::status.eq(status));
    }
    if let Some(org) = filter.organisation_id {
        query = query.filter(submissions::organisation_id.eq(org));
    }
    if let Some(category) = filter.category {
        query = query.filter(
            submissions::organisation_id.eq_any(
                organisations::table
                    .filter(organisations::category.eq(category))
                    .select(organisations::id.nullable()),
            ),
        );
    }
    if let Some(region) = &filter.region {
        query = query.filter(
            submissions::organisation_id.eq_any(
                organisations::table
                    .filter(organisations::region.eq(region.clone()))
                    .select(organisations::id.nullable()),
            ),
        );
    }
    if let Some(external_ref) = &filter.external_ref {
        query = query.filter(submissions::external_ref.eq(external_ref.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(submissions::updated_at.ge(since));
    }
    match &filter.q {
        Some(Search::Number(number)) => {
            query = query.filter(submissions::number.eq(number.clone()))
        }
        Some(Search::Terms(terms)) => query = query.filter(matches(terms)),
        Some(Search::Nothing) => query = query.filter(diesel::dsl::sql::<Bool>("false")),
        None => {}
    }
    query
}

/// How long an anonymous search may hold a database connection.
pub const ANONYMOUS_SEARCH_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// A page of the submissions of the consultation `consultation` names (id or slug) that
/// `party` may see, by creation order or by rank when searching, with the listing's sync
/// watermark. The watermark (first page only) and the page are sent together and run in
/// that order, each in its own snapshot, as the watermark requires: one round trip. Only an
/// empty page asks whether the consultation is there at all (404 if not). An anonymous
/// search holds its connection at most [`ANONYMOUS_SEARCH_BUDGET`] (503 beyond): anyone can
/// send one, and a costly one must not tie up the pool.
pub async fn list(
    conn: &mut AsyncPgConnection,
    consultation: &str,
    filter: &SubmissionFilter,
    party: Party,
    keyset: Keyset,
) -> AppResult<(Vec<Submission>, DateTime<Utc>)> {
    let include_drafts = policy::permits(party, Action::ReadDrafts);
    let of = || consultation::visible_id(consultation, include_drafts);
    let (watermark, rows) = if filter.q.is_none() || party != Party::Anonymous {
        let shared: &AsyncPgConnection = conn;
        match keyset.watermark {
            Some(watermark) => (
                watermark,
                load_page(&mut &*shared, of(), filter, party, keyset).await?,
            ),
            None => {
                let (mut first, mut second) = (shared, shared);
                futures_util::try_join!(
                    page::sync_watermark_on(&mut first),
                    load_page(&mut second, of(), filter, party, keyset)
                )?
            }
        }
    } else {
        let watermark = match keyset.watermark {
            Some(watermark) => watermark,
            None => page::sync_watermark(conn).await?,
        };
        let rows = conn
            .transaction(async |conn| {
                set_local_timeout(conn, ANONYMOUS_SEARCH_BUDGET).await?;
                load_page(&mut &*conn, of(), filter, party, keyset).await
            })
            .await?;
        (watermark, rows)
    };
    if rows.is_empty() {
        consultation::find_visible(conn, consultation, include_drafts).await?;
    }
    let items = rows
        .into_iter()
        .map(|(seen, rank)| view_of(seen, party, rank))
        .collect();
    Ok((items, watermark))
}

/// Bounds every following statement of the transaction to `budget` (at least 1 ms).
pub(super) async fn set_local_timeout(
    conn: &mut AsyncPgConnection,
    budget: std::time::Duration,
) -> QueryResult<()> {
    let ms = budget.as_millis().max(1);
    diesel::sql_query(format!("SET LOCAL statement_timeout = {ms}"))
        .execute(conn)
        .await
        .map(drop)
}

/// One statement: the page's rows with the needs they address (see [`addressed_needs`]).
pub(super) async fn load_page(
    conn: &mut &AsyncPgConnection,
    consultation: consultation::VisibleId<'_>,
    filter: &SubmissionFilter,
    party: Party,
    keyset: Keyset,
) -> QueryResult<Vec<(Seen, Option<f32>)>> {
    let query = filtered(consultation, filter, party).limit(keyset.fetch());
    let rows: Vec<(Seen, Option<f32>)> = match &filter.q {
        None | Some(Search::Nothing) | Some(Search::Number(_)) => {
            let mut query = query.order(submissions::id);
            if let Some(after) = keyset.after {
                query = query.filter(submissions::id.gt(after));
            }
            query
                .select((
                    SubmissionRow::as_select(),
                    addressed_needs(party),
                    visible_duplicate(party),
                ))
                .by_text()
                .load::<Seen>(conn)
                .await?
                .into_iter()
                .map(|seen| (seen, None))
                .collect()
        }
        Some(Search::Terms(q)) => {
            let mut query = query.order((rank_of(q).desc(), submissions::id));
            if let Some(after) = keyset.after {
                let rank = keyset.after_rank.unwrap_or(f32::MAX);
                query = query.filter(
                    rank_of(q)
                        .lt(rank)
                        .or(rank_of(q).eq(rank).and(submissions::id.gt(after))),
                );
            }
            query
                .select((
                    SubmissionRow::as_select(),
                    addressed_needs(party),
                    visible_duplicate(party),
                    rank_of(q),
                ))
                .by_text()
                .load::<(SubmissionRow, Vec<Uuid>, Option<Uuid>, f32)>(conn)
                .await?
                .into_iter()
                .map(|(row, needs, duplicate_of, rank)| ((row, needs, duplicate_of), Some(rank)))
                .collect()
        }
    };
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    use super::Search;

    fn terms(q: &str) -> Option<String> {
        match search_terms(q).unwrap() {
            Some(Search::Terms(terms)) => Some(terms),
            _ => None,
        }
    }

    #[test]
    fn search_words_become_anded_prefixes() {
        assert_eq!(terms("Sprachkurs").as_deref(), Some("Sprachkurs:*"));
        assert_eq!(
            terms("Sprachkurs Kita -Halle").as_deref(),
            Some("Sprachkurs:* & Kita:* & !Halle:*")
        );
        assert_eq!(
            terms("Kita OR Schule").as_deref(),
            Some("Kita:* | Schule:*")
        );
        assert_eq!(terms("ab':*|(cd) & !").as_deref(), Some("ab:* & cd:*"));
        assert_eq!(terms("Kita-Plätze").as_deref(), Some("Kita:* & Plätze:*"));
        assert_eq!(terms("Halle a. S.").as_deref(), Some("Halle:*"));
        assert_eq!(search_terms("  ").unwrap(), None);
        assert_eq!(
            search_terms(" ITK-42 ").unwrap(),
            Some(Search::Number("ITK-0042".into()))
        );
        assert_eq!(
            search_terms("Covid-19").unwrap(),
            Some(Search::Terms("Covid:* & 19:*".into()))
        );
        assert_eq!(
            search_terms("Kita-Plätze").unwrap(),
            Some(Search::Terms("Kita:* & Plätze:*".into()))
        );
    }

    #[test]
    fn searches_are_bounded() {
        assert_eq!(search_terms(" ! & ( ) ").unwrap(), Some(Search::Nothing));
        assert_eq!(search_terms("a b c").unwrap(), Some(Search::Nothing));
        assert_eq!(
            terms("eins zwei drei vier fünf sechs sieben acht neun zehn").as_deref(),
            Some("eins:* & zwei:* & drei:* & vier:* & fünf:* & sechs:* & sieben:* & acht:*")
        );
        assert!(search_terms(&"x".repeat(201)).is_err());
    }
}

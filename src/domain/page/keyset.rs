//! Keyset pagination: cursors, limits and the sync watermark of lists.

use chrono::{DateTime, Utc};
use diesel::sql_types::Timestamptz;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::wire::{Page, SyncPage};
use crate::db::PreparedByText;
use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 50;

pub const MAX_LIMIT: i64 = 200;

/// The paging parameters every list takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(
        max_length = 64,
        pattern = "^[0-9a-f]{32}(r[0-9a-f]{8})?(w[0-9]{1,16})?$"
    )]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn keyset(&self) -> Result<Keyset, AppError> {
        Keyset::parse(self.limit, self.cursor.as_deref())
    }
}

/// A validated page request: at most `limit` rows after `after`.
#[derive(Debug, Clone, Copy)]
pub struct Keyset {
    pub limit: i64,
    pub after: Option<Uuid>,
    /// For lists ordered by search rank (descending), the rank of the last row seen.
    pub after_rank: Option<f32>,
    /// For lists that sync, the watermark of the listing's first page.
    pub watermark: Option<DateTime<Utc>>,
}

/// Position of the last row of a page: its id, and its rank in ranked lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub id: Uuid,
    pub rank: Option<f32>,
    pub watermark: Option<DateTime<Utc>>,
}

impl From<Uuid> for Cursor {
    fn from(id: Uuid) -> Self {
        Self {
            id,
            rank: None,
            watermark: None,
        }
    }
}

impl Keyset {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid_parameter(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = cursor.map(decode_cursor).transpose()?;
        Ok(Self {
            limit,
            after: after.map(|c| c.id),
            after_rank: after.and_then(|c| c.rank),
            watermark: after.and_then(|c| c.watermark),
        })
    }

    /// The page of a list that syncs: its rows and the listing's watermark, which goes into
    /// the next page's cursor too.
    pub fn sync_page<T, V, C: Into<Cursor>>(
        &self,
        rows: Vec<T>,
        watermark: DateTime<Utc>,
        cursor: impl Fn(&T) -> C,
        view: impl Fn(T) -> V,
    ) -> SyncPage<V> {
        let page = self.page(
            rows,
            |row| Cursor {
                watermark: Some(watermark),
                ..cursor(row).into()
            },
            view,
        );
        SyncPage {
            items: page.items,
            next_cursor: page.next_cursor,
            sync_watermark: watermark,
        }
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to the page and computes the cursor of the next one.
    pub fn page<T, V, C: Into<Cursor>>(
        &self,
        mut rows: Vec<T>,
        cursor: impl Fn(&T) -> C,
        view: impl Fn(T) -> V,
    ) -> Page<V> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| encode_cursor(cursor(row).into()))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// A cursor (documented as a pattern on [`PageQuery::cursor`], and every string of that
/// pattern decodes): the last id as 32 hex digits, then for ranked lists `r` and the rank's
/// 8 hex digits, then for syncing lists `w` and the watermark in microseconds since 1970.
pub fn encode_cursor(cursor: Cursor) -> String {
    let mut out = cursor.id.simple().to_string();
    if let Some(rank) = cursor.rank {
        out.push_str(&format!("r{:08x}", rank.to_bits()));
    }
    if let Some(watermark) = cursor.watermark {
        out.push_str(&format!("w{}", watermark.timestamp_micros().max(0)));
    }
    out
}

pub(super) fn decode_cursor(cursor: &str) -> Result<Cursor, AppError> {
    let invalid = || AppError::invalid_parameter("cursor", "is not a cursor this API issued");
    let (head, watermark) = match cursor.split_once('w') {
        Some((head, micros)) if (1..=16).contains(&micros.len()) => {
            let micros: i64 = micros.parse().map_err(|_| invalid())?;
            (
                head,
                Some(DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?),
            )
        }
        Some(_) => return Err(invalid()),
        None => (cursor, None),
    };
    let (id, rank) = match head.split_once('r') {
        Some((id, rank)) if rank.len() == 8 => {
            let bits = u32::from_str_radix(rank, 16).map_err(|_| invalid())?;
            (id, Some(f32::from_bits(bits)).filter(|r| r.is_finite()))
        }
        Some(_) => return Err(invalid()),
        None => (head, None),
    };
    let hex = |s: &str| {
        s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if !hex(id) {
        return Err(invalid());
    }
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Cursor {
        id,
        rank,
        watermark,
    })
}

/// The watermark of a listing that starts now: an instant below which every change is
/// visible to queries that follow. Take it before the listing's query.
pub async fn sync_watermark(conn: &mut AsyncPgConnection) -> diesel::QueryResult<DateTime<Utc>> {
    sync_watermark_on(&mut &*conn).await
}

/// [`sync_watermark`] on a connection shared by queries sent together (pipelined).
pub async fn sync_watermark_on(
    conn: &mut &AsyncPgConnection,
) -> diesel::QueryResult<DateTime<Utc>> {
    diesel::select(diesel::dsl::sql::<Timestamptz>("sync_watermark()"))
        .by_text()
        .get_result(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_1_to_200_are_rejected() {
        assert!(Keyset::parse(Some(0), None).is_err());
        assert!(Keyset::parse(Some(201), None).is_err());
        assert_eq!(Keyset::parse(None, None).unwrap().limit, 50);
        assert_eq!(Keyset::parse(Some(200), None).unwrap().limit, 200);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_rejected() {
        let id = Uuid::now_v7();
        let keyset = Keyset::parse(None, Some(&encode_cursor(id.into()))).unwrap();
        assert_eq!(keyset.after, Some(id));
        let ranked = Cursor {
            id,
            rank: Some(0.25),
            watermark: None,
        };
        let keyset = Keyset::parse(None, Some(&encode_cursor(ranked))).unwrap();
        assert_eq!((keyset.after, keyset.after_rank), (Some(id), Some(0.25)));
        let watermark = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let syncing = Cursor {
            id,
            rank: None,
            watermark: Some(watermark),
        };
        let keyset = Keyset::parse(None, Some(&encode_cursor(syncing))).unwrap();
        assert_eq!(
            (keyset.after, keyset.watermark),
            (Some(id), Some(watermark))
        );
        assert!(Keyset::parse(None, Some("not a cursor")).is_err());
        let mut truncated = encode_cursor(syncing);
        truncated.truncate(30);
        assert!(Keyset::parse(None, Some(&truncated)).is_err());
        let all = Cursor {
            id,
            rank: Some(1.5),
            watermark: Some(watermark),
        };
        assert_eq!(
            Keyset::parse(None, Some(&encode_cursor(all)))
                .unwrap()
                .after_rank,
            Some(1.5)
        );
    }

    #[test]
    fn the_next_cursor_points_at_the_last_row_of_a_full_page() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let keyset = Keyset::parse(Some(2), None).unwrap();
        let page = keyset.page(ids.clone(), |id| *id, |id| id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(ids[1].into())));
        let last = keyset.page(ids[..2].to_vec(), |id| *id, |id| id);
        assert_eq!(last.next_cursor, None);
    }
}

//! Keyset pagination shared by every list. Rows are ordered by their UUIDv7 id, which
//! sorts by creation time; the cursor is the opaque encoding of the last id of a page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The paging parameters every list takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn keyset(&self) -> Result<Keyset, ApiError> {
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
}

/// Position of the last row of a page: its id, and its rank in ranked lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub id: Uuid,
    pub rank: Option<f32>,
}

impl From<Uuid> for Cursor {
    fn from(id: Uuid) -> Self {
        Self { id, rank: None }
    }
}

impl Keyset {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_parameter(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = cursor.map(decode_cursor).transpose()?;
        Ok(Self {
            limit,
            after: after.map(|c| c.id),
            after_rank: after.and_then(|c| c.rank),
        })
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

/// 16 bytes of id, then for ranked lists 4 bytes of rank, URL-safe base64.
pub fn encode_cursor(cursor: Cursor) -> String {
    let mut bytes = cursor.id.as_bytes().to_vec();
    if let Some(rank) = cursor.rank {
        bytes.extend(rank.to_be_bytes());
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str) -> Result<Cursor, ApiError> {
    let invalid = || ApiError::invalid_parameter("cursor", "is not a cursor this API issued");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let (id, rank) = match bytes.len() {
        16 => (&bytes[..], None),
        20 => {
            let rank = f32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
            (&bytes[..16], Some(rank).filter(|r| r.is_finite()))
        }
        _ => return Err(invalid()),
    };
    let id = Uuid::from_slice(id).map_err(|_| invalid())?;
    Ok(Cursor { id, rank })
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
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
        };
        let keyset = Keyset::parse(None, Some(&encode_cursor(ranked))).unwrap();
        assert_eq!((keyset.after, keyset.after_rank), (Some(id), Some(0.25)));
        assert!(Keyset::parse(None, Some("not a cursor")).is_err());
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

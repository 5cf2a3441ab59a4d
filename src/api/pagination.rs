//! Keyset pagination shared by every list. Rows are ordered by their UUIDv7 id, which
//! sorts by creation time; the cursor is the opaque encoding of the last id of a page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// A validated page request: at most `limit` rows after `after`.
#[derive(Debug, Clone, Copy)]
pub struct Keyset {
    pub limit: i64,
    pub after: Option<Uuid>,
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
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to the page and computes the cursor of the next one.
    pub fn page<T, V>(
        &self,
        mut rows: Vec<T>,
        id: impl Fn(&T) -> Uuid,
        view: impl Fn(T) -> V,
    ) -> Page<V> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| encode_cursor(id(row)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<Uuid, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::invalid_parameter("cursor", "is not a cursor this API issued"))
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
        let keyset = Keyset::parse(None, Some(&encode_cursor(id))).unwrap();
        assert_eq!(keyset.after, Some(id));
        assert!(Keyset::parse(None, Some("not a cursor")).is_err());
    }

    #[test]
    fn the_next_cursor_points_at_the_last_row_of_a_full_page() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let keyset = Keyset::parse(Some(2), None).unwrap();
        let page = keyset.page(ids.clone(), |id| *id, |id| id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(ids[1])));
        let last = keyset.page(ids[..2].to_vec(), |id| *id, |id| id);
        assert_eq!(last.next_cursor, None);
    }
}

//! Streamed exports: rows are fetched in keyset chunks and written out chunk by chunk, so
//! the service's memory stays flat whatever the number of rows.

use std::future::Future;

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{self, Bytes};
use futures_util::{Stream, StreamExt};

use crate::domain::page::{Cursor, Keyset};
use crate::error::AppResult;
use crate::startup::AppState;

/// `head`, then every row `fetch` returns page by page (it fetches one row beyond the page,
/// like every list, to tell whether more follow), each written by `encode`.
pub fn rows<T, Fetch, Fut, Encode>(
    state: web::Data<AppState>,
    chunk: i64,
    head: Vec<u8>,
    fetch: Fetch,
    cursor: fn(&T) -> Cursor,
    encode: Encode,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static
where
    T: 'static,
    Fetch: Fn(web::Data<AppState>, Keyset) -> Fut + Clone + 'static,
    Fut: Future<Output = AppResult<Vec<T>>>,
    Encode: Fn(&T, &mut Vec<u8>) + Clone + 'static,
{
    let pages = futures_util::stream::unfold(Some(None::<Cursor>), move |after| {
        let state = state.clone();
        let fetch = fetch.clone();
        let encode = encode.clone();
        async move {
            let after = after?;
            let keyset = Keyset {
                limit: chunk,
                after: after.map(|c| c.id),
                after_rank: after.and_then(|c| c.rank),
                watermark: None,
            };
            let mut rows = match fetch(state, keyset).await {
                Ok(rows) => rows,
                Err(e) => {
                    // The status line is sent; ending the stream early is all that is left.
                    log::error!("export failed after it started: {e}");
                    let error = actix_web::error::ErrorInternalServerError("export failed");
                    return Some((Err(error), None));
                }
            };
            let more = rows.len() as i64 > chunk;
            rows.truncate(usize::try_from(chunk).unwrap_or(usize::MAX));
            let next = if more {
                rows.last().map(|r| Some(cursor(r)))
            } else {
                None
            };
            let mut out = Vec::with_capacity(rows.len() * 256);
            for row in &rows {
                encode(row, &mut out);
            }
            Some((Ok(Bytes::from(out)), next))
        }
    });
    futures_util::stream::once(async move { Ok(Bytes::from(head)) }).chain(pages)
}

/// A 200 download of a streamed body.
pub fn attachment(
    content_type: &str,
    filename: String,
    body: impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

//! Streamed exports: rows are fetched in keyset chunks and written out chunk by chunk, so
//! the service's memory stays flat whatever the number of rows.

use std::future::Future;

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{self, Bytes};
use futures_util::{Stream, StreamExt};

use crate::api::state::{AppState, request_scope, within};
use crate::domain::page::{Cursor, Keyset};
use crate::error::AppResult;

/// `head`, then every row `fetch` returns page by page, each written by `encode`. `fetch`
/// gets where the previous page ended (`cursor` of its last row) and returns up to one row
/// beyond `chunk`, like every list, to tell whether more follow. The first page is fetched
/// before the response starts, so a request the database refuses (or a database that is
/// down) is answered with a problem, not a broken stream. `sent` learns how many rows went
/// out, when the stream ends or the client goes away.
pub async fn rows<T, C, Fetch, Fut, Encode>(
    state: web::Data<AppState>,
    chunk: i64,
    head: Vec<u8>,
    fetch: Fetch,
    cursor: fn(&T) -> C,
    encode: Encode,
    sent: impl FnOnce(usize) + 'static,
) -> AppResult<impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static>
where
    T: 'static,
    C: 'static,
    Fetch: Fn(web::Data<AppState>, Option<C>) -> Fut + Clone + 'static,
    Fut: Future<Output = AppResult<Vec<T>>>,
    Encode: Fn(&T, &mut Vec<u8>) + Clone + 'static,
{
    // Writes one fetched page; says where the next starts, if one follows.
    let write = move |mut rows: Vec<T>, encode: &Encode| {
        let more = rows.len() as i64 > chunk;
        rows.truncate(usize::try_from(chunk).unwrap_or(usize::MAX));
        let next = if more { rows.last().map(cursor) } else { None };
        let mut out = Vec::with_capacity(rows.len() * 256);
        for row in &rows {
            encode(row, &mut out);
        }
        (Bytes::from(out), next)
    };
    let first = fetch(state.clone(), None).await?;
    let tally = Tally {
        rows: first
            .len()
            .min(usize::try_from(chunk).unwrap_or(usize::MAX)),
        sent: Some(Box::new(sent)),
    };
    let (first, next) = write(first, &encode);
    // The pages are fetched as the body is sent, after the handler: in its scope.
    let scope = request_scope();
    let mut start = head;
    start.extend_from_slice(&first);
    // The state is where the next page starts (`None` once the last page is written), and
    // the count of rows so far.
    let pages = futures_util::stream::unfold((next, tally), move |(after, mut tally)| {
        let state = state.clone();
        let fetch = fetch.clone();
        let encode = encode.clone();
        async move {
            let after = after?;
            match within(scope, fetch(state, Some(after))).await {
                Ok(rows) => {
                    tally.rows += rows.len().min(usize::try_from(chunk).unwrap_or(usize::MAX));
                    let (bytes, next) = write(rows, &encode);
                    Some((Ok(bytes), (next, tally)))
                }
                Err(e) => {
                    // The status line is sent; ending the stream early is all that is left.
                    log::error!("export failed after it started: {e}");
                    let error = actix_web::error::ErrorInternalServerError("export failed");
                    Some((Err(error), (None, tally)))
                }
            }
        }
    });
    Ok(futures_util::stream::once(async move { Ok(Bytes::from(start)) }).chain(pages))
}

/// Counts the rows of a stream and reports them once, when it is dropped: at its end, or
/// when the client went away.
struct Tally {
    rows: usize,
    sent: Option<Box<dyn FnOnce(usize)>>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        if let Some(sent) = self.sent.take() {
            sent(self.rows);
        }
    }
}

/// The keyset of a list's page of `chunk` rows after `after`, for [`rows`].
pub fn keyset(chunk: i64, after: Option<Cursor>) -> Keyset {
    Keyset {
        limit: chunk,
        after: after.map(|c| c.id),
        after_rank: after.and_then(|c| c.rank),
        watermark: None,
    }
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

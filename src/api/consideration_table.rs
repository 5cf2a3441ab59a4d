//! The Abwägungstabelle as a download: CSV streamed page by page like every export, XLSX
//! written by rust_xlsxwriter in constant-memory mode (rows go to a temporary file, the
//! finished workbook is streamed out as it is zipped), so memory stays flat whatever the
//! number of submissions.

use std::io::Write;

use actix_web::web::{self, Bytes};
use actix_web::{HttpResponse, get};
use futures_util::Stream;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::csv_cell::{self, Dialect};
use super::export;
use crate::api::guard::{Allowed, may};
use crate::api::state::{AppState, request_scope, within};
use crate::domain::consideration_table::{self, HEADER, Labels, TableKey, TableRow};
use crate::domain::consultation;
use crate::error::{AppError, AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_consideration_table);
}

crate::text_enum! {
    /// Format of the Abwägungstabelle.
    TableFormat {
        /// RFC 4180 (or, with `excel=true`, as German Excel opens it), formulas neutralised.
        Csv = "csv",
        /// An Excel workbook: frozen header row with filters, wrapped text, fitting widths.
        Xlsx = "xlsx",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TableQuery {
    pub format: TableFormat,
    /// For CSV: write it as German Excel opens it (UTF-8 BOM, `;`, every field quoted).
    #[serde(default)]
    pub excel: bool,
}

/// Rows read per database round trip.
const CHUNK: i64 = 1000;

/// Column widths (in characters) under [`HEADER`]: long texts wide, codes narrow.
const WIDTHS: [f64; 14] = [
    11.0, 24.0, 16.0, 40.0, 80.0, 36.0, 26.0, 28.0, 16.0, 18.0, 15.0, 24.0, 60.0, 14.0,
];

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The Abwägungstabelle (CSV or XLSX)
///
/// Staff (moderators, admins). Every submission but the withdrawn with its considered response
/// (drafts too: the table is the ministry's working copy), grouped by topic in the
/// consultation's order, numbers ascending. Columns: Nr., Handlungsfeld, Art, Titel, Inhalt,
/// Organisation, Kategorie, Runde, Antwortet auf Bedarfe, Beantwortet durch Handlungsansätze,
/// Status, Abwägung, Begründung, Veröffentlicht am. `format=xlsx`: an Excel workbook (binary)
/// with a frozen, filtered header row and wrapped text; `format=csv`: RFC 4180 (or with
/// `excel=true` as German Excel opens it), never a live formula. Both streamed in constant
/// memory. Changes nothing.
#[utoipa::path(tag = "reports",
    params(("id" = String, Path, description = "consultation id or slug"), TableQuery),
    responses(
    (status = 200, description = "the table, streamed", content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    (status = 400, description = "unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/consultations/{id}/consideration-table")]
pub async fn get_consideration_table(
    state: web::Data<AppState>,
    _staff: Allowed<may::ReadReports>,
    id: web::Path<String>,
    query: web::Query<TableQuery>,
) -> AppResult<HttpResponse> {
    let (consultation_id, slug, labels) = {
        let mut conn = state.conn_for_reading().await?;
        let consultation = consultation::find_visible(&mut conn, &id, true).await?;
        let labels = Labels::of(&consultation);
        (consultation.id, consultation.slug, labels)
    };
    let filename = |extension: &str| format!("abwaegungstabelle-{slug}.{extension}");
    let fetch = {
        let labels = labels.clone();
        move |state: web::Data<AppState>, after: Option<TableKey>| {
            let labels = labels.clone();
            async move {
                let mut conn = state.conn_for_reading().await?;
                consideration_table::page(&mut conn, consultation_id, &labels, after, CHUNK + 1)
                    .await
            }
        }
    };
    match query.format {
        TableFormat::Csv => {
            let dialect = Dialect::excel(query.excel);
            let mut head = dialect.preamble().to_vec();
            head.extend(csv_cell::record(HEADER, dialect));
            let encode = move |row: &TableRow, out: &mut Vec<u8>| {
                let cells = row.cells(&labels);
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                out.extend(csv_cell::record(&cells, dialect));
            };
            // Organisations and texts only, no personal data: not an access-log read.
            let body =
                export::rows(state, CHUNK, head, fetch, TableRow::key, encode, |_| {}).await?;
            Ok(export::attachment(
                "text/csv; charset=utf-8",
                filename("csv"),
                body,
            ))
        }
        TableFormat::Xlsx => {
            let first = fetch(state.clone(), None).await?;
            let body = workbook(state, consultation_id, labels, first, fetch);
            Ok(export::attachment(XLSX, filename("xlsx"), body))
        }
    }
}

/// What the reading task hands the writer: the table is finished only with `Done`, so a
/// task that failed or went away leaves no workbook that looks complete.
enum Page {
    Rows(Vec<TableRow>),
    Done,
    Failed,
}

/// Excel's limit of characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Streams the workbook: a task reads pages and hands them to a blocking thread that
/// writes the rows to a constant-memory worksheet, then zips the workbook into the body.
fn workbook<Fetch, Fut>(
    state: web::Data<AppState>,
    consultation_id: Uuid,
    labels: Labels,
    first: Vec<TableRow>,
    fetch: Fetch,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static
where
    Fetch: Fn(web::Data<AppState>, Option<TableKey>) -> Fut + 'static,
    Fut: Future<Output = AppResult<Vec<TableRow>>> + 'static,
{
    let (pages, pages_out) = mpsc::channel::<Page>(2);
    let (bytes, bytes_out) = mpsc::channel::<Result<Bytes, String>>(4);
    let scope = request_scope();
    actix_web::rt::spawn(within(scope, async move {
        let mut page = first;
        loop {
            let more = page.len() as i64 > CHUNK;
            page.truncate(CHUNK as usize);
            let next = page.last().map(TableRow::key);
            if pages.send(Page::Rows(page)).await.is_err() {
                return; // the download was given up
            }
            let Some(after) = next.filter(|_| more) else {
                let _ = pages.send(Page::Done).await;
                return;
            };
            match fetch(state.clone(), Some(after)).await {
                Ok(rows) => page = rows,
                Err(e) => {
                    log::error!("consideration table of {consultation_id} failed: {e}");
                    let _ = pages.send(Page::Failed).await;
                    return;
                }
            }
        }
    }));
    tokio::task::spawn_blocking(move || {
        let result = write_workbook(&labels, pages_out, &bytes);
        if let Err(e) = result {
            log::error!("consideration table of {consultation_id} not written: {e}");
            let _ = bytes.blocking_send(Err(e));
        }
    });
    futures_util::stream::unfold(bytes_out, |mut out| async move {
        let chunk = out.recv().await?;
        let item = chunk.map_err(|_| actix_web::Error::from(AppError::internal()));
        Some((item, out))
    })
}

/// Writes every page into the worksheet, then the zipped workbook into `bytes`.
fn write_workbook(
    labels: &Labels,
    mut pages: mpsc::Receiver<Page>,
    bytes: &mpsc::Sender<Result<Bytes, String>>,
) -> Result<(), String> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color("#D9E1F2");
    let cell = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(text)?;
    sheet.set_name("Abwägungstabelle").map_err(text)?;
    for (column, width) in (0u16..).zip(WIDTHS) {
        sheet.set_column_width(column, width).map_err(text)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(text)?;
    for (column, title) in (0u16..).zip(HEADER) {
        sheet
            .write_string_with_format(0, column, *title, &header)
            .map_err(text)?;
    }
    let mut row_number: u32 = 0;
    loop {
        let page = match pages.blocking_recv() {
            Some(Page::Rows(page)) => page,
            Some(Page::Done) => break,
            Some(Page::Failed) | None => return Err("reading the submissions failed".into()),
        };
        if bytes.is_closed() {
            return Err("the download was given up".into());
        }
        for row in page {
            row_number += 1;
            for (column, mut value) in (0u16..).zip(row.cells(labels)) {
                if value.len() > MAX_CELL_CHARS {
                    value = value.chars().take(MAX_CELL_CHARS).collect();
                }
                sheet
                    .write_string_with_format(row_number, column, value, &cell)
                    .map_err(text)?;
            }
        }
    }
    sheet
        .autofilter(0, 0, row_number, (HEADER.len() - 1) as u16)
        .map_err(text)?;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, ChannelWriter(bytes));
    workbook.save_to_writer(&mut out).map_err(text)?;
    out.flush().map_err(|e| e.to_string())
}

fn text(error: XlsxError) -> String {
    error.to_string()
}

/// Hands what the workbook writes to the response, waiting while the client is behind.
struct ChannelWriter<'a>(&'a mpsc::Sender<Result<Bytes, String>>);

impl Write for ChannelWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "download ended"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

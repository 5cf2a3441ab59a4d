//! The consultation report and the streamed submission export.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::csv_cell::{self, Dialect};
use super::report_document::{PdfDocument, ReportFormat, ReportQuery, load, negotiate, render};
use super::submissions::SubmissionQuery;
use super::{access, export};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::access_log::AccessKind;
use crate::domain::consultation;
use crate::domain::page::Cursor;
use crate::domain::report::{self, Report};
use crate::domain::submission::{self, Submission};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_report).service(export_submissions);
}

/// The report on a consultation (JSON, HTML or PDF)
///
/// Staff (moderators, admins). Submissions by round × kind × topic × status; coverage of the
/// stakeholder categories per round (registered, attended, submissions, and the categories that
/// were absent); the open needs (accepted needs that no accepted action approach answers);
/// organisations per category; submissions per week. As JSON (the default), or as the
/// participation report (Beteiligungsbericht, German) in HTML or PDF, by `format` or
/// `Accept`: the same numbers as charts with their data tables, the open needs by name.
/// Changes nothing.
#[utoipa::path(tag = "reports", params(("id" = String, Path, description = "consultation id or slug"), ReportQuery), responses(
    (status = 200, description = "the report", content(
        (Report = "application/json"),
        (String = "text/html"),
        (PdfDocument = "application/pdf"),
    )),
    (status = 400, description = "unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/consultations/{id}/report")]
pub async fn get_report(
    state: web::Data<AppState>,
    _staff: Allowed<may::ReadReports>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let format = negotiate(&req, &query, ReportFormat::Json);
    let (consultation, report, authority) = load(&state, &id, true).await?;
    if format == ReportFormat::Json {
        return Ok(HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(report));
    }
    let doc = report::document(&report, &consultation, &authority, false)?;
    render(
        doc,
        format,
        &format!("beteiligungsbericht-{}", consultation.slug),
    )
    .await
}

crate::text_enum! {
    /// Format of a submission export.
    SubmissionExportFormat {
        /// RFC 4180, UTF-8, header row, spreadsheet formulas neutralised.
        Csv = "csv",
        /// One JSON submission per line.
        Ndjson = "ndjson",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub format: SubmissionExportFormat,
    /// For CSV: write it as German Excel opens it (UTF-8 BOM, `;`, every field quoted).
    #[serde(default)]
    pub excel: bool,
}

/// Rows fetched per database round trip: memory stays flat whatever the export's size.
const CHUNK: i64 = 1000;

const CSV_HEADER: &[&str] = &[
    "id",
    "number",
    "consultation_id",
    "round_id",
    "organisation_id",
    "author_name",
    "kind",
    "topic",
    "title",
    "body",
    "addresses",
    "status",
    "decision_reason",
    "duplicate_of",
    "external_ref",
    "source",
    "created_at",
    "updated_at",
];

fn csv_row(s: &Submission, dialect: Dialect, out: &mut Vec<u8>) {
    let opt = |v: Option<uuid::Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    let addresses: Vec<String> = s.addresses.iter().map(ToString::to_string).collect();
    out.extend(csv_cell::record(
        &[
            &s.id.to_string(),
            &s.number,
            &s.consultation_id.to_string(),
            &opt(s.round_id),
            &opt(s.organisation_id),
            s.author_name.as_deref().unwrap_or(""),
            s.kind.as_str(),
            &s.topic,
            &s.title,
            &s.body,
            &addresses.join(" "),
            s.status.as_str(),
            s.decision_reason.as_deref().unwrap_or(""),
            &opt(s.duplicate_of),
            s.external_ref.as_deref().unwrap_or(""),
            s.source.as_str(),
            &s.created_at.to_rfc3339(),
            &s.updated_at.to_rfc3339(),
        ],
        dialect,
    ));
}

/// Export a consultation's submissions (CSV or NDJSON)
///
/// Staff (moderators, admins), with every filter of the list. CSV (RFC 4180, header row;
/// `excel=true` as German Excel opens it; never a live formula) or NDJSON (one submission per
/// line). Streamed in constant memory. Holds author names: recorded in the access log. Changes
/// nothing else.
#[utoipa::path(tag = "reports",
    params(("id" = String, Path, description = "consultation id or slug"), ExportQuery, SubmissionQuery),
    responses(
    (status = 200, description = "the submissions, streamed", content(
        (String = "text/csv"),
        (String = "application/x-ndjson"),
    )),
    (status = 400, description = "unknown format or invalid filter", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/consultations/{id}/submissions/export")]
pub async fn export_submissions(
    state: web::Data<AppState>,
    staff: Allowed<may::ReadReports>,
    req: HttpRequest,
    id: web::Path<String>,
    format: web::Query<ExportQuery>,
    query: web::Query<SubmissionQuery>,
) -> AppResult<HttpResponse> {
    let filter = query.filter()?;
    let consultation_id = {
        let mut conn = state.conn_for_reading().await?;
        consultation::find_visible(&mut conn, &id, true).await?.id
    };
    let party = staff.party;
    let dialect = Dialect::excel(format.excel);
    let format = format.format;
    let fetch = move |state: web::Data<AppState>, after: Option<Cursor>| {
        let filter = filter.clone();
        let keyset = export::keyset(CHUNK, after);
        async move {
            let mut conn = state.conn_for_reading().await?;
            let consultation = consultation_id.to_string();
            let (items, _) =
                submission::list(&mut conn, &consultation, &filter, party, keyset).await?;
            Ok(items)
        }
    };
    let (content_type, extension, head) = match format {
        SubmissionExportFormat::Csv => ("text/csv; charset=utf-8", "csv", {
            let mut head = dialect.preamble().to_vec();
            head.extend(csv_cell::record(CSV_HEADER, dialect));
            head
        }),
        SubmissionExportFormat::Ndjson => ("application/x-ndjson", "ndjson", Vec::new()),
    };
    let encode = move |s: &Submission, out: &mut Vec<u8>| match format {
        SubmissionExportFormat::Csv => csv_row(s, dialect, out),
        SubmissionExportFormat::Ndjson => json_line(s, out),
    };
    let sent = access::record_stream(
        state.clone(),
        &req,
        staff.caller.actor(),
        AccessKind::SubmissionExport,
    )
    .await?;
    let body = export::rows(state, CHUNK, head, fetch, Submission::cursor, encode, sent).await?;
    Ok(export::attachment(
        content_type,
        format!("beitraege-{consultation_id}.{extension}"),
        body,
    ))
}

fn json_line(s: &Submission, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, s).is_ok() {
        out.push(b'\n');
    }
}

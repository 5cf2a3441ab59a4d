//! The consultation report and the streamed submission export.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::pagination::{Cursor, Keyset};
use super::registrations::csv_record;
use super::submissions::SubmissionQuery;
use crate::auth::RequireStaff;
use crate::domain::consultation;
use crate::domain::report::{self, Report};
use crate::domain::submission::{self, Submission, Viewer};
use crate::error::{ApiResult, Problem};
use crate::startup::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_report).service(export_submissions);
}

/// The report on a consultation (staff): submissions by round × kind × topic × status,
/// coverage of stakeholder categories per round, and the open needs.
#[utoipa::path(tag = "reports", params(("id" = String, Path, description = "consultation id or slug")), responses(
    (status = 200, body = Report),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/consultations/{id}/report")]
pub async fn get_report(
    state: web::Data<AppState>,
    _staff: RequireStaff,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let consultation = consultation::find_visible(&mut conn, &id, true).await?;
    Ok(HttpResponse::Ok().json(report::build(&mut conn, &consultation).await?))
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
}

/// Rows fetched per database round trip: memory stays flat whatever the export's size.
const CHUNK: i64 = 1000;

const CSV_HEADER: &[&str] = &[
    "id",
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

fn csv_row(s: &Submission) -> Vec<u8> {
    let opt = |v: Option<uuid::Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    let addresses: Vec<String> = s.addresses.iter().map(ToString::to_string).collect();
    csv_record(&[
        &s.id.to_string(),
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
    ])
}

/// Export a consultation's submissions with every filter of the list (staff), streamed from
/// the database in chunks.
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
    _staff: RequireStaff,
    id: web::Path<String>,
    format: web::Query<ExportQuery>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<HttpResponse> {
    let filter = query.filter()?;
    let consultation_id = {
        let mut conn = state.conn().await?;
        consultation::find_visible(&mut conn, &id, true).await?.id
    };
    let format = format.format;
    let chunks = futures_util::stream::unfold(Some(None::<Cursor>), move |after| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            let after = after?;
            let keyset = Keyset {
                limit: CHUNK,
                after: after.map(|c| c.id),
                after_rank: after.and_then(|c| c.rank),
            };
            let rows = match state.conn().await {
                Ok(mut conn) => {
                    submission::list(&mut conn, consultation_id, &filter, Viewer::Staff, keyset)
                        .await
                }
                Err(e) => Err(e),
            };
            let mut rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    log::error!("submission export of {consultation_id} failed: {e}");
                    let error = actix_web::error::ErrorInternalServerError("export failed");
                    return Some((Err(error), None));
                }
            };
            // `list` fetched one row beyond the chunk to tell whether more follow.
            let more = rows.len() as i64 > CHUNK;
            rows.truncate(CHUNK as usize);
            let next = if more {
                rows.last().map(|s| Some(s.cursor()))
            } else {
                None
            };
            let mut out = Vec::with_capacity(rows.len() * 512);
            for s in &rows {
                match format {
                    SubmissionExportFormat::Csv => out.extend(csv_row(s)),
                    SubmissionExportFormat::Ndjson => {
                        if serde_json::to_writer(&mut out, s).is_ok() {
                            out.push(b'\n');
                        }
                    }
                }
            }
            Some((Ok::<_, actix_web::Error>(Bytes::from(out)), next))
        }
    });
    let (content_type, extension, head) = match format {
        SubmissionExportFormat::Csv => ("text/csv; charset=utf-8", "csv", csv_record(CSV_HEADER)),
        SubmissionExportFormat::Ndjson => ("application/x-ndjson", "ndjson", Vec::new()),
    };
    let body = futures_util::stream::once(async move { Ok(Bytes::from(head)) }).chain(chunks);
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "beitraege-{consultation_id}.{extension}"
            ))],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

//! The public participation report of a published consultation.

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::report_document::{PdfDocument, ReportFormat, ReportQuery, load, negotiate, render};
use crate::api::state::AppState;
use crate::domain::report::{self, ParticipationReport};
use crate::error::{AppResult, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_participation_report);
}

/// The public participation report (HTML, PDF or JSON)
///
/// Anyone may call it, for a published consultation (open, closed or archived; a draft is
/// 404). The Beteiligungsbericht in German: who took part, what was said, what became of it,
/// how it went over time. Counts only: no names of persons, organisations or submissions, and
/// the organisation categories with fewer than three organisations are merged into
/// "weitere", so that no small group can be singled out. HTML by default; PDF or the
/// document's JSON by `format` or `Accept`. Changes nothing.
#[utoipa::path(tag = "reports", params(("slug" = String, Path, description = "consultation slug (or id)"), ReportQuery), responses(
    (status = 200, description = "the participation report", content(
        (String = "text/html"),
        (PdfDocument = "application/pdf"),
        (ParticipationReport = "application/json"),
    )),
    (status = 400, description = "unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such published consultation", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/consultations/{slug}/participation-report")]
pub async fn get_participation_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let format = negotiate(&req, &query, ReportFormat::Html);
    let (consultation, report, authority) = load(&state, &slug, false).await?;
    let doc = report::document(&report, &consultation, &authority, true)?;
    render(
        doc,
        format,
        &format!("beteiligungsbericht-{}", consultation.slug),
    )
    .await
}

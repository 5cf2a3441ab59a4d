//! The participation report's media types: which one a request asks for (`format` or
//! `Accept`), and the HTML or PDF response.
//!
//! `?format=` wins over `Accept`; of `Accept`, the most preferred of JSON, HTML and PDF (a
//! wildcard means the operation's default). An `Accept` naming none of them gets the default,
//! as everywhere else in this API, which answers its one media type whatever `Accept` says;
//! so there is no 406. A `format` value of none of them is a 400 problem.

use actix_web::http::header::{self, Header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::state::AppState;
use crate::domain::authority;
use crate::domain::consultation::{self, ConsultationRow};
use crate::domain::report::{self, ParticipationReport, Report};
use crate::error::{AppError, AppResult};

crate::text_enum! {
    /// Media type of the participation report.
    ReportFormat {
        /// `application/json`.
        Json = "json",
        /// `text/html`: one page, print layout, no script.
        Html = "html",
        /// `application/pdf`: A4, fonts embedded.
        Pdf = "pdf",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The media type, instead of `Accept`.
    pub format: Option<ReportFormat>,
}

/// A PDF document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfDocument(#[allow(dead_code)] Vec<u8>);

/// The format a request asks for; `default` when it names none.
pub fn negotiate(req: &HttpRequest, query: &ReportQuery, default: ReportFormat) -> ReportFormat {
    if let Some(format) = query.format {
        return format;
    }
    let Ok(accept) = header::Accept::parse(req) else {
        return default;
    };
    accept
        .ranked()
        .iter()
        .find_map(
            |mime| match (mime.type_().as_str(), mime.subtype().as_str()) {
                ("application", "json") => Some(ReportFormat::Json),
                ("text", "html") => Some(ReportFormat::Html),
                ("application", "pdf") => Some(ReportFormat::Pdf),
                ("*", "*") => Some(default),
                _ => None,
            },
        )
        .unwrap_or(default)
}

/// The document as HTML (with a CSP that allows its inline stylesheet and nothing else) or
/// as PDF (rendered off the worker thread: it takes a few tens of milliseconds).
pub async fn render(
    doc: ParticipationReport,
    format: ReportFormat,
    filename: &str,
) -> AppResult<HttpResponse> {
    match format {
        ReportFormat::Html => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::VARY, "Accept"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                report::content_security_policy(),
            ))
            .body(report::html(&doc)?)),
        ReportFormat::Pdf => {
            let bytes = web::block(move || report::pdf(&doc))
                .await
                .map_err(|_| AppError::internal())??;
            Ok(HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((header::VARY, "Accept"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{filename}.pdf\""),
                ))
                .body(bytes))
        }
        ReportFormat::Json => Ok(HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(doc)),
    }
}

/// The consultation `id_or_slug` (drafts only for `staff`), its report and its authority's
/// name.
pub async fn load(
    state: &AppState,
    id_or_slug: &str,
    staff: bool,
) -> AppResult<(ConsultationRow, Report, String)> {
    let mut conn = state.conn_for_reading().await?;
    let consultation = consultation::find_visible(&mut conn, id_or_slug, staff).await?;
    let report = report::build(&mut conn, &consultation).await?;
    let authority = authority::find(&mut conn, consultation.authority_id)
        .await?
        .name;
    Ok((consultation, report, authority))
}

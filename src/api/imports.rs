//! Import of conference results: a CSV file or a JSON array of submissions, up to 5 MiB
//! (this route's own limit; every other body stays within 64 KiB).

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::idempotent::{self, Keys};
use crate::api::guard::{Allowed, may};
use crate::api::state::AppState;
use crate::domain::import::{self, ImportOptions, ImportReport};
use crate::domain::submission::SubmissionKind;
use crate::error::{AppError, AppResult, ErrorKind, Problem};

/// Largest import file.
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(import_submissions);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The round (conference) the file records, for rows without a `round_id` column.
    pub round_id: Option<Uuid>,
    /// `true`: check every row and report what would be imported; nothing is written.
    #[serde(default)]
    pub dry_run: bool,
}

/// One submission of a JSON import; a CSV file has these as columns (header row, names
/// in any case and order; `organisation_id` is read as `organisation`).
// The wire format for the spec; rows are read by `domain::import::file`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRecord {
    pub kind: SubmissionKind,
    /// One of the consultation's topic keys.
    #[schema(min_length = 1, max_length = 50)]
    pub topic: String,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
    /// The organisation's id or exact name.
    #[schema(max_length = 300)]
    pub organisation: Option<String>,
    #[schema(max_length = 200)]
    pub author_name: Option<String>,
    #[schema(max_length = 254)]
    pub author_email: Option<String>,
    /// The organisation's own id of the submission, unique per organisation; rows of the
    /// same file may address this row's need by it.
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
    /// For action approaches: the needs answered, each by number (`ITK-0042`), id or
    /// `external_ref` (also of a need in the same file). In CSV one cell, separated by
    /// commas, semicolons or line breaks.
    #[serde(default)]
    #[schema(value_type = Vec<NeedReference>, max_items = 100)]
    pub addresses: Vec<String>,
    /// Overrides the `round_id` parameter for this row.
    pub round_id: Option<Uuid>,
}

/// A need as an import row names it: number, id or `external_ref`.
pub struct NeedReference;

impl PartialSchema for NeedReference {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(200))
            .into()
    }
}

impl ToSchema for NeedReference {}

/// A CSV import in the spec: a header row and at most 5,000 records, at most 5 MiB.
pub struct CsvFile;

impl PartialSchema for CsvFile {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX_IMPORT_BYTES))
            .into()
    }
}

impl ToSchema for CsvFile {}

/// A JSON import in the spec: at most 5,000 rows.
pub struct ImportRecords;

impl PartialSchema for ImportRecords {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Ref::from_schema_name(ImportRecord::name()))
            .max_items(Some(import::MAX_ROWS))
            .into()
    }
}

impl ToSchema for ImportRecords {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((ImportRecord::name().into(), ImportRecord::schema()));
        schemas.push((NeedReference::name().into(), NeedReference::schema()));
    }
}

/// Import conference results
///
/// Moderators and admins. Every row becomes a submission with `source: conference` — all rows
/// or none, in one transaction; `?dry_run=true` only checks. The round comes from `round_id`
/// (parameter or column), the organisation by id or exact name, `addresses` by number, id or
/// `external_ref`. A 422 lists every bad row (`row` counts records from 1; a CSV header is not
/// counted). Body: CSV (UTF-8 with or without BOM, `;` or `,` as the header uses, quoted cells
/// may hold line breaks) or a JSON array; at most 5,000 rows and 5 MiB. Each imported
/// submission is recorded in its history and heard by webhook subscriptions as
/// `submission.created`. Accepts `Idempotency-Key` (a dry run ignores it); a replay carries
/// `Idempotent-Replayed: true`.
#[utoipa::path(tag = "submissions",
    params(("id" = String, Path, description = "consultation id or slug"), ImportQuery,
           ("Idempotency-Key" = Option<String>, Header, description = "≤ 255 characters; a retry with the same key and file replays the first response for 24 h")),
    request_body(content(
        (CsvFile = "text/csv", example = "kind;topic;title;body;organisation;external_ref;addresses\nneed;sprache;Sprachkurse am Nachmittag;\"Eltern können nur nachmittags;\nKinderbetreuung fehlt\";Stadt Halle (Saale);HAL-1;\naction_approach;sprache;Kurse mit Kinderbetreuung;Volkshochschule bietet an;Stadt Halle (Saale);HAL-2;HAL-1\n"),
        (ImportRecords = "application/json"),
    )),
    responses(
    (status = 200, body = ImportReport, description = "imported (or, with `dry_run`, checked)"),
    (status = 400, description = "not UTF-8, malformed JSON, bad parameters or `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "no or invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not staff", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such consultation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`submissions_closed`, `duplicate_external_ref` or `idempotency_key_in_use`", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 5 MiB", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "neither `text/csv` nor `application/json`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "bad rows (each with `row`, `field`, `message`), more than 5,000 rows, unknown or missing columns, or `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/consultations/{id}/submissions/import")]
pub async fn import_submissions(
    state: web::Data<AppState>,
    staff: Allowed<may::RecordForOthers>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let format = Format::of(&req)?;
    let bytes = read_limited(&req, payload).await?;
    let file = match format {
        Format::Csv => import::file::csv(&bytes)?,
        Format::Json => import::file::json(&bytes)?,
    };
    drop(bytes);
    let options = ImportOptions {
        round_id: query.round_id,
        dry_run: query.dry_run,
    };
    let key = if options.dry_run {
        None
    } else {
        let request = (options.round_id, &file.rows, &file.errors);
        idempotent::key(
            &req,
            &staff.caller,
            "submission.import",
            Keys::Any,
            &request,
        )?
    };
    let mut conn = state.conn().await?;
    let outcome = import::import(&mut conn, &id, file, options, &staff.by, key.as_ref()).await?;
    Ok(idempotent::respond(outcome))
}

enum Format {
    Csv,
    Json,
}

impl Format {
    fn of(req: &HttpRequest) -> AppResult<Self> {
        let mime = req.mime_type().ok().flatten();
        match mime
            .as_ref()
            .map(|m| (m.type_().as_str(), m.subtype().as_str()))
        {
            Some(("text", "csv")) => Ok(Self::Csv),
            Some(("application", "json")) => Ok(Self::Json),
            _ => Err(AppError::new(
                ErrorKind::UnsupportedMediaType,
                "unsupported_media_type",
                "The import must be text/csv or application/json.",
            )),
        }
    }
}

fn too_large() -> AppError {
    AppError::new(
        ErrorKind::PayloadTooLarge,
        "payload_too_large",
        format!("An import file must not exceed {MAX_IMPORT_BYTES} bytes (5 MiB)."),
    )
}

/// The body, refused as soon as it is known to exceed the limit (by `Content-Length`, or
/// while it streams in).
async fn read_limited(req: &HttpRequest, mut payload: web::Payload) -> AppResult<Vec<u8>> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > MAX_IMPORT_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(announced.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::bad_request(format!("The body could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

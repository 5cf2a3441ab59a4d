//! The HTTP surface: one module per resource, thin handlers over `crate::domain`.

pub mod access;
pub mod body;
pub mod categories;
pub mod clients;
pub mod consideration_table;
pub mod consultations;
pub mod csv_cell;
pub mod etag;
pub mod export;
pub mod headers;
pub mod health;
pub mod idempotent;
pub mod imports;
pub mod metrics;
pub mod organisations;
pub mod outbox;
pub mod privacy;
pub mod problem;
pub mod ratelimit;
pub mod registrations;
pub mod reports;
pub mod responses;
pub mod rounds;
pub mod submissions;
pub mod token;
pub mod webhooks;

use actix_web::{HttpRequest, HttpResponse, error, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, ErrorKind};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(token::routes)
        .configure(clients::routes)
        .configure(categories::routes)
        .configure(organisations::routes)
        .configure(consultations::routes)
        .configure(rounds::routes)
        .configure(registrations::routes)
        .configure(submissions::routes)
        .configure(imports::routes)
        .configure(reports::routes)
        .configure(consideration_table::routes)
        .configure(responses::routes)
        .configure(privacy::routes)
        .configure(outbox::routes)
        .configure(webhooks::routes);
}

/// Extractor settings that turn actix's own errors into problems instead of plain text.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|e, _| json_error(e).into()),
    )
    .app_data(
        web::FormConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|e, _| form_error(e).into()),
    )
    .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
    .app_data(
        web::PathConfig::default()
            .error_handler(|e, _| AppError::invalid_parameter("path", path_message(&e)).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| AppError::invalid_parameter("query", query_message(&e)).into()),
    );
}

fn too_large() -> AppError {
    AppError::new(
        ErrorKind::PayloadTooLarge,
        "payload_too_large",
        format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
    )
}

fn unsupported_media_type(expected: &str) -> AppError {
    AppError::new(
        ErrorKind::UnsupportedMediaType,
        "unsupported_media_type",
        format!("The request body must be {expected}."),
    )
}

pub fn json_error(e: error::JsonPayloadError) -> AppError {
    use error::JsonPayloadError as E;
    match e {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => too_large(),
        E::ContentType => unsupported_media_type("application/json"),
        E::Deserialize(e) => body_error(&e),
        E::Payload(error::PayloadError::Overflow) => too_large(),
        other => AppError::bad_request(format!("The request body could not be read: {other}")),
    }
}

/// A JSON body that is malformed (400 `malformed_json`) or of the wrong shape: wrong types,
/// unknown or missing fields (400 `invalid_body`).
pub fn body_error(e: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => AppError::new(
            ErrorKind::BadRequest,
            "malformed_json",
            format!("The request body is not valid JSON: {e}"),
        ),
        Category::Data => AppError::new(
            ErrorKind::BadRequest,
            "invalid_body",
            format!("The request body does not match the schema: {e}"),
        ),
    }
}

fn form_error(e: error::UrlencodedError) -> AppError {
    use error::UrlencodedError as E;
    match e {
        E::Overflow { .. } => too_large(),
        E::ContentType => unsupported_media_type("application/x-www-form-urlencoded"),
        other => AppError::bad_request(format!("The form body is invalid: {other}")),
    }
}

fn path_message(e: &error::PathError) -> String {
    match e {
        error::PathError::Deserialize(e) => e.to_string(),
        _ => "is invalid".into(),
    }
}

fn query_message(e: &error::QueryPayloadError) -> String {
    match e {
        error::QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => "is invalid".into(),
    }
}

/// Unknown routes: a 404 problem, not an empty body; a known path with a method it does not
/// serve: 405 with `Allow`.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<crate::startup::AppState>>()
        .map(|state| state.routes.methods_of(req.path()))
        .unwrap_or_default();
    if allowed.is_empty() {
        return error::ResponseError::error_response(&AppError::new(
            ErrorKind::NotFound,
            "not_found",
            format!("No resource at {} {}", req.method(), req.path()),
        ));
    }
    let allow = allowed.join(", ");
    let mut response = error::ResponseError::error_response(&AppError::new(
        ErrorKind::MethodNotAllowed,
        "method_not_allowed",
        format!("{} serves {allow}, not {}.", req.path(), req.method()),
    ));
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}

/// Every documented path with the methods it serves: to answer 405 with `Allow`, and to
/// name a request's route in the metrics.
#[derive(Debug, Default)]
pub struct Routes(Vec<Route>);

#[derive(Debug)]
struct Route {
    template: String,
    segments: Vec<String>,
    methods: Vec<String>,
}

impl Route {
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s)
    }

    fn parameters(&self) -> usize {
        self.segments.iter().filter(|p| p.starts_with('{')).count()
    }
}

impl Routes {
    /// From the OpenAPI document, which lists every served route.
    pub fn of(spec: &serde_json::Value) -> Self {
        Self(
            spec["paths"]
                .as_object()
                .into_iter()
                .flat_map(|paths| paths.iter())
                .map(|(path, item)| Route {
                    template: path.clone(),
                    segments: path.split('/').map(str::to_string).collect(),
                    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"]
                        .into_iter()
                        .filter(|method| item.get(method.to_lowercase()).is_some())
                        .map(str::to_string)
                        .collect(),
                })
                .collect(),
        )
    }

    /// The routes a concrete path is served by. A route naming the path literally
    /// (`/registrations/confirm`) is the path's only route, not one with a parameter in its
    /// place (`/registrations/{id}`).
    fn serving(&self, path: &str) -> Vec<&Route> {
        let segments: Vec<&str> = path.split('/').collect();
        let matching: Vec<&Route> = self.0.iter().filter(|r| r.matches(&segments)).collect();
        let fewest = matching.iter().map(|r| r.parameters()).min();
        matching
            .into_iter()
            .filter(|r| Some(r.parameters()) == fewest)
            .collect()
    }

    /// The methods served at a concrete path; empty when no route matches it.
    pub fn methods_of(&self, path: &str) -> Vec<String> {
        let mut methods: Vec<String> = self
            .serving(path)
            .into_iter()
            .flat_map(|r| r.methods.iter().cloned())
            .collect();
        methods.sort();
        methods.dedup();
        methods
    }

    /// The documented route of a concrete path, e.g. `/api/v1/submissions/{id}`.
    pub fn template_of(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|r| r.matches(&segments))
            .min_by_key(|r| r.parameters())
            .map(|r| r.template.as_str())
    }
}

/// A query parameter of at most `max` characters, as the spec says; 400 beyond.
pub fn bounded(name: &str, value: Option<&String>, max: usize) -> Result<(), AppError> {
    match value {
        Some(value) if value.chars().count() > max => Err(AppError::invalid_parameter(
            name,
            format!("must not be longer than {max} characters"),
        )),
        _ => Ok(()),
    }
}

/// A 201 response with `Location` and `ETag`.
pub fn created(
    location: String,
    etag: Option<String>,
    body: impl serde::Serialize,
) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((actix_web::http::header::LOCATION, location));
    if let Some(etag) = etag {
        response.insert_header((actix_web::http::header::ETAG, etag));
    }
    response.json(body)
}

/// A 200 response with an `ETag`.
pub fn with_etag(etag: String, body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(body)
}

//! The document itself: the derive, the security schemes, and the steps that finish what
//! the handlers' annotations generate.

use actix_web::App;
use serde_json::{Value, json};
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::languages::{localise_answers, localised_headers};
use super::links::{add_links, link_optional_references};
use super::responses::{complete_responses, finish_responses, problem_response, secure};
use super::schemas::{
    binary_downloads, bound_by_type, bound_parameter, narrow_requests, optional_when_nullable,
    reuse_item_schemas, visit_schemas,
};
use super::webhooks::add_webhooks;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Beteiligung API",
        version = "1.0.0",
        description = "Stakeholder consultations (Beteiligungsprozesse) of German state ministries: \
consultations and their rounds, organisations, registrations, submissions (needs and action \
approaches) and their review. One deployment serves many authorities: the staff of one \
(`authority_admin`, `moderator`) see nothing of another's (404). Errors are RFC 9457 problems \
with a stable `code`.",
        license(name = "EUPL-1.2"),
        contact(name = "Beteiligung", url = "https://beteiligung.example"),
    ),
    components(schemas(
        crate::api::reports::SubmissionExportFormat,
        crate::api::report_document::ReportFormat,
        crate::api::consideration_table::TableFormat,
        crate::domain::processing::Label,
        crate::api::registrations::ExportFormat
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Tokens and API clients"),
        (name = "authorities", description = "Authorities (ministries, districts, cities) whose consultations run here: each one's staff see its consultations only"),
        (name = "consultations", description = "Consultations (Beteiligungsprozesse)"),
        (name = "rounds", description = "Rounds: conferences and workshops of a consultation"),
        (name = "organisations", description = "Participating organisations and their categories"),
        (name = "registrations", description = "Registrations for rounds: seats, waitlist, check-in"),
        (name = "submissions", description = "Needs, action approaches and statements, and their review"),
        (name = "reports", description = "Breadth of participation, open needs, exports"),
        (name = "privacy", description = "Data-protection requests (DSGVO)"),
        (name = "webhooks", description = "Webhooks for partner systems (Standard Webhooks): subscriptions, deliveries. \
Each delivery is a POST of `{\"type\", \"timestamp\", \"data\"}` with the headers `webhook-id` (the same across retries), \
`webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per valid secret). \
Event types: `submission.created`, `submission.updated`, `submission.status_changed`, `submission.response_published`, \
`registration.status_changed`, `round.updated`, `round.cancelled`, and `ping` from the test endpoint."),
        (name = "operations", description = "Health, readiness, metrics and the outbox"),
        (name = "pages", description = "HTML pages the links in registrants' mails lead to (confirm, cancel), in the registrant's language; for people in browsers, not for programs"),
    ),
)]
pub struct ApiDoc;

pub(super) struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some(
            "A JWT from `POST /api/v1/auth/token` (or `beteiligung token`), or, where the \
             ministry's identity provider is configured (`OIDC_ISSUER`), its access token. \
             Tokens follow the JWT best current practices of RFC8725: the service's own are \
             HS256 with a `kid` naming the secret; the provider's must use RS256, PS256, ES256 \
             or EdDSA with a key of its JWKS; `iss`, `aud` and `exp` are required and checked, \
             nothing is trusted from the header alone. A provider token whose roles map to no \
             role of this service is 403; tokens of revoked API clients stop working within \
             60 s."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        // The same tokens, as OAuth2 clients (and generated clients) know how to get them.
        let flow =
            Flow::ClientCredentials(ClientCredentials::new("/api/v1/auth/token", Scopes::new()));
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [flow],
                "The OAuth2 client-credentials grant (RFC 6749 §4.4) at `/api/v1/auth/token`: \
                 client authentication by HTTP Basic (`client_secret_basic`) or in the body \
                 (`client_secret_post`); no scopes (a client's role decides what its tokens may \
                 do). The access token is the same JWT as under `bearer`, following RFC8725, \
                 and expires after `TOKEN_TTL` (`expires_in`); a new one is got the same way, \
                 there are no refresh tokens.",
            )),
        );
    }
}

/// The complete document, as served at `/openapi.json`.
pub fn spec() -> Value {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::api::server::configure_api)
        .split_for_parts();
    finish(api)
}

/// The document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut json = serde_json::to_string_pretty(&spec()).unwrap_or_default();
    json.push('\n');
    json
}

/// The finishing touches every operation shares, applied to the generated document so that
/// no handler can forget them: the responses every `/api` operation can give (429 beyond a
/// rate limit, 500, 503 with `Retry-After`), the headers every response carries
/// (`RateLimit`, `RateLimit-Policy`, CORS), a description for every response, and the
/// bounds that follow from a value's type (UUID, instant and date lengths; integer ranges).
/// The result is JSON: it uses OpenAPI that utoipa's types do not model (header `$ref`s,
/// `x-internal`).
pub fn finish(spec: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(&spec).unwrap_or_default();
    finish_document(&mut doc);
    doc
}

pub(super) fn finish_document(doc: &mut Value) {
    doc["servers"] = json!([{
        "url": "/",
        "description": "Where this service runs: production at a ministry, staging, or a partner's test container",
        "x-internal": false
    }]);
    doc["components"]["headers"] = shared_headers();
    if let (Some(headers), Value::Object(localised)) = (
        doc["components"]["headers"].as_object_mut(),
        localised_headers(),
    ) {
        headers.extend(localised);
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let api = path.starts_with("/api/");
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            finish_operation(operation, api);
        }
    }
    localise_answers(doc);
    super::pages::document_pages(doc);
    narrow_requests(doc);
    add_links(doc);
    reuse_item_schemas(doc);
    link_optional_references(doc);
    binary_downloads(doc);
    add_webhooks(doc);
    optional_when_nullable(doc);
    // Registration needs consent: the one value `privacy_consent` can have.
    doc["components"]["schemas"]["NewRegistration"]["properties"]["privacy_consent"]["enum"] =
        json!([true]);
    visit_schemas(doc, &mut bound_by_type);
}

/// The headers answers share, declared once under `components.headers`.
fn shared_headers() -> Value {
    json!({
        "RateLimit": {
            "description": "What is left of the rate limit that applied to this request (IETF httpapi-ratelimit-headers), e.g. `\"token\";r=1180;t=1`.",
            "schema": {"type": "string", "maxLength": 100}
        },
        "RateLimit-Policy": {
            "description": "The rate limit that applied: its name, quota and window in seconds, e.g. `\"token\";q=1200;w=60`. `sensitive` (tokens, registrations, confirmations and searches without a token, per client address) is one quota for the whole deployment; `anonymous` and `token` are counted by each replica.",
            "schema": {"type": "string", "maxLength": 100}
        },
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 86400}
        },
        "Access-Control-Allow-Origin": {
            "description": "The calling front end's origin, when it is one of `CORS_ALLOWED_ORIGINS`.",
            "schema": {"type": "string", "maxLength": 300}
        },
        "X-Request-Id": {
            "description": "The request's id: the caller's `X-Request-Id` (at most 200 visible ASCII characters), or a new UUID. Every log line of the request names it.",
            "schema": {"type": "string", "maxLength": 200}
        },
        "Cache-Control": {
            "description": "`no-store`: answers of the API hold personal data or change with every write; no cache may keep them.",
            "schema": {"type": "string", "enum": ["no-store"]}
        },
        "Idempotent-Replayed": {
            "description": "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key` and body (a 2xx, or a 400 or 422 refusal of the request itself).",
            "schema": {"type": "string", "enum": ["true"]}
        },
        "WWW-Authenticate": {
            "description": "The authentication scheme to use: `Bearer` (or `Basic` at the token endpoint).",
            "schema": {"type": "string", "maxLength": 100}
        }
    })
}

/// One operation's security, answers and parameter bounds.
fn finish_operation(operation: &mut Value, api: bool) {
    secure(operation);
    if api {
        complete_responses(operation);
    }
    if operation["operationId"] == "list_categories" {
        operation["responses"]["200"]["content"]["application/json"]["schema"]["maxItems"] =
            json!(crate::domain::category::Category::ALL.len());
    }
    if operation.get("requestBody").is_some() {
        let responses = &mut operation["responses"];
        if responses.get("415").is_none() {
            responses["415"] = problem_response(
                "`unsupported_media_type`: the body is not of a type this operation takes",
            );
        }
        if responses.get("400").is_none() {
            responses["400"] =
                problem_response("`malformed_json` or `invalid_body`: the body cannot be read");
        }
    }
    let replays = operation["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
    finish_responses(&mut operation["responses"], api, replays);
    // The categories are constants: no database, so never `unavailable`.
    if operation["operationId"] == "list_categories"
        && let Some(responses) = operation["responses"].as_object_mut()
    {
        responses.remove("503");
    }
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        parameters.iter_mut().for_each(bound_parameter);
    }
}

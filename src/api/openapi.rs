//! The OpenAPI document, generated from the handlers. `info.version` is pinned so that the
//! committed `openapi/openapi.json` changes only when the API does.

use actix_web::App;
use serde_json::{Value, json};
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Beteiligung API",
        version = "1.0.0",
        description = "Stakeholder consultations (Beteiligungsprozesse) of German state ministries: \
consultations and their rounds, organisations, registrations, submissions (needs and action \
approaches) and their review. Errors are RFC 9457 problems with a stable `code`.",
        license(name = "EUPL-1.2"),
        contact(name = "Beteiligung", url = "https://beteiligung.example"),
    ),
    components(schemas(
        crate::api::reports::SubmissionExportFormat,
        crate::api::consideration_table::TableFormat,
        crate::domain::processing::Label,
        crate::api::registrations::ExportFormat
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Tokens and API clients"),
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
    ),
)]
pub struct ApiDoc;

struct BearerAuth;

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

fn finish_document(doc: &mut Value) {
    doc["servers"] = json!([{
        "url": "/",
        "description": "Where this service runs: production at a ministry, staging, or a partner's test container",
        "x-internal": false
    }]);
    doc["components"]["headers"] = json!({
        "RateLimit": {
            "description": "What is left of the rate limit that applied to this request (IETF httpapi-ratelimit-headers), e.g. `\"token\";r=1180;t=1`.",
            "schema": {"type": "string", "maxLength": 100}
        },
        "RateLimit-Policy": {
            "description": "The rate limit that applied: its name, quota and window in seconds, e.g. `\"token\";q=1200;w=60`.",
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
    });
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
                    responses["400"] = problem_response(
                        "`malformed_json` or `invalid_body`: the body cannot be read",
                    );
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
    }
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

/// OpenAPI links from each creating operation to the operations on what it created, so that
/// clients (and stateful testers) can follow them: the `id` of the 201 body feeds `{id}`.
fn add_links(doc: &mut Value) {
    /// A link's name, and the path and method of the operation it leads to.
    type Link = (&'static str, &'static str, &'static str);
    const LINKS: &[(&str, &[Link])] = &[
        (
            "/api/v1/consultations",
            &[
                ("GetConsultation", "/api/v1/consultations/{id}", "get"),
                ("UpdateConsultation", "/api/v1/consultations/{id}", "patch"),
                ("ListRounds", "/api/v1/consultations/{id}/rounds", "get"),
                ("CreateRound", "/api/v1/consultations/{id}/rounds", "post"),
                (
                    "CreateSubmission",
                    "/api/v1/consultations/{id}/submissions",
                    "post",
                ),
                (
                    "ListSubmissions",
                    "/api/v1/consultations/{id}/submissions",
                    "get",
                ),
                ("GetReport", "/api/v1/consultations/{id}/report", "get"),
            ],
        ),
        (
            "/api/v1/consultations/{id}/rounds",
            &[
                ("GetRound", "/api/v1/rounds/{id}", "get"),
                ("UpdateRound", "/api/v1/rounds/{id}", "patch"),
                ("Register", "/api/v1/rounds/{id}/registrations", "post"),
                (
                    "ListRegistrations",
                    "/api/v1/rounds/{id}/registrations",
                    "get",
                ),
            ],
        ),
        (
            "/api/v1/consultations/{id}/submissions",
            &[
                ("GetSubmission", "/api/v1/submissions/{id}", "get"),
                ("UpdateSubmission", "/api/v1/submissions/{id}", "patch"),
                ("WithdrawSubmission", "/api/v1/submissions/{id}", "delete"),
                (
                    "ReviewSubmission",
                    "/api/v1/submissions/{id}/review",
                    "post",
                ),
                (
                    "SubmissionHistory",
                    "/api/v1/submissions/{id}/history",
                    "get",
                ),
                ("DraftResponse", "/api/v1/submissions/{id}/response", "put"),
            ],
        ),
        (
            "/api/v1/rounds/{id}/registrations",
            &[
                ("GetRegistration", "/api/v1/registrations/{id}", "get"),
                ("CancelRegistration", "/api/v1/registrations/{id}", "delete"),
                (
                    "RegistrationHistory",
                    "/api/v1/registrations/{id}/history",
                    "get",
                ),
                ("CheckIn", "/api/v1/registrations/{id}/check-in", "post"),
            ],
        ),
        (
            "/api/v1/organisations",
            &[
                ("GetOrganisation", "/api/v1/organisations/{id}", "get"),
                ("UpdateOrganisation", "/api/v1/organisations/{id}", "patch"),
            ],
        ),
        (
            "/api/v1/clients",
            &[("RevokeClient", "/api/v1/clients/{id}", "delete")],
        ),
        (
            "/api/v1/webhooks",
            &[
                ("GetSubscription", "/api/v1/webhooks/{id}", "get"),
                ("UpdateSubscription", "/api/v1/webhooks/{id}", "patch"),
                ("DeleteSubscription", "/api/v1/webhooks/{id}", "delete"),
                (
                    "RotateSecret",
                    "/api/v1/webhooks/{id}/rotate-secret",
                    "post",
                ),
                ("SendTest", "/api/v1/webhooks/{id}/test", "post"),
                ("ListDeliveries", "/api/v1/webhooks/{id}/deliveries", "get"),
            ],
        ),
    ];
    for (creating, targets) in LINKS {
        let mut links = serde_json::Map::new();
        for (name, path, method) in *targets {
            let Some(operation_id) = doc["paths"][*path][*method]["operationId"].as_str() else {
                continue;
            };
            links.insert(
                (*name).to_string(),
                json!({"operationId": operation_id, "parameters": {"id": "$response.body#/id"}}),
            );
        }
        if let Some(created) = doc["paths"][*creating]
            .get_mut("post")
            .and_then(|post| post["responses"].get_mut("201"))
        {
            created["links"] = Value::Object(links);
        }
    }
}

/// In a request body, a field that may be `null` may also be left out (serde reads a
/// missing `Option` as `None`): it is not `required`.
fn optional_when_nullable(doc: &mut Value) {
    let mut bodies = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                for media in operation["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flat_map(|c| c.values())
                {
                    if let Some(name) = media["schema"]["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        bodies.push(name.to_string());
                    }
                }
            }
        }
    }
    for name in bodies {
        let schema = &mut doc["components"]["schemas"][&name];
        let nullable: Vec<String> = schema["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.iter())
            .filter(|(_, property)| {
                property["type"]
                    .as_array()
                    .is_some_and(|types| types.iter().any(|t| t == "null"))
                    || property["oneOf"].as_array().is_some_and(|alternatives| {
                        alternatives.iter().any(|a| a["type"] == "null")
                    })
            })
            .map(|(name, _)| name.clone())
            .collect();
        if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r.as_str().is_none_or(|r| !nullable.iter().any(|n| n == r)));
        }
    }
}

fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn finish_responses(responses: &mut Value, api: bool, replays: bool) {
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    if api {
        responses.entry("429").or_insert_with(|| {
            problem_response(
                "`rate_limited`: over the rate limit; retry after `Retry-After` seconds",
            )
        });
        responses.entry("500").or_insert_with(|| {
            problem_response("`internal_error`: an unexpected error, logged; nothing is disclosed")
        });
        responses.entry("503").or_insert_with(|| {
            problem_response(
                "`unavailable`: the database is unreachable, restarting or did not answer in time",
            )
        });
    }
    for (status, response) in responses.iter_mut() {
        if response
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            let reason = status
                .parse::<u16>()
                .ok()
                .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Response");
            response["description"] = json!(reason);
        }
        let mut headers = response
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, header) in headers.iter_mut() {
            let max_length = match name.as_str() {
                "ETag" => 64,
                "Location" => 200,
                _ => continue,
            };
            header["schema"]["maxLength"] = json!(max_length);
        }
        if api && (status.starts_with('2') || status.starts_with('4')) {
            headers.insert("RateLimit".into(), header_ref("RateLimit"));
            headers.insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy"));
        }
        if matches!(status.as_str(), "429" | "503") {
            headers.insert("Retry-After".into(), header_ref("Retry-After"));
        }
        if status == "401" {
            headers.insert("WWW-Authenticate".into(), header_ref("WWW-Authenticate"));
        }
        // A body over the limit is refused before the key is read: a 413 is never a replay.
        if replays && (status.starts_with('2') || matches!(status.as_str(), "400" | "422")) {
            headers.insert(
                "Idempotent-Replayed".into(),
                header_ref("Idempotent-Replayed"),
            );
        }
        if api {
            headers.insert("Cache-Control".into(), header_ref("Cache-Control"));
        }
        headers.insert("X-Request-Id".into(), header_ref("X-Request-Id"));
        if !headers.is_empty() {
            headers.insert(
                "Access-Control-Allow-Origin".into(),
                header_ref("Access-Control-Allow-Origin"),
            );
            response["headers"] = Value::Object(headers);
        }
    }
}

/// The lengths of the parameters handlers take as plain strings, as the service checks
/// them: a consultation's id or slug, and the headers.
fn bound_parameter(parameter: &mut Value) {
    // A parameter is present or absent, never `null` (an `Option` in the code is `required:
    // false`, not a nullable type).
    if let Some(types) = parameter["schema"]["type"].as_array() {
        let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        parameter["schema"]["type"] = match types.as_slice() {
            [single] => single.clone(),
            _ => Value::Array(types),
        };
    }
    let max_length = match (parameter["in"].as_str(), parameter["name"].as_str()) {
        (Some("path"), Some("id")) => 100,
        (Some("header"), Some("Idempotency-Key")) => 255,
        (Some("header"), Some("If-Match")) => 200,
        (Some("header"), Some("X-Cancel-Token")) => 100,
        (Some("header"), Some("Authorization")) => 4096,
        _ => return,
    };
    let header = parameter["in"] == "header";
    let schema = &mut parameter["schema"];
    if schema.get("format").is_none() && schema.get("maxLength").is_none() {
        schema["maxLength"] = json!(max_length);
        if header {
            // What a header value can be read as: visible ASCII and spaces.
            schema["pattern"] = json!("^[ -~]*$");
        }
        if parameter["name"] == "Idempotency-Key" {
            parameter["schema"]["minLength"] = json!(1);
        }
        if parameter["name"] == "If-Match" {
            // RFC 9110 13.1.1: `*` or a list of entity tags; anything else is 400.
            parameter["schema"]["pattern"] = json!(crate::api::etag::IF_MATCH_PATTERN);
        }
    }
}

/// Calls `f` on every schema object of the document (components, parameters, bodies,
/// responses, headers), depth first.
fn visit_schemas(value: &mut Value, f: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            if map.contains_key("type") {
                f(map);
            }
            for child in map.values_mut() {
                visit_schemas(child, f);
            }
        }
        Value::Array(items) => {
            for item in items {
                visit_schemas(item, f);
            }
        }
        _ => {}
    }
}

/// The bounds a schema's type implies, where the code gives no tighter ones.
fn bound_by_type(schema: &mut serde_json::Map<String, Value>) {
    let types: Vec<String> = match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => return,
    };
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("string")
        && !schema.contains_key("format")
        && !schema.contains_key("enum")
        && !schema.contains_key("const")
    {
        // Text the service stores cannot hold NUL (PostgreSQL refuses it).
        let pattern = match schema.get("pattern").and_then(Value::as_str) {
            None => Some("^[^\\u0000]*$"),
            Some("\\S") => Some("^[^\\u0000]*\\S[^\\u0000]*$"),
            Some(_) => None,
        };
        if let Some(pattern) = pattern {
            schema.insert("pattern".into(), json!(pattern));
        }
    }
    if has("string") && !schema.contains_key("maxLength") {
        let length = match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => Some(36),
            // `2019-09-12T10:00:00.123456789+02:00`
            Some("date-time") => Some(35),
            Some("date") => Some(10),
            _ => None,
        };
        if let Some(length) = length {
            schema.insert("maxLength".into(), json!(length));
        }
    }
    if has("integer") {
        let (format, min, max) = match schema.get("format").and_then(Value::as_str) {
            Some("int64") => ("int64", i64::MIN, i64::MAX),
            _ => ("int32", i64::from(i32::MIN), i64::from(i32::MAX)),
        };
        schema.entry("format").or_insert_with(|| json!(format));
        schema.entry("minimum").or_insert_with(|| json!(min));
        schema.entry("maximum").or_insert_with(|| json!(max));
    }
}

/// The security of an operation as the wire has it: an operation that takes no token says
/// so (`{}`), and wherever the bearer token is taken, the OAuth2 client-credentials scheme
/// that issues it is an alternative.
fn secure(operation: &mut Value) {
    if operation.get("security").is_none() {
        operation["security"] = json!([{}]);
    }
    if let Some(requirements) = operation["security"].as_array_mut()
        && requirements.iter().any(|r| r.get("bearer").is_some())
        && !requirements.iter().any(|r| r.get("oauth2").is_some())
    {
        requirements.push(json!({"oauth2": []}));
    }
}

/// The answers every operation of its kind can give, where the handler's annotation does
/// not name them more precisely.
fn complete_responses(operation: &mut Value) {
    let takes_token = operation["security"]
        .as_array()
        .is_some_and(|rs| rs.iter().any(|r| r.get("bearer").is_some()));
    let slug_in_path = operation["parameters"].as_array().is_some_and(|ps| {
        ps.iter().any(|p| {
            p["in"] == "path"
                && p["schema"]["type"] == "string"
                && p["schema"].get("format").is_none()
        })
    });
    let has_body = operation.get("requestBody").is_some();
    let responses = &mut operation["responses"];
    if takes_token {
        if responses.get("401").is_none() {
            responses["401"] = problem_response(
                "`unauthorized`: the token is missing where one is needed, expired, malformed, wrongly signed, or of a revoked API client",
            );
        }
        if responses.get("403").is_none() {
            responses["403"] = problem_response(
                "`forbidden`: a token of the ministry's identity provider that grants no role of this service",
            );
        }
    }
    if slug_in_path && responses.get("400").is_none() {
        responses["400"] = problem_response(
            "`invalid_text`: the id or slug holds a character that cannot be stored (NUL)",
        );
    }
    if has_body && responses.get("413").is_none() {
        responses["413"] = problem_response("`payload_too_large`: the body exceeds 64 KiB");
    }
}

/// A list's items are the resource's own schema (`Consultation`, not an inlined copy), so
/// that generated clients have one type for the item of a list and the resource.
fn reuse_item_schemas(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(item) = name
            .strip_prefix("Page_")
            .or_else(|| name.strip_prefix("SyncPage_"))
        else {
            continue;
        };
        if !schemas.contains_key(item) {
            continue;
        }
        let reference = json!({"$ref": format!("#/components/schemas/{item}")});
        schemas[&name]["properties"]["items"]["items"] = reference;
    }
}

/// Spreadsheets are bytes, not text: generated clients hand them over as a file.
fn binary_downloads(doc: &mut Value) {
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for response in responses.values_mut() {
                if let Some(media) = response
                    .get_mut("content")
                    .and_then(|content| content.get_mut(XLSX))
                {
                    media["schema"] = json!({
                        "type": "string",
                        "format": "binary",
                        "contentMediaType": XLSX
                    });
                }
            }
        }
    }
}

/// The events a webhook subscription receives, as an OpenAPI 3.1 `webhooks` section: what
/// the service POSTs to the subscription's URL (Standard Webhooks), one entry per event type.
fn add_webhooks(doc: &mut Value) {
    let uuid = || json!({"type": "string", "format": "uuid"});
    let nullable = |schema: &str| json!({"oneOf": [{"$ref": format!("#/components/schemas/{schema}")}, {"type": "null"}]});
    let reference = |schema: &str| json!({"$ref": format!("#/components/schemas/{schema}")});
    let schemas = &mut doc["components"]["schemas"];
    schemas["SubmissionEventData"] = json!({
        "description": "What names the submission, never its content or personal data: fetch it with `GET /api/v1/submissions/{id}`.",
        "type": "object",
        "required": ["id", "consultation_id", "organisation_id", "kind", "status", "external_ref"],
        "properties": {
            "id": uuid(),
            "consultation_id": uuid(),
            "organisation_id": {"type": ["string", "null"], "format": "uuid", "description": "The submitting organisation; `null` for staff input without one."},
            "kind": reference("SubmissionKind"),
            "status": reference("SubmissionStatus"),
            "previous_status": {"allOf": [reference("SubmissionStatus")], "description": "The status before, in `submission.status_changed` only."},
            "external_ref": {"type": ["string", "null"], "maxLength": 200, "description": "The organisation's own id of the submission."}
        }
    });
    schemas["ResponsePublishedEventData"] = json!({
        "description": "A considered response was published: fetch the submission with `GET /api/v1/submissions/{id}`.",
        "type": "object",
        "required": ["id", "consultation_id", "organisation_id", "consideration"],
        "properties": {
            "id": uuid(),
            "consultation_id": uuid(),
            "organisation_id": {"type": ["string", "null"], "format": "uuid"},
            "consideration": nullable("Consideration")
        }
    });
    schemas["RegistrationEventData"] = json!({
        "description": "What names the registration, never personal data: fetch it with `GET /api/v1/registrations/{id}`.",
        "type": "object",
        "required": ["id", "round_id", "organisation_id", "status", "previous_status"],
        "properties": {
            "id": uuid(),
            "round_id": uuid(),
            "organisation_id": {"type": ["string", "null"], "format": "uuid", "description": "The organisation whose partner made the registration; `null` for one made by the person or by staff."},
            "status": reference("RegistrationStatus"),
            "previous_status": nullable("RegistrationStatus")
        }
    });
    schemas["PingEventData"] = json!({
        "description": "The test event of `POST /api/v1/webhooks/{id}/test`.",
        "type": "object",
        "required": ["subscription_id"],
        "properties": {"subscription_id": uuid()}
    });
    let events: [(&str, &str, &str); 8] = [
        (
            "submission.created",
            "SubmissionEventData",
            "A submission was handed in (also by an import): `POST /api/v1/consultations/{id}/submissions` or `…/submissions/import`. Admins' subscriptions and the submitting organisation's hear it.",
        ),
        (
            "submission.updated",
            "SubmissionEventData",
            "A submission was changed by its organisation (`PATCH /api/v1/submissions/{id}`). Admins' subscriptions and the submitting organisation's hear it.",
        ),
        (
            "submission.status_changed",
            "SubmissionEventData",
            "A submission was reviewed (`POST /api/v1/submissions/{id}/review`) or withdrawn (`DELETE /api/v1/submissions/{id}`); `previous_status` says from what. Admins' subscriptions and the submitting organisation's hear it.",
        ),
        (
            "submission.response_published",
            "ResponsePublishedEventData",
            "The considered response to a submission was published (`POST /api/v1/consultations/{id}/responses/publish`). Admins' subscriptions and the submitting organisation's hear it.",
        ),
        (
            "registration.status_changed",
            "RegistrationEventData",
            "A registration was made, confirmed, cancelled, promoted from the waitlist or checked in. Admins' subscriptions and those of the organisation whose partner made it hear it.",
        ),
        (
            "round.updated",
            "Round",
            "A round was changed (`PATCH /api/v1/rounds/{id}`); `data` is the round as `GET /api/v1/rounds/{id}` answers. Admins' subscriptions always, partners' once its consultation is no longer a draft.",
        ),
        (
            "round.cancelled",
            "Round",
            "A round was cancelled (sent after its `round.updated`); `data` is the round. Admins' subscriptions always, partners' once its consultation is no longer a draft.",
        ),
        (
            "ping",
            "PingEventData",
            "The test event of `POST /api/v1/webhooks/{id}/test`, sent whatever events the subscription asked for.",
        ),
    ];
    let mut webhooks = serde_json::Map::new();
    for (event, data, description) in events {
        let name: String = event
            .split(['.', '_'])
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect();
        let envelope = format!("{name}Event");
        doc["components"]["schemas"][&envelope] = json!({
            "description": format!("The `{event}` event as a receiver gets it."),
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "enum": [event]},
                "timestamp": {"type": "string", "format": "date-time", "description": "When the event happened (RFC 3339, milliseconds, UTC)."},
                "data": reference(data)
            }
        });
        webhooks.insert(
            event.to_string(),
            json!({"post": {
                "operationId": format!("webhook_{}", event.replace('.', "_")),
                "tags": ["webhooks"],
                "summary": format!("The `{event}` event"),
                "description": format!("{description} Delivered as a POST to the subscription's URL, as Standard Webhooks has it: the signature covers `webhook-id.webhook-timestamp.body`; retried with backoff for 3 days, then the subscription is `disabled`. Redirects are not followed; the receiver has 15 s to answer."),
                "parameters": [
                    {"name": "webhook-id", "in": "header", "required": true, "description": "`msg_` and the delivery's id: the same across retries and redeliveries, for deduplication.", "schema": {"type": "string", "pattern": "^msg_[0-9a-f]{32}$", "maxLength": 36}},
                    {"name": "webhook-timestamp", "in": "header", "required": true, "description": "Seconds since 1970 of this attempt; refuse stale ones.", "schema": {"type": "integer", "format": "int64"}},
                    {"name": "webhook-signature", "in": "header", "required": true, "description": "`v1,` and the base64 HMAC-SHA256 of `webhook-id.webhook-timestamp.body` under the secret without its `whsec_` prefix; space-separated, one per valid secret (two for 24 h after a rotation).", "schema": {"type": "string", "maxLength": 200}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference(&envelope)}}},
                "responses": {
                    "2XX": {"description": "Received: the delivery succeeded."},
                    "410": {"description": "The receiver wants no more: the subscription is disabled at once."},
                    "429": {"description": "Retried after the receiver's `Retry-After` (seconds or an HTTP date)."},
                    "503": {"description": "Retried after the receiver's `Retry-After` (seconds or an HTTP date)."},
                    "default": {"description": "Any other answer, a timeout or no connection: retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and then every 10 h, until three days have passed."}
                }
            }}),
        );
    }
    doc["webhooks"] = Value::Object(webhooks);
}

/// Request schemas as narrow as the rules the service applies to them, where the Rust
/// type's own schema is wider: every body the schema refuses, the service refuses too
/// (400 or 422), and every body it allows gets past these rules.
fn narrow_requests(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    // A review decides: `withdrawn` and `submitted` are no decision (422). `rejected` needs
    // a reason, `merged` the submission it duplicates, and only `merged` names one.
    let review = schemas["Review"].clone();
    let reason = review["properties"]["reason"].clone();
    let duplicate_of = review["properties"]["duplicate_of"].clone();
    let decision = |statuses: &[&str], required: &[&str], reason: &Value, duplicate_of: Value| {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": required,
            "properties": {
                "status": {"type": "string", "enum": statuses},
                "reason": reason,
                "duplicate_of": duplicate_of
            }
        })
    };
    let mut required_reason = reason.clone();
    required_reason["type"] = json!("string");
    let mut required_duplicate = duplicate_of.clone();
    required_duplicate["type"] = json!("string");
    schemas["ReviewProgress"] = decision(
        &["in_review", "accepted"],
        &["status"],
        &reason,
        json!({"type": "null", "description": "Only for `merged`."}),
    );
    schemas["ReviewRejection"] = decision(
        &["rejected"],
        &["status", "reason"],
        &required_reason,
        json!({"type": "null", "description": "Only for `merged`."}),
    );
    schemas["ReviewMerge"] = decision(
        &["merged"],
        &["status", "duplicate_of"],
        &reason,
        required_duplicate,
    );
    schemas["Review"] = json!({
        "description": "A moderator's decision: `in_review` or `accepted`; `rejected` with a `reason`; `merged` into `duplicate_of`, another submission of the same consultation that stands (not merged, withdrawn or rejected).",
        "oneOf": [
            {"$ref": "#/components/schemas/ReviewProgress"},
            {"$ref": "#/components/schemas/ReviewRejection"},
            {"$ref": "#/components/schemas/ReviewMerge"}
        ],
        "discriminator": {
            "propertyName": "status",
            "mapping": {
                "in_review": "#/components/schemas/ReviewProgress",
                "accepted": "#/components/schemas/ReviewProgress",
                "rejected": "#/components/schemas/ReviewRejection",
                "merged": "#/components/schemas/ReviewMerge"
            }
        }
    });
    // A partner client acts for an organisation; staff clients for none.
    let client = schemas["NewClient"].clone();
    let name = client["properties"]["name"].clone();
    let organisation_id = client["properties"]["organisation_id"].clone();
    let mut partner_organisation = organisation_id.clone();
    partner_organisation["type"] = json!("string");
    partner_organisation["description"] = json!("The organisation the partner acts for.");
    schemas["NewPartnerClient"] = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "role", "organisation_id"],
        "properties": {
            "name": name,
            "role": {"type": "string", "enum": ["partner"]},
            "organisation_id": partner_organisation
        }
    });
    schemas["NewStaffClient"] = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "role"],
        "properties": {
            "name": name,
            "role": {"type": "string", "enum": ["admin", "moderator"]},
            "organisation_id": {"type": "null", "description": "Staff clients act for no organisation."}
        }
    });
    schemas["NewClient"] = json!({
        "description": "An API client: a `partner` for the organisation it acts for, or an `admin` or `moderator` tool.",
        "oneOf": [
            {"$ref": "#/components/schemas/NewPartnerClient"},
            {"$ref": "#/components/schemas/NewStaffClient"}
        ],
        "discriminator": {
            "propertyName": "role",
            "mapping": {
                "partner": "#/components/schemas/NewPartnerClient",
                "admin": "#/components/schemas/NewStaffClient",
                "moderator": "#/components/schemas/NewStaffClient"
            }
        }
    });
    // The CSV import is text of its own media type (RFC 4180; UTF-8).
    schemas["CsvFile"]["contentMediaType"] = json!("text/csv");
    // A webhook target is a URL (its scheme and address are checked on top: 422).
    for schema in ["NewSubscription", "SubscriptionPatch", "Subscription"] {
        schemas[schema]["properties"]["url"]["format"] = json!("uri");
    }
}

/// Where an answer lists things that may refer to an organisation or a round (`items`,
/// `submissions`, `open_needs`, …) and the reference may be `null` (an admin's API client,
/// staff input, a registration by the person), the links to the organisation or round
/// follow the first listed thing that has one: `$response.body#/items/0/organisation_id`,
/// never a `null` of a later one.
fn link_optional_references(doc: &mut Value) {
    /// A reference field, and the path, method and parameter of each operation it feeds.
    type Target = (&'static str, &'static str, &'static str);
    const REFERENCES: &[(&str, &[Target])] = &[
        (
            "organisation_id",
            &[
                ("/api/v1/organisations/{id}", "get", "path.id"),
                ("/api/v1/organisations/{id}", "patch", "path.id"),
                (
                    "/api/v1/consultations/{id}/submissions",
                    "get",
                    "query.organisation_id",
                ),
                (
                    "/api/v1/consultations/{id}/submissions/export",
                    "get",
                    "query.organisation_id",
                ),
            ],
        ),
        (
            "round_id",
            &[
                ("/api/v1/rounds/{id}", "get", "path.id"),
                ("/api/v1/rounds/{id}", "patch", "path.id"),
                ("/api/v1/rounds/{id}/registrations", "get", "path.id"),
                ("/api/v1/rounds/{id}/registrations", "post", "path.id"),
                ("/api/v1/rounds/{id}/registrations/export", "get", "path.id"),
                (
                    "/api/v1/consultations/{id}/submissions",
                    "get",
                    "query.round_id",
                ),
                (
                    "/api/v1/consultations/{id}/submissions/export",
                    "get",
                    "query.round_id",
                ),
                (
                    "/api/v1/consultations/{id}/submissions/import",
                    "post",
                    "query.round_id",
                ),
            ],
        ),
    ];
    let schemas = doc["components"]["schemas"].clone();
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => schemas[name].clone(),
            None => schema.clone(),
        }
    };
    let nullable = |schema: &Value| {
        schema["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == "null"))
    };
    let operation_ids: Vec<Vec<Option<String>>> = REFERENCES
        .iter()
        .map(|(_, targets)| {
            targets
                .iter()
                .map(|(path, method, _)| {
                    doc["paths"][*path][*method]["operationId"]
                        .as_str()
                        .map(str::to_string)
                })
                .collect()
        })
        .collect();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                if !status.starts_with('2') {
                    continue;
                }
                let body = resolve(&response["content"]["application/json"]["schema"]);
                let mut links = serde_json::Map::new();
                for (list, property) in body["properties"].as_object().into_iter().flatten() {
                    let entry = resolve(&property["items"]);
                    for ((field, targets), ids) in REFERENCES.iter().zip(&operation_ids) {
                        if !nullable(&entry["properties"][*field]) {
                            continue;
                        }
                        for ((_, _, parameter), id) in targets.iter().zip(ids) {
                            let Some(id) = id else { continue };
                            links.insert(
                                format!("{id}_by_{field}_of_first_{list}"),
                                json!({
                                    "operationId": id,
                                    "parameters": {*parameter: format!("$response.body#/{list}/0/{field}")},
                                    "description": format!("The `{field}` of the first of `{list}`; not followed when it is `null`.")
                                }),
                            );
                        }
                    }
                }
                if !links.is_empty() {
                    let existing = response
                        .as_object_mut()
                        .map(|r| r.entry("links").or_insert_with(|| json!({})));
                    if let Some(Value::Object(existing)) = existing {
                        existing.extend(links);
                    }
                }
            }
        }
    }
}

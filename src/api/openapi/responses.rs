//! The answers every operation of its kind gives (problems, headers), and its security.

use serde_json::{Value, json};

pub(super) fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

pub(super) fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

pub(super) fn finish_responses(responses: &mut Value, api: bool, replays: bool) {
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

/// The security of an operation as the wire has it: an operation that takes no token says
/// so (`{}`), and wherever the bearer token is taken, the OAuth2 client-credentials scheme
/// that issues it is an alternative.
pub(super) fn secure(operation: &mut Value) {
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
pub(super) fn complete_responses(operation: &mut Value) {
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

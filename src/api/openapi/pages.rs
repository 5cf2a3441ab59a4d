//! The pages the mails link to, as the wire has them: rate-limited like the API, with the
//! headers every page carries, and a problem where the database is not there.

use serde_json::{Value, json};

use super::responses::{header_ref, problem_response};
use crate::api::pages::PREFIX;

/// The most a page's HTML can be: far above what any page holds.
const MAX_PAGE_BYTES: usize = 100_000;

/// The headers of every page, declared once under `components.headers`.
fn page_headers() -> Value {
    json!({
        "Content-Security-Policy": {
            "description": "Nothing but the page's inline stylesheet (by its hash) and posting its form to this origin; never framed.",
            "schema": {"type": "string", "maxLength": 300}
        },
        "X-Frame-Options": {
            "description": "`DENY`: no page is shown in a frame.",
            "schema": {"type": "string", "enum": ["DENY"]}
        },
        "Referrer-Policy": {
            "description": "`no-referrer`: a link's token never leaves in a `Referer`.",
            "schema": {"type": "string", "enum": ["no-referrer"]}
        }
    })
}

pub(super) fn document_pages(doc: &mut Value) {
    if let (Some(headers), Value::Object(pages)) =
        (doc["components"]["headers"].as_object_mut(), page_headers())
    {
        headers.extend(pages);
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (_, item) in paths
        .iter_mut()
        .filter(|(path, _)| path.starts_with(PREFIX))
    {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            responses.entry("500").or_insert_with(|| {
                problem_response(
                    "`internal_error`: an unexpected error, logged; nothing is disclosed",
                )
            });
            responses.entry("503").or_insert_with(|| {
                problem_response(
                    "`unavailable`: the database is unreachable or did not answer in time",
                )
            });
            for (status, response) in responses.iter_mut() {
                let headers = &mut response["headers"];
                headers["X-Request-Id"] = header_ref("X-Request-Id");
                headers["Access-Control-Allow-Origin"] = header_ref("Access-Control-Allow-Origin");
                if status.starts_with('2') || status.starts_with('4') {
                    headers["RateLimit"] = header_ref("RateLimit");
                    headers["RateLimit-Policy"] = header_ref("RateLimit-Policy");
                }
                if matches!(status.as_str(), "429" | "503") {
                    headers["Retry-After"] = header_ref("Retry-After");
                }
                if response["content"].get("text/html").is_none() {
                    continue;
                }
                // A page is a few KiB.
                response["content"]["text/html"]["schema"]["maxLength"] = json!(MAX_PAGE_BYTES);
                for name in [
                    "Content-Security-Policy",
                    "X-Frame-Options",
                    "Referrer-Policy",
                    "Cache-Control",
                    "Content-Language",
                    "Vary",
                ] {
                    response["headers"][name] = header_ref(name);
                }
            }
        }
    }
}

//! Localised answers in the document: every operation that answers consultations or rounds
//! (one or a page of them) takes `Accept-Language` and says `Content-Language` and `Vary`
//! on its success, as `api::language` answers them.

use serde_json::{Value, json};

use super::responses::header_ref;

/// The schemas of answers whose texts are localised.
const LOCALISED: &[&str] = &["Consultation", "Round", "Page_Consultation", "Page_Round"];

/// The headers of localised answers, for `components.headers`.
pub(super) fn localised_headers() -> Value {
    json!({
        "Content-Language": {
            "description": "The languages the answer's texts (`title`, `summary`) are in: the one `Accept-Language` asks for where the translations have it, else `de` (German, the original); a list names each language its items are in.",
            "schema": {"type": "string", "maxLength": 14, "pattern": "^(de|en|uk|ar)(, (de|en|uk|ar))*$"}
        },
        "Vary": {
            "description": "Names `Accept-Language`: the answer depends on it (and on the CORS request headers).",
            "schema": {"type": "string", "maxLength": 200}
        }
    })
}

/// `Accept-Language` on the operations, `Content-Language` and `Vary` on their successes.
pub(super) fn localise_answers(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let Some(responses) = operation["responses"].as_object_mut() else {
            continue;
        };
        let mut localised = false;
        for (status, response) in responses.iter_mut() {
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            let named = schema
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .is_some_and(|name| LOCALISED.contains(&name));
            if !status.starts_with('2') || !named {
                continue;
            }
            localised = true;
            response["headers"]["Content-Language"] = header_ref("Content-Language");
            response["headers"]["Vary"] = header_ref("Vary");
        }
        if localised {
            accept_language(operation);
        }
    }
}

fn accept_language(operation: &mut Value) {
    let parameter = json!({
        "name": "Accept-Language",
        "in": "header",
        "required": false,
        "description": "The languages the caller reads, by preference (RFC 9110 12.5.4), e.g. `uk-UA, uk;q=0.9, en;q=0.5`: titles and summaries are answered in the first of `de`, `en`, `uk`, `ar` it names (by quality), where the resource has a translation into it; else in German, the original. Editors send `de` to see the originals. Longer than 500 characters: 400.",
        "schema": {"type": "string", "maxLength": crate::api::language::MAX_ACCEPT_LANGUAGE}
    });
    match operation["parameters"].as_array_mut() {
        Some(parameters) => parameters.push(parameter),
        None => operation["parameters"] = json!([parameter]),
    }
}

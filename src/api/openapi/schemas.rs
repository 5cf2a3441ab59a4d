//! Schemas as narrow as the rules they can state: bounds, nullable fields, list items,
//! binary downloads, the decisions of a review.

use serde_json::{Value, json};

/// In a request body, a field that may be `null` may also be left out (serde reads a
/// missing `Option` as `None`): it is not `required`.
pub(super) fn optional_when_nullable(doc: &mut Value) {
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

/// The lengths of the parameters handlers take as plain strings, as the service checks
/// them: a consultation's id or slug, and the headers.
pub(super) fn bound_parameter(parameter: &mut Value) {
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
        (Some("path"), Some("id" | "slug")) => 100,
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
pub(super) fn visit_schemas(
    value: &mut Value,
    f: &mut impl FnMut(&mut serde_json::Map<String, Value>),
) {
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
pub(super) fn bound_by_type(schema: &mut serde_json::Map<String, Value>) {
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

/// A list's items are the resource's own schema (`Consultation`, not an inlined copy), so
/// that generated clients have one type for the item of a list and the resource.
pub(super) fn reuse_item_schemas(doc: &mut Value) {
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
pub(super) fn binary_downloads(doc: &mut Value) {
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

/// The email fields of requests, which state [`EMAIL_PATTERN`](crate::domain::validate::EMAIL_PATTERN).
const EMAIL_FIELDS: &[(&str, &str)] = &[
    ("NewSubmission", "author_email"),
    ("NewRegistration", "email"),
    ("PrivacyRequest", "email"),
    ("NewAuthority", "contact_email"),
    ("AuthorityPatch", "contact_email"),
];

/// Request schemas as narrow as the rules the service applies to them, where the Rust
/// type's own schema is wider: every body the schema refuses, the service refuses too
/// (400 or 422), and every body it allows gets past these rules.
pub(super) fn narrow_requests(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    review_decisions(schemas);
    client_kinds(schemas);
    // Every email field has the one shape the service checks.
    for (schema, field) in EMAIL_FIELDS {
        schemas[*schema]["properties"][*field]["pattern"] =
            json!(crate::domain::validate::EMAIL_PATTERN);
    }
    // The CSV import is text of its own media type (RFC 4180; UTF-8).
    schemas["CsvFile"]["contentMediaType"] = json!("text/csv");
    // A webhook target is a URL (its scheme and address are checked on top: 422).
    for schema in ["NewSubscription", "SubscriptionPatch", "Subscription"] {
        schemas[schema]["properties"]["url"]["format"] = json!("uri");
    }
}

/// A review decides: `withdrawn` and `submitted` are no decision (422). `rejected` needs a
/// reason, `merged` the submission it duplicates, and only `merged` names one.
fn review_decisions(schemas: &mut Value) {
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
}

/// A partner client acts for an organisation; staff clients for none.
fn client_kinds(schemas: &mut Value) {
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
}

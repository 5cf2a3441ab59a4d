//! OpenAPI links: from created resources to the operations on them, and from optional
//! references in lists to the operations they feed.

use serde_json::{Value, json};

/// A link's name, and the path and method of the operation it leads to.
pub(super) type Link = (&'static str, &'static str, &'static str);

/// Each creating operation's path, with the links from what it created.
pub(super) const CREATED_LINKS: &[(&str, &[Link])] = &[
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
        "/api/v1/authorities",
        &[
            ("GetAuthority", "/api/v1/authorities/{id}", "get"),
            ("UpdateAuthority", "/api/v1/authorities/{id}", "patch"),
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

/// OpenAPI links from each creating operation to the operations on what it created, so that
/// clients (and stateful testers) can follow them: the `id` of the 201 body feeds `{id}`.
pub(super) fn add_links(doc: &mut Value) {
    for (creating, targets) in CREATED_LINKS {
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

/// A reference field, and the path, method and parameter of each operation it feeds.
type Target = (&'static str, &'static str, &'static str);
/// The reference fields of list items, and the operations each feeds.
const REFERENCES: &[(&str, &[Target])] = &[
    (
        "authority_id",
        &[
            ("/api/v1/authorities/{id}", "get", "path.id"),
            ("/api/v1/authorities/{id}", "patch", "path.id"),
        ],
    ),
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

/// Where an answer lists things that may refer to an organisation or a round (`items`,
/// `submissions`, `open_needs`, …) and the reference may be `null` (an admin's API client,
/// staff input, a registration by the person), the links to the organisation or round
/// follow the first listed thing that has one: `$response.body#/items/0/organisation_id`,
/// never a `null` of a later one.
pub(super) fn link_optional_references(doc: &mut Value) {
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

//! The `webhooks` section: every event a subscription can receive, with its payload.

use serde_json::{Value, json};

/// Every event type: its name, the schema of its `data`, and what it tells.
const EVENTS: [(&str, &str, &str); 8] = [
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

/// The events a webhook subscription receives, as an OpenAPI 3.1 `webhooks` section: what
/// the service POSTs to the subscription's URL (Standard Webhooks), one entry per event type.
pub(super) fn add_webhooks(doc: &mut Value) {
    payload_schemas(&mut doc["components"]["schemas"]);
    let mut webhooks = serde_json::Map::new();
    for (event, data, description) in EVENTS {
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
                    {"name": "webhook-signature", "in": "header", "required": true, "description": "`v1,` and the base64 HMAC-SHA256 of `webhook-id.webhook-timestamp.body` under the secret without its `whsec_` prefix; space-separated, one per valid secret (two for 24 h after a rotation).", "schema": {"type": "string", "maxLength": 200}},
                    {"name": "traceparent", "in": "header", "required": false, "description": "W3C Trace Context of this delivery, when the service exports traces: it continues the trace of the request that caused the event; not signed.", "schema": {"type": "string", "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", "maxLength": 55}}
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

/// The `data` of each event, as a schema of its own.
fn payload_schemas(schemas: &mut Value) {
    let uuid = || json!({"type": "string", "format": "uuid"});
    let nullable = |schema: &str| json!({"oneOf": [{"$ref": format!("#/components/schemas/{schema}")}, {"type": "null"}]});
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
}

/// A reference to a schema of `components.schemas`.
fn reference(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

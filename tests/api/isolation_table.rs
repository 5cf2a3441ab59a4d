//! The table of every operation of the spec for the isolation test: how it relates to an
//! authority's objects and what body it is sent with. An operation of the spec missing here
//! fails the test, so a new endpoint is thought about before it ships.

use serde_json::{Value, json};

use crate::isolation::World;

/// How an operation relates to the objects of one authority.
pub enum Scope {
    /// Acts on one object named in the path: another authority's must look non-existent.
    Resource,
    /// A list, search, export or write of the caller's own: anything but 5xx, and nothing of
    /// another authority in the answer.
    Collection,
    /// A write naming another authority's object in its body: never a success.
    IntoOther,
    /// Not per authority, with the reason; still called, never 5xx, never another
    /// authority's objects in the answer.
    Shared(&'static str),
}

/// The body an operation is sent with.
pub enum Body {
    None,
    Json(fn(&World) -> Value),
    Csv(&'static str),
}

pub struct Operation {
    pub id: &'static str,
    pub scope: Scope,
    pub body: Body,
}

fn op(id: &'static str, scope: Scope, body: Body) -> Operation {
    Operation { id, scope, body }
}

/// Every operation of the spec.
pub fn operations() -> Vec<Operation> {
    let mut all = shared();
    all.extend(consultations());
    all.extend(registrations_and_submissions());
    all.extend(staff_collections());
    all
}

fn shared() -> Vec<Operation> {
    use Body::{Json, None};
    use Scope::Shared;
    vec![
        op(
            "issue_token",
            Shared("exchanges client credentials, no authority's data"),
            Json(|_| json!({"grant_type": "client_credentials"})),
        ),
        op(
            "list_authorities",
            Shared("the directory of authorities is public to staff"),
            None,
        ),
        op(
            "create_authority",
            Shared("platform admin only"),
            Json(|_| json!({"slug": "fremd", "name": "Fremd", "kind": "agency"})),
        ),
        op(
            "get_authority",
            Shared("the directory of authorities"),
            None,
        ),
        op(
            "update_authority",
            Shared("the directory; its own or admin only"),
            Json(|_| json!({"name": "Übernommen"})),
        ),
        op("list_categories", Shared("a fixed vocabulary"), None),
        op(
            "list_organisations",
            Shared("organisations are a shared directory"),
            None,
        ),
        op(
            "create_organisation",
            Shared("organisations are a shared directory"),
            Json(|_| json!({"name": "Verein B", "category": "association"})),
        ),
        op(
            "get_organisation",
            Shared("organisations are a shared directory"),
            None,
        ),
        op(
            "update_organisation",
            Shared("organisations are a shared directory"),
            Json(|_| json!({"region": "Mettmann"})),
        ),
        op(
            "confirm_registration",
            Shared("by the registrant's secret token, not by role"),
            Json(|_| json!({"token": "kein-gueltiges-token"})),
        ),
        op(
            "confirm_page",
            Shared("the mailed link's page, by the registrant's secret token"),
            None,
        ),
        op(
            "confirm_form",
            Shared("the mailed link's form, by the registrant's secret token"),
            None,
        ),
        op(
            "cancel_page",
            Shared("the mailed link's page, by the registrant's secret token"),
            None,
        ),
        op(
            "cancel_form",
            Shared("the mailed link's form, by the registrant's secret token"),
            None,
        ),
        op("healthz", Shared("liveness"), None),
        op("readyz", Shared("readiness"), None),
        op(
            "metrics",
            Shared("aggregate counters of the platform"),
            None,
        ),
    ]
}

fn consultations() -> Vec<Operation> {
    use Body::{Json, None};
    use Scope::{Collection, IntoOther, Resource};
    vec![
        op("list_consultations", Collection, None),
        op(
            "create_consultation",
            IntoOther,
            Json(|w| {
                json!({
            "slug": "eingeschleust", "title": "Eingeschleust", "authority_id": w.authority_a})
            }),
        ),
        op("get_consultation", Resource, None),
        op(
            "update_consultation",
            Resource,
            Json(|_| json!({"title": "Übernommen"})),
        ),
        op("get_consideration_table", Resource, None),
        op("get_report", Resource, None),
        op("get_participation_report", Resource, None),
        op("publish_responses", Resource, Json(|_| json!({}))),
        op("list_rounds", Resource, None),
        op(
            "create_round",
            Resource,
            Json(|_| {
                json!({
            "kind": "regional", "title": "Eingeschleust",
            "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z",
            "capacity": 10})
            }),
        ),
        op("list_submissions", Resource, None),
        op(
            "create_submission",
            Resource,
            Json(|_| {
                json!({
            "kind": "need", "topic": "sprache", "title": "Eingeschleust", "body": "B"})
            }),
        ),
        op("export_submissions", Resource, None),
        op(
            "import_submissions",
            Resource,
            Body::Csv("kind;topic;title;body\nneed;sprache;Eingeschleust;B\n"),
        ),
    ]
}

fn registrations_and_submissions() -> Vec<Operation> {
    use Body::{Json, None};
    use Scope::Resource;
    vec![
        op("get_round", Resource, None),
        op("update_round", Resource, Json(|_| json!({"capacity": 1}))),
        op("list_registrations", Resource, None),
        op(
            "register",
            Resource,
            Json(|_| {
                json!({
            "name": "Eingeschleust", "email": "b@kreis-mettmann.test", "privacy_consent": true})
            }),
        ),
        op("export_registrations", Resource, None),
        op("get_registration", Resource, None),
        op("cancel_registration", Resource, None),
        op("check_in", Resource, None),
        op("registration_history", Resource, None),
        op("get_submission", Resource, None),
        op(
            "update_submission",
            Resource,
            Json(|_| json!({"title": "Übernommen"})),
        ),
        op("withdraw_submission", Resource, None),
        op("submission_history", Resource, None),
        op(
            "draft_response",
            Resource,
            Json(|_| json!({"consideration": "not_considered", "text": "Übernommen"})),
        ),
        op(
            "review_submission",
            Resource,
            Json(|_| json!({"status": "in_review"})),
        ),
    ]
}

fn staff_collections() -> Vec<Operation> {
    use Body::{Json, None};
    use Scope::{Collection, Resource};
    vec![
        op("list_clients", Collection, None),
        op(
            "create_client",
            Collection,
            Json(|_| json!({"name": "Fachverfahren B", "role": "moderator"})),
        ),
        op("revoke_client", Resource, None),
        op("list_outbox", Collection, None),
        op("list_access_log", Collection, None),
        op(
            "erase_personal_data",
            Collection,
            Json(|w| json!({"email": w.email})),
        ),
        op(
            "export_personal_data",
            Collection,
            Json(|w| json!({"email": w.email})),
        ),
        op("processing_record", Collection, None),
        op("list_subscriptions", Collection, None),
        op(
            "create_subscription",
            Collection,
            Json(|_| {
                json!({
            "url": "http://127.0.0.1:9/kreis-mettmann", "events": ["submission.created"]})
            }),
        ),
        op("get_subscription", Resource, None),
        op(
            "update_subscription",
            Resource,
            Json(|_| json!({"description": "Übernommen"})),
        ),
        op("delete_subscription", Resource, None),
        op("list_deliveries", Resource, None),
        op("redeliver", Resource, None),
        op("rotate_secret", Resource, None),
        op("send_test", Resource, None),
    ]
}

//! Authorities are tenants: generated from the committed OpenAPI spec, every operation is
//! called by the staff of authority B against the objects of authority A, and B must learn
//! nothing of them: A's objects look like ids that do not exist, B's lists and exports hold
//! nothing of A, and nothing of A changes.

use beteiligung::base::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::registrant;
use crate::helpers::{TestApp, id, spawn_app_with};
use crate::isolation_table::{Body, Operation, Scope, operations};

const B: &str = "kreis-mettmann";
const A: &str = "standardbehoerde";

/// Authority A's objects, made by the admin and A's staff, and what only A knows.
pub struct World {
    pub authority_a: String,
    pub authority_b: String,
    pub consultation: String,
    pub round: String,
    pub organisation: String,
    pub registration: String,
    pub submission: String,
    pub subscription: String,
    pub client: String,
    pub delivery: String,
    pub email: String,
    /// Strings only A's objects contain: titles, names, emails, ids.
    pub markers: Vec<String>,
}

/// One operation of the spec: method, path template, query parameter names, operationId.
struct SpecOperation {
    method: Method,
    path: String,
    query: Vec<String>,
    headers: Vec<String>,
    id: String,
}

fn spec_operations() -> Vec<SpecOperation> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("spec")).expect("spec is JSON");
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let names = |place: &str| -> Vec<String> {
                let parameters = operation["parameters"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                parameters
                    .iter()
                    .filter(|p| p["in"] == place)
                    .map(|p| p["name"].as_str().expect("name").to_string())
                    .collect()
            };
            found.push(SpecOperation {
                query: names("query"),
                headers: names("header"),
                id: operation["operationId"]
                    .as_str()
                    .expect("operationId")
                    .into(),
                method,
                path: path.clone(),
            });
        }
    }
    found
}

async fn created(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

async fn authorities(app: &TestApp) -> (String, String) {
    let admin = app.admin();
    let b = app
        .post(
            "/api/v1/authorities",
            Some(&admin),
            &json!({"slug": B, "name": "Kreis Mettmann", "kind": "district"}),
        )
        .await;
    let b = id(&created(b, "authority B").await);
    let list = app.get_json("/api/v1/authorities", Some(&admin)).await;
    let a = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["slug"] == A)
        .map(id)
        .expect("authority A");
    (a, b)
}

/// A's consultations, round and a partner's need: (consultation, round, organisation,
/// partner token, submission, markers).
async fn consultations_of_a(app: &TestApp, a: &str, markers: &mut Vec<String>) -> [String; 4] {
    let admin = app.admin();
    let mut consultation = String::new();
    for (slug, status) in [("geheim-a-offen", "open"), ("geheim-a-entwurf", "draft")] {
        let title = format!("Geheim-A-Titel-{slug}");
        let body = json!({"slug": slug, "title": title, "authority_id": a,
            "summary": "Geheim-A-Zusammenfassung",
            "topics": [{"key": "sprache", "label": "Geheim-A-Thema"}]});
        let made = created(
            app.post("/api/v1/consultations", Some(&admin), &body).await,
            slug,
        );
        let made = id(&made.await);
        if status == "open" {
            let path = format!("/api/v1/consultations/{made}");
            let opened = app
                .patch(&path, Some(&admin), &json!({"status": "open"}))
                .await;
            created(opened, "open").await;
            consultation = made.clone();
        }
        markers.extend([slug.to_string(), title, made]);
    }
    markers.push("Geheim-A-Zusammenfassung".into());
    let round = id(&app.round(&consultation, 50).await);
    let organisation = id(&app
        .organisation("Geheim-A-Verein", "association", "Halle")
        .await);
    let partner = app.partner(organisation.parse().expect("uuid"));
    let need = json!({"kind": "need", "topic": "sprache", "title": "Geheim-A-Bedarf",
        "body": "Geheim-A-Text", "author_name": "Geheim-A-Autorin", "round_id": round});
    let path = format!("/api/v1/consultations/{consultation}/submissions");
    let submission = id(&created(app.post(&path, Some(&partner), &need).await, "need").await);
    let response = json!({"consideration": "considered", "text": "Geheim-A-Abwaegung"});
    let path = format!("/api/v1/submissions/{submission}/response");
    created(app.put(&path, Some(&admin), &response).await, "response").await;
    markers.extend(
        [
            "Geheim-A-Bedarf",
            "Geheim-A-Text",
            "Geheim-A-Autorin",
            "Geheim-A-Abwaegung",
        ]
        .map(String::from),
    );
    markers.extend([round.clone(), submission.clone()]);
    [consultation, round, organisation, submission]
}

/// A's moderator client, made while A is the only authority: its id.
async fn client_of_a(app: &TestApp) -> String {
    let client = json!({"name": "Geheim-A-Client", "role": "moderator"});
    let made = app
        .post("/api/v1/clients", Some(&app.admin()), &client)
        .await;
    id(&created(made, "client").await)
}

/// A's registration and an import into A's round: the registration's id.
async fn registration_and_import(app: &TestApp, world: &World) -> String {
    let admin = app.admin();
    let path = format!("/api/v1/rounds/{}/registrations", world.round);
    let registration = registrant("Geheim-A-Person", &world.email);
    let made = app.post(&path, Some(&admin), &registration).await;
    let registration = id(&created(made, "registration").await);
    let import = json!([{"kind": "need", "topic": "sprache", "title": "Geheim-A-Import",
        "body": "Geheim-A-Importtext", "organisation": world.organisation}]);
    let path = format!(
        "/api/v1/consultations/{}/submissions/import?round_id={}",
        world.consultation, world.round
    );
    let imported = app
        .request(Method::POST, &path, Some(&admin))
        .header("content-type", "application/json")
        .body(import.to_string())
        .send()
        .await
        .expect("import");
    created(imported, "import").await;
    registration
}

/// A's webhook subscription (by A's authority admin) and one of the platform's: A's id.
async fn subscriptions(app: &TestApp) -> String {
    let staff_a = app.staff_of(Role::AuthorityAdmin, A);
    let hook = json!({"url": "http://127.0.0.1:9/geheim-a", "events": ["submission.created"],
        "description": "Geheim-A-Webhook"});
    let made = app.post("/api/v1/webhooks", Some(&staff_a), &hook).await;
    let subscription = id(&created(made, "hook").await);
    let platform = json!({"url": "http://127.0.0.1:9/geheim-plattform",
        "events": ["round.updated"], "description": "Geheim-Plattform-Webhook"});
    let made = app
        .post("/api/v1/webhooks", Some(&app.admin()), &platform)
        .await;
    created(made, "platform hook").await;
    subscription
}

async fn outbox_of(app: &TestApp, authority: &str) -> Vec<String> {
    app.db()
        .await
        .query(
            "SELECT id::text FROM outbox WHERE authority_id = $1::text::uuid",
            &[&authority],
        )
        .await
        .expect("outbox")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Everything of A, and B.
async fn world(app: &TestApp) -> World {
    let client = client_of_a(app).await;
    let (authority_a, authority_b) = authorities(app).await;
    let mut markers = vec!["Regionalkonferenz Stendal".to_string()];
    let [consultation, round, organisation, submission] =
        consultations_of_a(app, &authority_a, &mut markers).await;
    let mut world = World {
        email: "geheim-a-person@example.org".into(),
        registration: String::new(),
        subscription: subscriptions(app).await,
        delivery: String::new(),
        authority_a,
        authority_b,
        consultation,
        round,
        organisation,
        submission,
        client,
        markers,
    };
    world.registration = registration_and_import(app, &world).await;
    let outbox = outbox_of(app, &world.authority_a).await;
    assert!(!outbox.is_empty(), "A's registration made a mail");
    world.delivery = outbox[0].clone();
    let known = [
        "Geheim-A-Import",
        "Geheim-A-Importtext",
        "Geheim-A-Person",
        "127.0.0.1:9/geheim-a",
        "Geheim-A-Webhook",
        "Geheim-Plattform-Webhook",
        "Geheim-A-Client",
    ];
    world.markers.extend(known.map(String::from));
    world.markers.extend(outbox);
    world.markers.extend([
        world.email.clone(),
        world.registration.clone(),
        world.subscription.clone(),
        world.client.clone(),
    ]);
    world
}

/// A's object that `{id}` of `path` names.
fn object_of<'a>(world: &'a World, path: &str) -> &'a str {
    let kinds: [(&str, &str); 9] = [
        ("/api/v1/consultations/", &world.consultation),
        ("/api/v1/rounds/", &world.round),
        ("/api/v1/registrations/", &world.registration),
        ("/api/v1/submissions/", &world.submission),
        ("/api/v1/webhooks/", &world.subscription),
        ("/api/v1/clients/", &world.client),
        ("/api/v1/authorities/", &world.authority_a),
        ("/api/v1/organisations/", &world.organisation),
        ("/anmeldung/", &world.registration),
    ];
    kinds
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, object)| *object)
        .unwrap_or_else(|| panic!("which object does {{id}} of {path} name?"))
}

/// The path with A's objects, or with ids that do not exist when `real` is false.
fn concrete(world: &World, operation: &SpecOperation, real: bool) -> String {
    let pick = |object: &str| {
        if real {
            object.to_string()
        } else {
            Uuid::new_v4().to_string()
        }
    };
    let mut path = operation
        .path
        .replace("{delivery_id}", &pick(&world.delivery));
    if path.contains("{id}") {
        path = path.replace("{id}", &pick(object_of(world, &operation.path)));
    }
    // The public participation report takes a consultation's slug or id.
    path = path.replace("{slug}", &pick(&world.consultation));
    assert!(
        !path.contains('{'),
        "a path parameter the test does not know: {path}"
    );
    let query: Vec<String> = operation
        .query
        .iter()
        .filter_map(|name| {
            let value = match name.as_str() {
                "round_id" => world.round.clone(),
                "organisation_id" => world.organisation.clone(),
                "consultation_id" => world.consultation.clone(),
                "q" => "Geheim".into(),
                "format" => "csv".into(),
                _ => return None,
            };
            Some(format!("{name}={value}"))
        })
        .collect();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// An answer: status, problem code (if any) and text.
struct Answer {
    status: u16,
    code: Value,
    text: String,
}

/// What one call sends besides its path.
struct Call<'a> {
    token: &'a str,
    operation: &'a SpecOperation,
    body: &'a Body,
    etag: Option<&'a str>,
}

async fn send(app: &TestApp, world: &World, call: &Call<'_>, path: &str) -> Answer {
    let mut request = app.request(call.operation.method.clone(), path, Some(call.token));
    if let Some(etag) = call.etag {
        request = request.header("if-match", etag);
    }
    if call
        .operation
        .headers
        .iter()
        .any(|h| h == "Idempotency-Key")
    {
        request = request.header("idempotency-key", Uuid::new_v4().to_string());
    }
    request = match call.body {
        Body::None => request,
        Body::Json(make) => request.json(&make(world)),
        Body::Csv(csv) => request.header("content-type", "text/csv").body(*csv),
    };
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let code = serde_json::from_str::<Value>(&text)
        .map(|v| v["code"].clone())
        .unwrap_or_default();
    Answer { status, code, text }
}

/// The markers of A that `text` holds.
fn leaked<'a>(world: &'a World, text: &str) -> Vec<&'a str> {
    world
        .markers
        .iter()
        .filter(|marker| text.contains(marker.as_str()))
        .map(String::as_str)
        .collect()
}

/// Calls one operation as `role` of B; `Err` says what B learnt or what went wrong.
async fn check(
    app: &TestApp,
    world: &World,
    token: &str,
    operation: &SpecOperation,
    entry: &Operation,
) -> Result<(), String> {
    let path = concrete(world, operation, true);
    let etag = match operation.headers.iter().any(|h| h == "If-Match") {
        true => Some(app.etag(&path, Some(&app.admin())).await),
        false => None,
    };
    let call = Call {
        token,
        operation,
        body: &entry.body,
        etag: etag.as_deref(),
    };
    let answer = send(app, world, &call, &path).await;
    if answer.status >= 500 {
        return Err(format!("{}: {}", answer.status, answer.text));
    }
    match entry.scope {
        Scope::Resource => {
            let absent = send(app, world, &call, &concrete(world, operation, false)).await;
            if (200..300).contains(&answer.status)
                || (answer.status, &answer.code) != (absent.status, &absent.code)
            {
                return Err(format!(
                    "{} {} where an id that does not exist gets {} {}: {}",
                    answer.status, answer.code, absent.status, absent.code, answer.text
                ));
            }
        }
        Scope::IntoOther if (200..300).contains(&answer.status) => {
            return Err(format!("a write into A succeeded: {}", answer.text));
        }
        _ => {}
    }
    // What the caller sent itself (the email it asks about) is no leak when it comes back.
    let sent = match &entry.body {
        Body::Json(make) => format!("{path} {}", make(world)),
        _ => path.clone(),
    };
    let found: Vec<&str> = leaked(world, &answer.text)
        .into_iter()
        .filter(|marker| !sent.contains(marker))
        .collect();
    if !found.is_empty() && !matches!(entry.scope, Scope::Resource) {
        let shared = match entry.scope {
            Scope::Shared(reason) => format!(" (shared: {reason})"),
            _ => String::new(),
        };
        return Err(format!(
            "{} shows A's {found:?}{shared}: {}",
            answer.status, answer.text
        ));
    }
    Ok(())
}

/// A's rows as JSON, to see that none changed.
async fn snapshot(app: &TestApp, world: &World) -> Vec<String> {
    let db = app.db().await;
    let mut rows = Vec::new();
    for table in [
        "consultations",
        "rounds",
        "submissions",
        "registrations",
        "submission_addresses",
        "webhook_subscriptions",
        "api_clients",
    ] {
        let query = format!(
            "SELECT row_to_json(t)::text FROM {table} t \
             WHERE t.authority_id IS DISTINCT FROM $1::text::uuid ORDER BY 1"
        );
        for row in db
            .query(&query, &[&world.authority_b])
            .await
            .expect("snapshot")
        {
            rows.push(format!("{table}: {}", row.get::<_, String>(0)));
        }
    }
    rows
}

#[tokio::test]
async fn the_staff_of_one_authority_learn_nothing_of_another_through_any_operation() {
    let app = spawn_app_with(&[
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ])
    .await;
    let world = world(&app).await;
    let before = snapshot(&app, &world).await;
    assert!(before.len() >= 8, "A's rows to compare: {before:?}");
    let table = operations();
    let spec = spec_operations();
    let mut failed = Vec::new();
    for operation in &spec {
        let Some(entry) = table.iter().find(|entry| entry.id == operation.id) else {
            failed.push(format!("{}: not in the isolation table", operation.id));
            continue;
        };
        for role in [Role::Moderator, Role::AuthorityAdmin] {
            let token = app.staff_of(role, B);
            if let Err(why) = check(&app, &world, &token, operation, entry).await {
                failed.push(format!(
                    "{} {} as {role}: {why}",
                    operation.method, operation.path
                ));
            }
        }
    }
    for entry in &table {
        if !spec.iter().any(|operation| operation.id == entry.id) {
            failed.push(format!("{}: in the table but not in the spec", entry.id));
        }
    }
    let after = snapshot(&app, &world).await;
    for row in before.iter().filter(|row| !after.contains(row)) {
        failed.push(format!("A's row changed or went: {row}"));
    }
    assert!(
        failed.is_empty(),
        "{} of {} operations × 2 roles:\n{}",
        failed.len(),
        spec.len(),
        failed.join("\n")
    );
}

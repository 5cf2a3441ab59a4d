//! What the tests start from: consultations, rounds and organisations made through the API as
//! an admin would, the usual [`Setup`] of an open consultation with two partner
//! organisations, the people who register, and a few readings every file needs.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, content_type, id, is_problem, spawn_app_with};

impl TestApp {
    /// Creates a consultation with the given status (moving it forward step by step).
    pub async fn consultation(&self, slug: &str, status: &str) -> Value {
        let admin = self.admin();
        let created = self
            .post(
                "/api/v1/consultations",
                Some(&admin),
                &json!({
                    "slug": slug,
                    "title": "Integrationskonzept Sachsen-Anhalt",
                    "summary": "Beteiligungsprozess zum Integrationskonzept",
                    "topics": [
                        {"key": "sprache", "label": "Sprache und Sprachkurse"},
                        {"key": "arbeitsmarkt", "label": "Arbeitsmarktintegration"},
                        {"key": "wohnen", "label": "Wohnen"}
                    ],
                    "starts_on": "2019-09-12",
                    "ends_on": "2020-06-30"
                }),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let mut body: Value = created.json().await.expect("json");
        let order = ["draft", "open", "closed", "archived"];
        let target = order.iter().position(|s| *s == status).expect("status");
        for next in &order[1..=target] {
            let response = self
                .patch(
                    &format!("/api/v1/consultations/{}", body["id"].as_str().expect("id")),
                    Some(&admin),
                    &json!({"status": next}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            body = response.json().await.expect("json");
        }
        body
    }

    /// Creates a round of `consultation_id` with the given capacity, registration open now.
    pub async fn round(&self, consultation_id: &str, capacity: i32) -> Value {
        let now = chrono::Utc::now();
        let response = self
            .post(
                &format!("/api/v1/consultations/{consultation_id}/rounds"),
                Some(&self.admin()),
                &json!({
                    "kind": "regional",
                    "title": "Regionalkonferenz Stendal",
                    "venue": {"name": "Landratsamt Stendal", "street": "Hospitalstraße 1-2", "postal_code": "39576", "city": "Stendal"},
                    "region": "Altmark",
                    "starts_at": now + chrono::Duration::days(30),
                    "ends_at": now + chrono::Duration::days(30) + chrono::Duration::hours(5),
                    "capacity": capacity,
                    "registration_opens_at": now - chrono::Duration::days(1),
                    "registration_closes_at": now + chrono::Duration::days(28),
                }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("json")
    }

    pub async fn organisation(&self, name: &str, category: &str, region: &str) -> Value {
        let response = self
            .post(
                "/api/v1/organisations",
                Some(&self.admin()),
                &json!({"name": name, "category": category, "region": region}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("json")
    }

    /// An open consultation's round with `capacity` seats, registration open now: its id.
    pub async fn open_round(&self, capacity: i32) -> String {
        let consultation = self.consultation("integrationskonzept", "open").await;
        id(&self.round(&id(&consultation), capacity).await)
    }

    /// The `ETag` of `path` now, read as `token` (or anonymously).
    pub async fn etag(&self, path: &str, token: Option<&str>) -> String {
        let response = self.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.headers()["etag"]
            .to_str()
            .expect("ETag")
            .to_string()
    }

    /// The `seats` block of a round, as anyone reads it.
    pub async fn seats(&self, round: &str) -> Value {
        self.get_json(&format!("/api/v1/rounds/{round}"), None)
            .await
            .get("seats")
            .cloned()
            .expect("seats")
    }
}

/// The body of a registration of `name` who consents to the privacy notice.
pub fn registrant(name: &str, email: &str) -> Value {
    json!({"name": name, "email": email, "privacy_consent": true})
}

/// The `n`-th of many registrants, each with a name and address of its own.
pub fn numbered_registrant(n: usize) -> Value {
    registrant(
        &format!("Teilnehmende {n}"),
        &format!("person{n}@example.org"),
    )
}

/// An open consultation with a round, and two partner organisations.
pub struct Setup {
    pub app: TestApp,
    pub consultation: String,
    pub round: String,
    pub caritas: String,
    pub lamsa: String,
    pub caritas_token: String,
    pub lamsa_token: String,
}

pub async fn setup() -> Setup {
    setup_with(&[]).await
}

/// The same, with extra configuration of the app.
pub async fn setup_with(extra: &[(&str, &str)]) -> Setup {
    let app = spawn_app_with(extra).await;
    let consultation = id(&app.consultation("integrationskonzept", "open").await);
    let round = id(&app.round(&consultation, 80).await);
    let caritas = id(&app
        .organisation(
            "Caritasverband für das Bistum Magdeburg",
            "welfare_association",
            "Magdeburg",
        )
        .await);
    let lamsa = id(&app
        .organisation(
            "Landesnetzwerk Migrantenorganisationen",
            "migrant_organisation",
            "Halle",
        )
        .await);
    let caritas_token = app.partner(caritas.parse().unwrap());
    let lamsa_token = app.partner(lamsa.parse().unwrap());
    Setup {
        app,
        consultation,
        round,
        caritas,
        lamsa,
        caritas_token,
        lamsa_token,
    }
}

impl Setup {
    pub fn path(&self) -> String {
        format!("/api/v1/consultations/{}/submissions", self.consultation)
    }

    pub async fn submit(&self, token: &str, body: Value) -> reqwest::Response {
        self.app.post(&self.path(), Some(token), &body).await
    }

    pub async fn need(&self, token: &str, title: &str, body: &str) -> Value {
        let response = self.submit(token, json!({"kind": "need", "topic": "sprache", "title": title, "body": body, "author_name": "Maria Schulz"})).await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    pub async fn review(&self, submission: &str, body: Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/submissions/{submission}/review"),
                Some(&self.app.moderator()),
                &body,
            )
            .await
    }

    pub async fn accept(&self, submission: &str) {
        assert_eq!(
            self.review(submission, json!({"status": "in_review"}))
                .await
                .status(),
            200
        );
        assert_eq!(
            self.review(submission, json!({"status": "accepted"}))
                .await
                .status(),
            200
        );
    }
}

// --- who may do what ------------------------------------------------------------------
//
// An access table is a list of rows `access(method, path, caller, expected answer)`, sent in
// order by `assert_access`, which fails naming every row that got another answer.

/// Who sends a request of an access table: a name for the failure message, and what the
/// request carries to say who it is.
pub struct Caller {
    name: &'static str,
    bearer: Option<String>,
    cancel_token: Option<String>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Self {
            name: "anonymous",
            bearer: None,
            cancel_token: None,
        }
    }

    /// A caller with a bearer token.
    pub fn bearer(name: &'static str, token: &str) -> Self {
        Self {
            bearer: Some(token.to_string()),
            ..Self::named(name)
        }
    }

    /// A registrant without a token, showing the cancel token of its registration.
    pub fn cancel_token(name: &'static str, token: &str) -> Self {
        Self {
            cancel_token: Some(token.to_string()),
            ..Self::named(name)
        }
    }

    fn named(name: &'static str) -> Self {
        Self {
            name,
            ..Self::anonymous()
        }
    }
}

/// The methods of access tables, short enough for a table.
pub const GET: Method = Method::GET;
pub const POST: Method = Method::POST;
pub const PATCH: Method = Method::PATCH;
pub const DELETE: Method = Method::DELETE;

/// A check of a JSON body: `Err` says what is wrong with it.
pub type BodyCheck = Box<dyn Fn(&Value) -> Result<(), String>>;

/// What a row of an access table must get back.
pub enum Expect {
    /// A problem document with this status and code.
    Problem(u16, &'static str),
    /// This status and a JSON body the check accepts (`Err` says what is wrong with it).
    Json(u16, BodyCheck),
}

/// A problem document `404 not_found`: what does not exist for the caller.
pub const NOT_FOUND: Expect = Expect::Problem(404, "not_found");

impl Expect {
    pub fn json(status: u16, check: impl Fn(&Value) -> Result<(), String> + 'static) -> Self {
        Self::Json(status, Box::new(check))
    }

    /// This status and a JSON body that `shows`, as `holds` finds.
    pub fn json_that(
        status: u16,
        shows: &'static str,
        holds: impl Fn(&Value) -> bool + 'static,
    ) -> Self {
        Self::json(status, move |body| {
            if holds(body) {
                Ok(())
            } else {
                Err(format!("the body does not show {shows}"))
            }
        })
    }
}

/// One row of an access table: a request by a caller, and what it must get back.
pub struct Access {
    method: Method,
    path: String,
    caller: &'static str,
    bearer: Option<String>,
    cancel_token: Option<String>,
    if_match: Option<String>,
    body: Option<Value>,
    expect: Expect,
}

/// A row: `method` on `path` by `caller` must get `expect`.
pub fn access(method: Method, path: &str, caller: &Caller, expect: Expect) -> Access {
    Access {
        method,
        path: path.to_string(),
        caller: caller.name,
        bearer: caller.bearer.clone(),
        cancel_token: caller.cancel_token.clone(),
        if_match: None,
        body: None,
        expect,
    }
}

impl Access {
    /// The request sends this JSON body.
    pub fn body(self, body: Value) -> Self {
        Self {
            body: Some(body),
            ..self
        }
    }

    /// The request sends this `If-Match`.
    pub fn if_match(self, etag: &str) -> Self {
        Self {
            if_match: Some(etag.to_string()),
            ..self
        }
    }

    /// Sends the request; `Err` says how the answer differs from the expected one.
    async fn check(&self, app: &TestApp) -> Result<(), String> {
        let mut request = app.request(self.method.clone(), &self.path, self.bearer.as_deref());
        if let Some(token) = &self.cancel_token {
            request = request.header("x-cancel-token", token);
        }
        if let Some(etag) = &self.if_match {
            request = request.header("if-match", etag);
        }
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status().as_u16();
        let content_type = content_type(&response);
        let text = response.text().await.map_err(|e| format!("no body: {e}"))?;
        let (Expect::Problem(expected, _) | Expect::Json(expected, _)) = &self.expect;
        if status != *expected {
            return Err(format!("status {status}, expected {expected}: {text}"));
        }
        let body: Value =
            serde_json::from_str(&text).map_err(|e| format!("not JSON ({e}): {text}"))?;
        match &self.expect {
            Expect::Problem(status, code) => is_problem(&content_type, *status, code, &body),
            Expect::Json(_, check) => check(&body),
        }
        .map_err(|why| format!("{why}: {body}"))
    }
}

/// Sends every row of `table` in its order and fails naming each row whose answer is not
/// the expected one.
pub async fn assert_access(app: &TestApp, table: Vec<Access>) {
    let mut failed = Vec::new();
    for (n, row) in table.iter().enumerate() {
        if let Err(why) = row.check(app).await {
            failed.push(format!(
                "row {}: {} {} as {}: {why}",
                n + 1,
                row.method,
                row.path,
                row.caller
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} rows failed:\n{}",
        failed.len(),
        table.len(),
        failed.join("\n")
    );
}

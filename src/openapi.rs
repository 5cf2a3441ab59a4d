//! The OpenAPI document, generated from the handlers. `info.version` is pinned so that the
//! committed `openapi/openapi.json` changes only when the API does.

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
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
    ),
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
        (name = "operations", description = "Health and readiness"),
    ),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description =
            Some("A token from `POST /api/v1/auth/token` or `beteiligung token`.".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The complete document, as served at `/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::startup::configure_api)
        .split_for_parts();
    api
}

/// The document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut json = spec().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

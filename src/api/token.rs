//! `POST /api/v1/auth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4), with the
//! parameters as a form or as JSON.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::client;
use crate::error::{AppError, AppResult, ErrorKind, Problem};
use crate::startup::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(issue_token);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

fn invalid_client() -> AppError {
    AppError::new(
        ErrorKind::Unauthorized,
        "invalid_client",
        "Unknown client, wrong secret or revoked client.",
    )
}

/// Exchange client credentials for an access token.
#[utoipa::path(tag = "auth",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
    (status = 200, body = TokenResponse),
    (status = 400, description = "`unsupported_grant_type` or malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "`invalid_client`", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "neither form nor JSON", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let request = parse(&req, &body)?;
    if request.grant_type != "client_credentials" {
        return Err(AppError::new(
            ErrorKind::BadRequest,
            "unsupported_grant_type",
            "Only grant_type=client_credentials is supported.",
        ));
    }
    let client_id = Uuid::parse_str(&request.client_id).map_err(|_| invalid_client())?;
    // The connection goes back to the pool before the slow hash check.
    let client = client::find_active(&mut *state.conn().await?, client_id).await?;
    if !client::verify_secret(client.as_ref(), request.client_secret).await? {
        return Err(invalid_client());
    }
    let client = client.ok_or_else(invalid_client)?;
    let ttl = state.tokens.default_ttl;
    let access_token = state.tokens.issue(&client.principal(), ttl).map_err(|e| {
        log::error!("signing a token: {e}");
        AppError::internal()
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ttl.as_secs(),
        }))
}

fn parse(req: &HttpRequest, body: &[u8]) -> AppResult<TokenRequest> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == ContentType::json().0.essence_str() {
        serde_json::from_slice(body).map_err(|e| super::body_error(&e))
    } else if mime == ContentType::form_url_encoded().0.essence_str() {
        serde_urlencoded::from_bytes(body).map_err(|e| {
            AppError::new(
                ErrorKind::BadRequest,
                "invalid_body",
                format!("The form body is invalid: {e}"),
            )
        })
    } else {
        Err(AppError::new(
            ErrorKind::UnsupportedMediaType,
            "unsupported_media_type",
            "Send application/x-www-form-urlencoded or application/json.",
        ))
    }
}

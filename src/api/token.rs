//! `POST /api/v1/auth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4), with the
//! parameters as a form or as JSON.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::state::AppState;
use crate::domain::client;
use crate::error::{AppError, AppResult, ErrorKind, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(issue_token);
}

/// The parameters of a token request (RFC 6749 §4.4.2). Client credentials come in the body
/// (`client_secret_post`) or as HTTP Basic (`client_secret_basic`); unknown parameters are
/// ignored, as RFC 6749 §3.2 asks.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(value_type = GrantType, required = true)]
    pub grant_type: Option<String>,
    /// The API client's id (or in the `Authorization: Basic` header).
    #[schema(max_length = 100)]
    pub client_id: Option<String>,
    /// The API client's secret (or in the `Authorization: Basic` header).
    #[schema(max_length = 200)]
    pub client_secret: Option<String>,
    /// Accepted and ignored: a client's role decides what its tokens may do.
    #[schema(max_length = 1000)]
    pub scope: Option<String>,
}

crate::text_enum! {
    /// The OAuth2 grant this endpoint serves.
    GrantType {
        ClientCredentials = "client_credentials",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    #[schema(max_length = 4096)]
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(max_length = 6, example = "Bearer")]
    pub token_type: &'static str,
    /// Lifetime in seconds.
    #[schema(minimum = 1, maximum = 31_536_000, format = Int64)]
    pub expires_in: u64,
}

/// An OAuth2 error response (RFC 6749 §5.2), with the problem members beside.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `slow_down` (over the
    /// rate limit), …
    #[schema(max_length = 50)]
    pub error: &'static str,
    #[schema(max_length = 500)]
    pub error_description: String,
    #[serde(flatten)]
    pub problem: Problem,
}

/// A refused token request, answered as RFC 6749 §5.2 says.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// Whether the client authenticated by HTTP Basic (a 401 then challenges Basic).
    basic: bool,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            basic: false,
        }
    }

    fn invalid_client(basic: bool) -> Self {
        Self {
            basic,
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Unknown client, wrong secret or revoked client.",
            )
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn respond(self) -> HttpResponse {
        let kind = match self.status {
            StatusCode::UNAUTHORIZED => ErrorKind::Unauthorized,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorKind::UnsupportedMediaType,
            _ => ErrorKind::BadRequest,
        };
        let problem = super::problem::problem(&AppError::new(kind, self.error, &self.description));
        let mut response = oauth_error_response(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.basic {
                "Basic realm=\"beteiligung\""
            } else {
                "Bearer realm=\"beteiligung\""
            };
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        response.json(OAuthError {
            error: self.error,
            error_description: self.description,
            problem,
        })
    }
}

/// The headers of every refusal: JSON as RFC 6749 §5.2 asks, never cached.
fn oauth_error_response(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    response
}

/// A token request over `RATE_LIMIT_SENSITIVE`: the problem `rate_limited` with the OAuth
/// error `slow_down` beside it, so that an OAuth client library reads why it was refused.
///
/// `slow_down` is the error registered for token endpoint responses that ask a client to
/// send less often (RFC 8628 §3.5, IANA "OAuth Extensions Error Registry");
/// `temporarily_unavailable` is registered for the authorization endpoint only and says
/// the server is overloaded, not that this client asked too often.
pub fn slow_down(refusal: &AppError) -> HttpResponse {
    oauth_error_response(StatusCode::TOO_MANY_REQUESTS).json(OAuthError {
        error: "slow_down",
        error_description: refusal.detail.clone(),
        problem: super::problem::problem(refusal),
    })
}

/// Get an access token (OAuth2 client credentials)
///
/// Anyone with an API client's credentials: `grant_type=client_credentials` with `client_id`
/// and `client_secret` as HTTP Basic (`client_secret_basic`) or in the body
/// (`client_secret_post`), as a form or as JSON; `scope` is accepted and ignored. Answers
/// `{access_token, token_type: "Bearer", expires_in}` with `Cache-Control: no-store`; refusals
/// are RFC 6749 §5.2 errors with the problem members beside them. A revoked client gets no
/// token. Changes nothing, sends nothing; rate-limited per client address
/// (`RATE_LIMIT_SENSITIVE`).
#[utoipa::path(tag = "auth",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    params(("Authorization" = Option<String>, Header, description = "`Basic base64(client_id:client_secret)` (client_secret_basic), instead of the credentials in the body")),
    responses(
    (status = 200, description = "a bearer token", body = TokenResponse),
    (status = 400, description = "`invalid_request` (no `grant_type`, credentials both as HTTP Basic and in the body, malformed body) or `unsupported_grant_type`", body = OAuthError),
    (status = 401, description = "`invalid_client`: no, unknown, wrong or revoked client credentials; with `WWW-Authenticate: Basic` when the client authenticated by HTTP Basic", body = OAuthError),
    (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "neither form nor JSON", body = OAuthError),
    (status = 429, description = "over `RATE_LIMIT_SENSITIVE` for the client address: the problem `rate_limited` with the OAuth error `slow_down` beside it; retry after `Retry-After` seconds", body = OAuthError),
), security(()))]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    match issue(&state, &req, &body).await? {
        Ok(response) => Ok(response),
        Err(refusal) => Ok(refusal.respond()),
    }
}

async fn issue(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> AppResult<Result<HttpResponse, Refusal>> {
    let request = match parse(req, body) {
        Ok(request) => request,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let basic = match basic_credentials(req) {
        Ok(basic) => basic,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let (client_id, client_secret, by_basic) =
        match (basic, request.client_id, request.client_secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Ok(Err(Refusal::invalid_request(
                    "Send the client credentials either as HTTP Basic or in the body, not both.",
                )));
            }
            (Some((id, secret)), None, None) => (id, secret, true),
            (None, Some(id), Some(secret)) => (id, secret, false),
            // RFC 6749 §5.2: no (or incomplete) client authentication is `invalid_client`.
            (None, _, _) => return Ok(Err(Refusal::invalid_client(false))),
        };
    match request.grant_type.as_deref() {
        Some("client_credentials") => {}
        None => return Ok(Err(Refusal::invalid_request("grant_type is required."))),
        Some(_) => {
            return Ok(Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only grant_type=client_credentials is supported.",
            )));
        }
    }
    let Ok(client_id) = Uuid::parse_str(&client_id) else {
        return Ok(Err(Refusal::invalid_client(by_basic)));
    };
    // The connection goes back to the pool before the slow hash check.
    let client = client::find_active(&mut *state.conn().await?, client_id).await?;
    if !client::verify_secret(client.as_ref().map(|c| &c.row), client_secret).await? {
        return Ok(Err(Refusal::invalid_client(by_basic)));
    }
    let Some(client) = client else {
        return Ok(Err(Refusal::invalid_client(by_basic)));
    };
    let ttl = state.tokens.default_ttl;
    let access_token = state.tokens.issue(&client.principal(), ttl).map_err(|e| {
        log::error!("signing a token: {e}");
        AppError::internal()
    })?;
    Ok(Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ttl.as_secs(),
        })))
}

/// `Authorization: Basic` client credentials (RFC 6749 §2.3.1: each part form-urlencoded).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, Refusal> {
    use base64::Engine;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || Refusal::invalid_client(true);
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .ok_or_else(invalid)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(invalid)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    let unescape = |part: &str| form_urlencoded_decode(part).ok_or_else(invalid);
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

fn form_urlencoded_decode(part: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={part}"))
        .ok()?
        .pop()
        .map(|(_, v)| v)
}

fn parse(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, Refusal> {
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
        serde_json::from_slice(body)
            .map_err(|e| Refusal::invalid_request(format!("The JSON body is invalid: {e}")))
    } else if mime == ContentType::form_url_encoded().0.essence_str() {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| Refusal::invalid_request(format!("The form body is invalid: {e}")))
    } else {
        Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "Send application/x-www-form-urlencoded or application/json.",
        ))
    }
}

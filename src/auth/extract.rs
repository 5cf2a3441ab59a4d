//! Extractors that authenticate the caller. A handler names the access it needs in its
//! signature (`RequireAdmin`, `RequireStaff`, `Authenticated`, `Caller`) and cannot forget
//! the check. A present but bad token is always 401, even where anonymous access is allowed.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::jwt::TokenError;
use super::{Principal, Role};
use crate::error::ApiError;
use crate::startup::AppState;

/// The caller, authenticated or anonymous.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

/// Any authenticated caller (admin, moderator or partner).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// An admin.
#[derive(Debug, Clone)]
pub struct RequireAdmin(pub Principal);

/// An admin or a moderator (ministry staff).
#[derive(Debug, Clone)]
pub struct RequireStaff(pub Principal);

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref()
    }

    pub fn is_staff(&self) -> bool {
        self.0.as_ref().is_some_and(Principal::is_staff)
    }

    pub fn is_admin(&self) -> bool {
        self.0.as_ref().is_some_and(|p| p.role == Role::Admin)
    }

    /// How this caller appears in event logs.
    pub fn actor(&self) -> String {
        self.0
            .as_ref()
            .map_or_else(|| "anonymous".to_string(), Principal::actor)
    }

    /// The organisation a partner caller acts for.
    pub fn partner_organisation(&self) -> Option<uuid::Uuid> {
        self.0.as_ref().and_then(Principal::partner_organisation)
    }
}

fn authenticate(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("The Authorization header must be `Bearer <token>`.")
        })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(ApiError::internal)?;
    state.tokens.verify(token).map(Some).map_err(|e| match e {
        TokenError::Expired => ApiError::unauthorized("The token has expired."),
        TokenError::Invalid => ApiError::unauthorized("The token is invalid."),
    })
}

fn require(
    req: &HttpRequest,
    allowed: impl Fn(&Principal) -> bool,
    what: &str,
) -> Result<Principal, ApiError> {
    match authenticate(req)? {
        None => Err(ApiError::unauthorized(
            "This endpoint requires a bearer token.",
        )),
        Some(p) if allowed(&p) => Ok(p),
        Some(p) => Err(ApiError::forbidden(format!(
            "The role {} may not {what}.",
            p.role
        ))),
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map(Caller))
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, |_| true, "do this").map(Authenticated))
    }
}

impl FromRequest for RequireAdmin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, |p| p.role == Role::Admin, "do this; admins only").map(RequireAdmin))
    }
}

impl FromRequest for RequireStaff {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, Principal::is_staff, "do this; ministry staff only").map(RequireStaff))
    }
}

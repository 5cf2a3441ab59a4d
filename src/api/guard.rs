//! Extractors that authenticate the caller. A handler names the access it needs in its
//! signature (`Allowed<may::…>` for an action of the policy, or `Caller`) and cannot
//! forget the check. A present but bad token is always 401, even where anonymous access is allowed.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::api::state::AppState;
use crate::auth::jwt::TokenError;
use crate::base::{Caller, Principal};
use crate::domain::policy::{self, Action, Authorized, Party};
use crate::error::AppError;

/// The caller a middleware has already verified for this request (or why not), so the
/// token is checked once per request.
#[derive(Debug, Clone)]
pub struct Verified(pub Result<Option<Principal>, AppError>);

/// The caller of a request as the middleware verified it: `None` without an
/// `Authorization` header, 401 for a bad token, 403 for a valid one granting no role.
pub fn authenticate(req: &HttpRequest) -> Result<Option<Principal>, AppError> {
    match req.extensions().get::<Verified>() {
        Some(Verified(verified)) => verified.clone(),
        None => Err(AppError::internal()),
    }
}

/// Verifies the bearer token of a request: the service's own (HS256), or, with
/// `OIDC_ISSUER` set, an access token of the ministry's identity provider.
pub async fn verify(req: &HttpRequest) -> Result<Option<Principal>, AppError> {
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
            AppError::unauthorized("The Authorization header must be `Bearer <token>`.")
        })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(AppError::internal)?;
    let own = jsonwebtoken::decode_header(token)
        .map(|h| h.alg == jsonwebtoken::Algorithm::HS256)
        .unwrap_or(true);
    let verified = match (&state.oidc, own) {
        (Some(provider), false) => provider.verify(token).await,
        _ => state.tokens.verify(token),
    };
    let principal = verified.map_err(|e| match e {
        TokenError::Expired => AppError::unauthorized("The token has expired."),
        TokenError::Invalid => AppError::unauthorized("The token is invalid."),
        TokenError::UnknownKey => AppError::unauthorized(
            "The token is signed with a key the identity provider does not publish.",
        ),
        TokenError::Revoked => AppError::unauthorized("The API client was revoked."),
        TokenError::NoRole => AppError::forbidden("The token grants no role of this service."),
    })?;
    let principal = state
        .known_authorities
        .resolve(&state.pool, principal)
        .await?;
    Ok(Some(principal))
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map(Caller))
    }
}

/// An action the handler performs, named as a type so that an extractor can check it.
pub trait Guard {
    const ACTION: Action;
}

/// A caller the policy allows the guarded action: 401 without a token, 403 for a role the
/// policy refuses. Extracted before the body, so a refusal comes before body errors.
#[derive(Debug, Clone)]
pub struct Allowed<G: Guard> {
    pub caller: Caller,
    pub party: Party,
    /// What the domain is handed: the policy's decision, made once, here.
    pub by: Authorized,
    guard: PhantomData<G>,
}

impl<G: Guard> Allowed<G> {
    /// How the caller appears in event logs.
    pub fn actor(&self) -> String {
        self.caller.actor()
    }
}

impl<G: Guard> FromRequest for Allowed<G> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map(Caller).and_then(|caller| {
            let by = policy::authorize(&caller, G::ACTION)?;
            Ok(Self {
                caller,
                party: by.party(),
                by,
                guard: PhantomData,
            })
        }))
    }
}

macro_rules! guards {
    ($($action:ident),+ $(,)?) => {
        /// The guarded actions, as types for [`Allowed`].
        pub mod may {
            use crate::domain::policy::Action;
            $(
                #[derive(Debug, Clone)]
                pub struct $action;
                impl super::Guard for $action {
                    const ACTION: Action = Action::$action;
                }
            )+
        }
    };
}

guards!(
    ReadDrafts,
    ManageConsultations,
    ManageRounds,
    ManageAuthorities,
    ManageOrganisations,
    ManageClients,
    Submit,
    RecordForOthers,
    Review,
    ReadReports,
    ListRegistrations,
    ExportAttendance,
    CheckIn,
    HandlePrivacyRequests,
    ReadOutbox,
    ManageWebhooks,
    PublishResponses,
);

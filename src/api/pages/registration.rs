//! Confirming and cancelling a registration from the links in its mails.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::response::respond;
use super::view::{State, page};
use crate::api::language;
use crate::api::state::AppState;
use crate::domain::language::Language;
use crate::domain::registration::link::{self, Linked};
use crate::domain::registration::{self, Canceller, RegistrationStatus};
use crate::error::AppResult;

/// Longest token a link carries (tokens are 43 characters).
const MAX_TOKEN: usize = 100;

/// The query of a link from a mail.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// The token from the mail.
    #[param(max_length = 100)]
    pub token: Option<String>,
    /// Show the page in this language instead of the registration's (another value: the
    /// registration's).
    #[param(value_type = Option<Language>)]
    pub lang: Option<String>,
}

/// The form a page posts.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LinkForm {
    /// The token of the link the page was opened with; without it the form is 400.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 100)]
    pub token: String,
    /// The language the page was shown in (another value: the registration's).
    #[schema(value_type = Option<Language>)]
    pub lang: Option<String>,
}

/// What a request holds, read leniently: a malformed query or form is a page, not a problem.
fn fields<T: for<'de> Deserialize<'de> + Default>(encoded: &[u8]) -> Option<T> {
    serde_urlencoded::from_bytes(encoded).ok()
}

fn token(given: Option<String>) -> Option<String> {
    given.filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN)
}

/// The language of a page: the one chosen on the page, else the registration's, else the
/// browser's, else German.
fn language_of(chosen: Option<&str>, linked: Option<&Linked>, req: &HttpRequest) -> Language {
    chosen
        .and_then(|code| code.parse().ok())
        .or(linked.map(|l| l.language))
        .or_else(|| language::requested(req).ok().flatten())
        .unwrap_or_default()
}

/// The page a known registration's link shows before anything is done.
fn settled(linked: &Linked) -> Option<State> {
    match (linked.status, linked.waitlist_position) {
        (RegistrationStatus::Pending, _) if linked.expired => Some(State::Expired),
        (RegistrationStatus::Pending, _) => None,
        (RegistrationStatus::Waitlisted, Some(position)) => {
            Some(State::AlreadyWaitlisted(position))
        }
        (RegistrationStatus::Confirmed | RegistrationStatus::Waitlisted, _)
        | (RegistrationStatus::Attended, _) => Some(State::AlreadyConfirmed),
        (RegistrationStatus::Cancelled, _) => Some(State::AlreadyCancelled),
    }
}

fn show(
    state: State,
    language: Language,
    linked: Option<&Linked>,
    form_token: Option<&str>,
    switch: Option<&dyn Fn(Language) -> String>,
) -> HttpResponse {
    respond(state, &page(state, language, linked, form_token, switch))
}

/// How long a used confirmation link still says what became of its registration: as long
/// as a link is valid.
fn readable_for(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.registration_rules.confirm_within)
        .unwrap_or(chrono::Duration::hours(24))
}

/// A page about no known registration, in the language chosen or the browser's.
fn unlinked(state: State, chosen: Option<&str>, req: &HttpRequest) -> HttpResponse {
    show(state, language_of(chosen, None, req), None, None, None)
}

/// The same page in another language: the link's own query with `lang`.
fn switcher(token: &str) -> impl Fn(Language) -> String + '_ {
    move |language| {
        let query = serde_urlencoded::to_string([("token", token), ("lang", language.as_str())])
            .unwrap_or_default();
        format!("?{query}")
    }
}

/// Confirmation page (the link in the please-confirm mail)
///
/// Shows the round (title, date and time in Europe/Berlin, venue) and a button; changes
/// nothing (mail security gateways open links). HTML in the registrant's language (`lang`,
/// else the registration's, else `Accept-Language`, else German). An unknown or used link
/// is 404, an expired one 410, each a page saying what to do. Rate-limited like the API.
#[utoipa::path(tag = "pages", params(LinkQuery), responses(
    (status = 200, description = "the round and the button to confirm, or that it is already confirmed", content_type = "text/html", body = String),
    (status = 404, description = "unknown link: what to do now", content_type = "text/html", body = String),
    (status = 410, description = "expired link: register again", content_type = "text/html", body = String),
    (status = 429, description = "too many requests", content_type = "text/html", body = String),
), security(()))]
#[get("/anmeldung/bestaetigen")]
pub async fn confirm_page(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let query: LinkQuery = fields(req.query_string().as_bytes()).unwrap_or_default();
    let Some(token) = token(query.token) else {
        return Ok(unlinked(State::Unknown, query.lang.as_deref(), &req));
    };
    let mut conn = state.conn().await?;
    let linked = link::by_confirm_token(&mut conn, &token, readable_for(&state)).await?;
    let language = language_of(query.lang.as_deref(), linked.as_ref(), &req);
    let switch = switcher(&token);
    Ok(match &linked {
        None => unlinked(State::Unknown, query.lang.as_deref(), &req),
        Some(l) => match settled(l) {
            Some(state) => show(state, language, Some(l), None, None),
            None => show(
                State::ConfirmForm,
                language,
                Some(l),
                Some(&token),
                Some(&switch),
            ),
        },
    })
}

/// Confirm a registration (the confirmation page's form)
///
/// The form's POST confirms once: `confirmed` while seats are left and nobody waits, else
/// `waitlisted` with its position, as `POST /api/v1/registrations/confirm`; the registrant
/// is mailed the outcome. A POST without the form's token is 400; an already confirmed
/// registration shows so (200).
#[utoipa::path(tag = "pages", request_body(content = LinkForm, content_type = "application/x-www-form-urlencoded"), responses(
    (status = 200, description = "confirmed, waitlisted (with position), or already so", content_type = "text/html", body = String),
    (status = 400, description = "the form's token is missing", content_type = "text/html", body = String),
    (status = 404, description = "unknown link", content_type = "text/html", body = String),
    (status = 409, description = "the round no longer takes registrations", content_type = "text/html", body = String),
    (status = 410, description = "expired link", content_type = "text/html", body = String),
    (status = 429, description = "too many requests", content_type = "text/html", body = String),
), security(()))]
#[post("/anmeldung/bestaetigen")]
pub async fn confirm_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let form: LinkForm = fields(&body).unwrap_or_default();
    let Some(token) = token(Some(form.token)) else {
        return Ok(unlinked(State::BadRequest, form.lang.as_deref(), &req));
    };
    let mut conn = state.conn().await?;
    let Some(linked) = link::by_confirm_token(&mut conn, &token, readable_for(&state)).await?
    else {
        return Ok(unlinked(State::Unknown, form.lang.as_deref(), &req));
    };
    let language = language_of(form.lang.as_deref(), Some(&linked), &req);
    if let Some(settled) = settled(&linked) {
        return Ok(show(settled, language, Some(&linked), None, None));
    }
    let outcome = match registration::confirm(&mut conn, &token).await {
        Ok(confirmed) => match confirmed.waitlist_position {
            Some(position) => State::Waitlisted(position),
            None => State::Confirmed,
        },
        Err(e) => match e.code.as_ref() {
            "registration_closed" => State::Closed,
            "confirmation_expired" => State::Expired,
            // Confirmed meanwhile by another click: the link now says so.
            "confirmation_not_found" | "invalid_transition" => {
                let now = link::by_confirm_token(&mut conn, &token, readable_for(&state)).await?;
                now.as_ref().and_then(settled).unwrap_or(State::Unknown)
            }
            _ => return Err(e),
        },
    };
    Ok(show(outcome, language, Some(&linked), None, None))
}

/// Cancellation page (the cancel link in the mails)
///
/// Shows the round and a button; changes nothing. HTML in the registrant's language. An
/// unknown link is 404; a cancelled registration says so; one already attended cannot be
/// cancelled (409).
#[utoipa::path(tag = "pages", params(("id" = String, Path, description = "registration id"), LinkQuery), responses(
    (status = 200, description = "the round and the button to cancel, or that it is already cancelled", content_type = "text/html", body = String),
    (status = 404, description = "unknown link", content_type = "text/html", body = String),
    (status = 409, description = "attendance recorded: no longer cancellable", content_type = "text/html", body = String),
    (status = 429, description = "too many requests", content_type = "text/html", body = String),
), security(()))]
#[get("/anmeldung/{id}/stornieren")]
pub async fn cancel_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let query: LinkQuery = fields(req.query_string().as_bytes()).unwrap_or_default();
    let found = match (id.parse::<Uuid>().ok(), token(query.token)) {
        (Some(id), Some(token)) => {
            let mut conn = state.conn().await?;
            link::by_cancel_token(&mut conn, id, &token)
                .await?
                .map(|linked| (linked, token))
        }
        _ => None,
    };
    let Some((linked, token)) = found else {
        return Ok(unlinked(State::Unknown, query.lang.as_deref(), &req));
    };
    let language = language_of(query.lang.as_deref(), Some(&linked), &req);
    let switch = switcher(&token);
    Ok(match linked.status {
        RegistrationStatus::Cancelled => {
            show(State::AlreadyCancelled, language, Some(&linked), None, None)
        }
        RegistrationStatus::Attended => {
            show(State::NotCancellable, language, Some(&linked), None, None)
        }
        RegistrationStatus::Pending
        | RegistrationStatus::Confirmed
        | RegistrationStatus::Waitlisted => show(
            State::CancelForm,
            language,
            Some(&linked),
            Some(&token),
            Some(&switch),
        ),
    })
}

/// Cancel a registration (the cancellation page's form)
///
/// The form's POST cancels, as `DELETE /api/v1/registrations/{id}` with the cancel token: a
/// freed seat goes to the first on the waitlist; the registrant is mailed. A POST without
/// the form's token is 400.
#[utoipa::path(tag = "pages", params(("id" = String, Path, description = "registration id")),
    request_body(content = LinkForm, content_type = "application/x-www-form-urlencoded"), responses(
    (status = 200, description = "cancelled, or already so", content_type = "text/html", body = String),
    (status = 400, description = "the form's token is missing", content_type = "text/html", body = String),
    (status = 404, description = "unknown link", content_type = "text/html", body = String),
    (status = 409, description = "attendance recorded: no longer cancellable", content_type = "text/html", body = String),
    (status = 429, description = "too many requests", content_type = "text/html", body = String),
), security(()))]
#[post("/anmeldung/{id}/stornieren")]
pub async fn cancel_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let form: LinkForm = fields(&body).unwrap_or_default();
    let Some(token) = token(Some(form.token)) else {
        return Ok(unlinked(State::BadRequest, form.lang.as_deref(), &req));
    };
    let mut conn = state.conn().await?;
    let found = match id.parse::<Uuid>() {
        Ok(id) => link::by_cancel_token(&mut conn, id, &token).await?,
        Err(_) => None,
    };
    let Some(linked) = found else {
        return Ok(unlinked(State::Unknown, form.lang.as_deref(), &req));
    };
    let language = language_of(form.lang.as_deref(), Some(&linked), &req);
    let outcome = match linked.status {
        RegistrationStatus::Cancelled => State::AlreadyCancelled,
        _ => match registration::cancel(&mut conn, linked.id, Canceller::Token(&token)).await {
            Ok(_) => State::Cancelled,
            Err(e) if e.code == "invalid_transition" => State::NotCancellable,
            Err(e) => return Err(e),
        },
    };
    Ok(show(outcome, language, Some(&linked), None, None))
}

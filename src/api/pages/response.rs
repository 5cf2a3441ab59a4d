//! How a page is answered: its status, and the headers every page carries.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::view::{self, Page, State};
use crate::domain::language::Language;

/// Nothing but the inline stylesheet (by its hash) and posting the form to this origin.
static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(view::CSS));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
});

/// The response for a page, with the headers every page carries.
pub fn respond(state: State, page: &Page) -> HttpResponse {
    let html = page.render().unwrap_or_default();
    HttpResponse::build(state.status())
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, page.language))
        .insert_header((header::VARY, "Accept-Language"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY.as_str(),
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

/// The page for too many requests, in the language the browser asks for.
pub fn busy(accept_language: Option<&HeaderValue>) -> HttpResponse {
    let language = accept_language
        .and_then(|value| value.to_str().ok())
        .and_then(Language::negotiate)
        .unwrap_or_default();
    respond(
        State::Busy,
        &view::page(State::Busy, language, None, None, None),
    )
}

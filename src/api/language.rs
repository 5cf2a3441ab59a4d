//! The language a request asks for with `Accept-Language`.

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;

use crate::domain::language::Language;

/// The best of our languages for the request's `Accept-Language`, if it names one.
pub fn requested(req: &HttpRequest) -> Option<Language> {
    req.headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(Language::negotiate)
}

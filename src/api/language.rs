//! Languages on the wire: the one a request prefers (`Accept-Language`), and the answers
//! localised into it: `Content-Language` names the languages the texts are in,
//! `Vary: Accept-Language` tells caches that the answer depends on it, and a single
//! resource's `ETag` is that of its representation in the language (`"3-uk"`), so that no
//! two representations share a tag.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use super::reply::{created, with_etag};
use crate::domain::language::Language;
use crate::domain::precondition::tag_in;
use crate::domain::translation::Localised;
use crate::error::AppError;

/// The language of ours the request's `Accept-Language` asks for, if any.
#[derive(Debug, Clone, Copy)]
pub struct Preferred(pub Option<Language>);

impl FromRequest for Preferred {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(requested(req).map(Self))
    }
}

/// The longest `Accept-Language` read (a browser sends a few dozen characters).
pub const MAX_ACCEPT_LANGUAGE: usize = 500;

/// The best of our languages for the request's `Accept-Language`, if it names one; a
/// header longer than [`MAX_ACCEPT_LANGUAGE`] is 400.
pub fn requested(req: &HttpRequest) -> Result<Option<Language>, AppError> {
    let Some(value) = req.headers().get(header::ACCEPT_LANGUAGE) else {
        return Ok(None);
    };
    if value.len() > MAX_ACCEPT_LANGUAGE {
        return Err(AppError::invalid_parameter(
            "Accept-Language",
            format!("is longer than {MAX_ACCEPT_LANGUAGE} characters"),
        ));
    }
    Ok(value.to_str().ok().and_then(Language::negotiate))
}

/// 200 with a localised list (or other answer without an entity tag).
pub fn ok<T: Serialize>(answer: Localised<T>) -> HttpResponse {
    mark(HttpResponse::Ok().json(answer.value), &answer.languages)
}

/// 200 with a localised resource whose entity tag (in German) is `etag`.
pub fn ok_with_etag<T: Serialize>(etag: &str, answer: Localised<T>) -> HttpResponse {
    let etag = tag_of(etag, &answer.languages);
    mark(with_etag(etag, answer.value), &answer.languages)
}

/// 201 with `Location` and a localised resource whose entity tag (in German) is `etag`.
pub fn created_with_etag<T: Serialize>(
    location: String,
    etag: &str,
    answer: Localised<T>,
) -> HttpResponse {
    let etag = tag_of(etag, &answer.languages);
    mark(
        created(location, Some(etag), answer.value),
        &answer.languages,
    )
}

fn tag_of(etag: &str, languages: &[Language]) -> String {
    match languages {
        [language] => tag_in(etag, *language),
        _ => etag.to_string(),
    }
}

fn mark(mut response: HttpResponse, languages: &[Language]) -> HttpResponse {
    let languages: Vec<&str> = languages.iter().map(|l| l.as_str()).collect();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&languages.join(", ")) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

//! Successful answers that carry headers besides the body.

use actix_web::HttpResponse;

/// A 201 response with `Location` and `ETag`.
pub fn created(
    location: String,
    etag: Option<String>,
    body: impl serde::Serialize,
) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((actix_web::http::header::LOCATION, location));
    if let Some(etag) = etag {
        response.insert_header((actix_web::http::header::ETAG, etag));
    }
    response.json(body)
}

/// A 200 response with an `ETag`.
pub fn with_etag(etag: String, body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(body)
}

//! `If-Match` on the wire: the header read into a domain [`Precondition`].

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::precondition::Precondition;
use crate::error::AppError;

pub fn if_match(req: &HttpRequest) -> Result<Precondition, AppError> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(Precondition::default()),
        Some(value) => value
            .to_str()
            .map(|v| Precondition::if_match(Some(v.to_string())))
            .map_err(|_| AppError::invalid_parameter("If-Match", "is not a valid header value")),
    }
}

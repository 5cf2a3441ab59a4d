//! `If-Match` on the wire: the header read into a domain [`Precondition`].

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::precondition::Precondition;
use crate::error::AppError;

/// Longest `If-Match` value read; a longer one is 400.
pub const MAX_IF_MATCH: usize = 200;

/// The precondition of a request. Any value other than `*` or a list naming the current
/// entity tag is a precondition that does not hold (412), as RFC 9110 13.1.1 has it.
pub fn if_match(req: &HttpRequest) -> Result<Precondition, AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(Precondition::default());
    };
    let value = value
        .to_str()
        .ok()
        .filter(|v| v.len() <= MAX_IF_MATCH)
        .ok_or_else(|| {
            AppError::invalid_parameter(
                "If-Match",
                format!("must be at most {MAX_IF_MATCH} visible ASCII characters"),
            )
        })?;
    Ok(Precondition::if_match(Some(value.to_string())))
}

//! Optimistic concurrency: every versioned resource carries `ETag: "<version>"`, and a PATCH
//! with `If-Match` applies only to the version the caller has seen.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` header of a request, if any.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    pub fn from_request(req: &HttpRequest) -> Result<Self, ApiError> {
        match req.headers().get(header::IF_MATCH) {
            None => Ok(Self(None)),
            Some(value) => value
                .to_str()
                .map(|v| Self(Some(v.to_string())))
                .map_err(|_| {
                    ApiError::invalid_parameter("If-Match", "is not a valid header value")
                }),
        }
    }

    /// Fails with 412 unless the header is absent, `*`, or lists the current ETag
    /// (strong comparison, RFC 9110 13.1.1).
    pub fn check(&self, current_version: i32) -> Result<(), ApiError> {
        let Some(value) = &self.0 else {
            return Ok(());
        };
        let current = etag(current_version);
        let matches = value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == current);
        if matches {
            Ok(())
        } else {
            Err(ApiError::precondition_failed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        assert!(IfMatch(None).check(3).is_ok());
        assert!(IfMatch(Some("*".into())).check(3).is_ok());
        assert!(IfMatch(Some("\"2\", \"3\"".into())).check(3).is_ok());
        assert!(IfMatch(Some("\"2\"".into())).check(3).is_err());
        assert!(IfMatch(Some("W/\"3\"".into())).check(3).is_err());
    }
}

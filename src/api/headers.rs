//! Headers every response carries: `X-Content-Type-Options: nosniff`; `Cache-Control:
//! no-store` on the API (its answers hold personal data or change with every write, and no
//! cache between the browser and us may keep them); and `X-Request-Id`, the caller's or a
//! new one, also named in the access log line.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest request id taken from a caller; a longer or non-visible one is replaced.
const MAX_REQUEST_ID: usize = 200;

pub async fn add(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let given = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|id| {
            id.len() <= MAX_REQUEST_ID
                && !id.is_empty()
                && id.as_bytes().iter().all(|b| b.is_ascii_graphic())
        })
        .cloned();
    let id = match given {
        Some(id) => id,
        None => {
            let id = HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
                .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
            req.headers_mut().insert(REQUEST_ID, id.clone());
            id
        }
    };
    let api = req.path().starts_with("/api/");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, id);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The request line for the log, with the value of every `token` query parameter left out:
/// the links in mails carry their secret in the query, and no log line may hold it.
pub fn loggable_request_line(req: &ServiceRequest) -> String {
    let query = req.query_string();
    let query = if query.is_empty() {
        String::new()
    } else {
        let redacted: Vec<String> = query
            .split('&')
            .map(|pair| {
                // The name as the server reads it (`to%6Ben` is `token` too).
                let named_token = url::form_urlencoded::parse(pair.as_bytes())
                    .next()
                    .is_some_and(|(name, _)| name.eq_ignore_ascii_case("token"));
                match pair.split_once('=') {
                    Some((name, _)) if named_token => format!("{name}=…"),
                    _ => pair.to_string(),
                }
            })
            .collect();
        format!("?{}", redacted.join("&"))
    };
    format!("{} {}{query} {:?}", req.method(), req.path(), req.version())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    #[test]
    fn tokens_in_links_never_reach_the_log() {
        let req = TestRequest::get()
            .uri("/anmeldung/bestaetigen?lang=uk&token=s3cr3t&Token=again&to%6Ben=encoded")
            .to_srv_request();
        assert_eq!(
            super::loggable_request_line(&req),
            "GET /anmeldung/bestaetigen?lang=uk&token=…&Token=…&to%6Ben=… HTTP/1.1"
        );
    }
}

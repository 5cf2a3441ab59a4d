//! What answers a request no route serves.

use actix_web::{HttpRequest, HttpResponse, error, web};

use crate::api::routes::Routes;
use crate::error::{AppError, ErrorKind};

/// Unknown routes: a 404 problem, not an empty body; a known path with a method it does not
/// serve: 405 with `Allow`.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<Routes>>()
        .map(|routes| routes.methods_of(req.path()))
        .unwrap_or_default();
    if allowed.is_empty() {
        return error::ResponseError::error_response(&AppError::new(
            ErrorKind::NotFound,
            "not_found",
            format!("No resource at {} {}", req.method(), req.path()),
        ));
    }
    let allow = allowed.join(", ");
    let mut response = error::ResponseError::error_response(&AppError::new(
        ErrorKind::MethodNotAllowed,
        "method_not_allowed",
        format!("{} serves {allow}, not {}.", req.path(), req.method()),
    ));
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}

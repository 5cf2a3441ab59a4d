//! The pages the links in mails lead to, for ministries without a front end of their own:
//! server-rendered HTML in the registrant's language, no JavaScript, a strict
//! Content-Security-Policy, never framed, never a `Referer` carrying a token. A GET only
//! shows; the form's POST changes.

pub mod preview;
mod registration;
mod response;
pub mod view;

use utoipa_actix_web::service_config::ServiceConfig;

pub use response::busy;

/// Where the pages live.
pub const PREFIX: &str = "/anmeldung/";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(registration::confirm_page)
        .service(registration::confirm_form)
        .service(registration::cancel_page)
        .service(registration::cancel_form);
}

/// Whether a path is one of the pages (rate-limited like the API, answered as pages).
pub fn serves(path: &str) -> bool {
    path.starts_with(PREFIX)
}

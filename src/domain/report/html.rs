//! The participation report as one HTML page (askama, `templates/report/`): no script, the
//! charts inline as SVG inside `role="img"` with their text alternative, every chart's table
//! beneath it, and a print stylesheet (A4, a page per section, a running header).
//!
//! The stylesheet is inline, so the page is one self-contained file (saved, mailed, printed);
//! a strict Content-Security-Policy allows it by its hash ([`STYLE_SOURCE`]), nothing else.

use std::sync::LazyLock;

use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::document::ParticipationReport;
use crate::error::{AppError, AppResult};

const CSS: &str = include_str!("../../../templates/report/report.css");

/// The CSP source expression of the inline stylesheet: `'sha256-…'`.
pub static STYLE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// The Content-Security-Policy the page is served with: nothing but its own stylesheet.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        *STYLE_SOURCE
    )
}

#[derive(Template)]
#[template(path = "report/report.html")]
struct Page<'a> {
    doc: &'a ParticipationReport,
    css: &'static str,
}

pub fn html(doc: &ParticipationReport) -> AppResult<String> {
    Page { doc, css: CSS }.render().map_err(|e| {
        log::error!("rendering the report's HTML failed: {e}");
        AppError::internal()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_style_hash_is_that_of_the_inline_stylesheet() {
        let doc = ParticipationReport {
            title: "Beteiligungsbericht: <Test>".into(),
            consultation: "<Test>".into(),
            authority: "Ministerium".into(),
            period: "ohne festgelegten Zeitraum".into(),
            generated: "01.01.2026".into(),
            public: true,
            key_figures: Vec::new(),
            sections: Vec::new(),
        };
        let page = html(&doc).unwrap();
        let start = page.find("<style>").unwrap() + "<style>".len();
        let end = page.find("</style>").unwrap();
        let digest = Sha256::digest(&page.as_bytes()[start..end]);
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        assert_eq!(*STYLE_SOURCE, format!("'sha256-{hash}'"));
        assert!(page.contains("Test") && !page.contains("<Test>"));
        assert!(!page.contains("<script"));
    }
}

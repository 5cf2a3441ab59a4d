//! `If-Match` on the wire: the header read into a domain [`Precondition`].

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::precondition::Precondition;
use crate::error::AppError;

/// Longest `If-Match` value read; a longer one is 400.
pub const MAX_IF_MATCH: usize = 200;

/// What an `If-Match` value can be (RFC 9110 13.1.1): `*`, or a comma-separated list of
/// entity tags, each `"…"` or `W/"…"` of visible ASCII but `"`; as every list field, empty
/// elements may stand in it (RFC 9110 5.6.1.2), and an empty list matches nothing.
/// [`well_formed`] reads exactly this (around the value, HTTP drops white space).
pub const IF_MATCH_PATTERN: &str =
    r#"^(\*|((W/)?"[!#-~]*"|,([ \t]*(W/)?"[!#-~]*")?)([ \t]*,([ \t]*(W/)?"[!#-~]*")?)*)?$"#;

/// The precondition of a request. A malformed value is 400; a well-formed one other than
/// `*` or a list naming the current entity tag is a precondition that does not hold (412),
/// as RFC 9110 13.1.1 has it.
pub fn if_match(req: &HttpRequest) -> Result<Precondition, AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(Precondition::default());
    };
    let value = value
        .to_str()
        .ok()
        .filter(|v| v.len() <= MAX_IF_MATCH && well_formed(v))
        .ok_or_else(|| {
            AppError::invalid_parameter(
                "If-Match",
                format!(
                    "must be `*` or a list of entity tags such as `\"3\"`, at most {MAX_IF_MATCH} characters"
                ),
            )
        })?;
    Ok(Precondition::if_match(Some(value.to_string())))
}

/// Whether `value` is `*` or a list of entity tags, as [`IF_MATCH_PATTERN`] says.
fn well_formed(value: &str) -> bool {
    fn blank(c: &u8) -> bool {
        *c == b' ' || *c == b'\t'
    }
    fn trim_start(mut s: &[u8]) -> &[u8] {
        while s.first().is_some_and(blank) {
            s = &s[1..];
        }
        s
    }
    let mut rest = value.as_bytes();
    while rest.last().is_some_and(blank) {
        rest = &rest[..rest.len() - 1];
    }
    rest = trim_start(rest);
    if rest == b"*" {
        return true;
    }
    loop {
        rest = trim_start(rest);
        if rest.is_empty() {
            return true;
        }
        // An empty element.
        if let Some(next) = rest.strip_prefix(b",") {
            rest = next;
            continue;
        }
        let tag = rest.strip_prefix(b"W/").unwrap_or(rest);
        let Some(tag) = tag.strip_prefix(b"\"") else {
            return false;
        };
        let Some(end) = tag.iter().position(|&c| c == b'"') else {
            return false;
        };
        if !tag[..end]
            .iter()
            .all(|&c| c == 0x21 || (0x23..=0x7e).contains(&c))
        {
            return false;
        }
        rest = trim_start(&tag[end + 1..]);
        if rest.is_empty() {
            return true;
        }
        // Tags are separated by commas.
        let Some(next) = rest.strip_prefix(b",") else {
            return false;
        };
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn if_match_is_a_star_or_a_list_of_entity_tags() {
        for good in [
            "",
            "*",
            "\"3\"",
            "W/\"3\"",
            "\"2\", \"3\"",
            "\"a,b\",W/\"\"",
            ", \"3\"",
            "\"3\",",
            ",,",
        ] {
            assert!(well_formed(good), "{good}");
        }
        for bad in ["3", "\"3", "*, \"3\"", "\"3\" \"4\"", "w/\"3\"", "\"a\"b\""] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}

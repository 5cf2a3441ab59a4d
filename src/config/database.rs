//! The database settings: where PostgreSQL is, the role requests take, the first
//! authority's name.

use super::settings::{ConfigError, DEFAULT_DATABASE_URL, invalid};

/// `DATABASE_URL` or `DATABASE_READ_URL`: a PostgreSQL URL.
pub(super) fn database_url(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    let database_url = var(name).unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return Err(invalid(name, "must be a postgres:// or postgresql:// URL"));
    }
    Ok(database_url)
}

/// `DATABASE_REQUEST_ROLE`: a PostgreSQL role name, or empty for none.
pub(super) fn request_role(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let role = var("DATABASE_REQUEST_ROLE").unwrap_or_else(|| "beteiligung_app".into());
    let role = role.trim();
    if role.is_empty() {
        return Ok(None);
    }
    let plain = role.len() <= 63
        && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && role
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !plain {
        return Err(invalid(
            "DATABASE_REQUEST_ROLE",
            "must be a plain PostgreSQL role name (a-z, 0-9, _), or empty for none",
        ));
    }
    Ok(Some(role.to_string()))
}

/// `DEFAULT_AUTHORITY_NAME`: 1 to 200 characters.
pub(super) fn default_authority_name(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let name = var("DEFAULT_AUTHORITY_NAME").unwrap_or_else(|| "Standardbehörde".into());
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "DEFAULT_AUTHORITY_NAME",
            "must be 1 to 200 characters",
        ));
    }
    Ok(name.to_string())
}

//! Collecting field errors of a request body, so that one 422 names every invalid field.

use crate::error::{ApiError, FieldError};

#[derive(Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    /// A text of `min..=max` characters (after trimming for the minimum).
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let len = value.chars().count();
        if value.trim().chars().count() < min {
            self.add(field, format!("must not be shorter than {min} characters"));
        } else if len > max {
            self.add(field, format!("must not be longer than {max} characters"));
        }
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(field, value, 1, max);
        }
    }

    /// A lowercase key of letters, digits and single dashes, e.g. `sprache-und-bildung`.
    pub fn slug(&mut self, field: &str, value: &str, max: usize) {
        let ok = !value.is_empty()
            && value.len() <= max
            && value.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        self.check(
            ok,
            field,
            &format!("must be 1 to {max} lowercase letters, digits and single dashes"),
        );
    }

    pub fn url(&mut self, field: &str, value: Option<&str>) {
        if let Some(value) = value {
            let ok = (value.starts_with("https://") || value.starts_with("http://"))
                && value.len() > 8
                && value.len() <= 500
                && !value.chars().any(char::is_whitespace);
            self.check(
                ok,
                field,
                "must be an http(s) URL of at most 500 characters",
            );
        }
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// Deserialises a PATCH field so that an absent field is `None` and an explicit `null` is
/// `Some(None)`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

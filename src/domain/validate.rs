//! Collecting field errors of a request body, so that one 422 names every invalid field.
//! Length limits are declared once, in the wire type's `#[schema(min_length, max_length)]`,
//! and read from there ([`declared`], [`limits!`](crate::limits)) by the checks.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

/// The length a text field may have, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub min: usize,
    pub max: usize,
}

/// The limits the schema of `T` declares for its property `field` (`minLength`, default 0;
/// `maxLength`). A property without `maxLength` is a mistake of the code, not of a request:
/// it fails in debug builds (the tests) and is unbounded here otherwise.
pub fn declared<T: ToSchema>(field: &str) -> Limits {
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    let property = &schema["properties"][field];
    let length = |name: &str| {
        property[name]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
    };
    debug_assert!(
        length("maxLength").is_some(),
        "{}.{field} declares no maxLength",
        T::name()
    );
    Limits {
        min: length("minLength").unwrap_or(0),
        max: length("maxLength").unwrap_or(usize::MAX),
    }
}

/// The [`Limits`] a wire type's schema declares for a field, read once per place of use:
/// `limits!(NewSubmission, "title")`.
#[macro_export]
macro_rules! limits {
    ($wire:ty, $field:literal) => {{
        static LIMITS: std::sync::OnceLock<$crate::domain::validate::Limits> =
            std::sync::OnceLock::new();
        *LIMITS.get_or_init(|| $crate::domain::validate::declared::<$wire>($field))
    }};
}

#[derive(Default)]
pub struct Violations(Vec<FieldError>, bool);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// A violation that depends on stored data (a topic of this consultation, a known
    /// organisation): the same request may pass later, so it is never replayed.
    pub fn add_about_state(&mut self, field: &str, message: impl Into<String>) {
        self.1 = true;
        self.add(field, message);
    }

    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    /// A text within `limits` (its minimum counted after trimming).
    pub fn text(&mut self, field: &str, value: &str, Limits { min, max }: Limits) {
        let len = value.chars().count();
        if value.contains('\0') {
            self.add(field, "must not contain NUL characters");
        } else if value.trim().chars().count() < min {
            self.add(field, format!("must not be shorter than {min} characters"));
        } else if len > max {
            self.add(field, format!("must not be longer than {max} characters"));
        }
    }

    /// An optional text: when present, at least one character and within `limits`.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, limits: Limits) {
        if let Some(value) = value {
            let limits = Limits {
                min: limits.min.max(1),
                ..limits
            };
            self.text(field, value, limits);
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
                && !value.chars().any(|c| c.is_whitespace() || c.is_control());
            self.check(
                ok,
                field,
                "must be an http(s) URL of at most 500 characters",
            );
        }
    }

    /// An email address of at most 254 characters (white space around it is dropped).
    pub fn email(&mut self, field: &str, value: &str) {
        self.check(
            value.chars().count() <= 254 && is_email(value.trim()),
            field,
            "must be an email address of at most 254 characters",
        );
    }

    /// The violations, and whether any depends on stored data.
    pub fn into_parts(self) -> (Vec<FieldError>, bool) {
        (self.0, self.1)
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            let mut error = AppError::validation(self.0);
            error.depends_on_state = self.1;
            Err(error)
        }
    }
}

/// The shape [`is_email`] checks, as the spec states it on every email field (a JSON Schema
/// `pattern`, set by the API's OpenAPI document): white space around it allowed.
pub const EMAIL_PATTERN: &str = r"^\s*[^\s\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x1f\x7f-\x9f@.][^\s\x00-\x1f\x7f-\x9f@]*\.[^\s\x00-\x1f\x7f-\x9f@]*[^\s\x00-\x1f\x7f-\x9f@.]\s*$";

/// The shape of an email address: something, `@`, a domain with a dot; no spaces or control
/// characters. Whether it is delivered is for the mail to find out.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Trims an email address for storage; it is compared case-insensitively everywhere.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_string()
}

/// An `i32` sent as any JSON number with no fraction (`130` or `130.0`: JSON Schema counts
/// both as an integer).
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    use serde::de::Error;
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = match (number.as_i64(), number.as_f64()) {
        (Some(n), _) => Some(n),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => Some(f as i64),
        _ => None,
    };
    whole
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| D::Error::custom(format!("{number} is not a whole number of 32 bits")))
}

/// [`whole_number`] for an optional field (use with `#[serde(default)]`).
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i32>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i32);
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
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

#[cfg(test)]
mod tests {
    #[test]
    fn limits_are_read_from_the_schema_of_the_wire_type() {
        use crate::domain::submission::{NewSubmission, Review};
        assert_eq!(
            super::declared::<NewSubmission>("title"),
            super::Limits { min: 1, max: 300 }
        );
        assert_eq!(
            crate::limits!(Review, "reason"),
            super::Limits { min: 1, max: 2000 }
        );
        let mut v = super::Violations::new();
        v.text(
            "title",
            &"x".repeat(301),
            crate::limits!(NewSubmission, "title"),
        );
        v.optional_text("reason", Some(" "), crate::limits!(Review, "reason"));
        let (errors, _) = v.into_parts();
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "must not be longer than 300 characters",
                "must not be shorter than 1 characters"
            ]
        );
    }
    #[test]
    fn email_addresses_are_checked_for_shape() {
        assert!(super::is_email("a.demir@example.org"));
        assert!(!super::is_email("a.demir"));
        assert!(!super::is_email("a demir@example.org"));
        assert!(!super::is_email("@example.org"));
        assert!(!super::is_email("a@localhost"));
        assert_eq!(super::normalise_email(" Jane@x.de\t"), "Jane@x.de");
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_zero_fraction() {
        #[derive(serde::Deserialize)]
        struct Seats {
            #[serde(deserialize_with = "super::whole_number")]
            capacity: i32,
        }
        let parse = |json| serde_json::from_str::<Seats>(json).map(|s| s.capacity);
        assert_eq!(parse(r#"{"capacity": 130}"#).unwrap(), 130);
        assert_eq!(parse(r#"{"capacity": 130.0}"#).unwrap(), 130);
        assert!(parse(r#"{"capacity": 130.5}"#).is_err());
        assert!(parse(r#"{"capacity": 3000000000}"#).is_err());
    }
}

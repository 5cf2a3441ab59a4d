//! Instants and dates the service can store and every client can read: years 0001 to 9999
//! (RFC 3339 has four-digit years). Request fields use these deserialisers, so a value
//! outside is a 400 like any malformed value, not a database error.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, de::Error};

pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// A value with a calendar year.
pub trait Dated {
    fn year(&self) -> i32;
}

impl Dated for DateTime<Utc> {
    fn year(&self) -> i32 {
        Datelike::year(self)
    }
}

impl Dated for NaiveDate {
    fn year(&self) -> i32 {
        Datelike::year(self)
    }
}

fn in_range<T: Dated, E: Error>(value: T) -> Result<T, E> {
    if YEARS.contains(&value.year()) {
        Ok(value)
    } else {
        Err(E::custom("must be in the years 0001 to 9999"))
    }
}

/// A required instant or date.
pub fn checked<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Dated,
{
    in_range(T::deserialize(deserializer)?)
}

/// An optional one (use with `#[serde(default)]`).
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Dated,
{
    Option::<T>::deserialize(deserializer)?
        .map(in_range)
        .transpose()
}

/// A PATCH field: absent is `None`, `null` is `Some(None)` (use with `#[serde(default)]`).
pub fn patch<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Dated,
{
    optional(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Window {
        #[serde(deserialize_with = "checked")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "optional")]
        on: Option<NaiveDate>,
    }

    fn parse(json: &str) -> Result<Window, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn years_outside_0001_to_9999_are_refused() {
        assert!(parse(r#"{"at": "2019-09-12T10:00:00+02:00", "on": "2019-09-12"}"#).is_ok());
        let window = parse(r#"{"at": "2019-09-12T10:00:00Z"}"#).unwrap();
        assert_eq!((Dated::year(&window.at), window.on), (2019, None));
        assert!(parse(r#"{"at": "-5000-01-01T00:00:00Z"}"#).is_err());
        assert!(parse(r#"{"at": "+10000-01-01T00:00:00Z"}"#).is_err());
        assert!(parse(r#"{"at": "2019-09-12T10:00:00Z", "on": "+12345-01-01"}"#).is_err());
    }
}

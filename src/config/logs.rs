//! `LOG_FORMAT`: how log lines are written. Read on its own before the rest of the
//! configuration, since the logger starts first.

use super::settings::{ConfigError, LogFormat, invalid};

impl LogFormat {
    /// `LOG_FORMAT` of the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        match var("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(invalid(
                "LOG_FORMAT",
                format!("must be text or json, got {other:?}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LogFormat;

    fn read(value: Option<&str>) -> Result<LogFormat, String> {
        LogFormat::from_lookup(|_| value.map(String::from)).map_err(|e| e.to_string())
    }

    #[test]
    fn text_unless_json_is_asked_for_and_nothing_else_is_accepted() {
        assert_eq!(read(None), Ok(LogFormat::Text));
        assert_eq!(read(Some("text")), Ok(LogFormat::Text));
        assert_eq!(read(Some("json")), Ok(LogFormat::Json));
        let refused = read(Some("JSON-lines")).unwrap_err();
        assert!(refused.contains("LOG_FORMAT"), "{refused}");
    }
}

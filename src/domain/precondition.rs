//! Optimistic concurrency: every versioned resource has an entity tag, and a change sent
//! with the tag the caller has seen applies only while the resource still has it.

/// The entity tag of a resource at `version`, as sent in `ETag`.
pub fn tag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The tags a change applies to (`If-Match`); none given means any.
#[derive(Debug, Clone, Default)]
pub struct Precondition(Option<String>);

impl Precondition {
    /// The raw `If-Match` value: a list of tags or `*`.
    pub fn if_match(value: Option<String>) -> Self {
        Self(value)
    }

    /// Whether the change may apply to a resource whose current tag is `current`: no
    /// precondition, `*`, or a listed tag equal to it (strong comparison, RFC 9110 13.1.1).
    pub fn holds(&self, current: &str) -> bool {
        let Some(value) = &self.0 else {
            return true;
        };
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == current)
    }

    /// 412 `precondition_failed` unless [`Self::holds`].
    pub fn check(&self, current: &str) -> Result<(), crate::error::AppError> {
        if self.holds(current) {
            Ok(())
        } else {
            Err(crate::error::AppError::precondition_failed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        let current = tag(3);
        assert!(Precondition::default().holds(&current));
        assert!(Precondition::if_match(Some("*".into())).holds(&current));
        assert!(Precondition::if_match(Some("\"2\", \"3\"".into())).holds(&current));
        assert!(!Precondition::if_match(Some("\"2\"".into())).holds(&current));
        assert!(!Precondition::if_match(Some("W/\"3\"".into())).holds(&current));
    }
}

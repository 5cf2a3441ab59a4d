//! Optimistic concurrency: every versioned resource has an entity tag, and a change sent
//! with the tag the caller has seen applies only while the resource still has it.

use crate::domain::language::Language;

/// The entity tag of a resource at `version`, as sent in `ETag`.
pub fn tag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The entity tag of a resource's representation in `language` (RFC 9110 8.8.1: a strong
/// tag is unique across the representations of a resource): German, the original, keeps
/// the resource's tag `"3"`; the others add their code, `"3-uk"`.
pub fn tag_in(tag: &str, language: Language) -> String {
    match (language, tag.strip_suffix('"')) {
        (Language::De, _) | (_, None) => tag.to_string(),
        (language, Some(open)) => format!("{open}-{language}\""),
    }
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

    /// Like [`Self::check`], for a resource shown in several languages: the tag of any of
    /// its representations ([`tag_in`]) holds.
    pub fn check_localised(&self, current: &str) -> Result<(), crate::error::AppError> {
        if Language::ALL
            .iter()
            .any(|language| self.holds(&tag_in(current, *language)))
        {
            Ok(())
        } else {
            Err(crate::error::AppError::precondition_failed())
        }
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

    #[test]
    fn each_language_has_its_tag_and_any_of_them_matches() {
        let current = tag(3);
        assert_eq!(tag_in(&current, Language::De), "\"3\"");
        assert_eq!(tag_in(&current, Language::Uk), "\"3-uk\"");
        assert_eq!(tag_in("\"1.0.0.0\"", Language::Ar), "\"1.0.0.0-ar\"");
        let uk = Precondition::if_match(Some("\"3-uk\"".into()));
        assert!(uk.check_localised(&current).is_ok());
        assert!(uk.check_localised(&tag(4)).is_err());
        assert!(Precondition::default().check_localised(&current).is_ok());
    }
}

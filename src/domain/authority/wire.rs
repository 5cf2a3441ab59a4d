//! What the API sends and receives about authorities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::validate::double_option;

crate::text_enum! {
    /// What kind of public body an authority is.
    AuthorityKind {
        Ministry = "ministry",
        District = "district",
        Municipality = "municipality",
        Agency = "agency",
    }
}

/// An authority (a ministry, district, city or agency) whose consultations run here.
#[derive(Debug, Serialize, ToSchema)]
pub struct Authority {
    pub id: Uuid,
    /// Names the authority in tokens (`authority` claim) and group paths.
    #[schema(example = "ms-sachsen-anhalt", max_length = 100)]
    pub slug: String,
    #[schema(
        example = "Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung des Landes Sachsen-Anhalt",
        max_length = 200
    )]
    pub name: String,
    pub kind: AuthorityKind,
    #[schema(example = "beteiligung@ms.sachsen-anhalt.de", max_length = 254)]
    pub contact_email: Option<String>,
    /// Whom data subjects contact (the data protection officer), named in the record of
    /// processing as the controller's contact.
    #[schema(
        example = "Datenschutzbeauftragte des Ministeriums, datenschutz@ms.sachsen-anhalt.de",
        max_length = 500
    )]
    pub privacy_contact: Option<String>,
    #[schema(max_length = 500)]
    pub imprint_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthority {
    /// Unique, lowercase letters, digits and dashes (1–100); it cannot change later, as
    /// tokens name it.
    #[schema(
        example = "kreis-mettmann",
        min_length = 1,
        max_length = 100,
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub slug: String,
    /// 1–200 characters.
    #[schema(
        example = "Kreis Mettmann",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    pub kind: AuthorityKind,
    #[schema(min_length = 3, max_length = 254)]
    pub contact_email: Option<String>,
    /// At most 500 characters.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub privacy_contact: Option<String>,
    /// http(s) URL, at most 500 characters.
    #[schema(
        min_length = 9,
        max_length = 500,
        pattern = r"^https?://[^\s\u0000-\u001f\u007f-\u009f]+$"
    )]
    pub imprint_url: Option<String>,
}

/// Changes to an authority; absent fields stay, `null` clears an optional field. The slug
/// stays: tokens name it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    pub kind: Option<AuthorityKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 3, max_length = 254)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500, pattern = r"\S")]
    pub privacy_contact: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 9, max_length = 500, pattern = r"^https?://[^\s\u0000-\u001f\u007f-\u009f]+$")]
    pub imprint_url: Option<Option<String>>,
}

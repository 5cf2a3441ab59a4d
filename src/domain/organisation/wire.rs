//! What the API sends and receives about organisations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::category::Category;
use crate::domain::validate::double_option;

/// An organisation (municipality, chamber, association, …).
#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub id: Uuid,
    #[schema(example = "Landkreis Stendal", max_length = 200)]
    pub name: String,
    pub category: Category,
    #[schema(example = "Altmark", max_length = 100)]
    pub region: Option<String>,
    #[schema(max_length = 500)]
    pub website: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// 1–200 characters.
    #[schema(
        example = "Caritasverband für das Bistum Magdeburg",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    pub category: Category,
    /// At most 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub region: Option<String>,
    /// http(s) URL, at most 500 characters.
    #[schema(
        min_length = 9,
        max_length = 500,
        pattern = r"^https?://[^\s\u0000-\u001f\u007f-\u009f]+$"
    )]
    pub website: Option<String>,
}

/// Changes to an organisation; absent fields stay, `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    pub category: Option<Category>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"\S")]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 9, max_length = 500, pattern = r"^https?://[^\s\u0000-\u001f\u007f-\u009f]+$")]
    pub website: Option<Option<String>>,
}

//! What the API sends and receives about API clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::base::Role;

/// An API client (its secret is never shown again after creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    /// The `client_id` for `/api/v1/auth/token`.
    pub id: Uuid,
    #[schema(max_length = 200)]
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    /// The authority an `authority_admin` or `moderator` client acts for.
    pub authority_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created client with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: Client,
    pub client_id: Uuid,
    #[schema(max_length = 100)]
    pub client_secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// 1–200 characters, e.g. the partner system's name.
    #[schema(
        example = "Caritas Magdeburg Fachverfahren",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    pub role: Role,
    /// Required for `partner` (the organisation it acts for), not allowed otherwise.
    pub organisation_id: Option<Uuid>,
    /// Required for `authority_admin` and `moderator` (the authority it acts for), not
    /// allowed otherwise.
    #[serde(default)]
    pub authority_id: Option<Uuid>,
}

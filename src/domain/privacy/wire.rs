//! What the API sends and receives about data-protection requests.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::registration::Registration;
use crate::domain::submission::Submission;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyRequest {
    /// The data subject's email address (matched case-insensitively).
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
}

/// Every personal record held for an email address.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalData {
    #[schema(max_length = 254)]
    pub email: String,
    pub registrations: Vec<Registration>,
    /// Submissions whose author gave this email address.
    pub submissions: Vec<Submission>,
}

/// What an erasure anonymised.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erasure {
    pub registrations: usize,
    pub submissions: usize,
}

//! What the API sends and receives about the access log.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::access_log;

crate::text_enum! {
    /// What kind of bulk read of personal data it was.
    AccessKind {
        /// A round's attendance list (CSV export).
        AttendanceExport = "attendance_export",
        /// A page of a round's registrations.
        RegistrationList = "registration_list",
        /// A consultation's submissions with author names (CSV or NDJSON export).
        SubmissionExport = "submission_export",
        /// Everything held for an email address (DSGVO Art. 15).
        PrivacyExport = "privacy_export",
    }
}

/// An entry of the access log.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = access_log)]
pub struct AccessEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `role:subject` of the reader.
    #[schema(max_length = 300)]
    pub actor: String,
    #[diesel(column_name = action)]
    pub kind: AccessKind,
    /// The API path read, e.g. `/api/v1/rounds/{id}/registrations/export`.
    #[schema(max_length = 500)]
    pub resource: String,
    /// How many personal records were read.
    #[schema(minimum = 0)]
    pub records: i32,
    /// The request's `X-Request-Id`, to find it in the service's log.
    #[schema(max_length = 200)]
    pub request_id: Option<String>,
}

//! What the API sends about the record of processing activities.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessingRecord {
    /// The controllers: the authorities whose consultations the record covers (the
    /// caller's own for an authority's admin, every one for the platform's admin).
    #[schema(max_items = 10000)]
    pub controllers: Vec<Controller>,
    #[schema(max_items = 20)]
    pub activities: Vec<Activity>,
    /// Retention as configured per consultation (in days).
    #[schema(max_items = 10000)]
    pub consultations: Vec<ConsultationRetention>,
}

/// An authority as the controller of the personal data of its consultations.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct Controller {
    pub authority_id: Uuid,
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    /// Whom data subjects contact (the data protection officer).
    #[schema(max_length = 500)]
    pub privacy_contact: Option<String>,
    #[schema(max_length = 500)]
    pub imprint_url: Option<String>,
}

/// One processing activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    /// Stable key, e.g. `registrations`.
    #[schema(max_length = 50)]
    pub key: &'static str,
    #[schema(max_length = 200)]
    pub name: &'static str,
    #[schema(max_length = 1000)]
    pub purpose: &'static str,
    #[schema(max_length = 300)]
    pub legal_basis: &'static str,
    #[schema(max_length = 200)]
    pub data_subjects: &'static str,
    /// The personal data held, by field.
    #[schema(value_type = Vec<Label>, max_items = 20)]
    pub data: Vec<&'static str>,
    /// Who may see it, as the service's rules say.
    #[schema(value_type = Vec<Label>, max_items = 10)]
    pub recipients: Vec<String>,
    #[schema(max_length = 500)]
    pub retention: String,
}

/// A consultation's retention periods.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ConsultationRetention {
    pub id: Uuid,
    #[schema(max_length = 100)]
    pub slug: String,
    #[schema(minimum = 1, maximum = 3650)]
    pub registrations_days_after_round: i32,
    #[schema(minimum = 1, maximum = 3650)]
    pub authors_days_after_archive: i32,
}

/// An entry of a list in the record: a field name or a role (≤ 200 characters).
pub struct Label;

impl utoipa::PartialSchema for Label {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(200))
            .into()
    }
}

impl ToSchema for Label {}

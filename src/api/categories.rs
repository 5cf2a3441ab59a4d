use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::base::Caller;
use crate::domain::category::Category;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_categories);
}

/// An organisation category with its labels.
#[derive(Serialize, ToSchema)]
pub struct CategoryInfo {
    pub key: Category,
    #[schema(example = "Migrantenorganisation", max_length = 100)]
    pub label_de: &'static str,
    #[schema(example = "Migrant organisation", max_length = 100)]
    pub label_en: &'static str,
}

/// List the organisation categories
///
/// Anyone may call it (a token sent must be valid). Every category an organisation can have, with its German and English
/// label, for front ends. Changes nothing.
#[utoipa::path(tag = "organisations", responses(
    (status = 200, body = Vec<CategoryInfo>),
    (status = 401, description = "invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[get("/categories")]
pub async fn list_categories(_caller: Caller) -> HttpResponse {
    let categories: Vec<CategoryInfo> = Category::ALL
        .iter()
        .map(|&key| {
            let (label_de, label_en) = key.labels();
            CategoryInfo {
                key,
                label_de,
                label_en,
            }
        })
        .collect();
    HttpResponse::Ok().json(categories)
}

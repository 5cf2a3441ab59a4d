use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

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

/// Every organisation category, with German and English labels.
#[utoipa::path(tag = "organisations", responses(
    (status = 200, body = Vec<CategoryInfo>),
))]
#[get("/categories")]
pub async fn list_categories() -> HttpResponse {
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

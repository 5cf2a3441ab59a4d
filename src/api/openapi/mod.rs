//! The OpenAPI document, generated from the handlers. `info.version` is pinned so that the
//! committed `openapi/openapi.json` changes only when the API does.

mod document;
mod languages;
mod links;
mod pages;
mod responses;
mod schemas;
mod webhooks;

pub use document::{ApiDoc, spec, spec_json};

//! The JSON body extractor every handler uses: a JSON object (never an array, even where
//! serde could read one into a struct), within the size limit, read into `T`; every failure
//! a problem.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorKind};

/// A request body that is a JSON object, read into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The limit, content type and syntax errors as configured in `extractor_configs`.
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            if !value.is_object() {
                return Err(AppError::new(
                    ErrorKind::BadRequest,
                    "invalid_body",
                    "The request body must be a JSON object.",
                )
                .into());
            }
            serde_json::from_value(value)
                .map(Json)
                .map_err(|e| super::extractors::body_error(&e).into())
        })
    }
}

//! One registration, for whoever may read it.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{hash_token, load, view};
use super::wire::Registration;
use crate::domain::policy::{self, RegistrationReader};
use crate::error::{AppError, AppResult};

/// A registration as `reader` may see it; 404 when it may not.
pub async fn find_for(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reader: RegistrationReader<'_>,
) -> AppResult<Registration> {
    let found = load(conn, id).await?;
    let allowed = policy::may_read_registration(reader, found.0.registered_by_org, |token| {
        Some(hash_token(token)) == found.0.cancel_token_hash
    });
    if allowed {
        Ok(view(found))
    } else {
        Err(AppError::not_found("registration"))
    }
}

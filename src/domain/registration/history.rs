//! The events of a registration.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::find::find_for;
use crate::domain::event::{self, Entity};
use crate::domain::policy::RegistrationReader;
use crate::error::AppResult;

/// The events of a registration, for whoever may read it.
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reader: RegistrationReader<'_>,
) -> AppResult<Vec<event::Event>> {
    find_for(conn, id, reader).await?;
    let events = event::history(conn, Entity::Registration, id).await?;
    Ok(event::as_seen_by(events, reader.party()))
}

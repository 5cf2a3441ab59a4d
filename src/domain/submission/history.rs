//! The events of a submission.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::find_row;
use crate::domain::event::{self, Entity};
use crate::domain::policy::Party;
use crate::error::AppResult;

/// The events of a submission the caller may see it; who exactly acted only for staff.
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    party: Party,
) -> AppResult<Vec<event::Event>> {
    find_row(conn, id, party).await?;
    let events = event::history(conn, Entity::Submission, id).await?;
    Ok(event::as_seen_by(events, party))
}

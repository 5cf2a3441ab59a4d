//! What registrants are told, and when. A notice is written to the outbox in the
//! transaction of the change it reports; the mail worker turns it into a letter in the
//! registrant's language
//! ([`letter`]) when it sends it, so links follow the configured templates.

pub mod invitation;
pub mod letter;
pub mod notice;

pub use notice::{Addressee, Notice, NoticeKind, RoundFacts};

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use super::outbox::{self, Channel, NewMessage};

/// Writes notices to the outbox, in the caller's transaction.
pub async fn send(conn: &AsyncPgConnection, notices: Vec<Notice>) -> QueryResult<()> {
    let messages = notices
        .into_iter()
        .map(|notice| {
            Ok(NewMessage {
                channel: Channel::Mail,
                topic: notice.kind.as_str(),
                recipient: notice.email.clone(),
                subject_id: Some(notice.registration_id),
                payload: serde_json::to_value(&notice)
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    outbox::enqueue(conn, messages).await
}

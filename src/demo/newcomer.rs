//! Someone new to the process who registered for the open workshop and has not confirmed
//! yet: the please-confirm mail is in the outbox, and `serve --demo` (which logs mails when
//! no SMTP server is configured) shows it and the link, so that whoever tries the demo can
//! follow the double opt-in in a browser.
//!
//! Only the start that writes the mail knows the token (the database keeps its hash), so
//! every start replaces the registration while it is unconfirmed: one pending registration
//! stays, with a fresh link. Once confirmed it is kept, and no link is given any more.

use crate::domain::language::Language;
use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use uuid::{Uuid, uuid};

use super::activity::{OPEN_ROUND_ID, Person};
use crate::base::secret;
use crate::domain::category::Category;
use crate::domain::notification::{self, Addressee, Notice, NoticeKind};
use crate::domain::registration::{self, RegistrationStatus, hash_token};
use crate::domain::round;

const REGISTRATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000601");
const NEWCOMER: Person<'static> = Person {
    name: "Lena Hartmann",
    email: "lena.hartmann@example.org",
    organisation: (
        "Willkommensinitiative Halle-Neustadt",
        Category::CivilSociety,
    ),
};

/// How long the link is valid: the service's default (`REGISTRATION_CONFIRM_TTL`).
const CONFIRM_WITHIN: Duration = Duration::hours(24);

/// Registers the newcomer anew unless they confirmed at an earlier start, with the mail
/// asking to confirm; returns the token of its link (`None`: confirmed earlier).
pub async fn load(conn: &mut AsyncPgConnection) -> anyhow::Result<Option<String>> {
    registration::withdraw_unconfirmed(conn, REGISTRATION_ID).await?;
    let now = Utc::now();
    let token = secret::generate();
    let expires = now + CONFIRM_WITHIN;
    let row = registration::RegistrationRow {
        cancel_token_hash: None,
        confirm_token_hash: Some(hash_token(&token)),
        confirm_expires_at: Some(expires),
        consented_at: Some(now),
        ..NEWCOMER.registration(
            REGISTRATION_ID,
            OPEN_ROUND_ID,
            RegistrationStatus::Pending,
            now,
        )
    };
    if registration::seed(conn, &[row]).await? == 0 {
        return Ok(None);
    }
    let round = round::find_visible(conn, OPEN_ROUND_ID, true).await?;
    let to = Addressee {
        registration_id: REGISTRATION_ID,
        name: NEWCOMER.name,
        email: NEWCOMER.email,
        language: Language::De,
    };
    let mut notice = Notice::new(NoticeKind::PleaseConfirm, to, &round);
    notice.confirm_token = Some(token.clone());
    notice.confirm_expires_at = Some(expires);
    notification::send(conn, vec![notice]).await?;
    Ok(Some(token))
}

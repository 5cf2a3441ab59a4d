//! Data-protection requests: everything held for an email address, and its erasure.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{Erasure, PersonalData, PrivacyRequest};
use crate::db::schema::{registrations, submissions};
use crate::domain::event::{self, Change, Entity};
use crate::domain::idempotency;
use crate::domain::outbox;
use crate::domain::policy::{Party, RegistrationReader};
use crate::domain::registration::{self};
use crate::domain::submission::{self};
use crate::domain::validate::Violations;
use crate::error::AppResult;

pub(super) fn email_of(request: &PrivacyRequest) -> AppResult<String> {
    let mut v = Violations::new();
    v.email("email", &request.email);
    v.into_result()?;
    Ok(crate::domain::validate::normalise_email(&request.email).to_lowercase())
}

pub(super) async fn registration_ids(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Vec<Uuid>> {
    registrations::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(registrations.email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email.to_string())
                .sql(")"),
        )
        .order(registrations::id)
        .select(registrations::id)
        .load(conn)
        .await
}

pub(super) async fn submission_ids(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Vec<Uuid>> {
    submissions::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(submissions.author_email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email.to_string())
                .sql(")"),
        )
        .order(submissions::id)
        .select(submissions::id)
        .load(conn)
        .await
}

pub async fn export(
    conn: &mut AsyncPgConnection,
    request: PrivacyRequest,
) -> AppResult<PersonalData> {
    let email = email_of(&request)?;
    let mut found_registrations = Vec::new();
    for id in registration_ids(conn, &email).await? {
        found_registrations
            .push(registration::find_for(conn, id, RegistrationReader::Party(Party::Admin)).await?);
    }
    let mut found_submissions = Vec::new();
    for id in submission_ids(conn, &email).await? {
        found_submissions.push(submission::find_visible(conn, id, Party::Admin).await?);
    }
    Ok(PersonalData {
        email,
        registrations: found_registrations,
        submissions: found_submissions,
    })
}

/// Anonymises registrations (name, email, needs) and submission authors (name, email) of an
/// email address, each recorded as an event.
pub async fn erase(
    conn: &mut AsyncPgConnection,
    request: PrivacyRequest,
    actor: &str,
) -> AppResult<Erasure> {
    let email = email_of(&request)?;
    conn.transaction(async |conn| {
        let registration_ids = registration_ids(conn, &email).await?;
        anonymise_registrations(conn, &registration_ids).await?;
        event::record_all(conn, Entity::Registration, &registration_ids, erased(actor)).await?;
        let submission_ids = submission_ids(conn, &email).await?;
        anonymise_authors(conn, &submission_ids).await?;
        event::record_all(conn, Entity::Submission, &submission_ids, erased(actor)).await?;
        // Stored responses for replay hold the person's data too (names, cancel tokens).
        idempotency::erase(conn, &email).await?;
        // Mails to the person, sent or waiting, name them and may hold their tokens.
        outbox::erase_mail_to(conn, &email).await?;
        Ok(Erasure {
            registrations: registration_ids.len(),
            submissions: submission_ids.len(),
        })
    })
    .await
}

/// The text that replaces a registrant's name.
pub const ERASED_NAME: &str = "(gelöscht)";

/// Anonymises registrations (an erasure request, or their retention ended): name, email,
/// needs and the tokens of the mailed links go; the seat, status and category stay, so counts stay.
pub(in crate::domain) async fn anonymise_registrations(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<()> {
    diesel::update(registrations::table.filter(registrations::id.eq_any(ids)))
        .set((
            registrations::name.eq(ERASED_NAME),
            // Unique per registration, so the one-email-per-round index still holds.
            registrations::email.eq(diesel::dsl::sql::<diesel::sql_types::Text>(
                "'erased-' || registrations.id || '@invalid'",
            )),
            registrations::needs.eq(None::<String>),
            // The links in the person's mails lead nowhere any more.
            registrations::confirm_token_hash.eq(None::<Vec<u8>>),
            // A hash no token has (a seat holder keeps one, by a constraint).
            registrations::cancel_token_hash.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Binary>,
            >(
                "sha256(gen_random_uuid()::text::bytea)"
            )),
            registrations::anonymised_at.eq(chrono::Utc::now()),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Removes the authors' names and emails of submissions; their content stays.
pub(in crate::domain) async fn anonymise_authors(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<()> {
    diesel::update(submissions::table.filter(submissions::id.eq_any(ids)))
        .set((
            submissions::author_name.eq(None::<String>),
            submissions::author_email.eq(None::<String>),
            submissions::version.eq(submissions::version + 1),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub(super) fn erased(actor: &str) -> Change<'_> {
    Change {
        actor,
        action: "personal_data_erased",
        reason: Some("data-protection erasure request"),
        ..Default::default()
    }
}

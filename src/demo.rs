//! The example consultation loaded by `serve --demo`: the 2019 participation process for the
//! integration concept of Saxony-Anhalt. Loading is idempotent (fixed ids, inserts that skip
//! existing rows).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::ExpressionMethods;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{
    consultations, organisations, rounds, submission_addresses, submission_counters, submissions,
};
use crate::domain::consultation::{ConsultationRow, ConsultationStatus};
use crate::domain::organisation::OrganisationRow;
use crate::domain::round::RoundRow;
use crate::domain::submission::{SubmissionRow, SubmissionSource};

mod activity;
mod data;

pub use activity::OPEN_ROUND_ID;
pub use data::{CONSULTATION_ID, CONSULTATION_SLUG, PARTNER_ORGANISATION_ID};
use data::{ORGANISATIONS, ROUNDS, SUBMISSIONS, at, topics};

/// Inserts the example consultation, its rounds, organisations and submissions where they
/// are missing.
#[allow(clippy::too_many_lines)] // over 80 lines: to be split into steps
pub async fn load(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    let consultation = ConsultationRow {
        id: CONSULTATION_ID,
        slug: CONSULTATION_SLUG.into(),
        title: "Integrationskonzept Sachsen-Anhalt".into(),
        summary:
            "Offener Beteiligungsprozess des Ministeriums für Arbeit, Soziales und Integration: \
Kommunen, Migrantenorganisationen, Verbände und Engagierte erarbeiten Bedarfe und Handlungsansätze \
für das neue Integrationskonzept des Landes."
                .into(),
        status: ConsultationStatus::Open,
        topics: serde_json::to_value(topics())?,
        starts_on: NaiveDate::from_ymd_opt(2019, 9, 12),
        ends_on: NaiveDate::from_ymd_opt(2020, 6, 30),
        version: 1,
        created_at: now,
        updated_at: now,
        number_prefix: "ITK".into(),
        retention_registrations_days: 90,
        retention_authors_days: 365,
        archived_at: None,
    };
    diesel::insert_into(consultations::table)
        .values(&consultation)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    for r in ROUNDS {
        let starts_at = at(r.starts_at);
        let row = RoundRow {
            id: r.id,
            consultation_id: CONSULTATION_ID,
            kind: r.kind,
            title: r.title.into(),
            venue_name: Some(r.venue.into()),
            venue_street: None,
            venue_postal_code: Some(r.postal_code.into()),
            venue_city: Some(r.city.into()),
            region: Some(r.region.into()),
            starts_at,
            ends_at: at(r.ends_at),
            capacity: r.capacity,
            registration_opens_at: Some(starts_at - chrono::Duration::days(42)),
            registration_closes_at: Some(starts_at - chrono::Duration::days(2)),
            submissions_open_at: Some(starts_at - chrono::Duration::days(14)),
            submissions_close_at: Some(starts_at + chrono::Duration::days(28)),
            cancelled: false,
            confirmed_count: 0,
            waitlisted_count: 0,
            attended_count: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(rounds::table)
            .values(&row)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    for &(id, name, category, region) in ORGANISATIONS {
        let row = OrganisationRow {
            id,
            name: name.into(),
            category,
            region: Some(region.into()),
            website: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(organisations::table)
            .values(&row)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    for (n, &(id, round_id, organisation_id, kind, topic, title, status, need)) in
        SUBMISSIONS.iter().enumerate()
    {
        let row = SubmissionRow {
            id,
            consultation_id: CONSULTATION_ID,
            round_id: Some(round_id),
            organisation_id: Some(organisation_id),
            author_name: None,
            author_email: None,
            kind,
            topic: topic.into(),
            title: title.into(),
            body: format!("Ergebnis der Regionalkonferenz: {title}."),
            status,
            decision_reason: None,
            duplicate_of: None,
            external_ref: None,
            source: SubmissionSource::Conference,
            version: 1,
            created_at: now,
            updated_at: now,
            number: format!("ITK-{:04}", n + 1),
            response_consideration: None,
            response_text: None,
            response_published_at: None,
        };
        diesel::insert_into(submissions::table)
            .values(&row)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if let Some(need) = need {
            diesel::insert_into(submission_addresses::table)
                .values((
                    submission_addresses::action_approach_id.eq(id),
                    submission_addresses::need_id.eq(need),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
    }
    activity::load_open_round(conn).await?;
    activity::load_registrations(conn).await?;
    activity::load_submissions(conn, SUBMISSIONS.len()).await?;
    // The numbers given above and by the activity: new submissions continue after them.
    let numbered = i32::try_from(SUBMISSIONS.len() + activity::MORE.len())?;
    diesel::insert_into(submission_counters::table)
        .values((
            submission_counters::consultation_id.eq(CONSULTATION_ID),
            submission_counters::last_number.eq(numbered),
        ))
        .on_conflict(submission_counters::consultation_id)
        .do_update()
        .set(
            submission_counters::last_number.eq(diesel::dsl::sql::<diesel::sql_types::Integer>(
                "greatest(submission_counters.last_number, excluded.last_number)",
            )),
        )
        .execute(conn)
        .await?;
    Ok(())
}

/// API clients whose ids and secrets come from the environment, so that a partner's
/// integration test against the container can authenticate without reading its log:
/// `DEMO_ADMIN_CLIENT_ID`/`_SECRET` (role admin) and `DEMO_PARTNER_CLIENT_ID`/`_SECRET`
/// (partner for the Caritasverband). A client is (re)created with the given secret each
/// start. Returns what was created, for the log.
pub async fn load_clients(
    conn: &mut AsyncPgConnection,
    var: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<String>> {
    use crate::base::Role;
    use crate::db::schema::api_clients;
    let mut created = Vec::new();
    for (prefix, role, organisation, name) in [
        ("DEMO_ADMIN_CLIENT", Role::Admin, None, "Demo admin"),
        (
            "DEMO_PARTNER_CLIENT",
            Role::Partner,
            Some(PARTNER_ORGANISATION_ID),
            "Caritas Fachverfahren (Demo)",
        ),
    ] {
        let (Some(id), Some(secret)) = (
            var(&format!("{prefix}_ID")),
            var(&format!("{prefix}_SECRET")),
        ) else {
            continue;
        };
        let id = Uuid::parse_str(id.trim())
            .map_err(|_| anyhow::anyhow!("{prefix}_ID must be a UUID, got {id:?}"))?;
        if secret.len() < 16 {
            anyhow::bail!("{prefix}_SECRET must be at least 16 characters");
        }
        let hash = crate::base::secret::hash(&secret)?;
        diesel::insert_into(api_clients::table)
            .values((
                api_clients::id.eq(id),
                api_clients::name.eq(name),
                api_clients::role.eq(role.as_str()),
                api_clients::organisation_id.eq(organisation),
                api_clients::secret_hash.eq(&hash),
            ))
            .on_conflict(api_clients::id)
            .do_update()
            .set((
                api_clients::secret_hash.eq(&hash),
                api_clients::revoked_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
        created.push(format!("{name}: client_id {id} ({role})"));
    }
    Ok(created)
}

//! The example consultations loaded by `serve --demo`: the 2019 participation process for the
//! integration concept of Saxony-Anhalt, in the authority the migration made (renamed to the
//! ministry), and two more authorities with one consultation each (see [`authorities`]).
//! Loading is idempotent (fixed ids, records that are there already are kept). Everything is written through the domain's seeding functions,
//! which write a record as it is (past dates, decided statuses).

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::base::Role;
use crate::domain::client::{self, NewClient};
use crate::domain::consultation::{self, ConsultationRow, ConsultationStatus};
use crate::domain::organisation::{self, OrganisationRow};
use crate::domain::{round, submission};

mod activity;
mod authorities;
mod data;

pub use activity::OPEN_ROUND_ID;
pub use authorities::{
    AUTHORITIES, DRESDEN_CONSULTATION_SLUG, DemoAuthority, METTMANN_CONSULTATION_SLUG,
};
pub use data::{CONSULTATION_ID, CONSULTATION_SLUG, PARTNER_ORGANISATION_ID};
use data::{ORGANISATIONS, ROUNDS, SUBMISSIONS, conference_submission, topics};

/// Inserts the authorities, the example consultations, their rounds, organisations,
/// registrations and submissions where they are missing, and moves the open rounds ahead of
/// today.
pub async fn load(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    let authority_id = authorities::load(conn, now).await?;
    consultation::seed(conn, &consultation(now, authority_id)?).await?;
    load_rounds(conn, now).await?;
    load_organisations(conn, now).await?;
    load_submissions(conn, now).await?;
    activity::load_open_round(conn).await?;
    activity::load_registrations(conn).await?;
    activity::load_submissions(conn, SUBMISSIONS.len()).await?;
    // The numbers given above and by the activity: new submissions continue after them.
    let numbered = i32::try_from(SUBMISSIONS.len() + activity::MORE.len())?;
    submission::continue_numbers_after(conn, CONSULTATION_ID, numbered).await?;
    authorities::load_dresden(conn, now).await?;
    authorities::load_mettmann(conn, now).await?;
    Ok(())
}

/// The consultation, open since 12 September 2019.
fn consultation(now: DateTime<Utc>, authority_id: Uuid) -> anyhow::Result<ConsultationRow> {
    Ok(ConsultationRow {
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
        authority_id,
        translations: Default::default(),
    })
}

/// The Auftaktkonferenz and the Regionalkonferenzen of 2019.
async fn load_rounds(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    for r in ROUNDS {
        round::seed(conn, &r.row(now)).await?;
    }
    Ok(())
}

async fn load_organisations(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
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
        organisation::seed(conn, &row).await?;
    }
    Ok(())
}

/// The first needs and action approaches of the Regionalkonferenzen, numbered from 1.
async fn load_submissions(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    for (n, &(id, round_id, organisation_id, kind, topic, title, status, need)) in
        SUBMISSIONS.iter().enumerate()
    {
        let row = submission::SubmissionRow {
            round_id: Some(round_id),
            organisation_id: Some(organisation_id),
            kind,
            topic: topic.into(),
            title: title.into(),
            body: format!("Ergebnis der Regionalkonferenz: {title}."),
            status,
            ..conference_submission(id, n + 1, now)
        };
        submission::seed(conn, &row, need.as_slice()).await?;
    }
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
        let new = NewClient {
            name: name.into(),
            role,
            organisation_id: organisation,
            authority_id: None,
        };
        client::create_or_reset(conn, id, new, secret).await?;
        created.push(format!("{name}: client_id {id} ({role})"));
    }
    Ok(created)
}

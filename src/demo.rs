//! The example consultations loaded by `serve --demo`: the participation process for the
//! integration concept of Saxony-Anhalt (2019, shown as running now: see [`timeline`]), in
//! the authority the migration made (renamed to the ministry), and two more authorities
//! with one consultation each (see [`authorities`]). Loading is idempotent (fixed ids,
//! records that are there already are kept; only the open rounds move ahead of today and
//! the newcomer's unconfirmed registration is made anew, see [`newcomer`]). Everything is
//! written through the domain's seeding functions, which write a record as it is (past
//! dates, decided statuses).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::base::Role;
use crate::domain::client::{self, NewClient};
use crate::domain::consultation::{self, ConsultationRow, ConsultationStatus};
use crate::domain::organisation::{self, OrganisationRow};
use crate::domain::{round, submission};

mod activity;
mod authorities;
mod calendar;
mod contributions;
mod data;
mod newcomer;
mod timeline;

pub use activity::OPEN_ROUND_ID;
pub use authorities::{
    AUTHORITIES, DRESDEN_CONSULTATION_SLUG, DemoAuthority, METTMANN_CONSULTATION_SLUG,
};
pub use data::{CONSULTATION_ID, CONSULTATION_SLUG, PARTNER_ORGANISATION_ID};
use data::{CONTRIBUTIONS, ORGANISATIONS, ROUNDS, topics};

/// What a load leaves for the start to tell.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The token of the newcomer's please-confirm mail, unless they confirmed earlier.
    pub confirm_token: Option<String>,
}

impl Loaded {
    /// The link of the newcomer's please-confirm mail, as the mail shows it: `template`
    /// (`REGISTRATION_CONFIRM_URL`) with the token for `{token}`.
    pub fn confirm_link(&self, template: &str) -> Option<String> {
        let token = self.confirm_token.as_deref()?;
        Some(template.replace("{token}", token))
    }
}

/// Inserts the authorities, the example consultations, their rounds, organisations,
/// registrations and submissions where they are missing, moves the open rounds ahead of
/// today, and registers the newcomer (with the mail asking to confirm).
pub async fn load(conn: &mut AsyncPgConnection) -> anyhow::Result<Loaded> {
    let now = Utc::now();
    let authority_id = authorities::load(conn, now).await?;
    let kickoff = timeline::kickoff(conn, now).await?;
    consultation::seed(conn, &consultation(kickoff, now, authority_id)?).await?;
    load_rounds(conn, kickoff, now).await?;
    load_organisations(conn, now).await?;
    activity::load_open_round(conn).await?;
    activity::load_registrations(conn).await?;
    activity::load_submissions(conn, kickoff).await?;
    // The numbers given above: new submissions continue after them.
    let numbered = i32::try_from(CONTRIBUTIONS.len())?;
    submission::continue_numbers_after(conn, CONSULTATION_ID, numbered).await?;
    authorities::load_dresden(conn, now).await?;
    authorities::load_mettmann(conn, now).await?;
    let confirm_token = newcomer::load(conn).await?;
    Ok(Loaded { confirm_token })
}

/// The consultation, open since its Auftaktkonferenz, for ten months (as in 2019: 12
/// September to 30 June).
fn consultation(
    kickoff: NaiveDate,
    now: DateTime<Utc>,
    authority_id: Uuid,
) -> anyhow::Result<ConsultationRow> {
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
        starts_on: Some(kickoff),
        ends_on: Some(kickoff + Duration::days(292)),
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

/// The Auftaktkonferenz and the Regionalkonferenzen, in the series from `kickoff`.
async fn load_rounds(
    conn: &mut AsyncPgConnection,
    kickoff: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for r in ROUNDS {
        round::seed(conn, &r.row(kickoff, now)).await?;
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

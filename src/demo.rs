//! The example consultation loaded by `serve --demo`: the 2019 participation process for the
//! integration concept of Saxony-Anhalt. Loading is idempotent (fixed ids, inserts that skip
//! existing rows).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::ExpressionMethods;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::{Uuid, uuid};

use crate::db::schema::{
    consultations, organisations, rounds, submission_addresses, submission_counters, submissions,
};
use crate::domain::category::Category;
use crate::domain::consultation::{ConsultationRow, ConsultationStatus, Topic};
use crate::domain::organisation::OrganisationRow;
use crate::domain::round::{RoundKind, RoundRow};
use crate::domain::submission::{
    SubmissionKind, SubmissionRow, SubmissionSource, SubmissionStatus,
};

mod activity;

pub use activity::OPEN_ROUND_ID;

pub const CONSULTATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000001");
pub const CONSULTATION_SLUG: &str = "integrationskonzept-sachsen-anhalt";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn topics() -> Vec<Topic> {
    [
        ("sprache", "Sprache und Sprachkurse"),
        ("arbeitsmarkt", "Arbeitsmarktintegration"),
        ("qualifizierung", "Bildung und Qualifizierung"),
        ("beratung", "Beratung und Information"),
        ("wohnen", "Wohnen und Zusammenleben"),
        ("kita-schule", "Kita und Schule"),
    ]
    .into_iter()
    .map(|(key, label)| Topic {
        key: key.into(),
        label: label.into(),
    })
    .collect()
}

struct DemoRound {
    id: Uuid,
    kind: RoundKind,
    title: &'static str,
    venue: &'static str,
    postal_code: &'static str,
    city: &'static str,
    region: &'static str,
    starts_at: &'static str,
    ends_at: &'static str,
    capacity: i32,
}

const ROUNDS: &[DemoRound] = &[
    DemoRound {
        id: uuid!("0190f1a0-0000-7000-8000-000000000101"),
        kind: RoundKind::Kickoff,
        title: "Auftaktkonferenz Integrationskonzept",
        venue: "Ministerium für Arbeit, Soziales und Integration",
        postal_code: "39104",
        city: "Magdeburg",
        region: "Magdeburg",
        starts_at: "2019-09-12T10:00:00+02:00",
        ends_at: "2019-09-12T16:00:00+02:00",
        capacity: 130,
    },
    DemoRound {
        id: uuid!("0190f1a0-0000-7000-8000-000000000102"),
        kind: RoundKind::Regional,
        title: "Regionalkonferenz Dessau",
        venue: "Rathaus Dessau-Roßlau",
        postal_code: "06844",
        city: "Dessau-Roßlau",
        region: "Anhalt",
        starts_at: "2019-10-09T10:00:00+02:00",
        ends_at: "2019-10-09T15:00:00+02:00",
        capacity: 80,
    },
    DemoRound {
        id: uuid!("0190f1a0-0000-7000-8000-000000000103"),
        kind: RoundKind::Regional,
        title: "Regionalkonferenz Stendal",
        venue: "Landratsamt Stendal",
        postal_code: "39576",
        city: "Stendal",
        region: "Altmark",
        starts_at: "2019-10-23T10:00:00+02:00",
        ends_at: "2019-10-23T15:00:00+02:00",
        capacity: 80,
    },
    DemoRound {
        id: uuid!("0190f1a0-0000-7000-8000-000000000104"),
        kind: RoundKind::Regional,
        title: "Regionalkonferenz Halle",
        venue: "Stadthaus Halle (Saale)",
        postal_code: "06108",
        city: "Halle (Saale)",
        region: "Halle",
        starts_at: "2019-11-06T10:00:00+01:00",
        ends_at: "2019-11-06T15:00:00+01:00",
        capacity: 80,
    },
];

/// The partner organisation of the demo's partner API client (Caritas).
pub const PARTNER_ORGANISATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000204");

const ORGANISATIONS: &[(Uuid, &str, Category, &str)] = &[
    (
        uuid!("0190f1a0-0000-7000-8000-000000000201"),
        "Landeshauptstadt Magdeburg",
        Category::Municipality,
        "Magdeburg",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000202"),
        "Industrie- und Handelskammer Halle-Dessau",
        Category::ChamberOrBusinessAssociation,
        "Halle",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000203"),
        "Landesnetzwerk der Migrantenorganisationen Sachsen-Anhalt",
        Category::MigrantOrganisation,
        "Sachsen-Anhalt",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000204"),
        "Caritasverband für das Bistum Magdeburg",
        Category::WelfareAssociation,
        "Magdeburg",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000205"),
        "Jobcenter Landkreis Stendal",
        Category::EmploymentAgency,
        "Altmark",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000206"),
        "Netzwerk Integration Dessau-Roßlau",
        Category::IntegrationNetwork,
        "Anhalt",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000207"),
        "Koordinierungsstelle Integration Landkreis Stendal",
        Category::MunicipalCoordinationOffice,
        "Altmark",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000208"),
        "Integrationsbeauftragte des Landkreises Harz",
        Category::IntegrationCommissioner,
        "Harz",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000209"),
        "Willkommensinitiative Halle-Neustadt",
        Category::CivilSociety,
        "Halle",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000210"),
        "Internationaler Kulturverein Dessau e. V.",
        Category::Association,
        "Anhalt",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000211"),
        "Berufsbildende Schulen Stendal",
        Category::School,
        "Altmark",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000212"),
        "Kita Regenbogen Magdeburg-Neu Olvenstedt",
        Category::Daycare,
        "Magdeburg",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000213"),
        "Landesseniorenvertretung Sachsen-Anhalt",
        Category::SeniorAssociation,
        "Sachsen-Anhalt",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000214"),
        "Netzwerk Integration Halle (Saale)",
        Category::IntegrationNetwork,
        "Halle",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000215"),
        "Evangelische Kirchengemeinde Stendal",
        Category::ReligiousCommunity,
        "Altmark",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000216"),
        "Stadtwerke Dessau",
        Category::Company,
        "Anhalt",
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000217"),
        "Landeszentrale für politische Bildung Sachsen-Anhalt",
        Category::Other,
        "Sachsen-Anhalt",
    ),
];

/// Needs and action approaches as they came out of the Regionalkonferenzen:
/// (id, round, organisation, kind, topic, title, status, addressed need).
#[allow(clippy::type_complexity)]
const SUBMISSIONS: &[(
    Uuid,
    Uuid,
    Uuid,
    SubmissionKind,
    &str,
    &str,
    SubmissionStatus,
    Option<Uuid>,
)] = &[
    (
        uuid!("0190f1a0-0000-7000-8000-000000000301"),
        ROUNDS[1].id,
        ORGANISATIONS[2].0,
        SubmissionKind::Need,
        "sprache",
        "Sprachkurse mit Kinderbetreuung",
        SubmissionStatus::Accepted,
        None,
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000302"),
        ROUNDS[1].id,
        ORGANISATIONS[1].0,
        SubmissionKind::ActionApproach,
        "sprache",
        "Berufsbegleitende Deutschkurse in Betrieben mit Kita-Kooperation",
        SubmissionStatus::Accepted,
        Some(uuid!("0190f1a0-0000-7000-8000-000000000301")),
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000303"),
        ROUNDS[2].id,
        ORGANISATIONS[4].0,
        SubmissionKind::Need,
        "arbeitsmarkt",
        "Schnellere Anerkennung ausländischer Abschlüsse",
        SubmissionStatus::Accepted,
        None,
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000304"),
        ROUNDS[2].id,
        ORGANISATIONS[6].0,
        SubmissionKind::Need,
        "beratung",
        "Unbürokratische Beratung in Herkunftssprachen",
        SubmissionStatus::InReview,
        None,
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000305"),
        ROUNDS[3].id,
        ORGANISATIONS[3].0,
        SubmissionKind::Need,
        "wohnen",
        "Bezahlbarer Wohnraum für große Familien",
        SubmissionStatus::Submitted,
        None,
    ),
    (
        uuid!("0190f1a0-0000-7000-8000-000000000306"),
        ROUNDS[3].id,
        ORGANISATIONS[0].0,
        SubmissionKind::ActionApproach,
        "arbeitsmarkt",
        "Anerkennungslotsen in den Kommunen",
        SubmissionStatus::Submitted,
        Some(uuid!("0190f1a0-0000-7000-8000-000000000303")),
    ),
];

/// Inserts the example consultation, its rounds, organisations and submissions where they
/// are missing.
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

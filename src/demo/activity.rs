//! The demo's activity: who registered for the conferences (the Auftaktkonferenz on
//! 12 September 2019 counted about 130 participants from many kinds of organisations), the
//! needs and action approaches the Regionalkonferenzen produced in every review status, and
//! a workshop that is open for registration and submissions now, so that a partner's
//! integration test can register and submit against a fresh container.

use crate::domain::language::Language;
use chrono::{DateTime, Duration, DurationRound, Utc};
use diesel_async::AsyncPgConnection;
use uuid::{Uuid, uuid};

use super::data::{CONSULTATION_ID, ORGANISATIONS, ROUNDS, conference_submission, round_row};
use crate::domain::registration::{self, RegistrationRow, RegistrationStatus, hash_token};
use crate::domain::round::{self, RoundKind, RoundRow};
use crate::domain::submission::{self, SubmissionKind, SubmissionRow, SubmissionStatus};

/// The workshop that is open now.
pub const OPEN_ROUND_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000105");

/// Registrations per conference: (round, attended, cancelled, confirmed).
const TURNOUT: &[(usize, usize, usize, usize)] =
    &[(0, 118, 9, 0), (1, 52, 4, 0), (2, 41, 3, 0), (3, 67, 5, 0)];
/// Confirmed registrations for the open workshop so far.
const OPEN_ROUND_CONFIRMED: usize = 23;
const OPEN_ROUND_CAPACITY: i32 = 60;

pub(super) const FIRST_NAMES: &[&str] = &[
    "Anna", "Mehmet", "Katrin", "Yusuf", "Susanne", "Olena", "Thomas", "Amira", "Jens", "Fatma",
    "Claudia", "Daniel", "Nadia", "Frank", "Leyla", "Petra", "Samir", "Ute",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Schulz",
    "Yilmaz",
    "Müller",
    "Haddad",
    "Fischer",
    "Kowalenko",
    "Becker",
    "Nguyen",
    "Wagner",
    "Demir",
    "Richter",
    "Hoffmann",
    "Saleh",
    "Neumann",
    "Krause",
];

pub(super) fn at_ten(day: DateTime<Utc>) -> DateTime<Utc> {
    day.duration_trunc(Duration::days(1)).unwrap_or(day) + Duration::hours(9)
}

/// The open workshop, its windows set relative to today on every load.
pub async fn load_open_round(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    let starts_at = at_ten(now + Duration::days(21));
    let times = (starts_at, starts_at + Duration::hours(6));
    let title = "Werkstatt zur Fortschreibung des Integrationskonzepts";
    let row = RoundRow {
        venue_name: Some("Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung".into()),
        venue_street: Some("Turmschanzenstraße 25".into()),
        venue_postal_code: Some("39114".into()),
        venue_city: Some("Magdeburg".into()),
        region: Some("Magdeburg".into()),
        registration_opens_at: Some(now - Duration::days(7)),
        registration_closes_at: Some(starts_at - Duration::days(2)),
        submissions_open_at: Some(now - Duration::days(7)),
        submissions_close_at: Some(starts_at + Duration::days(28)),
        ..round_row(
            OPEN_ROUND_ID,
            RoundKind::Workshop,
            title,
            times,
            OPEN_ROUND_CAPACITY,
            now,
        )
    };
    round::seed_rescheduled(conn, &row).await?;
    Ok(())
}

/// Registrations across the organisations' categories, and the rounds' seat counters to
/// match them.
pub async fn load_registrations(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    let rows: Vec<_> = plan()
        .into_iter()
        .enumerate()
        .map(|(n, (round_id, i, status))| registration_row(n, round_id, i, status, now))
        .collect();
    registration::seed(conn, &rows).await?;
    registration::recount_seats(conn, CONSULTATION_ID).await?;
    Ok(())
}

/// Who registered for which round, in the order of the registrations' ids: (round, number
/// within the round, status).
fn plan() -> Vec<(Uuid, usize, RegistrationStatus)> {
    let mut plan = Vec::new();
    for &(round, attended, cancelled, confirmed) in TURNOUT {
        let id = ROUNDS[round].id;
        plan.extend((0..attended).map(|i| (id, i, RegistrationStatus::Attended)));
        plan.extend(
            (attended..attended + cancelled).map(|i| (id, i, RegistrationStatus::Cancelled)),
        );
        plan.extend((0..confirmed).map(|i| (id, i, RegistrationStatus::Confirmed)));
    }
    plan.extend(
        (0..OPEN_ROUND_CONFIRMED).map(|i| (OPEN_ROUND_ID, i, RegistrationStatus::Confirmed)),
    );
    plan
}

/// The `n`th registration, the `i`th of its round: a person of one of the organisations,
/// named from the lists above.
fn registration_row(
    n: usize,
    round_id: Uuid,
    i: usize,
    status: RegistrationStatus,
    now: DateTime<Utc>,
) -> RegistrationRow {
    let (_, organisation, category, _) = ORGANISATIONS[(i * 7 + n) % ORGANISATIONS.len()];
    let first = FIRST_NAMES[(n * 5) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(n * 3 + i) % LAST_NAMES.len()];
    RegistrationRow {
        id: Uuid::from_u128(0x0190f1a0_0000_7000_8000_100000000000 + n as u128),
        round_id,
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}.{n}@example.org",
            first.to_lowercase(),
            last.to_lowercase().replace('ü', "ue")
        ),
        organisation_id: None,
        organisation_name: Some(organisation.into()),
        category: Some(category),
        needs: None,
        status,
        waitlist_seq: 0,
        registered_by_org: None,
        cancel_token_hash: Some(hash_token(&Uuid::new_v4().to_string())),
        created_at: now,
        updated_at: now,
        confirm_token_hash: None,
        confirm_expires_at: None,
        privacy_notice_version: None,
        consented_at: None,
        language: Language::De,
    }
}

/// Further needs and action approaches from the Regionalkonferenzen, in every status:
/// (round, organisation, kind, topic, title, status, addresses or duplicate of (index into
/// this list), decision reason).
#[allow(clippy::type_complexity)]
pub const MORE: &[(
    usize,
    usize,
    SubmissionKind,
    &str,
    &str,
    SubmissionStatus,
    Option<usize>,
    Option<&str>,
)] = &[
    (
        1,
        9,
        SubmissionKind::Need,
        "sprache",
        "Sprachkurse am Abend für Berufstätige",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        1,
        0,
        SubmissionKind::ActionApproach,
        "sprache",
        "Abendkurse an Volkshochschulen mit Landesförderung",
        SubmissionStatus::Accepted,
        Some(0),
        None,
    ),
    (
        1,
        8,
        SubmissionKind::Need,
        "sprache",
        "Sprachmittlung bei Behördengängen",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        1,
        12,
        SubmissionKind::ActionApproach,
        "sprache",
        "Pool ehrenamtlicher Sprachmittlerinnen und Sprachmittler",
        SubmissionStatus::InReview,
        Some(2),
        None,
    ),
    (
        2,
        11,
        SubmissionKind::Need,
        "sprache",
        "Mehr Abendsprachkurse",
        SubmissionStatus::Merged,
        Some(0),
        None,
    ),
    (
        2,
        4,
        SubmissionKind::Need,
        "arbeitsmarkt",
        "Praktika für Geflüchtete in kleinen Betrieben",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        2,
        1,
        SubmissionKind::ActionApproach,
        "arbeitsmarkt",
        "Praktikumsbörse der Kammern",
        SubmissionStatus::Accepted,
        Some(5),
        None,
    ),
    (
        3,
        15,
        SubmissionKind::Need,
        "arbeitsmarkt",
        "Arbeitserlaubnis schneller erteilen",
        SubmissionStatus::Rejected,
        None,
        Some("Bundesrecht; nicht Gegenstand des Landeskonzepts"),
    ),
    (
        3,
        8,
        SubmissionKind::Need,
        "arbeitsmarkt",
        "Mentoring für Berufseinsteigerinnen",
        SubmissionStatus::Submitted,
        None,
        None,
    ),
    (
        1,
        10,
        SubmissionKind::Need,
        "qualifizierung",
        "Teilqualifizierungen anerkennen",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        1,
        1,
        SubmissionKind::ActionApproach,
        "qualifizierung",
        "Modulare Nachqualifizierung mit Kammerzertifikat",
        SubmissionStatus::Submitted,
        Some(9),
        None,
    ),
    (
        2,
        10,
        SubmissionKind::Need,
        "qualifizierung",
        "Berufsschulplätze für Jugendliche über 18",
        SubmissionStatus::InReview,
        None,
        None,
    ),
    (
        3,
        3,
        SubmissionKind::Need,
        "beratung",
        "Migrationsberatung im ländlichen Raum",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        3,
        6,
        SubmissionKind::ActionApproach,
        "beratung",
        "Mobile Beratungsteams in den Landkreisen",
        SubmissionStatus::Accepted,
        Some(12),
        None,
    ),
    (
        2,
        7,
        SubmissionKind::Need,
        "beratung",
        "Beratung zu Familiennachzug",
        SubmissionStatus::Withdrawn,
        None,
        None,
    ),
    (
        2,
        13,
        SubmissionKind::Need,
        "beratung",
        "Digitale Beratungsangebote in Herkunftssprachen",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        3,
        8,
        SubmissionKind::Need,
        "wohnen",
        "Dezentrale Unterbringung statt Sammelunterkünften",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        3,
        0,
        SubmissionKind::ActionApproach,
        "wohnen",
        "Kommunale Wohnraumvermittlung für Geflüchtete",
        SubmissionStatus::InReview,
        Some(16),
        None,
    ),
    (
        1,
        14,
        SubmissionKind::Need,
        "wohnen",
        "Begegnungsorte in den Stadtteilen",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        1,
        9,
        SubmissionKind::ActionApproach,
        "wohnen",
        "Stadtteilcafés mit Integrationslotsen",
        SubmissionStatus::Accepted,
        Some(18),
        None,
    ),
    (
        2,
        12,
        SubmissionKind::Statement,
        "wohnen",
        "Stellungnahme der Seniorenvertretung zum Zusammenleben",
        SubmissionStatus::Submitted,
        None,
        None,
    ),
    (
        1,
        11,
        SubmissionKind::Need,
        "kita-schule",
        "Kita-Plätze für Kinder in Integrationskursen",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        1,
        3,
        SubmissionKind::ActionApproach,
        "kita-schule",
        "Kinderbetreuung parallel zu Sprachkursen",
        SubmissionStatus::Accepted,
        Some(21),
        None,
    ),
    (
        2,
        10,
        SubmissionKind::Need,
        "kita-schule",
        "Sprachförderung in der Schuleingangsphase",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        3,
        11,
        SubmissionKind::Need,
        "kita-schule",
        "Elternarbeit mit Dolmetschenden",
        SubmissionStatus::InReview,
        None,
        None,
    ),
    (
        3,
        2,
        SubmissionKind::ActionApproach,
        "kita-schule",
        "Elternlotsinnen aus Migrantenorganisationen",
        SubmissionStatus::Submitted,
        Some(24),
        None,
    ),
    (
        2,
        15,
        SubmissionKind::Need,
        "arbeitsmarkt",
        "Betriebliche Sprachkurse am Arbeitsplatz",
        SubmissionStatus::Rejected,
        None,
        Some("Bereits durch das Programm der Bundesagentur abgedeckt"),
    ),
    (
        3,
        5,
        SubmissionKind::Statement,
        "beratung",
        "Stellungnahme des Netzwerks Integration Dessau-Roßlau",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        1,
        7,
        SubmissionKind::Need,
        "qualifizierung",
        "Anerkennungsberatung für Pflegekräfte",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        2,
        4,
        SubmissionKind::ActionApproach,
        "qualifizierung",
        "Anpassungslehrgänge Pflege an Landesschulen",
        SubmissionStatus::Withdrawn,
        Some(28),
        None,
    ),
    (
        3,
        9,
        SubmissionKind::Need,
        "wohnen",
        "Treffpunkte für Frauen",
        SubmissionStatus::Submitted,
        None,
        None,
    ),
    (
        2,
        6,
        SubmissionKind::Need,
        "beratung",
        "Migrationsberatung auf dem Land",
        SubmissionStatus::Merged,
        Some(12),
        None,
    ),
    (
        1,
        13,
        SubmissionKind::Need,
        "sprache",
        "Alphabetisierungskurse",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
    (
        3,
        12,
        SubmissionKind::Need,
        "kita-schule",
        "Interkulturelle Fortbildung für Lehrkräfte",
        SubmissionStatus::Accepted,
        None,
        None,
    ),
];

/// The submissions of [`MORE`], with their links: what an approach addresses, what a
/// merged submission duplicates. Their numbers follow the `numbered` ones before them.
pub async fn load_submissions(conn: &mut AsyncPgConnection, numbered: usize) -> anyhow::Result<()> {
    let now = Utc::now();
    let id = |index: usize| Uuid::from_u128(0x0190f1a0_0000_7000_8000_000000000400 + index as u128);
    for (index, &(round, organisation, kind, topic, title, status, link, reason)) in
        MORE.iter().enumerate()
    {
        let duplicate_of = (status == SubmissionStatus::Merged)
            .then(|| link.map(id))
            .flatten();
        let addresses = matches!(kind, SubmissionKind::ActionApproach)
            .then(|| link.map(id))
            .flatten();
        let row = SubmissionRow {
            round_id: Some(ROUNDS[round].id),
            organisation_id: Some(ORGANISATIONS[organisation].0),
            kind,
            topic: topic.into(),
            title: title.into(),
            body: format!("Ergebnis der {}: {title}.", ROUNDS[round].title),
            status,
            decision_reason: reason.map(Into::into),
            duplicate_of,
            ..conference_submission(id(index), numbered + index + 1, now)
        };
        submission::seed(conn, &row, addresses.as_slice()).await?;
    }
    Ok(())
}

//! The demo's authorities, from the press releases: the Ministerium für Arbeit, Soziales und
//! Integration Sachsen-Anhalt (the integration concept of 2019), the Sächsisches
//! Staatsministerium für Soziales (the Verbändegespräch Arbeitsmarktintegration in Dresden,
//! 23 September 2015, more than 130 participants; shown some weeks back, so that its
//! participants are within the retention like those of the integration concept, see
//! `timeline`) and the Kreis Mettmann (a network meeting of the Kreisintegrationszentrum on
//! integration into work and training, open now).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::Berlin;
use diesel_async::AsyncPgConnection;
use uuid::{Uuid, uuid};

use super::activity::{FIRST_NAMES, LAST_NAMES, Person, at_ten, email};
use super::calendar;
use super::data::local;
use crate::domain::authority::{self, AuthorityKind, AuthorityRow};
use crate::domain::category::Category;
use crate::domain::consultation::{self, ConsultationRow, ConsultationStatus, Topic};
use crate::domain::registration::{self, RegistrationRow, RegistrationStatus};
use crate::domain::round::{self, RoundKind, RoundRow};

/// An authority of the demo.
pub struct DemoAuthority {
    id: Uuid,
    pub slug: &'static str,
    pub name: &'static str,
    kind: AuthorityKind,
    contact_email: &'static str,
    privacy_contact: &'static str,
}

impl DemoAuthority {
    fn row(&self, now: DateTime<Utc>) -> AuthorityRow {
        AuthorityRow {
            id: self.id,
            slug: self.slug.into(),
            name: self.name.into(),
            kind: self.kind,
            contact_email: Some(self.contact_email.into()),
            privacy_contact: Some(self.privacy_contact.into()),
            imprint_url: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The demo's authorities; the first holds the consultation "Integrationskonzept
/// Sachsen-Anhalt".
pub const AUTHORITIES: &[DemoAuthority] = &[
    DemoAuthority {
        id: uuid!("0190f1a0-0000-7000-8000-00000000a001"),
        slug: "ms-sachsen-anhalt",
        name: "Ministerium für Arbeit, Soziales und Integration Sachsen-Anhalt",
        kind: AuthorityKind::Ministry,
        contact_email: "integrationskonzept@ms.sachsen-anhalt.test",
        privacy_contact: "Behördlicher Datenschutzbeauftragter des Ministeriums für Arbeit, \
Soziales und Integration, Turmschanzenstraße 25, 39114 Magdeburg, datenschutz@ms.sachsen-anhalt.test",
    },
    DemoAuthority {
        id: uuid!("0190f1a0-0000-7000-8000-00000000a002"),
        slug: "sms-sachsen",
        name: "Sächsisches Staatsministerium für Soziales",
        kind: AuthorityKind::Ministry,
        contact_email: "integration@sms.sachsen.test",
        privacy_contact: "Datenschutzbeauftragte des Sächsischen Staatsministeriums für Soziales, \
Dresden, datenschutz@sms.sachsen.test",
    },
    DemoAuthority {
        id: uuid!("0190f1a0-0000-7000-8000-00000000a003"),
        slug: "kreis-mettmann",
        name: "Kreis Mettmann",
        kind: AuthorityKind::District,
        contact_email: "kreisintegrationszentrum@kreis-mettmann.test",
        privacy_contact: "Datenschutzbeauftragte der Kreisverwaltung Mettmann, \
datenschutz@kreis-mettmann.test",
    },
];

/// The name the migration gives the first authority when DEFAULT_AUTHORITY_NAME is not
/// set: an authority of that name is the demo's first one, renamed.
const UNNAMED: &str = "Standardbehörde";

pub const DRESDEN_CONSULTATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-00000000b001");
pub const DRESDEN_CONSULTATION_SLUG: &str = "verbaendegespraech-arbeitsmarktintegration";
const DRESDEN_ROUND_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-00000000b101");
/// "Mehr als 130 Akteure aus Politik, Verwaltung und Zivilgesellschaft".
const DRESDEN_ATTENDED: usize = 131;
pub const METTMANN_CONSULTATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-00000000b002");
pub const METTMANN_CONSULTATION_SLUG: &str = "netzwerktreffen-integration-kreis-mettmann";
const METTMANN_ROUND_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-00000000b201");

/// Who came to Dresden: the kinds of organisations the press release names.
const DRESDEN_ORGANISATIONS: &[(&str, Category)] = &[
    ("Bundesagentur für Arbeit", Category::EmploymentAgency),
    ("IQ Netzwerk Sachsen", Category::IntegrationNetwork),
    ("Flüchtlingsrat Dresden", Category::Association),
    (
        "Sächsischer Ausländerbeauftragter",
        Category::IntegrationCommissioner,
    ),
    ("Landeshauptstadt Dresden", Category::Municipality),
    (
        "Industrie- und Handelskammer Dresden",
        Category::ChamberOrBusinessAssociation,
    ),
    ("Diakonie Sachsen", Category::WelfareAssociation),
];

/// The demo's authorities, the first made of the migration's while that still has the
/// default name; returns the first one's id.
pub async fn load(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let (first, others) = AUTHORITIES
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("the demo has no authorities"))?;
    let first = authority::seed_as_first(conn, &first.row(now), &[UNNAMED]).await?;
    for other in others {
        authority::seed(conn, &other.row(now)).await?;
    }
    Ok(first.id)
}

async fn id_of(conn: &mut AsyncPgConnection, slug: &str) -> anyhow::Result<Uuid> {
    authority::id_of_slug(conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo authority {slug:?} is missing"))
}

fn topics(pairs: &[(&str, &str)]) -> anyhow::Result<serde_json::Value> {
    let topics: Vec<Topic> = pairs
        .iter()
        .map(|&(key, label)| Topic {
            key: key.into(),
            label: label.into(),
        })
        .collect();
    Ok(serde_json::to_value(topics)?)
}

/// A consultation of the demo with its id, slug, title, summary, status, topics and prefix;
/// the rest the caller fills in.
fn consultation_row(
    (id, slug, authority_id): (Uuid, &str, Uuid),
    title: &str,
    summary: &str,
    status: ConsultationStatus,
    topics: serde_json::Value,
    now: DateTime<Utc>,
) -> ConsultationRow {
    ConsultationRow {
        id,
        slug: slug.into(),
        title: title.into(),
        summary: summary.into(),
        status,
        topics,
        starts_on: None,
        ends_on: None,
        version: 1,
        created_at: now,
        updated_at: now,
        number_prefix: "DEMO".into(),
        retention_registrations_days: 90,
        retention_authors_days: 365,
        archived_at: None,
        authority_id,
        translations: Default::default(),
    }
}

/// The day of the Verbändegespräch seen from `today`: a Wednesday (as 23 September 2015)
/// six weeks or more back, a working day in Saxony (Sachsen-Anhalt's holidays, and the
/// Buß- und Bettag, the Wednesday between 16 and 22 November).
fn dresden_day(today: NaiveDate) -> NaiveDate {
    let penance_day = |d: NaiveDate| d.month() == 11 && (16..=22).contains(&d.day());
    (42..100)
        .map(|back| today - Duration::days(back))
        .find(|&d| d.weekday() == Weekday::Wed && calendar::is_working_day(d) && !penance_day(d))
        .unwrap_or(today - Duration::days(42))
}

/// The Verbändegespräch of the Saxon ministry: one round in the Deutsches Hygiene-Museum,
/// closed since.
pub async fn load_dresden(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    let authority_id = id_of(conn, AUTHORITIES[1].slug).await?;
    let day = dresden_day(now.with_timezone(&Berlin).date_naive());
    let row = ConsultationRow {
        starts_on: Some(day),
        ends_on: Some(day + Duration::days(14)),
        number_prefix: "VBG".into(),
        ..consultation_row(
            (
                DRESDEN_CONSULTATION_ID,
                DRESDEN_CONSULTATION_SLUG,
                authority_id,
            ),
            "Verbändegespräch Arbeitsmarktintegration",
            "Wie kann die Integration von Migrantinnen und Migranten in den Arbeitsmarkt \
gelingen? Integrationsministerin Petra Köpping lädt Akteure aus Politik, Verwaltung und \
Zivilgesellschaft ein, Regelungen, Fördermöglichkeiten und gute Beispiele zusammenzutragen \
und das Thema in die Regionen zu tragen.",
            ConsultationStatus::Closed,
            topics(&[
                ("arbeitsmarkt", "Arbeitsmarktintegration"),
                ("foerderung", "Regelungen und Fördermöglichkeiten"),
                ("gute-beispiele", "Gute Beispiele"),
                ("ehrenamt", "Ehrenamtliche Vereine"),
            ])?,
            now,
        )
    };
    consultation::seed(conn, &row).await?;
    let starts_at = local(day, 10);
    let times = (starts_at, local(day, 16));
    let round = RoundRow {
        venue_name: Some("Deutsches Hygiene-Museum".into()),
        venue_city: Some("Dresden".into()),
        region: Some("Dresden".into()),
        registration_opens_at: Some(starts_at - Duration::days(28)),
        registration_closes_at: Some(starts_at - Duration::days(2)),
        ..RoundRow::planned(
            (DRESDEN_ROUND_ID, DRESDEN_CONSULTATION_ID),
            RoundKind::Kickoff,
            "Verbändegespräch Integration",
            times,
            150,
            now,
        )
    };
    round::seed(conn, &round).await?;
    let attendees: Vec<_> = (0..DRESDEN_ATTENDED).map(|n| attendee(n, now)).collect();
    registration::seed(conn, &attendees).await?;
    registration::recount_seats(conn, DRESDEN_CONSULTATION_ID).await?;
    Ok(())
}

/// The `n`th participant of the Verbändegespräch.
fn attendee(n: usize, now: DateTime<Utc>) -> RegistrationRow {
    let organisation = DRESDEN_ORGANISATIONS[n % DRESDEN_ORGANISATIONS.len()];
    let first = FIRST_NAMES[(n * 7) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(n * 5 + 2) % LAST_NAMES.len()];
    let person = Person {
        name: &format!("{first} {last}"),
        email: &email(first, last, &format!("dd{n}")),
        organisation,
    };
    let id = Uuid::from_u128(0x0190f1a0_0000_7000_8000_200000000000 + n as u128);
    person.registration(id, DRESDEN_ROUND_ID, RegistrationStatus::Attended, now)
}

/// The Kreis Mettmann's network meeting: open, its one round five weeks ahead of today on
/// every load.
pub async fn load_mettmann(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    let authority_id = id_of(conn, AUTHORITIES[2].slug).await?;
    let row = ConsultationRow {
        starts_on: Some(now.date_naive()),
        number_prefix: "KME".into(),
        ..consultation_row(
            (
                METTMANN_CONSULTATION_ID,
                METTMANN_CONSULTATION_SLUG,
                authority_id,
            ),
            "Netzwerktreffen Integration in Arbeit und Ausbildung",
            "Das Kreisintegrationszentrum vernetzt die zehn kreisangehörigen Städte, die \
Wohlfahrtsverbände, Kreishandwerkerschaft und IHK, Jobcenter, Agentur für Arbeit und die Ämter \
des Kreises. An drei Thementischen werden Beispiele gesammelt, wie Geflüchtete in Arbeit und \
Ausbildung kommen, und was noch im Weg steht.",
            ConsultationStatus::Open,
            topics(&[
                ("it-werbung", "Thementisch IT und Werbung"),
                ("pflege-hotel", "Thementisch Pflege und Hotelgewerbe"),
                ("kfz-spedition", "Thementisch Kfz und Spedition"),
                (
                    "huerden",
                    "Sprachkenntnisse, Aufenthaltsstatus, Identitätsnachweise",
                ),
            ])?,
            now,
        )
    };
    consultation::seed(conn, &row).await?;
    let starts_at = at_ten(now + Duration::days(35));
    let times = (starts_at, starts_at + Duration::hours(4));
    let round = RoundRow {
        venue_name: Some("Kreishaus Mettmann".into()),
        venue_city: Some("Mettmann".into()),
        region: Some("Düsseldorf – Kreis Mettmann".into()),
        registration_opens_at: Some(now - Duration::days(3)),
        registration_closes_at: Some(starts_at - Duration::days(3)),
        submissions_open_at: Some(now - Duration::days(3)),
        submissions_close_at: Some(starts_at + Duration::days(21)),
        ..RoundRow::planned(
            (METTMANN_ROUND_ID, METTMANN_CONSULTATION_ID),
            RoundKind::Workshop,
            "Netzwerktreffen mit drei Thementischen",
            times,
            80,
            now,
        )
    };
    round::seed_rescheduled(conn, &round).await?;
    Ok(())
}

//! The example consultation's data, from the press releases: its rounds, the organisations
//! taking part and what they handed in.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use uuid::{Uuid, uuid};

use crate::domain::category::Category;
use crate::domain::consultation::Topic;
use crate::domain::round::{RoundKind, RoundRow};
use crate::domain::submission::{
    SubmissionKind, SubmissionRow, SubmissionSource, SubmissionStatus,
};

pub(super) use super::contributions::CONTRIBUTIONS;

pub const CONSULTATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000001");
pub const CONSULTATION_SLUG: &str = "integrationskonzept-sachsen-anhalt";

pub(super) fn topics() -> Vec<Topic> {
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

pub(super) struct DemoRound {
    pub(super) id: Uuid,
    pub(super) kind: RoundKind,
    pub(super) title: &'static str,
    pub(super) venue: &'static str,
    pub(super) postal_code: &'static str,
    pub(super) city: &'static str,
    pub(super) region: &'static str,
    /// Days after the Auftaktkonferenz, as in 2019.
    pub(super) days_after_kickoff: i64,
    /// From and to, full hours in Magdeburg's time.
    pub(super) hours: (u32, u32),
    pub(super) capacity: i32,
}

impl DemoRound {
    /// When the round begins, in the series that begins on `kickoff`.
    pub(super) fn starts_at(&self, kickoff: NaiveDate) -> DateTime<Utc> {
        local(
            kickoff + Duration::days(self.days_after_kickoff),
            self.hours.0,
        )
    }

    /// The round as it took place in the series that begins on `kickoff`: its windows around
    /// its day.
    pub(super) fn row(&self, kickoff: NaiveDate, now: DateTime<Utc>) -> RoundRow {
        let starts_at = self.starts_at(kickoff);
        let day = kickoff + Duration::days(self.days_after_kickoff);
        let times = (starts_at, local(day, self.hours.1));
        RoundRow {
            venue_name: Some(self.venue.into()),
            venue_postal_code: Some(self.postal_code.into()),
            venue_city: Some(self.city.into()),
            region: Some(self.region.into()),
            registration_opens_at: Some(starts_at - Duration::days(42)),
            registration_closes_at: Some(starts_at - Duration::days(2)),
            submissions_open_at: Some(starts_at - Duration::days(14)),
            submissions_close_at: Some(starts_at + Duration::days(28)),
            ..RoundRow::planned(
                (self.id, CONSULTATION_ID),
                self.kind,
                self.title,
                times,
                self.capacity,
                now,
            )
        }
    }
}

/// `hour` o'clock on `day` in Sachsen-Anhalt.
pub(super) fn local(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0)
        .and_then(|time| Berlin.from_local_datetime(&time).earliest())
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The Auftaktkonferenz in Magdeburg and the Regionalkonferenzen in Dessau, Stendal and
/// Halle, spaced as in 2019 (12 September; 9 October, 23 October, 6 November).
pub(super) const ROUNDS: &[DemoRound] = &[
    DemoRound {
        id: uuid!("0190f1a0-0000-7000-8000-000000000101"),
        kind: RoundKind::Kickoff,
        title: "Auftaktkonferenz Integrationskonzept",
        venue: "Ministerium für Arbeit, Soziales und Integration",
        postal_code: "39104",
        city: "Magdeburg",
        region: "Magdeburg",
        days_after_kickoff: 0,
        hours: (10, 16),
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
        days_after_kickoff: 27,
        hours: (10, 15),
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
        days_after_kickoff: 41,
        hours: (10, 15),
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
        days_after_kickoff: 55,
        hours: (10, 15),
        capacity: 80,
    },
];

/// The partner organisation of the demo's partner API client (Caritas).
pub const PARTNER_ORGANISATION_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000204");

pub(super) const ORGANISATIONS: &[(Uuid, &str, Category, &str)] = &[
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

/// A submission handed in at a conference as the `number`th of the consultation: a need with
/// neither round, organisation, text nor decision yet, for the caller to fill in.
pub(super) fn conference_submission(id: Uuid, number: usize, now: DateTime<Utc>) -> SubmissionRow {
    SubmissionRow {
        id,
        consultation_id: CONSULTATION_ID,
        round_id: None,
        organisation_id: None,
        author_name: None,
        author_email: None,
        kind: SubmissionKind::Need,
        topic: String::new(),
        title: String::new(),
        body: String::new(),
        status: SubmissionStatus::Submitted,
        decision_reason: None,
        duplicate_of: None,
        external_ref: None,
        source: SubmissionSource::Conference,
        version: 1,
        created_at: now,
        updated_at: now,
        number: format!("ITK-{number:04}"),
        response_consideration: None,
        response_text: None,
        response_published_at: None,
    }
}

//! The demo's activity: who registered for the conferences (the Auftaktkonferenz counted
//! about 130 participants from many kinds of organisations, most of each Regionalkonferenz
//! came from its region), the needs and action approaches the Regionalkonferenzen produced
//! in every review status with the ministry's responses, and a workshop that is open for
//! registration and submissions now, so that a partner's integration test can register and
//! submit against a fresh container.

use crate::domain::language::Language;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Berlin;
use diesel_async::AsyncPgConnection;
use uuid::{Uuid, uuid};

use super::calendar;
use super::data::{
    CONSULTATION_ID, CONTRIBUTIONS, ORGANISATIONS, ROUNDS, conference_submission, local,
};
use crate::domain::category::Category;
use crate::domain::registration::{self, RegistrationRow, RegistrationStatus, hash_token};
use crate::domain::round::{self, RoundKind, RoundRow};
use crate::domain::submission::{self, SubmissionKind, SubmissionRow, SubmissionStatus};

/// The workshop that is open now.
pub const OPEN_ROUND_ID: Uuid = uuid!("0190f1a0-0000-7000-8000-000000000105");
/// Where the workshop takes place.
const OPEN_ROUND_REGION: &str = "Magdeburg";
/// The workshop is on the first working day at least this many days ahead: registration
/// (open since a week ago, closing two days before) stays open for weeks.
const OPEN_ROUND_DAYS_AHEAD: i64 = 21;

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

/// 10 o'clock on the first working day in Sachsen-Anhalt on or after `day`.
pub(super) fn at_ten(day: DateTime<Utc>) -> DateTime<Utc> {
    local(
        calendar::working_day_from(day.with_timezone(&Berlin).date_naive()),
        10,
    )
}

/// The day of the open workshop, seen from `today`.
pub(super) fn open_round_day(today: NaiveDate) -> NaiveDate {
    calendar::working_day_from(today + Duration::days(OPEN_ROUND_DAYS_AHEAD))
}

/// The open workshop, its day and windows set relative to today on every load.
pub async fn load_open_round(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    let starts_at = local(open_round_day(now.with_timezone(&Berlin).date_naive()), 10);
    let times = (starts_at, starts_at + Duration::hours(6));
    let title = "Werkstatt zur Fortschreibung des Integrationskonzepts";
    let row = RoundRow {
        venue_name: Some("Ministerium für Arbeit, Soziales, Gesundheit und Gleichstellung".into()),
        venue_street: Some("Turmschanzenstraße 25".into()),
        venue_postal_code: Some("39114".into()),
        venue_city: Some("Magdeburg".into()),
        region: Some(OPEN_ROUND_REGION.into()),
        registration_opens_at: Some(now - Duration::days(7)),
        registration_closes_at: Some(starts_at - Duration::days(2)),
        submissions_open_at: Some(now - Duration::days(7)),
        submissions_close_at: Some(starts_at + Duration::days(28)),
        ..RoundRow::planned(
            (OPEN_ROUND_ID, CONSULTATION_ID),
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
        .map(|(n, (round_id, organisation, status))| {
            registration_row(n, round_id, organisation, status, now)
        })
        .collect();
    registration::seed(conn, &rows).await?;
    registration::recount_seats(conn, CONSULTATION_ID).await?;
    Ok(())
}

/// How many of an organisation come to a round in `round_region`: most from the round's own
/// region, fewer from the Land-wide ones, a few from elsewhere; to Magdeburg, the capital,
/// people travel from the whole Land.
fn weight(round_region: &str, organisation_region: &str) -> usize {
    match organisation_region {
        same if same == round_region => 4,
        "Sachsen-Anhalt" => 2,
        _ if round_region == "Magdeburg" => 2,
        _ => 1,
    }
}

/// The organisation of the `i`th registration of a round in `region`: organisations come
/// in turn, each as often as its [`weight`].
fn organisation_of(region: &str, i: usize) -> usize {
    let turns: Vec<usize> = ORGANISATIONS
        .iter()
        .enumerate()
        .flat_map(|(index, &(_, _, _, own))| std::iter::repeat_n(index, weight(region, own)))
        .collect();
    turns[(i * 7) % turns.len()]
}

/// Who registered for which round, in the order of the registrations' ids: (round,
/// organisation, status).
fn plan() -> Vec<(Uuid, usize, RegistrationStatus)> {
    let mut plan = Vec::new();
    for &(round, attended, cancelled, confirmed) in TURNOUT {
        let (id, region) = (ROUNDS[round].id, ROUNDS[round].region);
        let statuses = std::iter::repeat_n(RegistrationStatus::Attended, attended)
            .chain(std::iter::repeat_n(
                RegistrationStatus::Cancelled,
                cancelled,
            ))
            .chain(std::iter::repeat_n(
                RegistrationStatus::Confirmed,
                confirmed,
            ));
        plan.extend(
            statuses
                .enumerate()
                .map(|(i, status)| (id, organisation_of(region, i), status)),
        );
    }
    plan.extend((0..OPEN_ROUND_CONFIRMED).map(|i| {
        let organisation = organisation_of(OPEN_ROUND_REGION, i);
        (OPEN_ROUND_ID, organisation, RegistrationStatus::Confirmed)
    }));
    plan
}

/// The `n`th registration: a person of one of the organisations, named from the lists above.
fn registration_row(
    n: usize,
    round_id: Uuid,
    organisation: usize,
    status: RegistrationStatus,
    now: DateTime<Utc>,
) -> RegistrationRow {
    let (_, organisation, category, _) = ORGANISATIONS[organisation];
    let first = FIRST_NAMES[(n * 5) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(n * 3 + n / 17) % LAST_NAMES.len()];
    let id = Uuid::from_u128(0x0190f1a0_0000_7000_8000_100000000000 + n as u128);
    let person = Person {
        name: &format!("{first} {last}"),
        email: &email(first, last, &n.to_string()),
        organisation: (organisation, category),
    };
    person.registration(id, round_id, status, now)
}

/// `first.last.tag@example.org`, in letters an address takes.
pub(super) fn email(first: &str, last: &str, tag: &str) -> String {
    format!(
        "{}.{}.{tag}@example.org",
        first.to_lowercase(),
        last.to_lowercase().replace('ü', "ue")
    )
}

/// Someone who registers, for an organisation.
pub(super) struct Person<'a> {
    pub(super) name: &'a str,
    pub(super) email: &'a str,
    pub(super) organisation: (&'a str, Category),
}

impl Person<'_> {
    /// The person's registration `id` for a round, in `status`, with a cancel token nobody
    /// knows (seeded registrations are cancelled by staff) and no confirmation pending.
    pub(super) fn registration(
        &self,
        id: Uuid,
        round_id: Uuid,
        status: RegistrationStatus,
        now: DateTime<Utc>,
    ) -> RegistrationRow {
        RegistrationRow {
            id,
            round_id,
            name: self.name.into(),
            email: self.email.into(),
            organisation_id: None,
            organisation_name: Some(self.organisation.0.into()),
            category: Some(self.organisation.1),
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
}

/// The id of the `index`th of [`CONTRIBUTIONS`]: the first six as the demo gave them from
/// the start, the others after them.
fn contribution_id(index: usize) -> Uuid {
    let base = 0x0190f1a0_0000_7000_8000_000000000000_u128;
    match index {
        0..6 => Uuid::from_u128(base + 0x301 + index as u128),
        _ => Uuid::from_u128(base + 0x400 + (index - 6) as u128),
    }
}

/// The submissions of [`CONTRIBUTIONS`], numbered from 1 in their order, with their links
/// (what an approach addresses, what a merged submission duplicates). Each was recorded
/// on the day of its conference or in the two days after; the responses to those of Dessau
/// and Stendal were published a week after the last conference, those to Halle's are drafts.
pub async fn load_submissions(
    conn: &mut AsyncPgConnection,
    kickoff: NaiveDate,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let last_round = ROUNDS.iter().map(|r| r.starts_at(kickoff)).max();
    let published = last_round
        .map(|at| at + Duration::days(7))
        .filter(|&at| at < now);
    for (index, c) in CONTRIBUTIONS.iter().enumerate() {
        let round = &ROUNDS[c.round];
        let link = c.link.map(contribution_id);
        let recorded = round.starts_at(kickoff)
            + Duration::days((index % 3) as i64)
            + Duration::minutes(((index * 47) % 420) as i64);
        let row = SubmissionRow {
            round_id: Some(round.id),
            organisation_id: Some(ORGANISATIONS[c.organisation].0),
            kind: c.kind,
            topic: c.topic.into(),
            title: c.title.into(),
            body: c.body.into(),
            status: c.status,
            decision_reason: c.reason.map(Into::into),
            duplicate_of: link.filter(|_| c.status == SubmissionStatus::Merged),
            response_consideration: c.response.map(|(consideration, _)| consideration),
            response_text: c.response.map(|(_, text)| text.into()),
            response_published_at: c
                .response
                .and(published)
                .filter(|_| round.id != ROUNDS[3].id),
            ..conference_submission(contribution_id(index), index + 1, recorded.min(now))
        };
        let addresses = link.filter(|_| c.kind == SubmissionKind::ActionApproach);
        submission::seed(conn, &row, addresses.as_slice()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workshop_is_three_weeks_ahead_on_a_working_day() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        // Three weeks after 4 December is Christmas, a Friday: the Monday after.
        assert_eq!(open_round_day(day(12, 4)), day(12, 28));
        assert_eq!(open_round_day(day(12, 7)), day(12, 28));
        // Pfingstmontag 2026 is 25 May.
        assert_eq!(open_round_day(day(5, 4)), day(5, 26));
        assert_eq!(open_round_day(day(3, 2)), day(3, 23));
    }

    #[test]
    fn a_conference_draws_most_from_its_own_region() {
        let plan = plan();
        let from = |round: usize, region: &str| {
            plan.iter()
                .filter(|(id, organisation, _)| {
                    *id == ROUNDS[round].id && ORGANISATIONS[*organisation].3 == region
                })
                .count()
        };
        assert!(from(2, "Altmark") > 2 * from(2, "Halle"));
        assert!(from(3, "Halle") > 2 * from(3, "Altmark"));
    }
}

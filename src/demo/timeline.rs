//! When the example consultation takes place.
//!
//! The participation process for the integration concept of Sachsen-Anhalt ran in 2019: the
//! Auftaktkonferenz in Magdeburg on 12 September, the Regionalkonferenzen in Dessau (9
//! October), Stendal (23 October) and Halle (6 November). Loaded with those dates, the
//! demo's registrations were years past the consultation's retention (90 days after a
//! round), and the retention job anonymised all of them at the first start: a ministry
//! trying the product saw only "(gelöscht)". Stretching the retention to years would show
//! the opposite of what a ministry must do (DSGVO Art. 5(1)(e)). So the demo shows the
//! process as if it were running now: the same series with its real spacing and weekdays
//! (a Thursday, then Wednesdays four, six and eight weeks on; none on a holiday of
//! Sachsen-Anhalt), the last Regionalkonferenz
//! some days behind, the Abwägung under way, and the Werkstatt ahead; retention stays at 90
//! days and would anonymise the Auftaktkonferenz's registrants some weeks after the first
//! start, as it should.
//!
//! The dates are chosen at the first load and kept: a restart reads the Auftaktkonferenz
//! back, so everything added later (submissions, responses) fits the rounds that are there.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::Berlin;
use diesel_async::AsyncPgConnection;

use super::calendar;
use super::data::ROUNDS;
use crate::domain::round;

/// At least this many days lie between the last Regionalkonferenz and the first load: the
/// conference is over and its results are recorded.
const LAST_CONFERENCE_DAYS_AGO: i64 = 10;

/// The day of the Auftaktkonferenz: the stored one, or for a new database
/// [`first_kickoff`].
pub(super) async fn kickoff(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<NaiveDate> {
    match round::find_visible(conn, ROUNDS[0].id, true).await {
        Ok(stored) => Ok(stored.starts_at.with_timezone(&Berlin).date_naive()),
        Err(e) if e.is_not_found() => Ok(first_kickoff(now.with_timezone(&Berlin).date_naive())),
        Err(e) => Err(e.into()),
    }
}

/// The day of the Auftaktkonferenz for a first load on `today`: the series of conferences
/// lies at least [`LAST_CONFERENCE_DAYS_AGO`] days back, each on a working day; on a
/// Thursday as in 2019 where one of the last two weeks allows it (around Christmas and New
/// Year none may), else on the latest day that does.
pub(super) fn first_kickoff(today: NaiveDate) -> NaiveDate {
    let offsets: Vec<i64> = ROUNDS.iter().map(|r| r.days_after_kickoff).collect();
    let last = offsets.iter().copied().max().unwrap_or_default();
    let latest = today - Duration::days(last + LAST_CONFERENCE_DAYS_AGO);
    let back = |days: i64| (0..days).map(move |n| latest - Duration::days(n));
    let fits = |day: &NaiveDate| calendar::series_fits(*day, &offsets);
    back(14)
        .find(|day| day.weekday() == Weekday::Thu && fits(day))
        .or_else(|| back(28).find(fits))
        .unwrap_or(latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_lies_in_the_recent_past_on_working_days() {
        let mut today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut thursdays = 0;
        while today.year() < 2028 {
            let kickoff = first_kickoff(today);
            thursdays += usize::from(kickoff.weekday() == Weekday::Thu);
            for round in ROUNDS {
                let day = kickoff + Duration::days(round.days_after_kickoff);
                assert!(calendar::is_working_day(day), "{today}: {day}");
                assert!(today - day >= Duration::days(LAST_CONFERENCE_DAYS_AGO));
            }
            // Within the retention of 90 days, with weeks to spare.
            assert!(today - kickoff < Duration::days(80), "{today}: {kickoff}");
            today += Duration::days(1);
        }
        assert!(thursdays > 700, "{thursdays} of 730 days");
    }
}

//! Working days in Sachsen-Anhalt, where the demo's ministry sits: no conference of it falls
//! on a weekend or a public holiday of the Land (Feiertagsgesetz Sachsen-Anhalt).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Easter Sunday of `year` (Gregorian computus, by the `computus` crate).
fn easter(year: i32) -> Option<NaiveDate> {
    computus::gregorian_naive(year).ok()
}

/// Whether `day` is a public holiday in Sachsen-Anhalt: Neujahr, Heilige Drei Könige,
/// Karfreitag, Ostermontag, 1. Mai, Christi Himmelfahrt, Pfingstmontag, Tag der Deutschen
/// Einheit, Reformationstag and the two days of Christmas.
pub(super) fn is_holiday(day: NaiveDate) -> bool {
    let fixed = matches!(
        (day.month(), day.day()),
        (1, 1) | (1, 6) | (5, 1) | (10, 3) | (10, 31) | (12, 25) | (12, 26)
    );
    let after_easter = easter(day.year()).map(|easter| (day - easter).num_days());
    // Karfreitag, Ostermontag, Christi Himmelfahrt, Pfingstmontag.
    fixed || matches!(after_easter, Some(-2 | 1 | 39 | 50))
}

/// Whether `day` is a working day in Sachsen-Anhalt: Monday to Friday, no public holiday.
pub(super) fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(day)
}

/// The first working day on or after `day`.
pub(super) fn working_day_from(day: NaiveDate) -> NaiveDate {
    day.iter_days().find(|&d| is_working_day(d)).unwrap_or(day)
}

/// Whether a series of days, `first` and the `later` ones (offsets in days), are all
/// working days.
pub(super) fn series_fits(first: NaiveDate, later: &[i64]) -> bool {
    is_working_day(first)
        && later
            .iter()
            .all(|&offset| is_working_day(first + Duration::days(offset)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_is_computed() {
        assert_eq!(easter(2019), Some(date(2019, 4, 21)));
        assert_eq!(easter(2026), Some(date(2026, 4, 5)));
        assert_eq!(easter(2027), Some(date(2027, 3, 28)));
    }

    #[test]
    fn the_holidays_of_sachsen_anhalt() {
        for holiday in [
            date(2027, 1, 1),
            date(2027, 1, 6),
            date(2027, 3, 26), // Karfreitag
            date(2027, 3, 29), // Ostermontag
            date(2027, 5, 1),
            date(2027, 5, 6),  // Christi Himmelfahrt
            date(2027, 5, 17), // Pfingstmontag
            date(2027, 10, 3),
            date(2027, 10, 31),
            date(2026, 12, 25),
            date(2026, 12, 26),
        ] {
            assert!(is_holiday(holiday), "{holiday}");
            assert!(!is_working_day(holiday), "{holiday}");
        }
        // Fronleichnam and Buß- und Bettag are holidays elsewhere, not here.
        assert!(!is_holiday(date(2027, 5, 27)));
        assert!(!is_holiday(date(2027, 11, 17)));
        assert!(is_working_day(date(2026, 12, 4)));
    }

    #[test]
    fn the_next_working_day_skips_weekends_and_holidays() {
        // Christmas Friday, then the weekend and the second day of Christmas.
        assert_eq!(working_day_from(date(2026, 12, 25)), date(2026, 12, 28));
        // Pfingstmontag.
        assert_eq!(working_day_from(date(2027, 5, 15)), date(2027, 5, 18));
        // Karfreitag to Ostermontag.
        assert_eq!(working_day_from(date(2027, 3, 26)), date(2027, 3, 30));
        assert_eq!(working_day_from(date(2026, 12, 4)), date(2026, 12, 4));
    }

    #[test]
    fn a_series_fits_when_every_day_is_a_working_day() {
        // Thursday 12 September 2019 with the Regionalkonferenzen 27, 41 and 55 days later.
        assert!(series_fits(date(2019, 9, 12), &[27, 41, 55]));
        // Tuesday 5 September 2023: four weeks later is 3 October.
        assert!(!series_fits(date(2023, 9, 5), &[28]));
        assert!(series_fits(date(2023, 8, 29), &[28]));
        assert!(!series_fits(date(2023, 9, 9), &[]));
    }
}

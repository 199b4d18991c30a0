//! Days since 1970-01-01 ⇄ `YYYY-MM-DD` (proleptic Gregorian, via chrono).

use chrono::{Datelike, Months, NaiveDate};

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub(crate) fn parse_day(text: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some((date - epoch()).num_days())
}

fn date(day: i64) -> Option<NaiveDate> {
    epoch().checked_add_signed(chrono::TimeDelta::try_days(day)?)
}

/// `YYYY-MM-DD` of a day number (out-of-range days are clamped to chrono's range).
pub(crate) fn day_string(day: i64) -> String {
    date(day.clamp(-700_000, 2_900_000))
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// `(year, month, day)` of a day number.
pub(crate) fn parts(day: i64) -> (i64, i64, i64) {
    let d = date(day.clamp(-700_000, 2_900_000)).unwrap_or_default();
    (
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    )
}

/// The day `years` whole years before `day` (29 February becomes 28 February).
pub(crate) fn years_before(day: i64, years: i64) -> Option<i64> {
    let months = u32::try_from(years.checked_mul(12)?).ok()?;
    let d = date(day)?.checked_sub_months(Months::new(months))?;
    Some((d - epoch()).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_years() {
        for text in ["1970-01-01", "2024-02-29", "2025-12-31", "1901-03-04"] {
            let day = parse_day(text).expect("a date");
            assert_eq!(day_string(day), text);
        }
        assert_eq!(parse_day("2025-01-01"), Some(20_089));
        assert_eq!(parse_day("2025-13-01"), None);
        assert_eq!(parts(20_089), (2025, 1, 1));
        let leap = parse_day("2024-02-29").unwrap_or_default();
        assert_eq!(
            years_before(leap, 1).map(day_string).as_deref(),
            Some("2023-02-28")
        );
        assert_eq!(
            years_before(20_089, 30).map(day_string).as_deref(),
            Some("1995-01-01")
        );
    }
}

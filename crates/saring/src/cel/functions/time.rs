//! Timestamps and durations: range rules, parsing (RFC 3339, Go-style duration strings),
//! printing, and the accessor methods (`getFullYear`, `getHours`, ...), with an optional
//! time zone (an IANA name such as `Asia/Jakarta`, or a fixed offset such as `+07:00`).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeDelta, Timelike, Utc};

use super::{resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// Seconds of `0001-01-01T00:00:00Z`, the earliest valid CEL timestamp.
pub const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
/// Seconds of `9999-12-31T23:59:59Z`, the last whole second of the latest valid timestamp.
pub const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// The error of a timestamp or duration outside its valid range.
pub fn range_error(what: &str) -> EvalError {
    EvalError::overflow(format!("{what} out of range"))
}

/// Accepts a timestamp within `0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59.999999999Z`.
pub fn check_timestamp_range(t: DateTime<Utc>) -> Result<DateTime<Utc>, EvalError> {
    let s = t.timestamp();
    if (MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&s) {
        Ok(t)
    } else {
        Err(range_error("timestamp"))
    }
}

/// Accepts a duration that fits in 64-bit nanoseconds (about ±292 years), the range the
/// reference implementation (cel-go) and the conformance suite use: a timestamp difference
/// of 9998 years is a range error.
pub fn check_duration_range(d: TimeDelta) -> Result<TimeDelta, EvalError> {
    match d.num_nanoseconds() {
        Some(_) => Ok(d),
        None => Err(range_error("duration")),
    }
}

/// A timestamp from seconds since the Unix epoch (range-checked).
pub fn timestamp_from_seconds(secs: i64) -> Result<DateTime<Utc>, EvalError> {
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&secs) {
        return Err(range_error("timestamp"));
    }
    DateTime::from_timestamp(secs, 0).ok_or_else(|| range_error("timestamp"))
}

/// Parses an RFC 3339 timestamp (`2009-02-13T23:31:30Z`, `2023-02-03T23:31:20+07:00`,
/// fractional seconds up to nanoseconds), range-checked.
pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, EvalError> {
    let t = DateTime::parse_from_rfc3339(s)
        .map_err(|e| EvalError::invalid(format!("invalid timestamp `{s}`: {e}")))?;
    check_timestamp_range(t.with_timezone(&Utc))
}

/// Prints a timestamp as RFC 3339 in UTC with `Z` and only the fractional digits needed
/// (`2009-02-13T23:31:30Z`, `2009-02-13T23:31:30.5Z`).
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    // `%Y-%m-%dT%H:%M:%S` written out (a leap second is `:60`, as chrono's `%S` has it).
    let second = t.second() + t.nanosecond() / 1_000_000_000;
    let mut out = format!(
        "{}T{:02}:{:02}:{second:02}",
        t.date_naive(),
        t.hour(),
        t.minute()
    );
    let nanos = t.timestamp_subsec_nanos().min(999_999_999);
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Prints a duration as seconds with only the fractional digits needed (`1000000s`, `1.5s`,
/// `-0.000000001s`).
pub fn format_duration(d: &TimeDelta) -> String {
    let total = i128::from(d.num_seconds()) * NANOS_PER_SECOND + i128::from(d.subsec_nanos());
    let sign = if total < 0 { "-" } else { "" };
    let abs = total.abs();
    let secs = abs / NANOS_PER_SECOND;
    let frac = abs % NANOS_PER_SECOND;
    if frac == 0 {
        format!("{sign}{secs}s")
    } else {
        let f = format!("{frac:09}");
        format!("{sign}{secs}.{}s", f.trim_end_matches('0'))
    }
}

/// Parses a Go-style duration string: an optional sign, then one or more decimal numbers
/// each with a unit (`h`, `m`, `s`, `ms`, `us`/`µs`, `ns`), e.g. `1h30m`, `-1.5s`, `100ms`;
/// `0` alone is allowed. The result must fit the duration range.
pub fn parse_duration(input: &str) -> Result<TimeDelta, EvalError> {
    let bad = || EvalError::invalid(format!("invalid duration `{input}`"));
    let (neg, mut s) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if s == "0" {
        return Ok(TimeDelta::zero());
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: i128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &rest[..n];
            s = &rest[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        let unit: i128 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SECOND,
            "m" => 60 * NANOS_PER_SECOND,
            "h" => 3_600 * NANOS_PER_SECOND,
            _ => return Err(bad()),
        };
        s = &s[unit_len..];
        // More than 30 integer digits overflows any duration anyway.
        if int_part.len() > 30 {
            return Err(range_error("duration"));
        }
        let whole: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| bad())?
        };
        let mut value = whole
            .checked_mul(unit)
            .ok_or_else(|| range_error("duration"))?;
        // Fractional digits beyond nanosecond precision of the hour unit cannot matter.
        let frac_digits = &frac_part[..frac_part.len().min(20)];
        if !frac_digits.is_empty() {
            let f: i128 = frac_digits.parse().map_err(|_| bad())?;
            let scale = 10i128.pow(frac_digits.len() as u32);
            value += f * unit / scale;
        }
        total = total
            .checked_add(value)
            .ok_or_else(|| range_error("duration"))?;
        if total > i128::from(i64::MAX) {
            return Err(range_error("duration"));
        }
    }
    if neg {
        total = -total;
    }
    let nanos = i64::try_from(total).map_err(|_| range_error("duration"))?;
    Ok(TimeDelta::nanoseconds(nanos))
}

/// The local date and time of `t` in the time zone `tz`: an IANA name (`Australia/Sydney`,
/// `UTC`) or a fixed offset (`+11:00`, `-02:30`, `02:00`).
pub fn local_time(t: &DateTime<Utc>, tz: &str) -> Result<NaiveDateTime, EvalError> {
    if let Some(offset) = parse_offset(tz) {
        return Ok(t.with_timezone(&offset).naive_local());
    }
    // `UTC` without the database: the same local time as chrono-tz's zero-offset `UTC`.
    if tz == "UTC" {
        return Ok(t.naive_utc());
    }
    zone_time(t, tz)
}

/// The local time in an IANA zone, from the database (feature `tz`).
#[cfg(feature = "tz")]
fn zone_time(t: &DateTime<Utc>, tz: &str) -> Result<NaiveDateTime, EvalError> {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => Ok(t.with_timezone(&zone).naive_local()),
        Err(_) => Err(EvalError::invalid(format!("unknown time zone `{tz}`"))),
    }
}

/// Without the database no IANA zone is known; a pack that could reach this is refused at
/// load (`build.unavailable`, see [`crate::capability`]).
#[cfg(not(feature = "tz"))]
fn zone_time(_: &DateTime<Utc>, tz: &str) -> Result<NaiveDateTime, EvalError> {
    Err(EvalError::invalid(format!(
        "unknown time zone `{tz}`: this build of saring has no time-zone database (feature `tz`)"
    )))
}

/// A fixed offset: `+11:00`, `-02:30`, `02:00`.
pub(crate) fn parse_offset(tz: &str) -> Option<FixedOffset> {
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        b'0'..=b'9' => (1, tz),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The local time for a timestamp accessor: `[ts]` is UTC, `[ts, tz]` is in zone `tz`.
fn accessor_time(name: &str, args: &[&Value]) -> Result<NaiveDateTime, EvalError> {
    match args {
        [Value::Timestamp(t)] => Ok(t.naive_utc()),
        [Value::Timestamp(t), Value::String(tz)] => local_time(t, tz),
        _ => Err(EvalError::no_overload(name, args)),
    }
}

macro_rules! ts_accessor {
    ($(#[$doc:meta])* $check:ident, $eval:ident, $name:literal, |$t:ident| $body:expr) => {
        $(#[$doc])*
        pub fn $eval(args: &[&Value]) -> EvalResult {
            let $t = accessor_time($name, args)?;
            Ok(Value::Int(i64::from($body)))
        }

        #[doc = concat!("Checker for `", $name, "`: `timestamp.", $name, "([string]) -> int`.")]
        pub fn $check(args: &[Type]) -> Result<Type, String> {
            resolve($name, args, &[(&[P::Ts], P::Int), (&[P::Ts, P::Str], P::Int)])
        }
    };
}

ts_accessor!(
    /// `t.getFullYear([tz])`: the year.
    check_get_full_year, get_full_year, "getFullYear", |t| t.year()
);
ts_accessor!(
    /// `t.getMonth([tz])`: the month, 0-based (January is 0).
    check_get_month, get_month, "getMonth", |t| t.month0()
);
ts_accessor!(
    /// `t.getDate([tz])`: the day of the month, 1-based.
    check_get_date, get_date, "getDate", |t| t.day()
);
ts_accessor!(
    /// `t.getDayOfMonth([tz])`: the day of the month, 0-based.
    check_get_day_of_month, get_day_of_month, "getDayOfMonth", |t| t.day0()
);
ts_accessor!(
    /// `t.getDayOfWeek([tz])`: the day of the week, Sunday is 0.
    check_get_day_of_week, get_day_of_week, "getDayOfWeek", |t| t.weekday().num_days_from_sunday()
);
ts_accessor!(
    /// `t.getDayOfYear([tz])`: the day of the year, 0-based.
    check_get_day_of_year, get_day_of_year, "getDayOfYear", |t| t.ordinal0()
);

macro_rules! ts_or_dur_accessor {
    ($(#[$doc:meta])* $check:ident, $eval:ident, $name:literal, |$t:ident| $ts:expr, |$d:ident| $dur:expr) => {
        $(#[$doc])*
        pub fn $eval(args: &[&Value]) -> EvalResult {
            if let [Value::Duration($d)] = args {
                return Ok(Value::Int($dur));
            }
            let $t = accessor_time($name, args)?;
            Ok(Value::Int(i64::from($ts)))
        }

        #[doc = concat!("Checker for `", $name, "`: `timestamp.", $name, "([string]) -> int` and `duration.", $name, "() -> int`.")]
        pub fn $check(args: &[Type]) -> Result<Type, String> {
            resolve(
                $name,
                args,
                &[(&[P::Ts], P::Int), (&[P::Ts, P::Str], P::Int), (&[P::Dur], P::Int)],
            )
        }
    };
}

ts_or_dur_accessor!(
    /// `t.getHours([tz])`: the hour of the day; `d.getHours()`: whole hours of the duration.
    check_get_hours, get_hours, "getHours", |t| t.hour(), |d| d.num_hours()
);
ts_or_dur_accessor!(
    /// `t.getMinutes([tz])`: the minute of the hour; `d.getMinutes()`: whole minutes.
    check_get_minutes, get_minutes, "getMinutes", |t| t.minute(), |d| d.num_minutes()
);
ts_or_dur_accessor!(
    /// `t.getSeconds([tz])`: the second of the minute; `d.getSeconds()`: whole seconds.
    check_get_seconds, get_seconds, "getSeconds", |t| t.second(), |d| d.num_seconds()
);
ts_or_dur_accessor!(
    /// `t.getMilliseconds([tz])`: the millisecond of the second; `d.getMilliseconds()`: the
    /// millisecond part of the duration (`123.321456789s` gives 321).
    check_get_milliseconds, get_milliseconds, "getMilliseconds",
    |t| t.nanosecond().min(999_999_999) / 1_000_000,
    |d| d.num_milliseconds() % 1000
);

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;

    #[test]
    fn format_timestamp_writes_what_chrono_strftime_wrote() {
        let at = |y, mo, d, h, mi, s, n| {
            chrono::NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|d| d.and_hms_nano_opt(h, mi, s, n))
                .map(|t| t.and_utc())
        };
        let cases = [
            (at(2009, 2, 13, 23, 31, 30, 0), "2009-02-13T23:31:30Z"),
            (
                at(2009, 2, 13, 3, 1, 0, 500_000_000),
                "2009-02-13T03:01:00.5Z",
            ),
            (at(5, 1, 2, 0, 0, 0, 0), "0005-01-02T00:00:00Z"),
            (at(12026, 1, 2, 0, 0, 0, 0), "+12026-01-02T00:00:00Z"),
            (at(-1, 1, 2, 0, 0, 0, 0), "-0001-01-02T00:00:00Z"),
            // A leap second: `:60`, as `%S` printed it (the fraction capped, as before).
            (
                at(2016, 12, 31, 23, 59, 59, 1_000_000_000),
                "2016-12-31T23:59:60.999999999Z",
            ),
        ];
        for (t, text) in cases {
            let Some(t) = t else {
                panic!("bad test date for {text}")
            };
            assert_eq!(format_timestamp(&t), text);
            assert_eq!(
                t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                text.split(['.', 'Z']).next().unwrap_or_default()
            );
            assert_eq!(t.date_naive().to_string(), t.format("%Y-%m-%d").to_string());
        }
    }

    fn ts(s: &str) -> Value {
        match parse_timestamp(s) {
            Ok(t) => Value::Timestamp(t),
            Err(e) => panic!("{e}"),
        }
    }

    fn dur(s: &str) -> Value {
        match parse_duration(s) {
            Ok(d) => Value::Duration(d),
            Err(e) => panic!("{e}"),
        }
    }

    fn tz(s: &str) -> Value {
        Value::string(s)
    }

    #[test]
    fn timestamp_accessors_utc() {
        let t = ts("2009-02-13T23:31:30Z");
        assert_eq!(get_date(&[&t.clone()]), Ok(Value::Int(13)));
        assert_eq!(get_day_of_month(&[&t.clone()]), Ok(Value::Int(12)));
        assert_eq!(get_day_of_week(&[&t.clone()]), Ok(Value::Int(5)));
        assert_eq!(get_day_of_year(&[&t.clone()]), Ok(Value::Int(43)));
        assert_eq!(get_full_year(&[&t.clone()]), Ok(Value::Int(2009)));
        assert_eq!(get_hours(&[&t.clone()]), Ok(Value::Int(23)));
        assert_eq!(get_minutes(&[&t.clone()]), Ok(Value::Int(31)));
        assert_eq!(get_month(&[&t.clone()]), Ok(Value::Int(1)));
        assert_eq!(get_seconds(&[&t]), Ok(Value::Int(30)));
        let ms = ts("2009-02-13T23:31:20.123456789Z");
        assert_eq!(get_milliseconds(&[&ms]), Ok(Value::Int(123)));
    }

    #[test]
    fn timestamp_accessors_with_zone() {
        let t = ts("2009-02-13T23:31:30Z");
        assert_eq!(
            get_date(&[&t.clone(), &tz("Australia/Sydney")]),
            Ok(Value::Int(14))
        );
        assert_eq!(
            get_day_of_month(&[&t.clone(), &tz("US/Central")]),
            Ok(Value::Int(12))
        );
        assert_eq!(
            get_day_of_month(&[&t.clone(), &tz("+11:00")]),
            Ok(Value::Int(13))
        );
        assert_eq!(
            get_day_of_week(&[&t.clone(), &tz("UTC")]),
            Ok(Value::Int(5))
        );
        assert_eq!(
            get_day_of_year(&[&t.clone(), &tz("US/Central")]),
            Ok(Value::Int(43))
        );
        assert_eq!(
            get_full_year(&[&t.clone(), &tz("-09:30")]),
            Ok(Value::Int(2009))
        );
        assert_eq!(get_hours(&[&t.clone(), &tz("02:00")]), Ok(Value::Int(1)));
        assert_eq!(
            get_minutes(&[&t.clone(), &tz("Asia/Kathmandu")]),
            Ok(Value::Int(16))
        );
        assert_eq!(get_month(&[&t.clone(), &tz("UTC")]), Ok(Value::Int(1)));
        assert_eq!(
            get_seconds(&[&t.clone(), &tz("-00:00")]),
            Ok(Value::Int(30))
        );
        let early = ts("2009-02-13T02:00:00Z");
        assert_eq!(
            get_day_of_month(&[&early.clone(), &tz("-02:30")]),
            Ok(Value::Int(11))
        );
        assert_eq!(
            get_day_of_month(&[&early, &tz("America/St_Johns")]),
            Ok(Value::Int(11))
        );
        assert!(get_hours(&[&t.clone(), &tz("Mars/Olympus")]).is_err());
        assert!(get_hours(&[&t, &Value::Int(1)]).is_err());
    }

    #[test]
    fn duration_accessors() {
        assert_eq!(get_hours(&[&dur("10000s")]), Ok(Value::Int(2)));
        assert_eq!(get_minutes(&[&dur("3730s")]), Ok(Value::Int(62)));
        assert_eq!(get_seconds(&[&dur("3730s")]), Ok(Value::Int(3730)));
        assert_eq!(
            get_milliseconds(&[&dur("123.321456789s")]),
            Ok(Value::Int(321))
        );
        assert_eq!(get_milliseconds(&[&dur("-1.5s")]), Ok(Value::Int(-500)));
        assert!(get_full_year(&[&dur("1s")]).is_err());
    }

    #[test]
    fn duration_parsing() {
        let nanos = |s: &str| parse_duration(s).map(|d| d.num_nanoseconds());
        assert_eq!(nanos("1h30m"), Ok(Some(5_400_000_000_000)));
        assert_eq!(nanos("-1.5s"), Ok(Some(-1_500_000_000)));
        assert_eq!(nanos("100ms"), Ok(Some(100_000_000)));
        assert_eq!(nanos("2us"), Ok(Some(2_000)));
        assert_eq!(nanos("2µs"), Ok(Some(2_000)));
        assert_eq!(nanos("3ns"), Ok(Some(3)));
        assert_eq!(nanos("0"), Ok(Some(0)));
        assert_eq!(nanos(".5s"), Ok(Some(500_000_000)));
        assert_eq!(nanos("1h45m47s"), Ok(Some(6_347_000_000_000)));
        assert_eq!(nanos("-999999999ns"), Ok(Some(-999_999_999)));
        for bad in ["", "1", "s", "1x", "1.s.", "--1s", "1h-1m", "."] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("320000000000s").is_err());
        assert!(parse_duration("-320000000000s").is_err());
        assert!(parse_duration("99999999999999999999999999999999999h").is_err());
    }

    #[test]
    fn printing() {
        assert_eq!(format_duration(&TimeDelta::seconds(1_000_000)), "1000000s");
        assert_eq!(format_duration(&TimeDelta::milliseconds(1500)), "1.5s");
        assert_eq!(
            format_duration(&TimeDelta::nanoseconds(-1)),
            "-0.000000001s"
        );
        assert_eq!(format_duration(&TimeDelta::milliseconds(-1500)), "-1.5s");
        let t = |s: &str| parse_timestamp(s).map(|t| format_timestamp(&t));
        assert_eq!(
            t("2009-02-13T23:31:30Z").as_deref(),
            Ok("2009-02-13T23:31:30Z")
        );
        assert_eq!(
            t("9999-12-31T23:59:59.999999999Z").as_deref(),
            Ok("9999-12-31T23:59:59.999999999Z")
        );
        assert_eq!(
            t("2009-02-13T23:31:30.5+01:00").as_deref(),
            Ok("2009-02-13T22:31:30.5Z")
        );
    }

    #[test]
    fn timestamp_ranges() {
        assert!(parse_timestamp("0000-01-01T00:00:00Z").is_err());
        assert!(parse_timestamp("10000-01-01T00:00:00Z").is_err());
        assert!(parse_timestamp("2009-02-30T00:00:00Z").is_err());
        assert!(parse_timestamp("0001-01-01T00:00:00Z").is_ok());
        assert!(timestamp_from_seconds(-62_135_596_801).is_err());
        assert!(timestamp_from_seconds(253_402_300_800).is_err());
        assert_eq!(
            timestamp_from_seconds(1_234_567_890)
                .map(|t| format_timestamp(&t))
                .as_deref(),
            Ok("2009-02-13T23:31:30Z")
        );
    }

    #[test]
    fn accessor_types() {
        assert!(matches!(check_get_hours(&[Type::Duration]), Ok(Type::Int)));
        assert!(matches!(
            check_get_hours(&[Type::Timestamp, Type::String]),
            Ok(Type::Int)
        ));
        assert!(check_get_full_year(&[Type::Duration]).is_err());
        assert!(check_get_month(&[Type::Timestamp, Type::Int]).is_err());
        assert!(matches!(check_get_date(&[Type::Dyn]), Ok(Type::Int)));
    }
}

//! saring's domain functions: `years_between`, `days_between` (calendar arithmetic over
//! timestamps and dates), `normalize_name` and `similarity` (Jaro–Winkler over normalized
//! names).

use chrono::{DateTime, Datelike, Timelike, Utc};
#[cfg(feature = "normalize")]
use unicode_normalization::char::is_combining_mark;
#[cfg(feature = "normalize")]
use unicode_normalization::UnicodeNormalization;

use super::{resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// Checker for `years_between`: `(timestamp, timestamp) -> int` (schema `date` fields are
/// timestamps).
pub fn check_years_between(args: &[Type]) -> Result<Type, String> {
    resolve("years_between", args, &[(&[P::Ts, P::Ts], P::Int)])
}

/// Checker for `days_between`: `(timestamp, timestamp) -> int`.
pub fn check_days_between(args: &[Type]) -> Result<Type, String> {
    resolve("days_between", args, &[(&[P::Ts, P::Ts], P::Int)])
}

/// Whole calendar years from `a` to `b` (negative when `b` is before `a`): the age on date
/// `b` of someone born on `a`. Someone born on 29 February turns a year older on 1 March in
/// common years.
fn full_years(a: &DateTime<Utc>, b: &DateTime<Utc>) -> i64 {
    if b < a {
        return -full_years(b, a);
    }
    let (a, b) = (a.naive_utc(), b.naive_utc());
    let key = |t: &chrono::NaiveDateTime| {
        (
            t.month(),
            t.day(),
            t.num_seconds_from_midnight(),
            t.nanosecond(),
        )
    };
    let mut years = i64::from(b.year()) - i64::from(a.year());
    if key(&b) < key(&a) {
        years -= 1;
    }
    years
}

/// `years_between(a, b)`: whole calendar years from `a` to `b`
/// (`2000-02-29 → 2001-02-28` is 0, `→ 2001-03-01` is 1).
pub fn years_between(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Timestamp(a), Value::Timestamp(b)] => Ok(Value::Int(full_years(a, b))),
        _ => Err(EvalError::no_overload("years_between", args)),
    }
}

/// `days_between(a, b)`: whole days in `b − a`, truncated towards zero.
pub fn days_between(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Timestamp(a), Value::Timestamp(b)] => Ok(Value::Int((*b - *a).num_days())),
        _ => Err(EvalError::no_overload("days_between", args)),
    }
}

/// Checker for `normalize_name`: `(string) -> string`.
pub fn check_normalize_name(args: &[Type]) -> Result<Type, String> {
    resolve("normalize_name", args, &[(&[P::Str], P::Str)])
}

/// Normalizes a personal name for comparison: Unicode NFKD, combining marks dropped,
/// lowercase, every character that is neither a letter nor a digit (punctuation, symbols,
/// whitespace) turned into a space, runs of spaces collapsed, ends trimmed.
/// `"  Siti  Nur-Aïsyah "` becomes `"siti nur aisyah"`.
#[cfg(feature = "normalize")]
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// [`normalize`], or an error in a build without the normalisation tables (feature
/// `normalize`): a pack that calls `normalize_name` or `similarity` is refused at load there
/// (`build.unavailable`), so a loaded pack never reaches the error.
fn normalized(name: &str) -> Result<String, EvalError> {
    #[cfg(feature = "normalize")]
    return Ok(normalize(name));
    #[cfg(not(feature = "normalize"))]
    return Err(EvalError::msg(format!(
        "cannot normalise `{name}`: this build of saring has no Unicode normalisation (feature `normalize`)"
    )));
}

/// `normalize_name(s)`: see [`normalize`].
pub fn normalize_name(args: &[&Value]) -> EvalResult {
    match args {
        [Value::String(s)] => Ok(Value::string(normalized(s)?)),
        _ => Err(EvalError::no_overload("normalize_name", args)),
    }
}

/// Checker for `similarity`: `(string, string) -> double`.
pub fn check_similarity(args: &[Type]) -> Result<Type, String> {
    resolve("similarity", args, &[(&[P::Str, P::Str], P::Double)])
}

/// `similarity(a, b)`: Jaro–Winkler similarity in `[0, 1]` of the normalized names
/// (1 for equal names after normalization). Jaro–Winkler takes time proportional to the
/// product of the lengths, so only the first
/// [`MAX_SIMILARITY_CHARS`](crate::limits::MAX_SIMILARITY_CHARS) characters of each
/// normalized name are compared: names longer than that which differ only further on
/// count as equal.
pub fn similarity(args: &[&Value]) -> EvalResult {
    match args {
        [Value::String(a), Value::String(b)] => Ok(Value::Double(strsim::jaro_winkler(
            comparable_prefix(&normalized(a)?),
            comparable_prefix(&normalized(b)?),
        ))),
        _ => Err(EvalError::no_overload("similarity", args)),
    }
}

/// The first [`MAX_SIMILARITY_CHARS`](crate::limits::MAX_SIMILARITY_CHARS) characters.
fn comparable_prefix(name: &str) -> &str {
    match name.char_indices().nth(crate::limits::MAX_SIMILARITY_CHARS) {
        Some((end, _)) => &name[..end],
        None => name,
    }
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use crate::cel::functions::time::parse_timestamp;

    fn ts(s: &str) -> Value {
        match parse_timestamp(s) {
            Ok(t) => Value::Timestamp(t),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn years() {
        let y = |a: &str, b: &str| years_between(&[&ts(a), &ts(b)]);
        assert_eq!(
            y("2000-02-29T00:00:00Z", "2001-02-28T00:00:00Z"),
            Ok(Value::Int(0))
        );
        assert_eq!(
            y("2000-02-29T00:00:00Z", "2001-03-01T00:00:00Z"),
            Ok(Value::Int(1))
        );
        assert_eq!(
            y("1990-05-10T00:00:00Z", "2025-05-09T00:00:00Z"),
            Ok(Value::Int(34))
        );
        assert_eq!(
            y("1990-05-10T00:00:00Z", "2025-05-10T00:00:00Z"),
            Ok(Value::Int(35))
        );
        assert_eq!(
            y("2025-05-10T00:00:00Z", "1990-05-10T00:00:00Z"),
            Ok(Value::Int(-35))
        );
        assert_eq!(
            y("2025-05-10T00:00:00Z", "1990-05-11T00:00:00Z"),
            Ok(Value::Int(-34))
        );
        assert_eq!(
            y("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
            Ok(Value::Int(0))
        );
        assert!(years_between(&[&ts("2020-01-01T00:00:00Z"), &Value::Int(1)]).is_err());
    }

    #[test]
    fn days() {
        let d = |a: &str, b: &str| days_between(&[&ts(a), &ts(b)]);
        assert_eq!(
            d("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z"),
            Ok(Value::Int(59))
        );
        assert_eq!(
            d("2025-03-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            Ok(Value::Int(-59))
        );
        assert_eq!(
            d("2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z"),
            Ok(Value::Int(0))
        );
        assert!(days_between(&[&Value::Null, &Value::Null]).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(normalize("  Siti  Nur-Aïsyah "), "siti nur aisyah");
        assert_eq!(normalize("O'BRIEN, Seán"), "o brien sean");
        assert_eq!(normalize("ＡＢＣ"), "abc");
        assert_eq!(normalize("..."), "");
        assert_eq!(
            normalize_name(&[&Value::string("Dewi\tSartika")]),
            Ok(Value::string("dewi sartika"))
        );
        assert!(normalize_name(&[&Value::Int(1)]).is_err());
    }

    #[test]
    fn similarities() {
        let sim = |a: &str, b: &str| match similarity(&[&Value::string(a), &Value::string(b)]) {
            Ok(Value::Double(d)) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(sim("Siti Nur-Aïsyah", "siti nur aisyah"), 1.0);
        assert_eq!(sim("abc", "xyz"), 0.0);
        let close = sim("Muhammad Rizky", "Muhamad Rizki");
        assert!(close > 0.9 && close < 1.0, "{close}");
        assert!((sim("MARTHA", "MARHTA") - 0.9611111111111111).abs() < 1e-12);
        assert!(similarity(&[&Value::string("a"), &Value::Null]).is_err());
    }

    #[test]
    fn similarity_compares_a_bounded_prefix() {
        use crate::limits::MAX_SIMILARITY_CHARS;
        let sim = |a: &str, b: &str| match similarity(&[&Value::string(a), &Value::string(b)]) {
            Ok(Value::Double(d)) => d,
            other => panic!("{other:?}"),
        };
        let long = "é".repeat(MAX_SIMILARITY_CHARS);
        // Differences past the limit are not seen; differences within it are.
        assert_eq!(sim(&format!("{long}abc"), &format!("{long}xyz")), 1.0);
        let shorter = "e".repeat(MAX_SIMILARITY_CHARS - 1);
        assert!(sim(&format!("{shorter}a"), &format!("{shorter}b")) < 1.0);
        assert_eq!(comparable_prefix("ab"), "ab");
        assert_eq!(
            comparable_prefix(&long).chars().count(),
            MAX_SIMILARITY_CHARS
        );
        assert_eq!(
            comparable_prefix(&format!("{long}字")).chars().count(),
            MAX_SIMILARITY_CHARS
        );
    }

    #[test]
    fn domain_types() {
        assert!(matches!(
            check_years_between(&[Type::Timestamp, Type::Dyn]),
            Ok(Type::Int)
        ));
        assert_eq!(
            check_days_between(&[Type::Timestamp, Type::String])
                .err()
                .as_deref(),
            Some("no matching overload for `days_between(timestamp, string)`")
        );
        assert!(matches!(
            check_similarity(&[Type::String, Type::String]),
            Ok(Type::Double)
        ));
        assert!(matches!(
            check_normalize_name(&[Type::Dyn]),
            Ok(Type::String)
        ));
    }
}

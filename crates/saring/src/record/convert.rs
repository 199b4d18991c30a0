//! The one table of scalar conversions: an input scalar (from JSON, a Python object, an Arrow
//! cell) becomes the runtime value of a schema field, or a reason it does not fit. Every front
//! door converts through here, so `int`→`float`, enum membership, NaN, dates and timestamps
//! mean the same everywhere; a [`Coercion`] says what a front door's input may also mean.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::cel::Value;
use crate::schema::FieldKind;

/// A scalar as it arrives from an input format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    /// JSON `null`, a missing cell: the field is absent.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float.
    Float(f64),
    /// Text.
    Str(&'a str),
    /// A calendar date (Arrow `date32`, Python `datetime.date`).
    Date(NaiveDate),
    /// An instant (Arrow timestamps, Python `datetime.datetime`).
    Timestamp(DateTime<Utc>),
}

/// What an input format's scalars may also mean, beyond the JSON reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coercion {
    /// A float NaN is an absent value (pandas' and polars' missing marker).
    pub nan_is_absent: bool,
    /// A float with an integral value fits an `int` field (pandas turns an int column with
    /// gaps into floats).
    pub integral_float_is_int: bool,
}

impl Coercion {
    /// JSON: numbers, strings and booleans as written.
    pub const JSON: Coercion = Coercion {
        nan_is_absent: false,
        integral_float_is_int: false,
    };
    /// DataFrames (pandas, polars, pyarrow): NaN is absent, integral floats fit ints.
    pub const FRAME: Coercion = Coercion {
        nan_is_absent: true,
        integral_float_is_int: true,
    };
}

/// Why a scalar does not fit a field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Misfit<'a> {
    /// The input is of another type (`record.type_mismatch`).
    Type(Found<'a>),
    /// The input has the right type but not an allowed value (`record.invalid_value`).
    Value(String),
}

/// What the input held where a value of another type was expected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Found<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    Array,
    Object,
}

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Null => f.write_str("null"),
            Found::Bool(b) => write!(f, "bool {b}"),
            Found::Int(i) => write!(f, "integer {i}"),
            Found::Float(x) => write!(f, "number {x:?}"),
            Found::Str(s) => write!(f, "string {:?}", Shorten(s)),
            Found::Date(d) => write!(f, "date {d}"),
            Found::Timestamp(t) => write!(f, "timestamp {}", t.to_rfc3339()),
            Found::Array => f.write_str("array"),
            Found::Object => f.write_str("object"),
        }
    }
}

impl<'a> From<Scalar<'a>> for Found<'a> {
    fn from(s: Scalar<'a>) -> Found<'a> {
        match s {
            Scalar::Null => Found::Null,
            Scalar::Bool(b) => Found::Bool(b),
            Scalar::Int(i) => Found::Int(i.into()),
            Scalar::UInt(u) => Found::Int(u.into()),
            Scalar::Float(x) => Found::Float(x),
            Scalar::Str(s) => Found::Str(s),
            Scalar::Date(d) => Found::Date(d),
            Scalar::Timestamp(t) => Found::Timestamp(t),
        }
    }
}

/// Input text quoted in messages, cut to a readable length on a char boundary.
pub(crate) struct Shorten<'a>(pub &'a str);

impl fmt::Debug for Shorten<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 40;
        match self.0.char_indices().nth(MAX) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => write!(f, "{:?}...", &self.0[..cut]),
        }
    }
}

impl fmt::Display for Shorten<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 40;
        match self.0.char_indices().nth(MAX) {
            None => f.write_str(self.0),
            Some((cut, _)) => write!(f, "{}...", &self.0[..cut]),
        }
    }
}

/// The schema type as written in messages (`bool`, `list of string`, ...).
pub(crate) fn kind_name(kind: &FieldKind) -> String {
    match kind {
        FieldKind::String => "string".into(),
        FieldKind::Int => "int".into(),
        FieldKind::Float => "float".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Date => "date".into(),
        FieldKind::Timestamp => "timestamp".into(),
        FieldKind::Enum(_) => "enum string".into(),
        FieldKind::List(item) => format!("list of {}", kind_name(item)),
        FieldKind::Object(_) => "object".into(),
    }
}

/// The message of a [`Misfit`] of `kind` at the rendered `path`.
pub(crate) fn misfit_message(kind: &FieldKind, path: &str, misfit: &Misfit<'_>) -> String {
    match misfit {
        Misfit::Type(found) => format!(
            "field `{path}`: expected {}, found {found}",
            kind_name(kind)
        ),
        Misfit::Value(what) => format!("field `{path}`: {what}"),
    }
}

/// The code of a [`Misfit`].
pub(crate) fn misfit_code(misfit: &Misfit<'_>) -> &'static str {
    match misfit {
        Misfit::Type(_) => "record.type_mismatch",
        Misfit::Value(_) => "record.invalid_value",
    }
}

fn enum_misfit(values: &[String], s: &str) -> String {
    let allowed = crate::diagnostic::EnumValues(values);
    let mut message = format!("`{}` is not one of {allowed}", Shorten(s));
    if let Some(help) = crate::diagnostic::did_you_mean(s, values.iter().map(String::as_str)) {
        let _ = write!(message, " ({help})");
    }
    message
}

/// Parses exactly `YYYY-MM-DD` into midnight UTC.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    Some(parse_ymd(s)?.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Parses exactly `YYYY-MM-DD` (four, two and two ASCII digits), a valid calendar date.
pub(crate) fn parse_ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// Parses an RFC 3339 timestamp (any offset) into UTC.
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Converts a scalar to the value of a field of kind `kind`; `Ok(None)` is absent.
/// `shared_enum` holds the enum's values as shared strings (so decoding clones an `Arc`
/// instead of allocating), when the caller has them.
pub(crate) fn convert_scalar<'a>(
    kind: &FieldKind,
    shared_enum: Option<&[Arc<str>]>,
    scalar: Scalar<'a>,
    coercion: Coercion,
) -> Result<Option<Value>, Misfit<'a>> {
    let mismatch = || Err(Misfit::Type(scalar.into()));
    Ok(Some(match (kind, scalar) {
        (_, Scalar::Null) => return Ok(None),
        (_, Scalar::Float(f)) if f.is_nan() && coercion.nan_is_absent => return Ok(None),
        (FieldKind::Bool, Scalar::Bool(b)) => Value::Bool(b),
        (FieldKind::Int, Scalar::Int(i)) => Value::Int(i),
        (FieldKind::Int, Scalar::UInt(u)) => match i64::try_from(u) {
            Ok(i) => Value::Int(i),
            Err(_) => {
                return Err(Misfit::Value(format!(
                    "{u} is out of range for int (64-bit signed)"
                )))
            }
        },
        (FieldKind::Int, Scalar::Float(f))
            if coercion.integral_float_is_int
                && f.fract() == 0.0
                && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) =>
        {
            Value::Int(f as i64)
        }
        (FieldKind::Float, Scalar::Int(i)) => Value::Double(i as f64),
        (FieldKind::Float, Scalar::UInt(u)) => Value::Double(u as f64),
        (FieldKind::Float, Scalar::Float(f)) => Value::Double(f),
        (FieldKind::String, Scalar::Str(s)) => Value::String(Arc::from(s)),
        (FieldKind::Enum(values), Scalar::Str(s)) => {
            if let Some(v) =
                shared_enum.and_then(|vs| vs.iter().find(|v| v.as_bytes() == s.as_bytes()))
            {
                Value::String(Arc::clone(v))
            } else if values.iter().any(|v| v == s) {
                Value::String(Arc::from(s))
            } else {
                return Err(Misfit::Value(enum_misfit(values, s)));
            }
        }
        (FieldKind::Date, Scalar::Str(s)) => match parse_date(s) {
            Some(t) => Value::Timestamp(t),
            None => {
                return Err(Misfit::Value(format!(
                    "`{}` is not a valid date (expected YYYY-MM-DD)",
                    Shorten(s)
                )))
            }
        },
        (FieldKind::Timestamp, Scalar::Str(s)) => match parse_timestamp(s) {
            Some(t) => Value::Timestamp(t),
            None => {
                return Err(Misfit::Value(format!(
                    "`{}` is not a valid RFC 3339 timestamp (e.g. 2025-05-01T08:30:00Z)",
                    Shorten(s)
                )))
            }
        },
        (FieldKind::Date | FieldKind::Timestamp, Scalar::Date(d)) => match midnight(d) {
            Some(t) => Value::Timestamp(t),
            None => return mismatch(),
        },
        (FieldKind::Timestamp, Scalar::Timestamp(t)) => Value::Timestamp(t),
        (FieldKind::Date, Scalar::Timestamp(t)) => {
            if t.time() == chrono::NaiveTime::MIN {
                Value::Timestamp(t)
            } else {
                return Err(Misfit::Value(format!(
                    "{} has a time of day; a date is expected",
                    t.to_rfc3339()
                )));
            }
        }
        _ => return mismatch(),
    }))
}

#[cfg(test)]
mod ymd_tests {
    use super::parse_ymd;

    #[test]
    fn parse_ymd_takes_exactly_four_two_two_digits_of_a_real_date() {
        assert_eq!(
            parse_ymd("2026-05-01").map(|d| d.to_string()),
            Some("2026-05-01".to_string())
        );
        assert_eq!(
            parse_ymd("0005-01-02").map(|d| d.to_string()),
            Some("0005-01-02".to_string())
        );
        for bad in [
            "2026-02-30",
            "2026-5-01",
            "2026-05-1x",
            "+202-05-01",
            "2026/05/01",
            "",
            "2026-05-011",
        ] {
            assert_eq!(parse_ymd(bad), None, "{bad}");
        }
    }
}

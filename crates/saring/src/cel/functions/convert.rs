//! Type conversions: `int`, `uint`, `double`, `string`, `bytes`, `bool`, `dyn`, `type`,
//! `timestamp`, `duration`, with CEL's range and rounding rules (doubles truncate towards
//! zero; out-of-range values are errors, never wrapped or saturated).

use crate::cel::error::RuntimeErrorKind;
use std::sync::Arc;

use super::time::{
    format_duration, format_timestamp, parse_duration, parse_timestamp, timestamp_from_seconds,
};
use super::{resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// 2^63 as a double: the first double above the `int` range.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
/// 2^64 as a double: the first double above the `uint` range.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

fn range(what: &str) -> EvalError {
    EvalError::overflow(format!("{what} range error"))
}

/// Checker for `int(x)`: from int, uint, double, string or timestamp.
pub fn check_int(args: &[Type]) -> Result<Type, String> {
    resolve(
        "int",
        args,
        &[
            (&[P::Int], P::Int),
            (&[P::Uint], P::Int),
            (&[P::Double], P::Int),
            (&[P::Str], P::Int),
            (&[P::Ts], P::Int),
        ],
    )
}

/// `int(x)`: uint (range-checked), double (truncated; error outside the int range or NaN),
/// decimal string, timestamp (seconds since the epoch).
pub fn to_int(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Int(i)] => Ok(Value::Int(*i)),
        [Value::Uint(u)] => i64::try_from(*u).map(Value::Int).map_err(|_| range("int")),
        [Value::Double(d)] => double_to_int(*d).map(Value::Int),
        [Value::String(s)] => s.parse::<i64>().map(Value::Int).map_err(|_| {
            EvalError::new(
                RuntimeErrorKind::TypeConversion,
                format!("cannot convert `{s}` to int"),
            )
        }),
        [Value::Timestamp(t)] => Ok(Value::Int(t.timestamp())),
        _ => Err(EvalError::no_overload("int", args)),
    }
}

/// Truncates a double towards zero; strictly inside (-2^63, 2^63), as cel-go does.
pub fn double_to_int(d: f64) -> Result<i64, EvalError> {
    if d.is_nan() || d <= -TWO_POW_63 || d >= TWO_POW_63 {
        return Err(range("int"));
    }
    Ok(d.trunc() as i64)
}

/// Checker for `uint(x)`: from int, uint, double or string.
pub fn check_uint(args: &[Type]) -> Result<Type, String> {
    resolve(
        "uint",
        args,
        &[
            (&[P::Int], P::Uint),
            (&[P::Uint], P::Uint),
            (&[P::Double], P::Uint),
            (&[P::Str], P::Uint),
        ],
    )
}

/// `uint(x)`: int (error when negative), double (truncated; error outside [0, 2^64) or NaN),
/// decimal string.
pub fn to_uint(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Uint(u)] => Ok(Value::Uint(*u)),
        [Value::Int(i)] => u64::try_from(*i)
            .map(Value::Uint)
            .map_err(|_| range("uint")),
        [Value::Double(d)] => {
            if d.is_nan() || *d < 0.0 || *d >= TWO_POW_64 {
                Err(range("uint"))
            } else {
                Ok(Value::Uint(d.trunc() as u64))
            }
        }
        [Value::String(s)] => s.parse::<u64>().map(Value::Uint).map_err(|_| {
            EvalError::new(
                RuntimeErrorKind::TypeConversion,
                format!("cannot convert `{s}` to uint"),
            )
        }),
        _ => Err(EvalError::no_overload("uint", args)),
    }
}

/// Checker for `double(x)`: from int, uint, double or string.
pub fn check_double(args: &[Type]) -> Result<Type, String> {
    resolve(
        "double",
        args,
        &[
            (&[P::Int], P::Double),
            (&[P::Uint], P::Double),
            (&[P::Double], P::Double),
            (&[P::Str], P::Double),
        ],
    )
}

/// `double(x)`: nearest double of an int or uint; a decimal or scientific string (`NaN`,
/// `Infinity` and `-Infinity` accepted).
pub fn to_double(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Double(d)] => Ok(Value::Double(*d)),
        [Value::Int(i)] => Ok(Value::Double(*i as f64)),
        [Value::Uint(u)] => Ok(Value::Double(*u as f64)),
        [Value::String(s)] => s.parse::<f64>().map(Value::Double).map_err(|_| {
            EvalError::new(
                RuntimeErrorKind::TypeConversion,
                format!("cannot convert `{s}` to double"),
            )
        }),
        _ => Err(EvalError::no_overload("double", args)),
    }
}

/// Checker for `string(x)`.
pub fn check_string(args: &[Type]) -> Result<Type, String> {
    resolve(
        "string",
        args,
        &[
            (&[P::Str], P::Str),
            (&[P::Int], P::Str),
            (&[P::Uint], P::Str),
            (&[P::Double], P::Str),
            (&[P::Bytes], P::Str),
            (&[P::Bool], P::Str),
            (&[P::Ts], P::Str),
            (&[P::Dur], P::Str),
        ],
    )
}

/// `string(x)`: numbers in decimal (doubles as Go's shortest `%g`), bytes as UTF-8 (error
/// when invalid), timestamps in RFC 3339, durations in seconds (`1.5s`).
pub fn to_string(args: &[&Value]) -> EvalResult {
    let s: String = match args {
        [Value::String(s)] => return Ok(Value::String(s.clone())),
        [Value::Int(i)] => i.to_string(),
        [Value::Uint(u)] => u.to_string(),
        [Value::Double(d)] => format_double(*d),
        [Value::Bool(b)] => b.to_string(),
        [Value::Bytes(b)] => std::str::from_utf8(b)
            .map_err(|_| {
                EvalError::new(RuntimeErrorKind::TypeConversion, "invalid UTF-8 in bytes")
            })?
            .to_string(),
        [Value::Timestamp(t)] => format_timestamp(t),
        [Value::Duration(d)] => format_duration(d),
        _ => return Err(EvalError::no_overload("string", args)),
    };
    Ok(Value::string(s))
}

/// Prints a double like Go's `%g` (`strconv.FormatFloat(d, 'g', -1, 64)`), which cel-go
/// uses: the shortest digits that round-trip, in exponent form when the exponent is below -4
/// or at least 6 (`123.456`, `-0.0045`, `1e+06`, `1e-05`), and `NaN`, `+Inf`, `-Inf`.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    // `{:e}` gives the shortest round-tripping digits: `1.2345e2`.
    let sci = format!("{d:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{d}")
}

/// Checker for `bytes(x)`: from string or bytes.
pub fn check_bytes(args: &[Type]) -> Result<Type, String> {
    resolve(
        "bytes",
        args,
        &[(&[P::Str], P::Bytes), (&[P::Bytes], P::Bytes)],
    )
}

/// `bytes(x)`: the UTF-8 encoding of a string.
pub fn to_bytes(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Bytes(b)] => Ok(Value::Bytes(b.clone())),
        [Value::String(s)] => Ok(Value::Bytes(Arc::from(s.as_bytes()))),
        _ => Err(EvalError::no_overload("bytes", args)),
    }
}

/// Checker for `bool(x)`: from bool or string.
pub fn check_bool(args: &[Type]) -> Result<Type, String> {
    resolve("bool", args, &[(&[P::Bool], P::Bool), (&[P::Str], P::Bool)])
}

/// `bool(x)`: the strings `1 t true TRUE True` and `0 f false FALSE False`; others are errors.
pub fn to_bool(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Bool(b)] => Ok(Value::Bool(*b)),
        [Value::String(s)] => match &**s {
            "1" | "t" | "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
            _ => Err(EvalError::new(
                RuntimeErrorKind::TypeConversion,
                format!("type conversion error: cannot convert `{s}` to bool"),
            )),
        },
        _ => Err(EvalError::no_overload("bool", args)),
    }
}

/// Checker for `dyn(x)`: any argument, result `dyn`.
pub fn check_dyn(args: &[Type]) -> Result<Type, String> {
    resolve("dyn", args, &[(&[P::Any], P::Any)])
}

/// `dyn(x)`: the value itself (only its static type changes).
pub fn to_dyn(args: &[&Value]) -> EvalResult {
    match args {
        [v] => Ok((*v).clone()),
        _ => Err(EvalError::no_overload("dyn", args)),
    }
}

/// Checker for `type(x)`: any argument, result `type`.
pub fn check_type(args: &[Type]) -> Result<Type, String> {
    resolve("type", args, &[(&[P::Any], P::TypeV)])
}

/// `type(x)`: the type of a value, e.g. `int`, `list`, `google.protobuf.Timestamp`; the type
/// of a type is `type`.
pub fn type_of(args: &[&Value]) -> EvalResult {
    match args {
        [v] => Ok(Value::Type(Arc::from(v.type_name()))),
        _ => Err(EvalError::no_overload("type", args)),
    }
}

/// Checker for `timestamp(x)`: from string, int or timestamp.
pub fn check_timestamp(args: &[Type]) -> Result<Type, String> {
    resolve(
        "timestamp",
        args,
        &[(&[P::Str], P::Ts), (&[P::Int], P::Ts), (&[P::Ts], P::Ts)],
    )
}

/// `timestamp(x)`: an RFC 3339 string or seconds since the Unix epoch, within years
/// 0001..9999.
pub fn to_timestamp(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Timestamp(t)] => Ok(Value::Timestamp(*t)),
        [Value::String(s)] => parse_timestamp(s).map(Value::Timestamp),
        [Value::Int(i)] => timestamp_from_seconds(*i).map(Value::Timestamp),
        _ => Err(EvalError::no_overload("timestamp", args)),
    }
}

/// Checker for `duration(x)`: from string or duration.
pub fn check_duration(args: &[Type]) -> Result<Type, String> {
    resolve(
        "duration",
        args,
        &[(&[P::Str], P::Dur), (&[P::Dur], P::Dur)],
    )
}

/// `duration(x)`: a Go-style duration string (`1h30m`, `-1.5s`, `100ms`).
pub fn to_duration(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Duration(d)] => Ok(Value::Duration(*d)),
        [Value::String(s)] => parse_duration(s).map(Value::Duration),
        _ => Err(EvalError::no_overload("duration", args)),
    }
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn b(x: &[u8]) -> Value {
        Value::Bytes(Arc::from(x))
    }

    fn double_of(v: EvalResult) -> f64 {
        match v {
            Ok(Value::Double(d)) => d,
            other => panic!("not a double: {other:?}"),
        }
    }

    #[test]
    fn int_conversions() {
        assert_eq!(to_int(&[&Value::Uint(42)]), Ok(Value::Int(42)));
        assert_eq!(
            to_int(&[&Value::Uint(9_223_372_036_854_775_807)]),
            Ok(Value::Int(i64::MAX))
        );
        assert!(to_int(&[&Value::Uint(u64::MAX)]).is_err());
        assert_eq!(to_int(&[&Value::Double(-123.456)]), Ok(Value::Int(-123)));
        assert_eq!(to_int(&[&Value::Double(1.9)]), Ok(Value::Int(1)));
        assert_eq!(to_int(&[&Value::Double(-7.9)]), Ok(Value::Int(-7)));
        assert_eq!(
            to_int(&[&Value::Double(36_028_797_018_963_969.0)]),
            Ok(Value::Int(36_028_797_018_963_968))
        );
        assert!(to_int(&[&Value::Double(9_223_372_036_854_775_807.0)]).is_err());
        assert!(to_int(&[&Value::Double(-9_223_372_036_854_775_808.0)]).is_err());
        assert!(to_int(&[&Value::Double(1e99)]).is_err());
        assert!(to_int(&[&Value::Double(f64::NAN)]).is_err());
        assert_eq!(to_int(&[&s("987")]), Ok(Value::Int(987)));
        assert_eq!(to_int(&[&s("-5")]), Ok(Value::Int(-5)));
        assert!(to_int(&[&s("1.5")]).is_err());
        assert!(to_int(&[&s("9223372036854775808")]).is_err());
        let t = to_timestamp(&[&s("2004-09-16T23:59:59Z")]).unwrap_or(Value::Null);
        assert_eq!(to_int(&[&t]), Ok(Value::Int(1_095_379_199)));
        assert!(to_int(&[&Value::Bool(true)]).is_err());
    }

    #[test]
    fn uint_conversions() {
        assert_eq!(to_uint(&[&Value::Int(1729)]), Ok(Value::Uint(1729)));
        assert!(to_uint(&[&Value::Int(-1)]).is_err());
        assert_eq!(to_uint(&[&Value::Double(3.25)]), Ok(Value::Uint(3)));
        assert_eq!(to_uint(&[&Value::Double(25.5)]), Ok(Value::Uint(25)));
        assert!(to_uint(&[&Value::Double(6.022e23)]).is_err());
        assert!(to_uint(&[&Value::Double(-0.5)]).is_err());
        assert_eq!(to_uint(&[&s("300")]), Ok(Value::Uint(300)));
        assert!(to_uint(&[&s("-1")]).is_err());
    }

    #[test]
    fn double_conversions() {
        assert_eq!(
            double_of(to_double(&[&Value::Int(i64::MAX)])),
            9.223372036854776e18
        );
        assert_eq!(
            double_of(to_double(&[&Value::Uint(u64::MAX)])),
            1.8446744073709552e19
        );
        assert_eq!(double_of(to_double(&[&s("-84.32e7")])), -843_200_000.0);
        assert_eq!(double_of(to_double(&[&s("1.38e-23")])), 1.38e-23);
        let neg_zero = double_of(to_double(&[&s("-0.0")]));
        assert!(neg_zero == 0.0 && neg_zero.is_sign_negative());
        assert!(double_of(to_double(&[&s("NaN")])).is_nan());
        assert_eq!(double_of(to_double(&[&s("Infinity")])), f64::INFINITY);
        assert_eq!(double_of(to_double(&[&s("-Infinity")])), f64::NEG_INFINITY);
        assert!(to_double(&[&s("abc")]).is_err());
    }

    #[test]
    fn string_conversions() {
        assert_eq!(to_string(&[&Value::Int(-456)]), Ok(s("-456")));
        assert_eq!(to_string(&[&Value::Uint(9876)]), Ok(s("9876")));
        assert_eq!(to_string(&[&Value::Double(123.456)]), Ok(s("123.456")));
        assert_eq!(to_string(&[&Value::Double(-4.5e-3)]), Ok(s("-0.0045")));
        assert_eq!(to_string(&[&Value::Double(1e21)]), Ok(s("1e+21")));
        assert_eq!(to_string(&[&Value::Double(1.5e-7)]), Ok(s("1.5e-07")));
        assert_eq!(to_string(&[&Value::Double(100.0)]), Ok(s("100")));
        assert_eq!(to_string(&[&Value::Double(123_456.0)]), Ok(s("123456")));
        assert_eq!(to_string(&[&Value::Double(1e6)]), Ok(s("1e+06")));
        assert_eq!(
            to_string(&[&Value::Double(1_234_567.5)]),
            Ok(s("1.2345675e+06"))
        );
        assert_eq!(
            to_string(&[&Value::Double(f64::NEG_INFINITY)]),
            Ok(s("-Inf"))
        );
        assert_eq!(to_string(&[&b(b"abc")]), Ok(s("abc")));
        assert_eq!(to_string(&[&b(b"\xc3\xbf")]), Ok(s("ÿ")));
        assert!(to_string(&[&b(b"\x00\xff")]).is_err());
        assert_eq!(to_string(&[&Value::Bool(true)]), Ok(s("true")));
        let d = to_duration(&[&s("1000000s")]).unwrap_or(Value::Null);
        assert_eq!(to_string(&[&d]), Ok(s("1000000s")));
        let t = to_timestamp(&[&s("2009-02-13T23:31:30Z")]).unwrap_or(Value::Null);
        assert_eq!(to_string(&[&t]), Ok(s("2009-02-13T23:31:30Z")));
        assert!(to_string(&[&Value::Null]).is_err());
    }

    #[test]
    fn bytes_bool_dyn_type() {
        assert_eq!(to_bytes(&[&s("ÿ")]), Ok(b(b"\xc3\xbf")));
        assert_eq!(to_bytes(&[&s("")]), Ok(b(b"")));
        for t in ["1", "t", "true", "TRUE", "True"] {
            assert_eq!(to_bool(&[&s(t)]), Ok(Value::Bool(true)), "{t}");
        }
        for f in ["0", "f", "false", "FALSE", "False"] {
            assert_eq!(to_bool(&[&s(f)]), Ok(Value::Bool(false)), "{f}");
        }
        assert!(to_bool(&[&s("TrUe")]).is_err());
        assert_eq!(to_dyn(&[&Value::Int(3)]), Ok(Value::Int(3)));
        let ty = |v: Value| type_of(&[&v]);
        assert_eq!(ty(Value::Uint(1)), Ok(Value::Type(Arc::from("uint"))));
        assert_eq!(ty(Value::Null), Ok(Value::Type(Arc::from("null_type"))));
        assert_eq!(ty(Value::list(vec![])), Ok(Value::Type(Arc::from("list"))));
        assert_eq!(
            ty(Value::Type(Arc::from("int"))),
            Ok(Value::Type(Arc::from("type")))
        );
        let t = to_timestamp(&[&Value::Int(0)]).unwrap_or(Value::Null);
        assert_eq!(
            ty(t),
            Ok(Value::Type(Arc::from("google.protobuf.Timestamp")))
        );
        assert!(to_timestamp(&[&Value::Int(-62_135_596_801)]).is_err());
        assert!(to_timestamp(&[&s("10000-01-01T00:00:00Z")]).is_err());
        assert!(to_duration(&[&s("320000000000s")]).is_err());
    }

    #[test]
    fn conversion_types() {
        assert!(matches!(check_int(&[Type::String]), Ok(Type::Int)));
        assert!(check_int(&[Type::Bool]).is_err());
        assert!(matches!(check_dyn(&[Type::Int]), Ok(Type::Dyn)));
        assert!(matches!(check_type(&[Type::Int]), Ok(Type::Type)));
        assert!(matches!(check_timestamp(&[Type::Int]), Ok(Type::Timestamp)));
        assert!(check_duration(&[Type::Int]).is_err());
        assert!(matches!(check_string(&[Type::Dyn]), Ok(Type::String)));
    }
}

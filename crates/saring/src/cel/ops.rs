//! CEL operators over runtime values (arithmetic, comparison, membership) and their typing.
//!
//! Integer arithmetic is checked: overflow and division or modulus by zero are errors.
//! Doubles follow IEEE 754. `+` concatenates strings, bytes and lists, and combines
//! timestamps and durations (range-checked). Values of different kinds are never converted
//! implicitly, except that `==`, `in` and the orderings compare numbers across
//! `int`/`uint`/`double`.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::cel::ast::{BinaryOp, UnaryOp};
use crate::cel::error::{EvalError, EvalResult, RuntimeErrorKind};
use crate::cel::functions::time::{check_duration_range, check_timestamp_range};
use crate::cel::types::Type;
use crate::cel::value::Value;

fn no_overload(op: &str, args: &[&Value]) -> EvalError {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    EvalError::new(
        RuntimeErrorKind::NoOverload,
        format!("no such overload: {op}({})", types.join(", ")),
    )
}

fn overflow() -> EvalError {
    EvalError::overflow("integer overflow")
}

/// `a + b`: numbers of one kind, string/bytes/list concatenation, timestamp + duration,
/// duration + timestamp, duration + duration.
/// Fails with `value_too_large` when a string or bytes value of `len` bytes may not be built
/// ([`crate::limits::MAX_VALUE_BYTES`]); checked before allocating.
pub(crate) fn check_built_size(len: usize) -> Result<(), EvalError> {
    if len > crate::limits::MAX_VALUE_BYTES {
        return Err(EvalError::new(
            RuntimeErrorKind::Limit,
            format!(
                "value_too_large: the value would be {len} bytes, more than the limit of {}",
                crate::limits::MAX_VALUE_BYTES
            ),
        ));
    }
    Ok(())
}

pub fn add(a: &Value, b: &Value) -> EvalResult {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x.checked_add(*y).map(Int).ok_or_else(overflow),
        (Uint(x), Uint(y)) => x.checked_add(*y).map(Uint).ok_or_else(overflow),
        (Double(x), Double(y)) => Ok(Double(x + y)),
        (String(x), String(y)) => {
            check_built_size(x.len().saturating_add(y.len()))?;
            let mut s = std::string::String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::string(s))
        }
        (Bytes(x), Bytes(y)) => check_built_size(x.len().saturating_add(y.len()))
            .map(|()| Bytes(x.iter().chain(y.iter()).copied().collect::<Arc<[u8]>>())),
        (List(x), List(y)) => {
            if x.is_empty() {
                return Ok(List(y.clone()));
            }
            if y.is_empty() {
                return Ok(List(x.clone()));
            }
            if x.len().saturating_add(y.len()) > crate::limits::MAX_LIST_ITEMS {
                return Err(EvalError::new(
                    RuntimeErrorKind::Limit,
                    format!(
                        "value_too_large: the list would have {} items, more than the limit of {}",
                        x.len().saturating_add(y.len()),
                        crate::limits::MAX_LIST_ITEMS
                    ),
                ));
            }
            Ok(List(
                x.iter().chain(y.iter()).cloned().collect::<Arc<[Value]>>(),
            ))
        }
        (Timestamp(t), Duration(d)) | (Duration(d), Timestamp(t)) => t
            .checked_add_signed(*d)
            .ok_or_else(|| EvalError::overflow("timestamp out of range"))
            .and_then(check_timestamp_range)
            .map(Timestamp),
        (Duration(x), Duration(y)) => x
            .checked_add(y)
            .ok_or_else(|| EvalError::overflow("duration out of range"))
            .and_then(check_duration_range)
            .map(Duration),
        _ => Err(no_overload("_+_", &[a, b])),
    }
}

/// `a - b`: numbers of one kind, timestamp − timestamp (a duration), timestamp − duration,
/// duration − duration.
pub fn sub(a: &Value, b: &Value) -> EvalResult {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x.checked_sub(*y).map(Int).ok_or_else(overflow),
        (Uint(x), Uint(y)) => x.checked_sub(*y).map(Uint).ok_or_else(overflow),
        (Double(x), Double(y)) => Ok(Double(x - y)),
        (Timestamp(x), Timestamp(y)) => {
            check_duration_range(x.signed_duration_since(*y)).map(Duration)
        }
        (Timestamp(t), Duration(d)) => t
            .checked_sub_signed(*d)
            .ok_or_else(|| EvalError::overflow("timestamp out of range"))
            .and_then(check_timestamp_range)
            .map(Timestamp),
        (Duration(x), Duration(y)) => x
            .checked_sub(y)
            .ok_or_else(|| EvalError::overflow("duration out of range"))
            .and_then(check_duration_range)
            .map(Duration),
        _ => Err(no_overload("_-_", &[a, b])),
    }
}

/// `a * b`: numbers of one kind.
pub fn mul(a: &Value, b: &Value) -> EvalResult {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x.checked_mul(*y).map(Int).ok_or_else(overflow),
        (Uint(x), Uint(y)) => x.checked_mul(*y).map(Uint).ok_or_else(overflow),
        (Double(x), Double(y)) => Ok(Double(x * y)),
        _ => Err(no_overload("_*_", &[a, b])),
    }
}

/// `a / b`: integer division truncates towards zero (error on zero divisor and on
/// `int` minimum / -1); double division is IEEE (`1.0 / 0.0` is infinity).
pub fn div(a: &Value, b: &Value) -> EvalResult {
    use Value::*;
    match (a, b) {
        (Int(_), Int(0)) | (Uint(_), Uint(0)) => Err(EvalError::new(
            RuntimeErrorKind::DivisionByZero,
            "division by zero",
        )),
        (Int(x), Int(y)) => x.checked_div(*y).map(Int).ok_or_else(overflow),
        (Uint(x), Uint(y)) => x.checked_div(*y).map(Uint).ok_or_else(overflow),
        (Double(x), Double(y)) => Ok(Double(x / y)),
        _ => Err(no_overload("_/_", &[a, b])),
    }
}

/// `a % b`: integer remainder with the sign of the dividend; there is no double `%`.
pub fn rem(a: &Value, b: &Value) -> EvalResult {
    use Value::*;
    match (a, b) {
        (Int(_), Int(0)) | (Uint(_), Uint(0)) => Err(EvalError::new(
            RuntimeErrorKind::ModulusByZero,
            "modulus by zero",
        )),
        (Int(x), Int(y)) => x.checked_rem(*y).map(Int).ok_or_else(overflow),
        (Uint(x), Uint(y)) => x.checked_rem(*y).map(Uint).ok_or_else(overflow),
        _ => Err(no_overload("_%_", &[a, b])),
    }
}

/// `-a` for `int` (overflow on the minimum) and `double`; `uint` has no negation.
pub fn neg(a: &Value) -> EvalResult {
    match a {
        Value::Int(x) => x.checked_neg().map(Value::Int).ok_or_else(overflow),
        Value::Double(x) => Ok(Value::Double(-x)),
        _ => Err(no_overload("-_", &[a])),
    }
}

/// Orders numbers of any kinds as cel-go does: `int` against `uint` exactly, and a double
/// against an integer by converting the integer to the nearest double (so
/// `9223372036854775807 >= 9223372036854775808.0`, as the conformance suite expects).
/// `None` when either is not a number or a NaN is involved.
pub fn numeric_order(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Int(x), Double(y)) => (*x as f64).partial_cmp(y),
        (Double(x), Int(y)) => x.partial_cmp(&(*y as f64)),
        (Uint(x), Double(y)) => (*x as f64).partial_cmp(y),
        (Double(x), Uint(y)) => x.partial_cmp(&(*y as f64)),
        _ => crate::cel::value::numeric_cmp(a, b),
    }
}

/// The ordering of two values for `<`, `<=`, `>`, `>=`: numbers across kinds, and
/// bool, string (by code point), bytes, timestamp and duration within their kind.
/// `Ok(None)` when the values are unordered (a NaN is involved); an error when the kinds
/// have no ordering (`[0] < [1]`, `null < null`, `'a' < 1`).
pub fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, EvalError> {
    use Value::*;
    match (a, b) {
        (Bool(x), Bool(y)) => Ok(Some(x.cmp(y))),
        (String(x), String(y)) => Ok(Some(x.cmp(y))),
        (Bytes(x), Bytes(y)) => Ok(Some(x.cmp(y))),
        (Timestamp(x), Timestamp(y)) => Ok(Some(x.cmp(y))),
        (Duration(x), Duration(y)) => Ok(Some(x.cmp(y))),
        (Int(_) | Uint(_) | Double(_), Int(_) | Uint(_) | Double(_)) => Ok(numeric_order(a, b)),
        _ => Err(no_overload("_<_", &[a, b])),
    }
}

/// Evaluates a relational or equality operator (`<`, `<=`, `>`, `>=`, `==`, `!=`); any
/// comparison with NaN is false (and `!=` true).
pub fn relation(op: BinaryOp, a: &Value, b: &Value) -> EvalResult {
    let result = match op {
        BinaryOp::Eq => return equals(a, b),
        BinaryOp::Ne => return not_equals(a, b),
        BinaryOp::Lt => compare(a, b)?.is_some_and(Ordering::is_lt),
        BinaryOp::Le => compare(a, b)?.is_some_and(Ordering::is_le),
        BinaryOp::Gt => compare(a, b)?.is_some_and(Ordering::is_gt),
        BinaryOp::Ge => compare(a, b)?.is_some_and(Ordering::is_ge),
        _ => {
            return Err(EvalError::new(
                RuntimeErrorKind::Internal,
                format!("`{}` is not a relation", op.symbol()),
            ))
        }
    };
    Ok(Value::Bool(result))
}

/// `a == b`: defined for all values; values of unrelated kinds are simply unequal.
pub fn equals(a: &Value, b: &Value) -> EvalResult {
    Ok(Value::Bool(a.cel_eq(b)))
}

/// `a != b`.
pub fn not_equals(a: &Value, b: &Value) -> EvalResult {
    Ok(Value::Bool(!a.cel_eq(b)))
}

/// `elem in container`: membership in a list (CEL equality) or among a map's keys
/// (numbers compare across kinds).
pub fn contains_in(elem: &Value, container: &Value) -> EvalResult {
    match container {
        Value::List(items) => Ok(Value::Bool(items.iter().any(|v| v.cel_eq(elem)))),
        Value::Map(m) => Ok(Value::Bool(m.get(elem).is_some())),
        _ => Err(no_overload("@in", &[elem, container])),
    }
}

/// `container[key]`: a list by `int`, `uint` or integral `double` position (error when out
/// of range), a map by key (error "no such key").
pub fn index(container: &Value, key: &Value) -> EvalResult {
    match container {
        Value::List(items) => {
            let i: Option<i64> = match key {
                Value::Int(i) => Some(*i),
                Value::Uint(u) => Some(i64::try_from(*u).unwrap_or(i64::MAX)),
                Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.2e18 => Some(*d as i64),
                Value::Double(d) => {
                    return Err(EvalError::new(
                        RuntimeErrorKind::InvalidArgument,
                        format!("invalid list index `{d}`: not an integer"),
                    ))
                }
                _ => None,
            };
            let Some(i) = i else {
                return Err(no_overload("_[_]", &[container, key]));
            };
            usize::try_from(i)
                .ok()
                .and_then(|u| items.get(u))
                .cloned()
                .ok_or_else(|| {
                    EvalError::new(
                        RuntimeErrorKind::IndexOutOfRange,
                        format!("index out of range: {i}"),
                    )
                })
        }
        Value::Map(m) => m.get(key).cloned().ok_or_else(|| {
            EvalError::new(RuntimeErrorKind::NoSuchKey, format!("no such key: {key}"))
        }),
        _ => Err(no_overload("_[_]", &[container, key])),
    }
}

/// Evaluates an arithmetic, relational or membership operator. `&&` and `||` are not
/// handled here (their operands are evaluated lazily by the evaluator).
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> EvalResult {
    match op {
        BinaryOp::Add => add(a, b),
        BinaryOp::Sub => sub(a, b),
        BinaryOp::Mul => mul(a, b),
        BinaryOp::Div => div(a, b),
        BinaryOp::Rem => rem(a, b),
        BinaryOp::In => contains_in(a, b),
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            relation(op, a, b)
        }
        BinaryOp::And | BinaryOp::Or => match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(if op == BinaryOp::And {
                *x && *y
            } else {
                *x || *y
            })),
            _ => Err(no_overload(op.symbol(), &[a, b])),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Typing
// ---------------------------------------------------------------------------------------

fn mismatch(op: BinaryOp, l: &Type, r: &Type) -> String {
    format!("no matching overload for `{l} {} {r}`", op.symbol())
}

fn same_numeric(l: &Type, r: &Type) -> Option<Type> {
    match (l, r) {
        (Type::Int, Type::Int) => Some(Type::Int),
        (Type::Uint, Type::Uint) => Some(Type::Uint),
        (Type::Double, Type::Double) => Some(Type::Double),
        _ => None,
    }
}

fn is_orderable(t: &Type) -> bool {
    matches!(
        t,
        Type::Int
            | Type::Uint
            | Type::Double
            | Type::Bool
            | Type::String
            | Type::Bytes
            | Type::Timestamp
            | Type::Duration
    )
}

/// The static result type of a binary operator, or why the operand types do not fit
/// (`int + string`, `"a" == 1`, `1 in 2`). `dyn` operands are accepted wherever some
/// overload could apply.
pub fn check_binary(op: BinaryOp, l: &Type, r: &Type) -> Result<Type, String> {
    use Type as T;
    let err = || Err(mismatch(op, l, r));
    match op {
        BinaryOp::And | BinaryOp::Or => match (l, r) {
            (T::Bool | T::Dyn, T::Bool | T::Dyn) => Ok(T::Bool),
            _ => err(),
        },
        BinaryOp::Eq | BinaryOp::Ne => {
            if l.comparable_with(r) {
                Ok(T::Bool)
            } else {
                err()
            }
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => match (l, r) {
            (T::Dyn, t) | (t, T::Dyn) if t.is_dyn() || is_orderable(t) => Ok(T::Bool),
            (a, b) if a.is_numeric() && b.is_numeric() => Ok(T::Bool),
            (a, b) if is_orderable(a) && std::mem::discriminant(a) == std::mem::discriminant(b) => {
                Ok(T::Bool)
            }
            _ => err(),
        },
        BinaryOp::In => match r {
            T::Dyn => Ok(T::Bool),
            T::List(e) | T::Map(e, _) if l.comparable_with(e) => Ok(T::Bool),
            T::Object(_) if matches!(l, T::String | T::Dyn) => Ok(T::Bool),
            _ => err(),
        },
        BinaryOp::Add => match (l, r) {
            (T::Dyn, T::Dyn) => Ok(T::Dyn),
            (T::String, T::String | T::Dyn) | (T::Dyn, T::String) => Ok(T::String),
            (T::Bytes, T::Bytes | T::Dyn) | (T::Dyn, T::Bytes) => Ok(T::Bytes),
            (T::List(a), T::List(b)) => Ok(T::List(Box::new(
                if a.assignable_to(b) && !a.is_dyn() && b.assignable_to(a) {
                    (**a).clone()
                } else {
                    T::Dyn
                },
            ))),
            (T::List(a), T::Dyn) | (T::Dyn, T::List(a)) => Ok(T::List(a.clone())),
            (T::Timestamp, T::Duration) | (T::Duration, T::Timestamp) => Ok(T::Timestamp),
            (T::Timestamp, T::Dyn) | (T::Dyn, T::Timestamp) => Ok(T::Timestamp),
            (T::Duration, T::Duration) => Ok(T::Duration),
            (T::Duration, T::Dyn) | (T::Dyn, T::Duration) => Ok(T::Dyn),
            (t, T::Dyn) | (T::Dyn, t) if t.is_numeric() => Ok(t.clone()),
            _ => same_numeric(l, r).map_or_else(err, Ok),
        },
        BinaryOp::Sub => match (l, r) {
            (T::Dyn, T::Dyn) => Ok(T::Dyn),
            (T::Timestamp, T::Timestamp) => Ok(T::Duration),
            (T::Timestamp, T::Duration) => Ok(T::Timestamp),
            (T::Timestamp, T::Dyn) => Ok(T::Dyn),
            (T::Dyn, T::Timestamp) => Ok(T::Duration),
            (T::Duration, T::Duration | T::Dyn) => Ok(T::Duration),
            (T::Dyn, T::Duration) => Ok(T::Dyn),
            (t, T::Dyn) | (T::Dyn, t) if t.is_numeric() => Ok(t.clone()),
            _ => same_numeric(l, r).map_or_else(err, Ok),
        },
        BinaryOp::Mul | BinaryOp::Div => match (l, r) {
            (T::Dyn, T::Dyn) => Ok(T::Dyn),
            (t, T::Dyn) | (T::Dyn, t) if t.is_numeric() => Ok(t.clone()),
            _ => same_numeric(l, r).map_or_else(err, Ok),
        },
        BinaryOp::Rem => match (l, r) {
            (T::Dyn, T::Dyn) => Ok(T::Dyn),
            (t @ (T::Int | T::Uint), T::Dyn) | (T::Dyn, t @ (T::Int | T::Uint)) => Ok(t.clone()),
            (T::Int, T::Int) => Ok(T::Int),
            (T::Uint, T::Uint) => Ok(T::Uint),
            _ => err(),
        },
    }
}

/// The static result type of a unary operator: `!bool`, `-int`, `-double` (`dyn` accepted).
pub fn check_unary(op: UnaryOp, t: &Type) -> Result<Type, String> {
    match (op, t) {
        (UnaryOp::Not, Type::Bool | Type::Dyn) => Ok(Type::Bool),
        (UnaryOp::Neg, Type::Int) => Ok(Type::Int),
        (UnaryOp::Neg, Type::Double) => Ok(Type::Double),
        (UnaryOp::Neg, Type::Dyn) => Ok(Type::Dyn),
        (UnaryOp::Not, _) => Err(format!("no matching overload for `!{t}`")),
        (UnaryOp::Neg, _) => Err(format!("no matching overload for `-{t}`")),
    }
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use crate::cel::functions::time::{parse_duration, parse_timestamp};
    use crate::cel::value::MapValue;

    fn ts(s: &str) -> Value {
        parse_timestamp(s)
            .map(Value::Timestamp)
            .unwrap_or(Value::Null)
    }

    fn dur(s: &str) -> Value {
        parse_duration(s)
            .map(Value::Duration)
            .unwrap_or(Value::Null)
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn is_err_with(r: EvalResult, needle: &str) -> bool {
        matches!(r, Err(e) if e.to_string().contains(needle))
    }

    fn map(entries: Vec<(Value, Value)>) -> Value {
        Value::Map(Arc::new(MapValue { entries }))
    }

    #[test]
    fn integer_arithmetic() {
        use Value::{Int, Uint};
        assert_eq!(add(&Int(40), &Int(2)), Ok(Int(42)));
        assert_eq!(sub(&Int(-42), &Int(-12)), Ok(Int(-30)));
        assert_eq!(mul(&Int(40), &Int(-2)), Ok(Int(-80)));
        assert_eq!(div(&Int(-80), &Int(-2)), Ok(Int(40)));
        assert_eq!(rem(&Int(43), &Int(-5)), Ok(Int(3)));
        assert_eq!(rem(&Int(-42), &Int(-5)), Ok(Int(-2)));
        assert_eq!(rem(&Int(-3), &Int(5)), Ok(Int(-3)));
        assert_eq!(neg(&Int(-42)), Ok(Int(42)));
        assert_eq!(add(&Uint(42), &Uint(2)), Ok(Uint(44)));
        assert_eq!(rem(&Uint(42), &Uint(5)), Ok(Uint(2)));
        assert!(is_err_with(add(&Int(i64::MAX), &Int(1)), "overflow"));
        assert!(is_err_with(sub(&Int(i64::MIN), &Int(1)), "overflow"));
        assert!(is_err_with(sub(&Int(1), &Int(-i64::MAX)), "overflow"));
        assert!(is_err_with(neg(&Int(i64::MIN)), "overflow"));
        assert!(is_err_with(mul(&Int(i64::MIN), &Int(-1)), "overflow"));
        assert!(is_err_with(div(&Int(i64::MIN), &Int(-1)), "overflow"));
        assert!(is_err_with(rem(&Int(i64::MIN), &Int(-1)), "overflow"));
        assert!(is_err_with(
            mul(&Int(5_000_000_000), &Int(5_000_000_000)),
            "overflow"
        ));
        assert!(is_err_with(add(&Uint(u64::MAX), &Uint(1)), "overflow"));
        assert!(is_err_with(sub(&Uint(0), &Uint(1)), "overflow"));
        assert!(is_err_with(div(&Int(15), &Int(0)), "division by zero"));
        assert!(is_err_with(rem(&Int(34), &Int(0)), "modulus by zero"));
        assert!(is_err_with(div(&Uint(15), &Uint(0)), "division by zero"));
        assert!(is_err_with(rem(&Uint(34), &Uint(0)), "modulus by zero"));
        assert!(is_err_with(neg(&Uint(5)), "no such overload"));
        assert!(is_err_with(neg(&Value::Bool(false)), "no such overload"));
        assert!(is_err_with(add(&Int(1), &Uint(1)), "no such overload"));
        assert!(is_err_with(
            add(&Int(1), &Value::Double(1.0)),
            "no such overload"
        ));
    }

    #[test]
    fn double_arithmetic() {
        use Value::Double;
        assert_eq!(add(&Double(4.25), &Double(15.25)), Ok(Double(19.5)));
        assert_eq!(mul(&Double(40.75), &Double(-2.25)), Ok(Double(-91.6875)));
        assert_eq!(div(&Double(-8.875), &Double(-0.0625)), Ok(Double(142.0)));
        assert_eq!(div(&Double(15.75), &Double(0.0)), Ok(Double(f64::INFINITY)));
        assert_eq!(
            mul(&Double(2.0), &Double(-8.988466e307)),
            Ok(Double(f64::NEG_INFINITY))
        );
        assert_eq!(div(&Double(1e-324), &Double(2.0)), Ok(Double(0.0)));
        match neg(&Double(0.0)) {
            Ok(Double(z)) => assert!(z == 0.0 && z.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        assert!(is_err_with(
            rem(&Double(47.5), &Double(5.5)),
            "no such overload"
        ));
    }

    #[test]
    fn concatenation() {
        assert_eq!(add(&s("he"), &s("llo")), Ok(s("hello")));
        assert_eq!(add(&s(""), &s("Ω")), Ok(s("Ω")));
        let b = |x: &[u8]| Value::Bytes(Arc::from(x));
        assert_eq!(add(&b(b"abc"), &b(b"def")), Ok(b(b"abcdef")));
        let l = |xs: &[i64]| Value::list(xs.iter().map(|x| Value::Int(*x)).collect::<Vec<_>>());
        assert_eq!(add(&l(&[0, 1]), &l(&[2])), Ok(l(&[0, 1, 2])));
        assert_eq!(add(&l(&[]), &l(&[])), Ok(l(&[])));
        assert!(add(&s("a"), &l(&[1])).is_err());
    }

    #[test]
    fn time_arithmetic() {
        assert_eq!(
            add(&ts("2009-02-13T23:00:00Z"), &dur("240s")),
            Ok(ts("2009-02-13T23:04:00Z"))
        );
        assert_eq!(
            add(&dur("120s"), &ts("2009-02-13T23:01:00Z")),
            Ok(ts("2009-02-13T23:03:00Z"))
        );
        assert_eq!(add(&dur("600s"), &dur("50s")), Ok(dur("650s")));
        assert_eq!(
            add(&ts("0001-01-01T00:00:01.000000001Z"), &dur("-999999999ns")),
            Ok(ts("0001-01-01T00:00:00.000000002Z"))
        );
        assert_eq!(
            sub(&ts("2009-02-13T23:10:00Z"), &dur("600s")),
            Ok(ts("2009-02-13T23:00:00Z"))
        );
        assert_eq!(
            sub(&ts("2009-02-13T23:31:00Z"), &ts("2009-02-13T23:29:00Z")),
            Ok(dur("120s"))
        );
        assert_eq!(sub(&dur("900s"), &dur("42s")), Ok(dur("858s")));
        assert!(is_err_with(
            add(&ts("0001-01-01T00:00:00Z"), &dur("-1ns")),
            "range"
        ));
        assert!(is_err_with(
            add(&ts("9999-12-31T23:59:59.999999999Z"), &dur("1ns")),
            "range"
        ));
        assert!(is_err_with(
            sub(&ts("9999-12-31T23:59:59Z"), &ts("0001-01-01T00:00:00Z")),
            "range"
        ));
        assert!(is_err_with(
            sub(&ts("0001-01-01T00:00:00Z"), &ts("9999-12-31T23:59:59Z")),
            "range"
        ));
        assert!(is_err_with(
            add(&dur("2500000h"), &dur("2500000h")),
            "range"
        ));
        assert!(is_err_with(
            sub(&dur("-2500000h"), &dur("2500000h")),
            "range"
        ));
    }

    #[test]
    fn relations() {
        use BinaryOp::*;
        use Value::{Double, Int, Uint};
        let rel = |op, a: &Value, b: &Value| relation(op, a, b);
        assert_eq!(rel(Lt, &Int(1), &Int(2)), Ok(Value::Bool(true)));
        assert_eq!(rel(Lt, &Double(-0.0), &Double(0.0)), Ok(Value::Bool(false)));
        assert_eq!(rel(Lt, &s("a"), &s("AB")), Ok(Value::Bool(false)));
        assert_eq!(
            rel(Lt, &Value::Bool(false), &Value::Bool(true)),
            Ok(Value::Bool(true))
        );
        assert_eq!(rel(Le, &dur("200s"), &dur("200s")), Ok(Value::Bool(true)));
        assert_eq!(
            rel(Gt, &ts("2009-02-13T23:59:00Z"), &ts("2009-02-13T23:00:00Z")),
            Ok(Value::Bool(true))
        );
        // Heterogeneous numbers.
        assert_eq!(
            rel(Lt, &Int(1), &Uint(9_223_372_036_854_775_808)),
            Ok(Value::Bool(true))
        );
        assert_eq!(rel(Lt, &Uint(1), &Int(i64::MIN)), Ok(Value::Bool(false)));
        assert_eq!(
            rel(Lt, &Int(i64::MAX), &Double(9_223_372_036_854_775_808.0)),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            rel(Le, &Int(i64::MAX), &Double(9_223_372_036_854_775_808.0)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            rel(Lt, &Int(i64::MAX), &Double(9_223_372_036_854_777_857.0)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            rel(Ge, &Double(18_446_744_073_709_553_665.0), &Uint(u64::MAX)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            rel(Gt, &Uint(u64::MAX), &Double(18_446_744_073_709_590_000.0)),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            rel(Gt, &Uint(9_223_372_036_854_775_807), &Double(-1.0)),
            Ok(Value::Bool(true))
        );
        // NaN: every ordering is false, != is true.
        for op in [Lt, Le, Gt, Ge, Eq] {
            assert_eq!(
                rel(op, &Double(f64::NAN), &Int(1)),
                Ok(Value::Bool(false)),
                "{op:?}"
            );
        }
        assert_eq!(
            rel(Ne, &Double(f64::NAN), &Double(f64::NAN)),
            Ok(Value::Bool(true))
        );
        // Unordered kinds are errors.
        assert!(rel(Lt, &Value::Null, &Value::Null).is_err());
        assert!(rel(Lt, &s("foo"), &Int(1024)).is_err());
        assert!(rel(Ge, &Value::list(vec![]), &Value::list(vec![])).is_err());
        assert!(rel(Add, &Int(1), &Int(1)).is_err());
    }

    #[test]
    fn equality() {
        use Value::{Double, Int, Uint};
        assert_eq!(equals(&Int(1), &Double(1.0)), Ok(Value::Bool(true)));
        assert_eq!(equals(&Uint(2), &Int(2)), Ok(Value::Bool(true)));
        assert_eq!(equals(&s("a"), &Int(1)), Ok(Value::Bool(false)));
        assert_eq!(equals(&Value::Null, &Value::Null), Ok(Value::Bool(true)));
        assert_eq!(not_equals(&Int(1), &Value::Null), Ok(Value::Bool(true)));
        assert_eq!(
            binary(BinaryOp::Eq, &dur("60s"), &dur("3600s")),
            Ok(Value::Bool(false))
        );
    }

    #[test]
    fn membership_and_index() {
        use Value::{Double, Int, Uint};
        let list = Value::list(vec![Int(5), Int(4), Int(3)]);
        assert_eq!(contains_in(&Double(3.0), &list), Ok(Value::Bool(true)));
        assert_eq!(contains_in(&Uint(3), &list), Ok(Value::Bool(true)));
        assert_eq!(contains_in(&s("3"), &list), Ok(Value::Bool(false)));
        let m = map(vec![(Int(1), Int(1)), (Int(2), Int(2)), (Uint(3), Int(3))]);
        assert_eq!(contains_in(&Double(3.0), &m), Ok(Value::Bool(true)));
        assert_eq!(contains_in(&Double(3.1), &m), Ok(Value::Bool(false)));
        assert!(contains_in(&Int(1), &Int(1)).is_err());

        assert_eq!(index(&list, &Int(0)), Ok(Int(5)));
        assert_eq!(index(&list, &Uint(2)), Ok(Int(3)));
        assert_eq!(index(&list, &Double(1.0)), Ok(Int(4)));
        assert!(index(&list, &Double(0.1)).is_err());
        assert!(is_err_with(index(&list, &Int(3)), "index out of range: 3"));
        assert!(is_err_with(
            index(&list, &Int(-1)),
            "index out of range: -1"
        ));
        assert!(index(&list, &s("")).is_err());
        assert_eq!(index(&m, &Double(3.0)), Ok(Int(3)));
        assert_eq!(index(&m, &Uint(1)), Ok(Int(1)));
        assert!(is_err_with(index(&m, &Double(3.1)), "no such key"));
        let sm = map(vec![(s("name"), Uint(100))]);
        assert!(is_err_with(index(&sm, &s("nope")), "no such key: nope"));
        assert!(index(&Int(1), &Int(0)).is_err());
    }

    #[test]
    fn operator_typing() {
        use BinaryOp::*;
        use Type as T;
        let ok = |op, l: T, r: T| check_binary(op, &l, &r).map(|t| t.to_string());
        assert_eq!(ok(Add, T::Int, T::Int).as_deref(), Ok("int"));
        assert_eq!(
            ok(Add, T::Int, T::String).err().as_deref(),
            Some("no matching overload for `int + string`")
        );
        assert_eq!(ok(Add, T::Dyn, T::Int).as_deref(), Ok("int"));
        assert_eq!(ok(Add, T::Dyn, T::Dyn).as_deref(), Ok("dyn"));
        assert_eq!(
            ok(Add, T::Timestamp, T::Duration).as_deref(),
            Ok("timestamp")
        );
        assert_eq!(
            ok(Sub, T::Timestamp, T::Timestamp).as_deref(),
            Ok("duration")
        );
        assert_eq!(
            ok(Add, T::List(Box::new(T::Int)), T::List(Box::new(T::Int))).as_deref(),
            Ok("list(int)")
        );
        assert_eq!(ok(Rem, T::Int, T::Int).as_deref(), Ok("int"));
        assert!(ok(Rem, T::Double, T::Double).is_err());
        assert!(ok(Mul, T::Int, T::Uint).is_err());
        assert_eq!(ok(Eq, T::Int, T::Double).as_deref(), Ok("bool"));
        assert_eq!(ok(Eq, T::String, T::Null).as_deref(), Ok("bool"));
        assert_eq!(ok(Eq, T::Dyn, T::String).as_deref(), Ok("bool"));
        assert!(ok(Eq, T::String, T::Int).is_err());
        assert_eq!(ok(Lt, T::Int, T::Double).as_deref(), Ok("bool"));
        assert_eq!(ok(Lt, T::Dyn, T::Timestamp).as_deref(), Ok("bool"));
        assert!(ok(Lt, T::String, T::Int).is_err());
        assert!(ok(Lt, T::Null, T::Null).is_err());
        assert_eq!(
            ok(In, T::String, T::List(Box::new(T::String))).as_deref(),
            Ok("bool")
        );
        assert_eq!(
            ok(In, T::Int, T::Map(Box::new(T::Dyn), Box::new(T::Int))).as_deref(),
            Ok("bool")
        );
        assert!(ok(In, T::Int, T::Int).is_err());
        assert!(ok(In, T::String, T::List(Box::new(T::Int))).is_err());
        assert_eq!(ok(And, T::Bool, T::Dyn).as_deref(), Ok("bool"));
        assert!(ok(Or, T::Int, T::Bool).is_err());

        assert!(matches!(check_unary(UnaryOp::Neg, &T::Int), Ok(T::Int)));
        assert!(matches!(check_unary(UnaryOp::Not, &T::Dyn), Ok(T::Bool)));
        assert_eq!(
            check_unary(UnaryOp::Neg, &T::Uint).err().as_deref(),
            Some("no matching overload for `-uint`")
        );
        assert!(check_unary(UnaryOp::Not, &T::Int).is_err());
    }
}

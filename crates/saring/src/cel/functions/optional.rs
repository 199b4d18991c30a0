//! Optional values (cel-spec optional types, as cel-go's `OptionalTypes` library ships them):
//! `optional.of(x)`, `optional.none()`, `optional.ofNonZeroValue(x)`, `.hasValue()`,
//! `.value()`, `.orValue(d)` and `.or(o)`. The syntax (`x.?f`, `m[?k]`, `[?x]`, `{?k: v}`)
//! and the `optMap` / `optFlatMap` macros live in the parser, checker and evaluator; `or` and
//! `orValue` are planned as short-circuiting nodes (the alternative is evaluated only when
//! the optional has no value), the functions here serve the checker and constant folding.

use crate::cel::error::RuntimeErrorKind;
use chrono::{DateTime, Utc};

use super::no_match;
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// The error of `.value()` on `optional.none()` (cel-go's wording).
pub const NONE_DEREFERENCE: &str = "optional.none() dereference";

/// The value type inside an optional argument type (`dyn` for `dyn`), or `None` when the type
/// is not an optional.
fn inner(t: &Type) -> Option<Type> {
    match t {
        Type::Optional(t) => Some((**t).clone()),
        Type::Dyn => Some(Type::Dyn),
        _ => None,
    }
}

/// The result type of `orValue` / `or`: the optional's value type unless that is `dyn` (the
/// value type is kept, not widened to `dyn`, so that a list item holding protected fields
/// stays visible to the policy when its use is checked).
fn prefer_known(t: Type, alternative: &Type) -> Type {
    if t.is_dyn() {
        alternative.clone()
    } else {
        t
    }
}

/// Checker for `optional.of(x)` and `optional.ofNonZeroValue(x)`: `optional_type(T)`.
pub fn check_of(args: &[Type]) -> Result<Type, String> {
    match args {
        [t] => Ok(Type::Optional(Box::new(t.clone()))),
        _ => Err(no_match("optional.of", args)),
    }
}

/// Checker for `optional.none()`: an optional of any type.
pub fn check_none(args: &[Type]) -> Result<Type, String> {
    match args {
        [] => Ok(Type::Optional(Box::new(Type::Dyn))),
        _ => Err(no_match("optional.none", args)),
    }
}

/// Checker for `opt.hasValue()`: `bool`.
pub fn check_has_value(args: &[Type]) -> Result<Type, String> {
    match args {
        [t] if inner(t).is_some() => Ok(Type::Bool),
        _ => Err(no_match("hasValue", args)),
    }
}

/// Checker for `opt.value()`: the optional's value type.
pub fn check_value(args: &[Type]) -> Result<Type, String> {
    match args {
        [t] => inner(t).ok_or_else(|| no_match("value", args)),
        _ => Err(no_match("value", args)),
    }
}

/// Checker for `opt.orValue(d)`: the value type, which `d` must fit.
pub fn check_or_value(args: &[Type]) -> Result<Type, String> {
    match args {
        [o, d] => match inner(o) {
            Some(t) if t.assignable_to(d) || d.assignable_to(&t) => Ok(prefer_known(t, d)),
            _ => Err(no_match("orValue", args)),
        },
        _ => Err(no_match("orValue", args)),
    }
}

/// Checker for `opt.or(o)`: both optionals of the same type.
pub fn check_or(args: &[Type]) -> Result<Type, String> {
    match args {
        [a, b] => match (inner(a), inner(b)) {
            (Some(x), Some(y)) if x.assignable_to(&y) => {
                Ok(Type::Optional(Box::new(prefer_known(x, &y))))
            }
            _ => Err(no_match("or", args)),
        },
        _ => Err(no_match("or", args)),
    }
}

/// `optional.of(x)`.
pub fn of(args: &[&Value]) -> EvalResult {
    match args {
        [v] => Ok(Value::some((*v).clone())),
        _ => Err(EvalError::no_overload("optional.of", args.iter().copied())),
    }
}

/// `optional.none()`.
pub fn none(args: &[&Value]) -> EvalResult {
    match args {
        [] => Ok(Value::none()),
        _ => Err(EvalError::no_overload(
            "optional.none",
            args.iter().copied(),
        )),
    }
}

/// Whether a value is its type's zero value (`null`, `false`, `0`, `0u`, `0.0`, `""`, `b""`,
/// `[]`, `{}`, `duration("0s")`, and the timestamp `0001-01-01T00:00:00Z`, as cel-go has it).
pub fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !*b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Double(d) => *d == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(items) => items.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Duration(d) => d.is_zero_duration(),
        Value::Timestamp(t) => DateTime::<Utc>::from_timestamp(-62_135_596_800, 0) == Some(*t),
        Value::Type(_) | Value::Optional(_) => false,
    }
}

trait ZeroDuration {
    fn is_zero_duration(&self) -> bool;
}

impl ZeroDuration for chrono::TimeDelta {
    fn is_zero_duration(&self) -> bool {
        *self == chrono::TimeDelta::zero()
    }
}

/// `optional.ofNonZeroValue(x)`: `optional.none()` for a zero value, else `optional.of(x)`.
pub fn of_non_zero_value(args: &[&Value]) -> EvalResult {
    match args {
        [v] if is_zero(v) => Ok(Value::none()),
        [v] => Ok(Value::some((*v).clone())),
        _ => Err(EvalError::no_overload(
            "optional.ofNonZeroValue",
            args.iter().copied(),
        )),
    }
}

/// `opt.hasValue()`.
pub fn has_value(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Optional(o)] => Ok(Value::Bool(o.is_some())),
        _ => Err(EvalError::no_overload("hasValue", args.iter().copied())),
    }
}

/// `opt.value()`: the value, an error for `optional.none()`.
pub fn value(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Optional(Some(v))] => Ok((**v).clone()),
        [Value::Optional(None)] => Err(EvalError::new(
            RuntimeErrorKind::OptionalNone,
            NONE_DEREFERENCE,
        )),
        _ => Err(EvalError::no_overload("value", args.iter().copied())),
    }
}

/// `opt.orValue(d)` over evaluated arguments (the planner short-circuits it).
pub fn or_value(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Optional(Some(v)), _] => Ok((**v).clone()),
        [Value::Optional(None), d] => Ok((*d).clone()),
        _ => Err(EvalError::no_overload("orValue", args.iter().copied())),
    }
}

/// `opt.or(o)` over evaluated arguments (the planner short-circuits it).
pub fn or(args: &[&Value]) -> EvalResult {
    match args {
        [some @ Value::Optional(Some(_)), _] => Ok((*some).clone()),
        [Value::Optional(None), other @ Value::Optional(_)] => Ok((*other).clone()),
        _ => Err(EvalError::no_overload("or", args.iter().copied())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::value::MapValue;
    use std::sync::Arc;

    #[test]
    fn zero_values() {
        for v in [
            Value::Null,
            Value::Bool(false),
            Value::Int(0),
            Value::Uint(0),
            Value::Double(-0.0),
            Value::string(""),
            Value::Bytes(Arc::from(&b""[..])),
            Value::list(Vec::new()),
            Value::Map(Arc::new(MapValue::default())),
            Value::Duration(chrono::TimeDelta::zero()),
        ] {
            assert!(is_zero(&v), "{v:?}");
            assert_eq!(of_non_zero_value(&[&v]), Ok(Value::none()));
        }
        for v in [
            Value::Bool(true),
            Value::Int(-1),
            Value::string(" "),
            Value::list(vec![Value::Null]),
            Value::Timestamp(DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default()),
            Value::none(),
        ] {
            assert!(!is_zero(&v), "{v:?}");
            assert_eq!(of_non_zero_value(&[&v]), Ok(Value::some(v.clone())));
        }
    }

    #[test]
    fn accessors() {
        let some = Value::some(Value::Int(7));
        let none = Value::none();
        assert_eq!(has_value(&[&some]), Ok(Value::Bool(true)));
        assert_eq!(has_value(&[&none]), Ok(Value::Bool(false)));
        assert_eq!(value(&[&some]), Ok(Value::Int(7)));
        assert_eq!(
            value(&[&none]),
            Err(EvalError::new(
                RuntimeErrorKind::OptionalNone,
                NONE_DEREFERENCE
            ))
        );
        assert_eq!(or_value(&[&none, &Value::Int(3)]), Ok(Value::Int(3)));
        assert_eq!(or_value(&[&some, &Value::Int(3)]), Ok(Value::Int(7)));
        assert_eq!(or(&[&none, &some]), Ok(some.clone()));
        assert_eq!(or(&[&some, &none]), Ok(some.clone()));
        assert!(or(&[&none, &Value::Int(1)]).is_err());
        assert!(has_value(&[&Value::Int(1)]).is_err());
        assert!(value(&[&Value::Null]).is_err());
    }

    #[test]
    fn checker_types() {
        let opt_int = Type::Optional(Box::new(Type::Int));
        assert_eq!(
            check_value(std::slice::from_ref(&opt_int))
                .ok()
                .map(|t| t.to_string()),
            Some("int".into())
        );
        assert_eq!(
            check_or_value(&[opt_int.clone(), Type::Int])
                .ok()
                .map(|t| t.to_string()),
            Some("int".into())
        );
        assert!(check_or_value(&[opt_int.clone(), Type::String]).is_err());
        assert!(check_has_value(&[Type::Int]).is_err());
        assert_eq!(
            check_or(&[opt_int.clone(), opt_int.clone()])
                .ok()
                .map(|t| t.to_string()),
            Some("optional_type(int)".into())
        );
        assert_eq!(
            check_of(&[Type::String]).ok().map(|t| t.to_string()),
            Some("optional_type(string)".into())
        );
    }
}

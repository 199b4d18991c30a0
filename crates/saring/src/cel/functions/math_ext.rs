//! The math extension of cel-go (`ext.Math`, version 1): `math.greatest`, `math.least`,
//! `math.ceil`, `math.floor`, `math.round`, `math.trunc`, `math.abs`, `math.sign`,
//! `math.isNaN`, `math.isInf`, `math.isFinite` and the bit operations `math.bitAnd`,
//! `math.bitOr`, `math.bitXor`, `math.bitNot`, `math.bitShiftLeft`, `math.bitShiftRight`.
//!
//! Semantics and error messages follow cel-go and the cel-spec `math_ext` conformance cases:
//! `greatest`/`least` take one number, one list of numbers, or several numbers of any numeric
//! kinds, compare across kinds and return the winning value with its own kind (the first of
//! equal values); a NaN cannot be ordered; `round` rounds half away from zero; `abs` of the
//! smallest int overflows; shifts are logical (a negative int shifted right loses its sign)
//! and give 0 for 64 or more bits; a negative shift is an error.

use crate::cel::error::RuntimeErrorKind;
use std::cmp::Ordering;

use super::{no_match, resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::ops::numeric_order;
use crate::cel::types::Type;
use crate::cel::value::Value;

macro_rules! checker {
    ($fn_name:ident, $name:literal, [$(([$($p:ident),*], $r:ident)),*]) => {
        #[doc = concat!("Checker for `", $name, "`.")]
        pub fn $fn_name(args: &[Type]) -> Result<Type, String> {
            resolve($name, args, &[$((&[$(P::$p),*], P::$r)),*])
        }
    };
}

/// Argument counts of `math.greatest` and `math.least` (at least one).
pub(crate) static VARIADIC: [usize; 64] = {
    let mut a = [0usize; 64];
    let mut i = 0;
    while i < 64 {
        a[i] = i + 1;
        i += 1;
    }
    a
};

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Uint(_) | Value::Double(_))
}

fn is_numeric_type(t: &Type) -> bool {
    t.is_numeric() || t.is_dyn()
}

/// Checker for `math.greatest` and `math.least`: `(number)`, `(list(number))`, or two or
/// more numbers; the result keeps the kind when all arguments share it, else `dyn`.
fn check_min_max(name: &str, args: &[Type]) -> Result<Type, String> {
    match args {
        [] => Err(format!("{name}() requires at least one argument")),
        [t] if is_numeric_type(t) => Ok(t.clone()),
        [Type::List(elem)] if is_numeric_type(elem) => Ok((**elem).clone()),
        [_] => Err(no_match(name, args)),
        _ if args.iter().all(is_numeric_type) => {
            let first = &args[0];
            let same = !first.is_dyn()
                && args
                    .iter()
                    .all(|t| std::mem::discriminant(t) == std::mem::discriminant(first));
            Ok(if same { first.clone() } else { Type::Dyn })
        }
        _ => Err(no_match(name, args)),
    }
}

/// Checker for `math.greatest`.
pub fn check_greatest(args: &[Type]) -> Result<Type, String> {
    check_min_max("math.greatest", args)
}

/// Checker for `math.least`.
pub fn check_least(args: &[Type]) -> Result<Type, String> {
    check_min_max("math.least", args)
}

/// The winner of `a` and `b`: `b` only when it is strictly better (`want` is the ordering of
/// `a` against `b` that makes `b` win). `function` is cel-go's internal name for messages.
fn pick<'v>(
    a: &'v Value,
    b: &'v Value,
    want: Ordering,
    function: &str,
) -> Result<&'v Value, EvalError> {
    if !is_number(a) || !is_number(b) {
        return Err(EvalError::new(
            RuntimeErrorKind::NoOverload,
            format!("no such overload: {function}"),
        ));
    }
    let nan = |v: &Value| matches!(v, Value::Double(d) if d.is_nan());
    if nan(a) || nan(b) {
        return Err(EvalError::invalid(format!(
            "NaN values cannot be ordered: {function}"
        )));
    }
    match numeric_order(a, b) {
        Some(o) if o == want => Ok(b),
        Some(_) => Ok(a),
        None => Err(EvalError::invalid(format!(
            "NaN values cannot be ordered: {function}"
        ))),
    }
}

fn min_max(args: &[&Value], want: Ordering, function: &str) -> EvalResult {
    match args {
        [Value::List(list)] if list.is_empty() => Err(EvalError::invalid(format!(
            "{function}(list) argument must not be empty"
        ))),
        [Value::List(list)] => fold(list.iter(), want, function),
        [v] if !is_number(v) => Err(EvalError::no_overload(function, args.iter().copied())),
        _ => fold(args.iter().copied(), want, function),
    }
}

/// The winner among `values` (at least one).
fn fold<'v>(
    mut values: impl Iterator<Item = &'v Value>,
    want: Ordering,
    function: &str,
) -> EvalResult {
    let Some(mut best) = values.next() else {
        return Err(EvalError::new(
            RuntimeErrorKind::NoOverload,
            format!("no such overload: {function}"),
        ));
    };
    for v in values {
        best = pick(best, v, want, function)?;
    }
    if !is_number(best) {
        return Err(EvalError::new(
            RuntimeErrorKind::NoOverload,
            format!("no such overload: {function}"),
        ));
    }
    Ok(best.clone())
}

/// `math.greatest(...)`
pub fn greatest(args: &[&Value]) -> EvalResult {
    min_max(args, Ordering::Less, "math.@max")
}

/// `math.least(...)`
pub fn least(args: &[&Value]) -> EvalResult {
    min_max(args, Ordering::Greater, "math.@min")
}

checker!(check_ceil, "math.ceil", [([Double], Double)]);
checker!(check_floor, "math.floor", [([Double], Double)]);
checker!(check_round, "math.round", [([Double], Double)]);
checker!(check_trunc, "math.trunc", [([Double], Double)]);
checker!(check_is_nan, "math.isNaN", [([Double], Bool)]);
checker!(check_is_inf, "math.isInf", [([Double], Bool)]);
checker!(check_is_finite, "math.isFinite", [([Double], Bool)]);
checker!(
    check_abs,
    "math.abs",
    [([Int], Int), ([Uint], Uint), ([Double], Double)]
);
checker!(
    check_sign,
    "math.sign",
    [([Int], Int), ([Uint], Uint), ([Double], Double)]
);
checker!(
    check_bit_and,
    "math.bitAnd",
    [([Int, Int], Int), ([Uint, Uint], Uint)]
);
checker!(
    check_bit_or,
    "math.bitOr",
    [([Int, Int], Int), ([Uint, Uint], Uint)]
);
checker!(
    check_bit_xor,
    "math.bitXor",
    [([Int, Int], Int), ([Uint, Uint], Uint)]
);
checker!(check_bit_not, "math.bitNot", [([Int], Int), ([Uint], Uint)]);
checker!(
    check_bit_shift_left,
    "math.bitShiftLeft",
    [([Int, Int], Int), ([Uint, Int], Uint)]
);
checker!(
    check_bit_shift_right,
    "math.bitShiftRight",
    [([Int, Int], Int), ([Uint, Int], Uint)]
);

macro_rules! double_fn {
    ($fn_name:ident, $name:literal, |$d:ident| $body:expr) => {
        #[doc = concat!("`", $name, "(double)`")]
        pub fn $fn_name(args: &[&Value]) -> EvalResult {
            match args {
                [Value::Double($d)] => Ok($body),
                _ => Err(EvalError::no_overload($name, args.iter().copied())),
            }
        }
    };
}

double_fn!(ceil, "math.ceil", |d| Value::Double(d.ceil()));
double_fn!(floor, "math.floor", |d| Value::Double(d.floor()));
// `f64::round` rounds half away from zero, as Go's `math.Round`.
double_fn!(round, "math.round", |d| Value::Double(d.round()));
double_fn!(trunc, "math.trunc", |d| Value::Double(d.trunc()));
double_fn!(is_nan, "math.isNaN", |d| Value::Bool(d.is_nan()));
double_fn!(is_inf, "math.isInf", |d| Value::Bool(d.is_infinite()));
double_fn!(is_finite, "math.isFinite", |d| Value::Bool(d.is_finite()));

/// `math.abs(int | uint | double)`; the smallest int has no positive twin: overflow.
pub fn abs(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Int(i)] => i
            .checked_abs()
            .map(Value::Int)
            .ok_or_else(|| EvalError::overflow("integer overflow")),
        [Value::Uint(u)] => Ok(Value::Uint(*u)),
        [Value::Double(d)] => Ok(Value::Double(d.abs())),
        _ => Err(EvalError::no_overload("math.abs", args.iter().copied())),
    }
}

/// `math.sign(int | uint | double)`: -1, 0 or 1 of the argument's kind; NaN for NaN, and
/// `0.0` for both zeros.
pub fn sign(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Int(i)] => Ok(Value::Int(i.signum())),
        [Value::Uint(u)] => Ok(Value::Uint(u64::from(*u != 0))),
        [Value::Double(d)] => Ok(Value::Double(if d.is_nan() {
            *d
        } else if *d > 0.0 {
            1.0
        } else if *d < 0.0 {
            -1.0
        } else {
            0.0
        })),
        _ => Err(EvalError::no_overload("math.sign", args.iter().copied())),
    }
}

macro_rules! bit_pair {
    ($fn_name:ident, $name:literal, $op:tt) => {
        #[doc = concat!("`", $name, "(int, int)`, `", $name, "(uint, uint)`")]
        pub fn $fn_name(args: &[&Value]) -> EvalResult {
            match args {
                [Value::Int(a), Value::Int(b)] => Ok(Value::Int(a $op b)),
                [Value::Uint(a), Value::Uint(b)] => Ok(Value::Uint(a $op b)),
                _ => Err(EvalError::no_overload($name, args.iter().copied())),
            }
        }
    };
}

bit_pair!(bit_and, "math.bitAnd", &);
bit_pair!(bit_or, "math.bitOr", |);
bit_pair!(bit_xor, "math.bitXor", ^);

/// `math.bitNot(int | uint)`: the ones' complement.
pub fn bit_not(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Int(i)] => Ok(Value::Int(!i)),
        [Value::Uint(u)] => Ok(Value::Uint(!u)),
        _ => Err(EvalError::no_overload("math.bitNot", args.iter().copied())),
    }
}

/// The shift amount, refusing negative ones as cel-go does; `None` for 64 or more bits.
fn shift_bits(name: &str, bits: i64) -> Result<Option<u32>, EvalError> {
    if bits < 0 {
        return Err(EvalError::invalid(format!(
            "{name}() negative offset: {bits}"
        )));
    }
    Ok(u32::try_from(bits).ok().filter(|b| *b < 64))
}

/// `math.bitShiftLeft(int | uint, int)`
pub fn bit_shift_left(args: &[&Value]) -> EvalResult {
    const NAME: &str = "math.bitShiftLeft";
    match args {
        [Value::Int(v), Value::Int(bits)] => Ok(Value::Int(
            shift_bits(NAME, *bits)?.map_or(0, |b| v.wrapping_shl(b)),
        )),
        [Value::Uint(v), Value::Int(bits)] => Ok(Value::Uint(
            shift_bits(NAME, *bits)?.map_or(0, |b| v.wrapping_shl(b)),
        )),
        _ => Err(EvalError::no_overload(NAME, args.iter().copied())),
    }
}

/// `math.bitShiftRight(int | uint, int)`: a logical shift, also for an int (its sign bit is
/// not extended: vacant bits are filled with 0).
pub fn bit_shift_right(args: &[&Value]) -> EvalResult {
    const NAME: &str = "math.bitShiftRight";
    match args {
        [Value::Int(v), Value::Int(bits)] => Ok(Value::Int(
            shift_bits(NAME, *bits)?.map_or(0, |b| ((*v as u64) >> b) as i64),
        )),
        [Value::Uint(v), Value::Int(bits)] => {
            Ok(Value::Uint(shift_bits(NAME, *bits)?.map_or(0, |b| v >> b)))
        }
        _ => Err(EvalError::no_overload(NAME, args.iter().copied())),
    }
}

#[cfg(test)]
mod tests {
    use crate::cel::{Env, Program, Value};

    fn run(src: &str) -> Result<Value, String> {
        let env = Env {
            vars: vec![(
                "nums".into(),
                crate::cel::Type::List(Box::new(crate::cel::Type::Dyn)),
            )],
            ..Env::default()
        };
        let p = Program::compile(src, &env).map_err(|e| format!("compile: {}", e[0].message))?;
        let nums = Value::list(vec![Value::Int(3), Value::Uint(7), Value::Double(-1.5)]);
        p.eval(&[nums]).map_err(|e| e.to_string())
    }

    /// The value of `src`, which must match `want` in kind as well as in value.
    #[track_caller]
    fn is(src: &str, want: Value) {
        let got = run(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert!(
            std::mem::discriminant(&got) == std::mem::discriminant(&want) && got == want,
            "{src}: got {got:?}, want {want:?}"
        );
    }

    #[track_caller]
    fn fails(src: &str, message: &str) {
        match run(src) {
            Err(e) => assert_eq!(e, message, "{src}"),
            Ok(v) => panic!("{src}: expected an error, got {v:?}"),
        }
    }

    #[track_caller]
    fn nan(src: &str) {
        match run(src) {
            Ok(Value::Double(d)) => assert!(d.is_nan(), "{src}: {d}"),
            other => panic!("{src}: {other:?}"),
        }
    }

    #[test]
    fn greatest_and_least_keep_the_winning_kind() {
        is("math.greatest(-5)", Value::Int(-5));
        is("math.greatest(5u)", Value::Uint(5));
        is("math.greatest(1.5)", Value::Double(1.5));
        is("math.greatest(3, -3)", Value::Int(3));
        is("math.greatest(-3, 3u)", Value::Uint(3));
        is("math.greatest(5u, -7)", Value::Uint(5));
        is("math.greatest(1, 1.5)", Value::Double(1.5));
        // Ties: the first argument wins.
        is("math.greatest(1, 1.0)", Value::Int(1));
        is("math.greatest(1.0, 1)", Value::Double(1.0));
        is("math.greatest(1u, 1)", Value::Uint(1));
        is("math.least(1, 1u)", Value::Int(1));
        is(
            "math.greatest(5.4, 10, 3u, -5.0, 9223372036854775807)",
            Value::Int(i64::MAX),
        );
        is(
            "math.greatest(5.4, 10, 3u, -5.0, 18446744073709551615u)",
            Value::Uint(u64::MAX),
        );
        is("math.greatest(-1.797693e308, 1.5)", Value::Double(1.5));
        is("math.greatest([5.4, 10, 3u, -5.0, 3.5])", Value::Int(10));
        is("math.greatest([dyn(5.4), dyn(10u)])", Value::Uint(10));
        is(
            "math.least(5.4, 10, 3u, -5.0, 9223372036854775807)",
            Value::Double(-5.0),
        );
        is("math.least(-9223372036854775808, 1)", Value::Int(i64::MIN));
        is("math.least([5.4, 10u, 3u, 1u, 3.5])", Value::Uint(1));
        is("math.greatest(nums)", Value::Uint(7));
        is("math.least(nums)", Value::Double(-1.5));
        // A large int against a double: compared as cel-go does.
        is(
            "math.greatest(9223372036854775807, 1.0)",
            Value::Int(i64::MAX),
        );
    }

    #[test]
    fn greatest_and_least_errors() {
        fails(
            "math.greatest([])",
            "math.@max(list) argument must not be empty",
        );
        fails(
            "math.least([])",
            "math.@min(list) argument must not be empty",
        );
        fails(
            "math.greatest(1.0, 0.0/0.0)",
            "NaN values cannot be ordered: math.@max",
        );
        fails(
            "math.least([0.0/0.0, 1])",
            "NaN values cannot be ordered: math.@min",
        );
        fails(
            "math.greatest(dyn('a'))",
            "no such overload: math.@max(string)",
        );
        fails("math.greatest(1, dyn('a'))", "no such overload: math.@max");
        fails("math.least([1, 'a'])", "no such overload: math.@min");
        // Checker errors.
        fails(
            "math.greatest('a')",
            "compile: no matching overload for `math.greatest(string)`",
        );
        fails(
            "math.least(1, true)",
            "compile: no matching overload for `math.least(int, bool)`",
        );
        fails(
            "math.greatest(['a'])",
            "compile: no matching overload for `math.greatest(list(string))`",
        );
        fails(
            "math.greatest()",
            "compile: `math.greatest` does not take 0 argument(s)",
        );
    }

    #[test]
    fn greatest_result_types() {
        let ty = |src: &str| {
            Program::compile(src, &Env::default())
                .unwrap()
                .result_type()
                .to_string()
        };
        assert_eq!(ty("math.greatest(1, 2)"), "int");
        assert_eq!(ty("math.greatest([1u, 2u])"), "uint");
        assert_eq!(ty("math.least(1.0, 2.0, 3.0)"), "double");
        assert_eq!(ty("math.greatest(1, 2u)"), "dyn");
        assert_eq!(ty("math.abs(-1)"), "int");
        assert_eq!(ty("math.sign(1u)"), "uint");
        assert_eq!(ty("math.isNaN(1.0)"), "bool");
        assert_eq!(ty("math.bitShiftLeft(1u, 2)"), "uint");
    }

    #[test]
    fn rounding() {
        is("math.ceil(1.2)", Value::Double(2.0));
        is("math.ceil(-1.2)", Value::Double(-1.0));
        is("math.floor(1.2)", Value::Double(1.0));
        is("math.floor(-1.2)", Value::Double(-2.0));
        // Half away from zero.
        is("math.round(1.5)", Value::Double(2.0));
        is("math.round(-1.5)", Value::Double(-2.0));
        is("math.round(2.5)", Value::Double(3.0));
        is("math.round(-1.4)", Value::Double(-1.0));
        is("math.round(0.49999999999999994)", Value::Double(0.0));
        is("math.trunc(-1.7)", Value::Double(-1.0));
        is("math.trunc(1.7)", Value::Double(1.0));
        nan("math.round(0.0/0.0)");
        nan("math.trunc(0.0/0.0)");
        is("math.ceil(1.0/0.0)", Value::Double(f64::INFINITY));
        fails("math.ceil(dyn(1))", "no such overload: math.ceil(int)");
        fails(
            "math.floor(1)",
            "compile: no matching overload for `math.floor(int)`",
        );
    }

    #[test]
    fn abs_and_sign() {
        is("math.abs(-11)", Value::Int(11));
        is("math.abs(1u)", Value::Uint(1));
        is("math.abs(-11.5)", Value::Double(11.5));
        is("math.abs(9223372036854775807)", Value::Int(i64::MAX));
        fails("math.abs(-9223372036854775808)", "integer overflow");
        nan("math.abs(0.0/0.0)");
        is("math.sign(-42)", Value::Int(-1));
        is("math.sign(0)", Value::Int(0));
        is("math.sign(100u)", Value::Uint(1));
        is("math.sign(0u)", Value::Uint(0));
        is("math.sign(-32.0)", Value::Double(-1.0));
        is("math.sign(100.5)", Value::Double(1.0));
        nan("math.sign(0.0/0.0)");
        match run("math.sign(-0.0)") {
            Ok(Value::Double(d)) => assert!(d == 0.0 && d.is_sign_positive(), "{d}"),
            other => panic!("{other:?}"),
        }
        is("math.sign(-1.0/0.0)", Value::Double(-1.0));
        fails("math.sign(dyn(true))", "no such overload: math.sign(bool)");
    }

    #[test]
    fn float_classes() {
        is("math.isNaN(0.0/0.0)", Value::Bool(true));
        is("math.isNaN(1.0/0.0)", Value::Bool(false));
        is("math.isInf(1.0/0.0)", Value::Bool(true));
        is("math.isInf(-1.0/0.0)", Value::Bool(true));
        is("math.isInf(0.0/0.0)", Value::Bool(false));
        is("math.isFinite(1.0/1.5)", Value::Bool(true));
        is("math.isFinite(0.0/0.0)", Value::Bool(false));
        is("math.isFinite(-1.0/0.0)", Value::Bool(false));
        fails(
            "math.isNaN(dyn(true))",
            "no such overload: math.isNaN(bool)",
        );
    }

    #[test]
    fn bit_operations() {
        is("math.bitAnd(1, 3)", Value::Int(1));
        is("math.bitAnd(-3, -5)", Value::Int(-7));
        is("math.bitAnd(3u, 2u)", Value::Uint(2));
        is("math.bitOr(4, -2)", Value::Int(-2));
        is("math.bitOr(1u, 4u)", Value::Uint(5));
        is("math.bitXor(4, -2)", Value::Int(-6));
        is("math.bitXor(1u, 3u)", Value::Uint(2));
        is("math.bitNot(1)", Value::Int(-2));
        is("math.bitNot(-1)", Value::Int(0));
        is("math.bitNot(0u)", Value::Uint(u64::MAX));
        is("math.bitShiftLeft(1, 2)", Value::Int(4));
        is("math.bitShiftLeft(-1, 2)", Value::Int(-4));
        is("math.bitShiftLeft(1, 63)", Value::Int(i64::MIN));
        is("math.bitShiftLeft(1, 64)", Value::Int(0));
        is("math.bitShiftLeft(-1, 200)", Value::Int(0));
        is("math.bitShiftLeft(1u, 200)", Value::Uint(0));
        is("math.bitShiftRight(1024, 2)", Value::Int(256));
        // Logical: the sign bit is not extended.
        is(
            "math.bitShiftRight(-1024, 3)",
            Value::Int(2305843009213693824),
        );
        is("math.bitShiftRight(-1, 63)", Value::Int(1));
        is("math.bitShiftRight(1024, 64)", Value::Int(0));
        is("math.bitShiftRight(-1024, 64)", Value::Int(0));
        is("math.bitShiftRight(1024u, 2)", Value::Uint(256));
        is("math.bitShiftRight(1024u, 200)", Value::Uint(0));
        fails(
            "math.bitShiftLeft(1u, -1)",
            "math.bitShiftLeft() negative offset: -1",
        );
        fails(
            "math.bitShiftRight(1, -5)",
            "math.bitShiftRight() negative offset: -5",
        );
        fails(
            "math.bitAnd(2u, dyn(''))",
            "no such overload: math.bitAnd(uint, string)",
        );
        fails(
            "math.bitOr(dyn(1.2), 1)",
            "no such overload: math.bitOr(double, int)",
        );
        fails(
            "math.bitAnd(1, 2u)",
            "compile: no matching overload for `math.bitAnd(int, uint)`",
        );
        fails(
            "math.bitShiftLeft(1, 2u)",
            "compile: no matching overload for `math.bitShiftLeft(int, uint)`",
        );
    }
}

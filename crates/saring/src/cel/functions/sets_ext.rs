//! The sets extension of cel-go (`ext.Sets`): `sets.contains`, `sets.equivalent` and
//! `sets.intersects` over two lists, with CEL's heterogeneous equality (`1`, `1u` and `1.0`
//! are the same element; lists compare item by item). Duplicates do not matter.

use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// Both arguments are lists whose element types can be the same `T` (cel-go declares the
/// overloads as `(list(T), list(T)) -> bool`; `dyn` elements fit any `T`).
fn check_two_lists(name: &str, args: &[Type]) -> Result<Type, String> {
    let elem = |t: &Type| match t {
        Type::List(e) => Some((**e).clone()),
        Type::Dyn => Some(Type::Dyn),
        _ => None,
    };
    match args {
        [a, b] => match (elem(a), elem(b)) {
            (Some(x), Some(y)) if x.assignable_to(&y) && y.assignable_to(&x) => Ok(Type::Bool),
            _ => Err(super::no_match(name, args)),
        },
        _ => Err(super::no_match(name, args)),
    }
}

/// Checker for `sets.contains`.
pub fn check_contains(args: &[Type]) -> Result<Type, String> {
    check_two_lists("sets.contains", args)
}

/// Checker for `sets.equivalent`.
pub fn check_equivalent(args: &[Type]) -> Result<Type, String> {
    check_two_lists("sets.equivalent", args)
}

/// Checker for `sets.intersects`.
pub fn check_intersects(args: &[Type]) -> Result<Type, String> {
    check_two_lists("sets.intersects", args)
}

fn lists<'v>(name: &str, args: &[&'v Value]) -> Result<(&'v [Value], &'v [Value]), EvalError> {
    match args {
        [Value::List(a), Value::List(b)] => Ok((a, b)),
        _ => Err(EvalError::no_overload(name, args.iter().copied())),
    }
}

/// Every item of `sub` is an item of `of`.
fn includes(of: &[Value], sub: &[Value]) -> bool {
    sub.iter().all(|x| of.iter().any(|y| y.cel_eq(x)))
}

/// `sets.contains(a, b)`: every element of `b` is in `a` (true when `b` is empty).
pub fn contains(args: &[&Value]) -> EvalResult {
    let (a, b) = lists("sets.contains", args)?;
    Ok(Value::Bool(includes(a, b)))
}

/// `sets.equivalent(a, b)`: `a` and `b` hold the same elements, ignoring order and repeats.
pub fn equivalent(args: &[&Value]) -> EvalResult {
    let (a, b) = lists("sets.equivalent", args)?;
    Ok(Value::Bool(includes(a, b) && includes(b, a)))
}

/// `sets.intersects(a, b)`: some element is in both.
pub fn intersects(args: &[&Value]) -> EvalResult {
    let (a, b) = lists("sets.intersects", args)?;
    Ok(Value::Bool(a.iter().any(|x| b.iter().any(|y| x.cel_eq(y)))))
}

#[cfg(test)]
mod tests {
    use crate::cel::{Env, Program, Value};

    fn run(src: &str) -> Result<Value, String> {
        let p = Program::compile(src, &Env::default())
            .map_err(|e| format!("compile: {}", e[0].message))?;
        p.eval(&[]).map_err(|e| e.to_string())
    }

    #[track_caller]
    fn holds(src: &str) {
        assert_eq!(run(src), Ok(Value::Bool(true)), "{src}");
    }

    #[test]
    fn contains() {
        holds("sets.contains([], [])");
        holds("sets.contains([1], [])");
        holds("sets.contains([1], [1, 1])");
        holds("sets.contains([2, 1], [1])");
        holds("sets.contains([1, 2, 3, 4], [2, 3])");
        holds("sets.contains([1], [1.0, 1])");
        holds("sets.contains([1, 2], [2u, 2.0])");
        holds("sets.contains([1, 2.0, 3u], [1.0, 2u, 3])");
        holds("sets.contains([[1], [2, 3]], [[2, 3.0]])");
        holds("!sets.contains([], [1])");
        holds("!sets.contains([1], [1, 2])");
        holds("!sets.contains([1], ['1', 1])");
        holds("!sets.contains([1], [1.1, 1u])");
    }

    #[test]
    fn equivalent() {
        holds("sets.equivalent([], [])");
        holds("sets.equivalent([1], [1, 1])");
        holds("sets.equivalent([1], [1u, 1.0])");
        holds("sets.equivalent([1, 2, 3], [3u, 2.0, 1])");
        holds("sets.equivalent([[1.0], [2, 3]], [[1], [2, 3.0]])");
        holds("!sets.equivalent([2, 1], [1])");
        holds("!sets.equivalent([1, 2], [1u, 2, 2.3])");
    }

    #[test]
    fn intersects() {
        holds("sets.intersects([1], [1])");
        holds("sets.intersects([2, 1], [1])");
        holds("sets.intersects([1], [1.0, 2])");
        holds("sets.intersects([1, 2], [1u, 2, 2.3])");
        holds("sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])");
        holds("!sets.intersects([], [])");
        holds("!sets.intersects([1], [])");
        holds("!sets.intersects([1], ['1', 2])");
        holds("!sets.intersects([1], [1.1, 2u])");
    }

    #[test]
    fn types_and_errors() {
        assert_eq!(
            run("sets.contains([1], 1)"),
            Err("compile: no matching overload for `sets.contains(list(int), int)`".into())
        );
        assert_eq!(
            run("sets.intersects(['a'], [1])"),
            Err(
                "compile: no matching overload for `sets.intersects(list(string), list(int))`"
                    .into()
            )
        );
        assert_eq!(
            run("sets.equivalent(dyn(1), [1])"),
            Err("no such overload: sets.equivalent(int, list)".into())
        );
        let p = Program::compile("sets.contains(['a'], [dyn(1)])", &Env::default()).unwrap();
        assert_eq!(p.result_type().to_string(), "bool");
        assert_eq!(p.eval(&[]), Ok(Value::Bool(false)));
    }
}

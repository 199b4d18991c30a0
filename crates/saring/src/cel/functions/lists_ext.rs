//! The lists extension of cel-go (`ext.Lists`): `lists.range`, `slice`, `flatten`,
//! `distinct`, `sort` and `reverse` (of a list; `reverse` of a string is the strings
//! extension's), with cel-go's types and error messages. The `sortBy` macro is planned as a
//! comprehension (see [`crate::cel::ast::MacroKind::SortBy`]) and sorts with [`sort_keys`].
//! `first()` and `last()` return optional values, which saring does not have yet.

use crate::cel::error::RuntimeErrorKind;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use super::no_match;
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;
use crate::limits::MAX_LIST_ITEMS;

/// Most items `lists.range(n)` builds (record data may give `n`, so it is bounded like the
/// lists a record may hold).
pub const MAX_RANGE: i64 = MAX_LIST_ITEMS as i64;

fn list_elem(t: &Type) -> Option<Type> {
    match t {
        Type::List(e) => Some((**e).clone()),
        Type::Dyn => Some(Type::Dyn),
        _ => None,
    }
}

fn is_int(t: &Type) -> bool {
    matches!(t, Type::Int | Type::Dyn)
}

/// The element types `sort()` accepts (cel-go's comparable types); `dyn` is checked at run
/// time.
pub(crate) fn is_sortable(t: &Type) -> bool {
    matches!(
        t,
        Type::Int
            | Type::Uint
            | Type::Double
            | Type::Bool
            | Type::Duration
            | Type::Timestamp
            | Type::String
            | Type::Bytes
            | Type::Dyn
    )
}

/// Checker for `lists.range(n)`: `int -> list(int)`.
pub fn check_range(args: &[Type]) -> Result<Type, String> {
    match args {
        [n] if is_int(n) => Ok(Type::List(Box::new(Type::Int))),
        _ => Err(no_match("lists.range", args)),
    }
}

/// Checker for `list.slice(start, end)`: `(list(T), int, int) -> list(T)`.
pub fn check_slice(args: &[Type]) -> Result<Type, String> {
    match args {
        [l, a, b] if is_int(a) && is_int(b) => match list_elem(l) {
            Some(e) => Ok(Type::List(Box::new(e))),
            None => Err(no_match("slice", args)),
        },
        _ => Err(no_match("slice", args)),
    }
}

/// Checker for `list.flatten()` (`list(list(T)) -> list(T)`) and `list.flatten(depth)`
/// (`(list(dyn), int) -> list(dyn)`). As in cel-go, a list whose items are statically not
/// lists cannot be flattened one level.
pub fn check_flatten(args: &[Type]) -> Result<Type, String> {
    let dyn_list = || Type::List(Box::new(Type::Dyn));
    match args {
        [l] => match list_elem(l) {
            Some(Type::List(inner)) => Ok(Type::List(inner)),
            Some(Type::Dyn) => Ok(dyn_list()),
            _ => Err(no_match("flatten", args)),
        },
        [l, d] if is_int(d) && list_elem(l).is_some() => Ok(dyn_list()),
        _ => Err(no_match("flatten", args)),
    }
}

/// Checker for `list.distinct()` and `list.reverse()`: `list(T) -> list(T)` (`reverse` of a
/// string is `string -> string`).
pub fn check_distinct(args: &[Type]) -> Result<Type, String> {
    match args {
        [l] => list_elem(l)
            .map(|e| Type::List(Box::new(e)))
            .ok_or_else(|| no_match("distinct", args)),
        _ => Err(no_match("distinct", args)),
    }
}

/// Checker for `list.sort()`: `list(T) -> list(T)` for a comparable `T`.
pub fn check_sort(args: &[Type]) -> Result<Type, String> {
    match args {
        [l] => match list_elem(l) {
            Some(e) if is_sortable(&e) => Ok(Type::List(Box::new(e))),
            _ => Err(no_match("sort", args)),
        },
        _ => Err(no_match("sort", args)),
    }
}

/// Checker for `list.first()` and `list.last()`: `list(T) -> optional_type(T)`.
pub fn check_first_last(args: &[Type]) -> Result<Type, String> {
    match args {
        [l] => list_elem(l)
            .map(|e| Type::Optional(Box::new(e)))
            .ok_or_else(|| no_match("first", args)),
        _ => Err(no_match("first", args)),
    }
}

/// `list.first()`: the first item, `optional.none()` for an empty list.
pub fn first(args: &[&Value]) -> EvalResult {
    match args {
        [Value::List(items)] => Ok(items
            .first()
            .map_or_else(Value::none, |v| Value::some(v.clone()))),
        _ => Err(EvalError::no_overload("first", args.iter().copied())),
    }
}

/// `list.last()`: the last item, `optional.none()` for an empty list.
pub fn last(args: &[&Value]) -> EvalResult {
    match args {
        [Value::List(items)] => Ok(items
            .last()
            .map_or_else(Value::none, |v| Value::some(v.clone()))),
        _ => Err(EvalError::no_overload("last", args.iter().copied())),
    }
}

fn err(message: String) -> EvalError {
    EvalError::invalid(message)
}

fn err_kind(kind: RuntimeErrorKind, message: String) -> EvalError {
    EvalError::new(kind, message)
}

/// `lists.range(n)`: `[0, 1, ..., n - 1]`.
pub fn range(args: &[&Value]) -> EvalResult {
    let n = match args {
        [Value::Int(n)] => *n,
        _ => return Err(EvalError::no_overload("lists.range", args.iter().copied())),
    };
    if n < 0 {
        return Err(err(format!(
            "lists.range: size must be non-negative, got {n}"
        )));
    }
    if n > MAX_RANGE {
        return Err(err_kind(
            RuntimeErrorKind::Limit,
            format!("lists.range: size {n} exceeds maximum allowed ({MAX_RANGE})"),
        ));
    }
    Ok(Value::List((0..n).map(Value::Int).collect()))
}

/// `list.slice(start, end)`: the items from `start` up to (not including) `end`.
pub fn slice(args: &[&Value]) -> EvalResult {
    let (list, start, end) = match args {
        [Value::List(l), Value::Int(a), Value::Int(b)] => (l, *a, *b),
        _ => return Err(EvalError::no_overload("slice", args.iter().copied())),
    };
    if start < 0 || end < 0 {
        return Err(err(format!(
            "cannot slice({start}, {end}), negative indexes not supported"
        )));
    }
    if start > end {
        return Err(err(format!(
            "cannot slice({start}, {end}), start index must be less than or equal to end index"
        )));
    }
    let len = list.len();
    match (usize::try_from(start), usize::try_from(end)) {
        (Ok(a), Ok(b)) if b <= len => Ok(Value::List(list[a..b].iter().cloned().collect())),
        _ => Err(err_kind(
            RuntimeErrorKind::IndexOutOfRange,
            format!("cannot slice({start}, {end}), list is length {len}"),
        )),
    }
}

/// `list.flatten()` (one level) and `list.flatten(depth)`: nested lists spliced in, down to
/// `depth` levels. Iterative, so a deeply nested value cannot exhaust the stack.
pub fn flatten(args: &[&Value]) -> EvalResult {
    let (list, depth) = match args {
        [Value::List(l)] => (l, 1),
        [Value::List(l), Value::Int(d)] => (l, *d),
        _ => return Err(EvalError::no_overload("flatten", args.iter().copied())),
    };
    if depth < 0 {
        return Err(err("level must be non-negative".into()));
    }
    let mut out = Vec::with_capacity(list.len());
    // (the items left of a list, how many more levels below it may be flattened)
    let mut stack = vec![(list.iter(), depth)];
    while let Some((items, level)) = stack.last_mut() {
        let level = *level;
        match items.next() {
            None => {
                stack.pop();
            }
            Some(Value::List(inner)) if level > 0 => stack.push((inner.iter(), level - 1)),
            Some(v) => {
                // A list may hold the same large list many times over.
                if out.len() >= MAX_LIST_ITEMS {
                    return Err(too_large(out.len() + 1));
                }
                out.push(v.clone());
            }
        }
    }
    Ok(Value::List(out.into()))
}

#[cold]
fn too_large(items: usize) -> EvalError {
    err_kind(RuntimeErrorKind::Limit, format!(
        "value_too_large: the list would have {items} items or more, more than the limit of {MAX_LIST_ITEMS}"
    ))
}

/// A value's identity under CEL equality, for hashing: equal values (`1`, `1u`, `1.0`; maps
/// in any order) have equal keys. `None` for a value holding a NaN, which equals nothing.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum EqKey {
    Null,
    Bool(bool),
    /// An integer, or a double with an integral value in range.
    Integer(i128),
    /// Any other finite or infinite double, by its bits.
    Fraction(u64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    Timestamp(chrono::DateTime<chrono::Utc>),
    Duration(chrono::TimeDelta),
    Type(Arc<str>),
    /// `optional.none()` (`None`) or `optional.of(v)`.
    Optional(Option<Box<EqKey>>),
    List(Vec<EqKey>),
    /// Entries sorted by key.
    Map(Vec<(EqKey, EqKey)>),
}

fn eq_key(v: &Value) -> Option<EqKey> {
    Some(match v {
        Value::Null => EqKey::Null,
        Value::Bool(b) => EqKey::Bool(*b),
        Value::Int(i) => EqKey::Integer(i128::from(*i)),
        Value::Uint(u) => EqKey::Integer(i128::from(*u)),
        Value::Double(d) if d.is_nan() => return None,
        // Integral doubles below 2^64 in magnitude are exactly the integer they equal.
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 18_446_744_073_709_551_616.0 => {
            EqKey::Integer(*d as i128)
        }
        Value::Double(d) => EqKey::Fraction(d.to_bits()),
        Value::String(s) => EqKey::Str(s.clone()),
        Value::Bytes(b) => EqKey::Bytes(b.clone()),
        Value::Timestamp(t) => EqKey::Timestamp(*t),
        Value::Duration(d) => EqKey::Duration(*d),
        Value::Type(t) => EqKey::Type(t.clone()),
        Value::Optional(None) => EqKey::Optional(None),
        Value::Optional(Some(v)) => EqKey::Optional(Some(Box::new(eq_key(v)?))),
        Value::List(items) => EqKey::List(items.iter().map(eq_key).collect::<Option<_>>()?),
        Value::Map(m) => {
            let mut entries = m
                .entries
                .iter()
                .map(|(k, v)| Some((eq_key(k)?, eq_key(v)?)))
                .collect::<Option<Vec<_>>>()?;
            entries.sort();
            EqKey::Map(entries)
        }
    })
}

/// `list.distinct()`: the first of each group of equal items (CEL equality, so `1` and `1.0`
/// are one item), in order.
pub fn distinct(args: &[&Value]) -> EvalResult {
    let list = match args {
        [Value::List(l)] => l,
        _ => return Err(EvalError::no_overload("distinct", args.iter().copied())),
    };
    // Hashed, not compared pairwise: the list may come from record data.
    let mut seen = HashSet::with_capacity(list.len());
    let mut out: Vec<Value> = Vec::with_capacity(list.len());
    for v in list.iter() {
        // A value holding a NaN equals nothing, itself included: it is always kept.
        if eq_key(v).is_none_or(|k| seen.insert(k)) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out.into()))
}

/// `list.reverse()`: the items in reverse order.
pub fn reverse(list: &[Value]) -> Value {
    Value::List(list.iter().rev().cloned().collect())
}

/// The order of two sort keys of the same kind (`None`: not comparable).
fn key_order(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    Some(match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Uint(x), Uint(y)) => x.cmp(y),
        (Double(x), Double(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Bool(x), Bool(y)) => x.cmp(y),
        (String(x), String(y)) => x.cmp(y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (Timestamp(x), Timestamp(y)) => x.cmp(y),
        (Duration(x), Duration(y)) => x.cmp(y),
        _ => return None,
    })
}

/// The positions of `keys` in sorted order (stable): the keys must be of one comparable kind
/// (cel-go's errors otherwise).
pub(crate) fn sort_keys(keys: &[Value]) -> Result<Vec<usize>, EvalError> {
    let Some(first) = keys.first() else {
        return Ok(Vec::new());
    };
    if key_order(first, first).is_none() {
        return Err(err("list elements must be comparable".into()));
    }
    if keys
        .iter()
        .any(|k| std::mem::discriminant(k) != std::mem::discriminant(first))
    {
        return Err(err("list elements must have the same type".into()));
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&i, &j| match (keys.get(i), keys.get(j)) {
        (Some(a), Some(b)) => key_order(a, b).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    });
    Ok(order)
}

/// `list.sort()`: the items in ascending order; they must be of one comparable kind.
pub fn sort(args: &[&Value]) -> EvalResult {
    let list = match args {
        [Value::List(l)] => l,
        _ => return Err(EvalError::no_overload("sort", args.iter().copied())),
    };
    let order = sort_keys(list)?;
    Ok(Value::List(
        order.iter().filter_map(|&i| list.get(i).cloned()).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ints(xs: &[i64]) -> Value {
        Value::List(xs.iter().map(|&x| Value::Int(x)).collect())
    }

    fn list(xs: Vec<Value>) -> Value {
        Value::List(xs.into())
    }

    fn err_msg(r: EvalResult) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn range_cases() {
        assert_eq!(range(&[&Value::Int(4)]), Ok(ints(&[0, 1, 2, 3])));
        assert_eq!(range(&[&Value::Int(0)]), Ok(ints(&[])));
        assert_eq!(
            err_msg(range(&[&Value::Int(-1)])),
            "lists.range: size must be non-negative, got -1"
        );
        assert_eq!(
            err_msg(range(&[&Value::Int(MAX_RANGE + 1)])),
            format!("lists.range: size 1000001 exceeds maximum allowed ({MAX_RANGE})")
        );
    }

    #[test]
    fn slice_cases() {
        let l = ints(&[1, 2, 3, 4]);
        let s = |a: i64, b: i64| slice(&[&l, &Value::Int(a), &Value::Int(b)]);
        assert_eq!(s(1, 3), Ok(ints(&[2, 3])));
        assert_eq!(s(2, 4), Ok(ints(&[3, 4])));
        assert_eq!(s(4, 4), Ok(ints(&[])));
        assert_eq!(
            err_msg(s(3, 0)),
            "cannot slice(3, 0), start index must be less than or equal to end index"
        );
        assert_eq!(err_msg(s(0, 10)), "cannot slice(0, 10), list is length 4");
        assert_eq!(
            err_msg(s(-5, 10)),
            "cannot slice(-5, 10), negative indexes not supported"
        );
    }

    #[test]
    fn flatten_cases() {
        // [1, [2, [3, [4]]]]
        let nested = list(vec![
            Value::Int(1),
            list(vec![Value::Int(2), list(vec![Value::Int(3), ints(&[4])])]),
        ]);
        assert_eq!(
            flatten(&[&nested]),
            Ok(list(vec![
                Value::Int(1),
                Value::Int(2),
                list(vec![Value::Int(3), ints(&[4])])
            ]))
        );
        assert_eq!(
            flatten(&[&nested, &Value::Int(2)]),
            Ok(list(vec![
                Value::Int(1),
                Value::Int(2),
                Value::Int(3),
                ints(&[4])
            ]))
        );
        assert_eq!(
            flatten(&[&nested, &Value::Int(100)]),
            Ok(ints(&[1, 2, 3, 4]))
        );
        assert_eq!(flatten(&[&nested, &Value::Int(0)]), Ok(nested.clone()));
        assert_eq!(
            err_msg(flatten(&[&nested, &Value::Int(-1)])),
            "level must be non-negative"
        );
        // Empty lists vanish; a flat list stays as it is.
        let l = list(vec![ints(&[]), Value::Int(1), ints(&[]), ints(&[2, 3])]);
        assert_eq!(flatten(&[&l]), Ok(ints(&[1, 2, 3])));
        assert_eq!(flatten(&[&ints(&[1, 2])]), Ok(ints(&[1, 2])));
    }

    #[test]
    fn flatten_of_a_deep_value_does_not_recurse() {
        let mut v = ints(&[7]);
        for _ in 0..2_000 {
            v = list(vec![v]);
        }
        assert_eq!(flatten(&[&v, &Value::Int(i64::MAX)]), Ok(ints(&[7])));
    }

    #[test]
    fn flatten_is_bounded() {
        let big = Value::List(vec![Value::Int(0); 1000].into());
        let many = Value::List(vec![big; MAX_LIST_ITEMS / 1000 + 1].into());
        assert!(err_msg(flatten(&[&many])).starts_with("value_too_large"));
    }

    #[test]
    fn distinct_and_sort_cases() {
        assert_eq!(
            distinct(&[&ints(&[1, 2, 2, 3, 3, 3])]),
            Ok(ints(&[1, 2, 3]))
        );
        let mixed = list(vec![
            Value::Int(1),
            Value::string("b"),
            Value::Double(1.0),
            Value::Uint(2),
            Value::Int(2),
            Value::string("b"),
        ]);
        assert_eq!(
            distinct(&[&mixed]),
            Ok(list(vec![
                Value::Int(1),
                Value::string("b"),
                Value::Uint(2)
            ]))
        );
        assert_eq!(sort(&[&ints(&[3, 1, 2])]), Ok(ints(&[1, 2, 3])));
        let strs = list(vec![
            Value::string("b"),
            Value::string("c"),
            Value::string("a"),
        ]);
        assert_eq!(
            sort(&[&strs]),
            Ok(list(vec![
                Value::string("a"),
                Value::string("b"),
                Value::string("c")
            ]))
        );
        assert_eq!(
            err_msg(sort(&[&list(vec![Value::Int(1), Value::string("b")])])),
            "list elements must have the same type"
        );
        assert_eq!(
            err_msg(sort(&[&list(vec![ints(&[1])])])),
            "list elements must be comparable"
        );
        assert_eq!(reverse(&[Value::Int(1), Value::Int(2)]), ints(&[2, 1]));
    }

    #[test]
    fn checker_types() {
        let l = |t: Type| Type::List(Box::new(t));
        let s = |r: Result<Type, String>| r.map(|t| t.to_string());
        let ok = |t: &str| Ok::<String, String>(t.to_string());
        assert_eq!(s(check_range(&[Type::Int])), ok("list(int)"));
        assert!(check_range(&[Type::String]).is_err());
        assert_eq!(
            s(check_slice(&[l(Type::String), Type::Int, Type::Int])),
            ok("list(string)")
        );
        assert_eq!(s(check_flatten(&[l(l(Type::Int))])), ok("list(int)"));
        assert_eq!(
            s(check_flatten(&[l(Type::Int)])),
            Err("no matching overload for `flatten(list(int))`".to_string())
        );
        assert_eq!(
            s(check_flatten(&[l(Type::Int), Type::Int])),
            ok("list(dyn)")
        );
        assert_eq!(s(check_sort(&[l(Type::Double)])), ok("list(double)"));
        assert!(check_sort(&[l(l(Type::Int))]).is_err());
        assert_eq!(s(check_distinct(&[l(Type::Bool)])), ok("list(bool)"));
    }

    proptest! {
        #[test]
        fn sort_orders_and_keeps_the_items(xs in proptest::collection::vec(-50i64..50, 0..40)) {
            let sorted = sort(&[&ints(&xs)]);
            let mut want = xs.clone();
            want.sort();
            prop_assert_eq!(sorted, Ok(ints(&want)));
        }

        #[test]
        fn distinct_keeps_first_occurrences(xs in proptest::collection::vec(-5i64..5, 0..40)) {
            let mut want: Vec<i64> = Vec::new();
            for x in &xs {
                if !want.contains(x) {
                    want.push(*x);
                }
            }
            prop_assert_eq!(distinct(&[&ints(&xs)]), Ok(ints(&want)));
        }

        /// Hashing agrees with CEL equality: the same result as comparing pairwise.
        #[test]
        fn distinct_agrees_with_cel_equality(xs in proptest::collection::vec(
            prop_oneof![
                (-3i64..3).prop_map(Value::Int),
                (0u64..3).prop_map(Value::Uint),
                prop::sample::select(vec![0.0, -0.0, 1.0, 1.5, f64::NAN, f64::INFINITY])
                    .prop_map(Value::Double),
                prop::sample::select(vec!["a", "b"]).prop_map(Value::string),
            ],
            0..12,
        )) {
            let mut nested = xs.clone();
            nested.push(list(xs.iter().take(2).cloned().collect()));
            nested.push(list(xs.iter().skip(1).take(2).cloned().collect()));
            let mut want: Vec<Value> = Vec::new();
            for v in &nested {
                if !want.iter().any(|x| x.cel_eq(v)) {
                    want.push(v.clone());
                }
            }
            match distinct(&[&list(nested)]) {
                Ok(Value::List(got)) => {
                    prop_assert_eq!(got.len(), want.len());
                    for (g, w) in got.iter().zip(want.iter()) {
                        let same = g.cel_eq(w) || format!("{g:?}") == format!("{w:?}");
                        prop_assert!(same, "{:?} vs {:?}", g, w);
                    }
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }

        #[test]
        fn slices_concatenate_to_the_list(
            xs in proptest::collection::vec(-5i64..5, 0..20),
            cut in 0usize..20,
        ) {
            let l = ints(&xs);
            let cut = cut.min(xs.len()) as i64;
            let n = xs.len() as i64;
            let a = slice(&[&l, &Value::Int(0), &Value::Int(cut)]);
            let b = slice(&[&l, &Value::Int(cut), &Value::Int(n)]);
            match (a, b) {
                (Ok(Value::List(a)), Ok(Value::List(b))) => {
                    let joined: Vec<Value> = a.iter().chain(b.iter()).cloned().collect();
                    prop_assert_eq!(list(joined), l);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}

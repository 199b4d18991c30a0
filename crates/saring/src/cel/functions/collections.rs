//! `size` over strings (Unicode code points), bytes, lists and maps.

use super::{no_match, resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// Checker for `size`: one string, bytes, list or map argument; result `int`.
pub fn check_size(args: &[Type]) -> Result<Type, String> {
    resolve(
        "size",
        args,
        &[
            (&[P::Str], P::Int),
            (&[P::Bytes], P::Int),
            (&[P::List], P::Int),
            (&[P::Map], P::Int),
        ],
    )
    .map_err(|_| no_match("size", args))
}

/// `size(x)`: code points of a string, bytes of a bytes value, items of a list, entries of a map.
pub fn size(args: &[&Value]) -> EvalResult {
    let n = match args {
        [Value::String(s)] => s.chars().count(),
        [Value::Bytes(b)] => b.len(),
        [Value::List(l)] => l.len(),
        [Value::Map(m)] => m.len(),
        _ => return Err(EvalError::no_overload("size", args)),
    };
    i64::try_from(n)
        .map(Value::Int)
        .map_err(|_| EvalError::overflow("size out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::value::MapValue;
    use std::sync::Arc;

    #[test]
    fn size_of_each_kind() {
        assert_eq!(size(&[&Value::string("πέντε")]), Ok(Value::Int(5)));
        assert_eq!(size(&[&Value::string("")]), Ok(Value::Int(0)));
        assert_eq!(
            size(&[&Value::Bytes(Arc::from(&b"abc"[..]))]),
            Ok(Value::Int(3))
        );
        assert_eq!(
            size(&[&Value::list(vec![Value::Int(1), Value::Int(2)])]),
            Ok(Value::Int(2))
        );
        let m = MapValue {
            entries: vec![(Value::Int(1), Value::string("one"))],
        };
        assert_eq!(size(&[&Value::Map(Arc::new(m))]), Ok(Value::Int(1)));
        assert!(size(&[&Value::Int(1)]).is_err());
    }

    #[test]
    fn size_checks() {
        assert!(matches!(check_size(&[Type::String]), Ok(Type::Int)));
        assert!(matches!(check_size(&[Type::Dyn]), Ok(Type::Int)));
        assert_eq!(
            check_size(&[Type::Int]).err().as_deref(),
            Some("no matching overload for `size(int)`")
        );
    }
}

//! Runtime values of the CEL evaluator. Cloning a value never copies string, list or map
//! contents (they are reference counted), so evaluation does not allocate to pass values on.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

/// A CEL runtime value.
#[derive(Debug, Clone)]
pub enum Value {
    /// `null`
    Null,
    /// `bool`
    Bool(bool),
    /// `int` (64-bit signed)
    Int(i64),
    /// `uint` (64-bit unsigned)
    Uint(u64),
    /// `double`
    Double(f64),
    /// `string`
    String(Arc<str>),
    /// `bytes`
    Bytes(Arc<[u8]>),
    /// `list(T)`
    List(Arc<[Value]>),
    /// `map(K, V)`; keys are `bool`, `int`, `uint` or `string`.
    Map(Arc<MapValue>),
    /// `google.protobuf.Timestamp` (also the runtime form of schema `date` fields: midnight UTC).
    Timestamp(DateTime<Utc>),
    /// `google.protobuf.Duration`
    Duration(TimeDelta),
    /// A type value, e.g. the result of `type(1)` is `int`.
    Type(Arc<str>),
    /// `optional_type(T)`: `optional.of(v)` (`Some`) or `optional.none()` (`None`).
    Optional(Option<Arc<Value>>),
}

/// A CEL map: insertion-ordered entries, looked up with CEL key equality
/// (`1`, `1u` and `1.0` are the same key).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapValue {
    /// Entries in insertion order; keys are unique under CEL equality.
    pub entries: Vec<(Value, Value)>,
}

impl MapValue {
    /// Looks a key up with CEL's heterogeneous key equality.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.key_eq(key))
            .map(|(_, v)| v)
    }

    /// Looks up a string key (record objects, `a.b` field selection).
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find_map(|(k, v)| match k {
            Value::String(s) if &**s == key => Some(v),
            _ => None,
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A list value.
    pub fn list(items: impl Into<Arc<[Value]>>) -> Value {
        Value::List(items.into())
    }

    /// `optional.of(v)`.
    pub fn some(v: Value) -> Value {
        Value::Optional(Some(Arc::new(v)))
    }

    /// `optional.none()`.
    pub fn none() -> Value {
        Value::Optional(None)
    }

    /// The CEL type name of this value (`int`, `string`, `google.protobuf.Timestamp`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null_type",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Timestamp(_) => "google.protobuf.Timestamp",
            Value::Duration(_) => "google.protobuf.Duration",
            Value::Type(_) => "type",
            Value::Optional(_) => "optional_type",
        }
    }

    /// Equality as a map key / `in` membership: numeric kinds compare by value.
    pub fn key_eq(&self, other: &Value) -> bool {
        self.cel_eq(other)
    }

    /// CEL `==`: heterogeneous numeric equality, structural lists and maps, NaN != NaN.
    /// Values of unrelated types are simply not equal.
    pub fn cel_eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (String(a), String(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Timestamp(a), Timestamp(b)) => a == b,
            (Duration(a), Duration(b)) => a == b,
            (Type(a), Type(b)) => a == b,
            (Optional(a), Optional(b)) => match (a, b) {
                (None, None) => true,
                (Some(x), Some(y)) => x.cel_eq(y),
                _ => false,
            },
            (List(a), List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.cel_eq(y))
            }
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.entries
                        .iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.cel_eq(w)))
            }
            _ => match numeric_cmp(self, other) {
                Some(ord) => ord == std::cmp::Ordering::Equal,
                None => false,
            },
        }
    }
}

/// Orders two numeric values of any numeric kind exactly (no lossy casts); `None` when either
/// is not numeric or a NaN is involved.
pub fn numeric_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Uint(x), Uint(y)) => Some(x.cmp(y)),
        (Double(x), Double(y)) => x.partial_cmp(y),
        (Int(x), Uint(y)) => Some(if *x < 0 {
            Ordering::Less
        } else {
            (*x as u64).cmp(y)
        }),
        (Uint(x), Int(y)) => Some(if *y < 0 {
            Ordering::Greater
        } else {
            x.cmp(&(*y as u64))
        }),
        (Int(x), Double(y)) => cmp_i64_f64(*x, *y),
        (Double(x), Int(y)) => cmp_i64_f64(*y, *x).map(Ordering::reverse),
        (Uint(x), Double(y)) => cmp_u64_f64(*x, *y),
        (Double(x), Uint(y)) => cmp_u64_f64(*y, *x).map(Ordering::reverse),
        _ => None,
    }
}

fn cmp_i64_f64(x: i64, y: f64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if y.is_nan() {
        return None;
    }
    if y >= 9_223_372_036_854_775_808.0 {
        return Some(Ordering::Less);
    }
    if y < -9_223_372_036_854_775_808.0 {
        return Some(Ordering::Greater);
    }
    let t = y.trunc();
    match x.cmp(&(t as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(y - t)),
        o => Some(o),
    }
}

fn cmp_u64_f64(x: u64, y: f64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if y.is_nan() {
        return None;
    }
    if y >= 18_446_744_073_709_551_616.0 {
        return Some(Ordering::Less);
    }
    if y < 0.0 {
        return Some(Ordering::Greater);
    }
    let t = y.trunc();
    match x.cmp(&(t as u64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(y - t)),
        o => Some(o),
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cel_eq(other)
    }
}

impl fmt::Display for Value {
    /// A CEL-literal-like rendering, used in reasons and error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => write!(f, "{}", String::from_utf8_lossy(b)),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Timestamp(t) => {
                f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
            Value::Duration(d) => write!(f, "{}s", d.as_seconds_f64()),
            Value::Type(t) => f.write_str(t),
            Value::Optional(None) => f.write_str("optional.none()"),
            Value::Optional(Some(v)) => write!(f, "optional.of({v})"),
        }
    }
}

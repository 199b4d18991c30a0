//! Static types used by the checker. `Dyn` is CEL's gradual "any" type.

use std::fmt;
use std::sync::Arc;

use crate::schema::ObjectType;

/// A CEL static type.
#[derive(Debug, Clone)]
pub enum Type {
    /// Unknown until run time (`dyn`).
    Dyn,
    /// `null_type`
    Null,
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `uint`
    Uint,
    /// `double`
    Double,
    /// `string` (also schema `enum` fields)
    String,
    /// `bytes`
    Bytes,
    /// `google.protobuf.Timestamp` (also schema `date` and `timestamp` fields)
    Timestamp,
    /// `google.protobuf.Duration`
    Duration,
    /// `list(T)`
    List(Box<Type>),
    /// `map(K, V)`
    Map(Box<Type>, Box<Type>),
    /// A schema object: its fields are known statically.
    Object(Arc<ObjectType>),
    /// A type value (`type(x)`, `int`, ...).
    Type,
    /// `optional_type(T)`: a value that may be absent (`x.?f`, `m[?k]`, `optional.of(v)`).
    Optional(Box<Type>),
}

impl Type {
    /// True for `dyn` (anything goes at check time).
    pub fn is_dyn(&self) -> bool {
        matches!(self, Type::Dyn)
    }

    /// True for `string` (schema `string` and `enum` fields).
    pub fn is_string(&self) -> bool {
        matches!(self, Type::String)
    }

    /// The type inside `optional_type(T)`, if this is one.
    pub fn optional_inner(&self) -> Option<&Type> {
        match self {
            Type::Optional(t) => Some(t),
            _ => None,
        }
    }

    /// True for `int`, `uint` and `double`.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Uint | Type::Double)
    }

    /// Whether a value of type `self` may be passed where `other` is expected
    /// (`dyn` is compatible with everything; numeric kinds only with themselves).
    pub fn assignable_to(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Dyn, _) | (_, Type::Dyn) => true,
            (Type::List(a), Type::List(b)) => a.assignable_to(b),
            (Type::Map(k1, v1), Type::Map(k2, v2)) => k1.assignable_to(k2) && v1.assignable_to(v2),
            (Type::Optional(a), Type::Optional(b)) => a.assignable_to(b),
            (Type::Object(a), Type::Object(b)) => Arc::ptr_eq(a, b),
            (Type::Object(_), Type::Map(k, _)) => matches!(**k, Type::String | Type::Dyn),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }

    /// The common type of values that may be either `acc` (so far; `None` for the first) or
    /// `t`: the type itself when both are the same (and not `dyn`), else `dyn`. Used for the
    /// items of list and map literals and the branches of `?:`.
    pub fn unify(acc: Option<Type>, t: &Type) -> Type {
        match acc {
            None => t.clone(),
            Some(prev) if prev.assignable_to(t) && t.assignable_to(&prev) && !prev.is_dyn() => prev,
            Some(_) => Type::Dyn,
        }
    }

    /// Whether `==` between the two types can ever be true (used to reject `"a" == 1`);
    /// numbers compare across kinds, `null` compares with anything.
    pub fn comparable_with(&self, other: &Type) -> bool {
        (self.is_numeric() && other.is_numeric())
            || matches!(self, Type::Null)
            || matches!(other, Type::Null)
            || self.assignable_to(other)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dyn => f.write_str("dyn"),
            Type::Null => f.write_str("null_type"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Uint => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Duration => f.write_str("duration"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Map(k, v) => write!(f, "map({k}, {v})"),
            Type::Object(o) => write!(f, "object `{}`", o.path),
            Type::Type => f.write_str("type"),
            Type::Optional(t) => write!(f, "optional_type({t})"),
        }
    }
}

//! The compiled form of a CEL expression: names resolved to record slots, list sets, derived
//! values and rule results; regexes compiled; constants folded.

use std::sync::Arc;

use regex::Regex;
use rustc_hash::FxHashSet;

use crate::cel::ast::{BinaryOp, MacroKind};
use crate::cel::functions::Builtin;
use crate::cel::value::Value;

/// Lists up to this size are scanned; larger ones are hashed.
const SCAN_LIMIT: usize = 8;

/// A set of values for `x in list`: strings hashed (or scanned, for short lists), other values
/// compared with CEL equality. The keys come from the pack, so a fast non-keyed hash is safe.
#[derive(Debug, Default)]
pub struct ValueSet {
    strings: FxHashSet<Box<str>>,
    short: Vec<Box<str>>,
    others: Vec<Value>,
}

impl ValueSet {
    /// Builds a set from list items.
    pub fn new(items: &[Value]) -> ValueSet {
        let mut set = ValueSet::default();
        for item in items {
            match item {
                Value::String(s) => {
                    set.strings.insert(Box::from(&**s));
                }
                other => set.others.push(other.clone()),
            }
        }
        if set.strings.len() <= SCAN_LIMIT {
            set.short = set.strings.drain().collect();
        }
        set
    }

    /// CEL membership: `value in list`.
    pub fn contains(&self, value: &Value) -> bool {
        match value {
            Value::String(s) if self.strings.is_empty() => self.short.iter().any(|x| **x == **s),
            Value::String(s) => self.strings.contains(&**s),
            other => self.others.iter().any(|v| v.cel_eq(other)),
        }
    }
}

/// One IR node.
#[derive(Debug)]
pub enum Node {
    /// A constant.
    Const(Value),
    /// A name or function that could not be resolved in lenient mode: an error at run time.
    Unbound(Arc<str>),
    /// A record slot; absent means missing data at `path`.
    Slot {
        /// Slot index.
        slot: u32,
        /// Field path, for missing-data reports.
        path: Arc<str>,
    },
    /// `has()` of a slot field: whether it is present.
    Present(u32),
    /// An external variable by index (used by the conformance runner and embedders).
    Var(u32),
    /// A derived value by index.
    Derived(u32),
    /// Another rule's result by index.
    RuleRef(u32),
    /// A comprehension variable by depth index.
    Local(u32),
    /// Membership in a prebuilt set.
    InSet(Box<Node>, Arc<ValueSet>),
    /// `!x`
    Not(Box<Node>),
    /// `-x`
    Neg(Box<Node>),
    /// `a && b` with CEL's commutative error absorption.
    And(Box<Node>, Box<Node>),
    /// `a || b` with CEL's commutative error absorption.
    Or(Box<Node>, Box<Node>),
    /// `c ? a : b`
    Cond(Box<Node>, Box<Node>, Box<Node>),
    /// Arithmetic, comparison and `in` over values.
    Binary(BinaryOp, Box<Node>, Box<Node>),
    /// Field of a map value at run time (list items, dynamic maps).
    Select {
        /// The map.
        operand: Box<Node>,
        /// The key.
        field: Arc<str>,
        /// Schema path for missing-data reports (`legs[].country`), if known.
        path: Option<Arc<str>>,
    },
    /// `has(m.f)` over a map value.
    HasField(Box<Node>, Arc<str>),
    /// `a[i]`
    Index(Box<Node>, Box<Node>),
    /// A builtin call.
    Call(&'static Builtin, Vec<Node>),
    /// `s.matches(re)` with the pattern compiled once.
    Matches(Box<Node>, Arc<Regex>),
    /// A list literal with non-constant items.
    MakeList(Vec<Node>),
    /// A map literal with non-constant entries.
    MakeMap(Vec<(Node, Node)>),
    /// A comprehension macro.
    Comprehension {
        /// Which macro.
        kind: MacroKind,
        /// The list or map iterated.
        range: Box<Node>,
        /// Local variable index of the iteration variable.
        local: u32,
        /// Predicate (all/exists/exists_one/filter, and the 3-argument map's filter).
        predicate: Option<Box<Node>>,
        /// Transform (map).
        transform: Option<Box<Node>>,
    },
}

impl Node {
    /// The constant value, if this node is one.
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }
}

//! The cost model (see [`crate::limits::CostLimits`]): a static estimate of a planned
//! expression, computed when a pack is compiled, and the charges evaluation makes against
//! the per-record budget held in the evaluator's frame.
//!
//! The estimate is an upper bound on the work of one evaluation: a comprehension costs its
//! range plus, per item, its predicate and transform, with the number of items bounded by
//! what the range can hold (a constant's length, a named list's size, the schema's
//! `max_items`, or [`MAX_RECORD_LIST_ITEMS`]). Nesting therefore multiplies.

use std::collections::HashMap;
use std::sync::Arc;

use crate::cel::ast::BinaryOp;
use crate::cel::ir::{Node, Paths};
use crate::cel::value::Value;
use crate::limits::MAX_RECORD_LIST_ITEMS;

/// Bounds on the sizes of lists an expression can iterate.
#[derive(Debug, Default)]
pub(crate) struct Bounds {
    /// Declared `max_items` of list fields, by schema path (`legs`, `legs[].stops`).
    declared: HashMap<Arc<str>, u64>,
    /// Bound on each derived value's size, by index (derived values are costed on their
    /// own, once per record; a read costs one unit).
    derived: Vec<u64>,
}

impl Bounds {
    /// Bounds from the declared `max_items` of list fields.
    pub(crate) fn new(declared: impl IntoIterator<Item = (Arc<str>, u64)>) -> Bounds {
        Bounds {
            declared: declared.into_iter().collect(),
            derived: Vec::new(),
        }
    }

    /// Records the bound of the next derived value (declaration order).
    pub(crate) fn push_derived(&mut self, bound: u64) {
        self.derived.push(bound);
    }

    fn path(&self, paths: &Paths, id: u32) -> u64 {
        self.declared
            .get(paths.name(id))
            .copied()
            .unwrap_or(MAX_RECORD_LIST_ITEMS as u64)
    }

    /// The most items (list items, map entries, string bytes for `split`) `node` can
    /// evaluate to.
    pub(crate) fn size(&self, node: &Node, paths: &Paths) -> u64 {
        match node {
            Node::Const(v) => value_size(v),
            Node::MakeList(items) => items.len() as u64,
            Node::MakeMap(entries) => entries.len() as u64,
            Node::Slot(s) => self.path(paths, s.path),
            Node::Select { operand, .. } => match operand.2 {
                Some(path) => self.path(paths, path),
                None => MAX_RECORD_LIST_ITEMS as u64,
            },
            Node::Derived(i) => self
                .derived
                .get(*i as usize)
                .copied()
                .unwrap_or(MAX_RECORD_LIST_ITEMS as u64),
            Node::Comprehension(c) if is_opt_map(c) => c
                .transform
                .as_ref()
                .map_or(MAX_RECORD_LIST_ITEMS as u64, |t| self.size(t, paths)),
            Node::Comprehension(c) => self.size(&c.range, paths),
            Node::MakeListOpt(items) => items.len() as u64,
            Node::MakeMapOpt(entries) => entries.len() as u64,
            Node::OptSlot(s) => self.path(paths, s.path),
            Node::Cond(parts) => {
                let [_, a, b] = &**parts;
                self.size(a, paths).max(self.size(b, paths))
            }
            Node::Binary(BinaryOp::Add, operands, _) => {
                let [a, b] = &**operands;
                self.size(a, paths).saturating_add(self.size(b, paths))
            }
            _ => MAX_RECORD_LIST_ITEMS as u64,
        }
    }

    /// The static cost estimate of one evaluation of `node`.
    pub(crate) fn estimate(&self, node: &Node, paths: &Paths) -> u64 {
        let cost = |n: &Node| self.estimate(n, paths);
        let sum = |ns: &[Node]| ns.iter().fold(0u64, |acc, n| acc.saturating_add(cost(n)));
        let own = match node {
            Node::Const(_)
            | Node::Unbound(_)
            | Node::Slot(_)
            | Node::OptSlot(_)
            | Node::Var(_)
            | Node::Derived(_)
            | Node::Local(_)
            | Node::Present(_)
            | Node::RuleRef(_)
            | Node::Aggregate(_) => 0,
            Node::Neg(x, _)
            | Node::Not(x)
            | Node::HasField(x, _)
            | Node::InSet(x, _)
            | Node::Matches(x, _)
            | Node::StrMap(_, x)
            | Node::StrInSet(x, _)
            | Node::OptSelect(x, _)
            | Node::IntCmp { operand: x, .. }
            | Node::DoubleCmp { operand: x, .. } => cost(x),
            Node::Select { operand, .. } => cost(&operand.0),
            Node::Cond(parts) => sum(&parts[..]),
            Node::Binary(op, operands, _) => {
                let scan = match op {
                    BinaryOp::In => self.size(&operands[1], paths),
                    _ => 0,
                };
                sum(&operands[..]).saturating_add(scan)
            }
            Node::Index(operands, _)
            | Node::OptIndex(operands)
            | Node::OptOr { operands, .. }
            | Node::StrCmp(_, operands)
            | Node::StrTest(_, operands) => sum(&operands[..]),
            Node::MakeListOpt(items) => items
                .iter()
                .fold(0u64, |acc, (n, _)| acc.saturating_add(cost(n))),
            Node::MakeMapOpt(entries) => entries.iter().fold(0u64, |acc, (k, v, _)| {
                acc.saturating_add(cost(k)).saturating_add(cost(v))
            }),
            // `optMap` / `optFlatMap` evaluate their transform at most once.
            Node::Comprehension(c) if is_opt_map(c) => cost(&c.range)
                .saturating_add(1)
                .saturating_add(c.transform.as_ref().map_or(0, cost)),
            // `best_match` compares the name with every entry of its list.
            Node::Call(b, args, _) if b.name == "best_match" && args.len() == 2 => {
                sum(args).saturating_add(self.size(&args[1], paths))
            }
            Node::Call(_, args, _) | Node::MakeList(args) | Node::And(args) | Node::Or(args) => {
                sum(args)
            }
            Node::MakeMap(entries) => entries.iter().fold(0u64, |acc, (k, v)| {
                acc.saturating_add(cost(k)).saturating_add(cost(v))
            }),
            Node::AnyStrTest(t) => cost(&t.subject).saturating_add(t.items.len() as u64),
            Node::Comprehension(c) => {
                let per_item = 1u64
                    .saturating_add(c.predicate.as_ref().map_or(0, cost))
                    .saturating_add(c.transform.as_ref().map_or(0, cost));
                cost(&c.range).saturating_add(self.size(&c.range, paths).saturating_mul(per_item))
            }
        };
        own.saturating_add(1)
    }
}

/// An `optMap` or `optFlatMap` (a comprehension over one optional value).
fn is_opt_map(c: &crate::cel::ir::Comprehension) -> bool {
    matches!(
        c.kind,
        crate::cel::ast::MacroKind::OptMap | crate::cel::ast::MacroKind::OptFlatMap
    )
}

/// Items of a list or map, bytes of a string or bytes value, else 1.
fn value_size(v: &Value) -> u64 {
    match v {
        Value::List(items) => items.len() as u64,
        Value::Map(m) => m.entries.len() as u64,
        Value::String(s) => s.len() as u64,
        Value::Bytes(b) => b.len() as u64,
        _ => 1,
    }
}

/// Units per byte or list item read or built by a call.
const BYTES_PER_UNIT: u64 = 16;

/// What a function or operator call is charged at run time: one unit, plus one per
/// [`BYTES_PER_UNIT`] bytes (or list items) of its arguments and result; `similarity` and
/// `token_set_similarity` compare every pair of (capped) characters, `best_match` does so
/// for the name and each list entry.
pub(crate) fn call_cost(name: &str, args: &[&Value], result: &Value) -> u64 {
    let read = args.iter().fold(value_size(result), |acc, a| {
        acc.saturating_add(value_size(a))
    });
    let mut units = 1 + read / BYTES_PER_UNIT;
    let capped = |v: &Value| value_size(v).min(crate::limits::MAX_SIMILARITY_CHARS as u64);
    match (name, args) {
        ("similarity" | "token_set_similarity", [a, b]) => {
            units = units.saturating_add(capped(a) * capped(b) / BYTES_PER_UNIT);
        }
        ("best_match", [a, Value::List(items)]) => {
            let pairs = items.iter().fold(0u64, |acc, item| {
                acc.saturating_add(capped(a).saturating_mul(capped(item)))
            });
            units = units.saturating_add(pairs / BYTES_PER_UNIT);
        }
        _ => {}
    }
    units
}

/// What an operator is charged at run time (see [`call_cost`]).
pub(crate) fn op_cost(a: &Value, b: &Value, result: &Value) -> u64 {
    1 + value_size(a)
        .saturating_add(value_size(b))
        .saturating_add(value_size(result))
        / BYTES_PER_UNIT
}

//! Compile-time optimisation of IR nodes: constant folding, prebuilt membership sets and
//! regexes compiled once (size-limited).

use std::sync::Arc;

use regex::Regex;

use crate::cel::eval::{eval, Activation, Frame};
use crate::cel::functions::strings::build_regex;
use crate::cel::ir::{Node, ValueSet};
use crate::cel::value::Value;

/// Evaluates a node whose inputs are all constants, replacing it by its value. Nodes that
/// would fail at run time are kept as they are, so the error surfaces per record.
pub fn fold(node: Node) -> Node {
    if !is_foldable(&node) {
        return node;
    }
    let mut frame = Frame::default();
    match eval(&node, &Activation::empty(), &mut frame) {
        Ok(v) => Node::Const(v),
        Err(_) => node,
    }
}

fn is_const(n: &Node) -> bool {
    matches!(n, Node::Const(_))
}

fn is_foldable(node: &Node) -> bool {
    match node {
        Node::Not(a) | Node::Neg(a) => is_const(a),
        Node::InSet(a, _) => is_const(a),
        Node::Matches(a, _) => is_const(a),
        Node::And(a, b) | Node::Or(a, b) | Node::Binary(_, a, b) | Node::Index(a, b) => {
            is_const(a) && is_const(b)
        }
        Node::Cond(c, a, b) => is_const(c) && is_const(a) && is_const(b),
        Node::Call(b, args) => b.name != "dyn" && args.iter().all(is_const),
        Node::MakeList(items) => items.iter().all(is_const),
        Node::MakeMap(entries) => entries.iter().all(|(k, v)| is_const(k) && is_const(v)),
        Node::Select { operand, .. } | Node::HasField(operand, _) => is_const(operand),
        _ => false,
    }
}

/// Compiles a regular expression under the size limit.
pub fn compile_regex(pattern: &str) -> Result<Arc<Regex>, String> {
    build_regex(pattern)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// A membership set for a constant list value.
pub fn list_set(list: &Value) -> Option<Arc<ValueSet>> {
    match list {
        Value::List(items) => Some(Arc::new(ValueSet::new(items))),
        _ => None,
    }
}

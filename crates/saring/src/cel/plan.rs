//! The planner: lowers a checked tree ([`TExpr`]) to evaluable nodes ([`Node`]). Constant
//! sub-expressions are folded, `x in list` becomes a set lookup, constant regexes are
//! compiled once (size-limited), `&&`/`||` chains become n-ary nodes, and comparisons of a
//! typed record slot with a constant get specialised nodes that need no value dispatch.

use std::sync::Arc;

use crate::cel::ast::{BinaryOp, UnaryOp};
use crate::cel::eval::fold;
use crate::cel::functions::strings::build_regex;
use crate::cel::ir::{Cmp, Comprehension, Node, Paths, SlotRef, StrTest, ValueSet};
use crate::cel::resolve::Env;
use crate::cel::typecheck::{CheckError, TExpr, TKind};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// Largest integer constant a double comparison is specialised for (exact as a double).
const EXACT_INT_IN_DOUBLE: i64 = 1 << 53;

/// Lowers a checked expression. `paths` gives (and collects) the ids of record paths named in
/// missing-data reports. Errors are constant regexes that do not compile.
pub(crate) fn plan(expr: &TExpr, env: &Env, paths: &mut Paths) -> Result<Node, Vec<CheckError>> {
    let mut p = Planner {
        env,
        paths,
        errors: Vec::new(),
    };
    let node = p.lower(expr);
    if p.errors.is_empty() {
        Ok(node)
    } else {
        Err(p.errors)
    }
}

struct Planner<'p> {
    env: &'p Env,
    paths: &'p mut Paths,
    errors: Vec<CheckError>,
}

/// Replaces a node whose inputs are all constants by its value. Nodes that would fail at run
/// time are kept, so the error surfaces per record.
fn folded(node: Node) -> Node {
    if !is_foldable(&node) {
        return node;
    }
    match fold(&node) {
        Some(v) => Node::Const(v),
        None => node,
    }
}

fn is_const(n: &Node) -> bool {
    matches!(n, Node::Const(_))
}

fn is_foldable(node: &Node) -> bool {
    match node {
        Node::Not(a) | Node::Neg(a) | Node::InSet(a, _) | Node::Matches(a, _) => is_const(a),
        Node::HasField(a, _) | Node::Select { operand: a, .. } => is_const(a),
        Node::And(ops) | Node::Or(ops) | Node::MakeList(ops) => ops.iter().all(is_const),
        Node::Binary(_, ops) | Node::Index(ops) => ops.iter().all(is_const),
        Node::Cond(ops) => ops.iter().all(is_const),
        Node::Call(b, args) => b.name != "dyn" && args.iter().all(is_const),
        Node::MakeMap(entries) => entries.iter().all(|(k, v)| is_const(k) && is_const(v)),
        _ => false,
    }
}

impl Planner<'_> {
    fn slot_ref(&mut self, e: &TExpr) -> Option<SlotRef> {
        match &e.kind {
            TKind::Slot { slot, path } => Some(SlotRef {
                slot: *slot,
                path: self.paths.id(path),
            }),
            _ => None,
        }
    }

    fn lower_all(&mut self, items: &[TExpr]) -> Box<[Node]> {
        items.iter().map(|e| self.lower(e)).collect()
    }

    fn lower(&mut self, e: &TExpr) -> Node {
        match &e.kind {
            TKind::Const(v) => Node::Const(v.clone()),
            TKind::Poison => Node::Const(Value::Null),
            TKind::Unbound(m) => Node::Unbound(m.clone()),
            TKind::Slot { .. } => match self.slot_ref(e) {
                Some(s) => Node::Slot(s),
                None => Node::Const(Value::Null),
            },
            TKind::Present(slot) => Node::Present(*slot),
            TKind::Var(i) => Node::Var(*i),
            TKind::Derived(i) => Node::Derived(*i),
            TKind::RuleRef(i) => Node::RuleRef(*i),
            TKind::Local(i) => Node::Local(*i),
            TKind::List(i) => match self.env.lists.get(*i as usize) {
                Some(l) => Node::Const(l.value.clone()),
                None => Node::Const(Value::Null),
            },
            TKind::InList(elem, i) => {
                let set = match self.env.lists.get(*i as usize) {
                    Some(l) => l.set.clone(),
                    None => Arc::new(ValueSet::default()),
                };
                self.in_set(elem, set)
            }
            TKind::Unary(UnaryOp::Not, x) => folded(Node::Not(Box::new(self.lower(x)))),
            TKind::Unary(UnaryOp::Neg, x) => folded(Node::Neg(Box::new(self.lower(x)))),
            TKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), _, _) => {
                let mut operands = Vec::new();
                self.flatten(*op, e, &mut operands);
                let operands = operands.into_boxed_slice();
                folded(if *op == BinaryOp::And {
                    Node::And(operands)
                } else {
                    Node::Or(operands)
                })
            }
            TKind::Binary(op, l, r) => self.binary(*op, l, r),
            TKind::Cond(c, a, b) => {
                let parts = [self.lower(c), self.lower(a), self.lower(b)];
                folded(Node::Cond(Box::new(parts)))
            }
            TKind::Select {
                operand,
                field,
                path,
            } => {
                let path = path.as_ref().map(|p| self.paths.id(p));
                folded(Node::Select {
                    operand: Box::new(self.lower(operand)),
                    field: field.clone(),
                    path,
                })
            }
            TKind::HasField(operand, field) => {
                folded(Node::HasField(Box::new(self.lower(operand)), field.clone()))
            }
            TKind::Index(a, i) => {
                let parts = [self.lower(a), self.lower(i)];
                folded(Node::Index(Box::new(parts)))
            }
            TKind::Call(builtin, args) => self.call(builtin, args),
            TKind::MakeList(items) => folded(Node::MakeList(self.lower_all(items))),
            TKind::MakeMap(entries) => {
                let entries: Box<[(Node, Node)]> = entries
                    .iter()
                    .map(|(k, v)| (self.lower(k), self.lower(v)))
                    .collect();
                folded(Node::MakeMap(entries))
            }
            TKind::Comprehension {
                kind,
                range,
                local,
                predicate,
                transform,
            } => Node::Comprehension(Box::new(Comprehension {
                kind: *kind,
                range: self.lower(range),
                local: *local,
                predicate: predicate.as_ref().map(|p| self.lower(p)),
                transform: transform.as_ref().map(|t| self.lower(t)),
            })),
        }
    }

    /// The operands of a chain of the same logical operator, in source order.
    fn flatten(&mut self, op: BinaryOp, e: &TExpr, out: &mut Vec<Node>) {
        match &e.kind {
            TKind::Binary(o, l, r) if *o == op => {
                self.flatten(op, l, out);
                self.flatten(op, r, out);
            }
            _ => out.push(self.lower(e)),
        }
    }

    fn in_set(&mut self, elem: &TExpr, set: Arc<ValueSet>) -> Node {
        if elem.ty.is_string() {
            if let Some(s) = self.slot_ref(elem) {
                return Node::SlotInSet(s, set);
            }
        }
        folded(Node::InSet(Box::new(self.lower(elem)), set))
    }

    fn binary(&mut self, op: BinaryOp, l: &TExpr, r: &TExpr) -> Node {
        if let Some(node) = self.slot_comparison(op, l, r) {
            return node;
        }
        let (ln, rn) = (self.lower(l), self.lower(r));
        if op == BinaryOp::In {
            if let Node::Const(Value::List(items)) = &rn {
                let set = Arc::new(ValueSet::new(items));
                if l.ty.is_string() {
                    if let Node::Slot(s) = ln {
                        return Node::SlotInSet(s, set);
                    }
                }
                return folded(Node::InSet(Box::new(ln), set));
            }
        }
        folded(Node::Binary(op, Box::new([ln, rn])))
    }

    /// A typed slot compared with a constant, either way round.
    fn slot_comparison(&mut self, op: BinaryOp, l: &TExpr, r: &TExpr) -> Option<Node> {
        let cmp = Cmp::of(op)?;
        let (slot_side, k, cmp) = match (&l.kind, &r.kind) {
            (TKind::Slot { .. }, TKind::Const(k)) => (l, k, cmp),
            (TKind::Const(k), TKind::Slot { .. }) => (r, k, cmp.flip()),
            _ => return None,
        };
        let node = match (&slot_side.ty, k, cmp) {
            (t, Value::String(k), Cmp::Eq | Cmp::Ne) if t.is_string() => Node::SlotStrEq {
                slot: self.slot_ref(slot_side)?,
                value: Box::from(&**k),
                negate: cmp == Cmp::Ne,
            },
            (Type::Int, Value::Int(k), _) => Node::SlotIntCmp {
                slot: self.slot_ref(slot_side)?,
                op: cmp,
                value: *k,
            },
            (Type::Double, Value::Double(k), _) => Node::SlotDoubleCmp {
                slot: self.slot_ref(slot_side)?,
                op: cmp,
                value: *k,
            },
            (Type::Double, Value::Int(k), _) if k.abs() <= EXACT_INT_IN_DOUBLE => {
                Node::SlotDoubleCmp {
                    slot: self.slot_ref(slot_side)?,
                    op: cmp,
                    value: *k as f64,
                }
            }
            _ => return None,
        };
        Some(node)
    }

    fn call(&mut self, builtin: &'static crate::cel::functions::Builtin, args: &[TExpr]) -> Node {
        let mut nodes: Vec<Node> = args.iter().map(|a| self.lower(a)).collect();
        if nodes.len() == 2 {
            if let Node::Const(Value::String(k)) = &nodes[1] {
                let k = k.clone();
                // `s.matches("literal")`: compile the regex once, at load.
                if builtin.name == "matches" {
                    let span = args[1].span;
                    return match build_regex(&k) {
                        Ok(re) => {
                            let re = Arc::new(re);
                            let subject = nodes.swap_remove(0);
                            match subject {
                                Node::Slot(s) if args[0].ty.is_string() => Node::SlotMatches(s, re),
                                subject => folded(Node::Matches(Box::new(subject), re)),
                            }
                        }
                        Err(e) => {
                            let text = e.to_string();
                            let first = text
                                .lines()
                                .last()
                                .unwrap_or("invalid regular expression")
                                .trim()
                                .to_string();
                            self.errors.push(CheckError::new(
                                "cel.bad_regex",
                                span,
                                format!("invalid regular expression `{k}`: {first}"),
                                Some(
                                    "patterns use RE2 syntax; escape special characters with `\\\\`"
                                        .into(),
                                ),
                            ));
                            Node::Const(Value::Null)
                        }
                    };
                }
                if let (Some(test), Node::Slot(s)) = (StrTest::of(builtin.name), &nodes[0]) {
                    if args[0].ty.is_string() {
                        return Node::SlotStrTest {
                            slot: *s,
                            test,
                            value: Box::from(&*k),
                        };
                    }
                }
            }
        }
        folded(Node::Call(builtin, nodes.into_boxed_slice()))
    }
}

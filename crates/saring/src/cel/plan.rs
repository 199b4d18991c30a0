//! The planner: lowers a checked tree ([`TExpr`]) to evaluable nodes ([`Node`]). Constant
//! sub-expressions are folded, `x in list` becomes a set lookup, constant regexes are
//! compiled once (size-limited), `&&`/`||` chains become n-ary nodes, and comparisons of a
//! typed record slot with a constant get specialised nodes that need no value dispatch.

use crate::diagnostic::Code;
use std::sync::Arc;

use crate::cel::ast::{BinaryOp, MacroKind, Span, UnaryOp};
use crate::cel::eval::fold;
use crate::cel::functions::strings::build_regex;
use crate::cel::ir::{
    AnyStrTest, Cmp, Comprehension, Node, Paths, Sites, SlotRef, StrMap, StrTest, ValueSet,
};
use crate::cel::resolve::Env;
use crate::cel::typecheck::{CheckError, TExpr, TKind};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// Largest integer constant a double comparison is specialised for (exact as a double).
const EXACT_INT_IN_DOUBLE: i64 = 1 << 53;

/// Lowers a checked expression. `paths` gives (and collects) the ids of record paths named in
/// missing-data reports. Errors are constant regexes that do not compile.
pub(crate) fn plan(
    expr: &TExpr,
    env: &Env,
    paths: &mut Paths,
    sites: &mut Sites,
) -> Result<Node, Vec<CheckError>> {
    let mut p = Planner {
        env,
        paths,
        sites,
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
    sites: &'p mut Sites,
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
        Node::Not(a) | Node::Neg(a, _) | Node::InSet(a, _) | Node::Matches(a, _) => is_const(a),
        Node::StrMap(_, a) | Node::StrInSet(a, _) => is_const(a),
        Node::StrTest(_, ops) | Node::StrCmp(_, ops) => ops.iter().all(is_const),
        Node::HasField(a, _) | Node::OptSelect(a, _) => is_const(a),
        Node::Select { operand, .. } => is_const(&operand.0),
        Node::OptIndex(ops) | Node::OptOr { operands: ops, .. } => ops.iter().all(is_const),
        Node::MakeListOpt(items) => items.iter().all(|(n, _)| is_const(n)),
        Node::MakeMapOpt(entries) => entries.iter().all(|(k, v, _)| is_const(k) && is_const(v)),
        Node::And(ops) | Node::Or(ops) | Node::MakeList(ops) => ops.iter().all(is_const),
        Node::Binary(_, ops, _) | Node::Index(ops, _) => ops.iter().all(is_const),
        Node::Cond(ops) => ops.iter().all(is_const),
        Node::Call(b, args, _) => b.name != "dyn" && args.iter().all(is_const),
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
            TKind::OptSlot { slot, path } => Node::OptSlot(SlotRef {
                slot: *slot,
                path: self.paths.id(path),
            }),
            TKind::OptSelect { operand, field } => folded(Node::OptSelect(
                Box::new(self.lower(operand)),
                field.clone(),
            )),
            TKind::OptIndex(a, i) => {
                let parts = [self.lower(a), self.lower(i)];
                folded(Node::OptIndex(Box::new(parts)))
            }
            TKind::MakeListOpt(items) => folded(Node::MakeListOpt(
                items.iter().map(|(e, o)| (self.lower(e), *o)).collect(),
            )),
            TKind::MakeMapOpt(entries) => folded(Node::MakeMapOpt(
                entries
                    .iter()
                    .map(|(k, v, o)| (self.lower(k), self.lower(v), *o))
                    .collect(),
            )),
            TKind::Var(i) => Node::Var(*i),
            TKind::Derived(i) => Node::Derived(*i),
            TKind::RuleRef(i) => Node::RuleRef(*i),
            TKind::Aggregate(i) => Node::Aggregate(*i),
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
            TKind::Unary(UnaryOp::Neg, x) => {
                let x = self.lower(x);
                folded(Node::Neg(Box::new(x), self.sites.add(e.span)))
            }
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
            TKind::Binary(op, l, r) => self.binary(*op, l, r, e.span),
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
                let operand = self.lower(operand);
                folded(Node::Select {
                    operand: Box::new((operand, self.sites.add(e.span), path)),
                    field: field.clone(),
                })
            }
            TKind::HasField(operand, field) => {
                folded(Node::HasField(Box::new(self.lower(operand)), field.clone()))
            }
            TKind::Index(a, i) => {
                let parts = [self.lower(a), self.lower(i)];
                folded(Node::Index(Box::new(parts), self.sites.add(e.span)))
            }
            TKind::Call(builtin, args) => self.call(builtin, args, e.span),
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
                two,
                predicate,
                transform,
            } => self.comprehension(
                e.span,
                *kind,
                range,
                (*local, *two),
                predicate.as_deref(),
                transform.as_deref(),
            ),
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
        let node = self.lower(elem);
        in_set_node(elem, node, set)
    }

    fn binary(&mut self, op: BinaryOp, l: &TExpr, r: &TExpr, span: Span) -> Node {
        let (ln, rn) = (self.lower(l), self.lower(r));
        if let Some(cmp) = Cmp::of(op) {
            return comparison(cmp, l, r, ln, rn, || self.sites.add(span));
        }
        if op == BinaryOp::In {
            if let Node::Const(Value::List(items)) = &rn {
                let set = Arc::new(ValueSet::new(items));
                return in_set_node(l, ln, set);
            }
        }
        folded(Node::Binary(op, Box::new([ln, rn]), self.sites.add(span)))
    }

    fn call(
        &mut self,
        builtin: &'static crate::cel::functions::Builtin,
        args: &[TExpr],
        span: Span,
    ) -> Node {
        let mut nodes: Vec<Node> = args.iter().map(|a| self.lower(a)).collect();
        if let ("or" | "orValue", 2) = (builtin.name, nodes.len()) {
            let b = nodes.swap_remove(1);
            let a = nodes.swap_remove(0);
            return folded(Node::OptOr {
                or_value: builtin.name == "orValue",
                operands: Box::new([a, b]),
            });
        }
        let strings = args.iter().all(|a| a.ty.is_string());
        if let (Some(map), [_], true) = (StrMap::of(builtin.name), args, strings) {
            return folded(Node::StrMap(map, Box::new(nodes.swap_remove(0))));
        }
        if nodes.len() == 2 {
            if builtin.name == "matches" {
                if let Node::Const(Value::String(pattern)) = &nodes[1] {
                    let pattern = pattern.clone();
                    return self.matches(&args[1], nodes.swap_remove(0), &pattern);
                }
            }
            if let (Some(test), true) = (StrTest::of(builtin.name), strings) {
                let b = nodes.swap_remove(1);
                let a = nodes.swap_remove(0);
                return folded(Node::StrTest(test, Box::new([a, b])));
            }
        }
        folded(Node::Call(
            builtin,
            nodes.into_boxed_slice(),
            self.sites.add(span),
        ))
    }

    /// `s.matches("literal")`: the regex is compiled once, at load.
    fn matches(&mut self, pattern_expr: &TExpr, subject: Node, pattern: &str) -> Node {
        match build_regex(pattern) {
            Ok(re) => folded(Node::Matches(Box::new(subject), Arc::new(re))),
            Err(e) => {
                let text = e.to_string();
                let first = text
                    .lines()
                    .last()
                    .unwrap_or("invalid regular expression")
                    .trim()
                    .to_string();
                self.errors.push(CheckError::new(
                    Code::CelBadRegex,
                    pattern_expr.span,
                    format!("invalid regular expression `{pattern}`: {first}"),
                    Some("patterns use RE2 syntax; escape special characters with `\\\\`".into()),
                ));
                Node::Const(Value::Null)
            }
        }
    }

    fn comprehension(
        &mut self,
        span: Span,
        kind: MacroKind,
        range: &TExpr,
        (local, two): (u32, bool),
        predicate: Option<&TExpr>,
        transform: Option<&TExpr>,
    ) -> Node {
        let generic = Node::Comprehension(Box::new(Comprehension {
            kind,
            range: self.lower(range),
            local,
            two,
            predicate: predicate.map(|p| self.lower(p)),
            transform: transform.map(|t| self.lower(t)),
            site: self.sites.add(span),
        }));
        if two {
            return generic;
        }
        self.any_str_test(kind, generic, local, predicate)
    }

    /// `["a", "b"].exists(k, s.contains(k))` (or `all`, `startsWith`, `endsWith`) with `s`
    /// independent of `k`: every iteration would evaluate `s` to the same value (or fail the
    /// same way), so it is evaluated once. Only for a constant, non-empty list: over an empty
    /// one the original never evaluates `s`.
    fn any_str_test(
        &mut self,
        kind: MacroKind,
        generic: Node,
        local: u32,
        predicate: Option<&TExpr>,
    ) -> Node {
        let all = match kind {
            MacroKind::All => true,
            MacroKind::Exists => false,
            _ => return generic,
        };
        let Some((subject, items, test)) = constant_string_test(&generic, local, predicate) else {
            return generic;
        };
        let subject = self.lower(subject);
        Node::AnyStrTest(Box::new(AnyStrTest {
            subject,
            items,
            test,
            all,
            generic,
        }))
    }
}

/// The subject, the items and the test of an `exists`/`all` that [`Node::AnyStrTest`] serves.
type ConstantStringTest<'t> = (&'t TExpr, Box<[Box<str>]>, StrTest);

/// For a comprehension over a constant, non-empty list of strings whose predicate is
/// `s.test(k)` (`k` the iteration variable, `s` a string independent of it): `s`, the items
/// and the test.
fn constant_string_test<'t>(
    generic: &Node,
    local: u32,
    predicate: Option<&'t TExpr>,
) -> Option<ConstantStringTest<'t>> {
    let Node::Comprehension(c) = generic else {
        return None;
    };
    let Node::Const(Value::List(items)) = &c.range else {
        return None;
    };
    let items: Box<[Box<str>]> = items
        .iter()
        .map(|v| match v {
            Value::String(s) => Some(Box::from(&**s)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if items.is_empty() {
        return None;
    }
    let TKind::Call(builtin, args) = &predicate?.kind else {
        return None;
    };
    let test = StrTest::of(builtin.name)?;
    let [subject, arg] = args.as_slice() else {
        return None;
    };
    let independent = matches!(arg.kind, TKind::Local(i) if i == local)
        && subject.ty.is_string()
        && !uses_local_from(subject, local);
    independent.then_some((subject, items, test))
}

/// Whether an expression reads comprehension variable `local` or one bound inside it.
fn uses_local_from(e: &TExpr, local: u32) -> bool {
    let mut found = false;
    e.visit(&mut |n| {
        if matches!(n.kind, TKind::Local(i) if i >= local) {
            found = true;
        }
    });
    found
}

fn in_set_node(elem: &TExpr, node: Node, set: Arc<ValueSet>) -> Node {
    if elem.ty.is_string() && !is_const(&node) {
        return Node::StrInSet(Box::new(node), set);
    }
    folded(Node::InSet(Box::new(node), set))
}

/// A comparison: of two strings, or of an int or a double with a constant, specialised;
/// anything else generic.
fn comparison(
    cmp: Cmp,
    l: &TExpr,
    r: &TExpr,
    ln: Node,
    rn: Node,
    site: impl FnOnce() -> u32,
) -> Node {
    if is_const(&ln) && is_const(&rn) {
        return folded(Node::Binary(cmp.op(), Box::new([ln, rn]), site()));
    }
    if l.ty.is_string() && r.ty.is_string() {
        return Node::StrCmp(cmp, Box::new([ln, rn]));
    }
    let (operand, ty, k, op, flipped) = match (ln, rn) {
        (n, Node::Const(k)) => (n, &l.ty, k, cmp, false),
        (Node::Const(k), n) => (n, &r.ty, k, cmp.flip(), true),
        (a, b) => return Node::Binary(cmp.op(), Box::new([a, b]), site()),
    };
    let exact_int = |k: i64| k.abs() <= EXACT_INT_IN_DOUBLE;
    match (ty, &k) {
        (Type::Int, Value::Int(v)) => Node::IntCmp {
            operand: Box::new(operand),
            op,
            value: *v,
        },
        (Type::Double, Value::Double(v)) => Node::DoubleCmp {
            operand: Box::new(operand),
            op,
            value: *v,
        },
        (Type::Double, Value::Int(v)) if exact_int(*v) => Node::DoubleCmp {
            operand: Box::new(operand),
            op,
            value: *v as f64,
        },
        _ => {
            let k = Node::Const(k);
            let pair = if flipped { [k, operand] } else { [operand, k] };
            Node::Binary(cmp.op(), Box::new(pair), site())
        }
    }
}

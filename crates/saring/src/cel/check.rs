//! The type checker: resolves every name against the pack (schema fields, named lists,
//! derived values, rules, builtins), checks types, refuses protected fields, and produces IR.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::cel::ast::{BinaryOp, Expr, ExprKind, Literal, MacroKind, Span, UnaryOp};
use crate::cel::compile::{compile_regex, fold, list_set};
use crate::cel::functions::{self, CallStyle};
use crate::cel::ir::{Node, ValueSet};
use crate::cel::ops;
use crate::cel::types::Type;
use crate::cel::value::Value;
use crate::diagnostic::did_you_mean;
use crate::schema::{Field, FieldKind, ObjectType};

/// A problem found while checking an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckError {
    /// Stable code (`cel.type_mismatch`, `pack.unknown_field`, `pack.protected_field`, ...).
    pub code: &'static str,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Where, in the expression source.
    pub span: Span,
}

/// A named list visible to expressions.
#[derive(Debug, Clone)]
pub struct ListBinding {
    /// The list's name.
    pub name: String,
    /// Prebuilt membership set.
    pub set: Arc<ValueSet>,
    /// The list as a value (for uses other than `in`).
    pub value: Value,
    /// Element type.
    pub elem: Type,
}

/// Everything a checked expression may refer to.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// The record schema root, if any.
    pub root: Option<Arc<ObjectType>>,
    /// External variables (index = position).
    pub vars: Vec<(String, Type)>,
    /// Named lists.
    pub lists: Vec<ListBinding>,
    /// Derived values visible to this expression (index = position).
    pub derived: Vec<(String, Type)>,
    /// Rule ids that `rules.<id>` may name (index = position).
    pub rules: Vec<String>,
    /// Position of every id of `rules`, for lookups in constant time in packs with thousands
    /// of rules ([`Env::set_rules`] fills both; when it is out of step with `rules`, names
    /// are looked up by a scan of `rules`).
    pub rule_positions: rustc_hash::FxHashMap<String, u32>,
    /// Gradual mode: type errors are not reported; operators dispatch at run time.
    pub lenient: bool,
}

impl Env {
    /// Sets the rule ids that `rules.<id>` may name, with their lookup index.
    pub fn set_rules(&mut self, ids: Vec<String>) {
        self.rule_positions = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        self.rules = ids;
    }

    /// The position of rule `id` in `rules`.
    fn rule_position(&self, id: &str) -> Option<usize> {
        if self.rule_positions.len() == self.rules.len() {
            self.rule_positions.get(id).map(|&i| i as usize)
        } else {
            self.rules.iter().position(|r| r == id)
        }
    }
}

/// The result of checking one expression.
#[derive(Debug)]
pub struct Checked {
    /// The compiled IR.
    pub node: Node,
    /// Its static type.
    pub ty: Type,
    /// Record slots read, with their paths (evidence).
    pub slots_read: BTreeSet<(u32, Arc<str>)>,
    /// Derived values read (indices).
    pub derived_read: BTreeSet<u32>,
    /// Rules referenced (indices).
    pub rules_read: BTreeSet<u32>,
    /// Monitored field paths read.
    pub monitored: BTreeSet<String>,
    /// Optional (not `required`) fields read without a `has()` test of them anywhere in the
    /// expression: records without them make the rule incomplete.
    pub optional_unguarded: BTreeSet<String>,
    /// Problems; the node is meaningless when this is not empty.
    pub errors: Vec<CheckError>,
}

/// Checks an expression against an environment and compiles it to IR.
pub fn check(expr: &Expr, env: &Env) -> Checked {
    let mut c = Checker {
        env,
        locals: Vec::new(),
        slots_read: BTreeSet::new(),
        derived_read: BTreeSet::new(),
        rules_read: BTreeSet::new(),
        monitored: BTreeSet::new(),
        optional_read: BTreeSet::new(),
        presence_tested: BTreeSet::new(),
        errors: Vec::new(),
    };
    let out = c.expr(expr);
    let (node, ty) = c.value(out, expr.span);
    let optional_unguarded = c
        .optional_read
        .difference(&c.presence_tested)
        .cloned()
        .collect();
    Checked {
        node,
        ty,
        slots_read: c.slots_read,
        derived_read: c.derived_read,
        rules_read: c.rules_read,
        monitored: c.monitored,
        optional_unguarded,
        errors: c.errors,
    }
}

/// The static type of a schema field kind.
pub fn field_type(kind: &FieldKind) -> Type {
    match kind {
        FieldKind::String | FieldKind::Enum(_) => Type::String,
        FieldKind::Int => Type::Int,
        FieldKind::Float => Type::Double,
        FieldKind::Bool => Type::Bool,
        FieldKind::Date | FieldKind::Timestamp => Type::Timestamp,
        FieldKind::List(item) => Type::List(Box::new(field_type(item))),
        FieldKind::Object(o) => Type::Object(o.clone()),
    }
}

const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
];

/// What a sub-expression denotes before it is used as a value.
enum Out {
    /// A value.
    Val(Node, Type),
    /// A slot-addressed schema object (`interview`): only its fields can be read.
    Obj(Arc<ObjectType>, Arc<str>),
    /// The `rules` namespace.
    Rules,
    /// An error was already reported.
    Poison,
}

struct Checker<'a> {
    env: &'a Env,
    locals: Vec<(String, Type)>,
    slots_read: BTreeSet<(u32, Arc<str>)>,
    derived_read: BTreeSet<u32>,
    rules_read: BTreeSet<u32>,
    monitored: BTreeSet<String>,
    optional_read: BTreeSet<String>,
    presence_tested: BTreeSet<String>,
    errors: Vec<CheckError>,
}

fn poison() -> (Node, Type) {
    (Node::Const(Value::Null), Type::Dyn)
}

impl Checker<'_> {
    fn error(&mut self, code: &'static str, span: Span, message: String, help: Option<String>) {
        self.errors.push(CheckError {
            code,
            message,
            help,
            span,
        });
    }

    fn type_error(&mut self, span: Span, message: String) -> Type {
        if !self.env.lenient {
            self.error("cel.type_mismatch", span, message, None);
        }
        Type::Dyn
    }

    /// Turns an [`Out`] into a value, refusing bare objects and the `rules` namespace.
    fn value(&mut self, out: Out, span: Span) -> (Node, Type) {
        match out {
            Out::Val(n, t) => match protected_inside(&t) {
                // A whole list item (or list of items) holding a protected field would carry
                // it into comparisons, strings or results: only its other fields may be read.
                Some(path) => {
                    self.error(
                        "pack.protected_field",
                        span,
                        format!("this value contains protected field `{path}` and cannot be used whole"),
                        Some("select the fields you need; protected attributes are never risk factors".into()),
                    );
                    poison()
                }
                None => (n, t),
            },
            Out::Obj(_, path) => {
                self.error(
                    "cel.type_mismatch",
                    span,
                    format!("object `{path}` cannot be used as a value"),
                    Some("select one of its fields, or test presence with `has()`".into()),
                );
                poison()
            }
            Out::Rules => {
                self.error(
                    "cel.type_mismatch",
                    span,
                    "`rules` cannot be used as a value".into(),
                    Some("refer to one rule's result: `rules.<rule_id>`".into()),
                );
                poison()
            }
            Out::Poison => poison(),
        }
    }

    fn val(&mut self, e: &Expr) -> (Node, Type) {
        let out = self.expr(e);
        self.value(out, e.span)
    }

    /// Like [`Checker::val`], for the operand of an index or the range of a comprehension:
    /// a list of objects is allowed there even when its items hold protected fields, because
    /// the items are only reached field by field.
    fn container(&mut self, e: &Expr) -> (Node, Type) {
        match self.expr(e) {
            Out::Val(n, t) => (n, t),
            other => self.value(other, e.span),
        }
    }

    fn field_out(&mut self, field: &Field, span: Span) -> Out {
        if field.protected {
            self.error(
                "pack.protected_field",
                span,
                format!(
                    "field `{}` is protected and cannot be read by rules or derived values",
                    field.path
                ),
                Some("protected attributes are never risk factors; remove this condition".into()),
            );
            return Out::Poison;
        }
        if field.monitored {
            self.monitored.insert(field.path.clone());
        }
        let path: Arc<str> = Arc::from(field.path.as_str());
        match (&field.kind, field.slot) {
            (FieldKind::Object(o), _) if !o.in_list => Out::Obj(o.clone(), path),
            (kind, Some(slot)) => {
                if !field.required {
                    self.optional_read.insert(field.path.clone());
                }
                self.slots_read.insert((slot, path.clone()));
                Out::Val(Node::Slot { slot, path }, field_type(kind))
            }
            (kind, None) => Out::Val(Node::Const(Value::Null), field_type(kind)),
        }
    }

    fn unknown_field(&mut self, obj: &ObjectType, name: &str, span: Span) -> Out {
        let what = if obj.path.is_empty() {
            "the record".to_string()
        } else {
            format!("`{}`", obj.path)
        };
        let help = did_you_mean(name, obj.fields.iter().map(|f| f.name.as_str()));
        self.error(
            "pack.unknown_field",
            span,
            format!("{what} has no field `{name}`"),
            help,
        );
        Out::Poison
    }

    fn ident(&mut self, name: &str, leading_dot: bool, span: Span) -> Out {
        if !leading_dot {
            if let Some(i) = self.locals.iter().rposition(|(n, _)| n == name) {
                return Out::Val(Node::Local(i as u32), self.locals[i].1.clone());
            }
        }
        let env = self.env;
        if let Some(i) = env.vars.iter().position(|(n, _)| n == name) {
            return Out::Val(Node::Var(i as u32), env.vars[i].1.clone());
        }
        if let Some(i) = env.derived.iter().position(|(n, _)| n == name) {
            self.derived_read.insert(i as u32);
            return Out::Val(Node::Derived(i as u32), env.derived[i].1.clone());
        }
        if let Some(l) = env.lists.iter().find(|l| l.name == name) {
            return Out::Val(
                Node::Const(l.value.clone()),
                Type::List(Box::new(l.elem.clone())),
            );
        }
        if name == "rules" && !env.rules.is_empty() {
            return Out::Rules;
        }
        if let Some(root) = &env.root {
            if let Some(f) = root.field(name) {
                return self.field_out(f, span);
            }
            // `record` names the record itself, so `has(record.recruiter)` tests a top-level field.
            if name == "record" {
                return Out::Obj(root.clone(), Arc::from("record"));
            }
        }
        if TYPE_NAMES.contains(&name) {
            return Out::Val(Node::Const(Value::Type(Arc::from(name))), Type::Type);
        }
        let mut candidates: Vec<&str> = self.locals.iter().map(|(n, _)| n.as_str()).collect();
        candidates.extend(env.vars.iter().map(|(n, _)| n.as_str()));
        candidates.extend(env.derived.iter().map(|(n, _)| n.as_str()));
        candidates.extend(env.lists.iter().map(|l| l.name.as_str()));
        if let Some(root) = &env.root {
            candidates.extend(root.fields.iter().map(|f| f.name.as_str()));
        }
        if env.lenient {
            return Out::Val(
                Node::Unbound(Arc::from(format!("no such attribute: `{name}`"))),
                Type::Dyn,
            );
        }
        let help = did_you_mean(name, candidates);
        if env.root.is_some() {
            self.error(
                "pack.unknown_field",
                span,
                format!("the record has no field `{name}`"),
                help,
            );
        } else {
            self.error(
                "cel.unknown_name",
                span,
                format!("unknown name `{name}`"),
                help,
            );
        }
        Out::Poison
    }

    /// The dotted name of an identifier/select chain (`a.b.c`), if it is one.
    fn qualified_name(e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Ident { name, .. } => Some(name.clone()),
            ExprKind::Select { operand, field } => {
                Self::qualified_name(operand).map(|q| format!("{q}.{field}"))
            }
            _ => None,
        }
    }

    fn is_bound(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Ident { name, .. } => {
                self.locals.iter().any(|(n, _)| n == name)
                    || self.env.vars.iter().any(|(n, _)| n == name)
                    || self.env.derived.iter().any(|(n, _)| n == name)
                    || self.env.lists.iter().any(|l| &l.name == name)
                    || (name == "rules" && !self.env.rules.is_empty())
                    || self
                        .env
                        .root
                        .as_ref()
                        .is_some_and(|r| r.field(name).is_some())
            }
            ExprKind::Select { operand, .. } => self.is_bound(operand),
            _ => true,
        }
    }

    fn select(&mut self, operand: &Expr, field: &str, span: Span) -> Out {
        // A qualified variable name (`a.b.c` declared as one variable) wins; then type names.
        if let Some(q) = Self::qualified_name(operand) {
            let full = format!("{q}.{field}");
            if !self.is_bound(operand) && TYPE_NAMES.contains(&full.as_str()) {
                return Out::Val(
                    Node::Const(Value::Type(Arc::from(full.as_str()))),
                    Type::Type,
                );
            }
            if let Some(i) = self.env.vars.iter().position(|(n, _)| *n == full) {
                return Out::Val(Node::Var(i as u32), self.env.vars[i].1.clone());
            }
        }
        match self.expr(operand) {
            Out::Poison => Out::Poison,
            Out::Rules => match self.env.rule_position(field) {
                Some(i) => {
                    self.rules_read.insert(i as u32);
                    Out::Val(Node::RuleRef(i as u32), Type::Bool)
                }
                None => {
                    let help = did_you_mean(field, self.env.rules.iter().map(String::as_str));
                    self.error(
                        "pack.unknown_rule",
                        span,
                        format!("there is no rule `{field}`"),
                        help,
                    );
                    Out::Poison
                }
            },
            Out::Obj(obj, _) => match obj.field(field) {
                Some(f) => {
                    let f = f.clone();
                    self.field_out(&f, span)
                }
                None => self.unknown_field(&obj, field, span),
            },
            Out::Val(node, ty) => {
                let key: Arc<str> = Arc::from(field);
                match &ty {
                    Type::Object(obj) => match obj.field(field) {
                        Some(f) => {
                            if f.protected {
                                let f = f.clone();
                                return self.field_out(&f, span);
                            }
                            if f.monitored {
                                self.monitored.insert(f.path.clone());
                            }
                            let path = Some(Arc::from(f.path.as_str()));
                            Out::Val(
                                fold(Node::Select {
                                    operand: Box::new(node),
                                    field: key,
                                    path,
                                }),
                                field_type(&f.kind),
                            )
                        }
                        None => {
                            let obj = obj.clone();
                            self.unknown_field(&obj, field, span)
                        }
                    },
                    Type::Map(k, v) if matches!(**k, Type::String | Type::Dyn) => {
                        let v = (**v).clone();
                        Out::Val(
                            fold(Node::Select {
                                operand: Box::new(node),
                                field: key,
                                path: None,
                            }),
                            v,
                        )
                    }
                    Type::Dyn => Out::Val(
                        fold(Node::Select {
                            operand: Box::new(node),
                            field: key,
                            path: None,
                        }),
                        Type::Dyn,
                    ),
                    other => {
                        let t = self.type_error(
                            span,
                            format!("cannot select field `{field}` from {other}"),
                        );
                        Out::Val(
                            Node::Select {
                                operand: Box::new(node),
                                field: key,
                                path: None,
                            },
                            t,
                        )
                    }
                }
            }
        }
    }

    fn has(&mut self, operand: &Expr, field: &str, span: Span) -> Out {
        match self.expr(operand) {
            Out::Poison => Out::Poison,
            Out::Rules => {
                self.error(
                    "cel.type_mismatch",
                    span,
                    "`has()` cannot test a rule".into(),
                    None,
                );
                Out::Poison
            }
            Out::Obj(obj, _) => match obj.field(field) {
                Some(f) if f.protected => {
                    let f = f.clone();
                    self.field_out(&f, span)
                }
                Some(f) => {
                    if f.monitored {
                        self.monitored.insert(f.path.clone());
                    }
                    self.presence_tested.insert(f.path.clone());
                    match f.slot {
                        Some(slot) => Out::Val(Node::Present(slot), Type::Bool),
                        None => Out::Val(Node::Const(Value::Bool(false)), Type::Bool),
                    }
                }
                None => self.unknown_field(&obj, field, span),
            },
            Out::Val(node, ty) => {
                match &ty {
                    Type::Object(obj) => match obj.field(field) {
                        Some(f) if f.protected => {
                            let f = f.clone();
                            return self.field_out(&f, span);
                        }
                        Some(_) => {}
                        None => {
                            let obj = obj.clone();
                            return self.unknown_field(&obj, field, span);
                        }
                    },
                    Type::Map(..) | Type::Dyn => {}
                    other => {
                        self.type_error(
                            span,
                            format!("`has()` needs a map or object, found {other}"),
                        );
                    }
                }
                Out::Val(
                    fold(Node::HasField(Box::new(node), Arc::from(field))),
                    Type::Bool,
                )
            }
        }
    }

    fn call(&mut self, target: Option<&Expr>, function: &str, args: &[Expr], span: Span) -> Out {
        // `strings.quote(x)`, `math.greatest(...)`: a qualified global function.
        if let Some(t) = target {
            if let Some(q) = Self::qualified_name(t) {
                let full = format!("{q}.{function}");
                if !self.is_bound(t) && functions::lookup(&full).is_some() {
                    return self.call(None, &full, args, span);
                }
            }
        }
        let Some(builtin) = functions::lookup(function) else {
            if self.env.lenient {
                for a in target.into_iter().chain(args.iter()) {
                    self.val(a);
                }
                return Out::Val(
                    Node::Unbound(Arc::from(format!("no such function: `{function}`"))),
                    Type::Dyn,
                );
            }
            let help = did_you_mean(function, functions::builtins().iter().map(|b| b.name));
            self.error(
                "cel.unknown_function",
                span,
                format!("unknown function `{function}`"),
                help,
            );
            return Out::Poison;
        };
        let style_ok = matches!(
            (builtin.style, target.is_some()),
            (CallStyle::Both, _) | (CallStyle::Method, true) | (CallStyle::Global, false)
        );
        if !style_ok {
            let how = if target.is_some() {
                "as a method"
            } else {
                "as a global function"
            };
            self.error(
                "cel.unknown_function",
                span,
                format!("`{function}` cannot be called {how}"),
                None,
            );
            return Out::Poison;
        }
        let mut nodes = Vec::with_capacity(args.len() + 1);
        let mut types = Vec::with_capacity(args.len() + 1);
        for a in target.into_iter().chain(args.iter()) {
            // `size()` of a list reveals nothing of its items, so a list of objects holding
            // protected fields may be counted; the size of one such object (its number of
            // keys) would reveal whether a protected value is present, so it is refused.
            let (n, t) = if builtin.name == "size" {
                match self.container(a) {
                    (n, t @ Type::List(_)) => (n, t),
                    (n, t) => self.value(Out::Val(n, t), a.span),
                }
            } else {
                self.val(a)
            };
            nodes.push(n);
            types.push(t);
        }
        if !builtin.arity.contains(&nodes.len()) {
            self.error(
                "cel.no_overload",
                span,
                format!("`{function}` does not take {} argument(s)", nodes.len()),
                None,
            );
            return Out::Poison;
        }
        let ty = match (builtin.check)(&types) {
            Ok(t) => t,
            Err(msg) => {
                if !self.env.lenient {
                    self.error("cel.no_overload", span, msg, None);
                }
                Type::Dyn
            }
        };
        // `s.matches("literal")`: compile the regex once, at load.
        if builtin.name == "matches" && nodes.len() == 2 {
            if let Node::Const(Value::String(pattern)) = &nodes[1] {
                let pattern_span = args.last().map_or(span, |a| a.span);
                match compile_regex(pattern) {
                    Ok(re) => {
                        let subject = nodes.swap_remove(0);
                        return Out::Val(fold(Node::Matches(Box::new(subject), re)), Type::Bool);
                    }
                    Err(e) => {
                        let first = e
                            .lines()
                            .last()
                            .unwrap_or("invalid regular expression")
                            .trim()
                            .to_string();
                        self.error(
                            "cel.bad_regex",
                            pattern_span,
                            format!("invalid regular expression `{pattern}`: {first}"),
                            Some(
                                "patterns use RE2 syntax; escape special characters with `\\\\`"
                                    .into(),
                            ),
                        );
                        return Out::Poison;
                    }
                }
            }
        }
        Out::Val(fold(Node::Call(builtin, nodes)), ty)
    }

    fn binary(&mut self, op: BinaryOp, l: &Expr, r: &Expr, span: Span) -> Out {
        // `x in named_list` and `x in [consts]` become hash lookups.
        if op == BinaryOp::In {
            if let ExprKind::Ident { name, .. } = &r.kind {
                if !self.locals.iter().any(|(n, _)| n == name) {
                    if let Some(list) = self.env.lists.iter().find(|x| &x.name == name).cloned() {
                        let (ln, lt) = self.val(l);
                        if !lt.comparable_with(&list.elem) {
                            self.type_error(
                                span,
                                format!(
                                    "`{name}` is a list of {}, it cannot contain a {lt}",
                                    list.elem
                                ),
                            );
                        }
                        return Out::Val(fold(Node::InSet(Box::new(ln), list.set)), Type::Bool);
                    }
                }
            }
        }
        let (ln, lt) = self.val(l);
        let (rn, rt) = self.val(r);
        match op {
            BinaryOp::And | BinaryOp::Or => {
                for (t, e) in [(&lt, l), (&rt, r)] {
                    if !matches!(t, Type::Bool | Type::Dyn) {
                        self.type_error(
                            e.span,
                            format!("`{}` needs bool operands, found {t}", op.symbol()),
                        );
                    }
                }
                let node = if op == BinaryOp::And {
                    Node::And(Box::new(ln), Box::new(rn))
                } else {
                    Node::Or(Box::new(ln), Box::new(rn))
                };
                Out::Val(fold(node), Type::Bool)
            }
            _ => {
                let ty = match ops::check_binary(op, &lt, &rt) {
                    Ok(t) => t,
                    Err(msg) => self.type_error(span, msg),
                };
                if op == BinaryOp::In {
                    if let Node::Const(list @ Value::List(_)) = &rn {
                        if let Some(set) = list_set(list) {
                            return Out::Val(fold(Node::InSet(Box::new(ln), set)), Type::Bool);
                        }
                    }
                }
                Out::Val(fold(Node::Binary(op, Box::new(ln), Box::new(rn))), ty)
            }
        }
    }

    fn comprehension(
        &mut self,
        kind: MacroKind,
        target: &Expr,
        var: &str,
        args: &[Expr],
        span: Span,
    ) -> Out {
        let (range, rt) = match self.container(target) {
            // Iterating one object would reach its keys, protected ones included.
            (n, t @ Type::Object(_)) => self.value(Out::Val(n, t), target.span),
            other => other,
        };
        let elem = match &rt {
            Type::List(t) => (**t).clone(),
            Type::Map(k, _) => (**k).clone(),
            Type::Dyn => Type::Dyn,
            other => self.type_error(
                target.span,
                format!("`{}` needs a list or map, found {other}", kind.name()),
            ),
        };
        let local = self.locals.len() as u32;
        self.locals.push((var.to_string(), elem.clone()));
        let mut checked: Vec<(Node, Type, Span)> = args
            .iter()
            .map(|a| {
                let (n, t) = self.val(a);
                (n, t, a.span)
            })
            .collect();
        self.locals.pop();
        let need_bool = |c: &mut Self, t: &Type, s: Span| {
            if !matches!(t, Type::Bool | Type::Dyn) {
                c.type_error(
                    s,
                    format!("the predicate of `{}` must be bool, found {t}", kind.name()),
                );
            }
        };
        let (predicate, transform, ty) = match (kind, checked.len()) {
            (MacroKind::Map, 1) => {
                let (t, tt, _) = checked.remove(0);
                (None, Some(Box::new(t)), Type::List(Box::new(tt)))
            }
            (MacroKind::Map, 2) => {
                let (t, tt, _) = checked.remove(1);
                let (p, pt, ps) = checked.remove(0);
                need_bool(self, &pt, ps);
                (
                    Some(Box::new(p)),
                    Some(Box::new(t)),
                    Type::List(Box::new(tt)),
                )
            }
            (_, 1) => {
                let (p, pt, ps) = checked.remove(0);
                need_bool(self, &pt, ps);
                let ty = if kind == MacroKind::Filter {
                    Type::List(Box::new(elem))
                } else {
                    Type::Bool
                };
                (Some(Box::new(p)), None, ty)
            }
            _ => {
                self.error(
                    "cel.syntax",
                    span,
                    format!("wrong number of arguments to `{}`", kind.name()),
                    None,
                );
                return Out::Poison;
            }
        };
        Out::Val(
            Node::Comprehension {
                kind,
                range: Box::new(range),
                local,
                predicate,
                transform,
            },
            ty,
        )
    }

    fn expr(&mut self, e: &Expr) -> Out {
        let span = e.span;
        match &e.kind {
            ExprKind::Literal(lit) => {
                let (v, t) = match lit {
                    Literal::Null => (Value::Null, Type::Null),
                    Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
                    Literal::Int(i) => (Value::Int(*i), Type::Int),
                    Literal::Uint(u) => (Value::Uint(*u), Type::Uint),
                    Literal::Double(d) => (Value::Double(*d), Type::Double),
                    Literal::String(s) => (Value::string(s.as_str()), Type::String),
                    Literal::Bytes(b) => (Value::Bytes(Arc::from(b.as_slice())), Type::Bytes),
                };
                Out::Val(Node::Const(v), t)
            }
            ExprKind::Ident { name, leading_dot } => self.ident(name, *leading_dot, span),
            ExprKind::Select { operand, field } => self.select(operand, field, span),
            ExprKind::Has { operand, field } => self.has(operand, field, span),
            ExprKind::Index { operand, index } => {
                let (a, at) = self.container(operand);
                let (i, it) = self.val(index);
                let ty = match (&at, &it) {
                    (Type::List(t), Type::Int | Type::Uint | Type::Double | Type::Dyn) => {
                        (**t).clone()
                    }
                    (Type::Map(_, v), _) => (**v).clone(),
                    (Type::Dyn, _) => Type::Dyn,
                    (a, i) => self.type_error(span, format!("cannot index {a} with {i}")),
                };
                Out::Val(fold(Node::Index(Box::new(a), Box::new(i))), ty)
            }
            ExprKind::Call {
                target,
                function,
                args,
            } => self.call(target.as_deref(), function, args, span),
            ExprKind::Unary { op, operand } => {
                let (n, t) = self.val(operand);
                let ty = match ops::check_unary(*op, &t) {
                    Ok(t) => t,
                    Err(msg) => self.type_error(span, msg),
                };
                let node = match op {
                    UnaryOp::Not => Node::Not(Box::new(n)),
                    UnaryOp::Neg => Node::Neg(Box::new(n)),
                };
                Out::Val(fold(node), ty)
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, span),
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => {
                let (c, ct) = self.val(cond);
                if !matches!(ct, Type::Bool | Type::Dyn) {
                    self.type_error(
                        cond.span,
                        format!("the condition of `?:` must be bool, found {ct}"),
                    );
                }
                let (a, at) = self.val(then);
                let (b, bt) = self.val(otherwise);
                let ty = if at.assignable_to(&bt) && bt.assignable_to(&at) && !at.is_dyn() {
                    at
                } else {
                    Type::Dyn
                };
                Out::Val(fold(Node::Cond(Box::new(c), Box::new(a), Box::new(b))), ty)
            }
            ExprKind::List(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                let mut elem: Option<Type> = None;
                for item in items {
                    let (n, t) = self.val(item);
                    elem = Some(match elem {
                        None => t,
                        Some(prev)
                            if prev.assignable_to(&t)
                                && t.assignable_to(&prev)
                                && !prev.is_dyn() =>
                        {
                            prev
                        }
                        Some(_) => Type::Dyn,
                    });
                    nodes.push(n);
                }
                Out::Val(
                    fold(Node::MakeList(nodes)),
                    Type::List(Box::new(elem.unwrap_or(Type::Dyn))),
                )
            }
            ExprKind::Map(entries) => {
                let mut nodes = Vec::with_capacity(entries.len());
                let (mut kt, mut vt): (Option<Type>, Option<Type>) = (None, None);
                let unify = |acc: Option<Type>, t: Type| match acc {
                    None => t,
                    Some(prev)
                        if prev.assignable_to(&t) && t.assignable_to(&prev) && !prev.is_dyn() =>
                    {
                        prev
                    }
                    Some(_) => Type::Dyn,
                };
                for (k, v) in entries {
                    let (kn, ktt) = self.val(k);
                    if !matches!(
                        ktt,
                        Type::Bool | Type::Int | Type::Uint | Type::String | Type::Dyn
                    ) {
                        self.type_error(k.span, format!("unsupported map key type {ktt}"));
                    }
                    let (vn, vtt) = self.val(v);
                    kt = Some(unify(kt, ktt));
                    vt = Some(unify(vt, vtt));
                    nodes.push((kn, vn));
                }
                let ty = Type::Map(
                    Box::new(kt.unwrap_or(Type::Dyn)),
                    Box::new(vt.unwrap_or(Type::Dyn)),
                );
                Out::Val(fold(Node::MakeMap(nodes)), ty)
            }
            ExprKind::Struct { type_name, .. } => {
                self.error(
                    "cel.unsupported",
                    span,
                    format!("message construction `{type_name}{{...}}` is not supported"),
                    Some("saring has no protobuf message types; use a map literal".into()),
                );
                Out::Poison
            }
            ExprKind::Macro {
                kind,
                target,
                var,
                args,
            } => self.comprehension(*kind, target, var, args, span),
        }
    }
}

/// The path of a protected field somewhere inside values of this type (objects and lists of
/// objects), if there is one.
fn protected_inside(t: &Type) -> Option<String> {
    fn walk(obj: &ObjectType) -> Option<String> {
        obj.fields.iter().find_map(|f| {
            if f.protected {
                return Some(f.path.clone());
            }
            match &f.kind {
                FieldKind::Object(o) => walk(o),
                FieldKind::List(item) => match &**item {
                    FieldKind::Object(o) => walk(o),
                    _ => None,
                },
                _ => None,
            }
        })
    }
    match t {
        Type::Object(o) => walk(o),
        Type::List(item) => protected_inside(item),
        _ => None,
    }
}

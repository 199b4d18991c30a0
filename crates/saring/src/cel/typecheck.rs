//! The type checker: resolves every name through [`Scope`], checks types, and produces a
//! typed tree ([`TExpr`]) for the planner. Which record fields may be read is not decided
//! here: every field read, presence test and whole-value use is shown to an [`Access`]
//! policy (the pack layer refuses protected fields and notes monitored ones), and a refused
//! access poisons its sub-expression so that it causes no further errors.

use std::sync::Arc;

use crate::cel::ast::{BinaryOp, Expr, ExprKind, Literal, MacroKind, Span, UnaryOp};
use crate::cel::functions::{self, Builtin, CallStyle};
use crate::cel::ops;
use crate::cel::resolve::{field_type, Binding, Env, Scope};
use crate::cel::types::Type;
use crate::cel::value::Value;
use crate::diagnostic::{did_you_mean, Code, EnumValues, SourceError};
use crate::record::Shorten;
use crate::schema::{Field, FieldKind, ObjectType};

/// A problem found while checking an expression (the one [`SourceError`] type of parse, check
/// and template errors).
pub type CheckError = SourceError;

/// What an expression does with record data, shown to the pack's policy as it is checked.
/// Returning an error refuses the access (the sub-expression is poisoned).
pub(crate) trait Access {
    /// A field's value is read (a slot, or a field of a list item).
    fn read(&mut self, field: &Field, span: Span) -> Result<(), CheckError>;
    /// A field's presence is tested with `has()`.
    fn presence(&mut self, field: &Field, span: Span) -> Result<(), CheckError>;
    /// A value of this type is used whole (compared, converted, returned, iterated as a
    /// map...), not just selected from, indexed, counted or iterated as a list.
    fn whole(&mut self, ty: &Type, span: Span) -> Result<(), CheckError>;
}

/// No policy: every access is allowed (plain CEL programs).
pub(crate) struct AllowAll;

impl Access for AllowAll {
    fn read(&mut self, _: &Field, _: Span) -> Result<(), CheckError> {
        Ok(())
    }
    fn presence(&mut self, _: &Field, _: Span) -> Result<(), CheckError> {
        Ok(())
    }
    fn whole(&mut self, _: &Type, _: Span) -> Result<(), CheckError> {
        Ok(())
    }
}

/// A checked expression node: what it does, its static type, where it is.
#[derive(Debug, Clone)]
pub(crate) struct TExpr {
    pub kind: TKind,
    pub ty: Type,
    pub span: Span,
}

/// The kinds of checked node. Names are resolved; record fields are slots or list-item keys.
#[derive(Debug, Clone)]
pub(crate) enum TKind {
    /// A constant.
    Const(Value),
    /// An unresolved name or function in lenient mode: an error at run time.
    Unbound(Arc<str>),
    /// A record slot's value; absent means missing data at `path`.
    Slot { slot: u32, path: Arc<str> },
    /// A record slot read through `.?`: `optional.of(value)`, or `optional.none()` when the
    /// field is absent (not missing data: the expression said what to do without it).
    OptSlot { slot: u32, path: Arc<str> },
    /// `has()` of a slot-addressed field.
    Present(u32),
    /// An external variable.
    Var(u32),
    /// A derived value.
    Derived(u32),
    /// Another rule's result.
    RuleRef(u32),
    /// A windowed aggregate's value (`agg.<name>`).
    Aggregate(u32),
    /// A comprehension variable (by depth index).
    Local(u32),
    /// A named list used as a value.
    List(u32),
    /// `elem in list` for a named list.
    InList(Box<TExpr>, u32),
    /// `!x`, `-x`
    Unary(UnaryOp, Box<TExpr>),
    /// Operators, `&&` and `||` included.
    Binary(BinaryOp, Box<TExpr>, Box<TExpr>),
    /// `c ? a : b`
    Cond(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    /// A field of a map value at run time (list items, dynamic maps); `path` is the schema
    /// path for missing-data reports when the field is a schema field.
    Select {
        operand: Box<TExpr>,
        field: Arc<str>,
        path: Option<Arc<str>>,
    },
    /// `operand.?field` on a value (a map, a list item, or an optional of one), or a plain
    /// selection from an optional: an optional of the field.
    OptSelect {
        operand: Box<TExpr>,
        field: Arc<str>,
    },
    /// `has(m.f)` over a map value.
    HasField(Box<TExpr>, Arc<str>),
    /// `a[i]`
    Index(Box<TExpr>, Box<TExpr>),
    /// `a[?i]`, or indexing an optional: an optional of the item.
    OptIndex(Box<TExpr>, Box<TExpr>),
    /// A builtin call (receiver first for methods).
    Call(&'static Builtin, Vec<TExpr>),
    /// `[a, b]`
    MakeList(Vec<TExpr>),
    /// `{k: v}`
    MakeMap(Vec<(TExpr, TExpr)>),
    /// A list literal with optional items (`[a, ?b]`): each item with whether it is one.
    MakeListOpt(Vec<(TExpr, bool)>),
    /// A map literal with optional entries (`{?k: v}`): each entry with whether it is one.
    MakeMapOpt(Vec<(TExpr, TExpr, bool)>),
    /// A comprehension macro; with `two` variables, the second is local `local + 1`.
    Comprehension {
        kind: MacroKind,
        range: Box<TExpr>,
        local: u32,
        two: bool,
        predicate: Option<Box<TExpr>>,
        transform: Option<Box<TExpr>>,
    },
    /// An error was reported here.
    Poison,
}

impl TExpr {
    fn new(kind: TKind, ty: Type, span: Span) -> TExpr {
        TExpr { kind, ty, span }
    }

    fn poison(span: Span) -> TExpr {
        TExpr::new(TKind::Poison, Type::Dyn, span)
    }

    /// Calls `f` on this node and every node below it.
    pub(crate) fn visit(&self, f: &mut dyn FnMut(&TExpr)) {
        f(self);
        match &self.kind {
            TKind::InList(a, _)
            | TKind::Unary(_, a)
            | TKind::Select { operand: a, .. }
            | TKind::OptSelect { operand: a, .. }
            | TKind::HasField(a, _) => a.visit(f),
            TKind::Binary(_, a, b) | TKind::Index(a, b) | TKind::OptIndex(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            TKind::Cond(a, b, c) => {
                a.visit(f);
                b.visit(f);
                c.visit(f);
            }
            TKind::Call(_, items) | TKind::MakeList(items) => {
                items.iter().for_each(|e| e.visit(f));
            }
            TKind::MakeMap(entries) => entries.iter().for_each(|(k, v)| {
                k.visit(f);
                v.visit(f);
            }),
            TKind::MakeListOpt(items) => items.iter().for_each(|(e, _)| e.visit(f)),
            TKind::MakeMapOpt(entries) => entries.iter().for_each(|(k, v, _)| {
                k.visit(f);
                v.visit(f);
            }),
            TKind::Comprehension {
                range,
                predicate,
                transform,
                ..
            } => {
                range.visit(f);
                predicate
                    .iter()
                    .chain(transform.iter())
                    .for_each(|e| e.visit(f));
            }
            TKind::Const(_)
            | TKind::Unbound(_)
            | TKind::Slot { .. }
            | TKind::OptSlot { .. }
            | TKind::Present(_)
            | TKind::Var(_)
            | TKind::Derived(_)
            | TKind::RuleRef(_)
            | TKind::Aggregate(_)
            | TKind::Local(_)
            | TKind::List(_)
            | TKind::Poison => {}
        }
    }
}

/// The result of checking one expression.
#[derive(Debug)]
pub(crate) struct Typed {
    /// The typed tree (meaningless when `errors` is not empty).
    pub expr: TExpr,
    /// Problems found.
    pub errors: Vec<CheckError>,
}

/// Checks an expression against an environment, showing record accesses to `access`.
pub(crate) fn typecheck(expr: &Expr, env: &Env, access: &mut dyn Access) -> Typed {
    let mut c = Checker {
        scope: Scope::new(env),
        access,
        errors: Vec::new(),
        local_enums: Vec::new(),
    };
    let out = c.expr(expr);
    let expr = c.value(out, expr.span);
    Typed {
        expr,
        errors: c.errors,
    }
}

/// An enum-typed schema field read by an expression (see [`Checker::enum_field`]).
#[derive(Clone)]
struct EnumField {
    values: Arc<[String]>,
    path: Arc<str>,
    /// The field is a list of the enum (`'a' in field`), not one value (`field == 'a'`).
    list: bool,
}

/// Most entries of one named list reported one by one as `cel.unknown_enum_value`.
const MAX_ENUM_LIST_ERRORS: usize = 5;

/// What a sub-expression denotes before it is used as a value.
enum Out<'e> {
    /// A value.
    Val(TExpr),
    /// A slot-addressed schema object (`interview`): only its fields can be read.
    Obj(&'e Arc<ObjectType>, Arc<str>),
    /// A slot-addressed schema object reached through `.?` (`record.?job`): every field read
    /// from it is optional.
    OptObj(&'e Arc<ObjectType>, Arc<str>),
    /// The `rules` namespace.
    Rules,
    /// The `agg` namespace.
    Aggregates,
    /// An error was already reported.
    Poison(Span),
}

struct Checker<'e, 'a> {
    scope: Scope<'e>,
    access: &'a mut dyn Access,
    errors: Vec<CheckError>,
    /// For each comprehension variable in scope (by depth index): the enum field whose
    /// values it ranges over (`docs.exists(d, d == 'visa')`), if any.
    local_enums: Vec<Option<EnumField>>,
}

impl<'e> Checker<'e, '_> {
    fn env(&self) -> &'e Env {
        self.scope.env()
    }

    fn error(&mut self, code: Code, span: Span, message: String, help: Option<String>) {
        self.errors.push(CheckError::new(code, span, message, help));
    }

    fn type_error(&mut self, span: Span, message: String) -> Type {
        if !self.env().lenient {
            self.error(Code::CelTypeMismatch, span, message, None);
        }
        Type::Dyn
    }

    /// Shows an access to the policy; a refusal is reported and poisons.
    fn allowed(&mut self, verdict: Result<(), CheckError>) -> bool {
        match verdict {
            Ok(()) => true,
            Err(e) => {
                self.errors.push(e);
                false
            }
        }
    }

    /// Turns an [`Out`] into a value used whole, refusing bare objects and the `rules`
    /// namespace, and showing the use to the policy.
    fn value(&mut self, out: Out<'e>, span: Span) -> TExpr {
        match out {
            Out::Val(e) => {
                let verdict = self.access.whole(&e.ty, span);
                if self.allowed(verdict) {
                    e
                } else {
                    TExpr::poison(span)
                }
            }
            Out::Obj(_, path) | Out::OptObj(_, path) => {
                self.error(
                    Code::CelTypeMismatch,
                    span,
                    format!("object `{path}` cannot be used as a value"),
                    Some("select one of its fields, or test presence with `has()`".into()),
                );
                TExpr::poison(span)
            }
            Out::Rules => {
                self.error(
                    Code::CelTypeMismatch,
                    span,
                    "`rules` cannot be used as a value".into(),
                    Some("refer to one rule's result: `rules.<rule_id>`".into()),
                );
                TExpr::poison(span)
            }
            Out::Aggregates => {
                self.error(
                    Code::CelTypeMismatch,
                    span,
                    "`agg` cannot be used as a value".into(),
                    Some("read one aggregate: `agg.<name>`".into()),
                );
                TExpr::poison(span)
            }
            Out::Poison(span) => TExpr::poison(span),
        }
    }

    fn val(&mut self, e: &Expr) -> TExpr {
        let out = self.expr(e);
        self.value(out, e.span)
    }

    /// Like [`Checker::val`], for the operand of a selection or an index, the range of a list
    /// comprehension and the argument of `size()` of a list: its items are only reached field
    /// by field (or counted), so a list of objects holding protected fields is allowed there.
    fn container(&mut self, e: &Expr) -> TExpr {
        match self.expr(e) {
            Out::Val(t) => t,
            other => self.value(other, e.span),
        }
    }

    /// A schema field read as a value.
    fn field_out(&mut self, field: &'e Field, span: Span) -> Out<'e> {
        let verdict = self.access.read(field, span);
        if !self.allowed(verdict) {
            return Out::Poison(span);
        }
        let path: Arc<str> = Arc::from(field.path.as_str());
        match field.slot {
            Some(slot) => Out::Val(TExpr::new(
                TKind::Slot { slot, path },
                field_type(&field.kind),
                span,
            )),
            None => Out::Val(TExpr::new(
                TKind::Const(Value::Null),
                field_type(&field.kind),
                span,
            )),
        }
    }

    fn binding(&mut self, b: Binding<'e>, span: Span) -> Out<'e> {
        let env = self.env();
        match b {
            Binding::Local(i) => {
                Out::Val(TExpr::new(TKind::Local(i), self.scope.local_type(i), span))
            }
            Binding::Var(i) => Out::Val(TExpr::new(
                TKind::Var(i),
                env.vars[i as usize].1.clone(),
                span,
            )),
            Binding::Derived(i) => Out::Val(TExpr::new(
                TKind::Derived(i),
                env.derived[i as usize].1.clone(),
                span,
            )),
            Binding::Const(i) => {
                let value = env.constants[i as usize].1.clone();
                let ty = crate::cel::resolve::constant_type(&value);
                Out::Val(TExpr::new(TKind::Const(value), ty, span))
            }
            Binding::List(i) => Out::Val(TExpr::new(
                TKind::List(i),
                Type::List(Box::new(env.lists[i as usize].elem.clone())),
                span,
            )),
            Binding::Field(f) => self.field_out(f, span),
            Binding::Object(f, o) => {
                let verdict = self.access.read(f, span);
                if self.allowed(verdict) {
                    Out::Obj(o, Arc::from(f.path.as_str()))
                } else {
                    Out::Poison(span)
                }
            }
            Binding::Record(root) => Out::Obj(root, Arc::from("record")),
            Binding::Rules => Out::Rules,
            Binding::Aggregates => Out::Aggregates,
            Binding::Aggregate(i) => Out::Val(TExpr::new(
                TKind::Aggregate(i),
                env.aggregates[i as usize].1.clone(),
                span,
            )),
            Binding::TypeName(t) => Out::Val(TExpr::new(
                TKind::Const(Value::Type(Arc::from(t))),
                Type::Type,
                span,
            )),
        }
    }

    fn unknown_field(&mut self, obj: &ObjectType, name: &str, span: Span) -> Out<'e> {
        let what = if obj.path.is_empty() {
            "the record".to_string()
        } else {
            format!("`{}`", obj.path)
        };
        let help = did_you_mean(name, obj.fields.iter().map(|f| f.name.as_str()));
        self.error(
            Code::PackUnknownField,
            span,
            format!("{what} has no field `{name}`"),
            help,
        );
        Out::Poison(span)
    }

    fn ident(&mut self, name: &str, leading_dot: bool, span: Span) -> Out<'e> {
        if let Some(b) = self.scope.lookup(name, leading_dot) {
            return self.binding(b, span);
        }
        let env = self.env();
        if env.lenient {
            return Out::Val(TExpr::new(
                TKind::Unbound(Arc::from(format!("no such attribute: `{name}`"))),
                Type::Dyn,
                span,
            ));
        }
        let help = did_you_mean(name, self.scope.candidates());
        if env.root.is_some() {
            self.error(
                Code::PackUnknownField,
                span,
                format!("the record has no field `{name}`"),
                help,
            );
        } else {
            self.error(
                Code::CelUnknownName,
                span,
                format!("unknown name `{name}`"),
                help,
            );
        }
        Out::Poison(span)
    }

    /// The dotted name of an identifier/select chain (`a.b.c`) and its first identifier.
    fn qualified_name(e: &Expr) -> Option<(String, &str)> {
        match &e.kind {
            ExprKind::Ident { name, .. } => Some((name.clone(), name.as_str())),
            ExprKind::Select { operand, field } => {
                Self::qualified_name(operand).map(|(q, head)| (format!("{q}.{field}"), head))
            }
            _ => None,
        }
    }

    fn select(&mut self, operand: &Expr, field: &str, span: Span) -> Out<'e> {
        // A qualified variable name (`a.b.c` declared as one variable) wins; then type names.
        if let Some((q, head)) = Self::qualified_name(operand) {
            let full = format!("{q}.{field}");
            let head_bound = self.scope.is_bound(head);
            if let Some(b) = self.scope.lookup_qualified(&full, head_bound) {
                return self.binding(b, span);
            }
        }
        match self.expr(operand) {
            Out::Poison(s) => Out::Poison(s),
            Out::Rules => {
                let env = self.env();
                match env.rule_position(field) {
                    Some(i) => Out::Val(TExpr::new(TKind::RuleRef(i as u32), Type::Bool, span)),
                    None => {
                        let help = did_you_mean(field, env.rules.iter().map(String::as_str));
                        self.error(
                            Code::PackUnknownRule,
                            span,
                            format!("there is no rule `{field}`"),
                            help,
                        );
                        Out::Poison(span)
                    }
                }
            }
            Out::Aggregates => {
                let env = self.env();
                match env.aggregates.iter().position(|(n, _)| n == field) {
                    Some(i) => self.binding(Binding::Aggregate(i as u32), span),
                    None => {
                        let help =
                            did_you_mean(field, env.aggregates.iter().map(|(n, _)| n.as_str()));
                        self.error(
                            Code::PackUnknownAggregate,
                            span,
                            format!("there is no aggregate `{field}`"),
                            help,
                        );
                        Out::Poison(span)
                    }
                }
            }
            Out::Obj(obj, _) => match obj.field(field) {
                Some(f) => match &f.kind {
                    FieldKind::Object(o) if !o.in_list => self.binding(Binding::Object(f, o), span),
                    _ => self.field_out(f, span),
                },
                None => self.unknown_field(obj, field, span),
            },
            // After `.?`, the rest of the chain is optional too.
            Out::OptObj(obj, _) => self.opt_field(obj, field, span),
            Out::Val(node) => self.select_value(node, field, span),
        }
    }

    /// `operand.?field`: an optional of the field (`optional.none()` when it is absent).
    fn opt_select(&mut self, operand: &Expr, field: &str, span: Span) -> Out<'e> {
        match self.expr(operand) {
            Out::Poison(s) => Out::Poison(s),
            Out::Rules | Out::Aggregates => {
                self.error(
                    Code::CelTypeMismatch,
                    span,
                    format!("`.?{field}` cannot select a rule or an aggregate"),
                    Some("rules and aggregates are always there: use `.` instead of `.?`".into()),
                );
                Out::Poison(span)
            }
            Out::Obj(obj, _) | Out::OptObj(obj, _) => self.opt_field(obj, field, span),
            Out::Val(node) => self.select_value_opt(node, field, span),
        }
    }

    /// A field of a slot-addressed object read optionally: the policy sees the read and a
    /// presence test (`.?` guards the field the way `has()` does), so a protected field is
    /// still refused and an optional one is not reported as unguarded.
    fn opt_field(&mut self, obj: &'e Arc<ObjectType>, field: &str, span: Span) -> Out<'e> {
        let Some(f) = obj.field(field) else {
            return self.unknown_field(obj, field, span);
        };
        let verdict = self
            .access
            .read(f, span)
            .and_then(|()| self.access.presence(f, span));
        if !self.allowed(verdict) {
            return Out::Poison(span);
        }
        let path: Arc<str> = Arc::from(f.path.as_str());
        match (&f.kind, f.slot) {
            (FieldKind::Object(o), _) if !o.in_list => Out::OptObj(o, path),
            (kind, Some(slot)) => Out::Val(TExpr::new(
                TKind::OptSlot { slot, path },
                Type::Optional(Box::new(field_type(kind))),
                span,
            )),
            (kind, None) => Out::Val(TExpr::new(
                TKind::Const(Value::none()),
                Type::Optional(Box::new(field_type(kind))),
                span,
            )),
        }
    }

    /// `operand.?field` on a value (or `operand.field` on an optional): a list item's schema
    /// field, a map key, or `dyn`, as an optional.
    fn select_value_opt(&mut self, node: TExpr, field: &str, span: Span) -> Out<'e> {
        let inner = match &node.ty {
            Type::Optional(t) => (**t).clone(),
            t => t.clone(),
        };
        let ty = match inner {
            Type::Object(obj) => match obj.field(field) {
                Some(f) => {
                    let verdict = self
                        .access
                        .read(f, span)
                        .and_then(|()| self.access.presence(f, span));
                    if !self.allowed(verdict) {
                        return Out::Poison(span);
                    }
                    field_type(&f.kind)
                }
                None => return self.unknown_field(&obj, field, span),
            },
            Type::Map(k, v) if matches!(*k, Type::String | Type::Dyn) => *v,
            Type::Dyn => Type::Dyn,
            other => self.type_error(span, format!("cannot select field `{field}` from {other}")),
        };
        Out::Val(TExpr::new(
            TKind::OptSelect {
                operand: Box::new(node),
                field: Arc::from(field),
            },
            Type::Optional(Box::new(ty)),
            span,
        ))
    }

    /// `operand[index]` (`optional` for `operand[?index]`); indexing an optional is optional.
    fn index(&mut self, operand: &Expr, index: &Expr, optional: bool, span: Span) -> Out<'e> {
        let a = self.container(operand);
        let i = self.val(index);
        let (optional, container) = match &a.ty {
            Type::Optional(t) => (true, (**t).clone()),
            t => (optional, t.clone()),
        };
        let ty = match (&container, &i.ty) {
            (Type::List(t), Type::Int | Type::Uint | Type::Double | Type::Dyn) => (**t).clone(),
            (Type::Map(_, v), _) => (**v).clone(),
            (Type::Dyn, _) => Type::Dyn,
            (a, i) => {
                let message = format!("cannot index {a} with {i}");
                self.type_error(span, message)
            }
        };
        let (kind, ty) = if optional {
            (
                TKind::OptIndex(Box::new(a), Box::new(i)),
                Type::Optional(Box::new(ty)),
            )
        } else {
            (TKind::Index(Box::new(a), Box::new(i)), ty)
        };
        Out::Val(TExpr::new(kind, ty, span))
    }

    /// The value of an optional entry `?e` of a list or map literal: `e` must be an optional;
    /// returns it and the type of its value.
    fn opt_entry(&mut self, e: &Expr) -> (TExpr, Type) {
        let n = self.val(e);
        let t = match &n.ty {
            Type::Optional(t) => (**t).clone(),
            Type::Dyn => Type::Dyn,
            other => {
                let message =
                    format!("an optional entry (`?`) needs an optional value, found {other}");
                self.type_error(e.span, message)
            }
        };
        (n, t)
    }

    /// `opt.optMap(x, expr)` / `opt.optFlatMap(x, expr)`.
    fn opt_map(
        &mut self,
        kind: MacroKind,
        target: &Expr,
        var: &str,
        args: &[Expr],
        span: Span,
    ) -> Out<'e> {
        // Binding the value to a variable is not a whole use: the variable's uses are checked.
        let range = self.container(target);
        let item = match &range.ty {
            Type::Optional(t) => (**t).clone(),
            Type::Dyn => Type::Dyn,
            other => {
                let message = format!("`{}` needs an optional, found {other}", kind.name());
                self.type_error(target.span, message)
            }
        };
        let [arg] = args else {
            self.error(
                Code::CelSyntax,
                span,
                format!("wrong number of arguments to `{}`", kind.name()),
                None,
            );
            return Out::Poison(span);
        };
        let local = self.scope.push_local(var, item);
        self.local_enums.truncate(local as usize);
        self.local_enums.push(None);
        let transform = self.val(arg);
        self.local_enums.truncate(local as usize);
        self.scope.pop_local();
        let ty = match (kind, &transform.ty) {
            (MacroKind::OptMap, t) => Type::Optional(Box::new(t.clone())),
            (_, t @ Type::Optional(_)) => t.clone(),
            (_, Type::Dyn) => Type::Optional(Box::new(Type::Dyn)),
            (_, other) => {
                let message =
                    format!("the transform of `optFlatMap` must be an optional, found {other}");
                self.type_error(transform.span, message);
                Type::Optional(Box::new(Type::Dyn))
            }
        };
        Out::Val(TExpr::new(
            TKind::Comprehension {
                kind,
                range: Box::new(range),
                local,
                two: false,
                predicate: None,
                transform: Some(Box::new(transform)),
            },
            ty,
            span,
        ))
    }

    /// `operand.field` on a value: a list item's schema field, a map key, or `dyn`.
    fn select_value(&mut self, node: TExpr, field: &str, span: Span) -> Out<'e> {
        if matches!(node.ty, Type::Optional(_)) {
            return self.select_value_opt(node, field, span);
        }
        let key: Arc<str> = Arc::from(field);
        let select = |operand: TExpr, path: Option<Arc<str>>, ty: Type| {
            Out::Val(TExpr::new(
                TKind::Select {
                    operand: Box::new(operand),
                    field: key.clone(),
                    path,
                },
                ty,
                span,
            ))
        };
        match node.ty.clone() {
            Type::Object(obj) => match obj.field(field) {
                Some(f) => {
                    let verdict = self.access.read(f, span);
                    if !self.allowed(verdict) {
                        return Out::Poison(span);
                    }
                    let path = Some(Arc::from(f.path.as_str()));
                    select(node, path, field_type(&f.kind))
                }
                None => self.unknown_field(&obj, field, span),
            },
            Type::Map(k, v) if matches!(*k, Type::String | Type::Dyn) => select(node, None, *v),
            Type::Dyn => select(node, None, Type::Dyn),
            other => {
                let t =
                    self.type_error(span, format!("cannot select field `{field}` from {other}"));
                select(node, None, t)
            }
        }
    }

    fn has(&mut self, operand: &Expr, field: &str, span: Span) -> Out<'e> {
        match self.expr(operand) {
            Out::Poison(s) => Out::Poison(s),
            Out::Rules => {
                self.error(
                    Code::CelTypeMismatch,
                    span,
                    "`has()` cannot test a rule".into(),
                    None,
                );
                Out::Poison(span)
            }
            Out::Aggregates => {
                self.error(
                    Code::CelTypeMismatch,
                    span,
                    "`has()` cannot test an aggregate".into(),
                    Some("an aggregate is always computed; when its key or time is missing, rules reading it are incomplete".into()),
                );
                Out::Poison(span)
            }
            Out::Obj(obj, _) | Out::OptObj(obj, _) => match obj.field(field) {
                Some(f) => {
                    let verdict = self.access.presence(f, span);
                    if !self.allowed(verdict) {
                        return Out::Poison(span);
                    }
                    let kind = match f.slot {
                        Some(slot) => TKind::Present(slot),
                        None => TKind::Const(Value::Bool(false)),
                    };
                    Out::Val(TExpr::new(kind, Type::Bool, span))
                }
                None => self.unknown_field(obj, field, span),
            },
            Out::Val(node) => {
                let ty = match &node.ty {
                    Type::Optional(t) => (**t).clone(),
                    t => t.clone(),
                };
                match ty {
                    Type::Object(obj) => match obj.field(field) {
                        Some(f) => {
                            let verdict = self.access.presence(f, span);
                            if !self.allowed(verdict) {
                                return Out::Poison(span);
                            }
                        }
                        None => return self.unknown_field(&obj, field, span),
                    },
                    Type::Map(..) | Type::Dyn => {}
                    other => {
                        self.type_error(
                            span,
                            format!("`has()` needs a map or object, found {other}"),
                        );
                    }
                }
                Out::Val(TExpr::new(
                    TKind::HasField(Box::new(node), Arc::from(field)),
                    Type::Bool,
                    span,
                ))
            }
        }
    }

    fn call(
        &mut self,
        target: Option<&Expr>,
        function: &str,
        args: &[Expr],
        span: Span,
    ) -> Out<'e> {
        // `strings.quote(x)`, `math.greatest(...)`: a qualified global function.
        if let Some(t) = target {
            if let Some((q, head)) = Self::qualified_name(t) {
                let full = format!("{q}.{function}");
                if !self.scope.is_bound(head) && functions::lookup(&full).is_some() {
                    return self.call(None, &full, args, span);
                }
            }
        }
        let Some(builtin) = functions::lookup(function) else {
            if self.env().lenient {
                for a in target.into_iter().chain(args.iter()) {
                    self.val(a);
                }
                return Out::Val(TExpr::new(
                    TKind::Unbound(Arc::from(format!("no such function: `{function}`"))),
                    Type::Dyn,
                    span,
                ));
            }
            let help = did_you_mean(function, functions::builtins().iter().map(|b| b.name));
            self.error(
                Code::CelUnknownFunction,
                span,
                format!("unknown function `{function}`"),
                help,
            );
            return Out::Poison(span);
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
                Code::CelUnknownFunction,
                span,
                format!("`{function}` cannot be called {how}"),
                None,
            );
            return Out::Poison(span);
        }
        let mut nodes = Vec::with_capacity(args.len() + 1);
        for a in target.into_iter().chain(args.iter()) {
            // `size()` of a list reveals nothing of its items, so a list of objects holding
            // protected fields may be counted; the size of one such object (its number of
            // keys) would reveal whether a protected value is present, so it is a whole use.
            // The optional accessors pass their optional on (`legs[?0].value()`, a list item
            // holding protected fields, may still be selected from): the use of their result
            // is checked instead.
            let passes_on = matches!(
                builtin.name,
                "hasValue" | "value" | "orValue" | "or" | "optional.of" | "first" | "last"
            ) && (nodes.is_empty() || builtin.name == "or");
            let n = if passes_on {
                self.container(a)
            } else if builtin.name == "size" {
                match self.container(a) {
                    n if matches!(n.ty, Type::List(_)) => n,
                    n => {
                        let span = a.span;
                        self.value(Out::Val(n), span)
                    }
                }
            } else {
                self.val(a)
            };
            nodes.push(n);
        }
        if !builtin.arity.contains(&nodes.len()) {
            self.error(
                Code::CelNoOverload,
                span,
                format!("`{function}` does not take {} argument(s)", nodes.len()),
                None,
            );
            return Out::Poison(span);
        }
        let types: Vec<Type> = nodes.iter().map(|n| n.ty.clone()).collect();
        let ty = match (builtin.check)(&types) {
            Ok(t) => t,
            Err(msg) => {
                if !self.env().lenient {
                    self.error(Code::CelNoOverload, span, msg, None);
                }
                Type::Dyn
            }
        };
        Out::Val(TExpr::new(TKind::Call(builtin, nodes), ty, span))
    }

    fn binary(&mut self, op: BinaryOp, l: &Expr, r: &Expr, span: Span) -> Out<'e> {
        // `x in named_list` becomes a set lookup.
        if op == BinaryOp::In {
            if let ExprKind::Ident { name, .. } = &r.kind {
                if let Some(Binding::List(i)) = self.scope.lookup(name, false) {
                    let left = self.val(l);
                    self.enum_named_list(&left, i, r.span);
                    let elem = &self.env().lists[i as usize].elem;
                    if !left.ty.comparable_with(elem) {
                        let message = format!(
                            "`{name}` is a list of {elem}, it cannot contain a {}",
                            left.ty
                        );
                        self.type_error(span, message);
                    }
                    return Out::Val(TExpr::new(
                        TKind::InList(Box::new(left), i),
                        Type::Bool,
                        span,
                    ));
                }
            }
        }
        let left = self.val(l);
        let right = self.val(r);
        match op {
            BinaryOp::Eq | BinaryOp::Ne => {
                self.enum_literal(&left, &right);
                self.enum_literal(&right, &left);
            }
            BinaryOp::In => self.enum_in(&left, &right),
            _ => {}
        }
        let ty = match op {
            BinaryOp::And | BinaryOp::Or => {
                for (t, e) in [(&left.ty, l), (&right.ty, r)] {
                    if !matches!(t, Type::Bool | Type::Dyn) {
                        let message = format!("`{}` needs bool operands, found {t}", op.symbol());
                        self.type_error(e.span, message);
                    }
                }
                Type::Bool
            }
            _ => match ops::check_binary(op, &left.ty, &right.ty) {
                Ok(t) => t,
                Err(msg) => self.type_error(span, msg),
            },
        };
        Out::Val(TExpr::new(
            TKind::Binary(op, Box::new(left), Box::new(right)),
            ty,
            span,
        ))
    }

    /// The enum values of the schema field that `e` reads, its path, and whether the field
    /// is a list of that enum; `None` when `e` does not read an enum field directly.
    fn enum_field(&self, e: &TExpr) -> Option<EnumField> {
        let (field, path) = match &e.kind {
            TKind::Local(i) => return self.local_enums.get(*i as usize).cloned().flatten(),
            TKind::Slot { path, .. } | TKind::OptSlot { path, .. } => {
                let root = self.env().root.as_deref()?;
                (root.field_at_path(path)?, path.clone())
            }
            // The value of an optional read of an enum field (`record.?purpose.orValue('')`):
            // one of its values, or the default.
            TKind::Call(b, args) if matches!(b.name, "value" | "orValue") => {
                let mut f = self.enum_field(args.first()?)?;
                if let Some(TExpr {
                    kind: TKind::Const(Value::String(d)),
                    ..
                }) = args.get(1)
                {
                    let mut values = f.values.to_vec();
                    values.push(d.to_string());
                    f.values = values.into();
                }
                return Some(f);
            }
            TKind::OptSelect { operand, field } => match &operand.ty {
                Type::Object(obj) => {
                    let f = obj.field(field)?;
                    (f, Arc::from(f.path.as_str()))
                }
                Type::Optional(t) => match &**t {
                    Type::Object(obj) => {
                        let f = obj.field(field)?;
                        (f, Arc::from(f.path.as_str()))
                    }
                    _ => return None,
                },
                _ => return None,
            },
            TKind::Select {
                operand,
                field,
                path: Some(path),
            } => match &operand.ty {
                Type::Object(obj) => (obj.field(field)?, path.clone()),
                _ => return None,
            },
            _ => return None,
        };
        let (values, list) = match &field.kind {
            FieldKind::Enum(values) => (values.clone(), false),
            FieldKind::List(item) => match &**item {
                FieldKind::Enum(values) => (values.clone(), true),
                _ => return None,
            },
            _ => return None,
        };
        Some(EnumField { values, path, list })
    }

    /// Reports `cel.unknown_enum_value` for `value`, a string that `field` is compared with,
    /// when it is not one of the field's values. `what` (`""` for a literal) names where
    /// the value comes from (`` list `x` holds ``).
    fn unknown_enum_value(&mut self, field: &EnumField, value: &str, span: Span, what: &str) {
        if self.env().lenient || field.values.iter().any(|v| v == value) {
            return;
        }
        let help = did_you_mean(value, field.values.iter().map(String::as_str));
        let message = format!(
            "{what}`{}`{} not a value of enum field `{}` (one of {})",
            Shorten(value),
            if what.is_empty() { " is" } else { ", which is" },
            field.path,
            EnumValues(&field.values)
        );
        self.error(Code::CelUnknownEnumValue, span, message, help);
    }

    /// `field == 'lit'` (either way round, or `!=`): the literal must be a value of the enum.
    fn enum_literal(&mut self, field: &TExpr, lit: &TExpr) {
        if let TKind::Const(Value::String(s)) = &lit.kind {
            if let Some(f) = self.enum_field(field).filter(|f| !f.list) {
                self.unknown_enum_value(&f, s, lit.span, "");
            }
        }
    }

    /// `field in ['a', 'b']` (every string item must be a value of the enum), and
    /// `'a' in list_field` for a list of an enum.
    fn enum_in(&mut self, left: &TExpr, right: &TExpr) {
        if let TKind::MakeList(items) = &right.kind {
            if let Some(f) = self.enum_field(left).filter(|f| !f.list) {
                for item in items {
                    if let TKind::Const(Value::String(s)) = &item.kind {
                        self.unknown_enum_value(&f, s, item.span, "");
                    }
                }
            }
        } else if let TKind::Const(Value::String(s)) = &left.kind {
            if let Some(f) = self.enum_field(right).filter(|f| f.list) {
                self.unknown_enum_value(&f, s, left.span, "");
            }
        }
    }

    /// `field in named_list`: every string entry of the list must be a value of the enum.
    /// Errors point at the list's name in the expression; at most
    /// [`MAX_ENUM_LIST_ERRORS`] entries are reported one by one, then a count.
    fn enum_named_list(&mut self, left: &TExpr, list: u32, span: Span) {
        let Some(f) = self.enum_field(left).filter(|f| !f.list) else {
            return;
        };
        let env = self.env();
        let binding = &env.lists[list as usize];
        let Value::List(items) = &binding.value else {
            return;
        };
        let what = format!("list `{}` holds ", binding.name);
        let mut bad = 0usize;
        for item in items.iter() {
            let Value::String(s) = item else { continue };
            if f.values.iter().any(|v| **v == **s) {
                continue;
            }
            bad += 1;
            if bad <= MAX_ENUM_LIST_ERRORS {
                self.unknown_enum_value(&f, s, span, &what);
            }
        }
        if bad > MAX_ENUM_LIST_ERRORS && !env.lenient {
            let message = format!(
                "list `{}` holds {} more entries that are not values of enum field `{}`",
                binding.name,
                bad - MAX_ENUM_LIST_ERRORS,
                f.path
            );
            self.error(Code::CelUnknownEnumValue, span, message, None);
        }
    }

    fn comprehension(
        &mut self,
        kind: MacroKind,
        target: &Expr,
        vars: (&str, Option<&str>),
        args: &[Expr],
        span: Span,
    ) -> Out<'e> {
        if matches!(kind, MacroKind::OptMap | MacroKind::OptFlatMap) {
            return self.opt_map(kind, target, vars.0, args, span);
        }
        let range = match self.container(target) {
            // Iterating one object would reach its keys, protected ones included.
            n if matches!(n.ty, Type::Object(_)) => self.value(Out::Val(n), target.span),
            n => n,
        };
        let two = vars.1.is_some();
        // The variables' types: one variable ranges over list items or map keys; two over
        // (index, item) or (key, value).
        let (first, second) = match &range.ty {
            Type::List(t) if two => (Type::Int, (**t).clone()),
            Type::List(t) => ((**t).clone(), Type::Dyn),
            Type::Map(k, v) => ((**k).clone(), (**v).clone()),
            Type::Dyn => (Type::Dyn, Type::Dyn),
            other => {
                let message = format!("`{}` needs a list or map, found {other}", kind.name());
                let t = self.type_error(target.span, message);
                (t.clone(), t)
            }
        };
        // A variable ranging over a list of an enum holds values of that enum.
        let item_enum = match &range.ty {
            Type::List(_) => self
                .enum_field(&range)
                .filter(|f| f.list)
                .map(|f| EnumField { list: false, ..f }),
            _ => None,
        };
        let local = self.scope.push_local(vars.0, first.clone());
        self.local_enums.truncate(local as usize);
        if let Some(v) = vars.1 {
            // The index (or key) holds no enum value; the item is the second variable.
            self.scope.push_local(v, second.clone());
            self.local_enums.push(None);
        }
        self.local_enums.push(item_enum);
        let mut checked: Vec<TExpr> = args.iter().map(|a| self.val(a)).collect();
        self.local_enums.truncate(local as usize);
        self.scope.pop_local();
        if two {
            self.scope.pop_local();
        }
        let need_bool = |c: &mut Self, e: &TExpr| {
            if !matches!(e.ty, Type::Bool | Type::Dyn) {
                let message = format!(
                    "the predicate of `{}` must be bool, found {}",
                    kind.name(),
                    e.ty
                );
                c.type_error(e.span, message);
            }
        };
        // The transform (last argument) after an optional filter.
        let transformed = matches!(
            kind,
            MacroKind::Map
                | MacroKind::SortBy
                | MacroKind::TransformList
                | MacroKind::TransformMap
                | MacroKind::TransformMapEntry
        );
        let (predicate, transform) = match (transformed, checked.len()) {
            (true, 1) => (None, Some(checked.remove(0))),
            (true, 2) => {
                let t = checked.remove(1);
                let p = checked.remove(0);
                need_bool(self, &p);
                (Some(p), Some(t))
            }
            (false, 1) => {
                let p = checked.remove(0);
                need_bool(self, &p);
                (Some(p), None)
            }
            _ => {
                self.error(
                    Code::CelSyntax,
                    span,
                    format!("wrong number of arguments to `{}`", kind.name()),
                    None,
                );
                return Out::Poison(span);
            }
        };
        if kind == MacroKind::SortBy && !matches!(range.ty, Type::List(_) | Type::Dyn) {
            let message = format!("`sortBy` needs a list, found {}", range.ty);
            self.type_error(target.span, message);
        }
        let transform_ty = transform.as_ref().map_or(Type::Dyn, |t| t.ty.clone());
        let item = if two { second } else { first.clone() };
        let ty = match kind {
            MacroKind::All | MacroKind::Exists | MacroKind::ExistsOne => Type::Bool,
            // Checked by `opt_map` (never reached).
            MacroKind::OptMap | MacroKind::OptFlatMap => Type::Optional(Box::new(transform_ty)),
            MacroKind::Filter => Type::List(Box::new(item)),
            MacroKind::SortBy => {
                if !crate::cel::functions::lists_ext::is_sortable(&transform_ty) {
                    let message = format!(
                        "the key of `sortBy` must be a comparable value (int, uint, double, bool, duration, timestamp, string or bytes), found {transform_ty}"
                    );
                    let span = transform.as_ref().map_or(span, |t| t.span);
                    self.type_error(span, message);
                }
                Type::List(Box::new(item))
            }
            MacroKind::Map | MacroKind::TransformList => Type::List(Box::new(transform_ty)),
            MacroKind::TransformMap => Type::Map(Box::new(first), Box::new(transform_ty)),
            MacroKind::TransformMapEntry => match transform_ty {
                t @ (Type::Map(..) | Type::Dyn) => t,
                other => {
                    let message = format!(
                        "the transform of `transformMapEntry` must be a map (the entry to insert), found {other}"
                    );
                    let span = transform.as_ref().map_or(span, |t| t.span);
                    self.type_error(span, message)
                }
            },
        };
        Out::Val(TExpr::new(
            TKind::Comprehension {
                kind,
                range: Box::new(range),
                local,
                two,
                predicate: predicate.map(Box::new),
                transform: transform.map(Box::new),
            },
            ty,
            span,
        ))
    }

    fn expr(&mut self, e: &Expr) -> Out<'e> {
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
                Out::Val(TExpr::new(TKind::Const(v), t, span))
            }
            ExprKind::Ident { name, leading_dot } => self.ident(name, *leading_dot, span),
            ExprKind::Select { operand, field } => self.select(operand, field, span),
            ExprKind::OptSelect { operand, field } => self.opt_select(operand, field, span),
            ExprKind::Has { operand, field } => self.has(operand, field, span),
            ExprKind::Index { operand, index } => self.index(operand, index, false, span),
            ExprKind::OptIndex { operand, index } => self.index(operand, index, true, span),
            ExprKind::OptEntry(_) => {
                self.error(
                    Code::CelSyntax,
                    span,
                    "`?` marks an optional entry of a list or map literal only".into(),
                    None,
                );
                Out::Poison(span)
            }
            ExprKind::Call {
                target,
                function,
                args,
            } => self.call(target.as_deref(), function, args, span),
            ExprKind::Unary { op, operand } => {
                let n = self.val(operand);
                let ty = match ops::check_unary(*op, &n.ty) {
                    Ok(t) => t,
                    Err(msg) => self.type_error(span, msg),
                };
                Out::Val(TExpr::new(TKind::Unary(*op, Box::new(n)), ty, span))
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, span),
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => {
                let c = self.val(cond);
                if !matches!(c.ty, Type::Bool | Type::Dyn) {
                    let message = format!("the condition of `?:` must be bool, found {}", c.ty);
                    self.type_error(cond.span, message);
                }
                let a = self.val(then);
                let b = self.val(otherwise);
                let ty = Type::unify(Some(a.ty.clone()), &b.ty);
                Out::Val(TExpr::new(
                    TKind::Cond(Box::new(c), Box::new(a), Box::new(b)),
                    ty,
                    span,
                ))
            }
            ExprKind::List(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                let mut elem: Option<Type> = None;
                let mut any_optional = false;
                for item in items {
                    let (n, t, optional) = match &item.kind {
                        ExprKind::OptEntry(inner) => {
                            let (n, t) = self.opt_entry(inner);
                            (n, t, true)
                        }
                        _ => {
                            let n = self.val(item);
                            let t = n.ty.clone();
                            (n, t, false)
                        }
                    };
                    any_optional |= optional;
                    elem = Some(Type::unify(elem, &t));
                    nodes.push((n, optional));
                }
                let ty = Type::List(Box::new(elem.unwrap_or(Type::Dyn)));
                let kind = if any_optional {
                    TKind::MakeListOpt(nodes)
                } else {
                    TKind::MakeList(nodes.into_iter().map(|(n, _)| n).collect())
                };
                Out::Val(TExpr::new(kind, ty, span))
            }
            ExprKind::Map(entries) => {
                let mut nodes = Vec::with_capacity(entries.len());
                let (mut kt, mut vt): (Option<Type>, Option<Type>) = (None, None);
                let mut any_optional = false;
                for (k, v) in entries {
                    let (k, optional) = match &k.kind {
                        ExprKind::OptEntry(inner) => (&**inner, true),
                        _ => (k, false),
                    };
                    let kn = self.val(k);
                    if !matches!(
                        kn.ty,
                        Type::Bool | Type::Int | Type::Uint | Type::String | Type::Dyn
                    ) {
                        let message = format!("unsupported map key type {}", kn.ty);
                        self.type_error(k.span, message);
                    }
                    let (vn, value_ty) = if optional {
                        self.opt_entry(v)
                    } else {
                        let vn = self.val(v);
                        let t = vn.ty.clone();
                        (vn, t)
                    };
                    any_optional |= optional;
                    kt = Some(Type::unify(kt, &kn.ty));
                    vt = Some(Type::unify(vt, &value_ty));
                    nodes.push((kn, vn, optional));
                }
                let ty = Type::Map(
                    Box::new(kt.unwrap_or(Type::Dyn)),
                    Box::new(vt.unwrap_or(Type::Dyn)),
                );
                let kind = if any_optional {
                    TKind::MakeMapOpt(nodes)
                } else {
                    TKind::MakeMap(nodes.into_iter().map(|(k, v, _)| (k, v)).collect())
                };
                Out::Val(TExpr::new(kind, ty, span))
            }
            ExprKind::Struct { type_name, .. } => {
                self.error(
                    Code::CelUnsupported,
                    span,
                    format!("message construction `{type_name}{{...}}` is not supported"),
                    Some("saring has no protobuf message types; use a map literal".into()),
                );
                Out::Poison(span)
            }
            ExprKind::Macro {
                kind,
                target,
                var,
                var2,
                args,
            } => self.comprehension(*kind, target, (var, var2.as_deref()), args, span),
        }
    }
}

//! The evaluator: walks planned nodes over a record with CEL's error semantics.
//!
//! `false && error` is `false`, `true || error` is `true` (in either order). Results are
//! three-valued: a value, or a failure; reading an absent field fails with
//! [`Fail::Missing`] and sets the field's path id in the frame's [`PathSet`], so a rule that
//! fails because of it can be reported as incomplete with every missing path (turned into
//! path strings only when a decision is reported). Boolean nodes evaluate through
//! [`boolean`] without building values; derived values are computed on first read, once per
//! record.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::Arc;

use crate::cel::ast::MacroKind;
use crate::cel::cost::{call_cost, op_cost};
use crate::cel::error::{EvalError, RuntimeError, RuntimeErrorKind};
use crate::cel::functions::{lists_ext, string_ext};
use crate::cel::ir::{Comprehension, DerivedNode, Node, PathSet, Site, StrMap};
use crate::cel::ops;
use crate::cel::value::{MapValue, Value};
use crate::limits::DEFAULT_RUNTIME_COST;
use crate::record::Record;

/// Why an evaluation failed. A missing field's path is in the frame, not here.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fail {
    /// A record field the expression needs is absent.
    Missing,
    /// Any other CEL runtime error (no matching overload, division by zero, overflow, ...).
    Error(RuntimeError),
}

impl From<EvalError> for Fail {
    fn from(e: EvalError) -> Fail {
        match e {
            EvalError::Missing(_) => Fail::Missing,
            EvalError::Runtime(e) => Fail::Error(e),
        }
    }
}

impl Fail {
    /// A runtime error of the given kind.
    #[cold]
    pub(crate) fn new(kind: RuntimeErrorKind, message: impl Into<String>) -> Fail {
        Fail::Error(RuntimeError::new(kind, message.into()))
    }

    /// The failure as it leaves the node at `site` (see [`RuntimeError::at`]).
    #[cold]
    #[inline(never)]
    pub(crate) fn at(self, site: Site) -> Fail {
        match self {
            Fail::Error(e) => Fail::Error(e.at(site)),
            missing => missing,
        }
    }
}

/// `map_err` for a failure leaving the node at `site`.
#[inline(always)]
fn at(site: Site) -> impl FnOnce(Fail) -> Fail {
    move |f| f.at(site)
}

/// A failure with the missing paths it met.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub fail: Fail,
    pub missing: PathSet,
}

/// A derived value for the current record.
#[derive(Debug, Clone)]
pub(crate) enum Computed {
    Ok(Value),
    Failed(Failure),
}

/// A rule's result for the current record (`Copy`: resetting between records costs nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleState {
    /// Not evaluated (yet, or disabled).
    Pending,
    /// The condition was true.
    Hit,
    /// The condition was false.
    Miss,
    /// The condition could not be evaluated; the index of its [`Failure`].
    Failed(u32),
}

static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);

/// What an expression can read.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    /// The record, if any.
    pub record: Option<&'a Record>,
    /// External variables.
    pub vars: &'a [Value],
    /// Derived values, by index.
    pub derived: &'a [DerivedNode],
    /// Derived values computed so far for this record (one cell per derived value).
    pub cache: &'a [OnceCell<Computed>],
    /// Rule results, by index.
    pub rules: &'a [RuleState],
    /// Why failed rules failed (indexed by [`RuleState::Failed`]).
    pub failures: &'a [Failure],
}

impl Ctx<'static> {
    /// A context with nothing to read (constant expressions).
    pub(crate) fn empty() -> Ctx<'static> {
        Ctx {
            record: None,
            vars: &[],
            derived: &[],
            cache: &[],
            rules: &[],
            failures: &[],
        }
    }
}

/// Per-evaluation scratch state: comprehension variables, the missing paths met and what is
/// left of the record's cost budget.
#[derive(Debug)]
pub(crate) struct Frame {
    locals: Vec<Value>,
    /// Index of local 0 (derived values computed in the middle of a comprehension use the
    /// locals above it).
    base: usize,
    /// Missing paths met so far.
    pub missing: PathSet,
    /// Cost units left for this record (see [`crate::cel::cost`]).
    budget: u64,
    /// The budget it started with (for the error message).
    limit: u64,
}

impl Default for Frame {
    fn default() -> Frame {
        Frame {
            locals: Vec::new(),
            base: 0,
            missing: PathSet::default(),
            budget: DEFAULT_RUNTIME_COST,
            limit: DEFAULT_RUNTIME_COST,
        }
    }
}

/// Charges `units` against the frame's budget; fails with `cost_exceeded` when it is spent.
#[inline]
fn charge(frame: &mut Frame, units: u64) -> Result<(), Fail> {
    match frame.budget.checked_sub(units) {
        Some(left) => {
            frame.budget = left;
            Ok(())
        }
        None => Err(cost_exceeded(frame)),
    }
}

#[cold]
fn cost_exceeded(frame: &mut Frame) -> Fail {
    frame.budget = 0;
    Fail::new(
        RuntimeErrorKind::Limit,
        format!(
            "cost_exceeded: evaluating this record needs more than its budget of {} cost units",
            frame.limit
        ),
    )
}

impl Frame {
    /// Starts a record's evaluation with a fresh budget of `units`.
    #[inline]
    pub(crate) fn start_budget(&mut self, units: u64) {
        self.budget = units;
        self.limit = units;
    }

    /// Clears the frame for reuse (keeps its capacity).
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.locals.clear();
        self.base = 0;
        self.missing.clear();
    }

    #[inline]
    fn set_local(&mut self, local: u32, value: Value) {
        let i = self.base + local as usize;
        if self.locals.len() <= i {
            self.locals.resize(i + 1, Value::Null);
        }
        self.locals[i] = value;
    }
}

/// What a non-bool value in a boolean position is reported as.
#[derive(Clone, Copy)]
pub(crate) enum BoolCtx {
    /// An operand of this operator or macro (`_&&_`, `!_`, `exists`, ...).
    Op(&'static str),
    /// A rule's condition.
    Condition,
}

#[cold]
fn not_bool(ctx: BoolCtx, v: &Value) -> Fail {
    match ctx {
        BoolCtx::Op(op) => EvalError::no_overload(op, [v]).into(),
        BoolCtx::Condition => Fail::new(
            RuntimeErrorKind::TypeMismatch,
            format!("the condition evaluated to {}, not bool", v.type_name()),
        ),
    }
}

/// A value borrowed from the record, a constant or a computed value when possible.
pub(crate) type ValueRef<'a> = Cow<'a, Value>;

#[inline]
fn missing(frame: &mut Frame, path: u32) -> Fail {
    frame.missing.insert(path);
    Fail::Missing
}

#[inline]
fn slot<'a>(
    cx: &Ctx<'a>,
    s: crate::cel::ir::SlotRef,
    frame: &mut Frame,
) -> Result<&'a Value, Fail> {
    match cx.record {
        Some(r) => match r.get(s.slot) {
            Some(v) => Ok(v),
            None => Err(absent(r, s, frame)),
        },
        None => Err(missing(frame, s.path)),
    }
}

/// Why a slot holds no value: its input did not fit the schema (an error naming it), or it
/// is missing.
#[cold]
fn absent(record: &Record, s: crate::cel::ir::SlotRef, frame: &mut Frame) -> Fail {
    match record.invalid_slot(s.slot) {
        Some(e) => Fail::new(RuntimeErrorKind::InvalidField, e.message.clone()),
        None => missing(frame, s.path),
    }
}

/// Evaluates a node to an owned value.
pub(crate) fn eval(node: &Node, cx: &Ctx<'_>, frame: &mut Frame) -> Result<Value, Fail> {
    value(node, cx, frame).map(Cow::into_owned)
}

/// The value of windowed aggregate `i` for the record: missing when the record's key or time
/// is, an error when the record was screened without history.
fn aggregate<'a>(cx: &Ctx<'a>, i: u32, frame: &mut Frame) -> Result<&'a Value, Fail> {
    use crate::aggregate::Fact;
    let Some(record) = cx.record else {
        return Err(Fail::new(
            RuntimeErrorKind::Aggregate,
            crate::aggregate::NO_HISTORY,
        ));
    };
    match record.facts.get(i as usize) {
        Some(Fact::Known { value, .. }) => Ok(value),
        Some(Fact::Missing(paths)) => {
            frame.missing.union(paths);
            Err(Fail::Missing)
        }
        Some(Fact::Failed(message)) => Err(Fail::Error(RuntimeError::new(
            RuntimeErrorKind::Aggregate,
            message.clone(),
        ))),
        None => Err(Fail::new(
            RuntimeErrorKind::Aggregate,
            crate::aggregate::NO_HISTORY,
        )),
    }
}

/// The value of a derived value, computing it (and first the derived values it reads) on
/// first read.
pub(crate) fn derived<'a>(cx: &Ctx<'a>, i: u32, frame: &mut Frame) -> Result<&'a Value, Fail> {
    let i = i as usize;
    let Some(cell) = cx.cache.get(i) else {
        return Err(Fail::new(
            RuntimeErrorKind::Internal,
            "value used before it was computed",
        ));
    };
    if cell.get().is_none() {
        compute_derived(cx, i, frame);
    }
    match cell.get() {
        Some(Computed::Ok(v)) => Ok(v),
        Some(Computed::Failed(f)) => {
            frame.missing.union(&f.missing);
            Err(f.fail.clone())
        }
        None => Err(Fail::new(
            RuntimeErrorKind::Internal,
            "value used before it was computed",
        )),
    }
}

/// Computes derived value `i` after the not yet computed derived values it reads, without
/// recursion: a chain of derived values may be as long as the pack's limit.
fn compute_derived(cx: &Ctx<'_>, i: usize, frame: &mut Frame) {
    let uncomputed = |j: usize| cx.cache.get(j).is_some_and(|c| c.get().is_none());
    // A derived value reads only those declared before it, so this ends.
    let pending = |top: usize| {
        cx.derived.get(top).and_then(|d| {
            d.deps
                .iter()
                .map(|&j| j as usize)
                .find(|&j| j < top && uncomputed(j))
        })
    };
    // Usually every dependency is computed already: no stack to allocate.
    if pending(i).is_none() {
        compute_one(cx, i, frame);
        return;
    }
    let mut stack = vec![i];
    while let Some(&top) = stack.last() {
        match pending(top) {
            Some(j) => stack.push(j),
            None => {
                stack.pop();
                compute_one(cx, top, frame);
            }
        }
    }
}

/// Computes derived value `i` (its dependencies are computed already), with its own missing
/// set and above the current comprehension variables.
fn compute_one(cx: &Ctx<'_>, i: usize, frame: &mut Frame) {
    let (Some(cell), Some(d)) = (cx.cache.get(i), cx.derived.get(i)) else {
        return;
    };
    if cell.get().is_some() {
        return;
    }
    let saved = std::mem::take(&mut frame.missing);
    let base = std::mem::replace(&mut frame.base, frame.locals.len());
    let result = eval(&d.node, cx, frame);
    let met = std::mem::replace(&mut frame.missing, saved);
    frame.locals.truncate(frame.base);
    frame.base = base;
    let computed = match result {
        Ok(v) => Computed::Ok(v),
        Err(fail) => Computed::Failed(Failure { fail, missing: met }),
    };
    let _ = cell.set(computed);
}

/// Evaluates a node, borrowing instead of cloning wherever the value already exists
/// (record slots, constants, derived values).
pub(crate) fn value<'a>(
    node: &'a Node,
    cx: &Ctx<'a>,
    frame: &mut Frame,
) -> Result<ValueRef<'a>, Fail> {
    match node {
        Node::Const(v) => Ok(Cow::Borrowed(v)),
        Node::Unbound(msg) => Err(Fail::Error(RuntimeError::new(
            RuntimeErrorKind::UndeclaredReference,
            msg.clone(),
        ))),
        Node::Slot(s) => slot(cx, *s, frame).map(Cow::Borrowed),
        Node::Var(i) => cx
            .vars
            .get(*i as usize)
            .map(Cow::Borrowed)
            .ok_or_else(|| Fail::new(RuntimeErrorKind::UndeclaredReference, "unbound variable")),
        Node::Derived(i) => derived(cx, *i, frame).map(Cow::Borrowed),
        Node::Aggregate(i) => aggregate(cx, *i, frame).map(Cow::Borrowed),
        Node::Local(i) => frame
            .locals
            .get(frame.base + *i as usize)
            .cloned()
            .map(Cow::Owned)
            .ok_or_else(|| Fail::new(RuntimeErrorKind::Internal, "unbound comprehension variable")),
        Node::Neg(x, site) => {
            let x = value(x, cx, frame).map_err(at(*site))?;
            owned(ops::neg(x.as_ref())).map_err(at(*site))
        }
        Node::Cond(parts) => {
            let [c, a, b] = &**parts;
            if boolean(c, cx, frame, BoolCtx::Op("_?_:_"))? {
                value(a, cx, frame)
            } else {
                value(b, cx, frame)
            }
        }
        Node::Binary(op, operands, site) => {
            let [a, b] = &**operands;
            let (a, b) = both(a, b, cx, frame).map_err(at(*site))?;
            let result = ops::binary(*op, &a, &b).map_err(|e| Fail::from(e).at(*site))?;
            charge(frame, op_cost(&a, &b, &result)).map_err(at(*site))?;
            Ok(Cow::Owned(result))
        }
        Node::OptSlot(s) => opt_slot(cx, *s).map(Cow::Owned),
        Node::OptSelect(operand, field) => match value(operand, cx, frame)?.as_ref() {
            Value::Optional(o) => select_opt(o.as_deref(), field).map(Cow::Owned),
            other => select_opt(Some(other), field).map(Cow::Owned),
        },
        Node::OptIndex(operands) => {
            let [a, i] = &**operands;
            let (a, i) = both(a, i, cx, frame)?;
            match a.as_ref() {
                Value::Optional(o) => index_opt(o.as_deref(), &i).map(Cow::Owned),
                other => index_opt(Some(other), &i).map(Cow::Owned),
            }
        }
        Node::OptOr { or_value, operands } => opt_or(*or_value, operands, cx, frame),
        Node::MakeListOpt(items) => {
            let mut values = Vec::with_capacity(items.len());
            for (item, optional) in items.iter() {
                let v = eval(item, cx, frame)?;
                if *optional {
                    values.extend(opt_entry(v)?);
                } else {
                    values.push(v);
                }
            }
            Ok(Cow::Owned(Value::List(values.into())))
        }
        Node::MakeMapOpt(entries) => {
            let mut map = MapValue::default();
            for (k, v, optional) in entries.iter() {
                let key = eval(k, cx, frame)?;
                check_map_key(&key)?;
                let value = eval(v, cx, frame)?;
                let value = if *optional {
                    match opt_entry(value)? {
                        Some(v) => v,
                        None => continue,
                    }
                } else {
                    value
                };
                if map.get(&key).is_some() {
                    return Err(Fail::new(
                        RuntimeErrorKind::DuplicateKey,
                        format!("Failed with repeated key: {key}"),
                    ));
                }
                map.entries.push((key, value));
            }
            Ok(Cow::Owned(Value::Map(Arc::new(map))))
        }
        Node::Select { operand, field } => {
            let (operand, site, path) = &**operand;
            let site = *site;
            let found = match value(operand, cx, frame).map_err(at(site))? {
                // Selecting from an optional is optional (`optional.of(m).f`).
                Cow::Borrowed(Value::Optional(o)) => {
                    return select_opt(o.as_deref(), field)
                        .map(Cow::Owned)
                        .map_err(at(site))
                }
                Cow::Owned(Value::Optional(o)) => {
                    return select_opt(o.as_deref(), field)
                        .map(Cow::Owned)
                        .map_err(at(site))
                }
                Cow::Borrowed(Value::Map(m)) => m.get_str(field).map(Cow::Borrowed),
                Cow::Owned(Value::Map(m)) => m.get_str(field).cloned().map(Cow::Owned),
                other => {
                    return Err(Fail::new(
                        RuntimeErrorKind::NoSuchField,
                        format!("cannot select field `{field}` from {}", other.type_name()),
                    )
                    .at(site))
                }
            };
            match (found, path) {
                (Some(v), _) => Ok(v),
                (None, Some(p)) => Err(missing(frame, *p)),
                (None, None) => Err(Fail::new(
                    RuntimeErrorKind::NoSuchKey,
                    format!("no such key: {field}"),
                )
                .at(site)),
            }
        }
        Node::Index(operands, site) => {
            let [a, i] = &**operands;
            let (a, i) = both(a, i, cx, frame).map_err(at(*site))?;
            if let Value::Optional(o) = a.as_ref() {
                return index_opt(o.as_deref(), &i)
                    .map(Cow::Owned)
                    .map_err(at(*site));
            }
            owned(ops::index(&a, &i)).map_err(at(*site))
        }
        Node::Call(builtin, args, site) => call(builtin, args, cx, frame).map_err(at(*site)),
        Node::MakeList(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items.iter() {
                values.push(eval(item, cx, frame)?);
            }
            Ok(Cow::Owned(Value::List(values.into())))
        }
        Node::MakeMap(entries) => {
            let mut map = MapValue::default();
            for (k, v) in entries.iter() {
                let key = eval(k, cx, frame)?;
                check_map_key(&key)?;
                let value = eval(v, cx, frame)?;
                if map.get(&key).is_some() {
                    return Err(Fail::new(
                        RuntimeErrorKind::DuplicateKey,
                        format!("Failed with repeated key: {key}"),
                    ));
                }
                map.entries.push((key, value));
            }
            Ok(Cow::Owned(Value::Map(Arc::new(map))))
        }
        Node::Comprehension(c) => comprehension(c, cx, frame)
            .map(Cow::Owned)
            .map_err(at(c.site)),
        Node::StrMap(map, x) => {
            let x = value(x, cx, frame)?;
            owned(builtin_map(*map)(&[x.as_ref()]))
        }
        boolean_node => {
            let b = boolean(boolean_node, cx, frame, BoolCtx::Op("bool"))?;
            Ok(Cow::Borrowed(if b { &TRUE } else { &FALSE }))
        }
    }
}

/// A string view: borrowed from the record or a constant, shared with a computed value, or
/// built by a string function.
pub(crate) enum Str<'a> {
    Ref(&'a str),
    Shared(Arc<str>),
    Own(String),
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        match self {
            Str::Ref(s) => s,
            Str::Shared(s) => s,
            Str::Own(s) => s,
        }
    }
}

/// A string-typed node's result: a string view (so `trim()` and `lowerAscii()` of a field
/// need not copy it), or, should the value not be a string at run time (a `dyn`, a
/// hand-built record), the value itself for the generic operation.
pub(crate) enum Text<'a> {
    Str(Str<'a>),
    Other(ValueRef<'a>),
}

impl Text<'_> {
    fn into_value(self) -> Value {
        match self {
            Text::Str(Str::Shared(s)) => Value::String(s),
            Text::Str(s) => Value::string(&*s),
            Text::Other(v) => v.into_owned(),
        }
    }
}

fn str_map(map: StrMap) -> fn(&str) -> Cow<'_, str> {
    match map {
        StrMap::Lower => string_ext::lower_ascii_str,
        StrMap::Upper => string_ext::upper_ascii_str,
        StrMap::Trim => string_ext::trim_str,
    }
}

fn builtin_map(map: StrMap) -> fn(&[&Value]) -> crate::cel::EvalResult {
    match map {
        StrMap::Lower => string_ext::lower_ascii,
        StrMap::Upper => string_ext::upper_ascii,
        StrMap::Trim => string_ext::trim,
    }
}

fn map_str(s: Str<'_>, map: StrMap) -> Str<'_> {
    let f = str_map(map);
    match s {
        Str::Ref(r) => match f(r) {
            Cow::Borrowed(b) => Str::Ref(b),
            Cow::Owned(o) => Str::Own(o),
        },
        other => match f(&other) {
            Cow::Borrowed(b) if b.len() == other.len() => other,
            r => Str::Own(r.into_owned()),
        },
    }
}

/// Evaluates a node known statically to be a string.
pub(crate) fn string<'a>(
    node: &'a Node,
    cx: &Ctx<'a>,
    frame: &mut Frame,
) -> Result<Text<'a>, Fail> {
    let v = match node {
        Node::StrMap(map, x) => {
            return Ok(match string(x, cx, frame)? {
                Text::Str(s) => Text::Str(map_str(s, *map)),
                Text::Other(v) => Text::Other(Cow::Owned(builtin_map(*map)(&[v.as_ref()])?)),
            })
        }
        Node::Slot(s) => Cow::Borrowed(slot(cx, *s, frame)?),
        other => value(other, cx, frame)?,
    };
    Ok(match v {
        Cow::Borrowed(Value::String(s)) => Text::Str(Str::Ref(s)),
        Cow::Owned(Value::String(s)) => Text::Str(Str::Shared(s)),
        other => Text::Other(other),
    })
}

#[inline]
fn owned<'a>(r: Result<Value, EvalError>) -> Result<ValueRef<'a>, Fail> {
    r.map(Cow::Owned).map_err(Fail::from)
}

/// Evaluates a node in a boolean position. Boolean nodes decide without building values; any
/// other node's value must be a bool (else the failure `ctx` describes).
pub(crate) fn boolean<'a>(
    node: &'a Node,
    cx: &Ctx<'a>,
    frame: &mut Frame,
    ctx: BoolCtx,
) -> Result<bool, Fail> {
    match node {
        Node::Const(Value::Bool(b)) => Ok(*b),
        Node::Slot(s) => match slot(cx, *s, frame)? {
            Value::Bool(b) => Ok(*b),
            other => Err(not_bool(ctx, other)),
        },
        Node::Present(s) => Ok(cx
            .record
            .is_some_and(|r| r.get(*s).is_some() || r.invalid_slot(*s).is_some())),
        Node::HasField(operand, field) => match value(operand, cx, frame)?.as_ref() {
            Value::Map(m) => Ok(m.get_str(field).is_some()),
            Value::Optional(None) => Ok(false),
            Value::Optional(Some(v)) => match &**v {
                Value::Map(m) => Ok(m.get_str(field).is_some()),
                other => Err(Fail::new(
                    RuntimeErrorKind::TypeMismatch,
                    format!("invalid type for has(): {}", other.type_name()),
                )),
            },
            other => Err(Fail::new(
                RuntimeErrorKind::TypeMismatch,
                format!("invalid type for has(): {}", other.type_name()),
            )),
        },
        Node::RuleRef(i) => match cx.rules.get(*i as usize) {
            Some(RuleState::Hit) => Ok(true),
            Some(RuleState::Miss) => Ok(false),
            Some(RuleState::Failed(f)) => match cx.failures.get(*f as usize) {
                Some(failure) => {
                    frame.missing.union(&failure.missing);
                    Err(failure.fail.clone())
                }
                None => Err(Fail::new(
                    RuntimeErrorKind::Internal,
                    "rule failure not recorded",
                )),
            },
            Some(RuleState::Pending) | None => Err(Fail::new(
                RuntimeErrorKind::Internal,
                "rule used before it was evaluated",
            )),
        },
        Node::Not(x) => Ok(!boolean(x, cx, frame, BoolCtx::Op("!_"))?),
        Node::And(operands) => logic(false, operands, cx, frame),
        Node::Or(operands) => logic(true, operands, cx, frame),
        Node::InSet(elem, set) => Ok(set.contains(value(elem, cx, frame)?.as_ref())),
        Node::Matches(subject, re) => match string(subject, cx, frame)? {
            Text::Str(s) => Ok(re.is_match(&s)),
            Text::Other(v) => Err(EvalError::no_overload("matches", [v.as_ref()]).into()),
        },
        Node::StrInSet(subject, set) => Ok(match string(subject, cx, frame)? {
            Text::Str(x) => set.contains_str(&x),
            Text::Other(v) => set.contains(&v),
        }),
        Node::StrCmp(op, operands) => {
            let [a, b] = &**operands;
            let (a, b) = (string(a, cx, frame), string(b, cx, frame));
            match (a?, b?) {
                (Text::Str(a), Text::Str(b)) => Ok(op.test(Some((*a).cmp(&*b)))),
                (a, b) => relation(op.op(), &a.into_value(), &b.into_value()),
            }
        }
        Node::StrTest(test, operands) => {
            let [a, b] = &**operands;
            let (a, b) = (string(a, cx, frame), string(b, cx, frame));
            match (a?, b?) {
                (Text::Str(a), Text::Str(b)) => Ok(test.test(&a, &b)),
                (a, b) => Err(EvalError::no_overload(
                    test.name(),
                    [&a.into_value(), &b.into_value()],
                )
                .into()),
            }
        }
        Node::AnyStrTest(t) => match string(&t.subject, cx, frame)? {
            Text::Str(s) => Ok(if t.all {
                t.items.iter().all(|k| t.test.test(&s, k))
            } else {
                t.items.iter().any(|k| t.test.test(&s, k))
            }),
            Text::Other(_) => boolean(&t.generic, cx, frame, ctx),
        },
        Node::IntCmp {
            operand,
            op,
            value: k,
        } => match value(operand, cx, frame)?.as_ref() {
            Value::Int(x) => Ok(op.test(Some(x.cmp(k)))),
            other => relation(op.op(), other, &Value::Int(*k)),
        },
        Node::DoubleCmp {
            operand,
            op,
            value: k,
        } => match value(operand, cx, frame)?.as_ref() {
            Value::Double(x) => Ok(op.test(x.partial_cmp(k))),
            other => relation(op.op(), other, &Value::Double(*k)),
        },
        other => match value(other, cx, frame)?.as_ref() {
            Value::Bool(b) => Ok(*b),
            v => Err(not_bool(ctx, v)),
        },
    }
}

fn relation(op: crate::cel::ast::BinaryOp, a: &Value, b: &Value) -> Result<bool, Fail> {
    match ops::relation(op, a, b)? {
        Value::Bool(b) => Ok(b),
        other => Err(not_bool(BoolCtx::Op(op.symbol()), &other)),
    }
}

/// `&&` (`decisive = false`) or `||` (`decisive = true`) over operands in source order: the
/// first decisive operand wins over errors on either side (later operands are not evaluated);
/// otherwise the first error, else the non-decisive value.
fn logic<'a>(
    decisive: bool,
    operands: &'a [Node],
    cx: &Ctx<'a>,
    frame: &mut Frame,
) -> Result<bool, Fail> {
    let op = if decisive { "_||_" } else { "_&&_" };
    let mut error = None;
    for operand in operands {
        match boolean(operand, cx, frame, BoolCtx::Op(op)) {
            Ok(b) if b == decisive => return Ok(decisive),
            Ok(_) => {}
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    }
    match error {
        Some(e) => Err(e),
        None => Ok(!decisive),
    }
}

/// Evaluates two operands. When the first fails, the second is still evaluated so that every
/// missing field is reported; the first error wins.
#[inline]
fn both<'a>(
    a: &'a Node,
    b: &'a Node,
    cx: &Ctx<'a>,
    frame: &mut Frame,
) -> Result<(ValueRef<'a>, ValueRef<'a>), Fail> {
    let a = value(a, cx, frame);
    let b = value(b, cx, frame);
    Ok((a?, b?))
}

/// A builtin call: every argument is evaluated (so every missing field is reported); the
/// first error wins.
fn call<'a>(
    builtin: &'static crate::cel::functions::Builtin,
    args: &'a [Node],
    cx: &Ctx<'a>,
    frame: &mut Frame,
) -> Result<ValueRef<'a>, Fail> {
    let charged = |frame: &mut Frame, args: &[&Value]| -> Result<ValueRef<'a>, Fail> {
        let result = (builtin.eval)(args)?;
        charge(frame, call_cost(builtin.name, args, &result))?;
        Ok(Cow::Owned(result))
    };
    match args {
        [] => charged(frame, &[]),
        [a] => {
            let a = value(a, cx, frame)?;
            charged(frame, &[a.as_ref()])
        }
        [a, b] => {
            let (a, b) = both(a, b, cx, frame)?;
            charged(frame, &[a.as_ref(), b.as_ref()])
        }
        many => {
            let mut values = Vec::with_capacity(many.len());
            let mut first_error = None;
            for a in many {
                match value(a, cx, frame) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
            let refs: Vec<&Value> = values.iter().map(|v| v.as_ref()).collect();
            charged(frame, &refs)
        }
    }
}

/// Checks that a value may be a map key (`bool`, `int`, `uint`, `string`).
pub(crate) fn check_map_key(key: &Value) -> Result<(), Fail> {
    match key {
        Value::Bool(_) | Value::Int(_) | Value::Uint(_) | Value::String(_) => Ok(()),
        other => Err(Fail::new(
            RuntimeErrorKind::TypeMismatch,
            format!("unsupported key type: {}", other.type_name()),
        )),
    }
}

/// What a comprehension iterates: list items or map entries.
enum Range<'r> {
    List(&'r [Value]),
    Map(&'r MapValue),
}

impl Range<'_> {
    fn len(&self) -> usize {
        match self {
            Range::List(items) => items.len(),
            Range::Map(m) => m.entries.len(),
        }
    }

    /// The value of the (first) iteration variable at step `i`: the list item or map key of
    /// a one-variable comprehension, the index or key of a two-variable one.
    fn first(&self, i: usize, two: bool) -> Option<Value> {
        match self {
            Range::List(_) if two => i64::try_from(i).ok().map(Value::Int),
            Range::List(items) => items.get(i).cloned(),
            Range::Map(m) => m.entries.get(i).map(|(k, _)| k.clone()),
        }
    }

    /// The value of the second variable of a two-variable comprehension at step `i`.
    fn second(&self, i: usize) -> Option<Value> {
        match self {
            Range::List(items) => items.get(i).cloned(),
            Range::Map(m) => m.entries.get(i).map(|(_, v)| v.clone()),
        }
    }
}

/// Evaluates a comprehension macro. `all` and `exists` absorb errors (missing data
/// included) like `&&` and `||` do: a decisive item wins over an error met before or after
/// it. The other macros fail with the first error.
fn comprehension<'a>(c: &'a Comprehension, cx: &Ctx<'a>, frame: &mut Frame) -> Result<Value, Fail> {
    let kind = c.kind;
    if matches!(kind, MacroKind::OptMap | MacroKind::OptFlatMap) {
        return opt_map(c, cx, frame);
    }
    let range = value(&c.range, cx, frame)?;
    let range = match range.as_ref() {
        Value::List(items) => Range::List(items),
        Value::Map(m) => Range::Map(m),
        other => return Err(EvalError::no_overload(kind.name(), [other]).into()),
    };
    let op = BoolCtx::Op(kind.name());
    // Binds the variables for step `i`.
    let bind = |i: usize, frame: &mut Frame| -> Result<(), Fail> {
        let first = range.first(i, c.two).ok_or_else(|| {
            Fail::new(
                RuntimeErrorKind::Internal,
                "comprehension index out of range",
            )
        })?;
        frame.set_local(c.local, first);
        if c.two {
            let second = range.second(i).ok_or_else(|| {
                Fail::new(
                    RuntimeErrorKind::Internal,
                    "comprehension index out of range",
                )
            })?;
            frame.set_local(c.local + 1, second);
        }
        Ok(())
    };
    // Charges one unit, binds step `i` and evaluates the predicate (or filter; none passes
    // every item).
    let pred = |i: usize, frame: &mut Frame| -> Result<bool, Fail> {
        charge(frame, 1)?;
        bind(i, frame)?;
        match &c.predicate {
            None => Ok(true),
            Some(p) => boolean(p, cx, frame, op),
        }
    };
    let transform = || {
        c.transform.as_ref().ok_or_else(|| {
            Fail::new(
                RuntimeErrorKind::Internal,
                format!("{} without transform", kind.name()),
            )
        })
    };
    let n = range.len();
    match kind {
        // Evaluated by `opt_map` (never reached).
        MacroKind::OptMap | MacroKind::OptFlatMap => Err(Fail::new(
            RuntimeErrorKind::NoOverload,
            format!("no such overload: {}(list or map)", kind.name()),
        )),
        MacroKind::All | MacroKind::Exists => {
            let decisive = kind == MacroKind::Exists;
            let mut error = None;
            for i in 0..n {
                match pred(i, frame) {
                    Ok(b) if b == decisive => return Ok(Value::Bool(decisive)),
                    Ok(_) => {}
                    Err(e) => {
                        error.get_or_insert(e);
                    }
                }
            }
            match error {
                Some(e) => Err(e),
                None => Ok(Value::Bool(!decisive)),
            }
        }
        MacroKind::ExistsOne => {
            let mut count = 0usize;
            for i in 0..n {
                if pred(i, frame)? {
                    count += 1;
                }
            }
            Ok(Value::Bool(count == 1))
        }
        MacroKind::Filter => {
            let mut out = Vec::new();
            for i in 0..n {
                if pred(i, frame)? {
                    out.extend(range.first(i, false));
                }
            }
            Ok(Value::List(out.into()))
        }
        MacroKind::Map | MacroKind::TransformList => {
            let transform = transform()?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                if pred(i, frame)? {
                    // The filter may have rebound the variables (a derived value computed
                    // in it): bind them again.
                    bind(i, frame)?;
                    out.push(eval(transform, cx, frame)?);
                }
            }
            Ok(Value::List(out.into()))
        }
        MacroKind::SortBy => {
            let Range::List(items) = range else {
                return Err(Fail::new(
                    RuntimeErrorKind::NoOverload,
                    "no such overload: sortBy(map)",
                ));
            };
            let transform = transform()?;
            let mut keys = Vec::with_capacity(n);
            for i in 0..n {
                charge(frame, 1)?;
                bind(i, frame)?;
                keys.push(eval(transform, cx, frame)?);
            }
            let order = lists_ext::sort_keys(&keys)?;
            Ok(Value::List(
                order
                    .iter()
                    .filter_map(|&i| items.get(i).cloned())
                    .collect(),
            ))
        }
        MacroKind::TransformMap => {
            let transform = transform()?;
            let mut map = MapValue::default();
            for i in 0..n {
                if pred(i, frame)? {
                    bind(i, frame)?;
                    let value = eval(transform, cx, frame)?;
                    if let Some(key) = range.first(i, c.two) {
                        map.entries.push((key, value));
                    }
                }
            }
            Ok(Value::Map(Arc::new(map)))
        }
        MacroKind::TransformMapEntry => {
            let transform = transform()?;
            let mut map = MapValue::default();
            for i in 0..n {
                if pred(i, frame)? {
                    bind(i, frame)?;
                    match eval(transform, cx, frame)? {
                        Value::Map(entry) => {
                            for (k, v) in entry.entries.iter() {
                                if map.get(k).is_some() {
                                    return Err(Fail::new(
                                        RuntimeErrorKind::DuplicateKey,
                                        format!("insert failed: key {k} already exists"),
                                    ));
                                }
                                map.entries.push((k.clone(), v.clone()));
                            }
                        }
                        other => return Err(EvalError::no_overload(kind.name(), [&other]).into()),
                    }
                }
            }
            Ok(Value::Map(Arc::new(map)))
        }
    }
}

/// A record slot read through `.?`: absent is `optional.none()`, not missing data; a value
/// that did not fit the schema is still an error.
fn opt_slot(cx: &Ctx<'_>, s: crate::cel::ir::SlotRef) -> Result<Value, Fail> {
    let Some(record) = cx.record else {
        return Ok(Value::none());
    };
    match record.get(s.slot) {
        Some(v) => Ok(Value::some(v.clone())),
        None => match record.invalid_slot(s.slot) {
            Some(e) => Err(Fail::new(RuntimeErrorKind::InvalidField, e.message.clone())),
            None => Ok(Value::none()),
        },
    }
}

/// `v.?field` (`None`: selecting from `optional.none()`).
fn select_opt(v: Option<&Value>, field: &str) -> Result<Value, Fail> {
    match v {
        None => Ok(Value::none()),
        Some(Value::Map(m)) => Ok(m
            .get_str(field)
            .map_or_else(Value::none, |x| Value::some(x.clone()))),
        Some(other) => Err(Fail::new(
            RuntimeErrorKind::NoSuchField,
            format!("cannot select field `{field}` from {}", other.type_name()),
        )),
    }
}

/// `v[?index]` (`None`: indexing `optional.none()`): an absent key or an index out of range
/// is `optional.none()`.
fn index_opt(v: Option<&Value>, index: &Value) -> Result<Value, Fail> {
    match v {
        None => Ok(Value::none()),
        Some(Value::List(items)) => {
            let i = match index {
                Value::Int(i) => Some(*i),
                Value::Uint(u) => Some(i64::try_from(*u).unwrap_or(i64::MAX)),
                Value::Double(d) if d.fract() == 0.0 && d.is_finite() => {
                    Some(if d.abs() < 9.2e18 {
                        *d as i64
                    } else {
                        i64::MAX
                    })
                }
                _ => None,
            };
            match i {
                Some(i) => Ok(usize::try_from(i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map_or_else(Value::none, |x| Value::some(x.clone()))),
                None => Err(
                    EvalError::no_overload("_[?_]", [&Value::List(items.clone()), index]).into(),
                ),
            }
        }
        Some(Value::Map(m)) => Ok(m
            .get(index)
            .map_or_else(Value::none, |x| Value::some(x.clone()))),
        Some(other) => Err(EvalError::no_overload("_[?_]", [other, index]).into()),
    }
}

/// The value of an optional entry `?e` of a list or map literal: its value, or `None` (the
/// entry is left out).
fn opt_entry(v: Value) -> Result<Option<Value>, Fail> {
    match v {
        Value::Optional(o) => Ok(o.map(Arc::unwrap_or_clone)),
        other => Err(Fail::new(
            RuntimeErrorKind::TypeMismatch,
            format!(
                "an optional entry (`?`) needs an optional value, found {}",
                other.type_name()
            ),
        )),
    }
}

/// `a.orValue(b)` / `a.or(b)`: `b` is evaluated only when `a` has no value (so a field it
/// reads is not needed when `a` has one).
fn opt_or<'a>(
    or_value: bool,
    operands: &'a [Node; 2],
    cx: &Ctx<'a>,
    frame: &mut Frame,
) -> Result<ValueRef<'a>, Fail> {
    let [a, b] = operands;
    let name = if or_value { "orValue" } else { "or" };
    let a = value(a, cx, frame)?;
    let has = match a.as_ref() {
        Value::Optional(o) => o.is_some(),
        other => return Err(EvalError::no_overload(name, [other]).into()),
    };
    if has {
        if !or_value {
            return Ok(a);
        }
        return match a.as_ref() {
            Value::Optional(Some(v)) => Ok(Cow::Owned((**v).clone())),
            _ => Err(Fail::new(
                RuntimeErrorKind::OptionalNone,
                crate::cel::functions::optional::NONE_DEREFERENCE,
            )),
        };
    }
    let b = value(b, cx, frame)?;
    match b.as_ref() {
        _ if or_value => Ok(b),
        Value::Optional(_) => Ok(b),
        other => Err(EvalError::no_overload(name, [a.as_ref(), other]).into()),
    }
}

/// `opt.optMap(x, e)`: `optional.of(e)` with `x` bound to the value; `opt.optFlatMap(x, e)`:
/// `e` itself, an optional. `optional.none()` when `opt` has no value (`e` is not evaluated).
fn opt_map<'a>(c: &'a Comprehension, cx: &Ctx<'a>, frame: &mut Frame) -> Result<Value, Fail> {
    let kind = c.kind;
    let range = value(&c.range, cx, frame)?;
    let item = match range.as_ref() {
        Value::Optional(None) => return Ok(Value::none()),
        Value::Optional(Some(v)) => (**v).clone(),
        other => return Err(EvalError::no_overload(kind.name(), [other]).into()),
    };
    let transform = c.transform.as_ref().ok_or_else(|| {
        Fail::new(
            RuntimeErrorKind::Internal,
            format!("{} without transform", kind.name()),
        )
    })?;
    charge(frame, 1)?;
    frame.set_local(c.local, item);
    let out = eval(transform, cx, frame)?;
    match (kind, out) {
        (MacroKind::OptMap, v) => Ok(Value::some(v)),
        (_, v @ Value::Optional(_)) => Ok(v),
        (_, other) => Err(EvalError::no_overload(kind.name(), [&other]).into()),
    }
}

/// The value of a node whose inputs are all constants, if it evaluates without error.
pub(crate) fn fold(node: &Node) -> Option<Value> {
    eval(node, &Ctx::empty(), &mut Frame::default()).ok()
}

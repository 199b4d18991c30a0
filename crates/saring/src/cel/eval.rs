//! The evaluator: walks the IR over a record with CEL's error semantics.
//!
//! `false && error` is `false`, `true || error` is `true` (in either order). Reading an absent
//! field yields [`EvalError::Missing`] and records the path in the frame, so a rule that fails
//! because of it can be reported as incomplete with every missing path.

use std::borrow::Cow;
use std::sync::Arc;

use crate::cel::ast::MacroKind;
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::ir::Node;
use crate::cel::ops;
use crate::cel::value::{MapValue, Value};
use crate::record::Record;

/// A computed value (derived value or rule result) with the missing paths that stopped it.
#[derive(Debug, Clone)]
pub enum Computed {
    /// Not computed (yet): reading it is an error.
    Pending,
    /// The value.
    Ok(Value),
    /// It failed; the missing paths it needed (empty for other errors).
    Failed(EvalError, Vec<Arc<str>>),
}

/// A rule's result for the current record (`Copy`: resetting between records costs nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleState {
    /// Not evaluated (yet, or disabled).
    Pending,
    /// The condition was true.
    Hit,
    /// The condition was false.
    Miss,
    /// The condition could not be evaluated; the index of its [`Failure`].
    Failed(u32),
}

/// Why an evaluation failed: the error and the missing paths it met.
pub type Failure = (EvalError, Vec<Arc<str>>);

static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);

/// What an expression can read.
#[derive(Debug, Clone, Copy)]
pub struct Activation<'a> {
    /// The record, if any.
    pub record: Option<&'a Record>,
    /// External variables.
    pub vars: &'a [Value],
    /// Derived values, by index.
    pub derived: &'a [Computed],
    /// Rule results, by index.
    pub rules: &'a [RuleState],
    /// Why failed rules failed (indexed by [`RuleState::Failed`]).
    pub failures: &'a [Failure],
}

impl Activation<'_> {
    /// An activation with nothing to read (constant expressions).
    pub fn empty() -> Activation<'static> {
        Activation {
            record: None,
            vars: &[],
            derived: &[],
            rules: &[],
            failures: &[],
        }
    }
}

/// Per-evaluation scratch state: comprehension variables and the missing paths met.
#[derive(Debug, Default)]
pub struct Frame {
    locals: Vec<Value>,
    /// Missing paths met during evaluation, in order (may repeat).
    pub missing: Vec<Arc<str>>,
}

impl Frame {
    /// Clears the frame for reuse (keeps its capacity).
    #[inline]
    pub fn reset(&mut self) {
        if !self.locals.is_empty() {
            self.locals.clear();
        }
        if !self.missing.is_empty() {
            self.missing.clear();
        }
    }
}

/// Evaluates a node to an owned value.
pub fn eval(node: &Node, act: &Activation<'_>, frame: &mut Frame) -> EvalResult {
    eval_ref(node, act, frame).map(Cow::into_owned)
}

/// A value borrowed from the record, a constant or a computed value when possible.
pub type ValueRef<'a> = Cow<'a, Value>;

fn owned<'a>(r: EvalResult) -> Result<ValueRef<'a>, EvalError> {
    r.map(Cow::Owned)
}

fn boolean<'a>(b: bool) -> Result<ValueRef<'a>, EvalError> {
    Ok(Cow::Borrowed(if b { &TRUE } else { &FALSE }))
}

/// Evaluates a node, borrowing instead of cloning wherever the value already exists
/// (record slots, constants, derived values): the hot path copies nothing.
pub fn eval_ref<'a>(
    node: &'a Node,
    act: &Activation<'a>,
    frame: &mut Frame,
) -> Result<ValueRef<'a>, EvalError> {
    match node {
        Node::Const(v) => Ok(Cow::Borrowed(v)),
        Node::Unbound(msg) => Err(EvalError::Runtime(msg.clone())),
        Node::Slot { slot, path } => match act.record.and_then(|r| r.get(*slot)) {
            Some(v) => Ok(Cow::Borrowed(v)),
            None => Err(missing(frame, path)),
        },
        Node::Present(slot) => boolean(act.record.and_then(|r| r.get(*slot)).is_some()),
        Node::Var(i) => act
            .vars
            .get(*i as usize)
            .map(Cow::Borrowed)
            .ok_or_else(|| EvalError::msg("unbound variable")),
        Node::Derived(i) => computed(act.derived.get(*i as usize), frame),
        Node::RuleRef(i) => match act.rules.get(*i as usize) {
            Some(RuleState::Hit) => Ok(Cow::Borrowed(&TRUE)),
            Some(RuleState::Miss) => Ok(Cow::Borrowed(&FALSE)),
            Some(RuleState::Failed(f)) => match act.failures.get(*f as usize) {
                Some((e, paths)) => {
                    frame.missing.extend(paths.iter().cloned());
                    Err(e.clone())
                }
                None => Err(EvalError::msg("rule failure not recorded")),
            },
            Some(RuleState::Pending) | None => {
                Err(EvalError::msg("rule used before it was evaluated"))
            }
        },
        Node::Local(i) => frame
            .locals
            .get(*i as usize)
            .cloned()
            .map(Cow::Owned)
            .ok_or_else(|| EvalError::msg("unbound comprehension variable")),
        Node::InSet(elem, set) => boolean(set.contains(eval_ref(elem, act, frame)?.as_ref())),
        Node::Not(x) => owned(ops::not(eval_ref(x, act, frame)?.as_ref())),
        Node::Neg(x) => owned(ops::neg(eval_ref(x, act, frame)?.as_ref())),
        Node::And(a, b) => logic(true, a, b, act, frame).map(Cow::Owned),
        Node::Or(a, b) => logic(false, a, b, act, frame).map(Cow::Owned),
        Node::Cond(c, a, b) => match eval_ref(c, act, frame)?.as_ref() {
            Value::Bool(true) => eval_ref(a, act, frame),
            Value::Bool(false) => eval_ref(b, act, frame),
            other => Err(EvalError::no_overload("_?_:_", std::slice::from_ref(other))),
        },
        Node::Binary(op, a, b) => {
            let (a, b) = both(a, b, act, frame)?;
            owned(ops::binary(*op, &a, &b))
        }
        Node::Select {
            operand,
            field,
            path,
        } => {
            let not_found = |frame: &mut Frame| match path {
                Some(p) => Err(missing(frame, p)),
                None => Err(EvalError::msg(format!("no such key: {field}"))),
            };
            match eval_ref(operand, act, frame)? {
                Cow::Borrowed(Value::Map(m)) => match m.get_str(field) {
                    Some(v) => Ok(Cow::Borrowed(v)),
                    None => not_found(frame),
                },
                Cow::Owned(Value::Map(m)) => match m.get_str(field) {
                    Some(v) => Ok(Cow::Owned(v.clone())),
                    None => not_found(frame),
                },
                other => Err(EvalError::msg(format!(
                    "cannot select field `{field}` from {}",
                    other.type_name()
                ))),
            }
        }
        Node::HasField(operand, field) => match eval_ref(operand, act, frame)?.as_ref() {
            Value::Map(m) => boolean(m.get_str(field).is_some()),
            other => Err(EvalError::msg(format!(
                "invalid type for has(): {}",
                other.type_name()
            ))),
        },
        Node::Index(a, i) => {
            let (a, i) = both(a, i, act, frame)?;
            owned(ops::index(&a, &i))
        }
        Node::Call(builtin, args) => match args.as_slice() {
            [] => owned((builtin.eval)(&[])),
            [a] => {
                let a = eval_ref(a, act, frame)?;
                owned((builtin.eval)(std::slice::from_ref(a.as_ref())))
            }
            [a, b] => {
                let (a, b) = both(a, b, act, frame)?;
                owned((builtin.eval)(&[a.into_owned(), b.into_owned()]))
            }
            many => {
                let mut values = Vec::with_capacity(many.len());
                let mut first_error = None;
                for a in many {
                    match eval_ref(a, act, frame) {
                        Ok(v) => values.push(v.into_owned()),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                match first_error {
                    Some(e) => Err(e),
                    None => owned((builtin.eval)(&values)),
                }
            }
        },
        Node::Matches(subject, re) => match eval_ref(subject, act, frame)?.as_ref() {
            Value::String(s) => boolean(re.is_match(s)),
            other => Err(EvalError::no_overload(
                "matches",
                std::slice::from_ref(other),
            )),
        },
        Node::MakeList(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(eval(item, act, frame)?);
            }
            Ok(Cow::Owned(Value::List(values.into())))
        }
        Node::MakeMap(entries) => {
            let mut map = MapValue::default();
            for (k, v) in entries {
                let key = eval(k, act, frame)?;
                check_map_key(&key)?;
                let value = eval(v, act, frame)?;
                if map.get(&key).is_some() {
                    return Err(EvalError::msg(format!("Failed with repeated key: {key}")));
                }
                map.entries.push((key, value));
            }
            Ok(Cow::Owned(Value::Map(Arc::new(map))))
        }
        Node::Comprehension {
            kind,
            range,
            local,
            predicate,
            transform,
        } => {
            let range = eval_ref(range, act, frame)?;
            owned(comprehension(
                *kind,
                &range,
                *local,
                predicate.as_deref(),
                transform.as_deref(),
                act,
                frame,
            ))
        }
    }
}

/// Evaluates two operands. When the first fails, the second is still evaluated so that every
/// missing field is reported; the first error wins.
fn both<'a>(
    a: &'a Node,
    b: &'a Node,
    act: &Activation<'a>,
    frame: &mut Frame,
) -> Result<(ValueRef<'a>, ValueRef<'a>), EvalError> {
    let a = eval_ref(a, act, frame);
    let b = eval_ref(b, act, frame);
    Ok((a?, b?))
}

/// Checks that a value may be a map key (`bool`, `int`, `uint`, `string`).
pub fn check_map_key(key: &Value) -> Result<(), EvalError> {
    match key {
        Value::Bool(_) | Value::Int(_) | Value::Uint(_) | Value::String(_) => Ok(()),
        other => Err(EvalError::msg(format!(
            "unsupported key type: {}",
            other.type_name()
        ))),
    }
}

fn missing(frame: &mut Frame, path: &Arc<str>) -> EvalError {
    frame.missing.push(path.clone());
    EvalError::Missing(path.clone())
}

fn computed<'a>(c: Option<&'a Computed>, frame: &mut Frame) -> Result<ValueRef<'a>, EvalError> {
    match c {
        Some(Computed::Ok(v)) => Ok(Cow::Borrowed(v)),
        Some(Computed::Failed(e, paths)) => {
            frame.missing.extend(paths.iter().cloned());
            Err(e.clone())
        }
        Some(Computed::Pending) | None => Err(EvalError::msg("value used before it was computed")),
    }
}

/// `&&` (`is_and`) or `||`: the short-circuit value wins over an error on either side.
fn logic<'a>(
    is_and: bool,
    a: &'a Node,
    b: &'a Node,
    act: &Activation<'a>,
    frame: &mut Frame,
) -> EvalResult {
    let short = !is_and; // `false` decides `&&`, `true` decides `||`
    let name = if is_and { "_&&_" } else { "_||_" };
    let left = truth(eval_ref(a, act, frame), name);
    if left == Ok(short) {
        return Ok(Value::Bool(short));
    }
    let right = truth(eval_ref(b, act, frame), name);
    match (left, right) {
        (_, Ok(v)) if v == short => Ok(Value::Bool(short)),
        (Ok(_), Ok(_)) => Ok(Value::Bool(!short)),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// A logical operand: a bool, or an error (a non-bool value is an error too, absorbed like
/// any other by the deciding side).
#[inline]
fn truth(r: Result<ValueRef<'_>, EvalError>, name: &str) -> Result<bool, EvalError> {
    match r {
        Ok(v) => match v.as_ref() {
            Value::Bool(b) => Ok(*b),
            other => Err(EvalError::no_overload(name, std::slice::from_ref(other))),
        },
        Err(e) => Err(e),
    }
}

fn set_local(frame: &mut Frame, local: u32, value: Value) {
    let i = local as usize;
    if frame.locals.len() <= i {
        frame.locals.resize(i + 1, Value::Null);
    }
    frame.locals[i] = value;
}

fn comprehension(
    kind: MacroKind,
    range: &Value,
    local: u32,
    predicate: Option<&Node>,
    transform: Option<&Node>,
    act: &Activation<'_>,
    frame: &mut Frame,
) -> EvalResult {
    let keys;
    let items: &[Value] = match range {
        Value::List(items) => items,
        Value::Map(m) => {
            keys = m.entries.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
            &keys
        }
        other => {
            return Err(EvalError::no_overload(
                kind.name(),
                std::slice::from_ref(other),
            ))
        }
    };
    let pred = |item: &Value, frame: &mut Frame| -> Result<bool, EvalError> {
        set_local(frame, local, item.clone());
        match predicate {
            None => Ok(true),
            Some(p) => match eval(p, act, frame)? {
                Value::Bool(b) => Ok(b),
                other => Err(EvalError::no_overload(kind.name(), &[other])),
            },
        }
    };
    match kind {
        MacroKind::All | MacroKind::Exists => {
            let decisive = kind == MacroKind::Exists;
            let mut error = None;
            for item in items {
                match pred(item, frame) {
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
            for item in items {
                if pred(item, frame)? {
                    count += 1;
                }
            }
            Ok(Value::Bool(count == 1))
        }
        MacroKind::Filter => {
            let mut out = Vec::new();
            for item in items {
                if pred(item, frame)? {
                    out.push(item.clone());
                }
            }
            Ok(Value::List(out.into()))
        }
        MacroKind::Map => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if pred(item, frame)? {
                    let t = transform.ok_or_else(|| EvalError::msg("map without transform"))?;
                    set_local(frame, local, item.clone());
                    out.push(eval(t, act, frame)?);
                }
            }
            Ok(Value::List(out.into()))
        }
    }
}

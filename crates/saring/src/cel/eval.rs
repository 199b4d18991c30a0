//! The evaluator: walks the IR over a record with CEL's error semantics.
//!
//! `false && error` is `false`, `true || error` is `true` (in either order). Reading an absent
//! field yields [`EvalError::Missing`] and records the path in the frame, so a rule that fails
//! because of it can be reported as incomplete with every missing path.

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

/// What an expression can read.
#[derive(Debug, Clone, Copy)]
pub struct Activation<'a> {
    /// The record, if any.
    pub record: Option<&'a Record>,
    /// External variables.
    pub vars: &'a [Value],
    /// Derived values, by index.
    pub derived: &'a [Computed],
    /// Rule results (`Value::Bool`), by index.
    pub rules: &'a [Computed],
}

impl Activation<'_> {
    /// An activation with nothing to read (constant expressions).
    pub fn empty() -> Activation<'static> {
        Activation {
            record: None,
            vars: &[],
            derived: &[],
            rules: &[],
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
    pub fn reset(&mut self) {
        self.locals.clear();
        self.missing.clear();
    }
}

/// Evaluates a node.
pub fn eval(node: &Node, act: &Activation<'_>, frame: &mut Frame) -> EvalResult {
    match node {
        Node::Const(v) => Ok(v.clone()),
        Node::Unbound(msg) => Err(EvalError::Runtime(msg.clone())),
        Node::Slot { slot, path } => match act.record.and_then(|r| r.get(*slot)) {
            Some(v) => Ok(v.clone()),
            None => Err(missing(frame, path)),
        },
        Node::Present(slot) => Ok(Value::Bool(act.record.and_then(|r| r.get(*slot)).is_some())),
        Node::Var(i) => act
            .vars
            .get(*i as usize)
            .cloned()
            .ok_or_else(|| EvalError::msg("unbound variable")),
        Node::Derived(i) => computed(act.derived.get(*i as usize), frame),
        Node::RuleRef(i) => computed(act.rules.get(*i as usize), frame),
        Node::Local(i) => frame
            .locals
            .get(*i as usize)
            .cloned()
            .ok_or_else(|| EvalError::msg("unbound comprehension variable")),
        Node::InSet(elem, set) => Ok(Value::Bool(set.contains(&eval(elem, act, frame)?))),
        Node::Not(x) => ops::not(&eval(x, act, frame)?),
        Node::Neg(x) => ops::neg(&eval(x, act, frame)?),
        Node::And(a, b) => logic(true, a, b, act, frame),
        Node::Or(a, b) => logic(false, a, b, act, frame),
        Node::Cond(c, a, b) => match eval(c, act, frame)? {
            Value::Bool(true) => eval(a, act, frame),
            Value::Bool(false) => eval(b, act, frame),
            other => Err(EvalError::no_overload("_?_:_", &[other])),
        },
        Node::Binary(op, a, b) => {
            let (a, b) = both(a, b, act, frame)?;
            ops::binary(*op, &a, &b)
        }
        Node::Select {
            operand,
            field,
            path,
        } => match eval(operand, act, frame)? {
            Value::Map(m) => match m.get_str(field) {
                Some(v) => Ok(v.clone()),
                None => match path {
                    Some(p) => Err(missing(frame, p)),
                    None => Err(EvalError::msg(format!("no such key: {field}"))),
                },
            },
            other => Err(EvalError::msg(format!(
                "cannot select field `{field}` from {}",
                other.type_name()
            ))),
        },
        Node::HasField(operand, field) => match eval(operand, act, frame)? {
            Value::Map(m) => Ok(Value::Bool(m.get_str(field).is_some())),
            other => Err(EvalError::msg(format!(
                "invalid type for has(): {}",
                other.type_name()
            ))),
        },
        Node::Index(a, i) => {
            let (a, i) = both(a, i, act, frame)?;
            ops::index(&a, &i)
        }
        Node::Call(builtin, args) => match args.as_slice() {
            [] => (builtin.eval)(&[]),
            [a] => {
                let a = eval(a, act, frame)?;
                (builtin.eval)(std::slice::from_ref(&a))
            }
            [a, b] => {
                let (a, b) = both(a, b, act, frame)?;
                (builtin.eval)(&[a, b])
            }
            many => {
                let mut values = Vec::with_capacity(many.len());
                let mut first_error = None;
                for a in many {
                    match eval(a, act, frame) {
                        Ok(v) => values.push(v),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                match first_error {
                    Some(e) => Err(e),
                    None => (builtin.eval)(&values),
                }
            }
        },
        Node::Matches(subject, re) => match eval(subject, act, frame)? {
            Value::String(s) => Ok(Value::Bool(re.is_match(&s))),
            other => Err(EvalError::no_overload("matches", &[other])),
        },
        Node::MakeList(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(eval(item, act, frame)?);
            }
            Ok(Value::List(values.into()))
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
            Ok(Value::Map(Arc::new(map)))
        }
        Node::Comprehension {
            kind,
            range,
            local,
            predicate,
            transform,
        } => {
            let range = eval(range, act, frame)?;
            comprehension(
                *kind,
                &range,
                *local,
                predicate.as_deref(),
                transform.as_deref(),
                act,
                frame,
            )
        }
    }
}

/// Evaluates two operands. When the first fails, the second is still evaluated so that every
/// missing field is reported; the first error wins.
fn both(
    a: &Node,
    b: &Node,
    act: &Activation<'_>,
    frame: &mut Frame,
) -> Result<(Value, Value), EvalError> {
    let a = eval(a, act, frame);
    let b = eval(b, act, frame);
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

fn computed(c: Option<&Computed>, frame: &mut Frame) -> EvalResult {
    match c {
        Some(Computed::Ok(v)) => Ok(v.clone()),
        Some(Computed::Failed(e, paths)) => {
            frame.missing.extend(paths.iter().cloned());
            Err(e.clone())
        }
        Some(Computed::Pending) | None => Err(EvalError::msg("value used before it was computed")),
    }
}

/// `&&` (`is_and`) or `||`: the short-circuit value wins over an error on either side.
fn logic(is_and: bool, a: &Node, b: &Node, act: &Activation<'_>, frame: &mut Frame) -> EvalResult {
    let short = !is_and; // `false` decides `&&`, `true` decides `||`
    let name = if is_and { "_&&_" } else { "_||_" };
    // A non-bool operand is an error, absorbed like any other by the deciding side.
    let as_bool = |r: EvalResult| match r {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(EvalError::no_overload(name, &[other])),
        Err(e) => Err(e),
    };
    let left = as_bool(eval(a, act, frame));
    if left == Ok(short) {
        return Ok(Value::Bool(short));
    }
    let right = as_bool(eval(b, act, frame));
    match (left, right) {
        (_, Ok(v)) if v == short => Ok(Value::Bool(short)),
        (Ok(_), Ok(_)) => Ok(Value::Bool(!short)),
        (Err(e), _) | (_, Err(e)) => Err(e),
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

//! Column-at-a-time evaluation: when every rule the engine evaluates is a boolean
//! combination of simple tests of scalar fields — a bool field, `has()` of a scalar field, a
//! string in a list, a string compared with or tested against a constant, a regex match, an
//! int or double compared with a constant, another such rule — a chunk of rows is decided
//! without building a record per row. Each field a rule reads is converted once per cell
//! (through the record builder's own conversion table, so values, enum checks and NaN mean
//! the same), and each condition is evaluated over the whole chunk as a column of
//! three-valued states.
//!
//! The states mirror the row evaluator ([`crate::cel::eval`]) exactly: `&&` and `||` take the
//! first decisive operand in source order over errors on either side; an absent field is
//! missing data and an invalid cell an error; a rule left undecided is `missing` when a
//! missing field was read anywhere in its evaluation (its frame's missing set is not empty)
//! and `error` otherwise. The rules of other shapes are evaluated over records holding only
//! the fields they read, with the verdicts decided here preset; rows the plan cannot decide
//! exactly (a cell whose converted value is not of its field's runtime type, which the
//! conversion table never produces) take the whole record path.

use std::collections::BTreeSet;

use crate::cel::functions::strings::Regex;
use arrow_array::Array;
use arrow_schema::DataType;

use super::cell::{interpret, Column, Meaning, Raw, Typed};
use super::columns::is_protected;
use super::Mapping;
use crate::cel::ir::{Cmp, Node, StrTest, ValueSet};
use crate::cel::Value;
use crate::engine::{Engine, RuleVerdict};
use crate::pack::RuleStatus;
use crate::record::{convert_json_value, convert_scalar, Coercion, DecodeOptions};
use crate::schema::FieldKind;

/// A node's result for one row: the low two bits are the value ([`FALSE`], [`TRUE`] or
/// [`FAIL`]); [`MET`] is set when a missing field was read while evaluating it.
type State = u8;
const FALSE: State = 0;
const TRUE: State = 1;
const FAIL: State = 2;
const VALUE: State = 0b11;
const MET: State = 0b100;

/// A cell of a field read by the plan: absent, invalid, or present with its value.
const ABSENT: u8 = 0;
const PRESENT: u8 = 1;
const INVALID: u8 = 2;

/// A lowered condition. Field operands index [`VectorPlan::fields`].
enum VNode<'e> {
    Const(bool),
    /// A bool field.
    Bool(usize),
    /// `has()` of a scalar field: present or invalid.
    Present(usize),
    Not(Box<VNode<'e>>),
    And(Vec<VNode<'e>>),
    Or(Vec<VNode<'e>>),
    /// A string field in a set.
    StrInSet(usize, &'e ValueSet),
    StrCmp(Cmp, Operand<'e>, Operand<'e>),
    StrTest(StrTest, Operand<'e>, Operand<'e>),
    /// `list.exists(k, f.test(k))` (or `all`) over constant strings.
    AnyStrTest {
        field: usize,
        items: &'e [Box<str>],
        test: StrTest,
        all: bool,
    },
    Matches(usize, &'e Regex),
    IntCmp(usize, Cmp, i64),
    DoubleCmp(usize, Cmp, f64),
    /// Another rule's result.
    RuleRef(u32),
}

/// A string operand: a field or a constant.
enum Operand<'e> {
    Field(usize),
    Const(&'e str),
}

/// The runtime type the plan reads a field's values as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Bool,
    Int,
    Double,
    Str,
    /// Presence only (`has()` of a date, a timestamp, ...).
    Presence,
}

impl Want {
    fn of(kind: &FieldKind) -> Option<Want> {
        Some(match kind {
            FieldKind::Bool => Want::Bool,
            FieldKind::Int => Want::Int,
            FieldKind::Float => Want::Double,
            FieldKind::String | FieldKind::Enum(_) => Want::Str,
            FieldKind::Object(_) | FieldKind::List(_) => return None,
            _ => Want::Presence,
        })
    }
}

/// A field the plan reads: its slot's kind and path, and the column feeding it (none: absent
/// in every row).
struct VField<'m> {
    slot: u32,
    kind: &'m FieldKind,
    path: &'m str,
    want: Want,
    column: Option<&'m Column<'m>>,
}

/// One chunk's cells of one field.
struct Cells<'m> {
    state: Vec<u8>,
    values: Values<'m>,
}

enum Values<'m> {
    None,
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Double(Vec<f64>),
    Str(Vec<&'m str>),
}

/// The rules of an engine lowered for a batch's columns (those of the shapes above), and
/// what the records for the other rules need.
pub(crate) struct VectorPlan<'e, 'm> {
    engine: &'e Engine,
    /// Every rule the engine evaluates is lowered (no record needed).
    complete: bool,
    fields: Vec<VField<'m>>,
    /// Rule index → its lowered condition (evaluated rules only).
    rules: Vec<Option<VNode<'e>>>,
    /// Columns whose cells may not fit their field: a row with such a cell takes its
    /// `invalid` list from the record path.
    checks: Vec<&'m super::Plan<'m>>,
    /// The columns the rules left to the record path read.
    record_plans: Vec<&'m super::Plan<'m>>,
}

/// The verdicts of one chunk: `verdicts[row * width + rule]`, and the rows (within the
/// chunk) that need the record path: `fallback` for their verdicts, `invalid` only for their
/// invalid-cell messages.
pub(crate) struct ChunkVerdicts {
    pub width: usize,
    pub verdicts: Vec<RuleVerdict>,
    pub fallback: Vec<bool>,
    pub invalid: Vec<bool>,
}

impl<'e, 'm> VectorPlan<'e, 'm> {
    /// Lowers the rules the engine evaluates that have these shapes; `None` when none has.
    pub(crate) fn new(engine: &'e Engine, mapping: &'m Mapping<'m>) -> Option<Self> {
        let mut plan = VectorPlan {
            engine,
            complete: true,
            fields: Vec::new(),
            rules: (0..engine.rules().len()).map(|_| None).collect(),
            checks: Vec::new(),
            record_plans: Vec::new(),
        };
        // The slots the rules left to the record path read.
        let mut read = BTreeSet::new();
        let mut derived_seen = BTreeSet::new();
        for &i in engine.rule_order() {
            let (node, status) = engine.rule_plan(i as usize)?;
            if status == RuleStatus::Disabled {
                continue;
            }
            let fields = plan.fields.len();
            match plan.lower(node, mapping) {
                Some(lowered) => *plan.rules.get_mut(i as usize)? = Some(lowered),
                None => {
                    // The fields taken on the way are this rule's alone (added last).
                    plan.fields.truncate(fields);
                    plan.complete = false;
                    slots_read(engine, node, &mut read, &mut derived_seen);
                }
            }
        }
        if plan.rules.iter().all(Option::is_none) {
            return None;
        }
        plan.checks = mapping
            .plans
            .iter()
            .filter(|p| !never_invalid(p.column.data_type(), p.kind))
            .collect();
        // A read field needs its own column, the objects around it (an invalid object makes
        // it invalid) and, for an object, the fields inside (they make it present).
        let paths: Vec<&str> = read
            .iter()
            .filter_map(|&s| mapping.schema.slots.get(s as usize))
            .map(|info| &*info.path)
            .collect();
        let related = |plan: &str| {
            paths.iter().any(|p| {
                *p == plan
                    || p.strip_prefix(plan).is_some_and(|r| r.starts_with('.'))
                    || plan.strip_prefix(*p).is_some_and(|r| r.starts_with('.'))
            })
        };
        plan.record_plans = mapping.plans.iter().filter(|p| related(p.path)).collect();
        Some(plan)
    }

    /// Whether every rule the engine evaluates is decided here (no record needed).
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    /// Per rule (pack order): whether its verdict is decided here.
    pub(crate) fn lowered(&self) -> impl Iterator<Item = bool> + '_ {
        self.rules.iter().map(Option::is_some)
    }

    /// The columns the records of the other rules are built from.
    pub(crate) fn record_plans(&self) -> impl Iterator<Item = &'m super::Plan<'m>> + '_ {
        self.record_plans.iter().copied()
    }

    fn lower(&mut self, node: &'e Node, mapping: &'m Mapping<'m>) -> Option<VNode<'e>> {
        Some(match node {
            Node::Const(Value::Bool(b)) => VNode::Const(*b),
            Node::Slot(s) => VNode::Bool(self.field(s.slot, Want::Bool, mapping)?),
            Node::Present(slot) => VNode::Present(self.field(*slot, Want::Presence, mapping)?),
            Node::Not(x) => VNode::Not(Box::new(self.lower(x, mapping)?)),
            Node::And(xs) => VNode::And(self.lower_all(xs, mapping)?),
            Node::Or(xs) => VNode::Or(self.lower_all(xs, mapping)?),
            Node::InSet(elem, set) | Node::StrInSet(elem, set) => {
                VNode::StrInSet(self.str_field(elem, mapping)?, set)
            }
            Node::StrCmp(op, operands) => {
                let [a, b] = &**operands;
                VNode::StrCmp(*op, self.operand(a, mapping)?, self.operand(b, mapping)?)
            }
            Node::StrTest(test, operands) => {
                let [a, b] = &**operands;
                VNode::StrTest(*test, self.operand(a, mapping)?, self.operand(b, mapping)?)
            }
            Node::AnyStrTest(t) => VNode::AnyStrTest {
                field: self.str_field(&t.subject, mapping)?,
                items: &t.items,
                test: t.test,
                all: t.all,
            },
            Node::Matches(subject, re) => VNode::Matches(self.str_field(subject, mapping)?, re),
            Node::IntCmp { operand, op, value } => match &**operand {
                Node::Slot(s) => {
                    VNode::IntCmp(self.field(s.slot, Want::Int, mapping)?, *op, *value)
                }
                _ => return None,
            },
            Node::DoubleCmp { operand, op, value } => match &**operand {
                Node::Slot(s) => {
                    VNode::DoubleCmp(self.field(s.slot, Want::Double, mapping)?, *op, *value)
                }
                _ => return None,
            },
            // Only a rule decided here too (dependencies are lowered first).
            Node::RuleRef(i) if self.rules.get(*i as usize).is_some_and(Option::is_some) => {
                VNode::RuleRef(*i)
            }
            _ => return None,
        })
    }

    fn lower_all(&mut self, xs: &'e [Node], mapping: &'m Mapping<'m>) -> Option<Vec<VNode<'e>>> {
        xs.iter().map(|x| self.lower(x, mapping)).collect()
    }

    fn str_field(&mut self, node: &Node, mapping: &'m Mapping<'m>) -> Option<usize> {
        match node {
            Node::Slot(s) => self.field(s.slot, Want::Str, mapping),
            _ => None,
        }
    }

    fn operand(&mut self, node: &'e Node, mapping: &'m Mapping<'m>) -> Option<Operand<'e>> {
        match node {
            Node::Const(Value::String(s)) => Some(Operand::Const(s)),
            other => self.str_field(other, mapping).map(Operand::Field),
        }
    }

    /// The index of the field at `slot`, read as `want` (presence fits any scalar); `None`
    /// when the slot's kind does not fit or its cells would not be read from its own column
    /// alone (an object around it fed by a column that is not a struct).
    fn field(&mut self, slot: u32, want: Want, mapping: &'m Mapping<'m>) -> Option<usize> {
        let schema = mapping.schema;
        let info = schema.slots.get(slot as usize)?;
        let has = Want::of(&info.kind)?;
        if (want != Want::Presence && want != has) || is_protected(schema, slot) {
            return None;
        }
        if let Some(i) = self.fields.iter().position(|f| f.slot == slot) {
            return Some(i);
        }
        let mut parent = info.parent;
        while let Some(p) = parent {
            if let Some(plan) = mapping.plans.iter().find(|plan| plan.slot == p) {
                if !matches!(
                    plan.column.data_type(),
                    DataType::Struct(_) | DataType::Null
                ) {
                    return None;
                }
            }
            parent = schema.slots.get(p as usize)?.parent;
        }
        self.fields.push(VField {
            slot,
            kind: &info.kind,
            path: &info.path,
            want: has,
            column: mapping
                .plans
                .iter()
                .find(|plan| plan.slot == slot)
                .map(|plan| &plan.column),
        });
        Some(self.fields.len() - 1)
    }

    /// Decides rows `start..end`.
    pub(crate) fn run(&self, start: usize, end: usize) -> ChunkVerdicts {
        let n = end - start;
        let mut fallback = vec![false; n];
        let cells: Vec<Cells<'m>> = self
            .fields
            .iter()
            .map(|f| convert(f, start, n, &mut fallback))
            .collect();
        let width = self.rules.len();
        let mut states: Vec<Option<Vec<State>>> = (0..width).map(|_| None).collect();
        for &i in self.engine.rule_order() {
            let Some(Some(node)) = self.rules.get(i as usize) else {
                continue;
            };
            let result = eval(node, n, &cells, &states);
            if let Some(slot) = states.get_mut(i as usize) {
                *slot = Some(result);
            }
        }
        let mut verdicts = vec![RuleVerdict::Pending; n * width];
        for (rule, result) in states.iter().enumerate() {
            let Some(result) = result else { continue };
            for (row, &s) in result.iter().enumerate() {
                verdicts[row * width + rule] = verdict(s);
            }
        }
        let mut invalid = vec![false; n];
        for check in &self.checks {
            // A field converted above knows its invalid cells already.
            match self.fields.iter().position(|f| f.slot == check.slot) {
                Some(f) => {
                    for (flag, &s) in invalid.iter_mut().zip(&cells[f].state) {
                        *flag |= s == INVALID;
                    }
                }
                None => {
                    for (row, flag) in invalid.iter_mut().enumerate() {
                        if !*flag {
                            *flag = cell_is_invalid(check, start + row);
                        }
                    }
                }
            }
        }
        ChunkVerdicts {
            width,
            verdicts,
            fallback,
            invalid,
        }
    }
}

fn verdict(s: State) -> RuleVerdict {
    match s & VALUE {
        TRUE => RuleVerdict::Hit,
        FALSE => RuleVerdict::Miss,
        _ if s & MET != 0 => RuleVerdict::Missing,
        _ => RuleVerdict::Error,
    }
}

/// Whether a column of this Arrow type always fits a field of this kind (so its cells need
/// no check for the `invalid` list).
fn never_invalid(dt: &DataType, kind: &FieldKind) -> bool {
    use DataType as D;
    let text = |d: &D| matches!(d, D::Utf8 | D::LargeUtf8 | D::Utf8View);
    match (kind, dt) {
        (_, D::Null) => true,
        (FieldKind::Bool, D::Boolean) => true,
        (
            FieldKind::Int,
            D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32,
        ) => true,
        (
            FieldKind::Float,
            D::Int8
            | D::Int16
            | D::Int32
            | D::Int64
            | D::UInt8
            | D::UInt16
            | D::UInt32
            | D::UInt64
            | D::Float16
            | D::Float32
            | D::Float64,
        ) => true,
        (FieldKind::String, d) if text(d) => true,
        (FieldKind::String, D::Dictionary(_, v)) if text(v) => true,
        (FieldKind::Object(_), D::Struct(_)) => true,
        _ => false,
    }
}

/// Whether writing this cell into a record would make its field invalid.
fn cell_is_invalid(plan: &super::Plan<'_>, row: usize) -> bool {
    let raw = plan.column.read(row);
    // An enum's text without the value the general conversion would make of it.
    if let (FieldKind::Enum(values), Raw::Str(s)) = (plan.kind, &raw) {
        return !values.iter().any(|v| v == s);
    }
    general(plan.kind, plan.path, raw).is_err()
}

/// One field's cells for rows `start..start + n`, converted as the record builder converts
/// them; a row whose value is not of the field's runtime type is marked for the record path.
fn convert<'m>(field: &VField<'m>, start: usize, n: usize, fallback: &mut [bool]) -> Cells<'m> {
    let mut state = vec![ABSENT; n];
    let mut values = match field.want {
        Want::Bool => Values::Bool(vec![false; n]),
        Want::Int => Values::Int(vec![0; n]),
        Want::Double => Values::Double(vec![0.0; n]),
        Want::Str => Values::Str(vec![""; n]),
        Want::Presence => Values::None,
    };
    let Some(column) = field.column else {
        return Cells { state, values };
    };
    let typed = column.typed();
    let allowed = match field.kind {
        FieldKind::Enum(values) => Some(&values[..]),
        _ => None,
    };
    let text = |s: &'m str, v: &mut Vec<&'m str>, row: usize| {
        if allowed.is_some_and(|a| !a.iter().any(|x| x == s)) {
            INVALID
        } else {
            v[row] = s;
            PRESENT
        }
    };
    for row in 0..n {
        let r = start + row;
        if column.hidden(r) {
            continue;
        }
        // The common column types, without the general conversion.
        let fast = match (&mut values, &typed) {
            (Values::Str(v), Typed::Text(a)) => Some(a.get(r).map_or(ABSENT, |s| text(s, v, row))),
            (Values::Str(v), Typed::Dict(dict, keys, a)) => {
                Some(match keys.get(r).filter(|_| !dict.is_null(r)) {
                    Some(&k) => a.get(k).map_or(ABSENT, |s| text(s, v, row)),
                    None => ABSENT,
                })
            }
            (Values::Bool(v), Typed::Bool(a)) => Some(if a.is_null(r) {
                ABSENT
            } else {
                v[row] = a.value(r);
                PRESENT
            }),
            (Values::Int(v), Typed::Int(a)) => Some(if a.is_null(r) {
                ABSENT
            } else {
                v[row] = a.value(r);
                PRESENT
            }),
            (Values::Double(v), Typed::Float(a)) => Some(match a.is_null(r) {
                false if !a.value(r).is_nan() => {
                    v[row] = a.value(r);
                    PRESENT
                }
                // NaN is absent (the DataFrame coercion).
                _ => ABSENT,
            }),
            _ => None,
        };
        state[row] = match fast {
            Some(s) => s,
            None => match general(field.kind, field.path, column.read(r)) {
                Ok(None) => ABSENT,
                Err(()) => INVALID,
                Ok(Some(value)) => match (&mut values, value) {
                    (Values::Bool(v), Value::Bool(b)) => {
                        v[row] = b;
                        PRESENT
                    }
                    (Values::Int(v), Value::Int(i)) => {
                        v[row] = i;
                        PRESENT
                    }
                    (Values::Double(v), Value::Double(f)) => {
                        v[row] = f;
                        PRESENT
                    }
                    (Values::None, _) => PRESENT,
                    _ => {
                        fallback[row] = true;
                        PRESENT
                    }
                },
            },
        };
    }
    Cells { state, values }
}

/// The general conversion of one cell (what [`super::cell::write`] does): `Ok(None)` absent,
/// `Err(())` invalid.
fn general(kind: &FieldKind, path: &str, raw: Raw<'_>) -> Result<Option<Value>, ()> {
    match interpret(kind, path, raw) {
        Meaning::Absent => Ok(None),
        Meaning::Present => Ok(Some(Value::Bool(true))),
        Meaning::Invalid(_) => Err(()),
        Meaning::Scalar(s) => convert_scalar(kind, None, s, Coercion::FRAME).map_err(|_| ()),
        Meaning::Json(json) => {
            convert_json_value(kind, path, &json, DecodeOptions::default()).map_err(|_| ())
        }
    }
}

/// A string read for one row: the text, or the failed state.
#[inline]
fn text<'a>(op: &Operand<'a>, cells: &'a [Cells<'_>], row: usize) -> Result<&'a str, State> {
    match op {
        Operand::Const(s) => Ok(*s),
        Operand::Field(f) => str_cell(&cells[*f], row),
    }
}

#[inline]
fn str_cell<'a>(c: &'a Cells<'_>, row: usize) -> Result<&'a str, State> {
    match (c.state[row], &c.values) {
        (PRESENT, Values::Str(v)) => Ok(v[row]),
        (ABSENT, _) => Err(FAIL | MET),
        _ => Err(FAIL),
    }
}

/// The failed state of a field that holds no value in a row.
#[inline]
fn failed(state: u8) -> State {
    if state == ABSENT {
        FAIL | MET
    } else {
        FAIL
    }
}

fn eval(
    node: &VNode<'_>,
    n: usize,
    cells: &[Cells<'_>],
    rules: &[Option<Vec<State>>],
) -> Vec<State> {
    match node {
        VNode::Const(b) => vec![State::from(*b); n],
        VNode::Bool(f) => {
            let c = &cells[*f];
            match &c.values {
                Values::Bool(v) => per_row(n, |row| match c.state[row] {
                    PRESENT => State::from(v[row]),
                    s => failed(s),
                }),
                _ => vec![FAIL; n],
            }
        }
        VNode::Present(f) => {
            let c = &cells[*f];
            per_row(n, |row| State::from(c.state[row] != ABSENT))
        }
        VNode::Not(x) => {
            let mut r = eval(x, n, cells, rules);
            for s in &mut r {
                if *s & VALUE != FAIL {
                    *s ^= TRUE;
                }
            }
            r
        }
        VNode::And(xs) => logic(FALSE, xs, n, cells, rules),
        VNode::Or(xs) => logic(TRUE, xs, n, cells, rules),
        VNode::StrInSet(f, set) => {
            let c = &cells[*f];
            per_row(n, |row| match str_cell(c, row) {
                Ok(s) => State::from(set.contains_str(s)),
                Err(s) => s,
            })
        }
        VNode::StrCmp(op, a, b) => {
            per_row(n, |row| match (text(a, cells, row), text(b, cells, row)) {
                // Equality compares lengths first; only an ordering needs the bytes.
                (Ok(a), Ok(b)) => State::from(match op {
                    Cmp::Eq => a == b,
                    Cmp::Ne => a != b,
                    _ => op.test(Some(a.cmp(b))),
                }),
                (Err(x), Err(y)) => x | y,
                (Err(x), _) | (_, Err(x)) => x,
            })
        }
        VNode::StrTest(test, a, b) => {
            per_row(n, |row| match (text(a, cells, row), text(b, cells, row)) {
                (Ok(a), Ok(b)) => State::from(test.test(a, b)),
                (Err(x), Err(y)) => x | y,
                (Err(x), _) | (_, Err(x)) => x,
            })
        }
        VNode::AnyStrTest {
            field,
            items,
            test,
            all,
        } => {
            let c = &cells[*field];
            per_row(n, |row| match str_cell(c, row) {
                Ok(s) if *all => State::from(items.iter().all(|k| test.test(s, k))),
                Ok(s) => State::from(items.iter().any(|k| test.test(s, k))),
                Err(s) => s,
            })
        }
        VNode::Matches(f, re) => {
            let c = &cells[*f];
            per_row(n, |row| match str_cell(c, row) {
                Ok(s) => State::from(re.is_match(s)),
                Err(s) => s,
            })
        }
        VNode::IntCmp(f, op, k) => {
            let c = &cells[*f];
            match &c.values {
                Values::Int(v) => per_row(n, |row| match c.state[row] {
                    PRESENT => State::from(op.test(Some(v[row].cmp(k)))),
                    s => failed(s),
                }),
                _ => vec![FAIL; n],
            }
        }
        VNode::DoubleCmp(f, op, k) => {
            let c = &cells[*f];
            match &c.values {
                Values::Double(v) => per_row(n, |row| match c.state[row] {
                    PRESENT => State::from(op.test(v[row].partial_cmp(k))),
                    s => failed(s),
                }),
                _ => vec![FAIL; n],
            }
        }
        VNode::RuleRef(i) => match rules.get(*i as usize) {
            // A decided rule reads as its value; a failed one passes on its missing data.
            Some(Some(r)) => r
                .iter()
                .map(|&s| if s & VALUE == FAIL { s } else { s & VALUE })
                .collect(),
            // Not evaluated (disabled): an error, as in the row evaluator.
            _ => vec![FAIL; n],
        },
    }
}

#[inline]
fn per_row(n: usize, f: impl Fn(usize) -> State) -> Vec<State> {
    (0..n).map(f).collect()
}

/// `&&` (`decisive` = [`FALSE`]) or `||` ([`TRUE`]) as the row evaluator computes it: the
/// operands in source order until the first decisive one; otherwise the first error, else
/// the non-decisive value. Every operand evaluated on the way adds the missing data it met.
fn logic(
    decisive: State,
    operands: &[VNode<'_>],
    n: usize,
    cells: &[Cells<'_>],
    rules: &[Option<Vec<State>>],
) -> Vec<State> {
    let results: Vec<Vec<State>> = operands.iter().map(|x| eval(x, n, cells, rules)).collect();
    (0..n)
        .map(|row| {
            let mut met = 0;
            let mut error = false;
            for r in &results {
                let s = r[row];
                met |= s & MET;
                match s & VALUE {
                    v if v == decisive => return decisive | met,
                    FAIL => error = true,
                    _ => {}
                }
            }
            met | if error { FAIL } else { decisive ^ TRUE }
        })
        .collect()
}

/// Adds the record slots `node` reads (through derived values too) to `out`.
fn slots_read(engine: &Engine, node: &Node, out: &mut BTreeSet<u32>, derived: &mut BTreeSet<u32>) {
    let mut walk = |n: &Node| slots_read(engine, n, out, derived);
    match node {
        Node::Const(_)
        | Node::Unbound(_)
        | Node::Var(_)
        | Node::Local(_)
        | Node::RuleRef(_)
        | Node::Aggregate(_) => {}
        Node::Slot(s) | Node::OptSlot(s) => {
            out.insert(s.slot);
        }
        Node::Present(slot) => {
            out.insert(*slot);
        }
        Node::Derived(i) => {
            if derived.insert(*i) {
                if let Some(d) = engine.derived_plan(*i as usize) {
                    slots_read(engine, &d.node, out, derived);
                }
            }
        }
        Node::Neg(x)
        | Node::Not(x)
        | Node::StrMap(_, x)
        | Node::HasField(x, _)
        | Node::InSet(x, _)
        | Node::StrInSet(x, _)
        | Node::Matches(x, _)
        | Node::IntCmp { operand: x, .. }
        | Node::DoubleCmp { operand: x, .. }
        | Node::Select { operand: x, .. }
        | Node::OptSelect(x, _) => walk(x),
        Node::Cond(xs) => xs.iter().for_each(walk),
        Node::Binary(_, xs)
        | Node::Index(xs)
        | Node::OptIndex(xs)
        | Node::OptOr { operands: xs, .. }
        | Node::StrCmp(_, xs)
        | Node::StrTest(_, xs) => xs.iter().for_each(walk),
        Node::MakeListOpt(items) => items.iter().for_each(|(n, _)| walk(n)),
        Node::MakeMapOpt(entries) => {
            for (k, v, _) in entries.iter() {
                walk(k);
                walk(v);
            }
        }
        Node::Call(_, xs) | Node::MakeList(xs) | Node::And(xs) | Node::Or(xs) => {
            xs.iter().for_each(walk)
        }
        Node::MakeMap(entries) => {
            for (k, v) in entries.iter() {
                walk(k);
                walk(v);
            }
        }
        Node::Comprehension(c) => {
            walk(&c.range);
            c.predicate.iter().for_each(&mut walk);
            c.transform.iter().for_each(&mut walk);
        }
        Node::AnyStrTest(t) => {
            walk(&t.subject);
            walk(&t.generic);
        }
    }
}

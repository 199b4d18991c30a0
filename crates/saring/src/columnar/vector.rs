//! Column-at-a-time evaluation: when every rule the engine evaluates is a boolean
//! combination of simple tests of scalar fields — a bool field, `has()` of a scalar field, a
//! string in a list, a string compared with or tested against a constant, a regex match, an
//! int or double compared with a constant, another such rule — a chunk of rows is decided
//! without building a record per row. Each field a rule reads is converted once per cell
//! (through the record builder's own conversion table, so values, enum checks and NaN mean
//! the same), and each condition is evaluated over the whole chunk as bitmaps (one bit per
//! row in `u64` words): the rows where it is true, those where it is false (neither: an
//! error or missing data) and those where missing data was read while evaluating it.
//!
//! Strings of an enum field (from a text column) and of a dictionary-encoded column are read
//! as codes (the enum value's position, the dictionary key): a test of such a field against
//! constants (`in`, `==`, `!=`, `startsWith`, `matches`, ...) is evaluated once per distinct
//! value when the plan is made, and per row it is a table lookup. `&&` and `||` evaluate an
//! operand only for the rows the operands before it left undecided (per 64-row word for
//! bitmap tests, per row for string tests), and stop when none is left.
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

use std::borrow::Cow;

use super::cell::{interpret, Column, Meaning, Raw, Text, Typed};
use super::columns::is_protected;
use super::Mapping;
use crate::cel::ir::{Cmp, Node, StrTest, ValueSet};
use crate::cel::Value;
use crate::engine::{Engine, RuleVerdict};
use crate::pack::RuleStatus;
use crate::record::{convert_json_value, convert_scalar, Coercion, DecodeOptions};
use crate::schema::FieldKind;

/// A bitmap over the rows of a chunk: bit `row % 64` of word `row / 64`.
type Bits = Vec<u64>;

/// A node's result over a chunk: the rows where it is true and where it is false (neither:
/// it failed), and the rows where missing data was read while evaluating it. Only the rows
/// of the mask it was evaluated for are meaningful.
struct Res {
    t: Bits,
    f: Bits,
    met: Bits,
}

/// The conversion of one cell: absent, invalid, or present with its value.
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
    /// A string field in a set (with its strings packed, when they are all short).
    StrInSet(usize, &'e ValueSet, Option<Box<[Packed]>>),
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
    /// A test of a coded string field against constants (one of the string tests above),
    /// decided once per distinct value: `table[code]`.
    Table(usize, Box<[bool]>),
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
    domain: Domain<'m>,
}

/// How a string field's cells are read.
enum Domain<'m> {
    /// As text.
    Plain,
    /// As codes into `texts`: the enum's values (a text column for an enum field: a text
    /// outside them is invalid) or, with `keys`, the values of a dictionary column, each
    /// key's cell being [`ABSENT`] (a null value), [`PRESENT`] or [`INVALID`] (outside the
    /// enum).
    Coded {
        texts: Vec<&'m str>,
        keys: Option<Vec<u8>>,
    },
}

/// One chunk's cells of one field: the rows where it is present and absent (neither: the
/// cell is invalid), and the values of the present rows.
struct Cells<'a> {
    present: Bits,
    absent: Bits,
    values: Values<'a>,
}

enum Values<'a> {
    None,
    Bool(Bits),
    Int(Cow<'a, [i64]>),
    Double(Cow<'a, [f64]>),
    Str(Vec<&'a str>),
    /// Codes into the texts of the field's [`Domain::Coded`].
    Code(Vec<u32>, &'a [&'a str]),
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

/// The verdicts of one chunk, per rule as bitmaps, and the rows (within the chunk) that need
/// the record path: `fallback` for their verdicts, `invalid` only for their invalid-cell
/// messages.
pub(crate) struct ChunkVerdicts {
    pub width: usize,
    rows: usize,
    /// Rule index → (hit rows, incomplete rows, rows among the incomplete ones that met
    /// missing data); `None` for rules not decided here.
    rules: Vec<Option<(Bits, Bits, Bits)>>,
    pub fallback: Vec<bool>,
    pub invalid: Vec<bool>,
}

impl ChunkVerdicts {
    /// Rule `rule`'s verdict in `row` (`Pending` when it is not decided here).
    #[inline]
    pub(crate) fn verdict(&self, rule: usize, row: usize) -> RuleVerdict {
        match self.rules.get(rule) {
            Some(Some((hit, incomplete, met))) => {
                if bit(hit, row) {
                    RuleVerdict::Hit
                } else if !bit(incomplete, row) {
                    RuleVerdict::Miss
                } else if bit(met, row) {
                    RuleVerdict::Missing
                } else {
                    RuleVerdict::Error
                }
            }
            _ => RuleVerdict::Pending,
        }
    }

    /// Rule `rule`'s hit and incomplete rows, when it is decided here.
    pub(crate) fn bits(&self, rule: usize) -> Option<(&[u64], &[u64])> {
        match self.rules.get(rule) {
            Some(Some((hit, incomplete, _))) => Some((hit, incomplete)),
            _ => None,
        }
    }

    /// The rows of the chunk.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
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

    /// How many tests are decided once per distinct value (tables).
    #[cfg(test)]
    pub(crate) fn tables(&self) -> usize {
        fn count(node: &VNode<'_>) -> usize {
            match node {
                VNode::Table(..) => 1,
                VNode::Not(x) => count(x),
                VNode::And(xs) | VNode::Or(xs) => xs.iter().map(count).sum(),
                _ => 0,
            }
        }
        self.rules.iter().flatten().map(count).sum()
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
                let f = self.str_field(elem, mapping)?;
                let packed = set.strings().map(pack).collect::<Option<Box<[Packed]>>>();
                self.coded(VNode::StrInSet(f, set, packed))
            }
            Node::StrCmp(op, operands) => {
                let [a, b] = &**operands;
                let (a, b) = (self.operand(a, mapping)?, self.operand(b, mapping)?);
                self.coded(VNode::StrCmp(*op, a, b))
            }
            Node::StrTest(test, operands) => {
                let [a, b] = &**operands;
                let (a, b) = (self.operand(a, mapping)?, self.operand(b, mapping)?);
                self.coded(VNode::StrTest(*test, a, b))
            }
            Node::AnyStrTest(t) => {
                let field = self.str_field(&t.subject, mapping)?;
                self.coded(VNode::AnyStrTest {
                    field,
                    items: &t.items,
                    test: t.test,
                    all: t.all,
                })
            }
            Node::Matches(subject, re) => {
                let f = self.str_field(subject, mapping)?;
                self.coded(VNode::Matches(f, re))
            }
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

    /// A test of one string field against constants, as a table over its distinct values
    /// when the field is coded.
    fn coded(&self, node: VNode<'e>) -> VNode<'e> {
        let Some(f) = node.unary_field() else {
            return node;
        };
        match self.fields.get(f).map(|field| &field.domain) {
            Some(Domain::Coded { texts, .. }) => {
                VNode::Table(f, texts.iter().map(|s| node.test_one(s)).collect())
            }
            _ => node,
        }
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
        let column = mapping
            .plans
            .iter()
            .find(|plan| plan.slot == slot)
            .map(|plan| &plan.column);
        let allowed = match &info.kind {
            FieldKind::Enum(values) => Some(&values[..]),
            _ => None,
        };
        let domain = match (has, column.map(|c| c.typed())) {
            (Want::Str, Some(Typed::Dict(_, _, text))) => {
                let texts: Vec<Option<&'m str>> = (0..text.len()).map(|k| text.get(k)).collect();
                let keys = texts
                    .iter()
                    .map(|t| match t {
                        None => ABSENT,
                        Some(s) if allowed.is_some_and(|a| !a.iter().any(|x| x == s)) => INVALID,
                        Some(_) => PRESENT,
                    })
                    .collect();
                Domain::Coded {
                    texts: texts.into_iter().map(Option::unwrap_or_default).collect(),
                    keys: Some(keys),
                }
            }
            (Want::Str, Some(Typed::Text(_))) => match allowed {
                Some(values) if values.len() < u32::MAX as usize => Domain::Coded {
                    texts: values.iter().map(String::as_str).collect(),
                    keys: None,
                },
                _ => Domain::Plain,
            },
            _ => Domain::Plain,
        };
        self.fields.push(VField {
            slot,
            kind: &info.kind,
            path: &info.path,
            want: has,
            column,
            domain,
        });
        Some(self.fields.len() - 1)
    }

    /// Decides rows `start..end`.
    pub(crate) fn run(&self, start: usize, end: usize) -> ChunkVerdicts {
        let n = end - start;
        let mut fallback = vec![false; n];
        let cells: Vec<Cells<'_>> = self
            .fields
            .iter()
            .map(|f| convert(f, start, n, &mut fallback))
            .collect();
        let width = self.rules.len();
        let mut states: Vec<Option<Res>> = (0..width).map(|_| None).collect();
        let all = ones(n);
        for &i in self.engine.rule_order() {
            let Some(Some(node)) = self.rules.get(i as usize) else {
                continue;
            };
            let result = eval(node, n, &all, &cells, &states);
            if let Some(slot) = states.get_mut(i as usize) {
                *slot = Some(result);
            }
        }
        let rules = states
            .into_iter()
            .map(|r| {
                r.map(|Res { t, f, met }| {
                    let incomplete: Bits = all
                        .iter()
                        .zip(t.iter().zip(&f))
                        .map(|(a, (t, f))| a & !(t | f))
                        .collect();
                    let met = met.iter().zip(&incomplete).map(|(m, i)| m & i).collect();
                    (t, incomplete, met)
                })
            })
            .collect();
        let mut invalid = vec![false; n];
        for check in &self.checks {
            // A field converted above knows its invalid cells already.
            match self.fields.iter().position(|f| f.slot == check.slot) {
                Some(f) => {
                    let c = &cells[f];
                    for (row, flag) in invalid.iter_mut().enumerate() {
                        *flag |= !bit(&c.present, row) && !bit(&c.absent, row);
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
            rows: n,
            rules,
            fallback,
            invalid,
        }
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
fn convert<'a>(field: &'a VField<'_>, start: usize, n: usize, fallback: &mut [bool]) -> Cells<'a> {
    let Some(column) = field.column else {
        return Cells {
            present: zeros(n),
            absent: ones(n),
            values: empty(field, n),
        };
    };
    let visible = visible(column, start, n);
    let typed = column.typed();
    // Every cell of the common column types at once, or null by null.
    let bulk = |a: &dyn Array| {
        let present = and(&valid(a, start, n)?, &visible);
        let absent = not(&present, n);
        Some((present, absent))
    };
    match (field.want, &typed) {
        (Want::Bool, Typed::Bool(a)) => {
            if let (Some((present, absent)), Some(values)) = (bulk(*a), buffer_bits(a, start, n)) {
                return Cells {
                    present,
                    absent,
                    values: Values::Bool(values),
                };
            }
        }
        (Want::Int, Typed::Int(a)) => {
            if let (Some((present, absent)), Some(v)) = (bulk(*a), a.values().get(start..start + n))
            {
                return Cells {
                    present,
                    absent,
                    values: Values::Int(Cow::Borrowed(v)),
                };
            }
        }
        (Want::Double, Typed::Float(a)) => {
            if let (Some((present, _)), Some(v)) = (bulk(*a), a.values().get(start..start + n)) {
                // NaN is absent (the DataFrame coercion).
                let present = and(&present, &pack_bits(v, |x| !x.is_nan()));
                let absent = not(&present, n);
                return Cells {
                    present,
                    absent,
                    values: Values::Double(Cow::Borrowed(v)),
                };
            }
        }
        (Want::Str, Typed::Text(t)) => return text_cells(field, *t, &visible, start, n),
        (Want::Str, Typed::Dict(dict, keys, _)) => {
            if let Domain::Coded {
                texts,
                keys: Some(classes),
            } = &field.domain
            {
                return dict_cells(*dict, keys, texts, classes, &visible, start, n);
            }
        }
        _ => {}
    }
    general_cells(field, column, start, n, fallback)
}

/// The cells of a text column.
fn text_cells<'a>(
    field: &'a VField<'_>,
    t: Text<'a>,
    visible: &[u64],
    start: usize,
    n: usize,
) -> Cells<'a> {
    let (mut present, mut absent) = (zeros(n), zeros(n));
    match &field.domain {
        Domain::Coded { texts, .. } => {
            let mut codes = vec![0u32; n];
            for (row, code) in codes.iter_mut().enumerate() {
                match t.get(start + row).filter(|_| bit(visible, row)) {
                    None => set(&mut absent, row),
                    // Outside the enum: invalid.
                    Some(s) => {
                        if let Some(i) = texts.iter().position(|x| *x == s) {
                            *code = i as u32;
                            set(&mut present, row);
                        }
                    }
                }
            }
            Cells {
                present,
                absent,
                values: Values::Code(codes, texts),
            }
        }
        Domain::Plain => {
            let mut v = vec![""; n];
            for (row, value) in v.iter_mut().enumerate() {
                match t.get(start + row).filter(|_| bit(visible, row)) {
                    None => set(&mut absent, row),
                    Some(s) => {
                        *value = s;
                        set(&mut present, row);
                    }
                }
            }
            Cells {
                present,
                absent,
                values: Values::Str(v),
            }
        }
    }
}

/// The cells of a dictionary column of text: each row's key, classified once per key.
fn dict_cells<'a>(
    dict: &dyn Array,
    keys: &[usize],
    texts: &'a [&'a str],
    classes: &[u8],
    visible: &[u64],
    start: usize,
    n: usize,
) -> Cells<'a> {
    let (mut present, mut absent) = (zeros(n), zeros(n));
    let mut codes = vec![0u32; n];
    for (row, code) in codes.iter_mut().enumerate() {
        let r = start + row;
        let key = keys
            .get(r)
            .filter(|_| bit(visible, row) && !dict.is_null(r));
        match key.map(|&k| (k, classes.get(k).copied().unwrap_or(ABSENT))) {
            Some((k, PRESENT)) => {
                *code = k as u32;
                set(&mut present, row);
            }
            Some((_, INVALID)) => {}
            _ => set(&mut absent, row),
        }
    }
    Cells {
        present,
        absent,
        values: Values::Code(codes, texts),
    }
}

/// No values (every row absent).
fn empty<'a>(field: &'a VField<'_>, n: usize) -> Values<'a> {
    match (field.want, &field.domain) {
        (Want::Bool, _) => Values::Bool(zeros(n)),
        (Want::Int, _) => Values::Int(Cow::Owned(vec![0; n])),
        (Want::Double, _) => Values::Double(Cow::Owned(vec![0.0; n])),
        (Want::Str, Domain::Coded { texts, .. }) => Values::Code(vec![0; n], texts),
        (Want::Str, Domain::Plain) => Values::Str(vec![""; n]),
        (Want::Presence, _) => Values::None,
    }
}

/// The cells of any column, one at a time through the general conversion.
fn general_cells<'a>(
    field: &'a VField<'_>,
    column: &'a Column<'_>,
    start: usize,
    n: usize,
    fallback: &mut [bool],
) -> Cells<'a> {
    let (mut present, mut absent) = (zeros(n), zeros(n));
    let mut bools = zeros(n);
    let mut ints = vec![0; n];
    let mut doubles = vec![0.0; n];
    for row in 0..n {
        let r = start + row;
        let state = if column.hidden(r) {
            ABSENT
        } else {
            match general(field.kind, field.path, column.read(r)) {
                Ok(None) => ABSENT,
                Err(()) => INVALID,
                Ok(Some(value)) => {
                    match (field.want, value) {
                        (Want::Bool, Value::Bool(b)) => {
                            if b {
                                set(&mut bools, row);
                            }
                        }
                        (Want::Int, Value::Int(i)) => ints[row] = i,
                        (Want::Double, Value::Double(f)) => doubles[row] = f,
                        (Want::Presence, _) => {}
                        _ => fallback[row] = true,
                    }
                    PRESENT
                }
            }
        };
        match state {
            ABSENT => set(&mut absent, row),
            PRESENT => set(&mut present, row),
            _ => {}
        }
    }
    let values = match (field.want, &field.domain) {
        (Want::Bool, _) => Values::Bool(bools),
        (Want::Int, _) => Values::Int(Cow::Owned(ints)),
        (Want::Double, _) => Values::Double(Cow::Owned(doubles)),
        _ => empty(field, n),
    };
    Cells {
        present,
        absent,
        values,
    }
}

/// The rows not hidden by a null struct cell around the column.
fn visible(column: &Column<'_>, start: usize, n: usize) -> Bits {
    let mut bits = ones(n);
    for a in column.ancestors() {
        match valid(*a, start, n) {
            Some(v) => bits = and(&bits, &v),
            None => {
                for row in 0..n {
                    if a.is_null(start + row) {
                        clear(&mut bits, row);
                    }
                }
            }
        }
    }
    bits
}

/// The non-null rows of `start..start + n` of an array (`None`: out of its bounds).
fn valid(a: &dyn Array, start: usize, n: usize) -> Option<Bits> {
    if start + n > a.len() {
        return None;
    }
    Some(match a.nulls() {
        None => ones(n),
        Some(nulls) => {
            let b = nulls.inner();
            let bits: Bits = b
                .inner()
                .bit_chunks(b.offset() + start, n)
                .iter_padded()
                .collect();
            and(&bits, &ones(n))
        }
    })
}

/// The values of `start..start + n` of a boolean array.
fn buffer_bits(a: &arrow_array::BooleanArray, start: usize, n: usize) -> Option<Bits> {
    if start + n > a.len() {
        return None;
    }
    let b = a.values();
    let bits: Bits = b
        .inner()
        .bit_chunks(b.offset() + start, n)
        .iter_padded()
        .collect();
    Some(and(&bits, &ones(n)))
}

fn words(n: usize) -> usize {
    n.div_ceil(64)
}

fn zeros(n: usize) -> Bits {
    vec![0; words(n)]
}

/// The rows `0..n`.
fn ones(n: usize) -> Bits {
    let mut bits = vec![u64::MAX; words(n)];
    if n % 64 != 0 {
        if let Some(last) = bits.last_mut() {
            *last = (1u64 << (n % 64)) - 1;
        }
    }
    bits
}

#[inline]
fn bit(bits: &[u64], row: usize) -> bool {
    bits.get(row / 64).is_some_and(|w| w >> (row % 64) & 1 != 0)
}

#[inline]
fn set(bits: &mut [u64], row: usize) {
    if let Some(w) = bits.get_mut(row / 64) {
        *w |= 1 << (row % 64);
    }
}

#[inline]
fn clear(bits: &mut [u64], row: usize) {
    if let Some(w) = bits.get_mut(row / 64) {
        *w &= !(1 << (row % 64));
    }
}

fn and(a: &[u64], b: &[u64]) -> Bits {
    a.iter().zip(b).map(|(a, b)| a & b).collect()
}

/// The rows `0..n` not in `a`.
fn not(a: &[u64], n: usize) -> Bits {
    a.iter().zip(ones(n)).map(|(a, o)| !a & o).collect()
}

/// The rows of `values` where `f` holds.
#[inline]
/// [`pack_bits`] of `value <op> k`, the operator chosen once, outside the loop.
fn pack_cmp<T: Copy + PartialOrd>(op: Cmp, values: &[T], k: T) -> Bits {
    match op {
        Cmp::Eq => pack_bits(values, |x| x == k),
        Cmp::Ne => pack_bits(values, |x| x != k),
        Cmp::Lt => pack_bits(values, |x| x < k),
        Cmp::Le => pack_bits(values, |x| x <= k),
        Cmp::Gt => pack_bits(values, |x| x > k),
        Cmp::Ge => pack_bits(values, |x| x >= k),
    }
}

fn pack_bits<T: Copy>(values: &[T], f: impl Fn(T) -> bool) -> Bits {
    let chunks = values.chunks_exact(64);
    let rest = chunks.remainder();
    let mut bits: Bits = chunks
        .map(|chunk| {
            let mut word = 0u64;
            for (b, &x) in chunk.iter().enumerate() {
                word |= u64::from(f(x)) << b;
            }
            word
        })
        .collect();
    if !rest.is_empty() {
        let mut word = 0u64;
        for (b, &x) in rest.iter().enumerate() {
            word |= u64::from(f(x)) << b;
        }
        bits.push(word);
    }
    bits
}

/// The rows `0..n` where `f` holds, computed only in the words where `mask` has a row.
#[inline]
fn from_fn_masked(n: usize, mask: &[u64], f: impl Fn(usize) -> bool) -> Bits {
    mask.iter()
        .enumerate()
        .map(|(w, &m)| {
            if m == 0 {
                return 0;
            }
            let base = w * 64;
            let mut word = 0u64;
            for b in 0..(n - base).min(64) {
                word |= u64::from(f(base + b)) << b;
            }
            word
        })
        .collect()
}

/// Calls `f` with each row in `bits`.
#[inline]
fn each(bits: &[u64], mut f: impl FnMut(usize)) {
    for (w, &word) in bits.iter().enumerate() {
        let mut x = word;
        while x != 0 {
            f(w * 64 + x.trailing_zeros() as usize);
            x &= x - 1;
        }
    }
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

impl VNode<'_> {
    /// The field of a test of one string field against constants.
    fn unary_field(&self) -> Option<usize> {
        match self {
            VNode::StrInSet(f, ..) | VNode::Matches(f, _) => Some(*f),
            VNode::AnyStrTest { field, .. } => Some(*field),
            VNode::StrCmp(_, a, b) | VNode::StrTest(_, a, b) => match (a, b) {
                (Operand::Field(f), Operand::Const(_)) | (Operand::Const(_), Operand::Field(f)) => {
                    Some(*f)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The test of [`VNode::unary_field`] on one value.
    fn test_one(&self, s: &str) -> bool {
        fn pick<'x>(op: &Operand<'x>, s: &'x str) -> &'x str {
            match op {
                Operand::Field(_) => s,
                Operand::Const(c) => c,
            }
        }
        match self {
            VNode::StrInSet(_, _, Some(packed)) => pack(s).is_some_and(|p| packed.contains(&p)),
            VNode::StrInSet(_, set, None) => set.contains_str(s),
            VNode::Matches(_, re) => re.is_match(s),
            VNode::AnyStrTest {
                items, test, all, ..
            } => {
                if *all {
                    items.iter().all(|k| test.test(s, k))
                } else {
                    items.iter().any(|k| test.test(s, k))
                }
            }
            VNode::StrCmp(op, a, b) => str_cmp(*op, pick(a, s), pick(b, s)),
            VNode::StrTest(test, a, b) => test.test(pick(a, s), pick(b, s)),
            _ => false,
        }
    }
}

/// A string of at most 8 bytes as its length and its bytes in a word.
type Packed = (usize, u64);

#[inline]
fn pack(s: &str) -> Option<Packed> {
    let b = s.as_bytes();
    if b.len() > 8 {
        return None;
    }
    let mut word = 0u64;
    for (i, &c) in b.iter().enumerate() {
        word |= u64::from(c) << (8 * i);
    }
    Some((b.len(), word))
}

#[inline]
fn str_cmp(op: Cmp, a: &str, b: &str) -> bool {
    // Equality compares lengths first; only an ordering needs the bytes.
    match op {
        Cmp::Eq => a == b,
        Cmp::Ne => a != b,
        _ => op.test(Some(a.cmp(b))),
    }
}

/// A string field's text in a row (empty where it has none).
#[inline]
fn text_at<'a>(values: &'a Values<'_>, row: usize) -> &'a str {
    match values {
        Values::Str(v) => v.get(row).copied().unwrap_or(""),
        Values::Code(codes, texts) => codes
            .get(row)
            .and_then(|&c| texts.get(c as usize))
            .copied()
            .unwrap_or(""),
        _ => "",
    }
}

/// A string operand's text in a row.
#[inline]
fn operand_text<'x>(op: &Operand<'x>, c: Option<&'x Cells<'x>>, row: usize) -> &'x str {
    match (op, c) {
        (Operand::Const(s), _) => s,
        (_, Some(c)) => text_at(&c.values, row),
        _ => "",
    }
}

/// Every row failed, without missing data.
fn failed(n: usize) -> Res {
    Res {
        t: zeros(n),
        f: zeros(n),
        met: zeros(n),
    }
}

/// A test of a present field's rows (`hold`: where it holds); absent rows met missing data.
fn tested(c: &Cells<'_>, hold: &[u64]) -> Res {
    Res {
        t: and(&c.present, hold),
        f: c.present.iter().zip(hold).map(|(p, h)| p & !h).collect(),
        met: c.absent.clone(),
    }
}

/// Evaluates `node` over the chunk's rows; only the rows of `mask` are needed.
fn eval(
    node: &VNode<'_>,
    n: usize,
    mask: &[u64],
    cells: &[Cells<'_>],
    rules: &[Option<Res>],
) -> Res {
    match node {
        VNode::Const(b) => Res {
            t: if *b { ones(n) } else { zeros(n) },
            f: if *b { zeros(n) } else { ones(n) },
            met: zeros(n),
        },
        VNode::Bool(f) => {
            let c = &cells[*f];
            match &c.values {
                Values::Bool(v) => tested(c, v),
                _ => failed(n),
            }
        }
        VNode::Present(f) => {
            let c = &cells[*f];
            Res {
                t: not(&c.absent, n),
                f: c.absent.clone(),
                met: zeros(n),
            }
        }
        VNode::Not(x) => {
            let Res { t, f, met } = eval(x, n, mask, cells, rules);
            Res { t: f, f: t, met }
        }
        VNode::And(xs) => logic(true, xs, n, mask, cells, rules),
        VNode::Or(xs) => logic(false, xs, n, mask, cells, rules),
        VNode::Table(f, table) => {
            let c = &cells[*f];
            match &c.values {
                Values::Code(codes, _) => {
                    let live = and(&c.present, mask);
                    let hold = from_fn_masked(n, &live, |row| {
                        table.get(codes[row] as usize).copied().unwrap_or(false)
                    });
                    tested(c, &hold)
                }
                _ => failed(n),
            }
        }
        VNode::StrInSet(f, ..) | VNode::Matches(f, _) | VNode::AnyStrTest { field: f, .. } => {
            let c = &cells[*f];
            let mut hold = zeros(n);
            each(&and(&c.present, mask), |row| {
                if node.test_one(text_at(&c.values, row)) {
                    set(&mut hold, row);
                }
            });
            tested(c, &hold)
        }
        VNode::StrCmp(_, a, b) | VNode::StrTest(_, a, b) => {
            let side = |op: &Operand<'_>| match op {
                Operand::Field(f) => cells.get(*f),
                Operand::Const(_) => None,
            };
            let (ca, cb) = (side(a), side(b));
            let (all, none) = (ones(n), zeros(n));
            let (pa, aa) = ca.map_or((&all, &none), |c| (&c.present, &c.absent));
            let (pb, ab) = cb.map_or((&all, &none), |c| (&c.present, &c.absent));
            let both = and(&and(pa, pb), mask);
            let (mut t, mut f) = (zeros(n), zeros(n));
            each(&both, |row| {
                let (x, y) = (operand_text(a, ca, row), operand_text(b, cb, row));
                let hold = match node {
                    VNode::StrCmp(op, ..) => str_cmp(*op, x, y),
                    VNode::StrTest(test, ..) => test.test(x, y),
                    _ => false,
                };
                set(if hold { &mut t } else { &mut f }, row);
            });
            let met = aa.iter().zip(ab).map(|(x, y)| x | y).collect();
            Res { t, f, met }
        }
        VNode::IntCmp(f, op, k) => {
            let c = &cells[*f];
            let Values::Int(v) = &c.values else {
                return failed(n);
            };
            tested(c, &pack_cmp(*op, v, *k))
        }
        VNode::DoubleCmp(f, op, k) => {
            let c = &cells[*f];
            let Values::Double(v) = &c.values else {
                return failed(n);
            };
            // The operators are `Cmp::test` of `partial_cmp` (NaN included).
            tested(c, &pack_cmp(*op, v, *k))
        }
        VNode::RuleRef(i) => match rules.get(*i as usize) {
            // A decided rule reads as its value; a failed one passes on its missing data.
            Some(Some(r)) => Res {
                t: r.t.clone(),
                f: r.f.clone(),
                met: r
                    .met
                    .iter()
                    .zip(r.t.iter().zip(&r.f))
                    .map(|(m, (t, f))| m & !(t | f))
                    .collect(),
            },
            // Not evaluated (disabled): an error, as in the row evaluator.
            _ => failed(n),
        },
    }
}

/// `&&` (`and`) or `||` as the row evaluator computes it: the operands in source order until
/// the first decisive one (false for `&&`, true for `||`); otherwise the first error, else
/// the non-decisive value. Every operand evaluated on the way adds the missing data it met.
/// An operand is evaluated only for the rows still undecided, and not at all when none is.
fn logic(
    and: bool,
    operands: &[VNode<'_>],
    n: usize,
    mask: &[u64],
    cells: &[Cells<'_>],
    rules: &[Option<Res>],
) -> Res {
    let w = mask.len();
    let mut open = mask.to_vec();
    let (mut decided, mut error, mut met) = (vec![0u64; w], vec![0u64; w], vec![0u64; w]);
    for x in operands {
        if open.iter().all(|&o| o == 0) {
            break;
        }
        let r = eval(x, n, &open, cells, rules);
        let decisive = if and { &r.f } else { &r.t };
        for i in 0..w {
            let o = open[i];
            met[i] |= r.met[i] & o;
            error[i] |= !(r.t[i] | r.f[i]) & o;
            let now = decisive[i] & o;
            decided[i] |= now;
            open[i] = o & !now;
        }
    }
    let settled: Bits = open.iter().zip(&error).map(|(o, e)| o & !e).collect();
    if and {
        Res {
            t: settled,
            f: decided,
            met,
        }
    } else {
        Res {
            t: decided,
            f: settled,
            met,
        }
    }
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
        Node::Neg(x, _)
        | Node::Not(x)
        | Node::StrMap(_, x)
        | Node::HasField(x, _)
        | Node::InSet(x, _)
        | Node::StrInSet(x, _)
        | Node::Matches(x, _)
        | Node::IntCmp { operand: x, .. }
        | Node::DoubleCmp { operand: x, .. }
        | Node::OptSelect(x, _) => walk(x),
        Node::Select { operand, .. } => walk(&operand.0),
        Node::Cond(xs) => xs.iter().for_each(walk),
        Node::Binary(_, xs, _)
        | Node::Index(xs, _)
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
        Node::Call(_, xs, _) | Node::MakeList(xs) | Node::And(xs) | Node::Or(xs) => {
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

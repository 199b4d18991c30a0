//! Windowed aggregates in the engine: compiling `[aggregate.<name>]` (under the same data
//! policy as rules: protected fields refused, monitored ones passed on to the rules that
//! read the aggregate) and giving records their history, in batch or online (see
//! [`crate::aggregate`]).

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::aggregate::{
    self, Contributors, Fact, Input, MeasureKind, Measured, Number, Store, StoreEntry, StoreError,
    WindowQuery,
};
use crate::cel::ast::Span;
use crate::cel::cost::Bounds;
use crate::cel::eval::{eval, Ctx, Fail, Frame};
use crate::cel::ir::{Node, PathSet, Paths};
use crate::cel::resolve::Env;
use crate::cel::types::Type;
use crate::cel::Value;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::build::{compile_expr, place};
use crate::engine::{CompiledAggregate, CompiledDerived, Engine};
use crate::error::RecordError;
use crate::limits::CostLimits;
use crate::pack::{Expression, Measure, Pack};
use crate::record::{DecodeOptions, Record};

const MICROS_PER_SECOND: i64 = 1_000_000;

/// What a part of an aggregate must be, for its type check.
#[derive(Clone, Copy)]
enum Role {
    Key,
    Time,
    Filter,
    Distinct,
    Sum,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Key => "key",
            Role::Time => "time",
            Role::Filter => "where",
            Role::Distinct => "count_distinct",
            Role::Sum => "sum",
        }
    }

    /// `None` when `ty` fits, else what was expected.
    fn refuses(self, ty: &Type) -> Option<&'static str> {
        let scalar = matches!(
            ty,
            Type::String
                | Type::Int
                | Type::Uint
                | Type::Double
                | Type::Bool
                | Type::Timestamp
                | Type::Dyn
        );
        match self {
            Role::Key | Role::Distinct if !scalar => Some("a string, number, bool or timestamp"),
            Role::Time if !matches!(ty, Type::Timestamp | Type::Dyn) => Some("a date or timestamp"),
            Role::Filter if !matches!(ty, Type::Bool | Type::Dyn) => Some("a bool"),
            Role::Sum if !matches!(ty, Type::Int | Type::Uint | Type::Double | Type::Dyn) => {
                Some("a number")
            }
            _ => None,
        }
    }
}

/// Compiles the pack's aggregates (after its derived values, which they may read) and makes
/// them visible to rules as `agg.<name>`.
pub(super) fn compile_aggregates(
    pack: &Pack,
    env: &mut Env,
    paths: &mut Paths,
    bounds: &Bounds,
    limits: &CostLimits,
    derived: &[CompiledDerived],
    (diags, requirements): (
        &mut Vec<Diagnostic>,
        &mut Vec<crate::capability::Requirement>,
    ),
) -> Vec<CompiledAggregate> {
    let mut out = Vec::new();
    // An aggregate's runtime error is reported by its message alone (`Fact::Failed`), so
    // its sites are never looked up: a table of their own.
    let mut sites = crate::cel::ir::Sites::default();
    for a in &pack.aggregates {
        let mut monitored = BTreeSet::new();
        let mut slots: Vec<(u32, Arc<str>)> = Vec::new();
        let mut part = |expr: &Expression, role: Role, diags: &mut Vec<Diagnostic>| {
            let what = format!("the {} of aggregate `{}`", role.name(), a.name);
            let c = compile_expr(
                pack,
                expr,
                env,
                (&mut *paths, &mut sites),
                None,
                (bounds, limits, &what),
                diags,
            );
            let Some(c) = c else {
                return (Node::Const(Value::Null), Type::Dyn);
            };
            requirements.extend(c.needs.iter().cloned());
            if let Some(expected) = role.refuses(&c.ty) {
                let d = Diagnostic::error(
                    Code::CelTypeMismatch,
                    format!("{what} must be {expected}, found {}", c.ty),
                );
                diags.push(place(pack, expr, Span::new(0, expr.text.len()), d));
            }
            monitored.extend(c.policy.monitored.iter().cloned());
            slots.extend(c.policy.slots_read.iter().cloned());
            for i in &c.derived_read {
                if let Some(d) = derived.get(*i as usize) {
                    monitored.extend(d.monitored.iter().cloned());
                    slots.extend(d.slots.iter().cloned());
                }
            }
            (c.node, c.ty)
        };
        let (key, _) = part(&a.key, Role::Key, diags);
        let (time, _) = part(&a.time, Role::Time, diags);
        let filter = a.filter.as_ref().map(|f| part(f, Role::Filter, diags).0);
        let (kind, value, ty) = match &a.measure {
            Measure::Count => (MeasureKind::Count, None, Type::Int),
            Measure::CountDistinct(e) => {
                let (node, _) = part(e, Role::Distinct, diags);
                (MeasureKind::CountDistinct, Some(node), Type::Int)
            }
            Measure::Sum(e) => {
                let (node, ty) = part(e, Role::Sum, diags);
                if matches!(ty, Type::Int | Type::Uint) {
                    (MeasureKind::SumInt, Some(node), Type::Int)
                } else {
                    (MeasureKind::SumDouble, Some(node), Type::Double)
                }
            }
        };
        slots.sort_unstable_by_key(|s| s.0);
        slots.dedup_by_key(|s| s.0);
        env.aggregates.push((a.name.clone(), ty));
        out.push(CompiledAggregate {
            name: a.name.clone(),
            kind,
            window: a.window.seconds.saturating_mul(MICROS_PER_SECOND),
            window_text: a.window.text.clone(),
            key,
            time,
            value,
            filter,
            monitored,
            slots,
        });
    }
    out
}

/// The text a key or a distinct value is compared by: equal values, equal text.
fn canonical_text(v: &Value) -> Arc<str> {
    match v {
        Value::String(s) => s.clone(),
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => {
            Arc::from((*d as i64).to_string())
        }
        other => Arc::from(crate::record::cel_to_json(other).to_string()),
    }
}

impl Engine {
    /// True when the pack declares windowed aggregates (`[aggregate.<name>]`): its rules need
    /// history ([`Engine::aggregate_batch`] or [`Engine::aggregate_online`]).
    pub fn has_aggregates(&self) -> bool {
        !self.inner.aggregates.is_empty()
    }

    /// The names of the pack's aggregates (`agg.<name>`), in declaration order.
    pub fn aggregate_names(&self) -> Vec<&str> {
        self.inner
            .aggregates
            .iter()
            .map(|a| a.name.as_str())
            .collect()
    }

    /// The longest aggregate window, in seconds (0 without aggregates).
    pub fn longest_window_seconds(&self) -> i64 {
        self.inner
            .aggregates
            .iter()
            .map(|a| a.window / MICROS_PER_SECOND)
            .max()
            .unwrap_or(0)
    }

    /// One record's inputs to every aggregate. The parts share one evaluation: derived
    /// values they read are computed once, and the record's cost budget covers them all.
    pub(crate) fn aggregate_inputs(&self, record: &Record) -> Vec<Input> {
        let c = &self.inner;
        let cache: Vec<OnceCell<_>> = (0..c.derived_nodes.len())
            .map(|_| OnceCell::new())
            .collect();
        let cx = Ctx {
            record: Some(record),
            vars: &[],
            derived: &c.derived_nodes,
            cache: &cache,
            rules: &[],
            failures: &[],
        };
        let mut frame = Frame::default();
        frame.start_budget(c.limits.runtime_cost);
        let mut part = |node: &Node| {
            frame.reset();
            eval(node, &cx, &mut frame).map_err(|f| (f, frame.missing.clone()))
        };
        c.aggregates
            .iter()
            .map(|a| Self::aggregate_input(a, &mut part))
            .collect()
    }

    fn aggregate_input(
        a: &CompiledAggregate,
        part: &mut impl FnMut(&Node) -> Result<Value, (Fail, PathSet)>,
    ) -> Input {
        let mut missing = PathSet::default();
        let mut error: Option<Arc<str>> = None;
        let mut take = |r: Result<Value, (Fail, PathSet)>| match r {
            Ok(v) => Some(v),
            Err((Fail::Missing, paths)) => {
                missing.union(&paths);
                None
            }
            Err((Fail::Error(e), _)) => {
                error.get_or_insert_with(|| e.message_arc().clone());
                None
            }
        };
        let key = take(part(&a.key));
        let time = take(part(&a.time));
        let counted = match &a.filter {
            Some(f) => take(part(f)),
            None => Some(Value::Bool(true)),
        };
        let counted_now = matches!(counted, Some(Value::Bool(true)));
        // The value matters only when the record is counted.
        let value = match (&a.value, counted_now) {
            (Some(node), true) => take(part(node)).map(Some),
            _ => Some(None),
        };
        if !missing.is_empty() {
            return Input::Missing(missing);
        }
        if let Some(m) = error {
            return Input::Failed(m);
        }
        let (Some(key), Some(time), Some(counted), Some(value)) = (key, time, counted, value)
        else {
            return Input::Failed(Arc::from("aggregate input could not be computed"));
        };
        let key = canonical_text(&key);
        if key.trim().is_empty() {
            return Input::Failed(Arc::from(format!(
                "the key of aggregate `{}` is empty: records without a key are not grouped",
                a.name
            )));
        }
        let Value::Timestamp(at) = time else {
            return Input::Failed(Arc::from(format!(
                "the time of aggregate `{}` is not a timestamp",
                a.name
            )));
        };
        let Value::Bool(counted) = counted else {
            return Input::Failed(Arc::from(format!(
                "the `where` of aggregate `{}` is not a bool",
                a.name
            )));
        };
        let value = match value {
            None => None,
            Some(v) => match a.kind {
                MeasureKind::CountDistinct => Some(Measured::Text(canonical_text(&v))),
                MeasureKind::SumInt | MeasureKind::SumDouble => Some(Measured::Num(match v {
                    Value::Int(i) => Number::Int(i),
                    Value::Uint(u) => {
                        i64::try_from(u).map_or(Number::Double(u as f64), Number::Int)
                    }
                    Value::Double(d) if d.is_finite() => Number::Double(d),
                    _ => {
                        return Input::Failed(Arc::from(format!(
                            "the sum of aggregate `{}` is not a finite number",
                            a.name
                        )))
                    }
                })),
                MeasureKind::Count => None,
            },
        };
        Input::Ready {
            key,
            time: at.timestamp_micros(),
            counted,
            value,
        }
    }

    /// The id entries of `record` are stored under: the pack's `record_id`, or (without one)
    /// a digest of the record's values, so the same record screened twice counts once.
    fn history_id(&self, record: &Record) -> Arc<str> {
        match self.record_id_text(record) {
            Some(id) => id,
            None => {
                use sha2::Digest as _;
                let digest = sha2::Sha256::digest(format!("{:?}", record.slots()).as_bytes());
                Arc::from(format!("record:{}", hex::encode(&digest[..8])))
            }
        }
    }

    /// Batch semantics: gives every record of one input its aggregates, computed over the
    /// records themselves in time order (equal times in input order). Each record sees the
    /// records before it within the window, the window's first instant included, and
    /// itself; a record id seen before counts once. Records are named in evidence by their
    /// `record_id`, or `#<position>` (1-based) without one. A no-op without aggregates.
    pub fn aggregate_batch(&self, records: &mut [Record]) {
        let mut at: Vec<(usize, &mut Record)> = records.iter_mut().enumerate().collect();
        self.aggregate_batch_at(&mut at);
    }

    /// [`Engine::aggregate_batch`] for the records of an input that could be decoded, each
    /// with its 0-based position in that input (the others are left out of the history):
    /// evidence names them `#<position + 1>` without a `record_id`.
    pub fn aggregate_batch_at(&self, records: &mut [(usize, &mut Record)]) {
        if !self.has_aggregates() {
            return;
        }
        let one = |(position, r): &(usize, &mut Record)| self.history_entry(r, *position);
        #[cfg(feature = "parallel")]
        let entries: Vec<HistoryEntry> = {
            use rayon::prelude::*;
            records.par_iter().map(one).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let entries: Vec<HistoryEntry> = records.iter().map(one).collect();
        let mut history = self.batch_history(entries);
        for (n, (_, r)) in records.iter_mut().enumerate() {
            history.take(n).give(r);
        }
    }

    /// What a record adds to the history of a batch (its id, and each aggregate's key, time
    /// and value), for a batch too large to hold decoded: take every record's entry in a
    /// first pass over the input (records decoded one chunk at a time, then dropped), compute
    /// the [`BatchHistory`] and give each record, decoded again, its share. `position` is the
    /// record's 0-based place in the input (see [`Engine::aggregate_batch_at`]).
    pub fn history_entry(&self, record: &Record, position: usize) -> HistoryEntry {
        HistoryEntry {
            id: self.batch_id(record, position),
            inputs: self.aggregate_inputs(record),
        }
    }

    /// Decodes a JSON record for [`Engine::history_entry`] only, filling just the fields the
    /// aggregates read (and the record id), for the first pass over a batch: several times
    /// cheaper than [`Engine::decode_json`], it refuses exactly the records `decode_json`
    /// refuses (every record-level check still sees the whole text), and the entry taken from
    /// it is the one the fully decoded record gives. Never screen such a record: the other
    /// fields are absent from it.
    pub fn decode_json_for_history(
        &self,
        json: &str,
        options: DecodeOptions,
    ) -> Result<Record, RecordError> {
        crate::record::decode_json_only(self.schema(), json, options, Some(self.history_fields()))
    }

    /// By slot: whether the first pass of a batch decodes it — read by an aggregate's key,
    /// time, value or `where` (through derived values too, `has()` included), or the record id.
    fn history_fields(&self) -> &[bool] {
        self.inner.history_fields.get_or_init(|| {
            let mut read = std::collections::BTreeSet::new();
            let mut derived = std::collections::BTreeSet::new();
            for a in &self.inner.aggregates {
                let nodes = [
                    Some(&a.key),
                    Some(&a.time),
                    a.value.as_ref(),
                    a.filter.as_ref(),
                ];
                for node in nodes.into_iter().flatten() {
                    super::slots_read(self, node, &mut read, &mut derived);
                }
            }
            read.extend(self.pack().meta.record_id.as_ref().map(|f| f.slot));
            let mut fields = vec![false; self.schema().slots.len()];
            for slot in read {
                if let Some(f) = fields.get_mut(slot as usize) {
                    *f = true;
                }
            }
            fields.into()
        })
    }

    /// [`Engine::decode_json_for_history`] of a JSON value.
    pub fn decode_value_for_history(
        &self,
        value: &serde_json::Value,
        options: DecodeOptions,
    ) -> Result<Record, RecordError> {
        crate::record::decode_value_only(self.schema(), value, options, Some(self.history_fields()))
    }

    /// The aggregates of a batch from its records' entries, in input order.
    pub fn batch_history(&self, entries: Vec<HistoryEntry>) -> BatchHistory {
        let (ids, inputs): (Vec<Arc<str>>, Vec<Vec<Input>>) =
            entries.into_iter().map(|e| (e.id, e.inputs)).unzip();
        let facts = if self.has_aggregates() {
            self.batch_facts(&inputs, ids)
        } else {
            Vec::new()
        };
        BatchHistory {
            facts: facts.into_iter().map(Some).collect(),
        }
    }

    /// How long a record id is remembered, in microseconds: the longest window, or
    /// `retention_seconds` when that is longer.
    fn retention_micros(&self, retention_seconds: Option<i64>) -> i64 {
        self.longest_window_seconds()
            .max(retention_seconds.unwrap_or(0))
            .saturating_mul(MICROS_PER_SECOND)
    }

    /// The id of the record at `position` (0-based) of a batch: its `record_id`, else
    /// `#<position + 1>`.
    pub(crate) fn batch_id(&self, record: &Record, position: usize) -> Arc<str> {
        match self.record_id_text(record) {
            Some(id) => id,
            None => Arc::from(format!("#{}", position + 1)),
        }
    }

    /// Batch facts (per record, per aggregate) from every record's inputs and id.
    pub(crate) fn batch_facts(&self, inputs: &[Vec<Input>], ids: Vec<Arc<str>>) -> Vec<Vec<Fact>> {
        let n = self.inner.aggregates.len();
        let mut out: Vec<Vec<Fact>> = (0..inputs.len()).map(|_| Vec::with_capacity(n)).collect();
        let retention = self.retention_micros(None);
        let first = aggregate::first_positions(&ids);
        let ids: Arc<[Arc<str>]> = Arc::from(ids);
        let unknown = Input::Failed(Arc::from("aggregate input not computed"));
        let one = |(j, a): (usize, &CompiledAggregate)| {
            let column: Vec<&Input> = inputs
                .iter()
                .map(|row| row.get(j).unwrap_or(&unknown))
                .collect();
            aggregate::compute_batch(a.kind, (a.window, retention), &column, &ids, &first)
        };
        // The aggregates are independent: computed side by side (in order of declaration).
        #[cfg(feature = "parallel")]
        let columns: Vec<Vec<Fact>> = {
            use rayon::prelude::*;
            self.inner
                .aggregates
                .par_iter()
                .enumerate()
                .map(one)
                .collect()
        };
        #[cfg(not(feature = "parallel"))]
        let columns: Vec<Vec<Fact>> = self.inner.aggregates.iter().enumerate().map(one).collect();
        for column in columns {
            for (row, f) in out.iter_mut().zip(column) {
                row.push(f);
            }
        }
        out
    }

    /// Online semantics: stores `record`'s entries in `store` (unless its id is stored
    /// already), then gives it its aggregates from the store's windows. Entries older than
    /// the longest window before this record (or `retention` seconds, when longer) are purged.
    pub fn aggregate_online(
        &self,
        record: &mut Record,
        store: &mut dyn Store,
        retention_seconds: Option<i64>,
    ) -> Result<(), StoreError> {
        if !self.has_aggregates() {
            return Ok(());
        }
        let id = self.history_id(record);
        let inputs = self.aggregate_inputs(record);
        let retention = self.retention_micros(retention_seconds);
        let mut facts = Vec::with_capacity(inputs.len());
        for (a, input) in self.inner.aggregates.iter().zip(inputs) {
            let fact = match input {
                Input::Missing(paths) => Fact::Missing(paths),
                Input::Failed(m) => Fact::Failed(m),
                Input::Ready {
                    key,
                    time,
                    counted,
                    value,
                } => {
                    // Purged first: an entry of this id older than the retention is gone
                    // before the id is stored again (as in batch screening).
                    store.purge(&a.name, time.saturating_sub(retention))?;
                    if counted {
                        store.insert(&StoreEntry {
                            aggregate: &a.name,
                            key: &key,
                            time,
                            record: &id,
                            value: value.as_ref(),
                        })?;
                    }
                    let answer = store.window(&WindowQuery {
                        aggregate: &a.name,
                        key: &key,
                        from: time.saturating_sub(a.window),
                        to: time,
                    })?;
                    match aggregate::value_of(a.kind, &answer) {
                        Ok(value) => Fact::Known {
                            value,
                            key,
                            records: Contributors::Listed(Arc::from(answer.records)),
                            total: answer.count,
                        },
                        Err(m) => Fact::Failed(m),
                    }
                }
            };
            facts.push(fact);
        }
        record.facts = facts;
        Ok(())
    }

    /// The evidence of aggregate `i` for a record, if it was computed.
    pub(crate) fn aggregate_evidence(
        &self,
        record: &Record,
        i: u32,
    ) -> Option<(String, serde_json::Value)> {
        let a = self.inner.aggregates.get(i as usize)?;
        let fact = record.facts.get(i as usize)?;
        let ns = crate::pack::AGGREGATE_NAMESPACE;
        Some((format!("{ns}.{}", a.name), fact.evidence(&a.window_text)?))
    }
}

/// What one record adds to the history of a batch ([`Engine::history_entry`]).
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    id: Arc<str>,
    inputs: Vec<Input>,
}

/// The aggregates of every record of a batch ([`Engine::batch_history`]), by entry.
#[derive(Debug, Default)]
pub struct BatchHistory {
    facts: Vec<Option<Vec<Fact>>>,
}

impl BatchHistory {
    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// The history of the `n`-th entry (taken once: a second call gives an empty history,
    /// with which rules reading aggregates are incomplete, as for a record screened alone).
    pub fn take(&mut self, n: usize) -> RecordHistory {
        RecordHistory(
            self.facts
                .get_mut(n)
                .and_then(Option::take)
                .unwrap_or_default(),
        )
    }
}

/// One record's aggregates, taken from a [`BatchHistory`].
#[derive(Debug, Default)]
pub struct RecordHistory(Vec<Fact>);

impl RecordHistory {
    /// Gives it to the record (decoded from the same input row as its entry).
    pub fn give(self, record: &mut Record) {
        record.facts = self.0;
    }
}

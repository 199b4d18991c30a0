//! Screening Arrow record batches (feature `arrow`): columns in, one result batch (or one
//! decision per row) out. The Python binding's `screen_frame` and frame back-tests run here.
//!
//! Columns are matched to schema fields by dotted name (`interview.agent_present`) or through
//! struct columns (`interview` with a field `agent_present`), at any depth. Cells become
//! record values through the core's [`RecordBuilder`](crate::record::RecordBuilder): scalars
//! through the one conversion table (with the DataFrame coercions: NaN is absent, an integral
//! float fits an `int` field, a timestamp at midnight fits a `date` field), lists — lists of
//! structs included — exactly as the JSON decoder reads the same list of objects (same
//! values, same invalid-field messages, protected sub-fields dropped). A null at any level is
//! absent, as JSON `null` is.
//!
//! A field the pack reads that has no column is an error before any row is screened
//! ([`FrameError`], code `frame.missing_column`) unless the caller opts into reading it as
//! absent ([`MissingColumns::Absent`]). Rows are screened in parallel chunks (with the
//! `parallel` feature).
//!
//! [`screen_batch`] decides a chunk column at a time when every rule the engine evaluates is
//! a boolean combination of simple tests of scalar fields (a bool field, `has()`, a string in
//! a list, string comparisons and tests against constants, `matches`, an int or double
//! compared with a constant, references to such rules): each field a rule reads is converted
//! once per cell, and no record is built, except for the rows with a cell that does not fit
//! its field (for the `invalid` messages). Its results are the row evaluator's, to the rule
//! (property-tested on generated frames); other packs are screened record by record.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch, StringArray};
//! use saring::columnar::{screen_batch, FrameOptions};
//! # let pack = saring::Pack::from_toml_str(
//! #   "[pack]\nid=\"p\"\nversion=\"1\"\ntitle=\"t\"\n[outcomes]\nreview=1\nrefer=2\n\
//! #    [[rule]]\nid=\"old\"\ntitle=\"t\"\nweight=1\nwhen=\"age > 60\"\nreason=\"r\"\n",
//! #   "[field.age]\ntype=\"int\"\n")?;
//! let engine = saring::Engine::compile(&pack)?;
//! let batch = RecordBatch::try_from_iter([
//!     ("age", Arc::new(Int64Array::from(vec![Some(70), Some(30), None])) as _),
//!     ("note", Arc::new(StringArray::from(vec!["a", "b", "c"])) as _),
//! ])?;
//! let result = screen_batch(&engine, &batch, &FrameOptions::default())?;
//! let outcome = result.column(0).as_any().downcast_ref::<StringArray>().unwrap();
//! assert_eq!(outcome.value(0), "review");
//! assert_eq!(outcome.value(1), "clear");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cell;
mod columns;
#[cfg(test)]
mod tests;
mod vector;

use std::sync::Arc;

use arrow_array::{Int64Array, ListArray, RecordBatch, StringArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema as ArrowSchema};

use crate::backtest::{Backtest, BacktestConfig, BacktestReport};
use crate::engine::Engine;
use crate::error::RecordError;
use crate::record::{Record, RecordBuilder};
use crate::schema::{FieldKind, Schema};
use crate::{Decision, Outcome};

use cell::Column;
use columns::Located;

/// Rows converted and screened per parallel task.
const CHUNK: usize = 2048;

/// Rows whose full decisions a back-test holds at once.
const BACKTEST_SLICE: usize = 64 * 1024;

/// What to do with a field the pack reads when the batch has no column for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingColumns {
    /// Fail with `frame.missing_column` before any row is screened (the default): a column
    /// lost on the way (a table built from rows whose first row lacks the field) would
    /// otherwise change decisions silently.
    #[default]
    Error,
    /// Read the field as absent in every row (rules reading it are incomplete, or take the
    /// absence branch of `has()`).
    Absent,
}

/// Options for screening a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FrameOptions {
    /// Fields the pack reads that have no column.
    pub missing_columns: MissingColumns,
}

impl FrameOptions {
    /// Options with the given handling of missing columns.
    pub fn missing_columns(mut self, missing: MissingColumns) -> FrameOptions {
        self.missing_columns = missing;
        self
    }
}

/// A batch that cannot be screened as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FrameError {
    /// Stable code: `frame.missing_column` (fields the pack reads have no column),
    /// `frame.no_column` (a label or group column named by the caller is not there),
    /// `frame.arrow` (the result batch could not be built).
    pub code: &'static str,
    /// Human message naming the columns.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The fields (or columns) concerned, sorted.
    pub fields: Vec<String>,
}

impl FrameError {
    fn missing_columns(fields: Vec<String>) -> FrameError {
        let names = fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (n, s) = match fields.len() {
            1 => ("a field", ""),
            _ => ("fields", "s"),
        };
        FrameError {
            code: "frame.missing_column",
            message: format!("the frame has no column for {n} the pack reads: {names}"),
            help: Some(format!(
                "add the column{s} (dotted names such as `a.b`, or struct columns), or opt in \
                 to reading missing fields as absent in every row: \
                 `missing_columns=\"absent\"` (Python), `MissingColumns::Absent` (Rust)"
            )),
            fields,
        }
    }

    fn no_column(name: &str) -> FrameError {
        FrameError {
            code: "frame.no_column",
            message: format!("no column `{name}` in the frame"),
            help: None,
            fields: vec![name.to_string()],
        }
    }
}

/// Checks that every field the pack reads has a column in `schema` (dotted or inside a
/// struct column), unless `options` reads missing fields as absent.
pub fn check_columns(
    engine: &Engine,
    schema: &ArrowSchema,
    options: &FrameOptions,
) -> Result<(), FrameError> {
    columns::check(engine, schema.fields(), options.missing_columns)
}

/// The columns of [`screen_batch`]'s result: `outcome` (utf8), `score` (int64), `hits`,
/// `shadow_hits`, `incomplete` (lists of rule ids), `invalid` (`code at `path`: message` for
/// each cell that did not fit its field; the row is still screened and the rules reading the
/// field are incomplete) and `error` (utf8, always null here; front doors that screen rows
/// another way fill it for rows they could not read).
pub fn result_schema() -> Arc<ArrowSchema> {
    let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Arc::new(ArrowSchema::new(vec![
        Field::new("outcome", DataType::Utf8, true),
        Field::new("score", DataType::Int64, true),
        Field::new("hits", list(), true),
        Field::new("shadow_hits", list(), true),
        Field::new("incomplete", list(), true),
        Field::new("invalid", list(), true),
        Field::new("error", DataType::Utf8, true),
    ]))
}

/// Screens every row of a batch and returns the result batch ([`result_schema`]), one row per
/// input row, in order. Only outcome, score and rule ids are computed (no reasons rendered).
pub fn screen_batch(
    engine: &Engine,
    batch: &RecordBatch,
    options: &FrameOptions,
) -> Result<RecordBatch, FrameError> {
    let history = batch_history(engine, std::slice::from_ref(batch), options)?;
    screen_batch_with(
        engine,
        batch,
        options,
        true,
        history.first().map(Vec::as_slice),
    )
}

/// Screens the batches of one frame, in order. With windowed aggregates the frame is one
/// batch of records in the sense of [`crate::aggregate`]: every row's history is the rows of
/// all the batches, in time order.
pub fn screen_batches(
    engine: &Engine,
    batches: &[RecordBatch],
    options: &FrameOptions,
) -> Result<Vec<RecordBatch>, FrameError> {
    let history = batch_history(engine, batches, options)?;
    batches
        .iter()
        .enumerate()
        .map(|(i, b)| {
            screen_batch_with(engine, b, options, true, history.get(i).map(Vec::as_slice))
        })
        .collect()
}

/// Each row's windowed aggregates (per batch, per row), computed over all the batches
/// (empty without aggregates). Rows are named `#<row + 1>` across batches without a
/// `record_id`.
fn batch_history(
    engine: &Engine,
    batches: &[RecordBatch],
    options: &FrameOptions,
) -> Result<Vec<Vec<Vec<crate::aggregate::Fact>>>, FrameError> {
    if !engine.has_aggregates() {
        return Ok(Vec::new());
    }
    let (mut ids, mut inputs, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
    for batch in batches {
        let mapping = Mapping::new(engine, batch, options)?;
        for row in 0..batch.num_rows() {
            let record = mapping.record(row);
            ids.push(engine.batch_id(&record, ids.len()));
            inputs.push(engine.aggregate_inputs(&record));
        }
        sizes.push(batch.num_rows());
    }
    let mut facts = engine.batch_facts(&inputs, ids).into_iter();
    Ok(sizes
        .into_iter()
        .map(|n| facts.by_ref().take(n).collect())
        .collect())
}

/// [`screen_batch`], column at a time where the rules allow it (`vectorized`) or row by row.
fn screen_batch_with(
    engine: &Engine,
    batch: &RecordBatch,
    options: &FrameOptions,
    vectorized: bool,
    history: Option<&[Vec<crate::aggregate::Fact>]>,
) -> Result<RecordBatch, FrameError> {
    let mut mapping = Mapping::new(engine, batch, options)?;
    mapping.history = history;
    let plan = if vectorized {
        vector::VectorPlan::new(engine, &mapping)
    } else {
        None
    };
    let outs = map_chunks(chunks(0, batch.num_rows()), |range| {
        screen_chunk(engine, &mapping, plan.as_ref(), range)
    });
    build_result(engine, &outs, batch.num_rows())
}

/// Screens every row of a batch and returns the full decisions (reasons, evidence), in order.
pub fn decide_batch(
    engine: &Engine,
    batch: &RecordBatch,
    options: &FrameOptions,
) -> Result<Vec<Decision>, FrameError> {
    let history = batch_history(engine, std::slice::from_ref(batch), options)?;
    let mut mapping = Mapping::new(engine, batch, options)?;
    mapping.history = history.first().map(Vec::as_slice);
    Ok(decide_rows(engine, &mapping, 0, batch.num_rows()))
}

/// The records the rows of a batch decode to, in order (what [`screen_batch`] screens).
pub fn batch_records(
    engine: &Engine,
    batch: &RecordBatch,
    options: &FrameOptions,
) -> Result<Vec<Record>, FrameError> {
    let mapping = Mapping::new(engine, batch, options)?;
    Ok((0..batch.num_rows())
        .map(|row| mapping.record(row))
        .collect())
}

/// Back-tests the pack over batches: screens every row, reads its label from column `label`
/// (booleans; numbers non-zero; `true/t/yes/y/1`, `false/f/no/n/0`; anything else counts as
/// an error row) and its groups from the `by` columns (text; `(missing)` for null), and
/// returns the core's report. `settings` carries the tolerance, minimum group size and
/// sample count (`None`: the defaults of [`Backtest::new`] for the engine's pack).
pub fn backtest_batches(
    engine: &Engine,
    batches: &[RecordBatch],
    label: &str,
    by: &[String],
    options: &FrameOptions,
    settings: Option<Backtest>,
) -> Result<BacktestReport, FrameError> {
    let mut bt =
        settings.unwrap_or_else(|| Backtest::new(BacktestConfig::from_pack(engine.pack())));
    let history = batch_history(engine, batches, options)?;
    for (b, batch) in batches.iter().enumerate() {
        let mut mapping = Mapping::new(engine, batch, options)?;
        mapping.history = history.get(b).map(Vec::as_slice);
        let find = |name: &str| {
            batch
                .schema_ref()
                .index_of(name)
                .ok()
                .and_then(|i| columns::column_at(batch, &[i]))
                .ok_or_else(|| FrameError::no_column(name))
        };
        let labels = find(label)?;
        let groups = by
            .iter()
            .map(|c| find(c).map(|col| (c.clone(), col)))
            .collect::<Result<Vec<_>, _>>()?;
        // Slices keep memory flat: whole decisions exist for one slice at a time.
        for slice_start in (0..batch.num_rows()).step_by(BACKTEST_SLICE) {
            let slice_end = (slice_start + BACKTEST_SLICE).min(batch.num_rows());
            let results = decide_rows(engine, &mapping, slice_start, slice_end);
            for (offset, decision) in results.iter().enumerate() {
                let row = slice_start + offset;
                let Some(label) = cell::label_value(labels.read(row)) else {
                    bt.add_error();
                    continue;
                };
                let row_groups: Vec<(String, String)> = groups
                    .iter()
                    .map(|(name, col)| (name.clone(), cell::group_value(col.read(row))))
                    .collect();
                bt.add(decision, label, &row_groups);
            }
        }
    }
    Ok(bt.finish())
}

/// A schema slot fed by a column.
struct Plan<'a> {
    slot: u32,
    path: &'a str,
    kind: &'a FieldKind,
    column: Column<'a>,
}

/// Which schema slots the batch's columns feed.
struct Mapping<'a> {
    schema: &'a Schema,
    plans: Vec<Plan<'a>>,
    /// Each row's windowed aggregates, when the pack has them.
    history: Option<&'a [Vec<crate::aggregate::Fact>]>,
}

impl<'a> Mapping<'a> {
    fn new(
        engine: &'a Engine,
        batch: &'a RecordBatch,
        options: &FrameOptions,
    ) -> Result<Mapping<'a>, FrameError> {
        let fields: &Fields = batch.schema_ref().fields();
        columns::check(engine, fields, options.missing_columns)?;
        let schema = engine.schema();
        let mut plans = Vec::new();
        for (slot, info) in schema.slots.iter().enumerate() {
            let slot = slot as u32;
            if columns::is_protected(schema, slot) {
                continue;
            }
            let Located::Column(chain) = columns::locate(fields, &info.path) else {
                continue;
            };
            if let Some(column) = columns::column_at(batch, &chain) {
                plans.push(Plan {
                    slot,
                    path: &info.path,
                    kind: &info.kind,
                    column,
                });
            }
        }
        Ok(Mapping {
            schema,
            plans,
            history: None,
        })
    }

    fn record(&self, row: usize) -> Record {
        self.record_of(row, self.plans.iter())
    }

    /// The record of a row with only the fields of `plans` (the others absent).
    fn record_of<'p>(&'p self, row: usize, plans: impl Iterator<Item = &'p Plan<'a>>) -> Record {
        let mut builder = RecordBuilder::new(self.schema);
        for plan in plans {
            cell::write(
                &mut builder,
                plan.slot,
                plan.kind,
                plan.path,
                plan.column.read(row),
            );
        }
        // An object is present when any of its fields is (the builder marks parents).
        let mut record = builder.finish();
        if let Some(facts) = self.history.and_then(|h| h.get(row)) {
            record.facts = facts.clone();
        }
        record
    }
}

/// Row ranges of at most [`CHUNK`] rows covering `start..end`.
fn chunks(start: usize, end: usize) -> Vec<(usize, usize)> {
    (start..end)
        .step_by(CHUNK)
        .map(|s| (s, (s + CHUNK).min(end)))
        .collect()
}

#[cfg(feature = "parallel")]
fn map_chunks<T: Send>(
    ranges: Vec<(usize, usize)>,
    f: impl Fn((usize, usize)) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    ranges.into_par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
fn map_chunks<T>(ranges: Vec<(usize, usize)>, f: impl Fn((usize, usize)) -> T) -> Vec<T> {
    ranges.into_iter().map(f).collect()
}

fn decide_rows(engine: &Engine, mapping: &Mapping<'_>, start: usize, end: usize) -> Vec<Decision> {
    map_chunks(chunks(start, end), |(start, end)| {
        (start..end)
            .map(|row| engine.screen(&mapping.record(row)))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The compact result of one chunk of rows: what the result columns need, nothing more
/// (rule ids as indices into the engine's rules), so full decisions are never made.
#[derive(Default)]
struct ChunkOut {
    outcome: Vec<Outcome>,
    score: Vec<i64>,
    hits: IdLists,
    shadow: IdLists,
    incomplete: IdLists,
    /// (row within the chunk, `code at path: message`) for each cell that did not fit
    invalid: Vec<(usize, String)>,
}

/// Lists of rule indices, flattened: row `i` holds `ids[ends[i-1]..ends[i]]`.
#[derive(Default)]
struct IdLists {
    ids: Vec<u32>,
    ends: Vec<usize>,
}

impl IdLists {
    fn push_ids(&mut self, ids: impl IntoIterator<Item = u32>) {
        self.ids.extend(ids);
        self.ends.push(self.ids.len());
    }
}

/// Screens rows `start..end`: the rules `plan` lowers decided column at a time, the others
/// over records holding only the fields they read; rows with a cell that does not fit its
/// field (for their `invalid` messages) or a value the plan cannot read, and every row when
/// there is no plan, through whole records.
fn screen_chunk(
    engine: &Engine,
    mapping: &Mapping<'_>,
    plan: Option<&vector::VectorPlan<'_, '_>>,
    (start, end): (usize, usize),
) -> ChunkOut {
    let mut out = ChunkOut::default();
    let Some(plan) = plan else {
        for row in start..end {
            screen_row(engine, mapping, row, row - start, &mut out);
        }
        return out;
    };
    let decided = plan.run(start, end);
    // Scores and outcomes column at a time (for the rows that need no record).
    let scored = plan
        .is_complete()
        .then(|| engine.score_columns(decided.rows(), |i| decided.bits(i)));
    // Per rule decided here: its rows, the list its hits go in, whether it is listed when
    // incomplete.
    let lists: Vec<(u32, RuleLists<'_>)> = (0..decided.width)
        .filter_map(|i| {
            let (hit, incomplete) = decided.bits(i)?;
            let hit_list = engine.listed(i, crate::engine::RuleVerdict::Hit);
            let listed = engine
                .listed(i, crate::engine::RuleVerdict::Error)
                .is_some();
            Some((i as u32, (hit, incomplete, hit_list, listed)))
        })
        .collect();
    // The verdicts of one row for the rules the record path evaluates (`None`) and the rest.
    let mut preset = vec![None; decided.width];
    for row in start..end {
        let i = row - start;
        let fallback = decided.fallback.get(i).copied().unwrap_or(true);
        let invalid = decided.invalid.get(i).copied().unwrap_or(true);
        if fallback || invalid {
            // Through the whole record: its `invalid` messages (or values the plan cannot
            // read) are needed.
            screen_row(engine, mapping, row, i, &mut out);
            continue;
        }
        if let Some((scores, outcomes)) = &scored {
            push_verdicts(&mut out, &lists, i, scores, outcomes);
            continue;
        }
        for (rule, (p, lowered)) in preset.iter_mut().zip(plan.lowered()).enumerate() {
            *p = lowered.then(|| decided.verdict(rule, i));
        }
        let record = mapping.record_of(row, plan.record_plans());
        push_summary(&mut out, &engine.screen_summary_preset(&record, &preset));
    }
    out
}

/// Screens one row through its record.
fn screen_row(engine: &Engine, mapping: &Mapping<'_>, row: usize, i: usize, out: &mut ChunkOut) {
    let record = mapping.record(row);
    push_summary(out, &engine.screen_summary(&record));
    for e in record.invalid() {
        out.invalid.push((i, format_invalid(e)));
    }
}

/// A row's result from the bitmaps of every rule (with [`push_verdicts`]' `lists`: rule
/// index, hit rows, incomplete rows, the list of its hits, whether it is listed when
/// incomplete) and the scores of its chunk, without a [`crate::engine::Summary`].
type RuleLists<'a> = (&'a [u64], &'a [u64], Option<crate::engine::Listed>, bool);

fn push_verdicts(
    out: &mut ChunkOut,
    lists: &[(u32, RuleLists<'_>)],
    row: usize,
    scores: &[i64],
    outcomes: &[Outcome],
) {
    use crate::engine::Listed;
    out.outcome
        .push(outcomes.get(row).copied().unwrap_or(Outcome::Clear));
    out.score.push(scores.get(row).copied().unwrap_or(0));
    let (word, shift) = (row / 64, row % 64);
    for &(i, (hit, incomplete, hit_list, listed)) in lists {
        let is = |bits: &[u64]| bits.get(word).is_some_and(|w| w >> shift & 1 != 0);
        if is(hit) {
            match hit_list {
                Some(Listed::Hit) => out.hits.ids.push(i),
                Some(_) => out.shadow.ids.push(i),
                None => {}
            }
        } else if listed && is(incomplete) {
            out.incomplete.ids.push(i);
        }
    }
    for list in [&mut out.hits, &mut out.shadow, &mut out.incomplete] {
        list.ends.push(list.ids.len());
    }
}

fn push_summary(out: &mut ChunkOut, s: &crate::engine::Summary) {
    out.outcome.push(s.outcome);
    out.score.push(s.score);
    out.hits.push_ids(s.hits.iter());
    out.shadow.push_ids(s.shadow_hits.iter());
    out.incomplete.push_ids(s.incomplete.iter());
}

fn build_result(engine: &Engine, outs: &[ChunkOut], n: usize) -> Result<RecordBatch, FrameError> {
    let names: Vec<&str> = engine.rules().iter().map(|r| r.id.as_str()).collect();
    let name = |i: u32| names.get(i as usize).copied().unwrap_or("?");
    let offset = |end: usize| i32::try_from(end).map_err(|_| arrow_overflow());
    let mut outcome = Texts::with_capacity(n, n * 6);
    let mut score = Vec::with_capacity(n);
    for out in outs {
        for (i, o) in out.outcome.iter().enumerate() {
            outcome.push(o.as_str())?;
            score.push(out.score.get(i).copied().unwrap_or(0));
        }
    }
    // Each list column straight from its rows' ends and items (no builder per item).
    let list = |offsets: Vec<i32>, texts: Texts| {
        let item = Arc::new(Field::new("item", DataType::Utf8, true));
        ListArray::try_new(
            item,
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Arc::new(texts.finish()?),
            None,
        )
        .map_err(arrow_error)
    };
    let ids = |pick: fn(&ChunkOut) -> &IdLists| {
        let total: usize = outs.iter().map(|o| pick(o).ids.len()).sum();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i32);
        let mut texts = Texts::with_capacity(total, total * 16);
        let mut base = 0usize;
        for o in outs {
            let l = pick(o);
            for &end in &l.ends {
                offsets.push(offset(base + end)?);
            }
            base += l.ids.len();
            for &id in &l.ids {
                texts.push(name(id))?;
            }
        }
        list(offsets, texts)
    };
    let hits = ids(|o| &o.hits)?;
    let shadow = ids(|o| &o.shadow)?;
    let incomplete = ids(|o| &o.incomplete)?;
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0i32);
    let mut texts = Texts::with_capacity(0, 0);
    let mut count = 0usize;
    for o in outs {
        // (The entries of a chunk are in row order.)
        let mut cells = o.invalid.iter().peekable();
        for i in 0..o.outcome.len() {
            while let Some((_, e)) = cells.next_if(|(row, _)| *row == i) {
                texts.push(e)?;
                count += 1;
            }
            offsets.push(offset(count)?);
        }
    }
    let invalid = list(offsets, texts)?;
    RecordBatch::try_new(
        result_schema(),
        vec![
            Arc::new(outcome.finish()?),
            Arc::new(Int64Array::from(score)),
            Arc::new(hits),
            Arc::new(shadow),
            Arc::new(incomplete),
            Arc::new(invalid),
            Arc::new(StringArray::new_null(n)),
        ],
    )
    .map_err(arrow_error)
}

/// A string array's offsets and bytes, appended to.
struct Texts {
    offsets: Vec<i32>,
    bytes: Vec<u8>,
}

impl Texts {
    fn with_capacity(items: usize, bytes: usize) -> Texts {
        let mut offsets = Vec::with_capacity(items + 1);
        offsets.push(0);
        Texts {
            offsets,
            bytes: Vec::with_capacity(bytes),
        }
    }

    #[inline]
    fn push(&mut self, s: &str) -> Result<(), FrameError> {
        self.bytes.extend_from_slice(s.as_bytes());
        let end = i32::try_from(self.bytes.len()).map_err(|_| arrow_overflow())?;
        self.offsets.push(end);
        Ok(())
    }

    fn finish(self) -> Result<StringArray, FrameError> {
        StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(self.offsets)),
            self.bytes.into(),
            None,
        )
        .map_err(arrow_error)
    }
}

fn arrow_error(e: arrow_schema::ArrowError) -> FrameError {
    FrameError {
        code: "frame.arrow",
        message: format!("cannot build the result batch: {e}"),
        help: None,
        fields: Vec::new(),
    }
}

fn arrow_overflow() -> FrameError {
    FrameError {
        code: "frame.arrow",
        message: "cannot build the result batch: more list items than Arrow offsets hold"
            .to_string(),
        help: None,
        fields: Vec::new(),
    }
}

/// `code at `path`: message`, the text of an `invalid` entry.
pub fn format_invalid(e: &RecordError) -> String {
    match &e.path {
        Some(p) => format!("{} at `{}`: {}", e.code, p, e.message),
        None => format!("{}: {}", e.code, e.message),
    }
}

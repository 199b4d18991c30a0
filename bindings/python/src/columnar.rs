//! The columnar fast path: Arrow record batches in, one result batch out.
//!
//! Every schema slot whose dotted path equals a column name is read from that column; cells
//! are converted straight to runtime values for the common (field type, Arrow type) pairs and
//! through the core's [`saring::record::convert_json_value`] otherwise, so that values and
//! error messages are those of the JSON decoder. Rows are converted and screened in parallel
//! chunks (rayon); nothing here touches Python.
//!
//! Differences from decoding a dict, both deliberate: a floating-point column may feed an
//! `int` field when the value is integral (pandas turns integer columns with gaps into
//! floats), and a timestamp at midnight may feed a `date` field (pandas has no date dtype).

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema as ArrowSchema, TimeUnit};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use saring::cel::Value;
use saring::record::{convert_json_value, DecodeOptions, RecordBuilder};
use saring::schema::FieldKind;
use saring::{Decision, Engine, Outcome, Record, RecordError, Schema};

/// Rows converted and screened per parallel task.
const CHUNK: usize = 2048;

/// Rows whose full decisions a back-test holds at once.
const BACKTEST_SLICE: usize = 64 * 1024;

/// One cell as read from Arrow, before conversion to the field's type.
enum Raw<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    /// Days since the Unix epoch.
    Date(i64),
    /// Microseconds since the Unix epoch (UTC); nanosecond precision is kept separately.
    Time(DateTime<Utc>),
    /// A list cell: the item array slice.
    List(ArrayRef),
    /// A value saring cannot take from this column type.
    Unsupported(&'a DataType),
}

/// A column resolved to its slot.
struct Plan<'a> {
    slot: u32,
    path: &'a str,
    kind: &'a FieldKind,
    /// The column, read through its dictionary if it has one.
    column: Column<'a>,
}

impl Plan<'_> {
    fn read(&self, row: usize) -> Raw<'_> {
        self.column.read(row)
    }
}

fn read(array: &dyn Array, row: usize) -> Raw<'_> {
    if array.is_null(row) {
        return Raw::Null;
    }
    match array.data_type() {
        DataType::Null => Raw::Null,
        DataType::Boolean => Raw::Bool(array.as_boolean().value(row)),
        DataType::Int8 => Raw::Int(array.as_primitive::<Int8Type>().value(row).into()),
        DataType::Int16 => Raw::Int(array.as_primitive::<Int16Type>().value(row).into()),
        DataType::Int32 => Raw::Int(array.as_primitive::<Int32Type>().value(row).into()),
        DataType::Int64 => Raw::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => Raw::UInt(array.as_primitive::<UInt8Type>().value(row).into()),
        DataType::UInt16 => Raw::UInt(array.as_primitive::<UInt16Type>().value(row).into()),
        DataType::UInt32 => Raw::UInt(array.as_primitive::<UInt32Type>().value(row).into()),
        DataType::UInt64 => Raw::UInt(array.as_primitive::<UInt64Type>().value(row)),
        DataType::Float16 => Raw::Float(array.as_primitive::<Float16Type>().value(row).to_f64()),
        DataType::Float32 => Raw::Float(array.as_primitive::<Float32Type>().value(row).into()),
        DataType::Float64 => Raw::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Raw::Str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Raw::Str(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Raw::Str(array.as_string_view().value(row)),
        DataType::Date32 => Raw::Date(array.as_primitive::<Date32Type>().value(row).into()),
        DataType::Date64 => Raw::Date(
            array
                .as_primitive::<Date64Type>()
                .value(row)
                .div_euclid(86_400_000),
        ),
        DataType::Timestamp(unit, _) => {
            let t = match unit {
                TimeUnit::Second => DateTime::from_timestamp(
                    array.as_primitive::<TimestampSecondType>().value(row),
                    0,
                ),
                TimeUnit::Millisecond => DateTime::from_timestamp_millis(
                    array.as_primitive::<TimestampMillisecondType>().value(row),
                ),
                TimeUnit::Microsecond => DateTime::from_timestamp_micros(
                    array.as_primitive::<TimestampMicrosecondType>().value(row),
                ),
                TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(
                    array.as_primitive::<TimestampNanosecondType>().value(row),
                )),
            };
            match t {
                Some(t) => Raw::Time(t),
                None => Raw::Unsupported(array.data_type()),
            }
        }
        DataType::Dictionary(_, _) => match array.as_any_dictionary_opt() {
            // Slow path (list items): columns are resolved once in `Plan`.
            Some(dict) => match dict.normalized_keys().get(row) {
                Some(&k) if k < dict.values().len() => read(dict.values().as_ref(), k),
                _ => Raw::Null,
            },
            None => Raw::Unsupported(array.data_type()),
        },
        DataType::List(_) => Raw::List(array.as_list::<i32>().value(row)),
        DataType::LargeList(_) => Raw::List(array.as_list::<i64>().value(row)),
        other => Raw::Unsupported(other),
    }
}

fn midnight(days: i64) -> Option<DateTime<Utc>> {
    days.checked_mul(86_400)
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

/// Converts one raw cell to the field's runtime value.
fn convert(kind: &FieldKind, path: &str, raw: Raw<'_>) -> Result<Option<Value>, RecordError> {
    // Fast paths: the common pairs, with exactly the decoder's results.
    match (kind, &raw) {
        (_, Raw::Null) => return Ok(None),
        (FieldKind::String, Raw::Str(s)) => return Ok(Some(Value::String(Arc::from(*s)))),
        (FieldKind::Enum(values), Raw::Str(s)) if values.iter().any(|v| v == s) => {
            return Ok(Some(Value::String(Arc::from(*s))))
        }
        (FieldKind::Int, Raw::Int(i)) => return Ok(Some(Value::Int(*i))),
        (FieldKind::Float, Raw::Int(i)) => return Ok(Some(Value::Double(*i as f64))),
        (FieldKind::Float, Raw::UInt(u)) => return Ok(Some(Value::Double(*u as f64))),
        (FieldKind::Float, Raw::Float(f)) => {
            // NaN is pandas' and polars' missing marker: absent.
            return Ok(if f.is_nan() {
                None
            } else {
                Some(Value::Double(*f))
            });
        }
        (FieldKind::Int, Raw::Float(f)) => {
            if f.is_nan() {
                return Ok(None);
            }
            if f.fract() == 0.0 && *f >= -9.223_372_036_854_776e18 && *f < 9.223_372_036_854_776e18
            {
                return Ok(Some(Value::Int(*f as i64)));
            }
        }
        (FieldKind::Bool, Raw::Bool(b)) => return Ok(Some(Value::Bool(*b))),
        (FieldKind::Date | FieldKind::Timestamp, Raw::Date(d)) => {
            if let Some(t) = midnight(*d) {
                return Ok(Some(Value::Timestamp(t)));
            }
        }
        (FieldKind::Timestamp, Raw::Time(t)) => return Ok(Some(Value::Timestamp(*t))),
        (FieldKind::Date, Raw::Time(t)) => {
            if t.timestamp().rem_euclid(86_400) == 0 && t.timestamp_subsec_nanos() == 0 {
                return Ok(Some(Value::Timestamp(*t)));
            }
            return Err(RecordError::new(
                "record.invalid_value",
                Some(path.to_string()),
                format!(
                    "`{}` is not a date: it has a time of day",
                    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                ),
            ));
        }
        _ => {}
    }
    // Everything else goes through the JSON decoder, for its exact values and errors.
    let json = to_json(raw, path, 0)?;
    convert_json_value(kind, path, &json, DecodeOptions::default())
}

/// A raw cell as JSON, for the decoder.
fn to_json(raw: Raw<'_>, path: &str, depth: usize) -> Result<serde_json::Value, RecordError> {
    use serde_json::Value as J;
    Ok(match raw {
        Raw::Null => J::Null,
        Raw::Bool(b) => J::Bool(b),
        Raw::Int(i) => J::from(i),
        Raw::UInt(u) => J::from(u),
        Raw::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Raw::Str(s) => J::String(s.to_string()),
        Raw::Date(d) => match midnight(d) {
            Some(t) => J::String(t.format("%Y-%m-%d").to_string()),
            None => J::Null,
        },
        Raw::Time(t) => J::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        Raw::List(items) => {
            if depth > 16 {
                return Err(RecordError::new(
                    "record.too_large",
                    Some(path.to_string()),
                    "list column nested too deeply",
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for i in 0..items.len() {
                out.push(to_json(read(items.as_ref(), i), path, depth + 1)?);
            }
            J::Array(out)
        }
        Raw::Unsupported(dt) => {
            return Err(RecordError::new(
                "record.type_mismatch",
                Some(path.to_string()),
                format!("column `{path}` has Arrow type {dt}, which saring cannot read"),
            ))
        }
    })
}

/// Which schema slots the batch's columns feed.
struct Mapping<'a> {
    plans: Vec<Plan<'a>>,
}

fn map_columns<'a>(engine: &'a Engine, batch: &'a RecordBatch) -> Mapping<'a> {
    let schema = engine.schema();
    let arrow_schema = batch.schema_ref();
    let mut plans = Vec::new();
    for (slot, info) in schema.slots.iter().enumerate() {
        if matches!(info.kind, FieldKind::Object(_)) {
            continue;
        }
        if let Ok(idx) = arrow_schema.index_of(&info.path) {
            plans.push(Plan {
                slot: slot as u32,
                path: &info.path,
                kind: &info.kind,
                column: Column::of(batch.column(idx).as_ref()),
            });
        }
    }
    Mapping { plans }
}

fn build_record(schema: &Schema, mapping: &Mapping<'_>, row: usize) -> Record {
    let mut builder = RecordBuilder::new(schema);
    for plan in &mapping.plans {
        match convert(plan.kind, plan.path, plan.read(row)) {
            Ok(value) => builder.set_value(plan.slot, value),
            Err(e) => builder.set_invalid(plan.slot, e),
        }
    }
    // A nested object is present when any of its fields is (the builder marks parents).
    builder.finish()
}

/// Row ranges of at most [`CHUNK`] rows covering `start..end`.
fn chunks(start: usize, end: usize) -> Vec<(usize, usize)> {
    (start..end)
        .step_by(CHUNK)
        .map(|s| (s, (s + CHUNK).min(end)))
        .collect()
}

/// Screens rows `start..end` of a batch, in parallel, returning one full result per row in
/// order (used by the back-test, which needs whole decisions).
pub fn screen_rows(
    engine: &Engine,
    batch: &RecordBatch,
    start: usize,
    end: usize,
) -> Vec<Decision> {
    let mapping = map_columns(engine, batch);
    let schema = engine.schema();
    let per_chunk: Vec<Vec<Decision>> = chunks(start, end.min(batch.num_rows()))
        .par_iter()
        .map(|&(start, end)| {
            (start..end)
                .map(|row| {
                    let record = build_record(schema, &mapping, row);
                    engine.screen(&record)
                })
                .collect()
        })
        .collect();
    per_chunk.into_iter().flatten().collect()
}

/// The columns of the result batch.
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

/// The compact result of one chunk of rows: what the result columns need, nothing more
/// (rule ids as indices into the engine's rules), so full decisions are dropped as soon as
/// they are made.
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
    fn push_ids(&mut self, ids: &[u32]) {
        self.ids.extend_from_slice(ids);
        self.ends.push(self.ids.len());
    }

    fn row(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.ids.get(start..self.ends[i]).unwrap_or(&[])
    }
}

/// Rule index (as in `Engine::rules` and `Summary`) → rule id.
struct RuleIndex {
    names: Vec<String>,
}

impl RuleIndex {
    fn new(engine: &Engine) -> RuleIndex {
        RuleIndex {
            names: engine.rules().iter().map(|r| r.id.clone()).collect(),
        }
    }

    fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("?", String::as_str)
    }
}

fn screen_chunk(engine: &Engine, mapping: &Mapping<'_>, (start, end): (usize, usize)) -> ChunkOut {
    let mut out = ChunkOut::default();
    for row in start..end {
        let record = build_record(engine.schema(), mapping, row);
        // Frames need outcome, score and rule ids: no reasons or evidence rendered.
        let s = engine.screen_summary(&record);
        out.outcome.push(s.outcome);
        out.score.push(s.score);
        out.hits.push_ids(&s.hits.to_vec());
        out.shadow.push_ids(&s.shadow_hits.to_vec());
        out.incomplete.push_ids(&s.incomplete.to_vec());
        for e in record.invalid() {
            out.invalid.push((row - start, format_error(e)));
        }
    }
    out
}

/// Screens a batch and returns the result batch: outcome, score, hits, shadow_hits and
/// incomplete (lists of rule ids), invalid (`code at path: message` for each cell that did not
/// fit its field: the row is still screened, the rules reading that field are incomplete) and
/// error (for rows that could not be read at all; the other columns are null there).
pub fn screen_record_batch(
    engine: &Engine,
    batch: &RecordBatch,
) -> Result<RecordBatch, ArrowError> {
    let mapping = map_columns(engine, batch);
    let index = RuleIndex::new(engine);
    let n = batch.num_rows();
    let outs: Vec<ChunkOut> = chunks(0, n)
        .par_iter()
        .map(|&range| screen_chunk(engine, &mapping, range))
        .collect();
    let mut outcome = StringBuilder::with_capacity(n, n * 6);
    let mut score = Int64Builder::with_capacity(n);
    let mut hits = ListBuilder::new(StringBuilder::new());
    let mut shadow = ListBuilder::new(StringBuilder::new());
    let mut incomplete = ListBuilder::new(StringBuilder::new());
    let mut invalid = ListBuilder::new(StringBuilder::new());
    let mut error = StringBuilder::new();
    let append = |b: &mut ListBuilder<StringBuilder>, ids: &[u32]| {
        for &id in ids {
            b.values().append_value(index.name(id));
        }
        b.append(true);
    };
    // Every row of a batch is screened (a cell that does not fit is listed in `invalid`);
    // `error` is null here and filled only by the row fallback for unreadable rows.
    for out in &outs {
        let mut cells = out.invalid.iter().peekable();
        for (i, o) in out.outcome.iter().enumerate() {
            while let Some((_, e)) = cells.next_if(|(row, _)| *row == i) {
                invalid.values().append_value(e);
            }
            invalid.append(true);
            outcome.append_value(outcome_str(*o));
            score.append_value(out.score.get(i).copied().unwrap_or(0));
            append(&mut hits, out.hits.row(i));
            append(&mut shadow, out.shadow.row(i));
            append(&mut incomplete, out.incomplete.row(i));
            error.append_null();
        }
    }
    RecordBatch::try_new(
        result_schema(),
        vec![
            Arc::new(outcome.finish()),
            Arc::new(score.finish()),
            Arc::new(hits.finish()),
            Arc::new(shadow.finish()),
            Arc::new(incomplete.finish()),
            Arc::new(invalid.finish()),
            Arc::new(error.finish()),
        ],
    )
}

fn outcome_str(o: Outcome) -> &'static str {
    o.as_str()
}

/// `code at path: message`, the text of the error column.
pub fn format_error(e: &RecordError) -> String {
    match &e.path {
        Some(p) => format!("{} at `{}`: {}", e.code, p, e.message),
        None => format!("{}: {}", e.code, e.message),
    }
}

/// A label cell as a boolean: booleans as they are, numbers non-zero, strings
/// `true/t/yes/y/1` and `false/f/no/n/0` (any case); anything else (and null) is `None`.
fn label_value(raw: Raw<'_>) -> Option<bool> {
    match raw {
        Raw::Bool(b) => Some(b),
        Raw::Int(i) => Some(i != 0),
        Raw::UInt(u) => Some(u != 0),
        Raw::Float(f) if !f.is_nan() => Some(f != 0.0),
        Raw::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" => Some(true),
            "false" | "f" | "no" | "n" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A group cell as text (`(missing)` for null).
fn group_value(raw: Raw<'_>) -> String {
    match raw {
        Raw::Null => "(missing)".to_string(),
        Raw::Bool(b) => b.to_string(),
        Raw::Int(i) => i.to_string(),
        Raw::UInt(u) => u.to_string(),
        Raw::Float(f) if f.is_nan() => "(missing)".to_string(),
        Raw::Float(f) => f.to_string(),
        Raw::Str(s) => s.to_string(),
        Raw::Date(d) => {
            midnight(d).map_or_else(|| d.to_string(), |t| t.format("%Y-%m-%d").to_string())
        }
        Raw::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        Raw::List(_) | Raw::Unsupported(_) => "(unsupported)".to_string(),
    }
}

/// A column by name, resolved for reading (dictionary keys normalised once).
struct Column<'a> {
    array: &'a dyn Array,
    /// For dictionary-encoded columns: the keys as indices (computed once) and the values.
    dict: Option<(Vec<usize>, &'a ArrayRef)>,
}

impl<'a> Column<'a> {
    fn find(batch: &'a RecordBatch, name: &str) -> Result<Column<'a>, String> {
        let idx = batch
            .schema_ref()
            .index_of(name)
            .map_err(|_| format!("no column `{name}` in the frame"))?;
        Ok(Column::of(batch.column(idx).as_ref()))
    }

    /// Resolves an array for reading (dictionary keys normalised once).
    fn of(array: &'a dyn Array) -> Column<'a> {
        let dict = array
            .as_any_dictionary_opt()
            .map(|d| (d.normalized_keys(), d.values()));
        Column { array, dict }
    }

    fn read(&self, row: usize) -> Raw<'_> {
        match &self.dict {
            None => read(self.array, row),
            Some((keys, values)) => {
                if self.array.is_null(row) {
                    return Raw::Null;
                }
                match keys.get(row) {
                    Some(&k) if k < values.len() => read(values.as_ref(), k),
                    _ => Raw::Null,
                }
            }
        }
    }
}

/// Back-tests the pack over batches: screens every row (in parallel), reads its label from
/// column `label` and its groups from the `by` columns, and returns the core's report.
pub fn backtest_batches(
    engine: &Engine,
    batches: &[RecordBatch],
    label: &str,
    by: &[String],
) -> Result<saring::backtest::BacktestReport, String> {
    use saring::backtest::{Backtest, BacktestConfig};
    let mut bt = Backtest::new(BacktestConfig::from_pack(engine.pack()));
    for batch in batches {
        let labels = Column::find(batch, label)?;
        let groups = by
            .iter()
            .map(|c| Column::find(batch, c).map(|col| (c.clone(), col)))
            .collect::<Result<Vec<_>, _>>()?;
        // Slices keep memory flat: whole decisions exist for one slice at a time.
        for slice_start in (0..batch.num_rows()).step_by(BACKTEST_SLICE) {
            let slice_end = (slice_start + BACKTEST_SLICE).min(batch.num_rows());
            let results = screen_rows(engine, batch, slice_start, slice_end);
            for (offset, decision) in results.iter().enumerate() {
                let row = slice_start + offset;
                let Some(label) = label_value(labels.read(row)) else {
                    bt.add_error();
                    continue;
                };
                let row_groups: Vec<(String, String)> = groups
                    .iter()
                    .map(|(name, col)| (name.clone(), group_value(col.read(row))))
                    .collect();
                bt.add(decision, label, &row_groups);
            }
        }
    }
    Ok(bt.finish())
}

//! Target `columnar`: the input is one option byte and JSON lines. The lines become an Arrow
//! record batch shaped by the id-pmi schema (struct columns for objects, list columns —
//! lists of structs included — for lists, the protected fields too), and the batch screened
//! through `saring::columnar` must give exactly the decisions of screening each row as a
//! JSON record. The option byte picks the encodings a data frame library produces:
//! dictionary-encoded strings, integers stored as float64 with NaN for gaps (pandas), dates
//! as Arrow `date32`, and one top-level column left out (read as absent).
//!
//! A JSON value that does not fit its column's type becomes a null cell, and is removed from
//! the row that is screened as JSON too: both sides always stand for the same record.

use std::sync::{Arc, OnceLock};

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, ListArray,
    RecordBatch, StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{Field as ArrowField, Fields};
use saring::columnar::{decide_batch, FrameOptions, MissingColumns};
use saring::schema::{Field, FieldKind};
use saring::{DecodeOptions, Engine};
use serde_json::{Map, Value as J};

/// Rows in one batch at most.
const MAX_ROWS: usize = 32;
/// Largest integer a float64 column holds exactly.
const EXACT_FLOAT_INT: i64 = 1 << 53;

fn engines() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        ["departure.toml", "passport.toml"]
            .iter()
            .map(|file| {
                let path = format!("{}/../rules/id-pmi/{file}", env!("CARGO_MANIFEST_DIR"));
                match Engine::load(&path) {
                    Ok(engine) => engine,
                    Err(e) => panic!("`{path}` must load: {}", e.render()),
                }
            })
            .collect()
    })
}

/// How the batch encodes its cells (from the input's first byte).
#[derive(Clone, Copy)]
struct Encoding {
    dictionary_strings: bool,
    float_ints: bool,
    date32_dates: bool,
    /// Leave out this top-level field's column (and read it as absent), if any.
    drop_column: Option<usize>,
}

impl Encoding {
    fn from_byte(b: u8) -> Encoding {
        Encoding {
            dictionary_strings: b & 1 != 0,
            float_ints: b & 2 != 0,
            date32_dates: b & 4 != 0,
            drop_column: (b & 8 != 0).then_some(usize::from(b >> 4)),
        }
    }
}

/// One column: its Arrow array and, per row, the JSON value the cell stands for.
struct Column {
    array: ArrayRef,
    values: Vec<Option<J>>,
}

/// Runs one input.
pub fn run(data: &[u8]) {
    compare(data);
}

/// Runs one input; returns how many rows were compared (over both packs).
fn compare(data: &[u8]) -> usize {
    let Some((&options, text)) = data.split_first() else {
        return 0;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return 0;
    };
    let rows: Vec<J> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<J>(line).ok())
        .filter(J::is_object)
        .take(MAX_ROWS)
        .collect();
    if rows.is_empty() {
        return 0;
    }
    let encoding = Encoding::from_byte(options);
    // The two packs share one schema.
    let fields = &engines()[0].schema().root.fields;
    let dropped = encoding
        .drop_column
        .and_then(|i| fields.get(i))
        .map(|f| f.name.as_str());
    let cells: Vec<Option<&J>> = rows.iter().map(Some).collect();
    let mut columns = Vec::new();
    let mut shown: Vec<Map<String, J>> = vec![Map::new(); rows.len()];
    for field in fields.iter().filter(|f| Some(f.name.as_str()) != dropped) {
        let children: Vec<Option<&J>> = cells
            .iter()
            .map(|c| c.and_then(|row| row.get(&field.name)))
            .collect();
        let column = column(&field.kind, &children, encoding);
        for (row, value) in shown.iter_mut().zip(column.values) {
            if let Some(value) = value {
                row.insert(field.name.clone(), value);
            }
        }
        columns.push((field.name.clone(), column.array));
    }
    let Ok(batch) = RecordBatch::try_from_iter(columns) else {
        panic!("the generated columns must make a batch");
    };
    let frame = FrameOptions::default().missing_columns(if dropped.is_some() {
        MissingColumns::Absent
    } else {
        MissingColumns::Error
    });
    let mut compared = 0;
    for engine in engines() {
        let got = match decide_batch(engine, &batch, &frame) {
            Ok(decisions) => decisions,
            Err(e) => panic!("every column is there, or read as absent: {e}"),
        };
        assert_eq!(got.len(), rows.len(), "one decision per row");
        let records: Vec<Option<saring::Record>> = shown
            .iter()
            .map(|row| {
                engine
                    .decode_value(&J::Object(row.clone()), DecodeOptions::default())
                    .ok()
            })
            .collect();
        // With windowed aggregates the frame is one batch: the rows' decisions are those of
        // the same rows screened as one batch (when every row decodes, so the histories match).
        let expected: Vec<Option<String>> = if engine.has_aggregates() {
            let Some(batch) = records.iter().cloned().collect::<Option<Vec<_>>>() else {
                continue;
            };
            engine
                .screen_batch(&batch)
                .iter()
                .map(|d| Some(d.to_json()))
                .collect()
        } else {
            records
                .iter()
                .map(|r| r.as_ref().map(|r| engine.screen(r).to_json()))
                .collect()
        };
        for ((decision, row), want) in got.iter().zip(&shown).zip(expected) {
            let Some(want) = want else {
                continue;
            };
            assert_eq!(
                decision.to_json(),
                want,
                "the frame and the row disagree on {}",
                J::Object(row.clone())
            );
            compared += 1;
        }
    }
    compared
}

/// The column for `kind` over `cells` (`None`: no value, or the parent is absent).
fn column(kind: &FieldKind, cells: &[Option<&J>], encoding: Encoding) -> Column {
    match kind {
        FieldKind::String | FieldKind::Enum(_) | FieldKind::Timestamp => {
            strings(cells, encoding.dictionary_strings)
        }
        FieldKind::Date if encoding.date32_dates => dates(cells),
        FieldKind::Date => strings(cells, false),
        FieldKind::Int if encoding.float_ints => {
            let values: Vec<Option<i64>> = cells
                .iter()
                .map(|c| c.and_then(J::as_i64).filter(|i| i.abs() <= EXACT_FLOAT_INT))
                .collect();
            Column {
                // pandas: an int column with gaps is float64 with NaN
                array: Arc::new(Float64Array::from_iter_values(
                    values.iter().map(|v| v.map_or(f64::NAN, |i| i as f64)),
                )),
                values: values.into_iter().map(|v| v.map(J::from)).collect(),
            }
        }
        FieldKind::Int => {
            let values: Vec<Option<i64>> = cells.iter().map(|c| c.and_then(J::as_i64)).collect();
            Column {
                array: Arc::new(Int64Array::from(values.clone())),
                values: values.into_iter().map(|v| v.map(J::from)).collect(),
            }
        }
        FieldKind::Float => {
            let values: Vec<Option<f64>> = cells.iter().map(|c| c.and_then(J::as_f64)).collect();
            Column {
                array: Arc::new(Float64Array::from(values.clone())),
                values: values.into_iter().map(|v| v.map(J::from)).collect(),
            }
        }
        FieldKind::Bool => {
            let values: Vec<Option<bool>> = cells.iter().map(|c| c.and_then(J::as_bool)).collect();
            Column {
                array: Arc::new(BooleanArray::from(values.clone())),
                values: values.into_iter().map(|v| v.map(J::Bool)).collect(),
            }
        }
        FieldKind::Object(object) => structs(&object.fields, cells, encoding),
        FieldKind::List(item) => lists(item, cells, encoding),
    }
}

fn strings(cells: &[Option<&J>], dictionary: bool) -> Column {
    let values: Vec<Option<&str>> = cells.iter().map(|c| c.and_then(J::as_str)).collect();
    let array: ArrayRef = if dictionary {
        Arc::new(
            values
                .iter()
                .copied()
                .collect::<DictionaryArray<Int32Type>>(),
        )
    } else {
        Arc::new(StringArray::from(values.clone()))
    };
    Column {
        array,
        values: values.into_iter().map(|v| v.map(J::from)).collect(),
    }
}

/// `date32` cells from `YYYY-MM-DD` strings; any other string is left out.
fn dates(cells: &[Option<&J>]) -> Column {
    let days: Vec<Option<(i32, &str)>> = cells
        .iter()
        .map(|c| {
            c.and_then(J::as_str)
                .and_then(|s| Some((days_from_civil(s)?, s)))
        })
        .collect();
    Column {
        array: Arc::new(Date32Array::from(
            days.iter().map(|d| d.map(|(n, _)| n)).collect::<Vec<_>>(),
        )),
        values: days.iter().map(|d| d.map(|(_, s)| J::from(s))).collect(),
    }
}

/// Days since 1970-01-01 of a strict `YYYY-MM-DD` date (proleptic Gregorian).
fn days_from_civil(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

fn structs(fields: &[Field], cells: &[Option<&J>], encoding: Encoding) -> Column {
    let present: Vec<bool> = cells.iter().map(|c| c.is_some_and(J::is_object)).collect();
    let mut values: Vec<Option<Map<String, J>>> =
        present.iter().map(|&p| p.then(Map::new)).collect();
    let mut arrow_fields = Vec::new();
    let mut arrays = Vec::new();
    for field in fields {
        let children: Vec<Option<&J>> = cells
            .iter()
            .map(|c| c.and_then(J::as_object).and_then(|o| o.get(&field.name)))
            .collect();
        let child = column(&field.kind, &children, encoding);
        for (object, value) in values.iter_mut().zip(child.values) {
            if let (Some(object), Some(value)) = (object, value) {
                object.insert(field.name.clone(), value);
            }
        }
        arrow_fields.push(ArrowField::new(
            &field.name,
            child.array.data_type().clone(),
            true,
        ));
        arrays.push(child.array);
    }
    let nulls = NullBuffer::from(present);
    let array = if arrow_fields.is_empty() {
        StructArray::new_empty_fields(cells.len(), Some(nulls))
    } else {
        match StructArray::try_new(Fields::from(arrow_fields), arrays, Some(nulls)) {
            Ok(array) => array,
            Err(e) => panic!("a struct column: {e}"),
        }
    };
    Column {
        array: Arc::new(array),
        values: values.into_iter().map(|o| o.map(J::Object)).collect(),
    }
}

fn lists(item: &FieldKind, cells: &[Option<&J>], encoding: Encoding) -> Column {
    let arrays: Vec<Option<&Vec<J>>> = cells.iter().map(|c| c.and_then(J::as_array)).collect();
    let items: Vec<Option<&J>> = arrays
        .iter()
        .flatten()
        .flat_map(|a| a.iter().map(|v| (!v.is_null()).then_some(v)))
        .collect();
    let child = column(item, &items, encoding);
    let mut child_values = child.values.into_iter();
    let values: Vec<Option<J>> = arrays
        .iter()
        .map(|a| {
            a.map(|a| {
                J::Array(
                    (0..a.len())
                        .map(|_| child_values.next().flatten().unwrap_or(J::Null))
                        .collect(),
                )
            })
        })
        .collect();
    let offsets = OffsetBuffer::from_lengths(arrays.iter().map(|a| a.map_or(0, Vec::len)));
    let nulls = NullBuffer::from(arrays.iter().map(Option::is_some).collect::<Vec<_>>());
    let field = Arc::new(ArrowField::new(
        "item",
        child.array.data_type().clone(),
        true,
    ));
    let array = match ListArray::try_new(field, offsets, child.array, Some(nulls)) {
        Ok(array) => array,
        Err(e) => panic!("a list column: {e}"),
    };
    Column {
        array: Arc::new(array),
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::{compare, days_from_civil};

    /// The example applications, in every encoding, are compared row by row.
    #[test]
    fn examples_are_compared_in_every_encoding() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/id-pmi/examples/departures.jsonl"
        );
        let lines = std::fs::read_to_string(path).expect("the examples are in the repository");
        let lines: Vec<&str> = lines.lines().take(20).collect();
        for encoding in 0..=255u8 {
            let mut data = vec![encoding];
            data.extend_from_slice(lines.join("\n").as_bytes());
            // Dropping a column may drop one the pack reads: still every row is compared.
            assert_eq!(compare(&data), 2 * lines.len(), "encoding {encoding}");
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil("1970-01-01"), Some(0));
        assert_eq!(days_from_civil("2024-02-29"), Some(19_782));
        assert_eq!(days_from_civil("2023-02-29"), None);
        assert_eq!(days_from_civil("1969-12-31"), Some(-1));
        assert_eq!(days_from_civil("2024-1-01"), None);
    }
}

//! Reading Arrow cells: one cell of a column becomes a [`Raw`] value, which is written into a
//! record through the core's [`RecordBuilder`] (scalars through the one conversion table,
//! lists and objects as the JSON decoder reads them), so values and error messages are those
//! of every other front door.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, LargeStringArray, StringArray,
    StringViewArray, StructArray,
};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::RecordError;
use crate::limits::MAX_RECORD_DEPTH;
use crate::record::{Coercion, RecordBuilder, Scalar};
use crate::schema::FieldKind;

/// One cell as read from Arrow, before conversion to the field's type.
pub(crate) enum Raw<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    /// Days since the Unix epoch.
    Date(i64),
    /// An instant (nanosecond precision kept).
    Time(DateTime<Utc>),
    /// A list cell: the slice of the item array.
    List(ArrayRef),
    /// A struct cell: the struct array and the row.
    Struct(&'a StructArray, usize),
    /// A value saring cannot take from this column type.
    Unsupported(&'a DataType),
}

/// Reads one cell of any array (dictionaries through their values).
pub(crate) fn read(array: &dyn Array, row: usize) -> Raw<'_> {
    if row >= array.len() || array.is_null(row) {
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
            t.map_or(Raw::Unsupported(array.data_type()), Raw::Time)
        }
        DataType::Dictionary(_, _) => match array.as_any_dictionary_opt() {
            // An empty dictionary has only null cells (and arrow's key normalisation
            // asserts against it).
            Some(dict) if dict.values().is_empty() => Raw::Null,
            // List items take this path; top-level columns resolve their keys once.
            Some(dict) => match dict.normalized_keys().get(row) {
                Some(&k) => read(dict.values().as_ref(), k),
                None => Raw::Null,
            },
            None => Raw::Unsupported(array.data_type()),
        },
        DataType::List(_) => Raw::List(array.as_list::<i32>().value(row)),
        DataType::LargeList(_) => Raw::List(array.as_list::<i64>().value(row)),
        DataType::FixedSizeList(_, _) => Raw::List(array.as_fixed_size_list().value(row)),
        DataType::Struct(_) => Raw::Struct(array.as_struct(), row),
        other => Raw::Unsupported(other),
    }
}

/// A column resolved for reading: the array, the struct columns it sits in (a null struct
/// cell makes its fields absent) and, for dictionary-encoded columns, the keys as indices
/// (computed once).
pub(crate) struct Column<'a> {
    array: &'a dyn Array,
    ancestors: Vec<&'a dyn Array>,
    dict: Option<(Vec<usize>, &'a ArrayRef)>,
}

impl<'a> Column<'a> {
    pub(crate) fn new(array: &'a dyn Array, ancestors: Vec<&'a dyn Array>) -> Column<'a> {
        // An empty dictionary (every cell null) is read cell by cell, as null.
        let dict = array
            .as_any_dictionary_opt()
            .filter(|d| !d.values().is_empty())
            .map(|d| (d.normalized_keys(), d.values()));
        Column {
            array,
            ancestors,
            dict,
        }
    }

    /// The column's Arrow type (dictionary types as such).
    pub(crate) fn data_type(&self) -> &DataType {
        self.array.data_type()
    }

    /// The struct columns around this one.
    pub(crate) fn ancestors(&self) -> &[&'a dyn Array] {
        &self.ancestors
    }

    /// Whether a struct column around this one is null in `row` (the cell reads as null).
    #[inline]
    pub(crate) fn hidden(&self, row: usize) -> bool {
        self.ancestors.iter().any(|a| a.is_null(row))
    }

    /// The column as a typed array, for the common types read cell by cell without
    /// [`read`]'s dispatch (ancestors not included: see [`Column::hidden`]).
    pub(crate) fn typed(&self) -> Typed<'_> {
        if let Some((keys, values)) = &self.dict {
            return match Text::of(values.as_ref()) {
                Some(text) => Typed::Dict(self.array, keys, text),
                None => Typed::Other,
            };
        }
        let a = self.array;
        match a.data_type() {
            DataType::Boolean => Typed::Bool(a.as_boolean()),
            DataType::Int64 => Typed::Int(a.as_primitive::<Int64Type>()),
            DataType::Float64 => Typed::Float(a.as_primitive::<Float64Type>()),
            _ => Text::of(a).map_or(Typed::Other, Typed::Text),
        }
    }

    pub(crate) fn read(&self, row: usize) -> Raw<'_> {
        if self.hidden(row) {
            return Raw::Null;
        }
        match &self.dict {
            None => read(self.array, row),
            Some((keys, values)) => {
                if self.array.is_null(row) {
                    return Raw::Null;
                }
                match keys.get(row) {
                    Some(&k) => read(values.as_ref(), k),
                    None => Raw::Null,
                }
            }
        }
    }
}

/// A column of one of the common types (see [`Column::typed`]).
pub(crate) enum Typed<'a> {
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    Float(&'a Float64Array),
    Text(Text<'a>),
    /// A dictionary of text: the dictionary array (for its nulls), its keys, its values.
    Dict(&'a dyn Array, &'a [usize], Text<'a>),
    Other,
}

/// A text array of any offset width.
#[derive(Clone, Copy)]
pub(crate) enum Text<'a> {
    Small(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Text<'a> {
    fn of(a: &'a dyn Array) -> Option<Text<'a>> {
        match a.data_type() {
            DataType::Utf8 => Some(Text::Small(a.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Text::Large(a.as_string::<i64>())),
            DataType::Utf8View => Some(Text::View(a.as_string_view())),
            _ => None,
        }
    }

    /// The number of cells.
    pub(crate) fn len(self) -> usize {
        match self {
            Text::Small(a) => a.len(),
            Text::Large(a) => a.len(),
            Text::View(a) => a.len(),
        }
    }

    /// The text of a cell, `None` for null (or out of range).
    #[inline]
    pub(crate) fn get(self, row: usize) -> Option<&'a str> {
        let array: &dyn Array = match self {
            Text::Small(a) => a,
            Text::Large(a) => a,
            Text::View(a) => a,
        };
        // The bound first: a null buffer asserts it.
        if row >= array.len() || array.is_null(row) {
            return None;
        }
        Some(match self {
            Text::Small(a) => a.value(row),
            Text::Large(a) => a.value(row),
            Text::View(a) => a.value(row),
        })
    }
}

fn date(days: i64) -> Option<NaiveDate> {
    let days = i32::try_from(days).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

/// What one cell means for its slot, before it is written (see [`interpret`]).
pub(crate) enum Meaning<'a> {
    /// Null: the field is absent.
    Absent,
    /// A struct cell for an object: the object is present.
    Present,
    /// A scalar for the core's conversion table.
    Scalar(Scalar<'a>),
    /// A list or struct, as the JSON decoder reads it.
    Json(serde_json::Value),
    /// Cannot be read (an out-of-range date, an Arrow type saring cannot take).
    Invalid(RecordError),
}

/// Reads one cell for a slot of kind `kind`: scalars for the conversion table (with the
/// DataFrame coercions), lists and structs as JSON, a struct cell for an object as presence.
pub(crate) fn interpret<'a>(kind: &FieldKind, path: &str, raw: Raw<'a>) -> Meaning<'a> {
    let scalar = match raw {
        Raw::Null => return Meaning::Absent,
        Raw::Bool(b) => Scalar::Bool(b),
        Raw::Int(i) => Scalar::Int(i),
        Raw::UInt(u) => Scalar::UInt(u),
        Raw::Float(f) => Scalar::Float(f),
        Raw::Str(s) => Scalar::Str(s),
        Raw::Date(d) => match date(d) {
            Some(d) => Scalar::Date(d),
            None => {
                let message = format!("date {d} days from 1970-01-01 is out of range");
                let error = RecordError::new("record.invalid_value", Some(path.into()), message);
                return Meaning::Invalid(error);
            }
        },
        Raw::Time(t) => Scalar::Timestamp(t),
        Raw::Struct(..) if matches!(kind, FieldKind::Object(_)) => return Meaning::Present,
        raw @ (Raw::List(_) | Raw::Struct(..) | Raw::Unsupported(_)) => {
            return match to_json(raw, path, 0) {
                Ok(json) => Meaning::Json(json),
                Err(e) => Meaning::Invalid(e),
            };
        }
    };
    if matches!(kind, FieldKind::List(_)) {
        // As the JSON decoder: a scalar where a list is expected.
        return match to_json(read_scalar(scalar), path, 0) {
            Ok(json) => Meaning::Json(json),
            Err(_) => Meaning::Absent,
        };
    }
    Meaning::Scalar(scalar)
}

/// Writes one cell into its slot: scalars convert through the core's table (with the
/// DataFrame coercions: NaN is absent, integral floats fit ints), lists and structs as the
/// JSON decoder reads the same value, and a struct cell marks its object present.
pub(crate) fn write(
    builder: &mut RecordBuilder<'_>,
    slot: u32,
    kind: &FieldKind,
    path: &str,
    raw: Raw<'_>,
) {
    match interpret(kind, path, raw) {
        Meaning::Absent => {}
        Meaning::Present => builder.mark_present(slot),
        Meaning::Scalar(scalar) => builder.set(slot, scalar, Coercion::FRAME),
        Meaning::Json(json) => builder.set_json(slot, &json),
        Meaning::Invalid(e) => builder.set_invalid(slot, e),
    }
}

fn read_scalar(scalar: Scalar<'_>) -> Raw<'_> {
    match scalar {
        Scalar::Null => Raw::Null,
        Scalar::Bool(b) => Raw::Bool(b),
        Scalar::Int(i) => Raw::Int(i),
        Scalar::UInt(u) => Raw::UInt(u),
        Scalar::Float(f) => Raw::Float(f),
        Scalar::Str(s) => Raw::Str(s),
        Scalar::Date(d) => Raw::Date(i64::from(d.num_days_from_ce()) - 719_163),
        Scalar::Timestamp(t) => Raw::Time(t),
    }
}

/// A cell as JSON, for the decoder: list items and struct fields as a JSON record would
/// hold them (dates as `YYYY-MM-DD`, timestamps as RFC 3339, NaN as `null`).
pub(crate) fn to_json(
    raw: Raw<'_>,
    path: &str,
    depth: usize,
) -> Result<serde_json::Value, RecordError> {
    use serde_json::Value as J;
    if depth > MAX_RECORD_DEPTH {
        return Err(RecordError::new(
            "record.too_large",
            Some(path.to_string()),
            format!("column `{path}` is nested deeper than {MAX_RECORD_DEPTH} levels"),
        ));
    }
    Ok(match raw {
        Raw::Null => J::Null,
        Raw::Bool(b) => J::Bool(b),
        Raw::Int(i) => J::from(i),
        Raw::UInt(u) => J::from(u),
        Raw::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Raw::Str(s) => J::String(s.to_string()),
        Raw::Date(d) => match date(d) {
            Some(d) => J::String(d.format("%Y-%m-%d").to_string()),
            None => J::Null,
        },
        Raw::Time(t) => J::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        Raw::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in 0..items.len() {
                out.push(to_json(read(items.as_ref(), i), path, depth + 1)?);
            }
            J::Array(out)
        }
        Raw::Struct(array, row) => {
            let mut out = serde_json::Map::with_capacity(array.num_columns());
            for (field, child) in array.fields().iter().zip(array.columns()) {
                let value = to_json(read(child.as_ref(), row), path, depth + 1)?;
                out.insert(field.name().clone(), value);
            }
            J::Object(out)
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

/// A label cell as a boolean: booleans as they are, numbers non-zero, strings
/// `true/t/yes/y/1` and `false/f/no/n/0` (any case); anything else (and null) is `None`.
pub(crate) fn label_value(raw: Raw<'_>) -> Option<bool> {
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
pub(crate) fn group_value(raw: Raw<'_>) -> String {
    match raw {
        Raw::Null => "(missing)".to_string(),
        Raw::Bool(b) => b.to_string(),
        Raw::Int(i) => i.to_string(),
        Raw::UInt(u) => u.to_string(),
        Raw::Float(f) if f.is_nan() => "(missing)".to_string(),
        Raw::Float(f) => f.to_string(),
        Raw::Str(s) => s.to_string(),
        Raw::Date(d) => date(d).map_or_else(|| d.to_string(), |d| d.format("%Y-%m-%d").to_string()),
        Raw::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        Raw::List(_) | Raw::Struct(..) | Raw::Unsupported(_) => "(unsupported)".to_string(),
    }
}

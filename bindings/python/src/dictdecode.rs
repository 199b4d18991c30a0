//! Decoding Python dicts straight into records, without building a `serde_json::Value`.
//!
//! The fast path handles what records usually are — a dict of scalars and nested dicts whose
//! Python types match the schema. Anything else (a type mismatch, a list field, an unknown key
//! holding a container, a non-dict record, a date given as a `datetime.date`) falls back to the
//! exact path: the whole record is converted to JSON and decoded by the core decoder, so values
//! and errors (code, path, message, which error comes first) are the decoder's own.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use saring::cel::Value;
use saring::record::{convert_json_value, DecodeOptions};
use saring::schema::{FieldKind, ObjectType};
use saring::{Engine, Record, RecordError};

use crate::pyconv::{py_to_json, ConvError};

/// Why a record could not be decoded.
pub enum DecodeFailure {
    /// The Python object has no JSON form.
    Conv(ConvError),
    /// The record does not fit the schema.
    Record(RecordError),
}

/// Decodes a Python record (normally a dict) against the engine's schema.
pub fn decode(engine: &Engine, obj: &Bound<'_, PyAny>) -> Result<Record, DecodeFailure> {
    if let Ok(dict) = obj.cast::<PyDict>() {
        let schema = engine.schema();
        let mut record = Record::empty(schema.slots.len());
        if fill(&schema.root, dict, &mut record).is_some() {
            return Ok(record);
        }
    }
    exact(engine, obj)
}

/// The exact path: JSON value, then the core decoder.
fn exact(engine: &Engine, obj: &Bound<'_, PyAny>) -> Result<Record, DecodeFailure> {
    let value = py_to_json(obj).map_err(DecodeFailure::Conv)?;
    engine
        .decode_value(&value, DecodeOptions::default())
        .map_err(DecodeFailure::Record)
}

/// Fills the record from a dict; `None` means "take the exact path".
fn fill(obj: &ObjectType, dict: &Bound<'_, PyDict>, record: &mut Record) -> Option<()> {
    for (key, value) in dict.iter() {
        let key = key.cast::<PyString>().ok()?;
        let name = key.to_str().ok()?;
        let Some(field) = obj.field(name) else {
            // Unknown fields are ignored; containers need the decoder's depth check.
            if value.is_instance_of::<PyDict>()
                || value.is_instance_of::<pyo3::types::PyList>()
                || value.is_instance_of::<pyo3::types::PyTuple>()
            {
                return None;
            }
            continue;
        };
        if value.is_none() {
            continue;
        }
        match &field.kind {
            FieldKind::Object(child) => {
                let slot = field.slot?;
                let inner = value.cast::<PyDict>().ok()?;
                record.set(slot, Some(Value::Bool(true)));
                fill(child, inner, record)?;
            }
            FieldKind::List(_) => return None,
            kind => {
                let slot = field.slot?;
                let v = scalar(kind, &field.path, &value)?;
                record.set(slot, Some(v));
            }
        }
    }
    Some(())
}

/// A scalar whose Python type fits the field, converted exactly as the decoder would.
fn scalar(kind: &FieldKind, path: &str, value: &Bound<'_, PyAny>) -> Option<Value> {
    if let Ok(b) = value.cast::<PyBool>() {
        return match kind {
            FieldKind::Bool => Some(Value::Bool(b.is_true())),
            _ => None,
        };
    }
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_str().ok()?;
        return match kind {
            FieldKind::String => Some(Value::String(Arc::from(s))),
            FieldKind::Enum(values) if values.iter().any(|v| v == s) => {
                Some(Value::String(Arc::from(s)))
            }
            FieldKind::Date | FieldKind::Timestamp => {
                let json = serde_json::Value::String(s.to_string());
                convert_json_value(kind, path, &json, DecodeOptions::default())
                    .ok()
                    .flatten()
            }
            _ => None,
        };
    }
    if let Ok(i) = value.cast::<PyInt>() {
        let i = i.extract::<i64>().ok()?;
        return match kind {
            FieldKind::Int => Some(Value::Int(i)),
            FieldKind::Float => Some(Value::Double(i as f64)),
            _ => None,
        };
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let f = f.value();
        return match kind {
            FieldKind::Float if !f.is_nan() => Some(Value::Double(f)),
            _ => None,
        };
    }
    None
}

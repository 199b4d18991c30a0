//! Decoding Python dicts straight into records through the core `RecordBuilder`, without
//! building a `serde_json::Value`, and measuring the record's size on the same walk.
//!
//! The fast path handles what records usually are — a dict of scalars and nested dicts whose
//! Python types fit the schema, and list fields holding lists of those (converted item by
//! item by the core's JSON value decoder). Anything else (a value that does not fit, an
//! unknown key holding a container, a tuple, a non-dict record, a date given as a `datetime.date`, a
//! record over the size limit) takes the exact path: the size check of
//! [`crate::streaming::check_size`], then the whole record converted to JSON and decoded by the
//! core decoder, so values and errors (code, path, message, which error comes first) are the
//! decoder's own.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use saring::limits::{MAX_RECORD_BYTES, MAX_RECORD_DEPTH};
use saring::record::{Coercion, DecodeOptions, RecordBuilder, Scalar};
use saring::schema::{Field, FieldKind, ObjectType};
use saring::{Engine, Record, RecordError, UnknownFields};

use crate::pyconv::{py_to_json, ConvError};
use crate::streaming::check_size;

/// Why a record could not be decoded.
pub enum DecodeFailure {
    /// The Python object has no JSON form.
    Conv(ConvError),
    /// The record does not fit the schema (or is over the size limit).
    Record(RecordError),
}

/// Decodes a Python record (normally a dict) against the engine's schema, refusing one over
/// the size limit (`record.too_large`) first. Under `options`, a key the schema does not
/// declare is ignored, reported or rejected (a record holding one then takes the exact path,
/// so that it is named or refused exactly as the core decoder does).
pub fn decode(
    engine: &Engine,
    obj: &Bound<'_, PyAny>,
    options: DecodeOptions,
) -> Result<Record, DecodeFailure> {
    if let Ok(dict) = obj.cast::<PyDict>() {
        let schema = engine.schema();
        let mut builder = RecordBuilder::new(schema);
        let mut size = 0usize;
        let walk = Walk {
            unknown_ok: options.unknown_fields == UnknownFields::Ignore,
        };
        if walk
            .fill(&schema.root, dict, &mut builder, &mut size, 1)
            .is_some()
            && size <= MAX_RECORD_BYTES
        {
            let record = builder.finish();
            if record.invalid().next().is_none() {
                return Ok(record);
            }
        }
    }
    exact(engine, obj, options)
}

/// The exact path: size check, JSON value, then the core decoder.
fn exact(
    engine: &Engine,
    obj: &Bound<'_, PyAny>,
    options: DecodeOptions,
) -> Result<Record, DecodeFailure> {
    check_size(obj).map_err(DecodeFailure::Record)?;
    let value = py_to_json(obj).map_err(DecodeFailure::Conv)?;
    engine
        .decode_value(&value, options)
        .map_err(DecodeFailure::Record)
}

/// How the fast path walks a dict.
#[derive(Clone, Copy)]
struct Walk {
    /// Unknown keys are skipped (else a record holding one takes the exact path).
    unknown_ok: bool,
}

/// The field named `name`, trying the one after the previous match first (dicts usually list
/// their keys in schema order).
fn lookup<'o>(obj: &'o ObjectType, name: &str, next: &mut usize) -> Option<&'o Field> {
    let fields = &obj.fields;
    let index = match fields.get(*next) {
        Some(f) if f.name == name => *next,
        _ => fields.iter().position(|f| f.name == name)?,
    };
    *next = index + 1;
    fields.get(index)
}

impl Walk {
    /// Fills the builder from a dict, adding to `size` what [`check_size`] counts (key and string
    /// lengths, 8 bytes per other value); `None` means "take the exact path".
    fn fill(
        self,
        obj: &ObjectType,
        dict: &Bound<'_, PyDict>,
        builder: &mut RecordBuilder<'_>,
        size: &mut usize,
        depth: usize,
    ) -> Option<()> {
        let mut next = 0;
        for (key, value) in dict.iter() {
            let name = key.cast::<PyString>().ok()?.to_str().ok()?;
            *size += name.len();
            let field = match lookup(obj, name, &mut next) {
                Some(field) if !field.protected => field,
                // Unknown and protected fields are skipped; a container is walked for its size,
                // and takes the exact path when deep enough for the decoder's depth check or when
                // it holds a value with no plain JSON form. An unknown key to report or reject
                // takes the exact path.
                None if !self.unknown_ok => return None,
                _ => {
                    if value.is_instance_of::<PyDict>()
                        || value.is_instance_of::<PyList>()
                        || value.is_instance_of::<PyTuple>()
                    {
                        skipped(&value, depth + 1, size)?;
                    } else {
                        *size += scalar_size(&value);
                    }
                    continue;
                }
            };
            if value.is_none() {
                *size += 8;
                continue;
            }
            match &field.kind {
                FieldKind::Object(child) => {
                    let slot = field.slot?;
                    let inner = value.cast::<PyDict>().ok()?;
                    builder.mark_present(slot);
                    self.fill(child, inner, builder, size, depth + 1)?;
                }
                FieldKind::List(_) => {
                    let slot = field.slot?;
                    let list = value.cast::<PyList>().ok()?;
                    let json = list_json(list, 0, size)?;
                    builder.set_json(slot, &json);
                }
                _ => {
                    let slot = field.slot?;
                    match &value {
                        v if v.is_instance_of::<PyString>() => {
                            let s = v.cast::<PyString>().ok()?.to_str().ok()?;
                            *size += s.len();
                            builder.set(slot, Scalar::Str(s), Coercion::JSON);
                        }
                        v => {
                            *size += 8;
                            builder.set(slot, scalar(v)?, Coercion::JSON);
                        }
                    }
                }
            }
        }
        Some(())
    }
}

/// How deep a list field's value may nest on the fast path (deeper ones take the exact path,
/// which applies the decoder's depth limit).
const LIST_DEPTH: usize = 8;

/// A list field's value as the JSON value `py_to_json` gives, adding to `size` what
/// [`check_size`] counts; `None` (take the exact path) for anything but lists, dicts with
/// str keys, str, bool, int in `i64`, finite floats and `None`. The value is then decoded by
/// the core's JSON value decoder, so items convert exactly as in a JSON record.
fn list_json(
    list: &Bound<'_, PyList>,
    depth: usize,
    size: &mut usize,
) -> Option<serde_json::Value> {
    if depth > LIST_DEPTH {
        return None;
    }
    let mut items = Vec::with_capacity(list.len());
    for item in list.iter() {
        items.push(item_json(&item, depth + 1, size)?);
    }
    Some(serde_json::Value::Array(items))
}

fn item_json(
    value: &Bound<'_, PyAny>,
    depth: usize,
    size: &mut usize,
) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_str().ok()?;
        *size += s.len();
        return Some(J::String(s.to_string()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        if depth > LIST_DEPTH {
            return None;
        }
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let k = k.cast::<PyString>().ok()?.to_str().ok()?;
            *size += k.len();
            map.insert(k.to_string(), item_json(&v, depth + 1, size)?);
        }
        return Some(J::Object(map));
    }
    if let Ok(l) = value.cast::<PyList>() {
        return list_json(l, depth, size);
    }
    *size += 8;
    if value.is_none() {
        return Some(J::Null);
    }
    match scalar(value)? {
        Scalar::Bool(b) => Some(J::Bool(b)),
        Scalar::Int(i) => Some(J::Number(i.into())),
        Scalar::Float(f) => serde_json::Number::from_f64(f).map(J::Number),
        _ => None,
    }
}

/// Adds to `size` what [`check_size`] counts for a skipped value (an unknown field's), at
/// nesting depth `depth` (the record is 1); `None` (take the exact path) for a container near
/// the decoder's depth limit, a tuple, or a value other than dicts with str keys, lists, str,
/// bool, int in `i64`, finite floats and `None`.
fn skipped(value: &Bound<'_, PyAny>, depth: usize, size: &mut usize) -> Option<()> {
    if let Ok(s) = value.cast::<PyString>() {
        *size += s.to_str().ok()?.len();
        return Some(());
    }
    if let Ok(d) = value.cast::<PyDict>() {
        if depth + 2 > MAX_RECORD_DEPTH {
            return None;
        }
        for (k, v) in d.iter() {
            *size += k.cast::<PyString>().ok()?.to_str().ok()?.len();
            skipped(&v, depth + 1, size)?;
        }
        return Some(());
    }
    if let Ok(l) = value.cast::<PyList>() {
        if depth + 2 > MAX_RECORD_DEPTH {
            return None;
        }
        for v in l.iter() {
            skipped(&v, depth + 1, size)?;
        }
        return Some(());
    }
    *size += 8;
    if value.is_none() {
        return Some(());
    }
    match scalar(value)? {
        Scalar::Float(f) if !f.is_finite() => None,
        _ => Some(()),
    }
}

/// A non-string Python scalar as the JSON reading of it (`py_to_json`) would see it.
fn scalar<'a>(value: &Bound<'_, PyAny>) -> Option<Scalar<'a>> {
    // `bool` before `int`: bool is a subclass of int in Python.
    if let Ok(b) = value.cast::<PyBool>() {
        return Some(Scalar::Bool(b.is_true()));
    }
    if let Ok(i) = value.cast::<PyInt>() {
        return i.extract::<i64>().ok().map(Scalar::Int);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let f = f.value();
        // NaN is absent in the JSON reading; the exact path handles it.
        return (!f.is_nan()).then_some(Scalar::Float(f));
    }
    None
}

/// What [`check_size`] counts for a value that is not a container.
fn scalar_size(value: &Bound<'_, PyAny>) -> usize {
    if let Ok(s) = value.cast::<PyString>() {
        s.to_cow().map_or(0, |s| s.len())
    } else if let Ok(b) = value.cast::<PyBytes>() {
        b.as_bytes().len()
    } else {
        8
    }
}

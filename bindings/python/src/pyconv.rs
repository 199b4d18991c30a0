//! Conversions between Python objects and `serde_json::Value`, walked directly through the
//! object graph (no JSON text in between), with a nesting limit so hostile input cannot
//! exhaust the stack.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deepest nesting of lists and objects accepted from Python (records and pack dicts).
pub const MAX_DEPTH: usize = 64;

/// Why a Python object could not become JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvError {
    /// `record.type_mismatch` (unsupported Python type) or `record.too_large` (nesting).
    pub code: &'static str,
    /// Dotted path of the offending value (empty for the root).
    pub path: String,
    /// Human message.
    pub message: String,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Converts a Python object (dict, list, tuple, str, int, float, bool, None, date, datetime,
/// or anything with `isoformat()`) into a JSON value.
pub fn py_to_json(obj: &Bound<'_, PyAny>) -> Result<Value, ConvError> {
    to_json(obj, "", 0)
}

fn to_json(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, ConvError> {
    if depth > MAX_DEPTH {
        return Err(ConvError {
            code: "record.too_large",
            path: path.to_string(),
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
        });
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // `bool` before `int`: bool is a subclass of int in Python.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_str()
            .map(|s| Value::String(s.to_string()))
            .map_err(|_| mismatch(path, "a string that is not valid UTF-8"));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::Number(v.into()));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::Number(v.into()));
        }
        return Err(ConvError {
            code: "record.invalid_value",
            path: path.to_string(),
            message: format!("integer at `{path}` does not fit in 64 bits"),
        });
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        // NaN (pandas' missing marker) is treated as absent.
        return Ok(Number::from_f64(v).map_or(Value::Null, Value::Number));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = key_string(&k, path)?;
            let child = join(path, &key);
            let value = to_json(&v, &child, depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let mut out = Vec::with_capacity(l.len());
        for (i, item) in l.iter().enumerate() {
            out.push(to_json(&item, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let mut out = Vec::with_capacity(t.len());
        for (i, item) in t.iter().enumerate() {
            out.push(to_json(&item, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut map = Map::new();
        let items = m
            .items()
            .map_err(|_| mismatch(path, "a mapping without items()"))?;
        for item in items.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item
                .extract()
                .map_err(|_| mismatch(path, "a mapping with malformed items"))?;
            let key = key_string(&k, path)?;
            let child = join(path, &key);
            map.insert(key.clone(), to_json(&v, &child, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    // Scalars from numpy / pandas / datetime: ask them politely.
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_string());
    if obj.hasattr("isoformat").unwrap_or(false) {
        // pandas.NaT has isoformat() returning "NaT": treat as absent.
        if type_name == "NaTType" {
            return Ok(Value::Null);
        }
        if let Ok(text) = obj
            .call_method0("isoformat")
            .and_then(|s| s.extract::<String>())
        {
            return Ok(Value::String(iso_to_rfc3339(&type_name, text)));
        }
    }
    if obj.hasattr("item").unwrap_or(false) && obj.hasattr("dtype").unwrap_or(false) {
        // numpy scalar: convert to the Python scalar and retry.
        if let Ok(inner) = obj.call_method0("item") {
            if !inner.is(obj) {
                return to_json(&inner, path, depth + 1);
            }
        }
    }
    if type_name == "NAType" {
        return Ok(Value::Null);
    }
    Err(mismatch(
        path,
        &format!("a Python `{type_name}`, which has no JSON form"),
    ))
}

/// Naive `datetime.isoformat()` has no offset; saring timestamps are UTC, so say so.
fn iso_to_rfc3339(type_name: &str, text: String) -> String {
    let is_datetime = type_name == "datetime" || type_name == "Timestamp";
    if is_datetime && text.contains('T') {
        let time_part = text.split('T').nth(1).unwrap_or("");
        if !time_part.contains('+') && !time_part.contains('-') && !time_part.ends_with('Z') {
            return format!("{text}Z");
        }
    }
    text
}

fn key_string(k: &Bound<'_, PyAny>, path: &str) -> Result<String, ConvError> {
    match k.cast::<PyString>() {
        Ok(s) => s
            .to_str()
            .map(str::to_string)
            .map_err(|_| mismatch(path, "a key that is not valid UTF-8")),
        Err(_) => Err(mismatch(path, "an object with a non-string key")),
    }
}

fn mismatch(path: &str, what: &str) -> ConvError {
    let at = if path.is_empty() { "record" } else { path };
    ConvError {
        code: "record.type_mismatch",
        path: path.to_string(),
        message: format!("`{at}` is {what}"),
    }
}

/// Converts a JSON value into plain Python objects (dict, list, str, int, float, bool, None).
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64()
                    .ok_or_else(|| PyTypeError::new_err("number out of range"))?
                    .into_pyobject(py)?
                    .into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

//! Raising saring's Python exceptions (`saring._errors`) from Rust errors, and the panic
//! guard every entry point runs behind.

use crate::pyconv::{json_to_py, ConvError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn errors_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("saring._errors")
}

/// A `saring.PackError` carrying every diagnostic as a dict.
pub fn pack_error(py: Python<'_>, err: &saring::PackError) -> PyErr {
    match build_pack_error(py, err) {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn build_pack_error(py: Python<'_>, err: &saring::PackError) -> PyResult<PyErr> {
    let diagnostics = diagnostics_py(py, &err.diagnostics)?;
    let rendered = err.render();
    let message = if rendered.trim().is_empty() {
        err.to_string()
    } else {
        format!("{err}\n{rendered}")
    };
    let cls = errors_module(py)?.getattr("PackError")?;
    let exc = cls.call1((message, diagnostics, rendered))?;
    Ok(PyErr::from_value(exc))
}

/// A `saring.PackError` with a single diagnostic made here (e.g. a pack dict that cannot be
/// turned into JSON).
pub fn pack_error_simple(py: Python<'_>, code: &'static str, message: &str) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let d = saring::Diagnostic::error(saring::Code::Other(code), message).with_help(
            "pass a dict shaped like `pack.json` (`pack`, `outcomes`, `rule`, ...) whose values \
             are plain JSON values: dicts, lists, strings, numbers, booleans, None",
        );
        let diagnostics = diagnostics_py(py, std::slice::from_ref(&d))?;
        let cls = errors_module(py)?.getattr("PackError")?;
        let exc = cls.call1((format!("{code}: {message}"), diagnostics, ""))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|e| e)
}

/// Diagnostics as a list of dicts: the core's serialised projection (every key present,
/// `None` when unknown; `help` never empty).
fn diagnostics_py<'py>(
    py: Python<'py>,
    diagnostics: &[saring::Diagnostic],
) -> PyResult<Bound<'py, PyAny>> {
    let json =
        serde_json::to_value(diagnostics).map_err(|e| PyValueError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// A `saring.RecordError` with code, path and (for batches) row number.
pub fn record_error(
    py: Python<'_>,
    code: &str,
    path: Option<&str>,
    message: &str,
    row: Option<usize>,
) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let cls = errors_module(py)?.getattr("RecordError")?;
        let text = match row {
            Some(r) => format!("row {r}: {message}"),
            None => message.to_string(),
        };
        let exc = cls.call1((text, code, path, row))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|e| PyValueError::new_err(format!("{code}: {message} ({e})")))
}

/// A `saring.RecordError` from the core decoder's error.
pub fn from_record_error(py: Python<'_>, e: &saring::RecordError, row: Option<usize>) -> PyErr {
    record_error(py, e.code, e.path.as_deref(), &e.message, row)
}

/// A `saring.RecordError` from a Python → JSON conversion failure.
pub fn from_conv_error(py: Python<'_>, e: &ConvError, row: Option<usize>) -> PyErr {
    let path = if e.path.is_empty() {
        None
    } else {
        Some(e.path.as_str())
    };
    record_error(py, e.code, path, &e.message, row)
}

/// A `saring.FrameError` (code, fields, help) from the core's columnar error.
pub fn frame_error(py: Python<'_>, e: &saring::columnar::FrameError) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let cls = errors_module(py)?.getattr("FrameError")?;
        let exc = cls.call1((&e.message, e.code, e.fields.clone(), e.help.as_deref()))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|err| PyValueError::new_err(format!("{}: {} ({err})", e.code, e.message)))
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".to_string())
}

/// A `saring.InternalError` (a `SaringError`): a bug in saring, reported instead of crashing.
pub fn internal_error(py: Python<'_>, what: &str) -> PyErr {
    let message = format!("internal error in saring (please report): {what}");
    let make = || -> PyResult<PyErr> {
        let cls = errors_module(py)?.getattr("InternalError")?;
        Ok(PyErr::from_value(cls.call1((message.clone(),))?))
    };
    make().unwrap_or_else(|e| e)
}

/// Runs an entry point's body, turning a panic (a bug, never expected) into
/// `saring.InternalError` instead of letting it unwind into Python as `PanicException`.
/// Every `#[pymethods]` / `#[pyfunction]` that reaches the core runs behind it.
pub fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(internal_error(py, &panic_message(&*payload))),
    }
}

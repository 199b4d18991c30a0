//! Trust in deployment from Python: load options (trusted keys, an expected digest, the date
//! list expiry is checked against) and `saring.DecisionLog`, the hash-chained decision log.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use saring::audit::{self, Clock, DecisionLog, LogOptions, Verdict, VerifyOptions};
use saring::bundle::{PublicKey, SecretKey};
use saring::pack::LoadOptions;

use crate::decision::PyDecision;
use crate::errors::{from_conv_error, guarded};
use crate::pyconv::py_to_json;
use crate::{serialize, PyEngine};

/// A `saring.AuditError` with `code`, `line` and `help`.
pub fn audit_error(py: Python<'_>, e: &audit::AuditError) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let cls = py.import("saring._errors")?.getattr("AuditError")?;
        let exc = cls.call1((e.message.clone(), e.code, e.line, e.help.clone()))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|err| err)
}

/// A public key given as `ed25519:<hex>` text or as the path of a `.pub` file.
fn public_key(spec: &Bound<'_, PyAny>) -> PyResult<PublicKey> {
    let text: String = match spec.extract::<String>() {
        Ok(s) if s.trim_start().starts_with("ed25519:") => s,
        _ => {
            let path: PathBuf = spec.extract().map_err(|_| {
                PyTypeError::new_err(
                    "a trusted key is `ed25519:<hex>` text or a path to a .pub file",
                )
            })?;
            std::fs::read_to_string(&path).map_err(|e| {
                PyValueError::new_err(format!("cannot read public key `{}`: {e}", path.display()))
            })?
        }
    };
    PublicKey::parse(&text).map_err(|e| PyValueError::new_err(format!("{}: {}", e.code, e.message)))
}

/// Public keys from an optional list.
pub fn public_keys(keys: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PublicKey>> {
    let Some(keys) = keys else {
        return Ok(Vec::new());
    };
    if keys.is_none() {
        return Ok(Vec::new());
    }
    if keys.extract::<String>().is_ok() {
        return Err(PyTypeError::new_err(
            "trusted_keys is a list of keys (`[\"ed25519:...\"]` or paths), not one string",
        ));
    }
    keys.try_iter()?.map(|k| public_key(&k?)).collect()
}

/// A date given as `datetime.date` or `YYYY-MM-DD` text.
fn date(value: &Bound<'_, PyAny>) -> PyResult<chrono::NaiveDate> {
    let text: String = if value.hasattr("isoformat")? {
        value.call_method0("isoformat")?.extract()?
    } else {
        value.extract()?
    };
    let day = text.get(..10).unwrap_or(&text);
    day.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "`{text}` is not a date (YYYY-MM-DD or datetime.date)"
        ))
    })
}

/// Load options from the keyword arguments of `load` / `Engine.from_bundle`.
pub fn load_options(
    trusted_keys: Option<&Bound<'_, PyAny>>,
    expect_digest: Option<String>,
    today: Option<&Bound<'_, PyAny>>,
) -> PyResult<LoadOptions> {
    Ok(LoadOptions {
        today: today.filter(|t| !t.is_none()).map(date).transpose()?,
        trusted_keys: public_keys(trusted_keys)?,
        expect_digest,
        ..LoadOptions::default()
    })
}

fn verify_options(trusted_keys: Option<&Bound<'_, PyAny>>) -> PyResult<VerifyOptions> {
    Ok(VerifyOptions {
        trusted_keys: public_keys(trusted_keys)?,
    })
}

fn report<'py>(py: Python<'py>, r: &audit::Report) -> PyResult<Bound<'py, PyAny>> {
    let value = serialize(py, r)?;
    if let Ok(d) = value.cast::<PyDict>() {
        d.set_item("ok", r.ok())?;
    }
    Ok(value)
}

/// Verifies a decision-log file: a dict with `ok`, `entries`, `decisions`, `reviews`,
/// `anchors`, `anchors_verified`, `head` and `error` (`{line, code, message}` or `None`).
#[pyfunction]
#[pyo3(signature = (path, trusted_keys = None))]
pub fn verify_log<'py>(
    py: Python<'py>,
    path: PathBuf,
    trusted_keys: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(py, || {
        let options = verify_options(trusted_keys)?;
        let r = py
            .detach(|| audit::verify_file(&path, &options))
            .map_err(|e| audit_error(py, &e))?;
        report(py, &r)
    })
}

/// An append-only, hash-chained decision log (JSONL). Created, or resumed after checking its
/// last entry; one writer at a time. Use it as a context manager, or call `close()`.
#[pyclass(module = "saring._saring", name = "DecisionLog", frozen)]
pub struct PyDecisionLog {
    inner: Mutex<Option<DecisionLog>>,
    path: PathBuf,
}

impl PyDecisionLog {
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut DecisionLog) -> Result<T, audit::AuditError>,
    ) -> PyResult<T> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("decision log lock poisoned"))?;
        let log = guard
            .as_mut()
            .ok_or_else(|| PyValueError::new_err("the decision log is closed"))?;
        f(log).map_err(|e| audit_error(py, &e))
    }

    /// Appends the decision `engine` gave on `record` (a dict, the record as screened).
    pub(crate) fn append_record(
        &self,
        py: Python<'_>,
        engine: &saring::Engine,
        record: &Bound<'_, PyAny>,
        decision: &saring::Decision,
    ) -> PyResult<u64> {
        let input = py_to_json(record).map_err(|e| from_conv_error(py, &e, None))?;
        self.with(py, |log| {
            let seq = log.append_decision(engine.schema(), &input, decision)?;
            log.write()?;
            Ok(seq)
        })
    }
}

#[pymethods]
impl PyDecisionLog {
    /// Opens (or creates) the log at `path`. `actor` is recorded in every entry;
    /// `keep_records` keeps each input record (protected fields removed), not only its hash;
    /// `anchor_every` with `key` (a `.key` file) signs the chain head every N entries and on
    /// `close()`; `clock` (RFC 3339 text) fixes every timestamp, for tests and replays.
    #[new]
    #[pyo3(signature = (path, actor = None, keep_records = false, anchor_every = None, key = None, clock = None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        actor: Option<String>,
        keep_records: bool,
        anchor_every: Option<u64>,
        key: Option<PathBuf>,
        clock: Option<String>,
    ) -> PyResult<Self> {
        guarded(py, || {
            let anchor = match (anchor_every, key) {
                (Some(every), Some(key)) => {
                    let text = std::fs::read_to_string(&key).map_err(|e| {
                        PyValueError::new_err(format!(
                            "cannot read secret key `{}`: {e}",
                            key.display()
                        ))
                    })?;
                    let key = SecretKey::parse(&text)
                        .map_err(|e| PyValueError::new_err(format!("{}: {}", e.code, e.message)))?;
                    Some((key, every))
                }
                (None, None) => None,
                _ => {
                    return Err(PyValueError::new_err(
                        "`anchor_every` and `key` go together",
                    ))
                }
            };
            let clock = match clock {
                Some(t) => Clock::fixed(&t).map_err(|e| audit_error(py, &e))?,
                None => Clock::System,
            };
            let options = LogOptions {
                actor,
                keep_records,
                anchor,
                clock,
            };
            let log = py
                .detach(|| DecisionLog::open(&path, options))
                .map_err(|e| audit_error(py, &e))?;
            Ok(PyDecisionLog {
                inner: Mutex::new(Some(log)),
                path,
            })
        })
    }

    /// Appends `decision`, which `engine` gave on `record`; returns the entry's number.
    /// (`engine.screen(record, log=log)` does this for you.)
    fn append(
        &self,
        py: Python<'_>,
        engine: &Bound<'_, PyEngine>,
        record: &Bound<'_, PyAny>,
        decision: &Bound<'_, PyDecision>,
    ) -> PyResult<u64> {
        guarded(py, || {
            self.append_record(
                py,
                &engine.get().engine,
                record,
                decision.get().decision(py)?,
            )
        })
    }

    /// Appends an officer's verdict (`"confirmed"` or `"dismissed"`, with a reason) on the
    /// latest decision about record `record`; returns the entry's number.
    #[pyo3(signature = (record, verdict, reason, officer = None))]
    fn review(
        &self,
        py: Python<'_>,
        record: &str,
        verdict: &str,
        reason: &str,
        officer: Option<&str>,
    ) -> PyResult<u64> {
        guarded(py, || {
            let verdict = Verdict::parse(verdict).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "verdict `{verdict}` is not `confirmed` or `dismissed`"
                ))
            })?;
            self.with(py, |log| log.review(record, verdict, reason, officer))
        })
    }

    /// Verifies the whole log (pending entries written first); see `saring.verify_log`.
    #[pyo3(signature = (trusted_keys = None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        trusted_keys: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guarded(py, || {
            self.with(py, DecisionLog::write)?;
            let options = verify_options(trusted_keys)?;
            let r = audit::verify_file(&self.path, &options).map_err(|e| audit_error(py, &e))?;
            report(py, &r)
        })
    }

    /// Writes pending entries and syncs the file to disk.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        guarded(py, || self.with(py, DecisionLog::flush))
    }

    /// Ends the log: a final anchor when signing, synced, file closed (and unlocked).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guarded(py, || {
            let mut guard = self
                .inner
                .lock()
                .map_err(|_| PyRuntimeError::new_err("decision log lock poisoned"))?;
            if let Some(mut log) = guard.take() {
                log.finish().map_err(|e| audit_error(py, &e))?;
            }
            Ok(())
        })
    }

    /// The log file.
    #[getter]
    fn path(&self) -> String {
        self.path.display().to_string()
    }

    /// The chain head: `{"seq": n, "hash": "sha256:..."}` (`hash` is `None` when empty).
    #[getter]
    fn head<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let head = self.with(py, |log| Ok(log.head().clone()))?;
        let d = PyDict::new(py);
        d.set_item("seq", head.seq)?;
        d.set_item("hash", head.hash)?;
        Ok(d)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("DecisionLog({:?})", self.path.display().to_string())
    }
}

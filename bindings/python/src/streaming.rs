//! Bounded-memory screening from Python: the record size limit for dicts (as the CLI
//! enforces it for text) and `Engine.screen_iter`, an iterator of decisions over an
//! iterable of records, screened in chunks (decisions rendered when first read).

use std::collections::VecDeque;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;
use saring::limits::{MAX_RECORD_BYTES, MAX_RECORD_DEPTH};
use saring::RecordError;

use crate::decision::{untracked, PyDecision};
use crate::errors::{guarded, internal_error, panic_message};
use crate::PyEngine;

/// Records screened at once by `screen_iter`.
pub const CHUNK: usize = 1024;

/// Refuses a record whose text (strings, bytes, keys, and 8 bytes per other value) would
/// exceed [`MAX_RECORD_BYTES`]: `record.too_large`, as for a JSON text. Stops counting as
/// soon as the limit is passed, and below [`MAX_RECORD_DEPTH`] (the decoder reports depth).
pub fn check_size(record: &Bound<'_, PyAny>) -> Result<(), RecordError> {
    let mut total = 0usize;
    add_size(record, 0, &mut total);
    if total > MAX_RECORD_BYTES {
        return Err(RecordError::new(
            "record.too_large",
            None,
            format!("record is more than {MAX_RECORD_BYTES} bytes, the limit"),
        ));
    }
    Ok(())
}

fn add_size(value: &Bound<'_, PyAny>, depth: usize, total: &mut usize) {
    if *total > MAX_RECORD_BYTES || depth > MAX_RECORD_DEPTH {
        return;
    }
    if let Ok(s) = value.cast::<PyString>() {
        *total += s.to_cow().map_or(0, |s| s.len());
    } else if let Ok(b) = value.cast::<PyBytes>() {
        *total += b.as_bytes().len();
    } else if let Ok(d) = value.cast::<PyDict>() {
        for (k, v) in d.iter() {
            add_size(&k, depth + 1, total);
            add_size(&v, depth + 1, total);
            if *total > MAX_RECORD_BYTES {
                return;
            }
        }
    } else if let Ok(l) = value.cast::<PyList>() {
        for v in l.iter() {
            add_size(&v, depth + 1, total);
            if *total > MAX_RECORD_BYTES {
                return;
            }
        }
    } else if let Ok(t) = value.cast::<PyTuple>() {
        for v in t.iter() {
            add_size(&v, depth + 1, total);
        }
    } else {
        *total += 8;
    }
}

/// The iterator `Engine.screen_iter` returns: decisions in input order, screened
/// [`CHUNK`] records at a time on all cores, so memory holds one chunk however long the input.
#[pyclass(module = "saring._saring", name = "ScreenIter")]
pub struct ScreenIter {
    engine: Py<PyEngine>,
    source: Py<PyAny>,
    ready: VecDeque<PyDecision>,
    /// The error of a bad record, raised after the decisions before it.
    pending_error: Option<PyErr>,
    row: usize,
    done: bool,
}

impl ScreenIter {
    /// An iterator over `records` (any iterable).
    pub fn new(engine: Py<PyEngine>, records: &Bound<'_, PyAny>) -> PyResult<ScreenIter> {
        Ok(ScreenIter {
            engine,
            source: records.try_iter()?.into_any().unbind(),
            ready: VecDeque::new(),
            pending_error: None,
            row: 0,
            done: false,
        })
    }

    /// Decodes up to [`CHUNK`] records and screens them. A bad record raises `RecordError`
    /// with its row once the decisions before it have been handed out.
    fn fill(&mut self, py: Python<'_>) -> PyResult<()> {
        let engine = self.engine.bind(py).get();
        let source = self.source.bind(py).clone();
        let mut decoded = Vec::with_capacity(CHUNK);
        let mut failure = None;
        while decoded.len() < CHUNK {
            let Some(item) = source.try_iter()?.next() else {
                self.done = true;
                break;
            };
            let row = self.row;
            self.row += 1;
            match item.and_then(|item| {
                guarded(py, || {
                    engine.decode(py, &item, Some(row), saring::DecodeOptions::default())
                })
            }) {
                Ok(record) => decoded.push(record),
                Err(e) => {
                    failure = Some(e);
                    self.done = true;
                    break;
                }
            }
        }
        let inner = &engine.engine;
        engine.with_state_all(py, inner, decoded.iter_mut())?;
        let pool = crate::pool::pool(engine.threads)?;
        let summaries = py
            .detach(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    crate::pool::run(pool.as_deref(), || {
                        decoded
                            .par_iter()
                            .map(|r| inner.screen_summary(r))
                            .collect::<Vec<_>>()
                    })
                }))
            })
            .map_err(|payload| internal_error(py, &panic_message(&*payload)))?;
        self.ready.extend(
            decoded
                .into_iter()
                .zip(summaries)
                .map(|(record, summary)| PyDecision::summarized(inner.clone(), record, summary)),
        );
        self.pending_error = failure;
        Ok(())
    }
}

#[pymethods]
impl ScreenIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDecision>>> {
        if self.ready.is_empty() && self.pending_error.is_none() && !self.done {
            self.fill(py)?;
        }
        if let Some(decision) = self.ready.pop_front() {
            return Ok(Some(untracked(Bound::new(py, decision)?)));
        }
        match self.pending_error.take() {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }
}

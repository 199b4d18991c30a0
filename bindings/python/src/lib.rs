//! Python binding of saring: the native module `saring._saring`.
//!
//! Bindings only convert at the edge: dicts become `serde_json::Value`s walked straight from
//! the Python objects (no JSON text), DataFrames arrive as Arrow record batches through the
//! Arrow C stream interface (zero-copy), and everything else is the core crate's work.
//! Screening of batches and frames runs with the interpreter detached, on all cores.

mod columnar;
mod decision;
mod dictdecode;
mod errors;
mod pool;
mod pyconv;
mod streaming;
mod trust;

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::sync::Mutex;

use std::sync::Arc;

use arrow_array::ffi::from_ffi_and_data_type;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator, StructArray};
use arrow_data::ffi::FFI_ArrowArray;
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{DataType, Schema as ArrowSchema};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList, PyTuple};
use rayon::prelude::*;
use saring::backtest::{Backtest, BacktestConfig};
use saring::Pack;

use crate::decision::{untracked, PyDecision, PyHit};
use crate::dictdecode::DecodeFailure;
use crate::errors::{
    frame_error, from_conv_error, from_record_error, guarded, internal_error, pack_error,
    pack_error_simple, panic_message,
};
use crate::pyconv::{json_to_py, py_to_json};

const STREAM_CAPSULE: &CStr = c"arrow_array_stream";

/// A compiled rule pack, ready to screen records. Immutable and thread-safe; pickles by its
/// pack files, so it can be shipped to Dask, Spark or Ray workers.
#[pyclass(module = "saring._saring", name = "Engine", frozen)]
pub struct PyEngine {
    engine: saring::Engine,
    files: BTreeMap<String, String>,
    main: String,
    /// The load-time language (`lang=`), kept for pickling.
    lang: Option<String>,
    /// The default `threads=` of the batch calls (`with_threads`), kept for pickling.
    threads: Option<i64>,
    /// The online history of windowed aggregates (`load(..., state="file.db")`) and how long
    /// it keeps an entry, in seconds (`retention=`; default: the longest window).
    state: Option<Arc<std::sync::Mutex<saring::aggregate::SqliteStore>>>,
    retention: Option<i64>,
}

fn serialize<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

impl PyEngine {
    fn compile(
        py: Python<'_>,
        pack: Result<Pack, saring::PackError>,
        files: BTreeMap<String, String>,
        main: String,
        lang: Option<String>,
    ) -> PyResult<PyEngine> {
        let pack = pack.map_err(|e| pack_error(py, &e))?;
        let engine = saring::Engine::compile(&pack).map_err(|e| pack_error(py, &e))?;
        let engine = in_language(engine, lang.as_deref())?;
        Ok(PyEngine {
            engine,
            files,
            main,
            lang,
            threads: None,
            state: None,
            retention: None,
        })
    }

    /// Gives `record` its windowed aggregates online from the engine's `state` store; a
    /// no-op without one (then a batch call computes them, a single record has none).
    pub(crate) fn with_state(
        &self,
        py: Python<'_>,
        engine: &saring::Engine,
        record: &mut saring::Record,
    ) -> PyResult<()> {
        self.with_state_all(py, engine, std::iter::once(record))
    }

    /// [`Self::with_state`] for the records of one call, in order, committed to the store
    /// once at the end (not once per record), with the interpreter detached.
    pub(crate) fn with_state_all<'r>(
        &self,
        py: Python<'_>,
        engine: &saring::Engine,
        records: impl Iterator<Item = &'r mut saring::Record> + Send,
    ) -> PyResult<()> {
        let Some(state) = &self.state else {
            return Ok(());
        };
        let retention = self.retention;
        py.detach(|| {
            let mut store = state.lock().map_err(|_| {
                PyRuntimeError::new_err("the history store is unusable after a panic")
            })?;
            for record in records {
                engine
                    .aggregate_online(record, &mut *store, retention)
                    .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
            }
            saring::aggregate::Store::flush(&mut *store)
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))
        })
    }

    /// The pool of a batch call: its `threads=`, else the engine's default.
    fn pool(&self, threads: Option<i64>) -> PyResult<Option<Arc<rayon::ThreadPool>>> {
        pool::pool(threads.or(self.threads))
    }

    fn from_file_map(
        py: Python<'_>,
        files: BTreeMap<String, String>,
        main: &str,
        lang: Option<String>,
    ) -> PyResult<PyEngine> {
        guarded(py, || {
            let pack = py.detach(|| Pack::from_files(files.clone(), main));
            PyEngine::compile(py, pack, files, main.to_string(), lang)
        })
    }

    /// The engine rendering in `lang` for one call (`lang=` of `screen`, `explain`, ...).
    fn for_call(&self, lang: Option<&str>) -> PyResult<std::borrow::Cow<'_, saring::Engine>> {
        match lang {
            None => Ok(std::borrow::Cow::Borrowed(&self.engine)),
            Some(l) => Ok(std::borrow::Cow::Owned(in_language(
                self.engine.clone(),
                Some(l),
            )?)),
        }
    }

    /// `screen_jsonl` of a pack with windowed aggregates: the lines are one batch (or are
    /// screened online against `state`, in order).
    fn screen_jsonl_history<'py>(
        &self,
        py: Python<'py>,
        engine: &saring::Engine,
        rows: Vec<(usize, String)>,
        keep: bool,
        options: saring::DecodeOptions,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut decoded: Vec<(usize, Result<saring::Record, saring::RecordError>)> = rows
            .iter()
            .map(|(row, line)| (*row, engine.decode_json(line, options)))
            .collect();
        if !keep {
            if let Some((row, Err(e))) = decoded.iter().find(|(_, r)| r.is_err()) {
                return Err(from_record_error(py, e, Some(*row)));
            }
        }
        let mut at: Vec<(usize, &mut saring::Record)> = decoded
            .iter_mut()
            .filter_map(|(row, r)| r.as_mut().ok().map(|r| (*row, r)))
            .collect();
        if self.state.is_some() {
            self.with_state_all(py, engine, at.iter_mut().map(|(_, r)| &mut **r))?;
        } else {
            py.detach(|| engine.aggregate_batch_at(&mut at));
        }
        let out = decoded.into_iter().map(|(row, r)| match r {
            Ok(r) => {
                let summary = engine.screen_summary(&r);
                Ok((r, summary))
            }
            Err(e) => Err((row, e)),
        });
        decisions(py, engine, out)
    }

    fn decode(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        row: Option<usize>,
        options: saring::DecodeOptions,
    ) -> PyResult<saring::Record> {
        dictdecode::decode(&self.engine, record, options).map_err(|e| match e {
            DecodeFailure::Conv(e) => from_conv_error(py, &e, row),
            DecodeFailure::Record(e) => from_record_error(py, &e, row),
        })
    }
}

/// `unknown_fields=`: what decoding does with keys the schema does not declare.
fn decode_options(unknown_fields: &str) -> PyResult<saring::DecodeOptions> {
    match saring::UnknownFields::from_name(unknown_fields) {
        Some(unknown_fields) => Ok(saring::DecodeOptions { unknown_fields }),
        None => Err(PyValueError::new_err(format!(
            "unknown_fields must be \"ignore\", \"report\" or \"reject\", not `{unknown_fields}`"
        ))),
    }
}

#[pymethods]
impl PyEngine {
    /// Compiles a pack from in-memory files: `files` maps names relative to the pack directory
    /// (`pack.toml`, `schema.toml`, `lists/x.txt`) to their text; `main` names the pack file.
    #[staticmethod]
    #[pyo3(signature = (files, main = "pack.toml", lang = None))]
    fn from_files(
        py: Python<'_>,
        files: BTreeMap<String, String>,
        main: &str,
        lang: Option<String>,
    ) -> PyResult<Self> {
        PyEngine::from_file_map(py, files, main, lang)
    }

    /// Compiles a pack from the text of its pack file and of its schema file (named
    /// `schema.toml` in the pack's `[pack] schema = ...`).
    #[staticmethod]
    #[pyo3(signature = (pack, schema, lang = None))]
    fn from_toml(py: Python<'_>, pack: &str, schema: &str, lang: Option<String>) -> PyResult<Self> {
        let mut files = BTreeMap::new();
        files.insert("pack.toml".to_string(), pack.to_string());
        files.insert("schema.toml".to_string(), schema.to_string());
        PyEngine::from_file_map(py, files, "pack.toml", lang)
    }

    /// Compiles a pack given as a dict with the structure of a JSON pack file. The schema is
    /// either `d["schema"]` as a dict (the structure of a JSON schema file: `{"field": {...}}`),
    /// or the name of a file in `files`. `files` adds list files (`{"lists/x.txt": "..."}`).
    #[staticmethod]
    #[pyo3(signature = (pack, files = None, lang = None))]
    fn from_dict(
        py: Python<'_>,
        pack: &Bound<'_, PyAny>,
        files: Option<BTreeMap<String, String>>,
        lang: Option<String>,
    ) -> PyResult<Self> {
        let mut value =
            py_to_json(pack).map_err(|e| pack_error_simple(py, "pack.invalid", &e.message))?;
        let Some(obj) = value.as_object_mut() else {
            return Err(pack_error_simple(
                py,
                "pack.invalid",
                "a pack dict must be a dict",
            ));
        };
        let mut files = files.unwrap_or_default();
        if let Some(schema @ serde_json::Value::Object(_)) = obj.remove("schema") {
            let text = serde_json::to_string_pretty(&schema)
                .map_err(|e| pack_error_simple(py, "pack.invalid", &e.to_string()))?;
            files.insert("schema.json".to_string(), text);
            if let Some(serde_json::Value::Object(meta)) = obj.get_mut("pack") {
                meta.insert("schema".into(), "schema.json".into());
            }
        } else if let Some(other) = obj.get("schema").cloned() {
            // Not a dict: put it back and let the loader report it.
            obj.insert("schema".into(), other);
        }
        let text = serde_json::to_string_pretty(&value)
            .map_err(|e| pack_error_simple(py, "pack.invalid", &e.to_string()))?;
        files.insert("pack.json".to_string(), text);
        PyEngine::from_file_map(py, files, "pack.json", lang)
    }

    /// Screens one record (a dict) and returns its decision. With `log` (a `DecisionLog`),
    /// the decision is also appended to the log; `lang` renders it in one of the pack's
    /// languages (default: the engine's).
    #[pyo3(signature = (record, log = None, lang = None, *, unknown_fields = "ignore"))]
    fn screen(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        log: Option<&Bound<'_, trust::PyDecisionLog>>,
        lang: Option<&str>,
        unknown_fields: &str,
    ) -> PyResult<PyDecision> {
        let options = decode_options(unknown_fields)?;
        guarded(py, || {
            let engine = self.for_call(lang)?;
            let mut decoded = self.decode(py, record, None, options)?;
            self.with_state(py, &engine, &mut decoded)?;
            let decision = engine.screen(&decoded);
            if let Some(log) = log {
                log.get().append_record(py, &engine, record, &decision)?;
            }
            Ok(PyDecision::rendered(decision))
        })
    }

    /// Compiles the pack of a bundle (the bytes of a `.bundle` file) after checking it: file
    /// hashes, signatures (one by `trusted_keys` when given), `expect_digest`, list expiry
    /// against `today` (default: today).
    #[staticmethod]
    #[pyo3(signature = (data, trusted_keys = None, expect_digest = None, today = None, lang = None))]
    fn from_bundle(
        py: Python<'_>,
        data: &[u8],
        trusted_keys: Option<&Bound<'_, PyAny>>,
        expect_digest: Option<String>,
        today: Option<&Bound<'_, PyAny>>,
        lang: Option<String>,
    ) -> PyResult<Self> {
        guarded(py, || {
            let options = trust::load_options(trusted_keys, expect_digest, today)?;
            let pack = py.detach(|| Pack::from_bundle(data, &options));
            let (files, main) = match &pack {
                Ok(p) => (p.sources.files().clone(), p.main.clone()),
                Err(_) => (BTreeMap::new(), String::new()),
            };
            PyEngine::compile(py, pack, files, main, lang)
        })
    }

    /// Screens one record given as JSON text.
    #[pyo3(signature = (text, lang = None, *, unknown_fields = "ignore"))]
    fn screen_json(
        &self,
        py: Python<'_>,
        text: &str,
        lang: Option<&str>,
        unknown_fields: &str,
    ) -> PyResult<PyDecision> {
        let options = decode_options(unknown_fields)?;
        guarded(py, || {
            let engine = self.for_call(lang)?;
            match engine.decode_json(text, options) {
                Ok(record) => Ok(PyDecision::rendered(engine.screen(&record))),
                Err(e) => Err(from_record_error(py, &e, None)),
            }
        })
    }

    /// Screens many records (any iterable of dicts); decisions in input order. Records are
    /// decoded from the Python objects first (no JSON in between); screening then runs on all
    /// cores with the interpreter detached (`threads`: on a pool of that many threads). The
    /// first bad record raises `RecordError` with its `row` (before anything is screened).
    #[pyo3(signature = (records, lang = None, *, threads = None, unknown_fields = "ignore"))]
    fn screen_many<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        lang: Option<&str>,
        threads: Option<i64>,
        unknown_fields: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let options = decode_options(unknown_fields)?;
        let pool = self.pool(threads)?;
        let engine = self.for_call(lang)?;
        let mut decoded = Vec::new();
        for (row, item) in records.try_iter()?.enumerate() {
            decoded.push(guarded(py, || self.decode(py, &item?, Some(row), options))?);
        }
        let engine: saring::Engine = engine.into_owned();
        if engine.has_aggregates() {
            if self.state.is_some() {
                self.with_state_all(py, &engine, decoded.iter_mut())?;
            } else {
                // The records are one batch: each sees those before it in time order.
                py.detach(|| engine.aggregate_batch(&mut decoded));
            }
        }
        let summaries: Vec<saring::Summary> = py
            .detach(|| {
                guard(|| {
                    Ok(pool::run(pool.as_deref(), || {
                        decoded
                            .par_iter()
                            .map(|r| engine.screen_summary(r))
                            .collect()
                    }))
                })
            })
            .map_err(|e| internal_error(py, &e))?;
        decisions(py, &engine, decoded.into_iter().zip(summaries).map(Ok))
    }

    /// Screens JSON lines: `lines` is the path of a `.jsonl` file (str or `os.PathLike`) or an
    /// iterable of str lines (a list, an open text file); decisions in input order. Blank
    /// lines are skipped; `row` is a line's 0-based position in the input (its line number
    /// minus one). Lines are decoded and screened in parallel with the interpreter detached
    /// (`threads`: on a pool of that many threads). A bad line raises `RecordError` with its
    /// `row` (before anything is returned); with `errors="keep"` it is returned in its place
    /// as that `RecordError` instead, so no line is lost.
    #[pyo3(signature = (lines, *, lang = None, threads = None, errors = "raise", unknown_fields = "ignore"))]
    fn screen_jsonl<'py>(
        &self,
        py: Python<'py>,
        lines: &Bound<'py, PyAny>,
        lang: Option<&str>,
        threads: Option<i64>,
        errors: &str,
        unknown_fields: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let options = decode_options(unknown_fields)?;
        let keep = match errors {
            "raise" => false,
            "keep" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "errors must be \"raise\" or \"keep\", not `{other}`"
                )))
            }
        };
        let pool = self.pool(threads)?;
        let engine: saring::Engine = self.for_call(lang)?.into_owned();
        let rows = jsonl_rows(py, lines)?;
        if engine.has_aggregates() {
            return self.screen_jsonl_history(py, &engine, rows, keep, options);
        }
        let screened: Vec<(usize, Screened)> = py
            .detach(|| {
                guard(|| {
                    Ok(pool::run(pool.as_deref(), || {
                        rows.par_iter()
                            .map(|(row, line)| {
                                let decoded = engine.decode_json(line, options);
                                let result = decoded.map(|r| {
                                    let summary = engine.screen_summary(&r);
                                    (r, summary)
                                });
                                (*row, result)
                            })
                            .collect()
                    }))
                })
            })
            .map_err(|e| internal_error(py, &e))?;
        if !keep {
            if let Some((row, Err(e))) = screened.iter().find(|(_, r)| r.is_err()) {
                return Err(from_record_error(py, e, Some(*row)));
            }
        }
        decisions(
            py,
            &engine,
            screened.into_iter().map(|(row, r)| r.map_err(|e| (row, e))),
        )
    }

    /// Screens an iterable of records lazily: returns an iterator of decisions in input order,
    /// screened in chunks of 1024 on all cores, so memory stays bounded however long the
    /// input (a generator, a file read line by line). A bad record raises `RecordError` with
    /// its `row` when the iteration reaches it.
    fn screen_iter(
        slf: &Bound<'_, Self>,
        records: &Bound<'_, PyAny>,
    ) -> PyResult<streaming::ScreenIter> {
        let this = slf.get();
        if this.engine.has_aggregates() && this.state.is_none() {
            return Err(PyValueError::new_err(
                "screen_iter screens lazily, chunk by chunk, and this pack's windowed aggregates need the whole batch: use screen_many, screen_jsonl or screen_frame, or load the pack with state=",
            ));
        }
        streaming::ScreenIter::new(slf.clone().unbind(), records)
    }

    /// Explains a record: every rule (hit, miss, unknown or disabled) with its reason and
    /// evidence, the derived values, and the decision — as a dict.
    #[pyo3(signature = (record, lang = None, *, unknown_fields = "report"))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        lang: Option<&str>,
        unknown_fields: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = decode_options(unknown_fields)?;
        guarded(py, || {
            let engine = self.for_call(lang)?;
            let mut record = self.decode(py, record, None, options)?;
            self.with_state(py, &engine, &mut record)?;
            let explanation = engine.explain(&record);
            // A dict that renders as HTML in Jupyter (`saring._html.Explanation`).
            let dict = serialize(py, &explanation)?;
            py.import("saring._html")?
                .getattr("Explanation")?
                .call1((dict,))
        })
    }

    /// Screens a pandas, polars or pyarrow frame and returns the same kind of frame with
    /// columns outcome, score, hits, shadow_hits, incomplete (lists of rule ids), invalid
    /// (cells that did not fit their field) and error (for rows that could not be read).
    /// Columns are matched to schema fields by name (dotted for nested fields) or through
    /// struct columns; list columns (lists of structs included) read like JSON lists.
    /// A field the pack reads with no column raises `FrameError` (`frame.missing_column`)
    /// before any row is screened; `missing_columns="absent"` reads such fields as absent
    /// in every row. Evaluation runs in Rust on all cores (`threads`: on a pool of that many
    /// threads).
    #[pyo3(signature = (frame, *, missing_columns = "error", threads = None))]
    fn screen_frame<'py>(
        slf: &Bound<'py, Self>,
        frame: &Bound<'py, PyAny>,
        missing_columns: &str,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        pool::pool(threads)?;
        slf.py()
            .import("saring._frames")?
            .call_method1("screen_frame", (slf, frame, missing_columns, threads))
    }

    /// Back-tests the pack against labelled records in a frame: `label` names a boolean (or
    /// 0/1, yes/no) column, `by` the columns to audit flag rates across (default: the
    /// monitored schema fields present in the frame). `missing_columns` as in
    /// `screen_frame`. `tolerance` (default 1.25) is the disparity ratio whose whole 95%
    /// interval must lie above it to be reported, `min_group` (default 30) the size below
    /// which a group is marked small and cannot be the reference. Returns a `BacktestReport`.
    #[pyo3(signature = (frame, label, by = None, *, missing_columns = "error", tolerance = None, min_group = None))]
    fn backtest<'py>(
        slf: &Bound<'py, Self>,
        frame: &Bound<'py, PyAny>,
        label: &str,
        by: Option<Vec<String>>,
        missing_columns: &str,
        tolerance: Option<f64>,
        min_group: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("saring._frames")?.call_method1(
            "backtest",
            (slf, frame, label, by, missing_columns, tolerance, min_group),
        )
    }

    /// Screens an Arrow stream (any object with `__arrow_c_stream__`, e.g. a pyarrow Table)
    /// and returns the result columns as an Arrow stream object. Used by `screen_frame`.
    #[pyo3(signature = (data, missing_columns = "error", threads = None))]
    fn _screen_arrow(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        missing_columns: &str,
        threads: Option<i64>,
    ) -> PyResult<ArrowStream> {
        let options = columnar::options(missing_columns)?;
        let pool = self.pool(threads)?;
        let batches = import_stream(data)?;
        let engine = &self.engine;
        let results = py
            .detach(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    pool::run(pool.as_deref(), || {
                        columnar::screen_batches(engine, &batches, &options)
                    })
                }))
                .map_err(|p| panic_message(&*p))
            })
            .map_err(|e| internal_error(py, &e))?
            .map_err(|e| frame_error(py, &e))?;
        Ok(ArrowStream {
            batches: Mutex::new(Some(results)),
        })
    }

    /// Back-tests the pack over an Arrow stream with a label column and group columns;
    /// returns the report as a dict. Used by `backtest`.
    #[pyo3(signature = (data, label, by, missing_columns = "error", tolerance = None, min_group = None))]
    #[allow(clippy::too_many_arguments)]
    fn _backtest_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        label: &str,
        by: Vec<String>,
        missing_columns: &str,
        tolerance: Option<f64>,
        min_group: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = columnar::options(missing_columns)?;
        let mut settings = Backtest::new(BacktestConfig::from_pack(self.engine.pack()));
        if let Some(t) = tolerance {
            if !Backtest::is_valid_tolerance(t) {
                return Err(PyValueError::new_err(format!(
                    "tolerance={t} must be a ratio of at least 1"
                )));
            }
            settings = settings.tolerance(t);
        }
        if let Some(n) = min_group {
            let n = u64::try_from(n).map_err(|_| {
                PyValueError::new_err(format!("min_group={n} must be a count of at least 0"))
            })?;
            settings = settings.min_group_size(n);
        }
        let batches = import_stream(data)?;
        let engine = &self.engine;
        let report = py
            .detach(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    saring::columnar::backtest_batches(
                        engine,
                        &batches,
                        label,
                        &by,
                        &options,
                        Some(settings),
                    )
                }))
                .map_err(|p| panic_message(&*p))
            })
            .map_err(|e| internal_error(py, &e))?
            .map_err(|e| frame_error(py, &e))?;
        serialize(py, &report)
    }

    /// The fields the pack reads that none of `columns` (frame column names, dotted for
    /// nested fields) provides; empty with `missing_columns="absent"`. Raises `FrameError`
    /// naming them. Used by `screen_frame` for frames screened row by row.
    #[pyo3(signature = (columns, missing_columns = "error"))]
    fn _check_columns(
        &self,
        py: Python<'_>,
        columns: Vec<String>,
        missing_columns: &str,
    ) -> PyResult<()> {
        let options = columnar::options(missing_columns)?;
        let fields: Vec<arrow_schema::Field> = columns
            .iter()
            .map(|c| arrow_schema::Field::new(c, DataType::Utf8, true))
            .collect();
        saring::columnar::check_columns(&self.engine, &ArrowSchema::new(fields), &options)
            .map_err(|e| frame_error(py, &e))
    }

    /// The same engine with `threads` as the default of `screen_many`, `screen_jsonl`,
    /// `screen_frame` and `screen_iter` (`None`: every core); a call's own `threads=` wins.
    /// Kept when pickled.
    #[pyo3(signature = (threads))]
    fn with_threads(&self, threads: Option<i64>) -> PyResult<PyEngine> {
        pool::pool(threads)?;
        Ok(PyEngine {
            engine: self.engine.clone(),
            files: self.files.clone(),
            main: self.main.clone(),
            lang: self.lang.clone(),
            threads,
            state: self.state.clone(),
            retention: self.retention,
        })
    }

    /// The default `threads=` of the batch calls (`None`: every core).
    #[getter]
    fn threads(&self) -> Option<i64> {
        self.threads
    }

    /// Pack id.
    #[getter]
    fn id(&self) -> &str {
        &self.engine.pack_ref().id
    }

    /// Pack version.
    #[getter]
    fn version(&self) -> &str {
        &self.engine.pack_ref().version
    }

    /// `sha256:<hex>` digest of the canonical pack content.
    #[getter]
    fn digest(&self) -> &str {
        &self.engine.pack_ref().digest
    }

    /// Pack title.
    #[getter]
    fn title(&self) -> &str {
        &self.engine.pack().meta.title
    }

    /// The language decisions are rendered in (`None` when the pack declares no languages).
    #[getter]
    fn language(&self) -> Option<&str> {
        self.engine.language()
    }

    /// The pack's declared languages.
    #[getter]
    fn languages(&self) -> Vec<String> {
        self.engine.languages().to_vec()
    }

    /// Every rule that reads a monitored field, as dicts: rule, fields, why, references,
    /// approved_by.
    #[getter]
    fn monitored_register<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, &self.engine.monitored_register())
    }

    /// The compiled rules, in pack order, as dicts (id, title, weight, status, family, when,
    /// remedy, reads_monitored), titles and remedies in the engine's language.
    #[getter]
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, &self.engine.rules())
    }

    /// Score thresholds: `{"review": int, "refer": int}`.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("review", self.engine.pack().outcomes.review)?;
        d.set_item("refer", self.engine.pack().outcomes.refer)?;
        Ok(d)
    }

    /// The schema's fields (those with a record slot), as dicts: path, type, required,
    /// monitored, protected.
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for s in &self.engine.schema().slots {
            let d = PyDict::new(py);
            d.set_item("path", &*s.path)?;
            d.set_item("type", kind_name(&s.kind))?;
            d.set_item("required", s.required)?;
            d.set_item("monitored", s.monitored)?;
            d.set_item("protected", s.protected)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The pack's source files (name → text), as pickled.
    #[getter]
    fn files(&self) -> BTreeMap<String, String> {
        self.files.clone()
    }

    /// Name of the pack file among `files`.
    #[getter]
    fn main(&self) -> &str {
        &self.main
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        if this.state.is_some() {
            return Err(PyValueError::new_err(
                "an engine with a history store (state=) cannot be pickled: load the pack again in the worker, with its own store or none",
            ));
        }
        let ctor = py.import("saring._saring")?.getattr("_unpickle")?;
        let args = (
            this.files.clone(),
            this.main.clone(),
            this.lang.clone(),
            this.threads,
        )
            .into_pyobject(py)?;
        PyTuple::new(py, [ctor, args.into_any()])
    }

    fn __repr__(&self) -> String {
        let r = self.engine.pack_ref();
        format!(
            "Engine(id={:?}, version={:?}, rules={})",
            r.id,
            r.version,
            self.engine.rules().len()
        )
    }
}

/// Runs `f` (on a thread without the interpreter), turning a panic into its message.
fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(panic_message(&*payload)),
    }
}

/// A screened line: its record and summary, or why it could not be read.
type Screened = Result<(saring::Record, saring::Summary), saring::RecordError>;

/// The list of decisions of a batch call (a bad row's `RecordError` in its place).
fn decisions<'py>(
    py: Python<'py>,
    engine: &saring::Engine,
    items: impl Iterator<Item = Result<(saring::Record, saring::Summary), (usize, saring::RecordError)>>,
) -> PyResult<Bound<'py, PyList>> {
    // Creating many objects triggers the cyclic GC, which would traverse every object the
    // caller holds (all the input dicts) again and again; the decisions hold no Python
    // references that can form a cycle, so collection is paused while they are made.
    let gc = py.import("gc")?;
    let was_enabled: bool = gc.call_method0("isenabled")?.extract()?;
    if was_enabled {
        gc.call_method0("disable")?;
    }
    let list = items
        .map(|item| match item {
            Ok((record, summary)) => {
                Bound::new(py, PyDecision::summarized(engine.clone(), record, summary))
                    .map(|d| untracked(d).into_any())
            }
            Err((row, e)) => Ok(from_record_error(py, &e, Some(row))
                .into_value(py)
                .into_bound(py)
                .into_any()),
        })
        .collect::<PyResult<Vec<_>>>()
        .and_then(|items| PyList::new(py, items));
    if was_enabled {
        gc.call_method0("enable")?;
    }
    list
}

/// The non-blank lines of `lines` (a path, or an iterable of str) with their 0-based
/// positions, line ends removed.
fn jsonl_rows(py: Python<'_>, lines: &Bound<'_, PyAny>) -> PyResult<Vec<(usize, String)>> {
    fn keep(row: usize, line: &str) -> Option<(usize, String)> {
        let line = line.trim_end_matches(['\n', '\r']);
        (!line.trim().is_empty()).then(|| (row, line.to_string()))
    }
    if lines.is_instance_of::<pyo3::types::PyString>() || lines.hasattr("__fspath__")? {
        let path: std::path::PathBuf = lines.extract()?;
        let text = py.detach(|| std::fs::read_to_string(&path)).map_err(|e| {
            pyo3::exceptions::PyOSError::new_err(format!("cannot read {}: {e}", path.display()))
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        return Ok(text
            .split('\n')
            .enumerate()
            .filter_map(|(row, line)| keep(row, line))
            .collect());
    }
    if lines.is_instance_of::<pyo3::types::PyBytes>() {
        return Err(PyTypeError::new_err(
            "screen_jsonl takes a path or an iterable of str lines, not bytes",
        ));
    }
    let mut rows = Vec::new();
    for (row, item) in lines.try_iter()?.enumerate() {
        let item = item?;
        let line = item.cast::<pyo3::types::PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "screen_jsonl: line {row} is a {}, not a str",
                item.get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        })?;
        if let Some(r) = keep(row, &line.to_cow()?) {
            rows.push(r);
        }
    }
    Ok(rows)
}

fn kind_name(kind: &saring::schema::FieldKind) -> String {
    use saring::schema::FieldKind as K;
    match kind {
        K::String => "string".into(),
        K::Int => "int".into(),
        K::Float => "float".into(),
        K::Bool => "bool".into(),
        K::Date => "date".into(),
        K::Timestamp => "timestamp".into(),
        K::Enum(_) => "enum".into(),
        K::List(item) => format!("list<{}>", kind_name(item)),
        K::Object(_) => "object".into(),
    }
}

/// Reads every batch of an object exporting `__arrow_c_stream__`.
///
/// The stream is driven by hand rather than with arrow's `ArrowArrayStreamReader`, so that
/// buffers that are not aligned for their type (numpy arrays unpickled on a Dask worker can
/// be) are copied to aligned memory instead of panicking.
fn import_stream(data: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if !data.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(
            "expected an Arrow stream (an object with __arrow_c_stream__, e.g. a pyarrow Table)",
        ));
    }
    let capsule = data.call_method0("__arrow_c_stream__")?;
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| PyTypeError::new_err("__arrow_c_stream__ did not return a capsule"))?;
    let ptr = capsule.pointer_checked(Some(STREAM_CAPSULE))?;
    // SAFETY: the capsule is named `arrow_array_stream`, so by the Arrow PyCapsule protocol it
    // points to a valid `ArrowArrayStream`; `from_raw` moves the stream out and leaves a
    // released one behind, which the capsule's destructor then ignores.
    let mut stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast()) };
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_stream(&mut stream)));
    match result {
        Ok(r) => r.map_err(|e| PyValueError::new_err(format!("cannot read Arrow stream: {e}"))),
        Err(_) => Err(PyValueError::new_err(
            "cannot read Arrow stream: malformed Arrow data",
        )),
    }
}

fn stream_error(stream: &mut FFI_ArrowArrayStream, code: i32) -> String {
    let Some(get_last_error) = stream.get_last_error else {
        return format!("error code {code}");
    };
    // SAFETY: the stream is live (not released); the callback returns a NUL-terminated string
    // owned by the stream, or null.
    let message = unsafe { get_last_error(stream) };
    if message.is_null() {
        return format!("error code {code}");
    }
    // SAFETY: non-null, NUL-terminated, valid until the next call on the stream.
    unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}

fn read_stream(stream: &mut FFI_ArrowArrayStream) -> Result<Vec<RecordBatch>, String> {
    let (Some(get_schema), Some(get_next)) = (stream.get_schema, stream.get_next) else {
        return Err("the stream is released".to_string());
    };
    if stream.release.is_none() {
        return Err("the stream is released".to_string());
    }
    let mut ffi_schema = FFI_ArrowSchema::empty();
    // SAFETY: the stream is live and `ffi_schema` is a valid, empty out-parameter.
    let code = unsafe { get_schema(stream, &mut ffi_schema) };
    if code != 0 {
        return Err(stream_error(stream, code));
    }
    let schema = Arc::new(ArrowSchema::try_from(&ffi_schema).map_err(|e| e.to_string())?);
    let struct_type = DataType::Struct(schema.fields().clone());
    let mut batches = Vec::new();
    loop {
        let mut array = FFI_ArrowArray::empty();
        // SAFETY: the stream is live and `array` is a valid, empty out-parameter.
        let code = unsafe { get_next(stream, &mut array) };
        if code != 0 {
            return Err(stream_error(stream, code));
        }
        if array.is_released() {
            break;
        }
        // SAFETY: the producer follows the C data interface and the array has the stream's
        // schema (a struct of the columns).
        let mut data = unsafe { from_ffi_and_data_type(array, struct_type.clone()) }
            .map_err(|e| e.to_string())?;
        data.align_buffers();
        data.validate().map_err(|e| e.to_string())?;
        let columns = StructArray::from(data).into_parts().1;
        batches.push(RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?);
    }
    Ok(batches)
}

/// Result columns of `screen_frame`, exported once through the Arrow PyCapsule interface
/// (`pyarrow.table(obj)` consumes it).
#[pyclass(module = "saring._saring", name = "ArrowStream", frozen)]
pub struct ArrowStream {
    batches: Mutex<Option<Vec<RecordBatch>>>,
}

#[pymethods]
impl ArrowStream {
    /// Exports the batches as an `arrow_array_stream` capsule (only once).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self
            .batches
            .lock()
            .map_err(|_| PyRuntimeError::new_err("arrow stream lock poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("arrow stream already consumed"))?;
        let schema = columnar::result_schema();
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM_CAPSULE)
    }
}

/// The engine in `lang`; an unknown language is a `ValueError` naming the pack's languages.
fn in_language(engine: saring::Engine, lang: Option<&str>) -> PyResult<saring::Engine> {
    match lang {
        None => Ok(engine),
        Some(l) => engine
            .with_language(l)
            .map_err(|e| PyValueError::new_err(e.to_string())),
    }
}

/// Loads a pack from disk: a pack file, a directory holding `pack.toml` / `pack.json`, or a
/// bundle. `trusted_keys` (key texts `ed25519:<hex>` or `.pub` paths) requires a bundle
/// signed by one of them; `expect_digest` pins the content digest; `today` (a date) is what
/// list expiry is checked against (default: today); `lang` sets the language decisions are
/// rendered in.
#[pyfunction]
#[pyo3(signature = (path, trusted_keys = None, expect_digest = None, today = None, lang = None, state = None, retention = None))]
// One argument per keyword of `saring.load`.
#[allow(clippy::too_many_arguments)]
fn load(
    py: Python<'_>,
    path: std::path::PathBuf,
    trusted_keys: Option<&Bound<'_, PyAny>>,
    expect_digest: Option<String>,
    today: Option<&Bound<'_, PyAny>>,
    lang: Option<String>,
    state: Option<std::path::PathBuf>,
    retention: Option<String>,
) -> PyResult<PyEngine> {
    guarded(py, || {
        let options = trust::load_options(trusted_keys, expect_digest, today)?;
        let pack = py.detach(|| Pack::load_with(&path, &options));
        let (files, main) = match &pack {
            Ok(p) => (p.sources.files().clone(), p.main.clone()),
            Err(_) => (BTreeMap::new(), String::new()),
        };
        let mut engine = PyEngine::compile(py, pack, files, main, lang)?;
        if let Some(state) = state {
            if !engine.engine.has_aggregates() {
                return Err(PyValueError::new_err(
                    "state= keeps the history of windowed aggregates, and this pack declares none",
                ));
            }
            let store = saring::aggregate::SqliteStore::open(&state)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            engine.state = Some(Arc::new(std::sync::Mutex::new(store)));
        }
        if let Some(text) = retention {
            if engine.state.is_none() {
                return Err(PyValueError::new_err(
                    "retention= is how long the state= store keeps an entry: give state= too",
                ));
            }
            engine.retention = Some(saring::aggregate::parse_window(&text).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "retention must be a length such as \"90d\" (s, m, h, d or w), not {text:?}"
                ))
            })?);
        }
        Ok(engine)
    })
}

/// What an unpickled engine is built from: its files, main file and load-time language.
type PickledPack = (BTreeMap<String, String>, String, Option<String>);

/// Engines built by unpickling in this process, most recent last: a worker process (Spark,
/// Dask) that unpickles the same engine for every task compiles it once.
static UNPICKLED: std::sync::Mutex<Vec<(PickledPack, saring::Engine)>> =
    std::sync::Mutex::new(Vec::new());

/// How many distinct packs [`UNPICKLED`] keeps.
const UNPICKLED_KEPT: usize = 8;

/// How many engines unpickling compiled in this process (the others came from the cache).
static UNPICKLE_COMPILATIONS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Rebuilds a pickled engine from its files (and load-time language, default threads),
/// compiling each pack once per process.
#[pyfunction]
#[pyo3(signature = (files, main, lang = None, threads = None))]
fn _unpickle(
    py: Python<'_>,
    files: BTreeMap<String, String>,
    main: &str,
    lang: Option<String>,
    threads: Option<i64>,
) -> PyResult<PyEngine> {
    let key: PickledPack = (files, main.to_string(), lang);
    let cached = UNPICKLED
        .lock()
        .ok()
        .and_then(|c| c.iter().find(|(k, _)| *k == key).map(|(_, e)| e.clone()));
    if let Some(engine) = cached {
        let (files, main, lang) = key;
        return Ok(PyEngine {
            engine,
            files,
            main,
            lang,
            threads,
            state: None,
            retention: None,
        });
    }
    let mut built = PyEngine::from_file_map(py, key.0.clone(), main, key.2.clone())?;
    built.threads = threads;
    UNPICKLE_COMPILATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut cache) = UNPICKLED.lock() {
        if cache.len() >= UNPICKLED_KEPT {
            cache.remove(0);
        }
        cache.push((key, built.engine.clone()));
    }
    Ok(built)
}

/// How many engines unpickling compiled in this process (for tests of the scale-out pattern).
#[pyfunction]
fn _unpickle_compilations() -> usize {
    UNPICKLE_COMPILATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The native module.
#[pymodule]
fn _saring(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_class::<PyDecision>()?;
    m.add_class::<PyHit>()?;
    m.add_class::<streaming::ScreenIter>()?;
    m.add_class::<ArrowStream>()?;
    m.add_class::<trust::PyDecisionLog>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(trust::verify_log, m)?)?;
    m.add_function(wrap_pyfunction!(_unpickle, m)?)?;
    m.add_function(wrap_pyfunction!(_unpickle_compilations, m)?)?;
    m.add_function(wrap_pyfunction!(pool::_pool_threads, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

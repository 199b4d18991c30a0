//! Python views of decisions: `Decision` and `Hit`, holding the Rust values and converting
//! fields to Python objects only when they are read.
//!
//! A decision from `screen_many` / `screen_iter` starts as the record and its [`Summary`]
//! (outcome, score, rule indices): reading the outcome, score or the hit rule ids costs no
//! rendering; the first read of anything explained (reasons, evidence, incomplete rules,
//! `to_dict`, ...) renders the full decision once, by screening the record again with the same
//! engine — the same decision an eager `screen` gives. `Hit`s are views sharing the
//! decision's Rust data (an `Arc`), made once per decision; nothing is deep-copied on access.

use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3::PyClass;
use saring::{Engine, Record, Summary};

use crate::errors::guarded;
use crate::pyconv::json_to_py;

/// One rule that fired: a view of hit `pos` of a decision's hits (or shadow hits), rule `rule`
/// of its engine. It shares the decision's Rust data (no copy); fields become Python objects
/// when read.
#[pyclass(module = "saring._saring", name = "Hit", frozen)]
pub struct PyHit {
    inner: Arc<Inner>,
    shadow: bool,
    pos: usize,
    rule: usize,
}

impl PyHit {
    /// The rendered hit (rendering the decision on first use).
    fn hit(&self, py: Python<'_>) -> PyResult<&saring::Hit> {
        let d = self.inner.decision(py)?;
        let list = if self.shadow { &d.shadow_hits } else { &d.hits };
        list.get(self.pos)
            .ok_or_else(|| crate::errors::internal_error(py, "a hit is missing from its decision"))
    }

    /// The rule's static facts (id, weight) without rendering, when the decision is unrendered.
    fn rule_info(&self) -> Option<&saring::engine::RuleInfo> {
        match &*self.inner {
            Inner::Pending { pending, .. } => pending.engine.rules().get(self.rule),
            Inner::Rendered(_) => None,
        }
    }
}

#[pymethods]
impl PyHit {
    /// Rule id.
    #[getter]
    fn rule(&self, py: Python<'_>) -> PyResult<String> {
        match self.rule_info() {
            Some(info) => Ok(info.id.clone()),
            None => Ok(self.hit(py)?.rule.clone()),
        }
    }

    /// Rule weight.
    #[getter]
    fn weight(&self, py: Python<'_>) -> PyResult<i64> {
        match self.rule_info() {
            Some(info) => Ok(info.weight),
            None => Ok(self.hit(py)?.weight),
        }
    }

    /// The reason rendered from the record.
    #[getter]
    fn reason(&self, py: Python<'_>) -> PyResult<&str> {
        Ok(&self.hit(py)?.reason)
    }

    /// What would clear the flag, if the rule says.
    #[getter]
    fn remedy(&self, py: Python<'_>) -> PyResult<Option<&str>> {
        Ok(self.hit(py)?.remedy.as_deref())
    }

    /// The rule's references: why the indicator is legitimate (ids or URLs).
    #[getter]
    fn references(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.hit(py)?.references.clone())
    }

    /// The field values the condition read, by dotted path.
    #[getter]
    fn evidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.hit(py)?.evidence {
            d.set_item(k, json_to_py(py, v)?)?;
        }
        Ok(d)
    }

    /// The hit as the JSON-shaped dict every front door returns.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.hit(py)?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<PyHit>() {
            Ok(o) => Ok(o.get().hit(py)? == self.hit(py)?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let hit = self.hit(py)?;
        Ok(format!(
            "Hit(rule={:?}, weight={}, reason={:?})",
            hit.rule, hit.weight, hit.reason
        ))
    }
}

/// `obj` taken out of the cyclic garbage collector's view. Hits hold no Python references and
/// decisions hold only their hits and tuples of str, so neither can be part of a reference
/// cycle;
/// tracked, every full collection would visit each of them (hundreds of thousands after a
/// `screen_many`), which costs more than screening.
pub(crate) fn untracked<T: PyClass>(obj: Bound<'_, T>) -> Bound<'_, T> {
    // SAFETY: `obj` is a live object owned by this thread with the GIL held; untracking an
    // object that cannot be in a cycle only skips it in collections, and the type's dealloc
    // untracks again, which is a no-op for an untracked object.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast()) };
    obj
}

/// A decision not rendered yet: the record, the engine that screened it and the summary.
struct Pending {
    engine: Engine,
    record: Record,
    summary: Summary,
}

/// The Rust data of a decision, shared by the `Decision` and its `Hit`s.
enum Inner {
    Rendered(saring::Decision),
    Pending {
        pending: Box<Pending>,
        full: OnceLock<saring::Decision>,
    },
}

impl Inner {
    /// The full decision, rendered on first use.
    fn decision(&self, py: Python<'_>) -> PyResult<&saring::Decision> {
        match self {
            Inner::Rendered(d) => Ok(d),
            Inner::Pending { pending, full } => {
                if let Some(d) = full.get() {
                    return Ok(d);
                }
                let d = guarded(py, || Ok(pending.engine.screen(&pending.record)))?;
                Ok(full.get_or_init(|| d))
            }
        }
    }

    fn summary(&self) -> Option<&Summary> {
        match self {
            Inner::Rendered(_) => None,
            Inner::Pending { pending, .. } => Some(&pending.summary),
        }
    }
}

/// The result of screening one record: outcome, score, explained hits, shadow hits, rules that
/// could not be decided (missing data) and the pack that decided. A lazy view over the Rust
/// decision: Python objects are built when a field is first read, and the hit objects and
/// rule id tuples are kept for later reads.
#[pyclass(module = "saring._saring", name = "Decision", frozen)]
pub struct PyDecision {
    inner: Arc<Inner>,
    /// The `Hit` views (hits, shadow hits), made on first read. They hold no Python
    /// references, so keeping them here makes no reference cycle.
    hits: OnceLock<Vec<Py<PyHit>>>,
    shadow_hits: OnceLock<Vec<Py<PyHit>>>,
    /// `hit_ids`, `incomplete_ids` (tuples of str), made on first read.
    hit_ids: OnceLock<Py<PyTuple>>,
    incomplete_ids: OnceLock<Py<PyTuple>>,
}

impl PyDecision {
    fn new(inner: Inner) -> PyDecision {
        PyDecision {
            inner: Arc::new(inner),
            hits: OnceLock::new(),
            shadow_hits: OnceLock::new(),
            hit_ids: OnceLock::new(),
            incomplete_ids: OnceLock::new(),
        }
    }

    /// A decision already rendered (`screen`, `screen_json`).
    pub(crate) fn rendered(decision: saring::Decision) -> PyDecision {
        PyDecision::new(Inner::Rendered(decision))
    }

    /// A decision rendered on first read from `engine.screen(&record)`; `summary` is
    /// `engine.screen_summary(&record)`.
    pub(crate) fn summarized(engine: Engine, record: Record, summary: Summary) -> PyDecision {
        PyDecision::new(Inner::Pending {
            pending: Box::new(Pending {
                engine,
                record,
                summary,
            }),
            full: OnceLock::new(),
        })
    }

    /// The full decision, rendered on first use.
    pub(crate) fn decision(&self, py: Python<'_>) -> PyResult<&saring::Decision> {
        self.inner.decision(py)
    }

    fn summary(&self) -> Option<&Summary> {
        self.inner.summary()
    }

    /// The `Hit` views of the hits (`shadow`: shadow hits), made once.
    fn hit_views(&self, py: Python<'_>, shadow: bool) -> PyResult<&Vec<Py<PyHit>>> {
        let cell = if shadow {
            &self.shadow_hits
        } else {
            &self.hits
        };
        if let Some(v) = cell.get() {
            return Ok(v);
        }
        let rules: Vec<usize> = match self.summary() {
            Some(summary) => {
                let ids = if shadow {
                    &summary.shadow_hits
                } else {
                    &summary.hits
                };
                ids.iter().map(|r| r as usize).collect()
            }
            None => {
                let d = self.decision(py)?;
                let n = if shadow {
                    d.shadow_hits.len()
                } else {
                    d.hits.len()
                };
                // Rule indices are only read for unrendered decisions.
                vec![0; n]
            }
        };
        let views = rules
            .into_iter()
            .enumerate()
            .map(|(pos, rule)| {
                let hit = PyHit {
                    inner: self.inner.clone(),
                    shadow,
                    pos,
                    rule,
                };
                Ok(untracked(Bound::new(py, hit)?).unbind())
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(cell.get_or_init(|| views))
    }

    /// A tuple of rule ids, made once into `cell`.
    fn ids_tuple<'py>(
        &self,
        py: Python<'py>,
        cell: &OnceLock<Py<PyTuple>>,
        ids: impl FnOnce(&Self) -> PyResult<Vec<&str>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(t) = cell.get() {
            return Ok(t.bind(py).clone());
        }
        let tuple = PyTuple::new(py, ids(self)?)?.unbind();
        Ok(cell.get_or_init(|| tuple).bind(py).clone())
    }

    /// The ids of the rules in `set` (indices into the engine's rules).
    fn rule_ids<'a>(engine: &'a Engine, set: &saring::IdSet) -> Vec<&'a str> {
        let rules = engine.rules();
        set.iter()
            .filter_map(|i| rules.get(i as usize).map(|r| r.id.as_str()))
            .collect()
    }
}

fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// The decision's hits (`shadow`: its shadow hits) as a new list of the `Hit` views.
fn hits<'py>(slf: &Bound<'py, PyDecision>, shadow: bool) -> PyResult<Bound<'py, PyList>> {
    let py = slf.py();
    let views = slf.get().hit_views(py, shadow)?;
    PyList::new(py, views.iter().map(|h| h.bind(py)))
}

#[pymethods]
impl PyDecision {
    /// The record's id (from the field the pack names as `record_id`), `None` when the pack
    /// names none or the record lacks it.
    #[getter]
    fn record(&self) -> Option<String> {
        match &*self.inner {
            Inner::Pending { pending, .. } => pending.engine.record_id(&pending.record),
            Inner::Rendered(d) => d.record_id().map(str::to_string),
        }
    }

    /// `"clear"`, `"incomplete"`, `"review"` or `"refer"`.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<&'static str> {
        match self.summary() {
            Some(s) => Ok(s.outcome.as_str()),
            None => Ok(self.decision(py)?.outcome.as_str()),
        }
    }

    /// Sum of the weights of the active rules that fired (families capped).
    #[getter]
    fn score(&self, py: Python<'_>) -> PyResult<i64> {
        match self.summary() {
            Some(s) => Ok(s.score),
            None => Ok(self.decision(py)?.score),
        }
    }

    /// The score if every undecided active rule had fired.
    #[getter]
    fn max_score(&self, py: Python<'_>) -> PyResult<i64> {
        match self.summary() {
            Some(s) => Ok(s.max_score),
            None => Ok(self.decision(py)?.max_score),
        }
    }

    /// Capped score per indicator family with hits: `{"itinerary": 40, ...}`.
    #[getter]
    fn families<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision(py)?.families)
    }

    /// What to ask so that the undecided rules can be decided: dicts with `question` and
    /// `fields`.
    #[getter]
    fn questions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision(py)?.questions)
    }

    /// Active rules that fired, in pack order.
    #[getter]
    fn hits<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        hits(slf, false)
    }

    /// Shadow rules that fired (reported, not scored).
    #[getter]
    fn shadow_hits<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        hits(slf, true)
    }

    /// Ids of the active rules that fired, in pack order (a tuple of str; no reasons or
    /// evidence are rendered).
    #[getter]
    fn hit_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.ids_tuple(py, &self.hit_ids, |this| match &*this.inner {
            Inner::Pending { pending, .. } => {
                Ok(PyDecision::rule_ids(&pending.engine, &pending.summary.hits))
            }
            Inner::Rendered(d) => Ok(d.hits.iter().map(|h| h.rule.as_str()).collect()),
        })
    }

    /// Ids of the rules that could not be decided, in pack order (a tuple of str).
    #[getter]
    fn incomplete_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.ids_tuple(py, &self.incomplete_ids, |this| match &*this.inner {
            Inner::Pending { pending, .. } => Ok(PyDecision::rule_ids(
                &pending.engine,
                &pending.summary.incomplete,
            )),
            Inner::Rendered(d) => Ok(d.incomplete.iter().map(|i| i.rule.as_str()).collect()),
        })
    }

    /// Why each undecided rule could not be decided: rule id → `"missing"` (absent data) or
    /// `"error"` (a runtime error, or a value that did not fit its field), in pack order.
    #[getter]
    fn incomplete_kinds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match &*self.inner {
            Inner::Pending { pending, .. } => {
                let rules = pending.engine.rules();
                for (i, kind) in pending.summary.incomplete_kinds() {
                    if let Some(r) = rules.get(i as usize) {
                        d.set_item(&r.id, kind.as_str())?;
                    }
                }
            }
            Inner::Rendered(decision) => {
                for i in &decision.incomplete {
                    d.set_item(&i.rule, i.kind().as_str())?;
                }
            }
        }
        Ok(d)
    }

    /// Rules that could not be decided: dicts with `rule`, `missing` (and `error`).
    #[getter]
    fn incomplete<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision(py)?.incomplete)
    }

    /// Fields whose value did not fit the schema: dicts with `path`, `code`, `message` (the
    /// rules reading them are incomplete; the rest of the record was screened).
    #[getter]
    fn invalid<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision(py)?.invalid)
    }

    /// Input fields the schema does not declare, as dotted paths (a list of str), when the
    /// record was screened with `unknown_fields="report"`: no rule read them. Empty otherwise.
    #[getter]
    fn ignored_fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision(py)?.ignored_fields)
    }

    /// The pack that decided: dict with `id`, `version`, `digest`.
    #[getter]
    fn pack<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision(py)?.pack)
    }

    /// The decision as the JSON-shaped dict every front door returns.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.decision(py)?)
    }

    /// The decision as compact JSON text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.decision(py)?.to_json())
    }

    /// HTML for Jupyter: outcome, flags with reasons, evidence and remedies (`saring._html`).
    fn _repr_html_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("saring._html")?
            .call_method1("decision_html", (self.to_dict(py)?,))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<PyDecision>() {
            Ok(o) => Ok(o.get().decision(py)? == self.decision(py)?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let d = self.decision(py)?;
        let ids: Vec<&str> = d.hits.iter().map(|h| h.rule.as_str()).collect();
        let record = match d.record_id() {
            Some(id) => format!("record={id:?}, "),
            None => String::new(),
        };
        Ok(format!(
            "Decision({record}outcome={:?}, score={}, hits={:?}, incomplete={})",
            d.outcome.as_str(),
            d.score,
            ids,
            d.incomplete.len()
        ))
    }
}

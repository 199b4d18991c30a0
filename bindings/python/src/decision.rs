//! Python views of decisions: `Decision` and `Hit`, holding the Rust values and converting
//! fields to Python objects only when they are read.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::pyconv::json_to_py;

/// One rule that fired.
#[pyclass(module = "saring._saring", name = "Hit", frozen)]
pub struct PyHit {
    pub(crate) hit: saring::Hit,
}

#[pymethods]
impl PyHit {
    /// Rule id.
    #[getter]
    fn rule(&self) -> &str {
        &self.hit.rule
    }

    /// Rule weight.
    #[getter]
    fn weight(&self) -> i64 {
        self.hit.weight
    }

    /// The reason rendered from the record.
    #[getter]
    fn reason(&self) -> &str {
        &self.hit.reason
    }

    /// What would clear the flag, if the rule says.
    #[getter]
    fn remedy(&self) -> Option<&str> {
        self.hit.remedy.as_deref()
    }

    /// The rule's references: why the indicator is legitimate (ids or URLs).
    #[getter]
    fn references(&self) -> Vec<String> {
        self.hit.references.clone()
    }

    /// The field values the condition read, by dotted path.
    #[getter]
    fn evidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.hit.evidence {
            d.set_item(k, json_to_py(py, v)?)?;
        }
        Ok(d)
    }

    /// The hit as the JSON-shaped dict every front door returns.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.hit)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<PyHit>() {
            Ok(o) => o.get().hit == self.hit,
            Err(_) => false,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Hit(rule={:?}, weight={}, reason={:?})",
            self.hit.rule, self.hit.weight, self.hit.reason
        )
    }
}

/// The result of screening one record: outcome, score, explained hits, shadow hits, rules that
/// could not be decided (missing data) and the pack that decided.
#[pyclass(module = "saring._saring", name = "Decision", frozen)]
pub struct PyDecision {
    pub(crate) decision: saring::Decision,
}

fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

fn hits<'py>(py: Python<'py>, hits: &[saring::Hit]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for h in hits {
        list.append(Bound::new(py, PyHit { hit: h.clone() })?)?;
    }
    Ok(list)
}

#[pymethods]
impl PyDecision {
    /// The record's id (from the field the pack names as `record_id`), `None` when the pack
    /// names none or the record lacks it.
    #[getter]
    fn record(&self) -> Option<&str> {
        self.decision.record_id()
    }

    /// `"clear"`, `"incomplete"`, `"review"` or `"refer"`.
    #[getter]
    fn outcome(&self) -> &'static str {
        self.decision.outcome.as_str()
    }

    /// Sum of the weights of the active rules that fired (families capped).
    #[getter]
    fn score(&self) -> i64 {
        self.decision.score
    }

    /// The score if every undecided active rule had fired.
    #[getter]
    fn max_score(&self) -> i64 {
        self.decision.max_score
    }

    /// Capped score per indicator family with hits: `{"itinerary": 40, ...}`.
    #[getter]
    fn families<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision.families)
    }

    /// What to ask so that the undecided rules can be decided: dicts with `question` and
    /// `fields`.
    #[getter]
    fn questions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision.questions)
    }

    /// Active rules that fired, in pack order.
    #[getter]
    fn hits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        hits(py, &self.decision.hits)
    }

    /// Shadow rules that fired (reported, not scored).
    #[getter]
    fn shadow_hits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        hits(py, &self.decision.shadow_hits)
    }

    /// Rules that could not be decided: dicts with `rule`, `missing` (and `error`).
    #[getter]
    fn incomplete<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision.incomplete)
    }

    /// Fields whose value did not fit the schema: dicts with `path`, `code`, `message` (the
    /// rules reading them are incomplete; the rest of the record was screened).
    #[getter]
    fn invalid<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision.invalid)
    }

    /// The pack that decided: dict with `id`, `version`, `digest`.
    #[getter]
    fn pack<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision.pack)
    }

    /// The decision as the JSON-shaped dict every front door returns.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision)
    }

    /// The decision as compact JSON text.
    fn to_json(&self) -> String {
        self.decision.to_json()
    }

    /// HTML for Jupyter: outcome, flags with reasons, evidence and remedies (`saring._html`).
    fn _repr_html_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("saring._html")?
            .call_method1("decision_html", (self.to_dict(py)?,))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<PyDecision>() {
            Ok(o) => o.get().decision == self.decision,
            Err(_) => false,
        }
    }

    fn __repr__(&self) -> String {
        let ids: Vec<&str> = self.decision.hits.iter().map(|h| h.rule.as_str()).collect();
        let record = match self.decision.record_id() {
            Some(id) => format!("record={id:?}, "),
            None => String::new(),
        };
        format!(
            "Decision({record}outcome={:?}, score={}, hits={:?}, incomplete={})",
            self.decision.outcome.as_str(),
            self.decision.score,
            ids,
            self.decision.incomplete.len()
        )
    }
}

//! From officers' verdicts back to rule quality: the reviewed decisions of a log as labelled
//! rows that `saring backtest` reads.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::audit::entry::{EntryKind, Verdict};
use crate::audit::log::for_each_entry;
use crate::audit::AuditError;

/// One reviewed decision: the latest verdict on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The record's id (the decision's `record`), if the pack names a `record_id`.
    pub record: Option<String>,
    /// `seq` of the decision entry reviewed.
    pub decision_seq: u64,
    /// `sha256:<hex>` of the canonical input record.
    pub record_hash: String,
    /// The decision's outcome.
    pub outcome: Option<String>,
    /// The decision's score.
    pub score: Option<i64>,
    /// The latest verdict (a later review replaces an earlier one).
    pub verdict: Verdict,
    /// Who gave it.
    pub officer: Option<String>,
    /// Why.
    pub reason: String,
    /// When.
    pub time: String,
    /// The input record, when the log kept it.
    pub input: Option<Value>,
}

impl Label {
    /// The label a back-test reads: `true` when the officer confirmed the flag.
    pub fn label(&self) -> bool {
        self.verdict == Verdict::Confirmed
    }

    /// The labelled row: the kept record with `column` set to the label, or (without a kept
    /// record) the review's summary: `record`, `column`, `verdict`, `outcome`, `score`,
    /// `record_hash`, `officer`, `reviewed`.
    pub fn row(&self, column: &str) -> Value {
        match &self.input {
            Some(Value::Object(map)) => {
                let mut map = map.clone();
                map.insert(column.to_string(), Value::Bool(self.label()));
                Value::Object(map)
            }
            _ => {
                let mut map = Map::new();
                map.insert(
                    "record".to_string(),
                    self.record.clone().map_or(Value::Null, Value::String),
                );
                map.insert(column.to_string(), Value::Bool(self.label()));
                map.insert("verdict".to_string(), self.verdict.as_str().into());
                map.insert(
                    "outcome".to_string(),
                    self.outcome.clone().map_or(Value::Null, Value::String),
                );
                map.insert(
                    "score".to_string(),
                    self.score.map_or(Value::Null, Value::from),
                );
                map.insert("record_hash".to_string(), self.record_hash.clone().into());
                map.insert(
                    "officer".to_string(),
                    self.officer.clone().map_or(Value::Null, Value::String),
                );
                map.insert("reviewed".to_string(), self.time.clone().into());
                Value::Object(map)
            }
        }
    }
}

/// Every reviewed decision of a log, in the order of the decisions, with its latest verdict.
/// The log is read (twice: reviews, then the decisions they name), not verified: run
/// [`crate::audit::verify`] first.
pub fn labels(path: &Path) -> Result<Vec<Label>, AuditError> {
    struct Review {
        verdict: Verdict,
        officer: Option<String>,
        reason: String,
        time: String,
    }
    let mut reviews: HashMap<u64, Review> = HashMap::new();
    for_each_entry(path, |e| {
        if let (EntryKind::Review, Some(target), Some(verdict)) = (e.kind, &e.refers_to, e.verdict)
        {
            reviews.insert(
                target.seq,
                Review {
                    verdict,
                    officer: e.actor.clone(),
                    reason: e.reason.clone().unwrap_or_default(),
                    time: e.time.clone(),
                },
            );
        }
        Ok(())
    })?;
    let mut out = Vec::with_capacity(reviews.len());
    for_each_entry(path, |e| {
        if e.kind != EntryKind::Decision {
            return Ok(());
        }
        let Some(review) = reviews.remove(&e.seq) else {
            return Ok(());
        };
        let d = e.decision.as_ref();
        out.push(Label {
            record: e.decision_record().map(str::to_string),
            decision_seq: e.seq,
            record_hash: e.record_hash.clone().unwrap_or_default(),
            outcome: d
                .and_then(|d| d.get("outcome"))
                .and_then(Value::as_str)
                .map(str::to_string),
            score: d.and_then(|d| d.get("score")).and_then(Value::as_i64),
            verdict: review.verdict,
            officer: review.officer,
            reason: review.reason,
            time: review.time,
            input: e.input.clone(),
        });
        Ok(())
    })?;
    Ok(out)
}

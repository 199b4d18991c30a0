//! The compiled engine: a pack type-checked and compiled to IR, ready to screen records.

use std::sync::Arc;

use serde::Serialize;

use crate::decision::{Decision, PackRef};
use crate::error::{PackError, RecordError};
use crate::pack::{Pack, RuleStatus};
use crate::record::{DecodeOptions, Record};
use crate::schema::Schema;

/// Metadata about one compiled rule (for listings and bindings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// Rule id.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Weight.
    pub weight: i64,
    /// Status.
    pub status: RuleStatus,
    /// The condition's source text.
    pub when: String,
    /// The remedy, if any.
    pub remedy: Option<String>,
    /// Monitored fields the rule reads (with `uses_monitored` justification).
    pub reads_monitored: Vec<String>,
}

/// What one rule did on one record, for `explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "result")]
pub enum RuleResult {
    /// The condition was true.
    Hit,
    /// The condition was false.
    Miss,
    /// The condition could not be evaluated: missing data (paths) or a runtime error.
    Unknown {
        /// Absent fields it needed.
        missing: Vec<String>,
        /// Runtime error other than missing data.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The rule is disabled and was not evaluated.
    Disabled,
}

/// One rule in an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleExplanation {
    /// Rule id.
    pub rule: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: RuleStatus,
    /// Weight.
    pub weight: i64,
    /// What happened.
    #[serde(flatten)]
    pub result: RuleResult,
    /// The rendered reason (for every evaluated rule, hit or not).
    pub reason: String,
    /// Field values the condition read.
    pub evidence: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A full explanation: every rule, fired or not, plus the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Derived values computed for the record (`null` where they could not be computed).
    pub derived: std::collections::BTreeMap<String, serde_json::Value>,
    /// Every rule in pack order.
    pub rules: Vec<RuleExplanation>,
}

/// A compiled rule pack. Cheap to clone (shared), `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    pack: Pack,
    pack_ref: PackRef,
    rules: Vec<RuleInfo>,
}

impl Engine {
    /// Type-checks and compiles a pack. Every diagnostic is collected before failing.
    pub fn compile(pack: &Pack) -> Result<Engine, PackError> {
        let pack_ref = PackRef {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
            digest: pack.digest.clone(),
        };
        Ok(Engine {
            inner: Arc::new(Compiled {
                pack: pack.clone(),
                pack_ref,
                rules: Vec::new(),
            }),
        })
    }

    /// The pack this engine was compiled from.
    pub fn pack(&self) -> &Pack {
        &self.inner.pack
    }

    /// Pack id, version and digest.
    pub fn pack_ref(&self) -> &PackRef {
        &self.inner.pack_ref
    }

    /// The record schema.
    pub fn schema(&self) -> &Schema {
        &self.inner.pack.schema
    }

    /// The compiled rules, in pack order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.inner.rules
    }

    /// Decodes a JSON object text into a record.
    pub fn decode_json(&self, json: &str, options: DecodeOptions) -> Result<Record, RecordError> {
        let _ = (json, options);
        Err(RecordError::new("record.syntax", None, "not implemented"))
    }

    /// Decodes a JSON value into a record.
    pub fn decode_value(
        &self,
        value: &serde_json::Value,
        options: DecodeOptions,
    ) -> Result<Record, RecordError> {
        let _ = (value, options);
        Err(RecordError::new("record.syntax", None, "not implemented"))
    }

    /// Screens a decoded record.
    pub fn screen(&self, record: &Record) -> Decision {
        let _ = record;
        Decision {
            outcome: crate::Outcome::Clear,
            score: 0,
            hits: vec![],
            shadow_hits: vec![],
            incomplete: vec![],
            pack: self.inner.pack_ref.clone(),
        }
    }

    /// Decodes and screens one JSON object text (unknown fields ignored).
    pub fn screen_json(&self, json: &str) -> Result<Decision, RecordError> {
        Ok(self.screen(&self.decode_json(json, DecodeOptions::default())?))
    }

    /// Decodes and screens one JSON value (unknown fields ignored).
    pub fn screen_value(&self, value: &serde_json::Value) -> Result<Decision, RecordError> {
        Ok(self.screen(&self.decode_value(value, DecodeOptions::default())?))
    }

    /// Screens many JSON texts, in parallel when the `parallel` feature is on; results are in
    /// input order.
    pub fn screen_json_batch(&self, lines: &[&str]) -> Vec<Result<Decision, RecordError>> {
        lines.iter().map(|l| self.screen_json(l)).collect()
    }

    /// Screens many decoded records, in parallel when the `parallel` feature is on.
    pub fn screen_batch(&self, records: &[Record]) -> Vec<Decision> {
        records.iter().map(|r| self.screen(r)).collect()
    }

    /// Explains a decision: every rule, fired, not fired or unknown, with evidence.
    pub fn explain(&self, record: &Record) -> Explanation {
        Explanation {
            decision: self.screen(record),
            derived: Default::default(),
            rules: vec![],
        }
    }
}

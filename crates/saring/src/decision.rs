//! The decision every front door returns: outcome, score, explained hits, incomplete rules
//! and the identity of the pack that decided.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// What should happen to the record. There is no "deny": saring recommends, officers decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Score below the review threshold.
    Clear,
    /// Score at or above `outcomes.review`.
    Review,
    /// Score at or above `outcomes.refer`.
    Refer,
}

impl Outcome {
    /// The outcome's name (`clear`, `review`, `refer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Clear => "clear",
            Outcome::Review => "review",
            Outcome::Refer => "refer",
        }
    }
}

/// One rule that fired, with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Rule id.
    pub rule: String,
    /// Rule weight (added to the score for active rules).
    pub weight: i64,
    /// The reason template rendered from the record.
    pub reason: String,
    /// What would clear the flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The field values the condition read (missing ones omitted), by dotted path.
    pub evidence: BTreeMap<String, serde_json::Value>,
}

/// A rule that could not be decided because data was missing (or evaluation failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incomplete {
    /// Rule id.
    pub rule: String,
    /// Dotted paths of the absent fields the rule needed.
    pub missing: Vec<String>,
    /// A runtime error other than missing data (e.g. overflow), if that is what stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A field whose value did not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidField {
    /// Dotted path of the field (`legs[2].country` for a value inside a list).
    pub path: String,
    /// `record.type_mismatch` or `record.invalid_value`.
    pub code: String,
    /// What is wrong, naming the field.
    pub message: String,
}

/// Identity of the pack that made a decision (shared, so a decision copies no strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// Pack id.
    pub id: Arc<str>,
    /// Pack version.
    pub version: Arc<str>,
    /// `sha256:<hex>` of the canonical pack content.
    pub digest: Arc<str>,
}

/// The result of screening one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// `clear`, `review` or `refer`.
    pub outcome: Outcome,
    /// Sum of the weights of the active rules that fired.
    pub score: i64,
    /// Active rules that fired, in pack order.
    pub hits: Vec<Hit>,
    /// Shadow rules that fired (reported, not scored).
    pub shadow_hits: Vec<Hit>,
    /// Rules that could not be decided, with the missing paths.
    pub incomplete: Vec<Incomplete>,
    /// Fields whose value did not fit the schema: each is absent for the rules (which list it
    /// in their error), and is reported here so that it can be corrected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<InvalidField>,
    /// The pack that decided.
    pub pack: PackRef,
}

impl Decision {
    /// The decision as compact JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

//! The decision every front door returns: outcome, score, explained hits, incomplete rules
//! and the identity of the pack that decided.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::cel::RuntimeErrorKind;

/// What should happen to the record. There is no "deny": saring recommends, officers decide.
///
/// Ordered by how much attention the record needs: `clear < incomplete < review < refer`, so
/// `outcome >= Outcome::Review` means "flagged".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Score below the review threshold.
    Clear,
    /// Needs data: the score is below `review`, but the missing data alone could reach it
    /// (`max_score >= review`); only with `[outcomes] incomplete = "outcome"`.
    Incomplete,
    /// Score at or above `outcomes.review`.
    Review,
    /// Score at or above `outcomes.refer`.
    Refer,
}

impl Outcome {
    /// The outcome's name (`clear`, `incomplete`, `review`, `refer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Clear => "clear",
            Outcome::Incomplete => "incomplete",
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
    /// The rule's `references` (ids or URLs): why the indicator is legitimate, for the
    /// officer to cite. Omitted from JSON when the rule has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The field values the condition read (missing ones omitted), by dotted path.
    pub evidence: BTreeMap<String, serde_json::Value>,
}

/// Why a rule could not be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncompleteKind {
    /// A field the condition needs is absent (the decision names the missing paths).
    Missing,
    /// A runtime error other than missing data: an overflow, a spent cost budget, or a field
    /// whose value did not fit the schema (the decision carries the message).
    Error,
}

impl IncompleteKind {
    /// The kind's name (`missing`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            IncompleteKind::Missing => "missing",
            IncompleteKind::Error => "error",
        }
    }
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
    /// The runtime error's kind (`division_by_zero`, `no_overload`, ...), with `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<RuntimeErrorKind>,
    /// Where in the pack the sub-expression that raised the error is (the innermost call,
    /// operator, index, select or macro it left), when the error has a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_at: Option<ErrorAt>,
    /// The source text of that sub-expression (`a / b`), with `error_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_expr: Option<String>,
}

/// Where a runtime error was raised: a place in a pack file (1-based line and column, in
/// characters, of the failing sub-expression's first character).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAt {
    /// The pack file (relative to the pack directory).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl Incomplete {
    /// Why the rule could not be decided: [`IncompleteKind::Error`] when an error stopped it,
    /// [`IncompleteKind::Missing`] otherwise.
    pub fn kind(&self) -> IncompleteKind {
        if self.error.is_some() {
            IncompleteKind::Error
        } else {
            IncompleteKind::Missing
        }
    }
}

/// A question to ask so that undecided rules can be decided: the `question` text of the
/// missing fields (schema) or of the rule, in the decision's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// What to ask.
    pub question: String,
    /// The missing fields it answers (dotted paths).
    pub fields: Vec<String>,
}

/// A field whose value did not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidField {
    /// Dotted path of the field (`legs[2].country` for a value inside a list).
    pub path: String,
    /// `record.type_mismatch`, `record.invalid_value` or `record.too_many_items`.
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
    /// The record's id, from the field the pack names as `record_id` (int ids as text):
    /// `None` when the pack names no `record_id` (the JSON has no `record` member),
    /// `Some(None)` when the record lacks it (`"record": null`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record_member"
    )]
    pub record: Option<Option<String>>,
    /// `clear`, `incomplete`, `review` or `refer`.
    pub outcome: Outcome,
    /// Sum of the weights of the active rules that fired, each family capped at its
    /// `family_cap`.
    pub score: i64,
    /// The score if every active rule that could not be decided had fired (equal to `score`
    /// when nothing is missing).
    pub max_score: i64,
    /// Capped score per indicator family, for the families with hits.
    pub families: BTreeMap<String, i64>,
    /// Active rules that fired, in pack order.
    pub hits: Vec<Hit>,
    /// Shadow rules that fired (reported, not scored).
    pub shadow_hits: Vec<Hit>,
    /// Rules that could not be decided, with the missing paths.
    pub incomplete: Vec<Incomplete>,
    /// What to ask so that the active incomplete rules can be decided, deduplicated, in rule
    /// order.
    pub questions: Vec<Question>,
    /// Fields whose value did not fit the schema: each is absent for the rules (which list it
    /// in their error), and is reported here so that it can be corrected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<InvalidField>,
    /// Input fields the schema does not declare (a misspelt `tiket`), as dotted paths, when
    /// the record was decoded with [`crate::UnknownFields::Report`]: no rule saw them, so
    /// whatever they held did not count. Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_fields: Vec<String>,
    /// The pack that decided.
    pub pack: PackRef,
}

/// The `record` member: absent (no `record_id` in the pack), `null` (the record has no id) or
/// the id.
mod record_member {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(Some(id)) => s.serialize_str(id),
            _ => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

impl Decision {
    /// The record's id, when the pack names a `record_id` and the record has one.
    pub fn record_id(&self) -> Option<&str> {
        self.record.as_ref().and_then(|r| r.as_deref())
    }

    /// The decision as compact JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

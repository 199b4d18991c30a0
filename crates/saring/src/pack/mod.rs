//! Rule packs: the files on disk (TOML or JSON) turned into plain structs, with every
//! expression and table remembering where it was written.
//!
//! Loading does no type checking of expressions; [`crate::Engine::compile`] does that.

mod build;
mod ctx;
mod digest;
mod lint;
mod load;
mod schema_file;
#[cfg(test)]
mod tests;
mod tree;

pub use lint::review_overdue;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cel::Value;
use crate::diagnostic::{Diagnostic, Location};
use crate::schema::Schema;

/// The source files of a pack, by name relative to the pack directory, kept so that
/// diagnostics can show the offending line.
#[derive(Debug, Clone, Default)]
pub struct SourceFiles {
    /// File name → text.
    pub files: BTreeMap<String, String>,
}

impl SourceFiles {
    /// The location (line, column) of a byte span in a named file.
    pub fn locate(&self, file: &str, span: (usize, usize)) -> Location {
        let text = self.files.get(file).map(String::as_str).unwrap_or("");
        let start = span.0.min(text.len());
        let before = text.get(..start).unwrap_or("");
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text.get(line_start..start).map_or(0, |s| s.chars().count()) as u32 + 1;
        Location {
            file: file.to_string(),
            line,
            column,
            span,
        }
    }
}

/// A CEL expression as written in a pack, with where its text starts.
#[derive(Debug, Clone)]
pub struct Expression {
    /// The expression source.
    pub text: String,
    /// File the expression is in.
    pub file: String,
    /// Byte offset of the expression's first character in that file, when the text appears
    /// verbatim there (no escapes before the error point); used to place diagnostics.
    pub offset: usize,
}

/// `[pack]`: identity of the pack.
#[derive(Debug, Clone)]
pub struct PackMeta {
    /// Stable identifier, e.g. `id-pmi-departure`.
    pub id: String,
    /// Version string, e.g. `2025.05.1`.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Schema file name relative to the pack file.
    pub schema: String,
    /// Optional description.
    pub description: Option<String>,
}

/// `[outcomes]`: inclusive score thresholds. A score below `review` is `clear`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcomes {
    /// Score at which a record goes to `review`.
    pub review: i64,
    /// Score at which a record is `refer`red.
    pub refer: i64,
}

impl Outcomes {
    /// The outcome for a score: `refer` at or above `refer`, `review` at or above `review`,
    /// else `clear`. The one threshold function every front door and the back-test use.
    pub fn outcome(&self, score: i64) -> crate::decision::Outcome {
        use crate::decision::Outcome;
        if score >= self.refer {
            Outcome::Refer
        } else if score >= self.review {
            Outcome::Review
        } else {
            Outcome::Clear
        }
    }
}

/// A named list from `[lists]`.
#[derive(Debug, Clone)]
pub struct NamedList {
    /// The list's name, usable as a CEL variable.
    pub name: String,
    /// Its items (strings or numbers).
    pub items: Vec<Value>,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// A derived value from `[derive]`.
#[derive(Debug, Clone)]
pub struct Derived {
    /// Name, usable as a CEL variable in every rule.
    pub name: String,
    /// The expression computing it.
    pub expr: Expression,
}

/// A rule's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// Evaluated and scored.
    Active,
    /// Evaluated and reported under `shadow_hits`, not scored.
    Shadow,
    /// Not evaluated.
    Disabled,
}

/// What an inline example expects of its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    /// The rule fires.
    Hit,
    /// The rule does not fire (the condition is false).
    Miss,
    /// The rule cannot be decided because data is missing.
    Incomplete,
}

/// A `[[rule.example]]`: an inline test of one rule.
#[derive(Debug, Clone)]
pub struct Example {
    /// What the rule must do on the record.
    pub expect: Expectation,
    /// The record (JSON object).
    pub record: serde_json::Value,
    /// Where the example is written.
    pub location: Option<Location>,
}

/// A `[[rule]]`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable identifier (`one_way_hotspot`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Score added when the rule fires.
    pub weight: i64,
    /// Active, shadow or disabled.
    pub status: RuleStatus,
    /// The condition.
    pub when: Expression,
    /// Reason template with `{path}` placeholders.
    pub reason: String,
    /// What would clear the flag.
    pub remedy: Option<String>,
    /// Why the indicator is legitimate (sources).
    pub references: Vec<String>,
    /// Date by which the rule must be reviewed (`YYYY-MM-DD`).
    pub review_by: Option<String>,
    /// Justification for reading monitored fields.
    pub uses_monitored: Option<String>,
    /// Inline tests.
    pub examples: Vec<Example>,
    /// Where the rule is declared.
    pub location: Option<Location>,
}

/// A loaded, not yet compiled, rule pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// `[pack]`
    pub meta: PackMeta,
    /// `[outcomes]`
    pub outcomes: Outcomes,
    /// `[lists]`, in declaration order.
    pub lists: Vec<NamedList>,
    /// `[derive]`, in declaration order.
    pub derive: Vec<Derived>,
    /// `[[rule]]`s, in declaration order.
    pub rules: Vec<Rule>,
    /// The record schema.
    pub schema: Schema,
    /// `sha256:<hex>` of the canonical pack content (schema and lists included).
    pub digest: String,
    /// Source texts, for rendering diagnostics.
    pub sources: Arc<SourceFiles>,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

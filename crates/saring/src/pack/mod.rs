//! Rule packs: the files on disk (TOML or JSON) turned into plain structs, with every
//! expression and table remembering where it was written.
//!
//! Loading does no type checking of expressions; [`crate::Engine::compile`] does that.

mod aggregate;
mod build;
mod ctx;
mod digest;
mod language;
mod lint;
mod load;
mod schema_file;
#[cfg(test)]
mod tests;
mod tree;

pub use aggregate::parse_window;
pub(crate) use aggregate::NAMESPACE as AGGREGATE_NAMESPACE;
pub use lint::review_overdue;
pub use load::LoadOptions;
pub(crate) use load::{check_loaded, load_files};

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cel::Value;
use crate::diagnostic::{Diagnostic, Location};
use crate::schema::Schema;

/// The source files of a pack, by name relative to the pack directory, kept so that
/// diagnostics can show the offending line. Each file is indexed when it is added (line
/// starts, and character counts every few hundred bytes), so placing a span costs
/// O(log n), not a scan of the file: packs with thousands of diagnostics stay linear.
#[derive(Debug, Clone, Default)]
pub struct SourceFiles {
    files: BTreeMap<String, String>,
    index: BTreeMap<String, LineIndex>,
}

/// Where line starts and character counts are in one file.
#[derive(Debug, Clone, Default)]
struct LineIndex {
    /// Byte offset of the start of every line (the first is 0).
    line_starts: Vec<usize>,
    /// `(byte offset, characters before it)` at char boundaries, about every
    /// [`LineIndex::MARK_EVERY`] bytes, starting with `(0, 0)`.
    marks: Vec<(usize, usize)>,
}

impl LineIndex {
    const MARK_EVERY: usize = 256;

    fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let mut marks = vec![(0, 0)];
        let mut next_mark = LineIndex::MARK_EVERY;
        for (chars, (offset, c)) in text.char_indices().enumerate() {
            if offset >= next_mark {
                marks.push((offset, chars));
                next_mark = offset + LineIndex::MARK_EVERY;
            }
            if c == '\n' {
                line_starts.push(offset + 1);
            }
        }
        LineIndex { line_starts, marks }
    }

    /// Characters of `text` before byte `offset` (a char boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let at = self.marks.partition_point(|&(o, _)| o <= offset);
        let (mark, chars) = self.marks[at.saturating_sub(1)];
        chars + text.get(mark..offset).map_or(0, |s| s.chars().count())
    }
}

/// The line holding a byte offset of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineAt {
    /// 1-based line number.
    pub number: usize,
    /// Byte offset of the line's first character.
    pub start: usize,
    /// Byte offset of its end (the `\n`, or the end of the file).
    pub end: usize,
}

impl SourceFiles {
    /// Adds (or replaces) a file.
    pub fn insert(&mut self, name: impl Into<String>, text: impl Into<String>) {
        let (name, text) = (name.into(), text.into());
        self.index.insert(name.clone(), LineIndex::new(&text));
        self.files.insert(name, text);
    }

    /// The text of a file.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }

    /// True when the file is present.
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// Every file: name → text.
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.files
    }

    /// The line holding byte `offset` of a file (clamped to the file, moved back to a char
    /// boundary); `None` when there is no such file.
    pub(crate) fn line_at(&self, file: &str, offset: usize) -> Option<LineAt> {
        let text = self.files.get(file)?;
        let index = self.index.get(file)?;
        let offset = floor_char_boundary(text, offset);
        let line = index.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = index.line_starts[line - 1];
        let end = index
            .line_starts
            .get(line)
            .map_or(text.len(), |next| next - 1);
        Some(LineAt {
            number: line,
            start,
            end,
        })
    }

    /// The location (line, column) of a byte span in a named file.
    pub fn locate(&self, file: &str, span: (usize, usize)) -> Location {
        let (line, column) = match (self.files.get(file), self.index.get(file)) {
            (Some(text), Some(index)) => {
                let offset = floor_char_boundary(text, span.0);
                let line = self.line_at(file, offset).map_or(1, |l| l.number);
                let line_start = index.line_starts[line - 1];
                let column =
                    index.chars_before(text, offset) - index.chars_before(text, line_start);
                (line, column)
            }
            _ => (1, 0),
        };
        Location {
            file: file.to_string(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
            span,
        }
    }
}

/// `offset` clamped to `text` and moved back to the start of the character it falls in.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
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
    /// `languages`: the languages applicant texts are written in (`["id", "en"]`); empty when
    /// the pack declares none (its texts are plain strings).
    pub languages: Vec<String>,
    /// `default_language`: the language decisions are rendered in unless another is asked
    /// for (the first of `languages` when not given).
    pub default_language: Option<String>,
    /// `record_id`: the dotted path of the schema field (string or int) that identifies a
    /// record; its value is copied into every decision as `"record"`.
    pub record_id: Option<RecordIdField>,
}

/// The field named by `[pack] record_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordIdField {
    /// Dotted path (`record_id`, `applicant.file_no`).
    pub path: String,
    /// Slot of the field in a decoded record.
    pub slot: u32,
}

/// Who may receive a list: its sharing class. Ordered from the most open to the most closed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    /// May be published (a citizen's self-check page embeds it).
    Public,
    /// Shared between agencies that exchange packs; not published. The default for a list
    /// nobody classified.
    #[default]
    Agency,
    /// Only for the agency that holds it (watch lists).
    Restricted,
}

impl Sharing {
    /// Every class, from the most open.
    pub const ALL: [Sharing; 3] = [Sharing::Public, Sharing::Agency, Sharing::Restricted];

    /// The class's name (`public`, `agency`, `restricted`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sharing::Public => "public",
            Sharing::Agency => "agency",
            Sharing::Restricted => "restricted",
        }
    }

    /// Parses a class name.
    pub fn parse(name: &str) -> Option<Sharing> {
        Sharing::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Sharing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[outcomes] incomplete`: what a decision does when the score is below `review` but the
/// missing data alone could reach it (`max_score >= review`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IncompleteMode {
    /// The outcome stays `clear`; the decision still reports `max_score` and `questions`
    /// (the default, so packs written before the `incomplete` outcome decide as before).
    #[default]
    Report,
    /// The outcome is `incomplete` ("needs data").
    Outcome,
}

/// `[outcomes]`: inclusive score thresholds, family caps and the rules that turn a score into
/// an outcome (see [`crate::engine::score`]). A score below `review` is `clear`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcomes {
    /// Score at which a record goes to `review`.
    pub review: i64,
    /// Score at which a record is `refer`red.
    pub refer: i64,
    /// `incomplete = "report" | "outcome"`.
    pub incomplete: IncompleteMode,
    /// `family_cap = { itinerary = 40 }`: the most one indicator family adds to the score.
    pub family_cap: BTreeMap<String, i64>,
    /// `refer_min_families`: `refer` needs active hits from at least this many families;
    /// otherwise the outcome is capped at `review` (0 or 1: no requirement).
    pub refer_min_families: u32,
}

impl Outcomes {
    /// The outcome a score reaches under the thresholds alone: `refer` at or above `refer`,
    /// `review` at or above `review`, otherwise `clear`. The family and incomplete-data
    /// rules are applied on top of this by the engine's scoring.
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

/// An applicant-facing text (`reason`, `remedy`, `question`, `title`): one string for every
/// language, or one string per language (`reason = { en = "...", id = "..." }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// The same text whatever the language.
    Plain(String),
    /// `(language, text)` pairs in the order written.
    PerLanguage(Vec<(String, String)>),
}

impl Default for Text {
    fn default() -> Text {
        Text::Plain(String::new())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::Plain(s.to_string())
    }
}

impl Text {
    /// The text in `language`: a plain text for any language, otherwise the entry of that
    /// language, if written.
    pub fn get(&self, language: &str) -> Option<&str> {
        match self {
            Text::Plain(s) => Some(s),
            Text::PerLanguage(texts) => texts
                .iter()
                .find(|(l, _)| l == language)
                .map(|(_, t)| t.as_str()),
        }
    }

    /// The text in `language`, else in `fallback`, else the first one written.
    pub fn resolve(&self, language: &str, fallback: &str) -> &str {
        self.get(language)
            .or_else(|| self.get(fallback))
            .unwrap_or_else(|| match self {
                Text::Plain(s) => s,
                Text::PerLanguage(texts) => texts.first().map_or("", |(_, t)| t.as_str()),
            })
    }

    /// The languages written (empty for a plain text).
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        let texts: &[(String, String)] = match self {
            Text::Plain(_) => &[],
            Text::PerLanguage(texts) => texts,
        };
        texts.iter().map(|(l, _)| l.as_str())
    }

    /// The canonical JSON of the text (a string, or an object by language), for the digest.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Text::Plain(s) => s.clone().into(),
            Text::PerLanguage(texts) => texts
                .iter()
                .map(|(l, t)| (l.clone(), serde_json::Value::String(t.clone())))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

/// `uses_monitored = { why = "...", references = [...], approved_by = "..." }`: the recorded
/// justification for a rule that reads a monitored field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonitoredJustification {
    /// Why reading the monitored field is lawful and necessary (a sentence, not a placeholder).
    pub why: String,
    /// The legal basis or sources (at least one).
    pub references: Vec<String>,
    /// Who reviewed and approved the use.
    pub approved_by: String,
}

/// A named list from `[lists]`.
#[derive(Debug, Clone)]
pub struct NamedList {
    /// The list's name, usable as a CEL variable.
    pub name: String,
    /// Its items (strings or numbers).
    pub items: Vec<Value>,
    /// The list file it was read from (`lists/x.txt`), `None` for an inline list.
    pub file: Option<String>,
    /// Who may receive it (`agency` when the pack does not say).
    pub sharing: Sharing,
    /// Where the list comes from (who maintains it, as of when).
    pub provenance: Option<String>,
    /// The last day the list may be used; loading refuses it after that day.
    pub expires: Option<chrono::NaiveDate>,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// A named constant from `[constants]`: a literal that expressions and reason templates
/// may name (the planner sees the value itself, so a regex constant is compiled once).
#[derive(Debug, Clone)]
pub struct Constant {
    /// Name, usable as a CEL variable and a template placeholder.
    pub name: String,
    /// The value: a string, int, double or bool.
    pub value: Value,
    /// Declared as `{ regex = "..." }`: the value is a pattern, checked at load.
    pub regex: bool,
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

/// A windowed aggregate from `[aggregate.<name>]`: a value computed over the records that
/// share `key` within `window` before `time` (the record itself included), read by rules as
/// `agg.<name>`.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// Name: rules read `agg.<name>`.
    pub name: String,
    /// What groups records (`sponsor.phone`, `normalize_name(recruiter.name)`).
    pub key: Expression,
    /// When the record happened (a date or timestamp).
    pub time: Expression,
    /// How far back the window reaches.
    pub window: Window,
    /// What is computed over the window.
    pub measure: Measure,
    /// `where`: only records for which this holds are counted.
    pub filter: Option<Expression>,
    /// Human description.
    pub description: Option<String>,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// The length of an aggregate's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Length in seconds.
    pub seconds: i64,
    /// As written (`30d`).
    pub text: String,
}

/// What an aggregate computes over its window.
#[derive(Debug, Clone)]
pub enum Measure {
    /// `count = true`: how many records (an `int`).
    Count,
    /// `count_distinct = "<expr>"`: how many distinct values of the expression (an `int`).
    CountDistinct(Expression),
    /// `sum = "<expr>"`: the sum of a numeric expression (its type).
    Sum(Expression),
}

impl Measure {
    /// `count`, `count_distinct` or `sum`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::CountDistinct(_) => "count_distinct",
            Measure::Sum(_) => "sum",
        }
    }
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
    /// Records screened before it in the same batch (for rules reading windowed aggregates):
    /// the example's record is the last of `history + [record]`.
    pub history: Vec<serde_json::Value>,
    /// Where the example is written.
    pub location: Option<Location>,
}

/// A `[[rule]]`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable identifier (`one_way_hotspot`).
    pub id: String,
    /// Human title (officer-facing; may be given per language).
    pub title: Text,
    /// Score added when the rule fires.
    pub weight: i64,
    /// Active, shadow or disabled.
    pub status: RuleStatus,
    /// The indicator family (`itinerary`, `documents`, ...), if declared.
    pub family: Option<String>,
    /// The condition.
    pub when: Expression,
    /// Reason template with `{path}` placeholders (per language or one for all).
    pub reason: Text,
    /// What would clear the flag.
    pub remedy: Option<Text>,
    /// The question to ask when the rule is incomplete, replacing the schema's questions for
    /// the missing fields.
    pub question: Option<Text>,
    /// Why the indicator is legitimate (sources).
    pub references: Vec<String>,
    /// Date by which the rule must be reviewed (`YYYY-MM-DD`).
    pub review_by: Option<String>,
    /// Justification for reading monitored fields.
    pub uses_monitored: Option<MonitoredJustification>,
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
    /// `[constants]`, in declaration order.
    pub constants: Vec<Constant>,
    /// `[lists]`, in declaration order.
    pub lists: Vec<NamedList>,
    /// `[derive]`, in declaration order.
    pub derive: Vec<Derived>,
    /// `[aggregate.<name>]`, in declaration order.
    pub aggregates: Vec<Aggregate>,
    /// `[[rule]]`s, in declaration order.
    pub rules: Vec<Rule>,
    /// The record schema.
    pub schema: Schema,
    /// `sha256:<hex>` of the canonical pack content (schema and lists included).
    pub digest: String,
    /// Source texts, for rendering diagnostics (every file the pack was read from).
    pub sources: Arc<SourceFiles>,
    /// The pack file's name among `sources` (`pack.toml`, `departure.toml`).
    pub main: String,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

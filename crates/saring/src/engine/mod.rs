//! The compiled engine: a pack type-checked and compiled to IR, ready to screen records.
//!
//! ```
//! use saring::{Engine, Pack, Outcome};
//!
//! let schema = r#"
//! [field.destination]
//! type = "string"
//! required = true
//! [field.return_ticket]
//! type = "bool"
//! required = true
//! "#;
//! let pack = r#"
//! [pack]
//! id = "demo"
//! version = "1"
//! title = "Demo"
//! schema = "schema.toml"
//! [outcomes]
//! review = 20
//! refer = 60
//! [lists]
//! hotspot = ["KH", "MM", "LA"]
//! [[rule]]
//! id = "one_way_hotspot"
//! title = "One-way ticket towards a scam-compound region"
//! weight = 25
//! when = "destination in hotspot && !return_ticket"
//! reason = "No return ticket for travel to {destination}"
//! remedy = "A return or onward ticket clears this flag"
//! references = ["synthetic example"]
//! "#;
//! let engine = Engine::compile(&Pack::from_toml_str(pack, schema)?)?;
//! let decision = engine.screen_json(r#"{"destination": "KH", "return_ticket": false}"#)?;
//! assert_eq!(decision.outcome, Outcome::Review);
//! assert_eq!(decision.hits[0].reason, "No return ticket for travel to KH");
//!
//! // Missing data is never a "no": the rule is incomplete, not a miss.
//! let decision = engine.screen_json(r#"{"destination": "KH"}"#)?;
//! assert_eq!(decision.incomplete[0].missing, vec!["return_ticket".to_string()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod access;
mod build;
mod history;

/// The compiled parts of a pack, for tests that look at the plan.
#[cfg(all(test, feature = "regex"))]
pub(crate) fn build_for_tests(pack: &Pack) -> Result<build::Built, Vec<crate::Diagnostic>> {
    build::build(pack, &CostLimits::default())
}
mod identity;
mod inspect;
pub(crate) use inspect::slots_read;
mod language;
mod policy;
mod questions;
mod run;
pub(crate) mod score;
pub(crate) mod template;

pub use history::{BatchHistory, HistoryEntry, RecordHistory};
pub use inspect::RuleReads;
pub use policy::MonitoredUse;
pub use run::Summary;
#[cfg(feature = "arrow")]
pub(crate) use run::{Listed, RuleVerdict};

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::cel::ir::{DerivedNode, Node, Paths};
use crate::decision::{Decision, PackRef};
use crate::error::{LanguageError, PackError, RecordError};
use crate::limits::CostLimits;
use crate::pack::{Outcomes, Pack, RuleStatus};
use crate::record::{DecodeOptions, Record};
use crate::schema::{FieldKind, Schema};
use language::{Languages, PerLanguage};
use questions::Questions;
use score::Scoring;
use template::Templates;

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
    /// The indicator family, if declared.
    pub family: Option<String>,
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
    /// The remedy, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The rule's references (omitted when it has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Field values the condition read.
    pub evidence: BTreeMap<String, serde_json::Value>,
}

/// A full explanation: every rule, fired or not, plus the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Derived values computed for the record (`null` where they could not be computed).
    pub derived: BTreeMap<String, serde_json::Value>,
    /// Every rule in pack order.
    pub rules: Vec<RuleExplanation>,
}

#[derive(Debug)]
pub(crate) struct CompiledDerived {
    pub name: String,
    pub slots: Vec<(u32, Arc<str>)>,
    pub monitored: std::collections::BTreeSet<String>,
}

#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub id: Arc<str>,
    pub weight: i64,
    pub status: RuleStatus,
    pub node: Node,
    pub reason: Templates,
    pub remedy: PerLanguage<Option<String>>,
    pub evidence: Vec<(u32, Arc<str>, FieldKind)>,
    pub evidence_derived: Vec<u32>,
    /// Windowed aggregates the condition reads (their evidence shows the records behind).
    pub evidence_aggregates: Vec<u32>,
}

/// A compiled `[aggregate.<name>]`.
#[derive(Debug)]
pub(crate) struct CompiledAggregate {
    pub name: String,
    pub kind: crate::aggregate::MeasureKind,
    /// Window length in microseconds, and as written.
    pub window: i64,
    pub window_text: String,
    pub key: Node,
    pub time: Node,
    /// What `count_distinct` tells apart or `sum` adds.
    pub value: Option<Node>,
    /// `where`.
    pub filter: Option<Node>,
    /// Monitored fields its expressions read (rules reading it read them too).
    pub monitored: std::collections::BTreeSet<String>,
    /// Record slots its expressions read (directly or through derived values).
    pub slots: Vec<(u32, Arc<str>)>,
}

/// A compiled rule pack. Cheap to clone (shared), `Send + Sync`. Decisions are rendered in
/// one of the pack's languages ([`Engine::with_language`]).
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Compiled>,
    /// Language slot reasons, remedies, titles and questions are rendered in.
    lang: usize,
}

#[derive(Debug)]
struct Compiled {
    pack: Pack,
    pack_ref: PackRef,
    outcomes: Outcomes,
    /// Rule metadata, titles and remedies in each language.
    infos: PerLanguage<Vec<RuleInfo>>,
    languages: Languages,
    scoring: Scoring,
    questions: Questions,
    register: Vec<MonitoredUse>,
    derived: Vec<CompiledDerived>,
    /// Windowed aggregates, by index.
    aggregates: Vec<CompiledAggregate>,
    /// By slot: read by an aggregate (its key, time, value or `where`, directly or through a
    /// derived value) or the record id — what the first pass of a batch decodes (made on
    /// first use).
    history_fields: std::sync::OnceLock<Box<[bool]>>,
    /// The derived values' nodes, by index (evaluated lazily, on first read).
    derived_nodes: Vec<DerivedNode>,
    rules: Vec<CompiledRule>,
    /// Evaluation order (dependencies first), disabled rules left out.
    order: Vec<u32>,
    /// Warnings found while compiling (e.g. optional fields read without `has()`).
    warnings: Vec<crate::Diagnostic>,
    /// Record paths by id, for missing-data reports.
    paths: Paths,
    /// Source spans of the nodes runtime errors are placed at (by site id).
    sites: crate::cel::ir::Sites,
    /// Static cost limit and per-record budget.
    limits: CostLimits,
    /// What the pack needs of the optional parts of the engine.
    requirements: Vec<crate::capability::Requirement>,
}

impl Engine {
    /// Type-checks and compiles a pack with the default [`CostLimits`]. Every diagnostic is
    /// collected before failing.
    pub fn compile(pack: &Pack) -> Result<Engine, PackError> {
        Engine::compile_with_limits(pack, CostLimits::default())
    }

    /// Type-checks and compiles a pack under the given cost limits: an expression whose
    /// static cost estimate is over `limits.static_cost` is an error (`pack.cost_limit`), and
    /// each record's evaluation gets a budget of `limits.runtime_cost` units.
    ///
    /// ```
    /// use saring::limits::CostLimits;
    /// let pack = saring::Pack::load("../../rules/id-pmi/departure.toml")?;
    /// let limits = CostLimits { runtime_cost: 1_000_000, ..CostLimits::default() };
    /// let engine = saring::Engine::compile_with_limits(&pack, limits)?;
    /// assert_eq!(engine.limits().runtime_cost, 1_000_000);
    /// # Ok::<(), saring::PackError>(())
    /// ```
    pub fn compile_with_limits(pack: &Pack, limits: CostLimits) -> Result<Engine, PackError> {
        let built = build::build(pack, &limits)
            .map_err(|diags| PackError::new(diags, pack.sources.clone()))?;
        let pack_ref = PackRef {
            id: pack.meta.id.as_str().into(),
            version: pack.meta.version.as_str().into(),
            digest: pack.digest.as_str().into(),
        };
        let languages = Languages::of(pack);
        let infos = languages.each(|slot| {
            built
                .infos
                .iter()
                .zip(&pack.rules)
                .map(|(info, rule)| RuleInfo {
                    title: languages.resolve(&rule.title, slot).to_string(),
                    remedy: rule
                        .remedy
                        .as_ref()
                        .map(|r| languages.resolve(r, slot).to_string()),
                    ..info.clone()
                })
                .collect()
        });
        let scoring = Scoring::new(
            pack.rules
                .iter()
                .map(|r| (r.weight, r.status, r.family.as_deref())),
            &pack.outcomes,
        );
        let mut warnings = built.warnings;
        warnings.extend(policy::proxy_warnings(pack));
        // An authoring check: a build without pack files in TOML (the citizen page's, whose
        // embedded pack is checked when the site is built) leaves it out.
        #[cfg(feature = "toml")]
        warnings.extend(policy::example_warnings(pack));
        Ok(Engine {
            lang: languages.default_index(),
            inner: Arc::new(Compiled {
                pack: pack.clone(),
                pack_ref,
                outcomes: pack.outcomes.clone(),
                register: policy::monitored_register(pack, &built.infos),
                questions: Questions::new(pack, &languages),
                infos,
                languages,
                scoring,
                derived: built.derived,
                history_fields: std::sync::OnceLock::new(),
                aggregates: built.aggregates,
                derived_nodes: built.derived_nodes,
                rules: built.rules,
                order: built.order,
                warnings,
                paths: built.paths,
                sites: built.sites,
                limits,
                requirements: built.requirements,
            }),
        })
    }

    /// What the pack needs of the optional parts of the engine (cargo features of this
    /// crate, see [`crate::capability`]): one entry per call that needs one, in rule order.
    /// A build tool chooses the features of a reduced build from this; a build that lacks
    /// one refuses the pack with `build.unavailable`.
    ///
    /// ```
    /// let pack = saring::Pack::load("../../rules/job-offer/pack.toml")?;
    /// let engine = saring::Engine::compile(&pack)?;
    /// assert!(engine.requirements().is_empty());
    /// # Ok::<(), saring::PackError>(())
    /// ```
    pub fn requirements(&self) -> &[crate::capability::Requirement] {
        &self.inner.requirements
    }

    /// Rule `i`'s planned condition and status (for the columnar evaluator).
    #[cfg(feature = "arrow")]
    pub(crate) fn rule_plan(&self, i: usize) -> Option<(&Node, RuleStatus)> {
        self.inner.rules.get(i).map(|r| (&r.node, r.status))
    }

    /// Derived value `i`'s planned expression and the derived values it reads.
    pub(crate) fn derived_plan(&self, i: usize) -> Option<&DerivedNode> {
        self.inner.derived_nodes.get(i)
    }

    /// Rule indices in evaluation order (dependencies first), disabled rules left out.
    #[cfg(feature = "arrow")]
    pub(crate) fn rule_order(&self) -> &[u32] {
        &self.inner.order
    }

    /// The cost limits the engine was compiled with.
    pub fn limits(&self) -> CostLimits {
        self.inner.limits
    }

    /// The same engine rendering reasons, remedies, titles and questions in `language` (one
    /// of the pack's `languages`). Cheap: the compiled pack is shared.
    pub fn with_language(&self, language: &str) -> Result<Engine, LanguageError> {
        Ok(Engine {
            inner: self.inner.clone(),
            lang: self.inner.languages.index(language)?,
        })
    }

    /// The language decisions are rendered in (`None` for a pack that declares none).
    pub fn language(&self) -> Option<&str> {
        self.inner.languages.name(self.lang)
    }

    /// The pack's declared languages (empty when its texts are plain strings).
    pub fn languages(&self) -> &[String] {
        self.inner.languages.names()
    }

    /// A pack text (a schema field's `question`, a rule's `reason` source, ...) in the
    /// engine's language, falling back to the pack's default language.
    pub fn localize<'t>(&self, text: &'t crate::pack::Text) -> &'t str {
        self.inner.languages.resolve(text, self.lang)
    }

    /// Every rule that reads a monitored field, with the fields and its recorded
    /// justification (`uses_monitored`), in rule order. `saring check` prints it.
    pub fn monitored_register(&self) -> &[MonitoredUse] {
        &self.inner.register
    }

    /// Loads a pack from disk and compiles it.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Engine, PackError> {
        Engine::compile(&Pack::load(path)?)
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

    /// The compiled rules, in pack order, with titles and remedies in the engine's language.
    pub fn rules(&self) -> &[RuleInfo] {
        self.inner.infos.get(self.lang)
    }

    /// Warnings found while compiling (`saring check` prints them with the pack's own):
    /// `pack.unguarded_optional` (an optional field read without `has()` or `.?`) and
    /// `pack.proxy_field` (a field that `encodes` personal attributes taken apart).
    pub fn warnings(&self) -> &[crate::Diagnostic] {
        &self.inner.warnings
    }

    /// The outcome thresholds, family caps and incomplete-data mode.
    pub fn outcomes(&self) -> &Outcomes {
        &self.inner.outcomes
    }

    /// Decodes a JSON object text into a record.
    pub fn decode_json(&self, json: &str, options: DecodeOptions) -> Result<Record, RecordError> {
        crate::record::decode_json(self.schema(), json, options)
    }

    /// Decodes a JSON value into a record.
    pub fn decode_value(
        &self,
        value: &serde_json::Value,
        options: DecodeOptions,
    ) -> Result<Record, RecordError> {
        crate::record::decode_value(self.schema(), value, options)
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
    /// input order (unknown fields ignored).
    pub fn screen_json_batch(&self, lines: &[&str]) -> Vec<Result<Decision, RecordError>> {
        self.screen_json_batch_with(lines, DecodeOptions::default())
    }

    /// [`Engine::screen_json_batch`] decoding under `options`.
    pub fn screen_json_batch_with(
        &self,
        lines: &[&str],
        options: DecodeOptions,
    ) -> Vec<Result<Decision, RecordError>> {
        if self.has_aggregates() {
            // Aggregates need the whole batch first (batch semantics).
            let mut decoded: Vec<Result<Record, RecordError>> =
                lines.iter().map(|l| self.decode_json(l, options)).collect();
            let mut at: Vec<(usize, &mut Record)> = decoded
                .iter_mut()
                .enumerate()
                .filter_map(|(i, d)| d.as_mut().ok().map(|r| (i, r)))
                .collect();
            self.aggregate_batch_at(&mut at);
            let screen = |d: &Result<Record, RecordError>| -> Result<Decision, RecordError> {
                d.as_ref().map(|r| self.screen(r)).map_err(Clone::clone)
            };
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                return decoded.par_iter().map(screen).collect();
            }
            #[cfg(not(feature = "parallel"))]
            return decoded.iter().map(screen).collect();
        }
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            lines
                .par_iter()
                .map(|l| self.decode_json(l, options).map(|r| self.screen(&r)))
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            lines
                .iter()
                .map(|l| self.decode_json(l, options).map(|r| self.screen(&r)))
                .collect()
        }
    }

    /// Screens many decoded records, in parallel when the `parallel` feature is on. With
    /// windowed aggregates, the records are one batch: each sees the others before it (see
    /// [`Engine::aggregate_batch`]).
    pub fn screen_batch(&self, records: &[Record]) -> Vec<Decision> {
        if self.has_aggregates() && records.iter().any(|r| r.facts.is_empty()) {
            let mut records = records.to_vec();
            self.aggregate_batch(&mut records);
            return self.screen_batch_as_is(&records);
        }
        self.screen_batch_as_is(records)
    }

    fn screen_batch_as_is(&self, records: &[Record]) -> Vec<Decision> {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            records.par_iter().map(|r| self.screen(r)).collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            records.iter().map(|r| self.screen(r)).collect()
        }
    }
}

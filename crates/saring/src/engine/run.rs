//! Screening: evaluate the rules over a record (derived values on first read), then report
//! what was asked for: a [`Summary`] (outcome, score, rule indices) or a full, explained
//! [`Decision`]. Reasons, evidence and missing paths are rendered only when reported.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;

use crate::cel::eval::{boolean, derived, BoolCtx, Computed, Ctx, Fail, Failure, Frame, RuleState};
use crate::cel::Value;
use crate::decision::{Decision, ErrorAt, Hit, Incomplete, IncompleteKind, InvalidField, Outcome};
use crate::engine::score::{RuleOutcome, Scored};
use crate::engine::{CompiledRule, Engine, Explanation, RuleExplanation, RuleResult};
use crate::idset::IdSet;
use crate::pack::RuleStatus;
use crate::record::{cel_to_json, value_to_json, Record};

/// A decision without explanations: see [`Engine::screen_summary`]. Rule sets hold indices
/// into [`Engine::rules`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `clear`, `incomplete`, `review` or `refer`.
    pub outcome: Outcome,
    /// Sum of the (family-capped) weights of the active rules that fired.
    pub score: i64,
    /// The score if every incomplete active rule had fired.
    pub max_score: i64,
    /// The active rules that fired.
    pub hits: IdSet,
    /// The shadow rules that fired.
    pub shadow_hits: IdSet,
    /// The rules that could not be decided (missing data or a runtime error).
    pub incomplete: IdSet,
    /// Of [`Summary::incomplete`], those stopped by a runtime error rather than missing data.
    pub errors: IdSet,
}

impl Summary {
    /// Why rule `rule` (an index into [`Engine::rules`]) could not be decided; `None` when it
    /// was decided (or is disabled).
    pub fn incomplete_kind(&self, rule: u32) -> Option<IncompleteKind> {
        if !self.incomplete.contains(rule) {
            None
        } else if self.errors.contains(rule) {
            Some(IncompleteKind::Error)
        } else {
            Some(IncompleteKind::Missing)
        }
    }

    /// The undecided rules with the reason kind, in pack order (the same kinds as
    /// [`crate::Incomplete::kind`] of the full decision).
    pub fn incomplete_kinds(&self) -> impl Iterator<Item = (u32, IncompleteKind)> + '_ {
        self.incomplete.iter().map(|i| {
            let kind = if self.errors.contains(i) {
                IncompleteKind::Error
            } else {
                IncompleteKind::Missing
            };
            (i, kind)
        })
    }
}

/// A rule's result as a [`Summary`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleVerdict {
    /// Not evaluated (disabled).
    Pending,
    /// The condition was true.
    Hit,
    /// The condition was false.
    Miss,
    /// Undecided, with missing data met on the way.
    Missing,
    /// Undecided by a runtime error alone (an invalid field, no overload, ...).
    Error,
}

/// A rule state standing for a verdict decided elsewhere. A failure stands for its kind only:
/// `Missing` carries one placeholder path (a summary reads only whether any path is there).
fn preset_state(verdict: RuleVerdict, failures: &mut Vec<Failure>) -> RuleState {
    let failure = match verdict {
        RuleVerdict::Pending => return RuleState::Pending,
        RuleVerdict::Hit => return RuleState::Hit,
        RuleVerdict::Miss => return RuleState::Miss,
        RuleVerdict::Missing => {
            let mut missing = IdSet::default();
            missing.insert(0);
            Failure {
                fail: Fail::Missing,
                missing,
            }
        }
        RuleVerdict::Error => Failure {
            fail: Fail::new(
                crate::cel::RuntimeErrorKind::Internal,
                "decided by the columnar evaluator",
            ),
            missing: IdSet::default(),
        },
    };
    failures.push(failure);
    RuleState::Failed((failures.len() - 1) as u32)
}

/// The lists of a [`Summary`] a rule can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listed {
    /// An active rule that fired (`hits`).
    Hit,
    /// A shadow rule that fired (`shadow_hits`).
    ShadowHit,
    /// Undecided for missing data (`incomplete`).
    Missing,
    /// Undecided by an error (`incomplete` and `errors`).
    Error,
}

/// Per-thread scratch space reused across records, so screening does not allocate for the
/// evaluation itself.
#[derive(Default)]
struct Scratch {
    frame: Frame,
    buffers: Option<Evaluation>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Derived values and rule results for one record.
#[derive(Default)]
pub(crate) struct Evaluation {
    /// Derived values computed so far (one cell each; filled on first read).
    cache: Vec<OnceCell<Computed>>,
    rules: Vec<RuleState>,
    /// Why failed rules failed (indexed by `RuleState::Failed`).
    failures: Vec<Failure>,
}

impl Evaluation {
    fn failure(&self, state: RuleState) -> Option<&Failure> {
        match state {
            RuleState::Failed(f) => self.failures.get(f as usize),
            _ => None,
        }
    }
}

/// The record's invalid fields, for the decision.
fn invalid_fields(record: &Record) -> Vec<InvalidField> {
    record
        .invalid()
        .map(|e| InvalidField {
            path: e.path.clone().unwrap_or_default(),
            code: e.code.to_string(),
            message: e.message.clone(),
        })
        .collect()
}

impl Engine {
    fn evaluate(&self, record: &Record) -> Evaluation {
        self.evaluate_preset(record, &[])
    }

    /// Evaluates the rules over a record, except those with a verdict in `preset` (indexed
    /// by rule; missing entries and `None` are evaluated), which take it as their result.
    fn evaluate_preset(&self, record: &Record, preset: &[Option<RuleVerdict>]) -> Evaluation {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let scratch = &mut *scratch;
                let buffers = scratch.buffers.take().unwrap_or_default();
                self.evaluate_into(record, &mut scratch.frame, buffers, preset)
            }
            Err(_) => {
                self.evaluate_into(record, &mut Frame::default(), Evaluation::default(), preset)
            }
        })
    }

    /// Hands an evaluation's buffers back to this thread's scratch space.
    fn recycle(mut ev: Evaluation) {
        ev.failures.clear();
        SCRATCH.with(|cell| {
            if let Ok(mut scratch) = cell.try_borrow_mut() {
                scratch.buffers = Some(ev);
            }
        });
    }

    fn evaluate_into(
        &self,
        record: &Record,
        frame: &mut Frame,
        mut ev: Evaluation,
        preset: &[Option<RuleVerdict>],
    ) -> Evaluation {
        let c = &self.inner;
        ev.cache.iter_mut().for_each(|cell| {
            cell.take();
        });
        ev.cache.resize_with(c.derived_nodes.len(), OnceCell::new);
        ev.rules.clear();
        ev.rules.resize(c.rules.len(), RuleState::Pending);
        ev.failures.clear();
        frame.start_budget(c.limits.runtime_cost);
        for &i in &c.order {
            let i = i as usize;
            if let Some(Some(verdict)) = preset.get(i) {
                ev.rules[i] = preset_state(*verdict, &mut ev.failures);
                continue;
            }
            frame.reset();
            let result = {
                let cx = Ctx {
                    record: Some(record),
                    vars: &[],
                    derived: &c.derived_nodes,
                    cache: &ev.cache,
                    rules: &ev.rules,
                    failures: &ev.failures,
                };
                boolean(&c.rules[i].node, &cx, frame, BoolCtx::Condition)
            };
            ev.rules[i] = match result {
                Ok(true) => RuleState::Hit,
                Ok(false) => RuleState::Miss,
                Err(fail) => {
                    ev.failures.push(Failure {
                        fail,
                        missing: frame.missing.clone(),
                    });
                    RuleState::Failed((ev.failures.len() - 1) as u32)
                }
            };
        }
        ev
    }

    /// Derived value `i` for the record, computing it if no rule read it yet.
    fn derived_value<'v>(
        &'v self,
        record: &'v Record,
        ev: &'v Evaluation,
        i: u32,
    ) -> Option<&'v Value> {
        let c = &self.inner;
        let cx = Ctx {
            record: Some(record),
            vars: &[],
            derived: &c.derived_nodes,
            cache: &ev.cache,
            rules: &ev.rules,
            failures: &ev.failures,
        };
        derived(&cx, i, &mut Frame::default()).ok()
    }

    /// Where a runtime error was raised, and the failing sub-expression's text: from the
    /// site of the innermost node it left, in the rule condition or derived value it is in.
    fn error_place(&self, e: &crate::cel::RuntimeError) -> Option<(ErrorAt, String)> {
        let c = &self.inner;
        let site = e.site()?;
        let span = c.sites.span(site)?;
        let expr = super::build::site_owner(&c.pack, c.sites.owner(site)?)?;
        let (start, end) = (span.start as usize, span.end as usize);
        let text = expr.text.get(start..end)?;
        let loc = c.pack.sources.locate(
            &expr.file,
            (expr.offset + start, expr.offset + end.max(start + 1)),
        );
        Some((
            ErrorAt {
                file: loc.file,
                line: loc.line,
                column: loc.column,
            },
            text.to_string(),
        ))
    }

    /// The incomplete entry of rule `i` for a failure.
    fn incomplete(&self, i: usize, failure: &Failure) -> Incomplete {
        let (missing, error) = self.report(failure);
        let (error_kind, place) = match (&failure.fail, &error) {
            (Fail::Error(e), Some(_)) => (Some(e.kind()), self.error_place(e)),
            _ => (None, None),
        };
        let (error_at, error_expr) = place.unzip();
        Incomplete {
            rule: self.inner.rules[i].id.to_string(),
            missing,
            error,
            error_kind,
            error_at,
            error_expr,
        }
    }

    /// How a failure is reported: the missing paths, or (when nothing was missing) the error.
    fn report(&self, failure: &Failure) -> (Vec<String>, Option<String>) {
        let missing: Vec<String> = self
            .inner
            .paths
            .sorted(&failure.missing)
            .iter()
            .map(|p| p.to_string())
            .collect();
        let error = if missing.is_empty() {
            Some(match &failure.fail {
                Fail::Error(e) => e.message().to_string(),
                Fail::Missing => "missing data".to_string(),
            })
        } else {
            None
        };
        (missing, error)
    }

    fn reason(&self, rule: &CompiledRule, record: &Record, ev: &Evaluation) -> String {
        rule.reason
            .get(self.lang)
            .render(record, &|i| self.derived_value(record, ev, i))
    }

    fn evidence(
        &self,
        rule: &CompiledRule,
        record: &Record,
        ev: &Evaluation,
    ) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for (slot, path, kind) in &rule.evidence {
            if let Some(v) = record.get(*slot) {
                out.insert(path.to_string(), value_to_json(kind, v));
            }
        }
        for &i in &rule.evidence_derived {
            if let (Some(d), Some(v)) = (
                self.inner.derived.get(i as usize),
                self.derived_value(record, ev, i),
            ) {
                out.insert(d.name.clone(), cel_to_json(v));
            }
        }
        for &i in &rule.evidence_aggregates {
            if let Some((name, shown)) = self.aggregate_evidence(record, i) {
                out.insert(name, shown);
            }
        }
        out
    }

    fn hit(&self, i: usize, record: &Record, ev: &Evaluation) -> Hit {
        let rule = &self.inner.rules[i];
        Hit {
            rule: rule.id.to_string(),
            weight: rule.weight,
            reason: self.reason(rule, record, ev),
            remedy: rule.remedy.get(self.lang).clone(),
            references: self.rule_references(i),
            evidence: self.evidence(rule, record, ev),
        }
    }

    /// The summary of an evaluation: outcome and score (from the pack's scoring), rule
    /// indices.
    fn summarize(&self, ev: &Evaluation) -> (Summary, Scored) {
        self.summarize_verdicts(ev.rules.iter().map(|state| match state {
            RuleState::Pending => RuleVerdict::Pending,
            RuleState::Hit => RuleVerdict::Hit,
            RuleState::Miss => RuleVerdict::Miss,
            RuleState::Failed(_) => {
                if ev.failure(*state).is_some_and(|f| f.missing.is_empty()) {
                    RuleVerdict::Error
                } else {
                    RuleVerdict::Missing
                }
            }
        }))
    }

    /// The summary of every rule's verdict (in pack order): what [`Engine::screen_summary`]
    /// reports, for evaluators that decide rules without a record (the columnar one).
    pub(crate) fn summarize_verdicts(
        &self,
        verdicts: impl Iterator<Item = RuleVerdict> + Clone,
    ) -> (Summary, Scored) {
        let scored = self.score_verdicts(verdicts.clone());
        let mut summary = Summary {
            outcome: scored.outcome,
            score: scored.score,
            max_score: scored.max_score,
            hits: IdSet::default(),
            shadow_hits: IdSet::default(),
            incomplete: IdSet::default(),
            errors: IdSet::default(),
        };
        for (i, verdict) in verdicts.enumerate() {
            let i = i as u32;
            match self.listed(i as usize, verdict) {
                Some(Listed::Hit) => summary.hits.insert(i),
                Some(Listed::ShadowHit) => summary.shadow_hits.insert(i),
                Some(Listed::Missing) => summary.incomplete.insert(i),
                Some(Listed::Error) => {
                    summary.incomplete.insert(i);
                    summary.errors.insert(i);
                }
                None => {}
            }
        }
        (summary, scored)
    }

    /// Scores rule verdicts (in pack order) under the pack's weights, caps and thresholds.
    pub(crate) fn score_verdicts(&self, verdicts: impl Iterator<Item = RuleVerdict>) -> Scored {
        self.inner.scoring.score(verdicts.map(|v| match v {
            RuleVerdict::Hit => RuleOutcome::Hit,
            RuleVerdict::Miss => RuleOutcome::Miss,
            RuleVerdict::Missing | RuleVerdict::Error => RuleOutcome::Incomplete,
            RuleVerdict::Pending => RuleOutcome::Skipped,
        }))
    }

    /// Scores and outcomes of `n` records from each rule's hit and incomplete rows as
    /// bitmaps (see `Scoring::score_columns`).
    #[cfg(feature = "arrow")]
    pub(crate) fn score_columns<'b>(
        &self,
        n: usize,
        rule: impl Fn(usize) -> Option<(&'b [u64], &'b [u64])>,
    ) -> (Vec<i64>, Vec<Outcome>) {
        self.inner.scoring.score_columns(n, rule)
    }

    /// Which list of a [`Summary`] rule `i` with this verdict is in, if any.
    #[inline]
    pub(crate) fn listed(&self, i: usize, verdict: RuleVerdict) -> Option<Listed> {
        let status = self.inner.rules.get(i)?.status;
        match (status, verdict) {
            (RuleStatus::Disabled, _) => None,
            (RuleStatus::Active, RuleVerdict::Hit) => Some(Listed::Hit),
            (_, RuleVerdict::Hit) => Some(Listed::ShadowHit),
            (_, RuleVerdict::Missing) => Some(Listed::Missing),
            (_, RuleVerdict::Error) => Some(Listed::Error),
            _ => None,
        }
    }

    fn decide(&self, record: &Record, ev: &Evaluation) -> Decision {
        let c = &self.inner;
        let (summary, scored) = self.summarize(ev);
        let hits = |ids: &IdSet| -> Vec<Hit> {
            ids.iter()
                .map(|i| self.hit(i as usize, record, ev))
                .collect()
        };
        let incomplete = summary
            .incomplete
            .iter()
            .filter_map(|i| {
                let failure = ev.failure(ev.rules[i as usize])?;
                Some(self.incomplete(i as usize, failure))
            })
            .collect();
        let questions = c.questions.ask(
            self.lang,
            c.rules
                .iter()
                .zip(&ev.rules)
                .enumerate()
                .filter_map(|(i, (rule, state))| {
                    let failure = ev.failure(*state)?;
                    Some((i, rule.status, c.paths.sorted(&failure.missing)))
                })
                .collect::<Vec<_>>()
                .iter()
                .map(|(i, status, paths)| (*i, *status, paths.as_slice())),
        );
        Decision {
            record: self.decision_record(record),
            outcome: summary.outcome,
            score: summary.score,
            max_score: summary.max_score,
            families: c
                .scoring
                .families(&scored)
                .map(|(name, v)| (name.to_string(), v))
                .collect(),
            hits: hits(&summary.hits),
            shadow_hits: hits(&summary.shadow_hits),
            incomplete,
            questions,
            invalid: invalid_fields(record),
            ignored_fields: record.ignored_fields().map(str::to_string).collect(),
            pack: c.pack_ref.clone(),
        }
    }

    /// [`Engine::screen_summary`] with the verdicts of some rules decided already (by the
    /// columnar evaluator): those are taken as they are, the others evaluated over `record`,
    /// which needs to hold only the fields they read.
    pub(crate) fn screen_summary_preset(
        &self,
        record: &Record,
        preset: &[Option<RuleVerdict>],
    ) -> Summary {
        let ev = self.evaluate_preset(record, preset);
        let (summary, _) = self.summarize(&ev);
        Engine::recycle(ev);
        summary
    }

    /// Screens a decoded record without rendering explanations: the outcome, score and the
    /// indices (into [`Engine::rules`]) of the rules that fired or could not be decided.
    /// For bulk work (DataFrames, back-tests) where reasons and evidence are not needed;
    /// [`Engine::screen`] gives the same outcome and score with every flag explained.
    pub fn screen_summary(&self, record: &Record) -> Summary {
        self.screen_summary_preset(record, &[])
    }

    /// The outcome for a score under the pack's thresholds.
    pub fn outcome_of(&self, score: i64) -> Outcome {
        self.inner.outcomes.outcome(score)
    }

    /// The pack's derived values computed for one record, in declaration order, as JSON
    /// (`null` where a value could not be computed, e.g. for missing data).
    pub fn derived_values(&self, record: &Record) -> Vec<(&str, serde_json::Value)> {
        let mut ev = Evaluation::default();
        ev.cache
            .resize_with(self.inner.derived_nodes.len(), OnceCell::new);
        self.inner
            .derived
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let json = self
                    .derived_value(record, &ev, i as u32)
                    .map_or(serde_json::Value::Null, cel_to_json);
                (d.name.as_str(), json)
            })
            .collect()
    }

    /// Screens a decoded record.
    pub fn screen(&self, record: &Record) -> Decision {
        let ev = self.evaluate(record);
        let decision = self.decide(record, &ev);
        Engine::recycle(ev);
        decision
    }

    /// Explains a decision: every rule, fired, not fired or unknown, with evidence.
    pub fn explain(&self, record: &Record) -> Explanation {
        let c = &self.inner;
        let ev = self.evaluate(record);
        let decision = self.decide(record, &ev);
        let derived = c
            .derived
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let json = self
                    .derived_value(record, &ev, i as u32)
                    .map_or(serde_json::Value::Null, cel_to_json);
                (d.name.clone(), json)
            })
            .collect();
        let rules = c
            .rules
            .iter()
            .zip(&ev.rules)
            .zip(self.rules())
            .enumerate()
            .map(|(i, ((rule, result), info))| {
                let result = match (rule.status, result) {
                    (RuleStatus::Disabled, _) => RuleResult::Disabled,
                    (_, RuleState::Hit) => RuleResult::Hit,
                    (_, RuleState::Miss) => RuleResult::Miss,
                    (_, state @ RuleState::Failed(_)) => match ev.failure(*state) {
                        Some(failure) => {
                            let (missing, error) = self.report(failure);
                            RuleResult::Unknown { missing, error }
                        }
                        None => RuleResult::Disabled,
                    },
                    (_, RuleState::Pending) => RuleResult::Disabled,
                };
                RuleExplanation {
                    rule: info.id.clone(),
                    title: info.title.clone(),
                    status: info.status,
                    weight: info.weight,
                    result,
                    reason: self.reason(rule, record, &ev),
                    remedy: rule.remedy.get(self.lang).clone(),
                    references: self.rule_references(i),
                    evidence: self.evidence(rule, record, &ev),
                }
            })
            .collect();
        Explanation {
            decision,
            derived,
            rules,
        }
    }
}

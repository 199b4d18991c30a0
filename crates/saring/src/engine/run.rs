//! Screening: evaluate derived values and rules over a record and build the decision.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cel::eval::{eval, eval_ref, Activation, Computed, Failure, Frame, RuleState};
use crate::cel::{EvalError, Value};
use crate::decision::{Decision, Hit, Incomplete, Outcome};
use crate::engine::score::{RuleOutcome, Scored};
use crate::engine::{CompiledRule, Engine, Explanation, RuleExplanation, RuleResult};
use crate::pack::RuleStatus;
use crate::record::{cel_to_json, value_to_json, Record};

/// A decision without explanations: see [`Engine::screen_summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `clear`, `incomplete`, `review` or `refer`.
    pub outcome: Outcome,
    /// Sum of the (family-capped) weights of the active rules that fired.
    pub score: i64,
    /// The score if every incomplete active rule had fired.
    pub max_score: i64,
    /// Indices of the active rules that fired, in pack order.
    pub hits: Vec<u32>,
    /// Indices of the shadow rules that fired.
    pub shadow_hits: Vec<u32>,
    /// Indices of the rules that could not be decided.
    pub incomplete: Vec<u32>,
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
struct Evaluation {
    derived: Vec<Computed>,
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

/// How a failure is reported: the missing paths, or (when nothing was missing) the error.
fn report((error, paths): &Failure) -> (Vec<String>, Option<String>) {
    let missing = paths.iter().map(|p| p.to_string()).collect();
    let error = if paths.is_empty() {
        Some(error.to_string())
    } else {
        None
    };
    (missing, error)
}

fn missing_paths(frame: &Frame) -> Vec<Arc<str>> {
    let mut paths: Vec<Arc<str>> = frame.missing.clone();
    paths.sort();
    paths.dedup();
    paths
}

/// How scoring sees a rule's state.
fn scoring_state(state: &RuleState) -> RuleOutcome {
    match state {
        RuleState::Hit => RuleOutcome::Hit,
        RuleState::Miss => RuleOutcome::Miss,
        RuleState::Failed(_) => RuleOutcome::Incomplete,
        RuleState::Pending => RuleOutcome::Skipped,
    }
}

impl Engine {
    /// Scores an evaluation (see [`crate::engine::score`]).
    fn score(&self, ev: &Evaluation) -> Scored {
        self.inner.scoring.score(ev.rules.iter().map(scoring_state))
    }

    fn evaluate(&self, record: &Record) -> Evaluation {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let scratch = &mut *scratch;
                let buffers = scratch.buffers.take().unwrap_or_default();
                self.evaluate_into(record, &mut scratch.frame, buffers)
            }
            Err(_) => self.evaluate_into(record, &mut Frame::default(), Evaluation::default()),
        })
    }

    /// Hands an evaluation's buffers back to this thread's scratch space.
    fn recycle(mut ev: Evaluation) {
        ev.derived.clear();
        ev.failures.clear();
        SCRATCH.with(|cell| {
            if let Ok(mut scratch) = cell.try_borrow_mut() {
                scratch.buffers = Some(ev);
            }
        });
    }

    fn evaluate_into(&self, record: &Record, frame: &mut Frame, mut ev: Evaluation) -> Evaluation {
        let c = &self.inner;
        ev.derived.clear();
        ev.derived.resize(c.derived.len(), Computed::Pending);
        ev.rules.clear();
        ev.rules.resize(c.rules.len(), RuleState::Pending);
        ev.failures.clear();
        for i in 0..c.derived.len() {
            frame.reset();
            let act = Activation {
                record: Some(record),
                vars: &[],
                derived: &ev.derived,
                rules: &[],
                failures: &[],
            };
            let computed = match eval(&c.derived[i].node, &act, frame) {
                Ok(v) => Computed::Ok(v),
                Err(e) => Computed::Failed(e, missing_paths(frame)),
            };
            ev.derived[i] = computed;
        }
        for &i in &c.order {
            let i = i as usize;
            frame.reset();
            let act = Activation {
                record: Some(record),
                vars: &[],
                derived: &ev.derived,
                rules: &ev.rules,
                failures: &ev.failures,
            };
            let error = match eval_ref(&c.rules[i].node, &act, frame) {
                Ok(v) => match v.as_ref() {
                    Value::Bool(b) => {
                        ev.rules[i] = if *b { RuleState::Hit } else { RuleState::Miss };
                        continue;
                    }
                    other => EvalError::msg(format!(
                        "the condition evaluated to {}, not bool",
                        other.type_name()
                    )),
                },
                Err(e) => e,
            };
            ev.rules[i] = RuleState::Failed(ev.failures.len() as u32);
            ev.failures.push((error, missing_paths(frame)));
        }
        ev
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
            if let (Some(d), Some(Computed::Ok(v))) = (
                self.inner.derived.get(i as usize),
                ev.derived.get(i as usize),
            ) {
                out.insert(d.name.clone(), cel_to_json(v));
            }
        }
        out
    }

    fn decide(&self, record: &Record, ev: &Evaluation) -> Decision {
        let c = &self.inner;
        let lang = self.lang;
        let mut hits = Vec::new();
        let mut shadow_hits = Vec::new();
        let mut incomplete = Vec::new();
        for (i, (rule, result)) in c.rules.iter().zip(&ev.rules).enumerate() {
            if rule.status == RuleStatus::Disabled {
                continue;
            }
            match result {
                RuleState::Hit => {
                    let hit = Hit {
                        rule: rule.id.to_string(),
                        weight: rule.weight,
                        reason: rule.reason.get(lang).render(record, &ev.derived),
                        remedy: rule.remedy.get(lang).clone(),
                        references: self.rule_references(i),
                        evidence: self.evidence(rule, record, ev),
                    };
                    if rule.status == RuleStatus::Active {
                        hits.push(hit);
                    } else {
                        shadow_hits.push(hit);
                    }
                }
                RuleState::Failed(_) => {
                    if let Some(failure) = ev.failure(*result) {
                        let (missing, error) = report(failure);
                        incomplete.push(Incomplete {
                            rule: rule.id.to_string(),
                            missing,
                            error,
                        });
                    }
                }
                _ => {}
            }
        }
        let scored = self.score(ev);
        let questions = c.questions.ask(
            lang,
            c.rules
                .iter()
                .zip(&ev.rules)
                .enumerate()
                .filter_map(|(i, (rule, state))| {
                    let (_, paths) = ev.failure(*state)?;
                    Some((i, rule.status, paths.as_slice()))
                }),
        );
        Decision {
            record: self.decision_record(record),
            outcome: scored.outcome,
            score: scored.score,
            max_score: scored.max_score,
            families: c
                .scoring
                .families(&scored)
                .map(|(name, v)| (name.to_string(), v))
                .collect(),
            hits,
            shadow_hits,
            incomplete,
            questions,
            pack: c.pack_ref.clone(),
        }
    }

    /// Screens a decoded record without rendering explanations: the outcome, score and the
    /// indices (into [`Engine::rules`]) of the rules that fired or could not be decided.
    /// For bulk work (DataFrames, back-tests) where reasons and evidence are not needed;
    /// [`Engine::screen`] gives the same outcome and score with every flag explained.
    pub fn screen_summary(&self, record: &Record) -> Summary {
        let ev = self.evaluate(record);
        let scored = self.score(&ev);
        let mut summary = Summary {
            outcome: scored.outcome,
            score: scored.score,
            max_score: scored.max_score,
            hits: Vec::new(),
            shadow_hits: Vec::new(),
            incomplete: Vec::new(),
        };
        for (i, (rule, result)) in self.inner.rules.iter().zip(&ev.rules).enumerate() {
            match (rule.status, result) {
                (RuleStatus::Disabled, _) => {}
                (RuleStatus::Active, RuleState::Hit) => summary.hits.push(i as u32),
                (_, RuleState::Hit) => summary.shadow_hits.push(i as u32),
                (_, RuleState::Failed(_)) => summary.incomplete.push(i as u32),
                _ => {}
            }
        }
        Engine::recycle(ev);
        summary
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
            .zip(&ev.derived)
            .map(|(d, v)| {
                let json = match v {
                    Computed::Ok(v) => cel_to_json(v),
                    _ => serde_json::Value::Null,
                };
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
                            let (missing, error) = report(failure);
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
                    reason: rule.reason.get(self.lang).render(record, &ev.derived),
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

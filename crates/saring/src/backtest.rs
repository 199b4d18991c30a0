//! Back-test metrics: decisions plus ground-truth labels (and the monitored group each record
//! belongs to) turned into a [`BacktestReport`].
//!
//! Pure computation, no I/O: the CLI and the Python binding feed it. The API is an
//! accumulator, so memory stays flat however many records are back-tested:
//!
//! ```
//! use saring::backtest::{Backtest, BacktestConfig, RuleSpec};
//! use saring::pack::{Outcomes, RuleStatus};
//! use saring::{Decision, Outcome, PackRef};
//!
//! let config = BacktestConfig {
//!     outcomes: Outcomes { review: 30, refer: 60, ..Outcomes::default() },
//!     rules: vec![RuleSpec {
//!         id: "a".into(), weight: 40, status: RuleStatus::Active, family: None,
//!     }],
//! };
//! let clear = Decision {
//!     record: None,
//!     outcome: Outcome::Clear, score: 0, max_score: 0, families: Default::default(),
//!     hits: vec![], shadow_hits: vec![], incomplete: vec![], questions: vec![], invalid: vec![],
//!     ignored_fields: vec![],
//!     pack: PackRef { id: "p".into(), version: "1".into(), digest: "sha256:0".into() },
//! };
//! let mut bt = Backtest::new(config);
//! bt.add(&clear, false, &[("sex".to_string(), "F".to_string())]);
//! let report = bt.finish();
//! assert_eq!(report.records, 1);
//! assert_eq!(report.thresholds[0].tn, 1);
//! ```
//!
//! Definitions (all rates are `null` in JSON when their denominator is zero):
//! - a record is **flagged** at a threshold when its outcome is at or above it (`review`:
//!   review or refer; `refer`: refer only). Any other outcome (an `incomplete` "needs data"
//!   outcome, where a pack has it) is not flagged, and is counted separately;
//! - a rule's **precision** is true hits / hits, its **recall** true hits / positives, its
//!   **lift** precision / base rate;
//! - an active rule's **marginal recall** is the recall (at the review, resp. refer,
//!   threshold) lost when the rule is removed: each record is re-scored without the rule
//!   (family caps and the families needed for `refer` applied, as in the engine);
//! - a shadow rule's **promotion recall** is the recall (at the review threshold) gained if it
//!   were made active with its weight;
//! - the **fairness** of flags across monitored groups is read in the harm direction (being
//!   flagged is the harm): see [`fairness`](self#fairness) below.
//!
//! # Fairness
//!
//! Per group (one value, or one band, of a monitored column), at the review threshold, with
//! fairlearn's names (`fairlearn.metrics`) in brackets:
//! - **flag rate** = flagged / n (`selection_rate`);
//! - **false-positive rate** = flagged negatives / negatives (`false_positive_rate`): innocent
//!   travellers sent to review, the harm that matters most;
//! - **false-negative rate** = unflagged positives / positives (`false_negative_rate`);
//! - **precision** = flagged positives / flagged (scikit-learn's `precision_score`);
//!
//! each with a 95% Wilson score interval ([`stats::wilson`]). The **flag ratio** of a group is
//! its flag rate over the *lowest* flag rate of the column (the reference group: the lowest
//! among groups of at least [`Backtest::min_group_size`] records and not `(missing)`), and the
//! **FPR ratio** likewise with false-positive rates; each has a 95% Katz log interval
//! ([`stats::katz`]). The largest flag ratio of a column is the inverse of fairlearn's
//! `demographic_parity_ratio` (lowest rate / highest rate). A group is reported as a
//! **disparity** when the *whole* interval of its ratio lies above the tolerance (default
//! [`DEFAULT_TOLERANCE`] = 1.25, the four-fifths rule read in the harm direction: 1 / 0.8):
//! a small group gets a wide interval, so noise does not raise warnings, while a real
//! difference in a large group does.
//!
//! **Per-rule disparity** (proxy detection): for every rule and monitored column, the rule's
//! hit rate per group and its ratio to the lowest hit rate, with the same interval and
//! tolerance. A rule whose hits concentrate in one group beyond the tolerance is reported by
//! name (`rule `x`: hits 10.0× more often for `sex = female``) even when no rule reads the
//! column: a condition on NIK digits that encode sex is caught this way.
//!
//! References: the EEOC's four-fifths rule (29 CFR § 1607.4 D); fairlearn's metric
//! definitions (fairlearn.org, "Common fairness metrics"); S. Bird et al., *Fairlearn: A
//! toolkit for assessing and improving fairness in AI* (Microsoft, 2020); Newcombe (1998) and
//! Katz et al. (1978) for the intervals (see [`stats`]).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::decision::{Decision, Outcome, PackRef};
use crate::engine::score::{RuleOutcome, Scoring};
use crate::pack::{Outcomes, Pack, RuleStatus};

mod fairness;
pub mod groups;
pub mod stats;

pub use fairness::{Disparity, DisparityKind, RuleDisparity, RuleGroup};
pub use groups::GroupBy;
pub use stats::Interval;

/// Default disparity tolerance: a group flagged more than 1.25 times as often as the least
/// flagged group (the four-fifths rule, read in the harm direction) is reported when the
/// whole 95% interval of the ratio lies above it.
pub const DEFAULT_TOLERANCE: f64 = 1.25;

/// Default minimum size of the reference group of a fairness comparison.
pub const DEFAULT_MIN_GROUP: u64 = 30;

/// Default number of false positives kept as samples to read.
pub const DEFAULT_SAMPLES: usize = 10;

/// A rule as the back-test sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSpec {
    /// Rule id.
    pub id: String,
    /// Weight added to the score when the rule fires (if active).
    pub weight: i64,
    /// Active or shadow (disabled rules are left out of reports).
    pub status: RuleStatus,
    /// The rule's indicator family, if any (for family caps).
    pub family: Option<String>,
}

/// Outcome rules and rules of the pack whose decisions are back-tested.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestConfig {
    /// Thresholds, family caps and incomplete-data mode of the pack.
    #[serde(skip)]
    pub outcomes: Outcomes,
    /// Rules reported on, in report order.
    pub rules: Vec<RuleSpec>,
}

impl BacktestConfig {
    /// Thresholds and active/shadow rules of a pack (disabled rules left out).
    pub fn from_pack(pack: &Pack) -> BacktestConfig {
        BacktestConfig {
            outcomes: pack.outcomes.clone(),
            rules: pack
                .rules
                .iter()
                .filter(|r| r.status != RuleStatus::Disabled)
                .map(|r| RuleSpec {
                    id: r.id.clone(),
                    weight: r.weight,
                    status: r.status,
                    family: r.family.clone(),
                })
                .collect(),
        }
    }

    /// How the engine scores these rules.
    fn scoring(&self) -> Scoring {
        Scoring::new(
            self.rules
                .iter()
                .map(|r| (r.weight, r.status, r.family.as_deref())),
            &self.outcomes,
        )
    }
}

/// True for the outcomes that flag a record for an officer (review, refer).
pub fn is_flagged(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Review | Outcome::Refer)
}

/// Counts of each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// Records cleared.
    pub clear: u64,
    /// Records that need data (`incomplete`; not flagged).
    pub incomplete: u64,
    /// Records sent to review.
    pub review: u64,
    /// Records referred.
    pub refer: u64,
}

impl OutcomeCounts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Clear => self.clear += 1,
            Outcome::Incomplete => self.incomplete += 1,
            Outcome::Review => self.review += 1,
            Outcome::Refer => self.refer += 1,
        }
    }
}

/// The confusion matrix when records at or above one outcome count as flagged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdMetrics {
    /// `review` (review or refer is flagged) or `refer` (refer only).
    pub threshold: Outcome,
    /// The score cut-off of that outcome in the pack.
    pub min_score: i64,
    /// Records flagged.
    pub flagged: u64,
    /// Flagged and labelled positive.
    pub tp: u64,
    /// Flagged and labelled negative.
    pub fp: u64,
    /// Not flagged and labelled negative.
    pub tn: u64,
    /// Not flagged and labelled positive.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// tp / (tp + fp).
    pub precision: Option<f64>,
    /// 95% Wilson interval of the precision.
    pub precision_ci: Option<Interval>,
    /// tp / (tp + fn).
    pub recall: Option<f64>,
    /// 95% Wilson interval of the recall.
    pub recall_ci: Option<Interval>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
    /// flagged / records.
    pub flag_rate: Option<f64>,
    /// 95% Wilson interval of the flag rate.
    pub flag_rate_ci: Option<Interval>,
    /// fp / (fp + tn).
    pub false_positive_rate: Option<f64>,
}

/// Metrics of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMetrics {
    /// Rule id.
    pub rule: String,
    /// Active or shadow.
    pub status: RuleStatus,
    /// Weight.
    pub weight: i64,
    /// Records on which the rule fired.
    pub hits: u64,
    /// Hits on positive records.
    pub true_hits: u64,
    /// Records on which the rule could not be decided (missing data).
    pub incomplete: u64,
    /// true_hits / hits.
    pub precision: Option<f64>,
    /// true_hits / positives.
    pub recall: Option<f64>,
    /// precision / base rate.
    pub lift: Option<f64>,
    /// Active rules: recall at the review threshold lost without the rule.
    pub marginal_recall: Option<f64>,
    /// Active rules: recall at the refer threshold lost without the rule.
    pub marginal_recall_refer: Option<f64>,
    /// Active rules: records no longer flagged (review or above) without the rule.
    pub marginal_flags: Option<i64>,
    /// Shadow rules: recall at the review threshold gained if the rule were active.
    pub promotion_recall: Option<f64>,
    /// Shadow rules: records newly flagged (review or above) if the rule were active.
    pub promotion_flags: Option<i64>,
}

/// One point of the score-threshold sweep: what flagging every record with
/// `score >= min_score` would give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The cut-off (a score seen in the data).
    pub min_score: i64,
    /// Records at or above it.
    pub flagged: u64,
    /// Positives among them.
    pub tp: u64,
    /// flagged / records.
    pub flag_rate: Option<f64>,
    /// tp / flagged.
    pub precision: Option<f64>,
    /// tp / positives.
    pub recall: Option<f64>,
}

/// Metrics of one group (one value, or band, of a monitored column) at the review threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    /// The column's value (or band) for this group.
    pub value: String,
    /// Records in the group.
    pub n: u64,
    /// Positives in the group.
    pub positives: u64,
    /// Negatives in the group.
    pub negatives: u64,
    /// Records flagged (review or refer).
    pub flagged: u64,
    /// Flagged negatives (false positives).
    pub false_positives: u64,
    /// Unflagged positives (false negatives).
    pub false_negatives: u64,
    /// Records with an outcome that is neither clear nor flagged (`incomplete`).
    pub incomplete: u64,
    /// flagged / n (fairlearn: `selection_rate`).
    pub flag_rate: Option<f64>,
    /// 95% Wilson interval of the flag rate.
    pub flag_rate_ci: Option<Interval>,
    /// false positives / negatives.
    pub false_positive_rate: Option<f64>,
    /// 95% Wilson interval of the false-positive rate.
    pub false_positive_rate_ci: Option<Interval>,
    /// false negatives / positives.
    pub false_negative_rate: Option<f64>,
    /// 95% Wilson interval of the false-negative rate.
    pub false_negative_rate_ci: Option<Interval>,
    /// Flagged positives / flagged.
    pub precision: Option<f64>,
    /// 95% Wilson interval of the precision.
    pub precision_ci: Option<Interval>,
    /// Flagged positives / positives.
    pub recall: Option<f64>,
    /// flag_rate / the reference group's (the lowest) flag rate.
    pub flag_ratio: Option<f64>,
    /// 95% Katz log interval of `flag_ratio`.
    pub flag_ratio_ci: Option<Interval>,
    /// false_positive_rate / the reference group's (the lowest) false-positive rate.
    pub fpr_ratio: Option<f64>,
    /// 95% Katz log interval of `fpr_ratio`.
    pub fpr_ratio_ci: Option<Interval>,
    /// The whole interval of `flag_ratio` lies above the tolerance.
    pub flag_disparity: bool,
    /// The whole interval of `fpr_ratio` lies above the tolerance.
    pub fpr_disparity: bool,
    /// Smaller than the minimum group size: it cannot be the reference group (its ratio is
    /// still computed, with the wide interval a few records give).
    pub small: bool,
}

/// The groups of one monitored column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupColumn {
    /// Column name as given (`sex`, `age:10`, ...).
    pub column: String,
    /// The group with the lowest flag rate (the reference of `flag_ratio`).
    pub reference: Option<String>,
    /// The group with the lowest false-positive rate (the reference of `fpr_ratio`).
    pub fpr_reference: Option<String>,
    /// The largest `flag_ratio` of the column (1 / fairlearn's `demographic_parity_ratio`).
    pub max_flag_ratio: Option<f64>,
    /// The largest `fpr_ratio` of the column.
    pub max_fpr_ratio: Option<f64>,
    /// Groups, sorted by value.
    pub groups: Vec<GroupMetrics>,
}

/// How often two rules fire on the same record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoFiring {
    /// Rule ids (active and shadow, in pack order): rows and columns of `counts`.
    pub rules: Vec<String>,
    /// `counts[i][j]`: records on which rules `i` and `j` both fired (`counts[i][i]`: hits
    /// of rule `i`).
    pub counts: Vec<Vec<u64>>,
}

/// A hit of a sampled record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleHit {
    /// Rule id.
    pub rule: String,
    /// Weight.
    pub weight: i64,
    /// The rendered reason.
    pub reason: String,
}

/// A flagged record labelled negative: a false positive to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FalsePositive {
    /// Row number in the input, when the caller gave one.
    pub row: Option<u64>,
    /// Record id, when the caller gave one.
    pub id: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Score.
    pub score: i64,
    /// The scored hits with their reasons.
    pub hits: Vec<SampleHit>,
}

/// The full back-test report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// The pack of the first decision added, if any.
    pub pack: Option<PackRef>,
    /// Records screened and labelled.
    pub records: u64,
    /// Records labelled positive.
    pub positives: u64,
    /// positives / records.
    pub base_rate: Option<f64>,
    /// Rows that could not be screened or labelled (counted by the caller).
    pub errors: u64,
    /// Records with at least one incomplete rule.
    pub incomplete_records: u64,
    /// Outcome counts.
    pub outcomes: OutcomeCounts,
    /// Confusion matrices at the review and refer thresholds.
    pub thresholds: Vec<ThresholdMetrics>,
    /// Per-rule metrics, in pack order.
    pub rules: Vec<RuleMetrics>,
    /// Score-threshold sweep, by increasing cut-off.
    pub sweep: Vec<SweepPoint>,
    /// Disparity tolerance the report was computed with.
    pub tolerance: f64,
    /// Minimum size of a reference group.
    pub min_group: u64,
    /// Per monitored column, per value.
    pub groups: Vec<GroupColumn>,
    /// Per rule and monitored column: hit rates per group (proxy detection).
    pub rule_disparity: Vec<RuleDisparity>,
    /// Every disparity beyond the tolerance, groups' and rules' (what `--fail-on-disparity`
    /// fails on).
    pub disparities: Vec<Disparity>,
    /// Which rules fire together.
    pub cofiring: CoFiring,
    /// The highest-scoring false positives at the review threshold (ties: earliest first).
    pub false_positives: Vec<FalsePositive>,
    /// Human-readable warnings (one per disparity).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Confusion {
    tp: u64,
    fp: u64,
    tn: u64,
    fn_: u64,
}

impl Confusion {
    fn add(&mut self, flagged: bool, label: bool) {
        match (flagged, label) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct RuleAcc {
    hits: u64,
    true_hits: u64,
    incomplete: u64,
    /// Signed change in flagged records (review) when the rule is removed / promoted.
    flags_delta: i64,
    /// Signed change in true positives (review).
    tp_delta: i64,
    /// Signed change in true positives (refer).
    tp_delta_refer: i64,
}

/// Counts of one group of one column.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupAcc {
    pub n: u64,
    pub positives: u64,
    pub flagged: u64,
    pub tp: u64,
    pub incomplete: u64,
    /// Hits per rule (indexed like the config's rules).
    pub rule_hits: Vec<u64>,
}

/// Accumulates decisions and labels; [`Backtest::finish`] computes the report.
#[derive(Debug, Clone)]
pub struct Backtest {
    config: BacktestConfig,
    scoring: Scoring,
    /// Per-rule states of the record being added (reused buffer).
    states: Vec<RuleOutcome>,
    index: HashMap<String, usize>,
    pack: Option<PackRef>,
    records: u64,
    positives: u64,
    errors: u64,
    incomplete_records: u64,
    outcomes: OutcomeCounts,
    review: Confusion,
    refer: Confusion,
    rules: Vec<RuleAcc>,
    /// Row-major `rules × rules` co-firing counts.
    cofiring: Vec<u64>,
    /// score → (records, positives)
    scores: BTreeMap<i64, (u64, u64)>,
    /// Column names in first-seen order, and their groups.
    columns: Vec<(String, BTreeMap<String, GroupAcc>)>,
    /// Groups with fewer records cannot be the reference (see [`Backtest::min_group_size`]).
    min_group_size: u64,
    tolerance: f64,
    samples: usize,
    false_positives: Vec<FalsePositive>,
    /// Scratch: indices of the rules that fired on the current record.
    fired: Vec<usize>,
}

impl Backtest {
    /// An empty back-test for a pack's thresholds and rules.
    pub fn new(config: BacktestConfig) -> Backtest {
        let index = config
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let k = config.rules.len();
        Backtest {
            scoring: config.scoring(),
            states: Vec::with_capacity(config.rules.len()),
            config,
            index,
            pack: None,
            records: 0,
            positives: 0,
            errors: 0,
            incomplete_records: 0,
            outcomes: OutcomeCounts::default(),
            review: Confusion::default(),
            refer: Confusion::default(),
            rules: vec![RuleAcc::default(); k],
            cofiring: vec![0; k * k],
            scores: BTreeMap::new(),
            columns: Vec::new(),
            min_group_size: DEFAULT_MIN_GROUP,
            tolerance: DEFAULT_TOLERANCE,
            samples: DEFAULT_SAMPLES,
            false_positives: Vec::new(),
            fired: Vec::new(),
        }
    }

    /// Groups with fewer than `n` records are reported and compared, but cannot be the
    /// reference group of their column (default [`DEFAULT_MIN_GROUP`]; when no group is that
    /// large, the lowest of all groups is the reference).
    pub fn min_group_size(mut self, n: u64) -> Backtest {
        self.min_group_size = n;
        self
    }

    /// Whether `ratio` can be a disparity tolerance: a finite ratio of at least 1 (what the
    /// front doors check before [`Backtest::tolerance`]).
    pub fn is_valid_tolerance(ratio: f64) -> bool {
        ratio.is_finite() && ratio >= 1.0
    }

    /// The disparity tolerance (default [`DEFAULT_TOLERANCE`]).
    pub fn tolerance(mut self, ratio: f64) -> Backtest {
        self.tolerance = ratio;
        self
    }

    /// How many false positives to keep as samples (default [`DEFAULT_SAMPLES`]).
    pub fn samples(mut self, n: usize) -> Backtest {
        self.samples = n;
        self
    }

    /// Adds one screened record: its decision, its label (true = a confirmed case), and the
    /// `(column, value)` groups it belongs to (one value per column).
    pub fn add(&mut self, decision: &Decision, label: bool, groups: &[(String, String)]) {
        self.add_row(decision, label, groups, None, None);
    }

    /// Like [`Backtest::add`], with the record's row number and id, which a false-positive
    /// sample of it then carries.
    pub fn add_row(
        &mut self,
        decision: &Decision,
        label: bool,
        groups: &[(String, String)],
        row: Option<u64>,
        id: Option<&str>,
    ) {
        if self.pack.is_none() {
            self.pack = Some(decision.pack.clone());
        }
        self.records += 1;
        self.positives += u64::from(label);
        if !decision.incomplete.is_empty() {
            self.incomplete_records += 1;
        }
        self.outcomes.add(decision.outcome);
        let flagged = is_flagged(decision.outcome);
        let other = !flagged && decision.outcome != Outcome::Clear;
        self.review.add(flagged, label);
        self.refer.add(decision.outcome == Outcome::Refer, label);

        let entry = self.scores.entry(decision.score).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += u64::from(label);

        // The record's rule states, to re-score it without (or with) one rule.
        self.states.clear();
        self.states
            .resize(self.config.rules.len(), RuleOutcome::Miss);
        for hit in decision.hits.iter().chain(&decision.shadow_hits) {
            if let Some(&i) = self.index.get(&hit.rule) {
                self.states[i] = RuleOutcome::Hit;
            }
        }
        for inc in &decision.incomplete {
            if let Some(&i) = self.index.get(&inc.rule) {
                self.states[i] = RuleOutcome::Incomplete;
            }
        }
        let current = self.scoring.score(self.states.iter().copied());
        self.fired.clear();
        for hit in decision.hits.iter().chain(&decision.shadow_hits) {
            let Some(&i) = self.index.get(&hit.rule) else {
                continue;
            };
            self.fired.push(i);
            let spec = &self.config.rules[i];
            let flipped = self.scoring.score_flipped(self.states.iter().copied(), i);
            let acc = &mut self.rules[i];
            acc.hits += 1;
            acc.true_hits += u64::from(label);
            // Active: what is lost when the rule is removed (with − without).
            // Shadow: what is gained when it is promoted (with − without).
            let (with, without) = match spec.status {
                RuleStatus::Shadow => (flipped.outcome, current.outcome),
                _ => (current.outcome, flipped.outcome),
            };
            let d_review =
                i64::from(with >= Outcome::Review) - i64::from(without >= Outcome::Review);
            let d_refer = i64::from(with == Outcome::Refer) - i64::from(without == Outcome::Refer);
            acc.flags_delta += d_review;
            if label {
                acc.tp_delta += d_review;
                acc.tp_delta_refer += d_refer;
            }
        }
        let k = self.config.rules.len();
        for &i in &self.fired {
            for &j in &self.fired {
                self.cofiring[i * k + j] += 1;
            }
        }
        for inc in &decision.incomplete {
            if let Some(&i) = self.index.get(&inc.rule) {
                self.rules[i].incomplete += 1;
            }
        }

        for (column, value) in groups {
            let pos = match self.columns.iter().position(|(c, _)| c == column) {
                Some(p) => p,
                None => {
                    self.columns.push((column.clone(), BTreeMap::new()));
                    self.columns.len() - 1
                }
            };
            let g = self.columns[pos]
                .1
                .entry(value.clone())
                .or_insert_with(|| GroupAcc {
                    rule_hits: vec![0; k],
                    ..GroupAcc::default()
                });
            g.n += 1;
            g.positives += u64::from(label);
            g.flagged += u64::from(flagged);
            g.tp += u64::from(flagged && label);
            g.incomplete += u64::from(other);
            for &i in &self.fired {
                g.rule_hits[i] += 1;
            }
        }

        if flagged && !label && self.samples > 0 {
            self.keep_false_positive(decision, row, id);
        }
    }

    /// Keeps the `samples` highest-scoring false positives (ties: the earliest).
    fn keep_false_positive(&mut self, decision: &Decision, row: Option<u64>, id: Option<&str>) {
        let full = self.false_positives.len() >= self.samples;
        if full
            && self
                .false_positives
                .last()
                .is_some_and(|last| last.score >= decision.score)
        {
            return;
        }
        let sample = FalsePositive {
            row,
            id: id.map(str::to_string),
            outcome: decision.outcome,
            score: decision.score,
            hits: decision
                .hits
                .iter()
                .map(|h| SampleHit {
                    rule: h.rule.clone(),
                    weight: h.weight,
                    reason: h.reason.clone(),
                })
                .collect(),
        };
        let at = self
            .false_positives
            .iter()
            .position(|s| s.score < sample.score)
            .unwrap_or(self.false_positives.len());
        self.false_positives.insert(at, sample);
        self.false_positives.truncate(self.samples);
    }

    /// Counts a row that could not be screened or labelled.
    pub fn add_error(&mut self) {
        self.errors += 1;
    }

    /// Computes the report from everything added so far.
    pub fn finish(&self) -> BacktestReport {
        let n = self.records;
        let pos = self.positives;
        let base_rate = ratio(pos, n);
        let thresholds = vec![
            threshold(Outcome::Review, self.config.outcomes.review, self.review, n),
            threshold(Outcome::Refer, self.config.outcomes.refer, self.refer, n),
        ];
        let rules = self
            .config
            .rules
            .iter()
            .zip(&self.rules)
            .map(|(spec, acc)| {
                let precision = ratio(acc.true_hits, acc.hits);
                let shadow = spec.status == RuleStatus::Shadow;
                let signed = |d: i64| (pos > 0).then(|| d as f64 / pos as f64);
                RuleMetrics {
                    rule: spec.id.clone(),
                    status: spec.status,
                    weight: spec.weight,
                    hits: acc.hits,
                    true_hits: acc.true_hits,
                    incomplete: acc.incomplete,
                    precision,
                    recall: ratio(acc.true_hits, pos),
                    lift: match (precision, base_rate) {
                        (Some(p), Some(b)) if b > 0.0 => Some(p / b),
                        _ => None,
                    },
                    marginal_recall: if shadow { None } else { signed(acc.tp_delta) },
                    marginal_recall_refer: if shadow {
                        None
                    } else {
                        signed(acc.tp_delta_refer)
                    },
                    marginal_flags: (!shadow).then_some(acc.flags_delta),
                    promotion_recall: if shadow { signed(acc.tp_delta) } else { None },
                    promotion_flags: shadow.then_some(acc.flags_delta),
                }
            })
            .collect();

        let mut sweep = Vec::with_capacity(self.scores.len());
        let (mut flagged, mut tp) = (0u64, 0u64);
        for (&score, &(count, positives)) in self.scores.iter().rev() {
            flagged += count;
            tp += positives;
            sweep.push(SweepPoint {
                min_score: score,
                flagged,
                tp,
                flag_rate: ratio(flagged, n),
                precision: ratio(tp, flagged),
                recall: ratio(tp, pos),
            });
        }
        sweep.reverse();

        let audit = fairness::audit(
            &self.columns,
            &self.config.rules,
            self.min_group_size,
            self.tolerance,
        );
        let k = self.config.rules.len();
        let cofiring = CoFiring {
            rules: self.config.rules.iter().map(|r| r.id.clone()).collect(),
            counts: (0..k)
                .map(|i| self.cofiring[i * k..(i + 1) * k].to_vec())
                .collect(),
        };

        BacktestReport {
            pack: self.pack.clone(),
            records: n,
            positives: pos,
            base_rate,
            errors: self.errors,
            incomplete_records: self.incomplete_records,
            outcomes: self.outcomes,
            thresholds,
            rules,
            sweep,
            tolerance: self.tolerance,
            min_group: self.min_group_size,
            groups: audit.groups,
            rule_disparity: audit.rules,
            warnings: audit.disparities.iter().map(Disparity::message).collect(),
            disparities: audit.disparities,
            cofiring,
            false_positives: self.false_positives.clone(),
        }
    }
}

/// One labelled record: its decision, its label, and its `(column, value)` groups.
pub type Sample = (Decision, bool, Vec<(String, String)>);

/// Back-tests a slice of `(decision, label, groups)` in one call.
pub fn backtest(config: BacktestConfig, samples: &[Sample]) -> BacktestReport {
    let mut bt = Backtest::new(config);
    for (decision, label, groups) in samples {
        bt.add(decision, *label, groups);
    }
    bt.finish()
}

pub(crate) fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn threshold(outcome: Outcome, min_score: i64, c: Confusion, n: u64) -> ThresholdMetrics {
    let precision = ratio(c.tp, c.tp + c.fp);
    let recall = ratio(c.tp, c.tp + c.fn_);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    ThresholdMetrics {
        threshold: outcome,
        min_score,
        flagged: c.tp + c.fp,
        tp: c.tp,
        fp: c.fp,
        tn: c.tn,
        fn_: c.fn_,
        precision,
        precision_ci: stats::wilson(c.tp, c.tp + c.fp),
        recall,
        recall_ci: stats::wilson(c.tp, c.tp + c.fn_),
        f1,
        flag_rate: ratio(c.tp + c.fp, n),
        flag_rate_ci: stats::wilson(c.tp + c.fp, n),
        false_positive_rate: ratio(c.fp, c.fp + c.tn),
    }
}

#[cfg(test)]
mod tests;

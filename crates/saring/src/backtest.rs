//! Back-test metrics: decisions plus ground-truth labels (and the monitored group each record
//! belongs to) turned into a [`BacktestReport`].
//!
//! Pure computation, no I/O: the CLI and the Python binding feed it. The API is an
//! accumulator, so memory stays flat however many records are back-tested:
//!
//! ```
//! use saring::backtest::{Backtest, BacktestConfig, RuleSpec};
//! use saring::pack::RuleStatus;
//! use saring::{Decision, Outcome, PackRef};
//!
//! let config = BacktestConfig {
//!     review: 30,
//!     refer: 60,
//!     rules: vec![RuleSpec { id: "a".into(), weight: 40, status: RuleStatus::Active }],
//! };
//! let clear = Decision {
//!     outcome: Outcome::Clear, score: 0, hits: vec![], shadow_hits: vec![], incomplete: vec![], invalid: vec![],
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
//!   review or refer; `refer`: refer only);
//! - a rule's **precision** is true hits / hits, its **recall** true hits / positives, its
//!   **lift** precision / base rate;
//! - an active rule's **marginal recall** is the recall (at the review, resp. refer,
//!   threshold) lost when the rule is removed: each record's score is recomputed without the
//!   rule's weight and compared with the pack thresholds;
//! - a shadow rule's **promotion recall** is the recall (at the review threshold) gained if it
//!   were made active with its weight;
//! - per monitored group, the **ratio** is the group's flag rate over the highest flag rate
//!   among the groups of the same column; below 0.8 (the four-fifths rule) it is a warning.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::decision::{Decision, Outcome, PackRef};
use crate::pack::{Pack, RuleStatus};

/// The four-fifths rule: a group flagged at less than this fraction of the highest group's
/// rate is reported.
pub const FOUR_FIFTHS: f64 = 0.8;

/// A rule as the back-test sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSpec {
    /// Rule id.
    pub id: String,
    /// Weight added to the score when the rule fires (if active).
    pub weight: i64,
    /// Active or shadow (disabled rules are left out of reports).
    pub status: RuleStatus,
}

/// Thresholds and rules of the pack whose decisions are back-tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestConfig {
    /// Score at which a record goes to `review`.
    pub review: i64,
    /// Score at which a record is `refer`red.
    pub refer: i64,
    /// Rules reported on, in report order.
    pub rules: Vec<RuleSpec>,
}

impl BacktestConfig {
    /// Thresholds and active/shadow rules of a pack (disabled rules left out).
    pub fn from_pack(pack: &Pack) -> BacktestConfig {
        BacktestConfig {
            review: pack.outcomes.review,
            refer: pack.outcomes.refer,
            rules: pack
                .rules
                .iter()
                .filter(|r| r.status != RuleStatus::Disabled)
                .map(|r| RuleSpec {
                    id: r.id.clone(),
                    weight: r.weight,
                    status: r.status,
                })
                .collect(),
        }
    }

    /// The outcome a score gets under these thresholds.
    pub fn outcome_for(&self, score: i64) -> Outcome {
        if score >= self.refer {
            Outcome::Refer
        } else if score >= self.review {
            Outcome::Review
        } else {
            Outcome::Clear
        }
    }
}

/// Counts of each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// Records cleared.
    pub clear: u64,
    /// Records sent to review.
    pub review: u64,
    /// Records referred.
    pub refer: u64,
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
    /// tp / (tp + fn).
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
    /// flagged / records.
    pub flag_rate: Option<f64>,
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

/// Metrics of one group (one value of a monitored column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    /// The column's value for this group.
    pub value: String,
    /// Records in the group.
    pub n: u64,
    /// Positives in the group.
    pub positives: u64,
    /// Records flagged (review or refer).
    pub flagged: u64,
    /// flagged / n.
    pub flag_rate: Option<f64>,
    /// flag_rate / the highest flag_rate among the column's groups.
    pub ratio_to_max: Option<f64>,
    /// True when `ratio_to_max` is below 0.8 (the four-fifths rule). Never set for groups
    /// smaller than the minimum group size.
    pub below_four_fifths: bool,
    /// True when the group is smaller than the minimum group size: it is reported, but left
    /// out of the highest rate and of the four-fifths check (too few records to judge).
    pub small: bool,
    /// Precision within the group (review threshold).
    pub precision: Option<f64>,
    /// Recall within the group (review threshold).
    pub recall: Option<f64>,
}

/// The groups of one monitored column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupColumn {
    /// Column name (`sex`, `province`, ...).
    pub column: String,
    /// The highest flag rate among its groups.
    pub max_flag_rate: Option<f64>,
    /// Groups, sorted by value.
    pub groups: Vec<GroupMetrics>,
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
    /// Per monitored column, per value.
    pub groups: Vec<GroupColumn>,
    /// Human-readable warnings (groups below the four-fifths line).
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

#[derive(Debug, Clone, Copy, Default)]
struct GroupAcc {
    n: u64,
    positives: u64,
    flagged: u64,
    tp: u64,
}

/// Accumulates decisions and labels; [`Backtest::finish`] computes the report.
#[derive(Debug, Clone)]
pub struct Backtest {
    config: BacktestConfig,
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
    /// score → (records, positives)
    scores: BTreeMap<i64, (u64, u64)>,
    /// Column names in first-seen order, and their groups.
    columns: Vec<(String, BTreeMap<String, GroupAcc>)>,
    /// Groups with fewer records are not compared (see [`Backtest::min_group_size`]).
    min_group_size: u64,
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
        let rules = vec![RuleAcc::default(); config.rules.len()];
        Backtest {
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
            rules,
            scores: BTreeMap::new(),
            columns: Vec::new(),
            min_group_size: 0,
        }
    }

    /// Groups with fewer than `n` records are still reported but take no part in the
    /// four-fifths comparison (default 0: every group takes part).
    pub fn min_group_size(mut self, n: u64) -> Backtest {
        self.min_group_size = n;
        self
    }

    /// Adds one screened record: its decision, its label (true = a confirmed case), and the
    /// `(column, value)` groups it belongs to (one value per column).
    pub fn add(&mut self, decision: &Decision, label: bool, groups: &[(String, String)]) {
        if self.pack.is_none() {
            self.pack = Some(decision.pack.clone());
        }
        self.records += 1;
        self.positives += u64::from(label);
        if !decision.incomplete.is_empty() {
            self.incomplete_records += 1;
        }
        match decision.outcome {
            Outcome::Clear => self.outcomes.clear += 1,
            Outcome::Review => self.outcomes.review += 1,
            Outcome::Refer => self.outcomes.refer += 1,
        }
        let flagged = decision.outcome >= Outcome::Review;
        self.review.add(flagged, label);
        self.refer.add(decision.outcome >= Outcome::Refer, label);

        let entry = self.scores.entry(decision.score).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += u64::from(label);

        let score = decision.score;
        let (review, refer) = (self.config.review, self.config.refer);
        for hit in decision.hits.iter().chain(&decision.shadow_hits) {
            let Some(&i) = self.index.get(&hit.rule) else {
                continue;
            };
            let spec = &self.config.rules[i];
            let acc = &mut self.rules[i];
            acc.hits += 1;
            acc.true_hits += u64::from(label);
            // Active: what is lost when the rule is removed (with − without).
            // Shadow: what is gained when it is promoted (with − without).
            let (with, without) = match spec.status {
                RuleStatus::Shadow => (score.saturating_add(spec.weight), score),
                _ => (score, score.saturating_sub(spec.weight)),
            };
            let (a, b) = (with, without);
            let d_review = i64::from(a >= review) - i64::from(b >= review);
            let d_refer = i64::from(a >= refer) - i64::from(b >= refer);
            acc.flags_delta += d_review;
            if label {
                acc.tp_delta += d_review;
                acc.tp_delta_refer += d_refer;
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
            let g = self.columns[pos].1.entry(value.clone()).or_default();
            g.n += 1;
            g.positives += u64::from(label);
            g.flagged += u64::from(flagged);
            g.tp += u64::from(flagged && label);
        }
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
            threshold(Outcome::Review, self.config.review, self.review, n),
            threshold(Outcome::Refer, self.config.refer, self.refer, n),
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

        let mut warnings = Vec::new();
        let groups = self
            .columns
            .iter()
            .map(|(column, values)| {
                let min = self.min_group_size;
                let max = values
                    .values()
                    .filter(|g| g.n >= min)
                    .filter_map(|g| ratio(g.flagged, g.n))
                    .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
                let groups = values
                    .iter()
                    .map(|(value, g)| {
                        let flag_rate = ratio(g.flagged, g.n);
                        let ratio_to_max = match (flag_rate, max) {
                            (Some(r), Some(m)) if m > 0.0 => Some(r / m),
                            _ => None,
                        };
                        let small = g.n < min;
                        let below = !small && ratio_to_max.is_some_and(|r| r < FOUR_FIFTHS);
                        if below {
                            warnings.push(format!(
                                "`{column}` = `{value}`: flag rate {:.3} is {:.2} of the highest \
                                 group's ({:.3}), below the four-fifths line",
                                flag_rate.unwrap_or(0.0),
                                ratio_to_max.unwrap_or(0.0),
                                max.unwrap_or(0.0)
                            ));
                        }
                        GroupMetrics {
                            value: value.clone(),
                            n: g.n,
                            positives: g.positives,
                            flagged: g.flagged,
                            flag_rate,
                            ratio_to_max,
                            below_four_fifths: below,
                            small,
                            precision: ratio(g.tp, g.flagged),
                            recall: ratio(g.tp, g.positives),
                        }
                    })
                    .collect();
                GroupColumn {
                    column: column.clone(),
                    max_flag_rate: max,
                    groups,
                }
            })
            .collect();

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
            groups,
            warnings,
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

fn ratio(num: u64, den: u64) -> Option<f64> {
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
        recall,
        f1,
        flag_rate: ratio(c.tp + c.fp, n),
    }
}

#[cfg(test)]
mod tests;

//! The labelled part of `saring diff --label COL [--by COL,...]`: whether the challenger's
//! changes are true or false positives — confusion matrices of A and B at each threshold and
//! their deltas, labels per outcome, flagged records gained and lost, per-rule confusion, and
//! how group flag rates (and false-positive rates) move.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use saring::backtest::is_flagged;
use saring::pack::RuleStatus;
use saring::{Decision, Engine, Outcome};
use serde::Serialize;

use crate::report::{num, pct, table};

/// A confusion matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Flagged positives.
    pub tp: u64,
    /// Flagged negatives.
    pub fp: u64,
    /// Unflagged negatives.
    pub tn: u64,
    /// Unflagged positives.
    #[serde(rename = "fn")]
    pub fn_: u64,
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

    fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(x: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| x as f64 / n as f64)
}

fn delta(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

fn signed(a: u64, b: u64) -> i64 {
    b as i64 - a as i64
}

/// Confusion at one threshold under A and B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdDelta {
    /// `review` (review or refer is flagged) or `refer`.
    pub threshold: Outcome,
    /// Under pack A.
    pub a: Confusion,
    /// Under pack B.
    pub b: Confusion,
    /// B − A: true positives.
    pub tp: i64,
    /// B − A: false positives.
    pub fp: i64,
    /// B − A: true negatives.
    pub tn: i64,
    /// B − A: false negatives.
    #[serde(rename = "fn")]
    pub fn_: i64,
    /// Precision under A.
    pub precision_a: Option<f64>,
    /// Precision under B.
    pub precision_b: Option<f64>,
    /// Recall under A.
    pub recall_a: Option<f64>,
    /// Recall under B.
    pub recall_b: Option<f64>,
}

/// Labels of the records of one outcome under A and B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeDelta {
    /// The outcome.
    pub outcome: Outcome,
    /// Positives with this outcome under A.
    pub positives_a: u64,
    /// Negatives with this outcome under A.
    pub negatives_a: u64,
    /// Positives with this outcome under B.
    pub positives_b: u64,
    /// Negatives with this outcome under B.
    pub negatives_b: u64,
    /// B − A positives.
    pub positives: i64,
    /// B − A negatives.
    pub negatives: i64,
}

/// Records whose flagged state (at review) changes, by label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flips {
    /// Flagged by B only, labelled positive: true positives gained.
    pub newly_flagged_positive: u64,
    /// Flagged by B only, labelled negative: false positives added.
    pub newly_flagged_negative: u64,
    /// Flagged by A only, labelled positive: true positives lost.
    pub unflagged_positive: u64,
    /// Flagged by A only, labelled negative: false positives removed.
    pub unflagged_negative: u64,
}

/// One rule's hits and flagged hits (review) by label under A and B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDelta {
    /// Rule id.
    pub rule: String,
    /// Status in A (`None`: not in A).
    pub status_a: Option<RuleStatus>,
    /// Status in B (`None`: not in B).
    pub status_b: Option<RuleStatus>,
    /// Hits on positives / negatives under A.
    pub hits_a: (u64, u64),
    /// Hits on positives / negatives under B.
    pub hits_b: (u64, u64),
    /// Records it fired on that were flagged, positives / negatives, under A.
    pub flagged_a: (u64, u64),
    /// The same under B.
    pub flagged_b: (u64, u64),
    /// B − A flagged positives among its hits.
    pub true_flags: i64,
    /// B − A flagged negatives among its hits.
    pub false_flags: i64,
}

/// One group's flag rate (and false-positive rate, when labelled) under A and B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDelta {
    /// Column.
    pub column: String,
    /// Group value.
    pub value: String,
    /// Records.
    pub n: u64,
    /// Flag rate under A.
    pub flag_rate_a: Option<f64>,
    /// Flag rate under B.
    pub flag_rate_b: Option<f64>,
    /// B − A.
    pub flag_rate_delta: Option<f64>,
    /// False-positive rate under A (labelled diffs).
    pub fpr_a: Option<f64>,
    /// False-positive rate under B.
    pub fpr_b: Option<f64>,
    /// B − A.
    pub fpr_delta: Option<f64>,
}

/// The labelled comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelledDiff {
    /// The label column.
    pub label: String,
    /// Records compared with a label.
    pub records: u64,
    /// Positives among them.
    pub positives: u64,
    /// At the review and the refer threshold.
    pub thresholds: Vec<ThresholdDelta>,
    /// Per outcome.
    pub outcomes: Vec<OutcomeDelta>,
    /// Flagged records gained and lost (review).
    pub flips: Flips,
    /// Per rule, A's rules first.
    pub rules: Vec<RuleDelta>,
}

#[derive(Debug, Default, Clone)]
struct RuleAcc {
    hits: [(u64, u64); 2],
    flagged: [(u64, u64); 2],
}

#[derive(Debug, Default, Clone)]
struct GroupAcc {
    n: u64,
    negatives: u64,
    flagged: [u64; 2],
    fp: [u64; 2],
}

/// Accumulates the labelled comparison, row by row.
#[derive(Debug)]
pub struct Accumulator {
    label: Option<String>,
    records: u64,
    positives: u64,
    review: [Confusion; 2],
    refer: [Confusion; 2],
    outcomes: BTreeMap<Outcome, [(u64, u64); 2]>,
    flips: Flips,
    order: Vec<String>,
    status: [BTreeMap<String, RuleStatus>; 2],
    rules: BTreeMap<String, RuleAcc>,
    groups: Vec<(String, BTreeMap<String, GroupAcc>)>,
}

fn add_pair(p: &mut (u64, u64), label: bool) {
    if label {
        p.0 += 1;
    } else {
        p.1 += 1;
    }
}

impl Accumulator {
    /// An accumulator for packs A and B (`label`: the label column, if any).
    pub fn new(a: &Engine, b: &Engine, label: Option<&str>) -> Accumulator {
        let mut order: Vec<String> = Vec::new();
        let mut status: [BTreeMap<String, RuleStatus>; 2] = Default::default();
        for (i, engine) in [a, b].into_iter().enumerate() {
            for r in engine.rules() {
                if r.status == RuleStatus::Disabled {
                    continue;
                }
                if !order.contains(&r.id) {
                    order.push(r.id.clone());
                }
                status[i].insert(r.id.clone(), r.status);
            }
        }
        Accumulator {
            label: label.map(str::to_string),
            records: 0,
            positives: 0,
            review: [Confusion::default(); 2],
            refer: [Confusion::default(); 2],
            outcomes: BTreeMap::new(),
            flips: Flips::default(),
            order,
            status,
            rules: BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    /// Adds one row compared under both packs (`label`: its label, when labelled).
    pub fn add(
        &mut self,
        a: &Decision,
        b: &Decision,
        label: Option<bool>,
        groups: &[(String, String)],
    ) {
        let flagged = [is_flagged(a.outcome), is_flagged(b.outcome)];
        for (column, value) in groups {
            let pos = match self.groups.iter().position(|(c, _)| c == column) {
                Some(p) => p,
                None => {
                    self.groups.push((column.clone(), BTreeMap::new()));
                    self.groups.len() - 1
                }
            };
            let g = self.groups[pos].1.entry(value.clone()).or_default();
            g.n += 1;
            g.negatives += u64::from(label == Some(false));
            for (i, &flag) in flagged.iter().enumerate() {
                g.flagged[i] += u64::from(flag);
                g.fp[i] += u64::from(flag && label == Some(false));
            }
        }
        let Some(label) = label else {
            return;
        };
        self.records += 1;
        self.positives += u64::from(label);
        for (i, d) in [a, b].into_iter().enumerate() {
            self.review[i].add(flagged[i], label);
            self.refer[i].add(d.outcome == Outcome::Refer, label);
            let counts = self.outcomes.entry(d.outcome).or_default();
            add_pair(&mut counts[i], label);
            for hit in d.hits.iter().chain(&d.shadow_hits) {
                let acc = self.rules.entry(hit.rule.clone()).or_default();
                add_pair(&mut acc.hits[i], label);
                if flagged[i] {
                    add_pair(&mut acc.flagged[i], label);
                }
            }
        }
        match (flagged[0], flagged[1], label) {
            (false, true, true) => self.flips.newly_flagged_positive += 1,
            (false, true, false) => self.flips.newly_flagged_negative += 1,
            (true, false, true) => self.flips.unflagged_positive += 1,
            (true, false, false) => self.flips.unflagged_negative += 1,
            _ => {}
        }
    }

    /// The group flag-rate deltas (empty without `--by`).
    pub fn groups(&self) -> Vec<GroupDelta> {
        let labelled = self.label.is_some();
        self.groups
            .iter()
            .flat_map(|(column, values)| {
                values.iter().map(move |(value, g)| {
                    let (fa, fb) = (ratio(g.flagged[0], g.n), ratio(g.flagged[1], g.n));
                    let (pa, pb) = if labelled {
                        (ratio(g.fp[0], g.negatives), ratio(g.fp[1], g.negatives))
                    } else {
                        (None, None)
                    };
                    GroupDelta {
                        column: column.clone(),
                        value: value.clone(),
                        n: g.n,
                        flag_rate_a: fa,
                        flag_rate_b: fb,
                        flag_rate_delta: delta(fa, fb),
                        fpr_a: pa,
                        fpr_b: pb,
                        fpr_delta: delta(pa, pb),
                    }
                })
            })
            .collect()
    }

    /// The labelled comparison (`None` without `--label`).
    pub fn finish(&self) -> Option<LabelledDiff> {
        let label = self.label.clone()?;
        let thresholds = [(Outcome::Review, self.review), (Outcome::Refer, self.refer)]
            .into_iter()
            .map(|(threshold, [a, b])| ThresholdDelta {
                threshold,
                a,
                b,
                tp: signed(a.tp, b.tp),
                fp: signed(a.fp, b.fp),
                tn: signed(a.tn, b.tn),
                fn_: signed(a.fn_, b.fn_),
                precision_a: a.precision(),
                precision_b: b.precision(),
                recall_a: a.recall(),
                recall_b: b.recall(),
            })
            .collect();
        let outcomes = self
            .outcomes
            .iter()
            .map(|(&outcome, [a, b])| OutcomeDelta {
                outcome,
                positives_a: a.0,
                negatives_a: a.1,
                positives_b: b.0,
                negatives_b: b.1,
                positives: signed(a.0, b.0),
                negatives: signed(a.1, b.1),
            })
            .collect();
        let rules = self
            .order
            .iter()
            .map(|rule| {
                let acc = self.rules.get(rule).cloned().unwrap_or_default();
                RuleDelta {
                    rule: rule.clone(),
                    status_a: self.status[0].get(rule).copied(),
                    status_b: self.status[1].get(rule).copied(),
                    hits_a: acc.hits[0],
                    hits_b: acc.hits[1],
                    flagged_a: acc.flagged[0],
                    flagged_b: acc.flagged[1],
                    true_flags: signed(acc.flagged[0].0, acc.flagged[1].0),
                    false_flags: signed(acc.flagged[0].1, acc.flagged[1].1),
                }
            })
            .collect();
        Some(LabelledDiff {
            label,
            records: self.records,
            positives: self.positives,
            thresholds,
            outcomes,
            flips: self.flips,
            rules,
        })
    }
}

fn plus(x: i64) -> String {
    if x > 0 {
        format!("+{x}")
    } else {
        x.to_string()
    }
}

fn plus_f(x: Option<f64>) -> String {
    match x {
        Some(v) if v > 0.0 => format!("+{v:.3}"),
        Some(v) => format!("{v:.3}"),
        None => "-".to_string(),
    }
}

fn status(s: Option<RuleStatus>) -> &'static str {
    match s {
        Some(RuleStatus::Active) => "active",
        Some(RuleStatus::Shadow) => "shadow",
        Some(RuleStatus::Disabled) => "disabled",
        None => "-",
    }
}

/// The labelled comparison as terminal text.
pub fn render(l: &LabelledDiff) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nlabelled by `{}`: {} records, {} positive",
        l.label, l.records, l.positives
    );
    let f = &l.flips;
    let _ = writeln!(
        s,
        "flagged at review by B only: {} true positive{}, {} false positive{}; by A only: {} \
         true positive{} lost, {} false positive{} removed",
        f.newly_flagged_positive,
        crate::packs::plural(f.newly_flagged_positive as usize),
        f.newly_flagged_negative,
        crate::packs::plural(f.newly_flagged_negative as usize),
        f.unflagged_positive,
        crate::packs::plural(f.unflagged_positive as usize),
        f.unflagged_negative,
        crate::packs::plural(f.unflagged_negative as usize),
    );
    let rows: Vec<Vec<String>> = l
        .thresholds
        .iter()
        .map(|t| {
            vec![
                t.threshold.as_str().to_string(),
                format!("{}/{}/{}/{}", t.a.tp, t.a.fp, t.a.tn, t.a.fn_),
                format!("{}/{}/{}/{}", t.b.tp, t.b.fp, t.b.tn, t.b.fn_),
                plus(t.tp),
                plus(t.fp),
                format!("{} -> {}", num(t.precision_a), num(t.precision_b)),
                format!("{} -> {}", num(t.recall_a), num(t.recall_b)),
            ]
        })
        .collect();
    let _ = writeln!(s, "\nconfusion (tp/fp/tn/fn) at each threshold");
    s.push_str(&table(
        &["threshold", "A", "B", "tp", "fp", "precision", "recall"],
        &rows,
    ));
    let rows: Vec<Vec<String>> = l
        .outcomes
        .iter()
        .map(|o| {
            vec![
                o.outcome.as_str().to_string(),
                format!("{}/{}", o.positives_a, o.negatives_a),
                format!("{}/{}", o.positives_b, o.negatives_b),
                plus(o.positives),
                plus(o.negatives),
            ]
        })
        .collect();
    let _ = writeln!(s, "\nlabels per outcome (positives/negatives)");
    s.push_str(&table(
        &["outcome", "A", "B", "positives", "negatives"],
        &rows,
    ));
    let rows: Vec<Vec<String>> = l
        .rules
        .iter()
        .map(|r| {
            vec![
                r.rule.clone(),
                format!("{} -> {}", status(r.status_a), status(r.status_b)),
                format!("{}/{}", r.hits_a.0, r.hits_a.1),
                format!("{}/{}", r.hits_b.0, r.hits_b.1),
                format!("{}/{}", r.flagged_a.0, r.flagged_a.1),
                format!("{}/{}", r.flagged_b.0, r.flagged_b.1),
                plus(r.true_flags),
                plus(r.false_flags),
            ]
        })
        .collect();
    let _ = writeln!(
        s,
        "\nrules (hits and flagged hits as positives/negatives; deltas of flagged hits)"
    );
    s.push_str(&table(
        &[
            "rule",
            "status",
            "hits A",
            "hits B",
            "flagged A",
            "flagged B",
            "true",
            "false",
        ],
        &rows,
    ));
    s
}

/// The group deltas as terminal text.
pub fn render_groups(groups: &[GroupDelta]) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                g.column.clone(),
                g.value.clone(),
                g.n.to_string(),
                pct(g.flag_rate_a),
                pct(g.flag_rate_b),
                plus_f(g.flag_rate_delta),
                pct(g.fpr_a),
                pct(g.fpr_b),
                plus_f(g.fpr_delta),
            ]
        })
        .collect();
    let mut s = String::from("\ngroup flag rates (B − A; FPR = false-positive rate)\n");
    s.push_str(&table(
        &[
            "column", "group", "n", "flag A", "flag B", "delta", "FPR A", "FPR B", "delta",
        ],
        &rows,
    ));
    s
}

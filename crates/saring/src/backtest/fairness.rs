//! The fairness audit of a back-test, in the harm direction: per monitored group, flag and
//! false-positive rates with intervals and their ratios to the least-flagged group; per rule,
//! hit rates per group (proxy detection). Definitions in the [`backtest`](super) docs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::groups::MISSING;
use super::stats::{katz, rate_ratio, wilson, Interval};
use super::{ratio, GroupAcc, GroupColumn, GroupMetrics, RuleSpec};

/// What a disparity is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisparityKind {
    /// A group is flagged more often than the least-flagged group.
    FlagRate,
    /// A group's false-positive rate is above the lowest group's.
    FalsePositiveRate,
    /// A rule hits one group more often than the group it hits least (a likely proxy).
    RuleHits,
}

/// A ratio whose whole 95% interval lies above the tolerance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disparity {
    /// What is compared.
    pub kind: DisparityKind,
    /// The rule, for [`DisparityKind::RuleHits`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Monitored column.
    pub column: String,
    /// The group concerned.
    pub value: String,
    /// The reference group (the lowest rate of the column).
    pub reference: String,
    /// The group's rate.
    pub rate: f64,
    /// The reference group's rate.
    pub reference_rate: f64,
    /// rate / reference rate (`None` when the reference rate is zero).
    pub ratio: Option<f64>,
    /// 95% Katz log interval of the ratio.
    pub ci: Interval,
    /// The tolerance it exceeds.
    pub tolerance: f64,
}

impl Disparity {
    /// One line for people: "`sex` = `female`: flagged 2.10× as often as `male` (…)".
    pub fn message(&self) -> String {
        let ci = format!(
            "95% CI {:.2}–{:.2}, tolerance {:.2}",
            self.ci.low, self.ci.high, self.tolerance
        );
        let rates = format!(
            "{:.1}% vs {:.1}%",
            self.rate * 100.0,
            self.reference_rate * 100.0
        );
        let (c, v, r) = (&self.column, &self.value, &self.reference);
        match (self.kind, self.ratio) {
            (DisparityKind::FlagRate, Some(x)) => {
                format!("`{c}` = `{v}`: flagged {x:.2}× as often as `{r}` ({rates}; {ci})")
            }
            (DisparityKind::FlagRate, None) => {
                format!("`{c}` = `{v}`: flagged ({rates}) while `{r}` never is ({ci})")
            }
            (DisparityKind::FalsePositiveRate, Some(x)) => {
                format!("`{c}` = `{v}`: false-positive rate {x:.2}× that of `{r}` ({rates}; {ci})")
            }
            (DisparityKind::FalsePositiveRate, None) => {
                format!("`{c}` = `{v}`: false positives ({rates}) while `{r}` has none ({ci})")
            }
            (DisparityKind::RuleHits, ratio) => {
                let rule = self.rule.as_deref().unwrap_or("?");
                match ratio {
                    Some(x) => format!(
                        "rule `{rule}`: hits {x:.1}× more often for `{c} = {v}` than for \
                         `{c} = {r}` ({rates}; {ci})"
                    ),
                    None => format!(
                        "rule `{rule}`: hits for `{c} = {v}` and never for `{c} = {r}` \
                         ({rates}; {ci})"
                    ),
                }
            }
        }
    }
}

/// A rule's hits in one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleGroup {
    /// Group value.
    pub value: String,
    /// Records in the group.
    pub n: u64,
    /// Records of the group the rule fired on.
    pub hits: u64,
    /// hits / n.
    pub hit_rate: Option<f64>,
    /// 95% Wilson interval of the hit rate.
    pub hit_rate_ci: Option<Interval>,
    /// hit_rate / the reference group's (the lowest) hit rate.
    pub ratio: Option<f64>,
    /// 95% Katz log interval of the ratio.
    pub ratio_ci: Option<Interval>,
    /// The whole interval lies above the tolerance.
    pub disparity: bool,
}

/// One rule's hit rates across the groups of one monitored column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDisparity {
    /// Rule id.
    pub rule: String,
    /// Monitored column.
    pub column: String,
    /// The group the rule hits least often (the reference).
    pub reference: Option<String>,
    /// The largest ratio to the reference (`None` when no ratio is defined).
    pub max_ratio: Option<f64>,
    /// True when some group's ratio interval lies entirely above the tolerance.
    pub concentrated: bool,
    /// Per group, sorted by value.
    pub groups: Vec<RuleGroup>,
}

/// Everything the fairness audit finds.
pub(crate) struct Audit {
    pub groups: Vec<GroupColumn>,
    pub rules: Vec<RuleDisparity>,
    pub disparities: Vec<Disparity>,
}

/// Counts `(x, n)` of one rate per group, for picking the reference group.
struct Rates<'a> {
    counts: Vec<(&'a str, u64, u64)>,
}

impl<'a> Rates<'a> {
    /// The group with the lowest rate among those with `n >= min` (not `(missing)`); when
    /// none is that large, among all groups with a rate. Ties: the first by value.
    fn reference(&self, min: u64) -> Option<(&'a str, u64, u64)> {
        let lowest = |eligible: &dyn Fn(&(&str, u64, u64)) -> bool| {
            self.counts
                .iter()
                .filter(|c| c.2 > 0 && c.0 != MISSING && eligible(c))
                .fold(None, |best: Option<(&'a str, u64, u64)>, &c| match best {
                    Some(b) if (b.1 as f64 / b.2 as f64) <= (c.1 as f64 / c.2 as f64) => Some(b),
                    _ => Some(c),
                })
        };
        lowest(&|c| c.2 >= min).or_else(|| lowest(&|_| true))
    }
}

/// A ratio to the reference: point estimate, interval, and whether it is a disparity.
struct Compared {
    ratio: Option<f64>,
    ci: Option<Interval>,
    disparity: bool,
}

fn compare(
    value: &str,
    (x, n): (u64, u64),
    reference: Option<(&str, u64, u64)>,
    tolerance: f64,
) -> Compared {
    let Some((_, rx, rn)) = reference else {
        return Compared {
            ratio: None,
            ci: None,
            disparity: false,
        };
    };
    let ci = katz(x, n, rx, rn);
    Compared {
        ratio: rate_ratio(x, n, rx, rn),
        disparity: value != MISSING && ci.is_some_and(|ci| ci.low > tolerance),
        ci,
    }
}

fn max_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .flatten()
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))))
}

/// Computes the group tables, per-rule disparities and the list of disparities.
pub(crate) fn audit(
    columns: &[(String, BTreeMap<String, GroupAcc>)],
    rules: &[RuleSpec],
    min: u64,
    tolerance: f64,
) -> Audit {
    let mut disparities = Vec::new();
    let mut group_columns = Vec::new();
    let mut rule_disparity = Vec::new();
    for (column, values) in columns {
        let flags = Rates {
            counts: values
                .iter()
                .map(|(v, g)| (v.as_str(), g.flagged, g.n))
                .collect(),
        };
        let fps = Rates {
            counts: values
                .iter()
                .map(|(v, g)| (v.as_str(), g.flagged - g.tp, g.n - g.positives))
                .collect(),
        };
        let flag_ref = flags.reference(min);
        let fpr_ref = fps.reference(min);
        let groups: Vec<GroupMetrics> = values
            .iter()
            .map(|(value, g)| {
                let negatives = g.n - g.positives;
                let fp = g.flagged - g.tp;
                let fn_ = g.positives - g.tp;
                let by_flags = compare(value, (g.flagged, g.n), flag_ref, tolerance);
                let by_fpr = compare(value, (fp, negatives), fpr_ref, tolerance);
                for (kind, cmp, (x, n), reference) in [
                    (
                        DisparityKind::FlagRate,
                        &by_flags,
                        (g.flagged, g.n),
                        flag_ref,
                    ),
                    (
                        DisparityKind::FalsePositiveRate,
                        &by_fpr,
                        (fp, negatives),
                        fpr_ref,
                    ),
                ] {
                    if let (true, Some(ci), Some((r, rx, rn))) = (cmp.disparity, cmp.ci, reference)
                    {
                        disparities.push(Disparity {
                            kind,
                            rule: None,
                            column: column.clone(),
                            value: value.clone(),
                            reference: r.to_string(),
                            rate: x as f64 / n as f64,
                            reference_rate: rx as f64 / rn as f64,
                            ratio: cmp.ratio,
                            ci,
                            tolerance,
                        });
                    }
                }
                GroupMetrics {
                    value: value.clone(),
                    n: g.n,
                    positives: g.positives,
                    negatives,
                    flagged: g.flagged,
                    false_positives: fp,
                    false_negatives: fn_,
                    incomplete: g.incomplete,
                    flag_rate: ratio(g.flagged, g.n),
                    flag_rate_ci: wilson(g.flagged, g.n),
                    false_positive_rate: ratio(fp, negatives),
                    false_positive_rate_ci: wilson(fp, negatives),
                    false_negative_rate: ratio(fn_, g.positives),
                    false_negative_rate_ci: wilson(fn_, g.positives),
                    precision: ratio(g.tp, g.flagged),
                    precision_ci: wilson(g.tp, g.flagged),
                    recall: ratio(g.tp, g.positives),
                    flag_ratio: by_flags.ratio,
                    flag_ratio_ci: by_flags.ci,
                    fpr_ratio: by_fpr.ratio,
                    fpr_ratio_ci: by_fpr.ci,
                    flag_disparity: by_flags.disparity,
                    fpr_disparity: by_fpr.disparity,
                    small: g.n < min,
                }
            })
            .collect();
        group_columns.push(GroupColumn {
            column: column.clone(),
            reference: flag_ref.map(|r| r.0.to_string()),
            fpr_reference: fpr_ref.map(|r| r.0.to_string()),
            max_flag_ratio: max_of(groups.iter().map(|g| g.flag_ratio)),
            max_fpr_ratio: max_of(groups.iter().map(|g| g.fpr_ratio)),
            groups,
        });

        for (i, spec) in rules.iter().enumerate() {
            let hits = Rates {
                counts: values
                    .iter()
                    .map(|(v, g)| (v.as_str(), g.rule_hits.get(i).copied().unwrap_or(0), g.n))
                    .collect(),
            };
            let reference = hits.reference(min);
            let groups: Vec<RuleGroup> = hits
                .counts
                .iter()
                .map(|&(value, x, n)| {
                    let cmp = compare(value, (x, n), reference, tolerance);
                    if let (true, Some(ci), Some((r, rx, rn))) = (cmp.disparity, cmp.ci, reference)
                    {
                        disparities.push(Disparity {
                            kind: DisparityKind::RuleHits,
                            rule: Some(spec.id.clone()),
                            column: column.clone(),
                            value: value.to_string(),
                            reference: r.to_string(),
                            rate: x as f64 / n as f64,
                            reference_rate: rx as f64 / rn as f64,
                            ratio: cmp.ratio,
                            ci,
                            tolerance,
                        });
                    }
                    RuleGroup {
                        value: value.to_string(),
                        n,
                        hits: x,
                        hit_rate: ratio(x, n),
                        hit_rate_ci: wilson(x, n),
                        ratio: cmp.ratio,
                        ratio_ci: cmp.ci,
                        disparity: cmp.disparity,
                    }
                })
                .collect();
            rule_disparity.push(RuleDisparity {
                rule: spec.id.clone(),
                column: column.clone(),
                reference: reference.map(|r| r.0.to_string()),
                max_ratio: max_of(groups.iter().map(|g| g.ratio)),
                concentrated: groups.iter().any(|g| g.disparity),
                groups,
            });
        }
    }
    Audit {
        groups: group_columns,
        rules: rule_disparity,
        disparities,
    }
}

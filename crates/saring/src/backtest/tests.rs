//! Back-test metrics checked against values computed by hand on ten records.
//!
//! Pack: review = 30, refer = 60; rules a (active, 25), b (active, 10), c (active, 40),
//! s (shadow, 20).
//!
//! | # | hits      | score | outcome | label | sex | incomplete |
//! |---|-----------|-------|---------|-------|-----|------------|
//! | 1 | a c       | 65    | refer   | T     | F   |            |
//! | 2 | a b       | 35    | review  | T     | F   |            |
//! | 3 | c         | 40    | review  | F     | M   |            |
//! | 4 | a         | 25    | clear   | T     | M   |            |
//! | 5 | b         | 10    | clear   | F     | F   |            |
//! | 6 |           | 0     | clear   | F     | M   |            |
//! | 7 | a b c     | 75    | refer   | T     | M   |            |
//! | 8 | c, s(sh)  | 40    | review  | F     | F   |            |
//! | 9 | b, s(sh)  | 10    | clear   | T     | M   | a          |
//! |10 |           | 0     | clear   | F     | F   | c          |

use super::*;
use crate::decision::{Hit, Incomplete};

fn spec(id: &str, weight: i64, status: RuleStatus) -> RuleSpec {
    RuleSpec {
        id: id.into(),
        weight,
        status,
    }
}

fn config() -> BacktestConfig {
    BacktestConfig {
        review: 30,
        refer: 60,
        rules: vec![
            spec("a", 25, RuleStatus::Active),
            spec("b", 10, RuleStatus::Active),
            spec("c", 40, RuleStatus::Active),
            spec("s", 20, RuleStatus::Shadow),
        ],
    }
}

fn hit(rule: &str, weight: i64) -> Hit {
    Hit {
        rule: rule.into(),
        weight,
        reason: String::new(),
        remedy: None,
        evidence: BTreeMap::new(),
    }
}

fn decision(active: &[&str], shadow: &[&str], incomplete: &[&str]) -> Decision {
    let cfg = config();
    let weight = |id: &str| {
        cfg.rules
            .iter()
            .find(|r| r.id == id)
            .map_or(0, |r| r.weight)
    };
    let score: i64 = active.iter().map(|r| weight(r)).sum();
    Decision {
        outcome: cfg.outcome_for(score),
        score,
        hits: active.iter().map(|r| hit(r, weight(r))).collect(),
        shadow_hits: shadow.iter().map(|r| hit(r, weight(r))).collect(),
        incomplete: incomplete
            .iter()
            .map(|r| Incomplete {
                rule: (*r).into(),
                missing: vec!["x".into()],
                error: None,
            })
            .collect(),
        invalid: Vec::new(),
        pack: PackRef {
            id: "t".into(),
            version: "1".into(),
            digest: "sha256:00".into(),
        },
    }
}

fn samples() -> Vec<Sample> {
    let g = |s: &str| vec![("sex".to_string(), s.to_string())];
    vec![
        (decision(&["a", "c"], &[], &[]), true, g("F")),
        (decision(&["a", "b"], &[], &[]), true, g("F")),
        (decision(&["c"], &[], &[]), false, g("M")),
        (decision(&["a"], &[], &[]), true, g("M")),
        (decision(&["b"], &[], &[]), false, g("F")),
        (decision(&[], &[], &[]), false, g("M")),
        (decision(&["a", "b", "c"], &[], &[]), true, g("M")),
        (decision(&["c"], &["s"], &[]), false, g("F")),
        (decision(&["b"], &["s"], &["a"]), true, g("M")),
        (decision(&[], &[], &["c"]), false, g("F")),
    ]
}

fn report() -> BacktestReport {
    backtest(config(), &samples())
}

fn close(actual: Option<f64>, expected: f64) {
    let a = actual.unwrap_or(f64::NAN);
    assert!((a - expected).abs() < 1e-12, "{a} != {expected}");
}

/// Checks a threshold's `(flagged, tp, fp, tn, fn)` counts and its precision, recall, f1 and
/// flag rate.
fn check_confusion(
    t: &ThresholdMetrics,
    counts: (u64, u64, u64, u64, u64),
    precision: f64,
    recall: f64,
    f1: f64,
    flag_rate: f64,
) {
    assert_eq!(
        (t.flagged, t.tp, t.fp, t.tn, t.fn_),
        counts,
        "{:?}",
        t.threshold
    );
    close(t.precision, precision);
    close(t.recall, recall);
    close(t.f1, f1);
    close(t.flag_rate, flag_rate);
}

/// Checks a rule's `(hits, true hits, incomplete)` counts and its precision, recall and lift.
fn check_rule(m: &RuleMetrics, counts: (u64, u64, u64), precision: f64, recall: f64, lift: f64) {
    assert_eq!((m.hits, m.true_hits, m.incomplete), counts, "{}", m.rule);
    close(m.precision, precision);
    close(m.recall, recall);
    close(m.lift, lift);
}

/// Checks what an active rule's removal costs: recall at review and at refer, and the
/// records no longer flagged.
fn check_marginal(m: &RuleMetrics, recall: f64, recall_refer: f64, flags: i64) {
    close(m.marginal_recall, recall);
    close(m.marginal_recall_refer, recall_refer);
    assert_eq!(m.marginal_flags, Some(flags), "{}", m.rule);
}

#[test]
fn totals_and_outcomes() {
    let r = report();
    assert_eq!(r.records, 10);
    assert_eq!(r.positives, 5);
    close(r.base_rate, 0.5);
    assert_eq!(r.errors, 0);
    assert_eq!(r.incomplete_records, 2);
    assert_eq!(
        r.outcomes,
        OutcomeCounts {
            clear: 5,
            review: 3,
            refer: 2
        }
    );
    assert_eq!(r.pack.map(|p| p.id.to_string()), Some("t".to_string()));
}

#[test]
fn confusion_at_review_and_refer() {
    let r = report();
    let review = &r.thresholds[0];
    assert_eq!(review.threshold, Outcome::Review);
    assert_eq!(review.min_score, 30);
    check_confusion(review, (5, 3, 2, 3, 2), 0.6, 0.6, 0.6, 0.5);

    let refer = &r.thresholds[1];
    assert_eq!(refer.threshold, Outcome::Refer);
    assert_eq!(refer.min_score, 60);
    check_confusion(refer, (2, 2, 0, 5, 3), 1.0, 0.4, 2.0 * 0.4 / 1.4, 0.2);
}

#[test]
fn per_rule_metrics() {
    let r = report();
    let ids: Vec<&str> = r.rules.iter().map(|m| m.rule.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "s"]);

    let a = &r.rules[0];
    check_rule(a, (4, 4, 1), 1.0, 0.8, 2.0);
    // without a: #2 35→10 loses review (positive); #1 65→40 and #7 75→50 lose refer.
    check_marginal(a, 0.2, 0.4, 1);
    assert_eq!((a.promotion_recall, a.promotion_flags), (None, None));

    let b = &r.rules[1];
    check_rule(b, (4, 3, 0), 0.75, 0.6, 1.5);
    // without b: #2 35→25 loses review; #7 75→65 keeps refer.
    check_marginal(b, 0.2, 0.0, 1);

    let c = &r.rules[2];
    check_rule(c, (4, 2, 1), 0.5, 0.4, 1.0);
    // without c: #1 65→25 (pos), #3 40→0, #8 40→0 lose review; #1, #7 lose refer.
    check_marginal(c, 0.2, 0.4, 3);

    let s = &r.rules[3];
    assert_eq!(s.status, RuleStatus::Shadow);
    check_rule(s, (2, 1, 0), 0.5, 0.2, 1.0);
    assert_eq!(s.marginal_recall, None);
    assert_eq!(s.marginal_recall_refer, None);
    assert_eq!(s.marginal_flags, None);
    // promoted: #9 10→30 becomes review (positive); #8 40→60 was already flagged.
    close(s.promotion_recall, 0.2);
    assert_eq!(s.promotion_flags, Some(1));
}

#[test]
fn score_sweep() {
    let r = report();
    let points: Vec<(i64, u64, u64)> = r
        .sweep
        .iter()
        .map(|p| (p.min_score, p.flagged, p.tp))
        .collect();
    assert_eq!(
        points,
        [
            (0, 10, 5),
            (10, 8, 5),
            (25, 6, 4),
            (35, 5, 3),
            (40, 4, 2),
            (65, 2, 2),
            (75, 1, 1)
        ]
    );
    let expected = [
        (0.5, 1.0, 1.0),
        (0.625, 1.0, 0.8),
        (4.0 / 6.0, 0.8, 0.6),
        (0.6, 0.6, 0.5),
        (0.5, 0.4, 0.4),
        (1.0, 0.4, 0.2),
        (1.0, 0.2, 0.1),
    ];
    for (p, (precision, recall, rate)) in r.sweep.iter().zip(expected) {
        close(p.precision, precision);
        close(p.recall, recall);
        close(p.flag_rate, rate);
    }
}

#[test]
fn monitored_groups_and_four_fifths() {
    let r = report();
    assert_eq!(r.groups.len(), 1);
    let sex = &r.groups[0];
    assert_eq!(sex.column, "sex");
    close(sex.max_flag_rate, 0.6);
    let f = &sex.groups[0];
    assert_eq!(f.value, "F");
    assert_eq!((f.n, f.positives, f.flagged), (5, 2, 3));
    close(f.flag_rate, 0.6);
    close(f.ratio_to_max, 1.0);
    assert!(!f.below_four_fifths);
    close(f.precision, 2.0 / 3.0);
    close(f.recall, 1.0);
    let m = &sex.groups[1];
    assert_eq!(m.value, "M");
    assert_eq!((m.n, m.positives, m.flagged), (5, 3, 2));
    close(m.flag_rate, 0.4);
    close(m.ratio_to_max, 0.4 / 0.6);
    assert!(m.below_four_fifths);
    close(m.precision, 0.5);
    close(m.recall, 1.0 / 3.0);
    assert_eq!(
        r.warnings,
        [
            "`sex` = `M`: flag rate 0.400 is 0.67 of the highest group's (0.600), below the \
          four-fifths line"
        ]
    );
}

#[test]
fn small_groups_are_reported_but_not_compared() {
    // min size 5: both sex groups (5 records each) take part, as before.
    let mut bt = Backtest::new(config()).min_group_size(5);
    let mut extra = Backtest::new(config()).min_group_size(6);
    for (d, label, groups) in samples() {
        bt.add(&d, label, &groups);
        extra.add(&d, label, &groups);
    }
    let r = bt.finish();
    assert!(r.groups[0].groups[1].below_four_fifths);
    assert!(!r.groups[0].groups[1].small);
    // min size 6: both groups are small, so there is no highest rate and no warning.
    let r = extra.finish();
    let m = &r.groups[0].groups[1];
    assert!(m.small);
    assert!(!m.below_four_fifths);
    assert_eq!(m.ratio_to_max, None);
    assert_eq!(r.groups[0].max_flag_rate, None);
    close(m.flag_rate, 0.4);
    assert!(r.warnings.is_empty());
}

#[test]
fn empty_and_errors() {
    let mut bt = Backtest::new(config());
    bt.add_error();
    let r = bt.finish();
    assert_eq!((r.records, r.positives, r.errors), (0, 0, 1));
    assert_eq!(r.base_rate, None);
    assert_eq!(r.thresholds[0].precision, None);
    assert_eq!(r.thresholds[0].f1, None);
    assert_eq!(r.rules[0].recall, None);
    assert_eq!(r.rules[0].lift, None);
    assert!(r.sweep.is_empty());
    assert!(r.groups.is_empty());
    assert_eq!(r.pack, None);
}

#[test]
fn json_shape_uses_fn_and_lowercase_outcomes() {
    let r = report();
    let v = serde_json::to_value(&r.thresholds[0]).unwrap_or_default();
    assert_eq!(v["threshold"], "review");
    assert_eq!(v["fn"], 2);
    let rule = serde_json::to_value(&r.rules[3]).unwrap_or_default();
    assert_eq!(rule["status"], "shadow");
    assert_eq!(rule["marginal_recall"], serde_json::Value::Null);
}

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
        family: None,
    }
}

fn config() -> BacktestConfig {
    BacktestConfig {
        outcomes: Outcomes {
            review: 30,
            refer: 60,
            ..Outcomes::default()
        },
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
        references: Vec::new(),
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
        record: None,
        outcome: cfg.outcomes.outcome(score),
        score,
        max_score: score,
        families: BTreeMap::new(),
        questions: Vec::new(),
        hits: active.iter().map(|r| hit(r, weight(r))).collect(),
        shadow_hits: shadow.iter().map(|r| hit(r, weight(r))).collect(),
        incomplete: incomplete
            .iter()
            .map(|r| Incomplete {
                rule: (*r).into(),
                missing: vec!["x".into()],
                error: None,
                error_kind: None,
                error_at: None,
                error_expr: None,
            })
            .collect(),
        invalid: Vec::new(),
        ignored_fields: Vec::new(),
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
            incomplete: 0,
            review: 3,
            refer: 2,
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

/// Wilson 3/5 by hand: p = 0.6, z² = 3.8415: (0.6 + 0.3841 ± 1.1084·0.29396) / 1.7683.
#[test]
fn monitored_groups_in_the_harm_direction() {
    let r = report();
    assert_eq!(r.groups.len(), 1);
    let sex = &r.groups[0];
    assert_eq!(sex.column, "sex");
    // M is flagged least (2 of 5): the reference of the flag ratio.
    assert_eq!(sex.reference.as_deref(), Some("M"));
    // F has the lowest false-positive rate (1 of 3 negatives vs 1 of 2).
    assert_eq!(sex.fpr_reference.as_deref(), Some("F"));
    let f = &sex.groups[0];
    assert_eq!(f.value, "F");
    assert_eq!((f.n, f.positives, f.negatives, f.flagged), (5, 2, 3, 3));
    assert_eq!(
        (f.false_positives, f.false_negatives, f.incomplete),
        (1, 0, 0)
    );
    close(f.flag_rate, 0.6);
    let ci = f.flag_rate_ci.map(|c| (c.low, c.high));
    assert!(ci.is_some_and(|(l, h)| (l - 0.2307).abs() < 1e-3 && (h - 0.8824).abs() < 1e-3));
    close(f.false_positive_rate, 1.0 / 3.0);
    close(f.false_negative_rate, 0.0);
    close(f.precision, 2.0 / 3.0);
    close(f.recall, 1.0);
    close(f.flag_ratio, 1.5);
    // Katz: se = √(1/3 − 1/5 + 1/2 − 1/5).
    let se = (1.0 / 3.0 - 0.2 + 0.5 - 0.2f64).sqrt();
    close(
        f.flag_ratio_ci.map(|c| c.low),
        1.5 * (-stats::Z95 * se).exp(),
    );
    close(
        f.flag_ratio_ci.map(|c| c.high),
        1.5 * (stats::Z95 * se).exp(),
    );
    close(f.fpr_ratio, 1.0);
    assert!(!f.flag_disparity && !f.fpr_disparity);

    let m = &sex.groups[1];
    assert_eq!(m.value, "M");
    assert_eq!((m.n, m.positives, m.negatives, m.flagged), (5, 3, 2, 2));
    close(m.flag_rate, 0.4);
    close(m.flag_ratio, 1.0);
    close(m.false_positive_rate, 0.5);
    close(m.fpr_ratio, 1.5);
    close(m.false_negative_rate, 2.0 / 3.0);
    close(m.precision, 0.5);
    close(sex.max_flag_ratio, 1.5);
    close(sex.max_fpr_ratio, 1.5);
    // Five records per group: the intervals are wide, so nothing is reported.
    assert!(r.disparities.is_empty());
    assert!(r.warnings.is_empty());
}

#[test]
fn rules_hit_both_groups_alike_and_fire_together() {
    let r = report();
    assert_eq!(r.rule_disparity.len(), 4);
    for d in &r.rule_disparity {
        assert_eq!(d.column, "sex");
        assert!(!d.concentrated, "{}", d.rule);
        let hits: Vec<u64> = d.groups.iter().map(|g| g.hits).collect();
        let expected = if d.rule == "s" { [1, 1] } else { [2, 2] };
        assert_eq!(hits, expected, "{}", d.rule);
        close(d.max_ratio, 1.0);
    }
    assert_eq!(r.cofiring.rules, ["a", "b", "c", "s"]);
    assert_eq!(
        r.cofiring.counts,
        [[4, 2, 2, 0], [2, 4, 1, 1], [2, 1, 4, 1], [0, 1, 1, 2]]
    );
}

#[test]
fn false_positives_highest_score_first() {
    let r = report();
    // #3 and #8 (score 40 each, labelled negative) are the only false positives.
    let fp: Vec<(i64, Vec<&str>)> = r
        .false_positives
        .iter()
        .map(|s| (s.score, s.hits.iter().map(|h| h.rule.as_str()).collect()))
        .collect();
    assert_eq!(fp, [(40, vec!["c"]), (40, vec!["c"])]);
    let mut bt = Backtest::new(config()).samples(1);
    for (i, (d, label, groups)) in samples().into_iter().enumerate() {
        let id = format!("R{}", i + 1);
        bt.add_row(&d, label, &groups, Some(i as u64 + 1), Some(&id));
    }
    let r = bt.finish();
    assert_eq!(r.false_positives.len(), 1);
    assert_eq!(
        (r.false_positives[0].row, r.false_positives[0].id.as_deref()),
        (Some(3), Some("R3"))
    );
}

/// 200 women and 200 men; a rule (a proxy) fires on 124 women (62%) and 12 men (6%).
fn proxy_samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for (sex, hits) in [("female", 124), ("male", 12)] {
        for i in 0..200 {
            let d = if i < hits {
                decision(&["c"], &[], &[])
            } else {
                decision(&[], &[], &[])
            };
            out.push((d, i % 10 == 0, vec![("sex".to_string(), sex.to_string())]));
        }
    }
    out
}

#[test]
fn a_proxy_rule_is_caught_by_name() {
    let r = backtest(config(), &proxy_samples());
    let c = r
        .rule_disparity
        .iter()
        .find(|d| d.rule == "c")
        .map(|d| (d.reference.clone(), d.concentrated, d.max_ratio));
    let (reference, concentrated, max) = c.unwrap_or_default();
    assert_eq!(reference.as_deref(), Some("male"));
    assert!(concentrated);
    close(max, 124.0 / 12.0);
    let rule_hits: Vec<&Disparity> = r
        .disparities
        .iter()
        .filter(|d| d.kind == DisparityKind::RuleHits)
        .collect();
    assert_eq!(rule_hits.len(), 1);
    assert_eq!(
        rule_hits[0].message().split(" (").next(),
        Some("rule `c`: hits 10.3× more often for `sex = female` than for `sex = male`")
    );
    // Rule c flags on its own (weight 40 ≥ review): the flag rate and the false-positive
    // rate of women are reported too, in the harm direction.
    let kinds: Vec<(DisparityKind, &str)> = r
        .disparities
        .iter()
        .map(|d| (d.kind, d.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (DisparityKind::FlagRate, "female"),
            (DisparityKind::FalsePositiveRate, "female"),
            (DisparityKind::RuleHits, "female")
        ]
    );
    assert!(r.warnings[0].starts_with("`sex` = `female`: flagged 10.33× as often as `male`"));
    let f = &r.groups[0].groups[0];
    assert!(f.flag_disparity && f.fpr_disparity);
    // A tolerance above the interval silences it.
    let mut bt = Backtest::new(config()).tolerance(20.0);
    for (d, label, groups) in proxy_samples() {
        bt.add(&d, label, &groups);
    }
    assert!(bt.finish().disparities.is_empty());
}

/// Thirty provinces of 40 records, flagged 2 to 6 times each: noise, not disparity. The old
/// four-fifths check (against the highest rate) warned about most of them.
#[test]
fn small_groups_get_wide_intervals_not_a_wall_of_warnings() {
    let mut bt = Backtest::new(config()).min_group_size(30);
    for p in 0..30u64 {
        let flagged = 2 + p % 5;
        for i in 0..40 {
            let d = if i < flagged {
                decision(&["c"], &[], &[])
            } else {
                decision(&[], &[], &[])
            };
            bt.add(&d, i == 0, &[("province".to_string(), format!("P{p:02}"))]);
        }
    }
    let r = bt.finish();
    assert_eq!(r.groups[0].groups.len(), 30);
    close(r.groups[0].max_flag_ratio, 3.0);
    assert!(r.disparities.is_empty(), "{:?}", r.warnings);
    // Every group is at least the minimum size: none is small.
    assert!(r.groups[0].groups.iter().all(|g| !g.small));
}

#[test]
fn small_groups_cannot_be_the_reference() {
    // A 3-record group never flagged would be the lowest rate; with min size 30 the reference
    // is the lowest of the large groups, and the small group still gets its (wide) ratio.
    let mut samples = proxy_samples();
    for _ in 0..3 {
        samples.push((
            decision(&[], &[], &[]),
            false,
            vec![("sex".to_string(), "x".to_string())],
        ));
    }
    let mut bt = Backtest::new(config()).min_group_size(30);
    for (d, label, groups) in &samples {
        bt.add(d, *label, groups);
    }
    let r = bt.finish();
    assert_eq!(r.groups[0].reference.as_deref(), Some("male"));
    let x = &r.groups[0].groups[2];
    assert!(x.small);
    close(x.flag_ratio, 0.0);
    assert!(!x.flag_disparity);
    // Without a minimum, the 3-record group is the reference (rate 0): ratios are undefined
    // but the corrected intervals still report the women's disparity.
    let mut bt = Backtest::new(config()).min_group_size(0);
    for (d, label, groups) in &samples {
        bt.add(d, *label, groups);
    }
    let r = bt.finish();
    assert_eq!(r.groups[0].reference.as_deref(), Some("x"));
    assert_eq!(r.groups[0].groups[0].flag_ratio, None);
}

#[test]
fn missing_is_grouped_but_never_the_reference_nor_a_disparity() {
    let mut samples = proxy_samples();
    for d in samples.iter_mut().take(200) {
        d.2 = vec![("sex".to_string(), groups::MISSING.to_string())];
    }
    let r = backtest(config(), &samples);
    assert_eq!(r.groups[0].reference.as_deref(), Some("male"));
    assert!(r.disparities.is_empty(), "{:?}", r.warnings);
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

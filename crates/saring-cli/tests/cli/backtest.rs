//! `saring backtest` on the fixture: the numbers computed by hand in
//! `crates/saring/src/backtest/tests.rs`, end to end through the CLI.

use assert_cmd::Command;
use serde_json::Value;

use crate::fixture::{golden, mask_digest, stdout, Fixture};

/// Groups by `sex`, comparing groups of five records or more.
const BY_SEX: [&str; 4] = ["--by", "sex", "--min-group", "5"];

/// `saring backtest` of the fixture pack on `data`, labelled by its `label` column.
fn backtest(f: &Fixture, data: &str) -> Command {
    let mut cmd = f.saring();
    cmd.args(["backtest", "--pack", "pack", data, "--label", "label"]);
    cmd
}

fn close(v: &Value, expected: f64) {
    let a = v.as_f64().unwrap_or(f64::NAN);
    assert!((a - expected).abs() < 1e-9, "{a} != {expected}");
}

#[test]
fn json_report_matches_hand_computed_values() {
    let f = Fixture::new();
    let out = backtest(&f, "data.jsonl")
        .args(BY_SEX)
        .args(["-f", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        (r["records"].as_u64(), r["positives"].as_u64()),
        (Some(10), Some(5))
    );
    assert_eq!(r["errors"], 0);
    assert_eq!(r["incomplete_records"], 2);
    assert_eq!(
        r["outcomes"],
        serde_json::json!({"clear": 5, "incomplete": 0, "review": 3, "refer": 2})
    );

    let review = &r["thresholds"][0];
    assert_eq!(review["threshold"], "review");
    let counts: Vec<u64> = ["tp", "fp", "tn", "fn"]
        .iter()
        .filter_map(|k| review[k].as_u64())
        .collect();
    assert_eq!(counts, [3, 2, 3, 2]);
    close(&review["precision"], 0.6);
    close(&review["recall"], 0.6);
    close(&review["f1"], 0.6);
    let refer = &r["thresholds"][1];
    let counts: Vec<u64> = ["tp", "fp", "tn", "fn"]
        .iter()
        .filter_map(|k| refer[k].as_u64())
        .collect();
    assert_eq!(counts, [2, 0, 5, 3]);
    close(&refer["f1"], 0.8 / 1.4);

    let rule = |i: usize, k: &str| r["rules"][i][k].clone();
    assert_eq!(rule(0, "rule"), "rule_a");
    assert_eq!(
        (rule(0, "hits"), rule(0, "true_hits"), rule(0, "incomplete")),
        (4.into(), 4.into(), 1.into())
    );
    close(&rule(0, "lift"), 2.0);
    close(&rule(0, "marginal_recall"), 0.2);
    close(&rule(0, "marginal_recall_refer"), 0.4);
    close(&rule(1, "precision"), 0.75);
    close(&rule(1, "marginal_recall_refer"), 0.0);
    assert_eq!(rule(2, "marginal_flags"), 3);
    assert_eq!(rule(3, "status"), "shadow");
    assert_eq!(rule(3, "marginal_recall"), Value::Null);
    close(&rule(3, "promotion_recall"), 0.2);

    let sweep: Vec<(i64, u64)> = r["sweep"]
        .as_array()
        .expect("sweep")
        .iter()
        .filter_map(|p| Some((p["min_score"].as_i64()?, p["flagged"].as_u64()?)))
        .collect();
    assert_eq!(
        sweep,
        [
            (0, 10),
            (10, 8),
            (25, 6),
            (35, 5),
            (40, 4),
            (65, 2),
            (75, 1)
        ]
    );

    let sex = &r["groups"][0];
    assert_eq!(sex["column"], "sex");
    assert_eq!(sex["groups"][0]["value"], "f");
    close(&sex["groups"][0]["flag_rate"], 0.6);
    assert_eq!(sex["groups"][1]["value"], "m");
    close(&sex["groups"][1]["ratio_to_max"], 0.4 / 0.6);
    assert_eq!(sex["groups"][1]["below_four_fifths"], true);
    assert_eq!(r["warnings"].as_array().map(Vec::len), Some(1));
}

#[test]
fn table_golden_and_html() {
    let f = Fixture::new();
    let out = backtest(&f, "data.jsonl")
        .args(BY_SEX)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    golden("backtest_fixture.txt", &mask_digest(&stdout(&out)));

    backtest(&f, "data.jsonl")
        .args(BY_SEX)
        .args(["-f", "html", "-o", "r.html"])
        .assert()
        .code(0);
    let html = std::fs::read_to_string(f.path("r.html")).expect("html");
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<svg"));
    assert!(html.contains("below 4/5"));
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no external assets"
    );
    assert!(!html.contains("<script"));
}

#[test]
fn unlabelled_rows_are_counted_as_errors() {
    let f = Fixture::new();
    f.write(
        "partial.jsonl",
        "{\"a\":true,\"b\":true,\"c\":true,\"s\":false,\"label\":\"yes\"}\n{\"a\":true,\"b\":true,\"c\":true,\"s\":false}\n",
    );
    let out = backtest(&f, "partial.jsonl")
        .args(["-f", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let r: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        (r["records"].as_u64(), r["errors"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(crate::fixture::stderr(&out).contains("row 2: record.label: label `label` is missing"));
}

#[test]
fn groups_under_the_default_minimum_size_are_not_compared() {
    let f = Fixture::new();
    let out = backtest(&f, "data.jsonl")
        .args(["--by", "sex", "-f", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let m = &r["groups"][0]["groups"][1];
    assert_eq!(m["small"], true);
    assert_eq!(m["below_four_fifths"], false);
    assert_eq!(m["ratio_to_max"], Value::Null);
    assert_eq!(r["warnings"], serde_json::json!([]));
}

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
    assert_eq!(r["run"]["input"], "data.jsonl");
    assert_eq!(r["run"]["label"], "label");
    assert_eq!(r["run"]["by"], serde_json::json!(["sex"]));
    assert!(r["run"]["input_sha256"]
        .as_str()
        .is_some_and(|s| s.starts_with("sha256:") && s.len() == 71));

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

    // Harm direction: `m` is flagged least (2 of 5) and is the reference; `f` is flagged
    // 1.5 times as often, with a wide Katz interval (five records each): no disparity.
    let sex = &r["groups"][0];
    assert_eq!(sex["column"], "sex");
    assert_eq!(sex["reference"], "m");
    assert_eq!(sex["fpr_reference"], "f");
    let f = &sex["groups"][0];
    assert_eq!(f["value"], "f");
    close(&f["flag_rate"], 0.6);
    close(&f["flag_ratio"], 1.5);
    close(&f["false_positive_rate"], 1.0 / 3.0);
    let low = f["flag_rate_ci"]["low"].as_f64().unwrap_or(0.0);
    assert!((low - 0.2307).abs() < 1e-4, "{low}");
    assert_eq!(f["flag_disparity"], false);
    let m = &sex["groups"][1];
    close(&m["false_positive_rate"], 0.5);
    close(&m["fpr_ratio"], 1.5);
    close(&m["false_negative_rate"], 2.0 / 3.0);
    assert_eq!(r["warnings"], serde_json::json!([]));
    assert_eq!(r["disparities"], serde_json::json!([]));
    // Co-firing and the false positives (rows 3 and 8, score 40, rule_c).
    assert_eq!(r["cofiring"]["counts"][0], serde_json::json!([4, 2, 2, 0]));
    let fps: Vec<(u64, i64)> = r["false_positives"]
        .as_array()
        .expect("samples")
        .iter()
        .filter_map(|s| Some((s["row"].as_u64()?, s["score"].as_i64()?)))
        .collect();
    assert_eq!(fps, [(3, 40), (8, 40)]);
    assert_eq!(r["false_positives"][0]["hits"][0]["reason"], "c is true");
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
        .env("SOURCE_DATE_EPOCH", "1748779200")
        .assert()
        .code(0);
    let html = std::fs::read_to_string(f.path("r.html")).expect("html");
    assert!(html.starts_with("<!doctype html>"));
    // The header an analyst forwards: input, its sha256, the pack and its digest, the date.
    let sha = saring_sha256(&f.path("data.jsonl"));
    for needle in [
        "<code>data.jsonl</code>",
        sha.as_str(),
        "<code>fixture</code> version 1.0",
        "2025-06-01 12:00 UTC",
        "Flagged at review or refer (score ≥ 30)",
        "95% CI 0.231–0.882",
        "data-threshold=\"review\"",
        "data-threshold=\"refer\"",
        "Which rules fire together",
        "False positives to read",
        "c is true",
        "By <code>sex</code>",
        "data-fairness=\"ok\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

/// `sha256:<hex>` of a file, computed here independently of saring.
fn saring_sha256(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    let text = String::from_utf8_lossy(&out.stdout);
    format!("sha256:{}", text.split_whitespace().next().unwrap_or(""))
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
fn a_typo_in_label_or_by_is_one_usage_error_with_did_you_mean() {
    let f = Fixture::new();
    let out = f.run(&["backtest", "--pack", "pack", "data.jsonl", "--label", "lbl"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        crate::fixture::stderr(&out),
        "error: label column `lbl` is in none of the first 10 rows\n  = help: did you mean \
         `label`?\n"
    );
    assert_eq!(stdout(&out), "");
    let out = backtest(&f, "data.jsonl")
        .args(["--by", "sexx"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        crate::fixture::stderr(&out),
        "error: `--by` column `sexx` is in none of the first 10 rows\n  = help: did you mean \
         `sex`?\n"
    );
    let out = backtest(&f, "data.jsonl")
        .args(["--by", "sex:10"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::fixture::stderr(&out).contains("cannot be banded"));
}

#[test]
fn a_summary_line_ends_the_run() {
    let f = Fixture::new();
    let out = backtest(&f, "data.jsonl").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let err = crate::fixture::stderr(&out);
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("back-tested 10 rows in "), "{err}");
    assert!(
        last.ends_with("rows/s): 5 clear, 3 review, 2 refer; 2 with incomplete data; 0 errors"),
        "{err}"
    );
    let out = backtest(&f, "data.jsonl").arg("-q").output().expect("run");
    assert_eq!(crate::fixture::stderr(&out), "");
}

const AGE_SCHEMA: &str = r#"[field.birth_date]
type = "date"
required = true
monitored = true

[field.seen]
type = "date"
required = true

[field.far]
type = "bool"
required = true
"#;

const AGE_PACK: &str = r#"[pack]
id = "ages"
version = "1"
title = "Derived-value groups"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[derive]
age = "years_between(birth_date, seen)"

[[rule]]
id = "far"
title = "Far"
weight = 30
when = "far"
reason = "far"
references = ["test"]
"#;

#[test]
fn groups_by_a_derived_value_and_by_date_bands() {
    let f = Fixture::new();
    f.write("ages/pack.toml", AGE_PACK);
    f.write("ages/schema.toml", AGE_SCHEMA);
    let rows = [
        ("1990-06-01", true, true),
        ("1991-01-01", false, false),
        ("1979-12-31", true, false),
        ("1975-03-03", false, false),
        ("2001-07-07", true, true),
    ];
    let data: String = rows
        .iter()
        .map(|(b, far, label)| {
            format!("{{\"birth_date\":\"{b}\",\"seen\":\"2025-06-01\",\"far\":{far},\"label\":{label}}}\n")
        })
        .collect();
    f.write("ages.jsonl", &data);
    let out = f.run(&[
        "backtest",
        "--pack",
        "ages",
        "ages.jsonl",
        "--label",
        "label",
        "--by",
        "age:10,birth_date:10,age",
        "-f",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&out)
    );
    let r: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let groups = |i: usize| -> Vec<(String, u64, u64)> {
        r["groups"][i]["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                (
                    g["value"].as_str().unwrap_or("").to_string(),
                    g["n"].as_u64().unwrap_or(0),
                    g["flagged"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    // Ages 35, 34, 45, 50, 23.
    assert_eq!(r["groups"][0]["column"], "age:10");
    let s = |v: &str, n, k| (v.to_string(), n, k);
    assert_eq!(
        groups(0),
        [
            s("20-29", 1, 1),
            s("30-39", 2, 1),
            s("40-49", 1, 1),
            s("50-59", 1, 0)
        ]
    );
    assert_eq!(r["groups"][1]["column"], "birth_date:10");
    assert_eq!(
        groups(1),
        [
            s("1970-1979", 2, 1),
            s("1990-1999", 2, 1),
            s("2000-2009", 1, 1)
        ]
    );
    assert_eq!(
        groups(2),
        [
            s("23", 1, 1),
            s("34", 1, 0),
            s("35", 1, 1),
            s("45", 1, 1),
            s("50", 1, 0)
        ]
    );
}

/// A rule on the NIK day-of-birth digits (women's are the day + 40) never names `sex`, but
/// flags women: synthetic records from `saring synth` have `nik` and `sex`.
fn nik_proxy() -> Fixture {
    let f = Fixture::new();
    let schema = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/id-pmi/schema.toml"),
    )
    .expect("id-pmi schema");
    f.write("nik/schema.toml", &schema);
    f.write(
        "nik/pack.toml",
        r#"[pack]
id = "nik-proxy"
version = "1"
title = "A proxy rule"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[[rule]]
id = "nik_day_digits"
title = "NIK day digits above 28"
weight = 30
when = "int(nik.substring(6, 8)) > 28"
reason = "NIK digits of {nik}"
references = ["none: this rule is the proxy the audit must catch"]
"#,
    );
    let synth = f
        .saring()
        .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .args([
            "synth",
            "--pack",
            "rules/id-pmi/departure.toml",
            "--n",
            "800",
            "--seed",
            "3",
        ])
        .arg("-o")
        .arg(f.path("synth.jsonl"))
        .output()
        .expect("synth");
    assert_eq!(
        synth.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&synth)
    );
    f
}

#[test]
fn the_nik_digits_proxy_is_caught_by_per_rule_disparity() {
    let f = nik_proxy();
    let out = f.run(&[
        "backtest",
        "--pack",
        "nik",
        "synth.jsonl",
        "--label",
        "label",
        "--by",
        "sex",
        "-f",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&out)
    );
    let r: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let d = &r["rule_disparity"][0];
    assert_eq!(d["rule"], "nik_day_digits");
    assert_eq!(d["column"], "sex");
    assert_eq!(d["reference"], "male");
    assert_eq!(d["concentrated"], true);
    let female = d["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["value"] == "female"))
        .cloned()
        .unwrap_or_default();
    // A woman's NIK day is above 40 (a few synthetic NIKs are deliberately inconsistent); a
    // man's is above 28 only on days 29-31.
    let rate = female["hit_rate"].as_f64().unwrap_or(0.0);
    assert!(rate > 0.95, "{rate}");
    let ratio = d["max_ratio"].as_f64().unwrap_or(0.0);
    assert!(ratio > 5.0, "{ratio}");
    let rule_hits: Vec<&Value> = r["disparities"]
        .as_array()
        .expect("disparities")
        .iter()
        .filter(|d| d["kind"] == "rule_hits")
        .collect();
    assert_eq!(rule_hits.len(), 1);
    let warning = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .find(|w| w.starts_with("rule `nik_day_digits`"))
        .unwrap_or_default()
        .to_string();
    assert!(
        warning.starts_with(&format!(
            "rule `nik_day_digits`: hits {ratio:.1}× more often for `sex = female` than for `sex = male`"
        )),
        "{warning}"
    );
    // The samples carry the record ids of the synthetic rows.
    assert!(r["false_positives"][0]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("SYN-")));
}

#[test]
fn fail_on_disparity_makes_the_back_test_a_gate() {
    let f = nik_proxy();
    let args = [
        "backtest",
        "--pack",
        "nik",
        "synth.jsonl",
        "--label",
        "label",
        "--by",
        "sex",
    ];
    let out = f.run(&args);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("warning: rule `nik_day_digits`: hits"));
    let mut gate = args.to_vec();
    gate.push("--fail-on-disparity");
    assert_eq!(f.run(&gate).status.code(), Some(1));
    // The fixture's groups are within the tolerance: the gate passes.
    let out = backtest(&Fixture::new(), "data.jsonl")
        .args(BY_SEX)
        .arg("--fail-on-disparity")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
}

/// A back-test warns about undeclared columns (not the label): a misspelt one was not screened.
#[test]
fn backtest_warns_about_undeclared_columns_but_not_the_label() {
    let f = crate::fixture::Fixture::new();
    let out = f.run(&[
        "backtest",
        "--pack",
        "pack",
        "data.jsonl",
        "--label",
        "label",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = crate::fixture::stderr(&out);
    assert!(!err.contains("warning"), "{err}");

    f.write(
        "typo.jsonl",
        &crate::fixture::DATA.replace(r#""c":"#, r#""cc":"#),
    );
    let out = f.run(&[
        "backtest",
        "--pack",
        "pack",
        "typo.jsonl",
        "--label",
        "label",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = crate::fixture::stderr(&out);
    assert!(
        err.contains("warning: 9 rows held fields the schema does not declare")
            && err.contains("`cc` (9 rows)"),
        "{err}"
    );
    let out = f.run(&[
        "backtest",
        "-q",
        "--pack",
        "pack",
        "typo.jsonl",
        "--label",
        "label",
        "--unknown-fields",
        "ignore",
    ]);
    assert!(!crate::fixture::stderr(&out).contains("warning"));
}

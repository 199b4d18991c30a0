//! `saring diff`: champion against challenger.

use serde_json::{json, Value};

use crate::fixture::{golden, mask_digest, stdout, Fixture, PACK};

/// B: rule_b weighs 30 instead of 10, rule_s is active.
fn challenger(f: &Fixture) {
    let b = PACK
        .replace("id = \"fixture\"", "id = \"fixture-b\"")
        .replace("weight = 10\n", "weight = 30\n")
        .replace("status = \"shadow\"\n", "");
    f.write("b/pack.toml", &b);
    f.write("b/schema.toml", crate::fixture::SCHEMA);
}

#[test]
fn transitions_and_rules_json() {
    let f = Fixture::new();
    challenger(&f);
    let out = f.run(&["diff", "pack", "b", "data.jsonl", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["rows"], 10);
    assert_eq!(v["changed"], 3);
    assert_eq!(
        v["transitions"],
        json!([
            {"from": "clear", "to": "clear", "count": 3},
            {"from": "clear", "to": "review", "count": 2},
            {"from": "review", "to": "review", "count": 2},
            {"from": "review", "to": "refer", "count": 1},
            {"from": "refer", "to": "refer", "count": 2}
        ])
    );
    assert_eq!(
        v["rules"],
        json!([
            {"rule": "rule_b", "added": 0, "removed": 0, "reweighted": 2},
            {"rule": "rule_s", "added": 2, "removed": 0, "reweighted": 0}
        ])
    );
    assert_eq!(
        v["records"][2],
        json!({"row": 9, "from": "clear", "to": "review", "score_a": 10, "score_b": 50,
               "added": ["rule_s"], "removed": [], "reweighted": ["rule_b"]})
    );
}

#[test]
fn table_golden() {
    let f = Fixture::new();
    challenger(&f);
    let out = f.run(&["diff", "pack", "b", "data.jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    golden("diff_fixture.txt", &mask_digest(&stdout(&out)));
}

/// Hand-computed (fixture data; B: rule_b weighs 30, rule_s active):
///
/// | # | label | A score, outcome | B score, outcome |
/// |---|-------|------------------|------------------|
/// | 1 | T     | 65 refer         | 65 refer         |
/// | 2 | T     | 35 review        | 55 review        |
/// | 3 | F     | 40 review        | 40 review        |
/// | 4 | T     | 25 clear         | 25 clear         |
/// | 5 | F     | 10 clear         | 30 review        |
/// | 6 | F     | 0 clear          | 0 clear          |
/// | 7 | T     | 75 refer         | 95 refer         |
/// | 8 | F     | 40 review        | 60 refer         |
/// | 9 | T     | 10 clear         | 50 review        |
/// |10 | F     | 0 clear          | 0 clear          |
#[test]
fn labelled_diff_matches_hand_computed_deltas() {
    let f = Fixture::new();
    challenger(&f);
    let out = f.run(&[
        "diff",
        "pack",
        "b",
        "data.jsonl",
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
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let l = &v["labelled"];
    assert_eq!(
        (l["records"].as_u64(), l["positives"].as_u64()),
        (Some(10), Some(5))
    );
    // Review: A flags 1 2 3 7 8 (tp 3, fp 2); B flags 1 2 3 5 7 8 9 (tp 4, fp 3).
    let review = &l["thresholds"][0];
    assert_eq!(review["a"], json!({"tp": 3, "fp": 2, "tn": 3, "fn": 2}));
    assert_eq!(review["b"], json!({"tp": 4, "fp": 3, "tn": 2, "fn": 1}));
    assert_eq!(
        (&review["tp"], &review["fp"], &review["tn"], &review["fn"]),
        (&json!(1), &json!(1), &json!(-1), &json!(-1))
    );
    assert_eq!(review["recall_b"], 0.8);
    // Refer: A flags 1 7; B flags 1 7 8 (a false positive more).
    let refer = &l["thresholds"][1];
    assert_eq!(refer["b"], json!({"tp": 2, "fp": 1, "tn": 4, "fn": 3}));
    assert_eq!((&refer["tp"], &refer["fp"]), (&json!(0), &json!(1)));
    // #9 (positive) and #5 (negative) are newly flagged.
    assert_eq!(
        l["flips"],
        json!({"newly_flagged_positive": 1, "newly_flagged_negative": 1,
               "unflagged_positive": 0, "unflagged_negative": 0})
    );
    assert_eq!(
        l["outcomes"],
        json!([
            {"outcome": "clear", "positives_a": 2, "negatives_a": 3, "positives_b": 1,
             "negatives_b": 2, "positives": -1, "negatives": -1},
            {"outcome": "review", "positives_a": 1, "negatives_a": 2, "positives_b": 2,
             "negatives_b": 2, "positives": 1, "negatives": 0},
            {"outcome": "refer", "positives_a": 2, "negatives_a": 0, "positives_b": 2,
             "negatives_b": 1, "positives": 0, "negatives": 1}
        ])
    );
    // rule_b fires on 2 5 7 9: flagged under A on 2 7 (both positive); under B on all four.
    let rule = |id: &str| {
        l["rules"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["rule"] == id))
            .cloned()
            .unwrap_or_default()
    };
    let b = rule("rule_b");
    assert_eq!(
        (&b["hits_a"], &b["hits_b"]),
        (&json!([3, 1]), &json!([3, 1]))
    );
    assert_eq!(
        (&b["flagged_a"], &b["flagged_b"]),
        (&json!([2, 0]), &json!([3, 1]))
    );
    assert_eq!(
        (&b["true_flags"], &b["false_flags"]),
        (&json!(1), &json!(1))
    );
    // rule_s (shadow → active) fires on 8 (negative) and 9 (positive).
    let s = rule("rule_s");
    assert_eq!(
        (&s["status_a"], &s["status_b"]),
        (&json!("shadow"), &json!("active"))
    );
    assert_eq!(
        (&s["flagged_a"], &s["flagged_b"]),
        (&json!([0, 1]), &json!([1, 1]))
    );
    assert_eq!(
        (
            &rule("rule_a")["true_flags"],
            &rule("rule_c")["false_flags"]
        ),
        (&json!(0), &json!(0))
    );
    // Groups: f = 1 2 5 8 10 (A flags 1 2 8, B also 5); m = 3 4 6 7 9 (B also 9).
    let groups: Vec<(String, f64, f64, f64)> = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["value"].as_str().unwrap_or("").to_string(),
                g["flag_rate_a"].as_f64().unwrap_or(-1.0),
                g["flag_rate_b"].as_f64().unwrap_or(-1.0),
                g["fpr_b"].as_f64().unwrap_or(-1.0),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("f".to_string(), 0.6, 0.8, 2.0 / 3.0),
            ("m".to_string(), 0.4, 0.6, 0.5)
        ]
    );
}

#[test]
fn labelled_diff_text_label_typo_and_summary() {
    let f = Fixture::new();
    challenger(&f);
    let out = f.run(&["diff", "pack", "b", "data.jsonl", "--label", "label"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(
            "flagged at review by B only: 1 true positive, 1 false positive; by A only: 0 true \
         positives lost, 0 false positives removed"
        ),
        "{text}"
    );
    assert!(
        text.contains("review     3/2/3/2  4/3/2/1  +1  +1  0.600 -> 0.571  0.600 -> 0.800"),
        "{text}"
    );
    let err = crate::fixture::stderr(&out);
    assert!(err.starts_with("compared 10 rows in "), "{err}");
    assert!(
        err.trim_end()
            .ends_with("rows/s) with both packs: 3 changed outcome; 0 errors"),
        "{err}"
    );
    let out = f.run(&["diff", "pack", "b", "data.jsonl", "--label", "lable"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::fixture::stderr(&out).contains("did you mean `label`?"));
    let out = f.run(&["diff", "pack", "b", "data.jsonl", "--by", "sexx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = crate::fixture::stderr(&out);
    assert!(err.contains("did you mean `sex`?"), "{err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

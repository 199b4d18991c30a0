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

//! `saring explain`: every rule with its result, text and JSON.

use serde_json::Value;

use crate::fixture::{golden, mask_digest, stdout, Fixture};

const RECORD: &str = r#"{"a": true, "c": true, "s": true, "sex": "f"}"#;

#[test]
fn text_golden() {
    let f = Fixture::new();
    f.write("rec.json", RECORD);
    let out = f.run(&["explain", "--pack", "pack", "rec.json"]);
    assert_eq!(out.status.code(), Some(0));
    golden("explain_fixture.txt", &mask_digest(&stdout(&out)));
}

#[test]
fn json_from_stdin() {
    let f = Fixture::new();
    let out = f
        .saring()
        .args(["explain", "--pack", "pack", "-", "--format", "json"])
        .write_stdin(r#"{"a": false, "b": true, "c": false, "s": false}"#)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["decision"]["outcome"], "clear");
    assert_eq!(v["decision"]["score"], 10);
    let results: Vec<(&str, &str)> = v["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap_or(""),
                r["result"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("rule_a", "miss"),
            ("rule_b", "hit"),
            ("rule_c", "miss"),
            ("rule_s", "miss")
        ]
    );
    assert_eq!(v["rules"][1]["evidence"]["b"], true);
    assert_eq!(v["rules"][1]["reason"], "b is true");
}

#[test]
fn bad_record_exits_2() {
    let f = Fixture::new();
    f.saring()
        .args(["explain", "--pack", "pack", "-"])
        .write_stdin("[3]")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("record.not_object"));
}

#[test]
fn an_invalid_field_leaves_only_its_rules_undecided() {
    let f = Fixture::new();
    f.saring()
        .args(["explain", "--pack", "pack", "-"])
        .write_stdin(r#"{"a": 3, "b": true, "c": false, "s": false}"#)
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "field `a`: expected bool, found integer 3",
        ))
        .stdout(predicates::str::contains("rule_b"));
}

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

#[test]
fn a_row_of_a_jsonl_file_by_number() {
    let f = Fixture::new();
    let out = f.run(&[
        "explain",
        "--pack",
        "pack",
        "data.jsonl",
        "--row",
        "7",
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
    // Row 7: a, b and c fire: 25 + 10 + 40.
    assert_eq!(v["decision"]["score"], 75);
    assert_eq!(v["decision"]["outcome"], "refer");
    let out = f.run(&["explain", "--pack", "pack", "data.jsonl", "--row", "3"]);
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("row 3 of data.jsonl"));
    assert!(text.contains("outcome: REVIEW  score 40"), "{text}");
}

#[test]
fn a_row_of_a_csv_file_by_record_id() {
    let f = Fixture::new();
    f.write(
        "data.csv",
        "record_id,a,b,c,s,sex\nR-1,true,false,false,false,f\nR-2,false,true,true,false,m\n",
    );
    let out = f.run(&[
        "explain", "--pack", "pack", "data.csv", "--id", "R-2", "-f", "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&out)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["decision"]["score"], 50);
    let out = f.run(&["explain", "--pack", "pack", "data.csv", "--id", "R-2"]);
    assert_eq!(
        stdout(&out).lines().next(),
        Some("row 2 of data.csv (record `R-2`)")
    );
    let out = f.run(&[
        "explain", "--pack", "pack", "data.csv", "--row", "1", "-f", "json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["decision"]["score"], 25);
}

#[test]
fn a_missing_row_or_id_and_a_whole_file_exit_2_with_help() {
    let f = Fixture::new();
    f.write(
        "ids.jsonl",
        "{\"record_id\":\"R-10\",\"a\":true}\n{\"record_id\":\"R-11\",\"a\":false}\n",
    );
    let out = f.run(&["explain", "--pack", "pack", "ids.jsonl", "--row", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        crate::fixture::stderr(&out),
        "error: `ids.jsonl` has no row 9 (2 rows)\n"
    );
    let out = f.run(&["explain", "--pack", "pack", "ids.jsonl", "--id", "R-1O"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        crate::fixture::stderr(&out),
        "error: no record with id `R-1O` in `ids.jsonl` (2 rows)\n  = help: did you mean `R-10`?\n"
    );
    // The whole file, without --row: one error that says how to pick a record.
    let out = f.run(&["explain", "--pack", "pack", "ids.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::fixture::stderr(&out).contains(
        "help: `ids.jsonl` holds 2 lines: pick one record with `--row N` or `--id RECORD_ID`"
    ));
}

#[test]
fn a_row_of_a_json_array_file_by_number() {
    let f = Fixture::new();
    f.write(
        "rows.json",
        "[{\"a\": false, \"b\": true, \"c\": false, \"s\": false},\n \
         {\"a\": true, \"b\": false, \"c\": true, \"s\": false}]\n",
    );
    let out = f.run(&[
        "explain",
        "--pack",
        "pack",
        "rows.json",
        "--row",
        "2",
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
    // Row 2: a and c fire: 25 + 40.
    assert_eq!(v["decision"]["score"], 65);
    assert_eq!(v["decision"]["outcome"], "refer");
    let out = f.run(&["explain", "--pack", "pack", "rows.json", "--row", "1"]);
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("row 1 of rows.json"), "{text}");
    assert!(text.contains("outcome: CLEAR  score 10"), "{text}");
    let out = f.run(&["explain", "--pack", "pack", "rows.json", "--row", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        crate::fixture::stderr(&out),
        "error: `rows.json` has no row 3 (2 rows)\n"
    );
}

#[test]
fn a_runtime_error_shows_its_kind_and_place() {
    let f = Fixture::new();
    f.write(
        "div/pack.toml",
        "[pack]\nid = \"div\"\nversion = \"1\"\ntitle = \"t\"\nschema = \"schema.toml\"\n\
         [outcomes]\nreview = 1\nrefer = 2\n\
         [[rule]]\nid = \"ratio\"\ntitle = \"Ratio\"\nweight = 1\nwhen = \"a / b > 1\"\nreason = \"r\"\n",
    );
    f.write(
        "div/schema.toml",
        "[field.a]\ntype = \"int\"\nrequired = true\n[field.b]\ntype = \"int\"\nrequired = true\n",
    );
    f.write("rec.json", r#"{"a": 4, "b": 0}"#);
    let out = f.run(&["explain", "--pack", "div", "rec.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("error:    division by zero  [division_by_zero]"),
        "{text}"
    );
    assert!(text.contains("at:       pack.toml:13:9  `a / b`"), "{text}");
}

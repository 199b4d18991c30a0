//! `saring screen`: formats, row numbering, bad rows, CSV conversion, stdin, exit codes.

use serde_json::Value;

use crate::fixture::{golden, mask_digest, stderr, stdout, Fixture};

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

#[test]
fn jsonl_golden() {
    let f = Fixture::new();
    let out = f.run(&["screen", "--pack", "pack", "data.jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    golden("screen_fixture.jsonl", &mask_digest(&stdout(&out)));
    let err = stderr(&out);
    assert!(
        err.contains("screened 10 rows in")
            && err.contains("5 clear, 3 review, 2 refer; 2 with incomplete data; 0 errors"),
        "{err}"
    );
}

#[test]
fn csv_and_table_outputs() {
    let f = Fixture::new();
    let out = f.run(&["screen", "-q", "--pack", "pack", "data.jsonl", "-f", "csv"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(
        rows[0],
        "row,outcome,score,max_score,hits,shadow_hits,incomplete,error"
    );
    assert_eq!(rows[1], "1,refer,65,65,rule_a;rule_c,,,");
    assert_eq!(rows[8], "8,review,40,40,rule_c,rule_s,,");
    // rule_a (25) is undecided: the score could reach 35.
    assert_eq!(rows[9], "9,clear,10,35,rule_b,rule_s,rule_a,");

    let out = f.run(&[
        "screen",
        "-q",
        "--pack",
        "pack",
        "data.jsonl",
        "--format",
        "table",
    ]);
    golden("screen_fixture.table", &stdout(&out));
}

#[test]
fn output_file_and_stdin() {
    let f = Fixture::new();
    f.saring()
        .args(["screen", "-q", "--pack", "pack", "-", "-o", "out.jsonl"])
        .write_stdin(crate::fixture::DATA)
        .assert()
        .code(0)
        .stdout("");
    let written = std::fs::read_to_string(f.path("out.jsonl")).expect("output file");
    let rows = lines(&written);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[6]["row"], 7);
    assert_eq!(rows[6]["outcome"], "refer");
    assert_eq!(rows[6]["score"], 75);
    // A device cannot be synced: `-o /dev/null` still works.
    f.saring()
        .args(["screen", "-q", "--pack", "pack", "-", "-o", "/dev/null"])
        .write_stdin(crate::fixture::DATA)
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn ten_percent_malformed_gives_one_row_per_input_row() {
    let f = Fixture::new();
    let good = r#"{"a":false,"b":true,"c":false,"s":false}"#;
    let mut input = String::new();
    let mut bad_rows = Vec::new();
    for i in 1..=100u64 {
        let line = match i % 10 {
            3 if i % 20 == 3 => r#"{"a": true, "b": "#.to_string(), // truncated JSON
            3 => "[true, false]".to_string(),                       // not an object
            _ => good.to_string(),
        };
        if i % 10 == 3 {
            bad_rows.push(i);
        }
        input.push_str(&line);
        input.push('\n');
    }
    f.write("mixed.jsonl", &input);
    let out = f.run(&["screen", "--pack", "pack", "mixed.jsonl"]);
    assert_eq!(out.status.code(), Some(3), "some rows failed → exit 3");
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 100);
    let numbers: Vec<u64> = rows.iter().filter_map(|r| r["row"].as_u64()).collect();
    assert_eq!(numbers, (1..=100).collect::<Vec<_>>());
    let errors: Vec<&Value> = rows.iter().filter(|r| r.get("error").is_some()).collect();
    assert_eq!(errors.len(), 10);
    let error_rows: Vec<u64> = errors.iter().filter_map(|r| r["row"].as_u64()).collect();
    assert_eq!(error_rows, bad_rows);
    assert_eq!(errors[0]["error"]["code"], "record.syntax"); // row 3
    assert_eq!(errors[1]["error"]["code"], "record.not_object"); // row 13
    assert!(stderr(&out).contains("; 10 errors"));
}

#[test]
fn csv_input_converts_cells_with_the_schema() {
    let f = Fixture::new();
    f.write(
        "data.csv",
        "a,b,c,s,sex,label\nyes,no,1,0,f,1\nno,,true,false,m,0\nmaybe,no,no,no,f,0\n1,2\n",
    );
    let out = f.run(&["screen", "-q", "--pack", "pack", "data.csv"]);
    assert_eq!(out.status.code(), Some(3));
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 4);
    assert_eq!(
        (rows[0]["row"].as_u64(), rows[0]["score"].as_i64()),
        (Some(1), Some(65))
    );
    // empty cell = absent field → rule_b incomplete
    assert_eq!(rows[1]["incomplete"][0]["rule"], "rule_b");
    assert_eq!(rows[1]["incomplete"][0]["missing"][0], "b");
    // an unconvertible cell makes only the rules reading it incomplete
    assert_eq!(rows[2]["invalid"][0]["code"], "record.type_mismatch");
    assert_eq!(rows[2]["invalid"][0]["path"], "a");
    assert_eq!(rows[2]["incomplete"][0]["rule"], "rule_a");
    assert!(rows[2]["error"].is_null());
    assert_eq!(rows[3]["row"], 4);
    assert_eq!(rows[3]["error"]["code"], "record.syntax");
}

#[test]
fn json_array_input() {
    let f = Fixture::new();
    f.write(
        "data.json",
        r#"[{"a":true,"b":true,"c":false,"s":false}, 7, {"a":false,"b":false,"c":false,"s":true}]"#,
    );
    let out = f.run(&["screen", "-q", "--pack", "pack", "data.json"]);
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["outcome"], "review");
    assert_eq!(rows[1]["row"], 2);
    assert_eq!(rows[1]["error"]["code"], "record.not_object");
    assert_eq!(rows[2]["shadow_hits"][0]["rule"], "rule_s");
}

#[test]
fn usage_errors_exit_2() {
    let f = Fixture::new();
    f.saring()
        .args(["screen", "--pack", "nope", "data.jsonl"])
        .assert()
        .code(2);
    f.saring()
        .args(["screen", "--pack", "pack", "missing.jsonl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read `missing.jsonl`"));
    f.saring().args(["screen"]).assert().code(2);
}

/// Row 9 lacks `a`; a misspelt `aa` there must not pass for it, and `--unknown-fields` says so.
#[test]
fn unknown_fields_are_ignored_reported_or_rejected() {
    let f = Fixture::new();
    let data = crate::fixture::DATA.replace(
        r#"{"b":true,"c":false,"s":true"#,
        r#"{"aa":true,"b":true,"c":false,"s":true"#,
    );
    f.write("typo.jsonl", &data);
    // Default (production): ignored, the decisions are as without the typo.
    let out = f.run(&["screen", "--pack", "pack", "typo.jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("ignored_fields"));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        "typo.jsonl",
        "--unknown-fields",
        "report",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let rows = lines(&stdout(&out));
    assert_eq!(
        rows[8]["ignored_fields"],
        serde_json::json!(["aa", "label"])
    );
    assert_eq!(rows[8]["incomplete"][0]["rule"], "rule_a");
    assert_eq!(rows[0]["ignored_fields"], serde_json::json!(["label"]));
    let err = stderr(&out);
    assert!(
        err.contains(
            "warning: 10 rows held fields the schema does not declare (no rule read them; a \
             misspelt name means that data was not screened): `label` (10 rows), `aa` (1 row)"
        ),
        "{err}"
    );

    let out = f.run(&[
        "screen",
        "-q",
        "--pack",
        "pack",
        "typo.jsonl",
        "--unknown-fields",
        "reject",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[8]["error"]["code"], "record.unknown_field");
    assert_eq!(
        rows[8]["error"]["message"],
        "unknown field `aa` (did you mean `a`?)"
    );
}

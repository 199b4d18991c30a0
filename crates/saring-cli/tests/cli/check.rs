//! `saring check`: rendered diagnostics, JSON, warnings, exit codes.

use serde_json::Value;

use crate::fixture::{golden, stdout, Fixture, PACK};

/// The fixture with two broken conditions: an unknown name and a type error.
fn broken() -> Fixture {
    Fixture::with_pack(
        &PACK
            .replace("when = \"a\"", "when = \"aa && b\"")
            .replace("when = \"c\"", "when = \"c + 1\""),
    )
}

#[test]
fn clean_pack_reports_overdue_review_and_exits_0() {
    let f = Fixture::new();
    let out = f.run(&["check", "pack", "--today", "2025-06-01"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(
            "warning[pack.review_overdue]: rule `rule_s` was due for review on 2020-01-01"
        ),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("pack `fixture` v1.0: 4 rules, 0 errors, 1 warning")
    );
    // Before the review date: no warning.
    let out = f.run(&["check", "pack", "--today", "2019-12-31"]);
    assert_eq!(
        stdout(&out),
        "pack `fixture` v1.0: 4 rules, 0 errors, 0 warnings\n"
    );
}

#[test]
fn broken_pack_text_golden() {
    let f = broken();
    let out = f.run(&["check", "pack", "--today", "2019-01-01"]);
    assert_eq!(out.status.code(), Some(1));
    golden("check_broken.txt", &stdout(&out));
}

#[test]
fn broken_pack_json() {
    let f = broken();
    let out = f.run(&["check", "pack", "--format", "json", "--today", "2025-06-01"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"], 2);
    assert_eq!(v["warnings"], 1);
    assert_eq!(v["pack"]["id"], "fixture");
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "pack.unknown_field");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "pack.toml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(15), Some(9))
    );
    assert_eq!(d["rule"], "rule_a");
    assert_eq!(d["help"], "did you mean `a`?");
    assert_eq!(v["diagnostics"][1]["code"], "cel.type_mismatch");
    assert_eq!(v["diagnostics"][1]["line"], 47);
    assert_eq!(v["diagnostics"][2]["code"], "pack.review_overdue");
}

#[test]
fn monitored_use_is_reported_with_its_justification() {
    let pack = format!(
        "{PACK}\n[[rule]]\nid = \"rule_m\"\ntitle = \"Reads sex\"\nweight = 0\nstatus = \"shadow\"\n\
         when = \"sex == 'f' && a\"\nreason = \"audit\"\nremedy = \"none\"\nreferences = [\"t\"]\n\
         uses_monitored = {{ why = \"audit of the sex split in the fixture\", references = [\"t\"], \
         approved_by = \"test DPO\" }}\n"
    );
    let f = Fixture::with_pack(&pack);
    let out = f.run(&["check", "pack", "--today", "2019-01-01"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("warning[pack.monitored_use]: rule `rule_m` reads monitored field `sex`"),
        "{text}"
    );
    assert!(
        text.contains(
            "= help: justification: audit of the sex split in the fixture (approved by test DPO)"
        ),
        "{text}"
    );
    // The register lists the use with its justification, references and approver.
    assert!(
        text.contains(
            "monitored register (1 rule):\n  rule_m  reads sex\n      why:         audit of the \
             sex split in the fixture\n      reference:   t\n      approved by: test DPO\n"
        ),
        "{text}"
    );
    let out = f.run(&["check", "pack", "-f", "json", "--today", "2019-01-01"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["monitored_use"][0]["rule"], "rule_m");
    assert_eq!(v["monitored_use"][0]["fields"][0], "sex");
    assert_eq!(
        v["monitored_use"][0]["why"],
        "audit of the sex split in the fixture"
    );
    assert_eq!(v["monitored_use"][0]["references"][0], "t");
    assert_eq!(v["monitored_use"][0]["approved_by"], "test DPO");
}

#[test]
fn missing_pack_and_bad_date_exit_2() {
    let f = Fixture::new();
    f.saring().args(["check", "nowhere"]).assert().code(2);
    f.saring()
        .args(["check", "pack", "--today", "June"])
        .assert()
        .code(2);
}

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

/// Two packs under one directory: the fixture and a broken copy of it.
fn two_packs() -> Fixture {
    let f = Fixture::new();
    let broken = PACK
        .replace("id = \"fixture\"", "id = \"broken\"")
        .replace("when = \"c\"", "when = \"c + 1\"");
    f.write("packs/good/pack.toml", PACK);
    f.write("packs/good/schema.toml", crate::fixture::SCHEMA);
    f.write("packs/bad/pack.toml", &broken);
    f.write("packs/bad/schema.toml", crate::fixture::SCHEMA);
    f
}

#[test]
fn a_directory_of_packs_checks_every_pack_and_counts_both() {
    let f = two_packs();
    let out = f.run(&["check", "packs", "--today", "2025-06-01"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("pack `broken` v1.0: 4 rules, 1 error, 1 warning\n"),
        "{text}"
    );
    assert!(
        text.contains("pack `fixture` v1.0: 4 rules, 0 errors, 1 warning\n"),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("checked 2 packs: 1 error, 2 warnings")
    );
    let out = f.run(&["check", "packs", "-f", "json", "--today", "2025-06-01"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(1), Some(2))
    );
    let ids: Vec<&str> = v["packs"]
        .as_array()
        .expect("packs")
        .iter()
        .filter_map(|p| p["pack"]["id"].as_str())
        .collect();
    assert_eq!(ids, ["broken", "fixture"]);
}

#[test]
fn deny_warnings_fails_on_warnings_alone() {
    let f = Fixture::new();
    let args = ["check", "pack", "--today", "2025-06-01"];
    assert_eq!(f.run(&args).status.code(), Some(0));
    let out = f.run(&[&args[..], &["--deny-warnings"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with("0 errors, 1 warning\n"));
    let out = f.run(&["check", "pack", "--today", "2019-01-01", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn errors_do_not_hide_warnings() {
    // An optional field read without `has()` (a warning) beside a type error.
    let pack = format!(
        "{}\n[[rule]]\nid = \"rule_m\"\ntitle = \"Reads sex\"\nweight = 0\nstatus = \"shadow\"\n\
         when = \"sex == 'f'\"\nreason = \"audit\"\nremedy = \"none\"\nreferences = [\"t\"]\n\
         uses_monitored = {{ why = \"fairness audit of the flag rate by sex, no other field would \
         measure it\", references = [\"DPIA 2026-01\"], approved_by = \"data-protection officer\" }}\n",
        PACK.replace("when = \"c\"", "when = \"c + 1\"")
    );
    let f = Fixture::with_pack(&pack);
    let out = f.run(&["check", "pack", "--today", "2019-01-01", "-f", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "cel.type_mismatch",
            "pack.unguarded_optional",
            "pack.no_examples"
        ]
    );
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(1), Some(2))
    );
}

#[test]
fn an_optional_field_read_through_dot_question_is_guarded() {
    // `.?` says what absence means: no `pack.unguarded_optional`, and the monitored field is
    // still in the register.
    let pack = format!(
        "{PACK}\n[[rule]]\nid = \"rule_m\"\ntitle = \"Reads sex\"\nweight = 0\nstatus = \"shadow\"\n\
         when = \"record.?sex.orValue('') == 'f'\"\nreason = \"audit\"\nremedy = \"none\"\n\
         references = [\"t\"]\n\
         uses_monitored = {{ why = \"fairness audit of the flag rate by sex, no other field would \
         measure it\", references = [\"DPIA 2026-01\"], approved_by = \"data-protection officer\" }}\n"
    );
    let f = Fixture::with_pack(&pack);
    let out = f.run(&["check", "pack", "--today", "2019-01-01", "-f", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["pack.no_examples", "pack.monitored_use"], "{v}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(v["monitored_use"][0]["rule"], "rule_m");
    assert_eq!(v["monitored_use"][0]["fields"][0], "sex");
}

#[test]
fn a_pack_that_does_not_load_or_no_pack_at_all_exits_2() {
    let f = Fixture::new();
    // The schema file is missing: the pack cannot be read.
    f.write("noschema/pack.toml", PACK);
    let out = f.run(&["check", "noschema", "--today", "2019-01-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("pack.missing_file"),
        "{}",
        stdout(&out)
    );
    std::fs::create_dir_all(f.path("empty")).expect("mkdir");
    let out = f.run(&["check", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::fixture::stderr(&out).starts_with("error: no pack found under `empty`"));
}

#[test]
fn sibling_pack_files_in_a_directory_without_pack_toml_are_all_checked() {
    // Two packs beside their schema, as in rules/id-pmi (departure.toml, passport.toml).
    let f = Fixture::new();
    let second = PACK.replace("id = \"fixture\"", "id = \"second\"");
    f.write("family/first.toml", PACK);
    f.write("family/second.toml", &second);
    f.write("family/schema.toml", crate::fixture::SCHEMA);
    let out = f.run(&["check", "family", "--today", "2025-06-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("pack `fixture` v1.0: 4 rules, 0 errors, 1 warning\n"),
        "{text}"
    );
    assert!(
        text.contains("pack `second` v1.0: 4 rules, 0 errors, 1 warning\n"),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("checked 2 packs: 0 errors, 2 warnings")
    );
}

#[test]
fn the_bundled_id_pmi_directory_checks_both_packs_without_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/id-pmi");
    let f = Fixture::new();
    let out = f.run(&["check", dir.to_str().expect("utf-8 path"), "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let ids: Vec<&str> = v["packs"]
        .as_array()
        .expect("packs")
        .iter()
        .filter_map(|p| p["pack"]["id"].as_str())
        .collect();
    assert_eq!(ids, ["id-pmi-departure", "id-pmi-passport"]);
    assert_eq!(v["errors"].as_u64(), Some(0));
}

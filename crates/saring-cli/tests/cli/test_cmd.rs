//! `saring test`: runs every inline example; last line `N passed, M failed`.

use crate::fixture::{stdout, Fixture, PACK};

#[test]
fn all_examples_pass() {
    let f = Fixture::new();
    let out = f.run(&["test", "pack"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().last(), Some("5 passed, 0 failed"));
}

#[test]
fn failures_show_rule_record_expected_and_actual() {
    // rule_a's miss example now expects a hit; rule_b's hit example uses an unknown field.
    let pack = PACK
        .replacen(
            "expect = \"miss\"\n  record = { a = false }",
            "expect = \"hit\"\n  record = { a = false }",
            1,
        )
        .replacen("record = { b = true }", "record = { bb = true }", 1);
    let f = Fixture::with_pack(&pack);
    let out = f.run(&["test", "pack"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAIL fixture / rule_a example 2"), "{text}");
    assert!(text.contains("  record:   {\"a\":false}"), "{text}");
    assert!(text.contains("  expected: hit"), "{text}");
    assert!(text.contains("  actual:   miss"), "{text}");
    assert!(text.contains("FAIL fixture / rule_b example 1"), "{text}");
    assert!(text.contains("record.unknown_field"), "{text}");
    assert_eq!(text.lines().last(), Some("3 passed, 2 failed"));
}

#[test]
fn discovers_packs_below_a_directory_and_counts_a_broken_pack_as_a_failure() {
    let f = Fixture::new();
    f.write("more/good/pack.toml", PACK);
    f.write("more/good/schema.toml", crate::fixture::SCHEMA);
    f.write(
        "more/bad/pack.toml",
        &PACK.replace("when = \"a\"", "when = \"zzz\""),
    );
    f.write("more/bad/schema.toml", crate::fixture::SCHEMA);
    let out = f.run(&["test", "more"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("the pack does not load"), "{text}");
    assert_eq!(text.lines().last(), Some("5 passed, 1 failed"));
}

#[test]
fn demo_pack_examples_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/demo");
    let mut cmd = assert_cmd::Command::cargo_bin("saring").expect("binary");
    let out = cmd.arg("test").arg(&root).output().expect("run");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.ends_with(" passed, 0 failed")),
        "{text}"
    );
}

//! `saring synth`: deterministic output, JSONL and CSV.

use crate::fixture::{stdout, Fixture};

#[test]
fn same_seed_same_records_and_csv_has_one_row_per_record() {
    let f = Fixture::new();
    let run = |args: &[&str]| {
        let out = f.saring().args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(0));
        stdout(&out)
    };
    let a = run(&["synth", "--n", "25", "--seed", "7"]);
    let b = run(&["synth", "--n", "25", "--seed", "7"]);
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 25);
    for line in a.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        assert!(v["label"].is_boolean());
        assert!(v.get("record_id").is_some());
    }
    let c = run(&["synth", "--n", "25", "--seed", "8"]);
    assert_ne!(a, c);
    let csv = run(&[
        "synth", "--n", "25", "--seed", "7", "--stage", "passport", "-f", "csv",
    ]);
    assert_eq!(csv.lines().count(), 26);
    assert!(csv
        .lines()
        .next()
        .is_some_and(|h| h.split(',').any(|c| c == "label")));
}

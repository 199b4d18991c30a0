//! Windowed aggregates through the CLI: batch over the input file, online with `--state`.

use crate::fixture::Fixture;

const SCHEMA: &str = r#"[field.id]
type = "string"
required = true
[field.phone]
type = "string"
required = true
[field.applied]
type = "date"
required = true
[field.label]
type = "bool"
"#;

const PACK: &str = r#"[pack]
id = "net"
version = "1"
title = "Networks"
schema = "schema.toml"
record_id = "id"

[outcomes]
review = 10
refer = 100

[aggregate.phone_apps]
key = "phone"
time = "applied"
window = "30d"
count = true

[[rule]]
id = "shared_phone"
title = "One sponsor phone behind three or more applications in 30 days"
weight = 20
when = "agg.phone_apps >= 3"
reason = "{agg.phone_apps} applications share this sponsor phone"
"#;

fn fixture() -> Fixture {
    let f = Fixture::with_pack(PACK);
    f.write("pack/schema.toml", SCHEMA);
    f
}

fn line(id: &str, phone: &str, day: u32, label: bool) -> String {
    format!(
        r#"{{"id": "{id}", "phone": "{phone}", "applied": "2026-05-{day:02}", "label": {label}}}"#
    )
}

fn decisions(out: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn hit_rules(d: &serde_json::Value) -> Vec<String> {
    d["hits"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|h| h["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn screen_computes_aggregates_over_the_file_in_time_order() {
    let f = fixture();
    // Out of order in the file: the third in time order is the first line.
    let data = [
        line("c", "p1", 20, true),
        line("a", "p1", 1, true),
        line("x", "p2", 2, false),
        line("b", "p1", 10, true),
    ];
    f.write("apps.jsonl", &(data.join("\n") + "\n"));
    let d = decisions(&f.run(&["screen", "--pack", "pack", "apps.jsonl"]));
    assert_eq!(d.len(), 4);
    assert_eq!(hit_rules(&d[0]), ["shared_phone"]);
    assert!(hit_rules(&d[1]).is_empty() && hit_rules(&d[3]).is_empty());
    let evidence = &d[0]["hits"][0]["evidence"]["agg.phone_apps"];
    assert_eq!(evidence["records"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(evidence["key"], "p1");
    assert_eq!(
        d[0]["hits"][0]["reason"],
        "3 applications share this sponsor phone"
    );
}

#[test]
fn state_keeps_the_history_across_runs_and_counts_a_record_once() {
    let f = fixture();
    f.write(
        "day1.jsonl",
        &(line("a", "p1", 1, true) + "\n" + &line("b", "p1", 2, true) + "\n"),
    );
    f.write(
        "day2.jsonl",
        &(line("b", "p1", 2, true) + "\n" + &line("c", "p1", 3, true) + "\n"),
    );
    let first = decisions(&f.run(&[
        "screen",
        "--pack",
        "pack",
        "--state",
        "history.db",
        "day1.jsonl",
    ]));
    assert!(first.iter().all(|d| hit_rules(d).is_empty()));
    let second = decisions(&f.run(&[
        "screen",
        "--pack",
        "pack",
        "--state",
        "history.db",
        "day2.jsonl",
    ]));
    // `b` again adds nothing (2 of 3); `c` is the third.
    assert!(hit_rules(&second[0]).is_empty());
    assert_eq!(hit_rules(&second[1]), ["shared_phone"]);
    assert_eq!(
        second[1]["hits"][0]["evidence"]["agg.phone_apps"]["records"],
        serde_json::json!(["a", "b", "c"])
    );
}

#[test]
fn state_without_aggregates_is_a_usage_error() {
    let f = Fixture::new();
    let out = f.run(&["screen", "--pack", "pack", "--state", "h.db", "data.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("declares none"));
}

#[test]
fn backtest_measures_an_aggregate_rule_over_the_labelled_file() {
    let f = fixture();
    let data = [
        line("a", "p1", 1, true),
        line("b", "p1", 2, true),
        line("c", "p1", 3, true),
        line("x", "p2", 3, false),
    ];
    f.write("labelled.jsonl", &(data.join("\n") + "\n"));
    let out = f.run(&[
        "backtest",
        "--pack",
        "pack",
        "--label",
        "label",
        "-f",
        "json",
        "labelled.jsonl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let review = &report["thresholds"][0];
    assert_eq!(review["threshold"], "review");
    // Only `c` is the third application of p1 within 30 days.
    assert_eq!(
        (
            review["tp"].as_u64(),
            review["fn"].as_u64(),
            review["tn"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(report["rules"][0]["hits"], 1);
}

/// `diff` of two packs with aggregates over more rows than one chunk: each record keeps the
/// history of the whole file (the first pass), whichever chunk it is screened in.
#[test]
fn diff_computes_aggregates_over_the_whole_file_across_chunks() {
    let f = fixture();
    std::fs::create_dir_all(f.path("b")).expect("dir");
    f.write(
        "b/pack.toml",
        &PACK.replace("agg.phone_apps >= 3", "agg.phone_apps >= 4"),
    );
    f.write("b/schema.toml", SCHEMA);
    // 5,000 phones with one application each, then one phone with four applications: the
    // last rows (in the second chunk of 4,096) see the history of the first ones.
    let mut lines: Vec<String> = (0..5000)
        .map(|i| {
            line(
                &format!("A{i}"),
                &format!("+62{i}"),
                1 + (i % 20) as u32,
                false,
            )
        })
        .collect();
    for (i, day) in [2u32, 3, 4, 5].iter().enumerate() {
        lines.push(line(&format!("N{i}"), "+620000", *day, true));
    }
    // The shared phone's first application is early in the file, far from the others.
    lines.swap(10, 5000);
    f.write("net.jsonl", &(lines.join("\n") + "\n"));
    let out = f.run(&["diff", "pack", "b", "net.jsonl", "-f", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    // Under `pack`, N2 (third) and N3 (fourth) hit; under `b` only N3: one record changes.
    assert_eq!(report["changed"], 1, "{report}");
    assert_eq!(report["records"][0]["row"], 5003, "{report}");
    assert_eq!(report["records"][0]["from"], "review");
    assert_eq!(report["records"][0]["to"], "clear");
}

/// `explain FILE --row N` / `--id` computes the aggregates over the whole file, as `screen`
/// does: the officer sees the hit and which other applications made it up.
#[test]
fn explain_a_row_computes_aggregates_over_the_file() {
    let f = fixture();
    let data = [
        line("c", "p1", 20, true),
        line("a", "p1", 1, true),
        line("x", "p2", 2, false),
        line("b", "p1", 10, true),
    ];
    f.write("apps.jsonl", &(data.join("\n") + "\n"));
    for pick in [["--row", "1"], ["--id", "c"]] {
        let mut args = vec!["explain", "--pack", "pack", "apps.jsonl", "-f", "json"];
        args.extend(pick);
        let out = f.run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let x: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let hit = &x["decision"]["hits"][0];
        assert_eq!(hit["rule"], "shared_phone", "{x}");
        assert_eq!(
            hit["evidence"]["agg.phone_apps"]["records"],
            serde_json::json!(["a", "b", "c"])
        );
    }
    // The second application of p1 (row 4, `b`) is not the third yet.
    let out = f.run(&["explain", "--pack", "pack", "apps.jsonl", "--row", "4"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("windowed aggregates over the file's 4 rows"),
        "{text}"
    );
    assert!(text.contains("- shared_phone"), "{text}");
    // One record alone has no history: the rule is unknown, and a note says how to get one.
    f.write("one.json", &line("c", "p1", 20, true));
    let out = f.run(&["explain", "--pack", "pack", "one.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("? shared_phone"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("note: one record has no history"), "{err}");
}

//! `saring report dpia`: the DPIA annex, Markdown and HTML, on the fixture.

use crate::fixture::{stdout, Fixture};

#[test]
fn dpia_annex_in_markdown_with_a_volume_projection() {
    let f = Fixture::new();
    let out = f.run(&[
        "report",
        "dpia",
        "--pack",
        "pack",
        "--data",
        "data.jsonl",
        "--base-rate",
        "10%",
        "--volume",
        "1000/day",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&out)
    );
    let md = stdout(&out);
    assert!(md.starts_with("# DPIA annex: CLI test fixture\n"), "{md}");
    for needle in [
        "| Pack | `fixture` version 1.0 |",
        "| Label column | `label` |",
        "## 2. What each rule reads",
        "| `rule_a` | Indicator A | active | 25 | `a` | test |",
        "| `rule_s` | Shadow indicator S | shadow (reported, not scored) | 20 | `s` | test |",
        "## 3. Protected and monitored data",
        "| `sex` | enum | monitored: audit only; a rule reading it needs a justification | no rule |",
        "## 5. Fairness across monitored groups",
        "### By `sex`",
        "**No disparity beyond the tolerance.**",
        "## 6. Per-rule disparity (proxy detection)",
        "flagged per day  = V × (TPR × p + FPR × (1 − p))",
    ] {
        assert!(md.contains(needle), "missing {needle}\n{md}");
    }
    // Review: TPR 0.6, FPR 2/5; at p = 0.1 and 1000 a day: 1000 × (0.06 + 0.36) = 420
    // flagged, 60 true cases, precision 0.06 / 0.42 = 0.143.
    let row = md
        .lines()
        .find(|l| l.starts_with("| review | 0.600"))
        .unwrap_or_default();
    let cells: Vec<&str> = row.split(" | ").collect();
    assert_eq!(cells.get(3), Some(&"420.0"), "{row}");
    assert_eq!(cells.get(5), Some(&"60.0"), "{row}");
    assert_eq!(cells.get(6), Some(&"0.143 |"), "{row}");
}

#[test]
fn dpia_annex_in_html_and_bad_arguments() {
    let f = Fixture::new();
    let out = f.run(&[
        "report",
        "dpia",
        "--pack",
        "pack",
        "--data",
        "data.jsonl",
        "-f",
        "html",
        "-o",
        "dpia.html",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::fixture::stderr(&out)
    );
    let html = std::fs::read_to_string(f.path("dpia.html")).expect("html");
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<h2>7. Volume projection</h2>"));
    assert!(html.contains("<code>rule_a</code>"));
    assert!(html.contains("per 1,000 records"));
    assert!(!html.contains("<script"));
    let bad = f.run(&[
        "report",
        "dpia",
        "--pack",
        "pack",
        "--data",
        "data.jsonl",
        "--base-rate",
        "3",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = f.run(&[
        "report",
        "dpia",
        "--pack",
        "pack",
        "--data",
        "data.jsonl",
        "--label",
        "lbl",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(crate::fixture::stderr(&bad).contains("did you mean `label`?"));
}

//! Plain-text tables for the terminal (back-test report, diff).

use std::fmt::Write as _;

use saring::backtest::groups::MISSING;
use saring::backtest::{BacktestReport, GroupColumn, Interval, RuleDisparity};
use serde::Serialize;

use crate::runinfo::RunInfo;

/// The JSON of a back-test run: the run's header, then every figure of the report.
#[derive(Serialize)]
pub struct JsonRun<'a> {
    /// Input file, sha256, date, label, groupings.
    pub run: &'a RunInfo,
    /// The figures.
    #[serde(flatten)]
    pub report: &'a BacktestReport,
}

/// Aligns `rows` under `headers` (numbers right-aligned, text left-aligned).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let numeric: Vec<bool> = (0..headers.len())
        .map(|i| {
            !rows.is_empty()
                && rows.iter().all(|r| {
                    r.get(i)
                        .is_none_or(|c| c == "-" || c.trim_end_matches('%').parse::<f64>().is_ok())
                })
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        let mut s = String::new();
        for (i, cell) in cells.enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                s.push_str("  ");
            }
            if numeric.get(i).copied().unwrap_or(false) {
                let _ = write!(s, "{cell:>w$}");
            } else {
                let _ = write!(s, "{cell:<w$}");
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(&mut headers.iter().copied());
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// A rate as `0.600`, or `-` when undefined.
pub fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

/// A rate as `50.0%`, or `-`.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// An interval of rates as `23.1–88.2%`, or `-`.
pub fn pct_ci(ci: Option<Interval>) -> String {
    ci.map_or_else(
        || "-".to_string(),
        |c| format!("{:.1}–{:.1}%", c.low * 100.0, c.high * 100.0),
    )
}

/// An interval of proportions as `0.231–0.882`, or `-`.
pub fn ci3(ci: Option<Interval>) -> String {
    ci.map_or_else(
        || "-".to_string(),
        |c| format!("{:.3}–{:.3}", c.low, c.high),
    )
}

/// A ratio as `1.50`, or `-`.
pub fn ratio(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
}

/// An interval of ratios as `0.41–5.45`, or `-`.
pub fn ratio_ci(ci: Option<Interval>) -> String {
    ci.map_or_else(
        || "-".to_string(),
        |c| format!("{:.2}–{:.2}", c.low, c.high),
    )
}

/// One table of the back-test report: what both renderers show (columns and cells); the
/// terminal and the HTML page only lay it out, under their own titles.
pub struct Table {
    /// Column headers as (terminal, HTML) wording.
    pub columns: &'static [(&'static str, &'static str)],
    /// One row of cells per line of the table.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The headers as the terminal shows them.
    pub fn text_headers(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.0).collect()
    }

    /// The headers as the HTML page shows them.
    pub fn html_headers(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.1).collect()
    }
}

/// The confusion matrix: one row per outcome threshold.
pub fn thresholds_table(r: &BacktestReport) -> Table {
    Table {
        columns: &[
            ("threshold", "flagged at"),
            ("score", "score"),
            ("flagged", "flagged"),
            ("tp", "tp"),
            ("fp", "fp"),
            ("tn", "tn"),
            ("fn", "fn"),
            ("precision", "precision"),
            ("95% CI", "95% CI"),
            ("recall", "recall"),
            ("95% CI", "95% CI"),
            ("f1", "f1"),
            ("flag rate", "flag rate"),
            ("FPR", "false-positive rate"),
        ],
        rows: r
            .thresholds
            .iter()
            .map(|t| {
                vec![
                    t.threshold.as_str().to_string(),
                    t.min_score.to_string(),
                    t.flagged.to_string(),
                    t.tp.to_string(),
                    t.fp.to_string(),
                    t.tn.to_string(),
                    t.fn_.to_string(),
                    num(t.precision),
                    ci3(t.precision_ci),
                    num(t.recall),
                    ci3(t.recall_ci),
                    num(t.f1),
                    pct(t.flag_rate),
                    pct(t.false_positive_rate),
                ]
            })
            .collect(),
    }
}

/// Per-rule metrics: one row per rule, shadow rules included.
pub fn rules_table(r: &BacktestReport) -> Table {
    Table {
        columns: &[
            ("rule", "rule"),
            ("status", "status"),
            ("weight", "weight"),
            ("hits", "hits"),
            ("true", "true hits"),
            ("precision", "precision"),
            ("recall", "recall"),
            ("lift", "lift"),
            ("marginal", "marginal"),
            ("marg.refer", "marginal (refer)"),
            ("incomplete", "incomplete"),
        ],
        rows: r
            .rules
            .iter()
            .map(|m| {
                vec![
                    m.rule.clone(),
                    format!("{:?}", m.status).to_lowercase(),
                    m.weight.to_string(),
                    m.hits.to_string(),
                    m.true_hits.to_string(),
                    num(m.precision),
                    num(m.recall),
                    num(m.lift),
                    num(m.marginal_recall.or(m.promotion_recall)),
                    num(m.marginal_recall_refer),
                    m.incomplete.to_string(),
                ]
            })
            .collect(),
    }
}

/// The score threshold sweep: one row per cut-off.
pub fn sweep_table(r: &BacktestReport) -> Table {
    Table {
        columns: &[
            ("cut-off", "score at least"),
            ("flagged", "flagged"),
            ("flag rate", "flag rate"),
            ("precision", "precision"),
            ("recall", "recall"),
        ],
        rows: r
            .sweep
            .iter()
            .map(|p| {
                vec![
                    p.min_score.to_string(),
                    p.flagged.to_string(),
                    pct(p.flag_rate),
                    num(p.precision),
                    num(p.recall),
                ]
            })
            .collect(),
    }
}

/// One monitored column: one row per value (or band) of the column.
pub fn groups_table(c: &GroupColumn) -> Table {
    Table {
        columns: &[
            ("value", "group"),
            ("n", "n"),
            ("flagged", "flagged"),
            ("flag rate", "flag rate"),
            ("95% CI", "95% CI"),
            ("ratio", "flag ratio"),
            ("95% CI", "95% CI"),
            ("FPR", "false-positive rate"),
            ("95% CI", "95% CI"),
            ("FPR ratio", "FPR ratio"),
            ("95% CI", "95% CI"),
            ("FNR", "false-negative rate"),
            ("95% CI", "95% CI"),
            ("precision", "precision"),
            ("95% CI", "95% CI"),
            ("", "note"),
        ],
        rows: c
            .groups
            .iter()
            .map(|g| {
                let mut notes = Vec::new();
                if c.reference.as_deref() == Some(g.value.as_str()) {
                    notes.push("reference");
                }
                if g.flag_disparity {
                    notes.push("FLAG DISPARITY");
                }
                if g.fpr_disparity {
                    notes.push("FPR DISPARITY");
                }
                if g.small {
                    notes.push("small group");
                }
                vec![
                    g.value.clone(),
                    g.n.to_string(),
                    g.flagged.to_string(),
                    pct(g.flag_rate),
                    pct_ci(g.flag_rate_ci),
                    ratio(g.flag_ratio),
                    ratio_ci(g.flag_ratio_ci),
                    pct(g.false_positive_rate),
                    pct_ci(g.false_positive_rate_ci),
                    ratio(g.fpr_ratio),
                    ratio_ci(g.fpr_ratio_ci),
                    pct(g.false_negative_rate),
                    pct_ci(g.false_negative_rate_ci),
                    num(g.precision),
                    ci3(g.precision_ci),
                    notes.join(", "),
                ]
            })
            .collect(),
    }
}

/// The group a rule hits most often (a disparity first), `(missing)` left out.
pub fn top_group(d: &RuleDisparity) -> Option<&saring::backtest::RuleGroup> {
    let known = || d.groups.iter().filter(|g| g.value != MISSING);
    known().find(|g| g.disparity).or_else(|| {
        known().filter(|g| g.hits > 0).max_by(|a, b| {
            a.hit_rate
                .partial_cmp(&b.hit_rate)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    })
}

/// Per-rule disparity: one row per rule and column, with the group of its largest ratio.
pub fn rule_disparity_table(r: &BacktestReport) -> Table {
    Table {
        columns: &[
            ("rule", "rule"),
            ("column", "column"),
            ("lowest", "least hit group"),
            ("rate", "hit rate"),
            ("highest", "most hit group"),
            ("rate", "hit rate"),
            ("ratio", "ratio"),
            ("95% CI", "95% CI"),
            ("", "note"),
        ],
        rows: r
            .rule_disparity
            .iter()
            .map(|d| {
                let low = d
                    .reference
                    .as_deref()
                    .and_then(|v| d.groups.iter().find(|g| g.value == v));
                let top = top_group(d);
                vec![
                    d.rule.clone(),
                    d.column.clone(),
                    low.map_or_else(|| "-".to_string(), |g| g.value.clone()),
                    pct(low.and_then(|g| g.hit_rate)),
                    top.map_or_else(|| "-".to_string(), |g| g.value.clone()),
                    pct(top.and_then(|g| g.hit_rate)),
                    ratio(top.and_then(|g| g.ratio)),
                    ratio_ci(top.and_then(|g| g.ratio_ci)),
                    if d.concentrated { "CONCENTRATED" } else { "" }.to_string(),
                ]
            })
            .collect(),
    }
}

/// The false-positive samples: one row per record.
pub fn false_positives_table(r: &BacktestReport) -> Table {
    Table {
        columns: &[
            ("row", "row"),
            ("id", "record id"),
            ("outcome", "outcome"),
            ("score", "score"),
            ("rules", "rules"),
        ],
        rows: r
            .false_positives
            .iter()
            .map(|s| {
                vec![
                    s.row.map_or_else(|| "-".to_string(), |n| n.to_string()),
                    s.id.clone().unwrap_or_else(|| "-".to_string()),
                    s.outcome.as_str().to_string(),
                    s.score.to_string(),
                    s.hits
                        .iter()
                        .map(|h| format!("{} (+{})", h.rule, h.weight))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect(),
    }
}

/// A report table as aligned terminal text.
fn text_table(t: &Table) -> String {
    table(&t.text_headers(), &t.rows)
}

/// The back-test report as terminal text.
pub fn backtest(run: &RunInfo, r: &BacktestReport) -> String {
    let mut s = String::new();
    if let Some(p) = &r.pack {
        let _ = writeln!(s, "pack {} {} ({})", p.id, p.version, p.digest);
    }
    let _ = writeln!(
        s,
        "input {} ({}), label `{}`",
        run.input_name(),
        run.input_sha256.as_deref().unwrap_or("stdin"),
        run.label.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        s,
        "records {}, positives {} (base rate {}), rows with errors {}, with incomplete data {}",
        r.records,
        r.positives,
        pct(r.base_rate),
        r.errors,
        r.incomplete_records
    );
    let _ = writeln!(
        s,
        "outcomes: {} clear, {} need data (incomplete, not flagged), {} review, {} refer",
        r.outcomes.clear, r.outcomes.incomplete, r.outcomes.review, r.outcomes.refer
    );

    let _ = writeln!(
        s,
        "\nconfusion matrix (flagged = outcome at or above the threshold; 95% Wilson intervals)"
    );
    s.push_str(&text_table(&thresholds_table(r)));

    let _ = writeln!(s, "\nrules (marginal = recall lost without the rule; promotion = recall gained if a shadow rule were active)");
    s.push_str(&text_table(&rules_table(r)));

    let _ = writeln!(
        s,
        "\nscore threshold sweep (flag every record with score >= cut-off)"
    );
    s.push_str(&text_table(&sweep_table(r)));

    for column in &r.groups {
        let _ = writeln!(
            s,
            "\ngroups by `{}` (ratio = rate / the lowest group's, `{}`; a disparity when the whole \
             95% interval is above {:.2})",
            column.column,
            column.reference.as_deref().unwrap_or("-"),
            r.tolerance
        );
        s.push_str(&text_table(&groups_table(column)));
    }
    if !r.rule_disparity.is_empty() {
        let _ = writeln!(
            s,
            "\nper-rule disparity (hit rate per group / the lowest group's; proxy detection)"
        );
        s.push_str(&text_table(&rule_disparity_table(r)));
    }
    if !r.false_positives.is_empty() {
        let _ = writeln!(s, "\nfalse positives to read (highest scores first)");
        s.push_str(&text_table(&false_positives_table(r)));
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(s);
        for w in &r.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_text_left_and_numbers_right() {
        let t = table(
            &["name", "n"],
            &[
                vec!["a".into(), "10".into()],
                vec!["long".into(), "2".into()],
            ],
        );
        assert_eq!(t, "name   n\na     10\nlong   2\n");
        assert_eq!(num(Some(0.5)), "0.500");
        assert_eq!(pct(None), "-");
    }
}

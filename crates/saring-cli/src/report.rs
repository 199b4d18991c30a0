//! Plain-text tables for the terminal (back-test report, diff).

use std::fmt::Write as _;

use saring::backtest::{BacktestReport, GroupColumn};

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
            ("recall", "recall"),
            ("f1", "f1"),
            ("flag rate", "flag rate"),
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
                    num(t.recall),
                    num(t.f1),
                    pct(t.flag_rate),
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

/// One monitored column: one row per value of the column.
pub fn groups_table(c: &GroupColumn) -> Table {
    Table {
        columns: &[
            ("value", "value"),
            ("n", "n"),
            ("flagged", "flagged"),
            ("flag rate", "flag rate"),
            ("ratio", "ratio"),
            ("precision", "precision"),
            ("recall", "recall"),
            ("", ""),
        ],
        rows: c
            .groups
            .iter()
            .map(|g| {
                vec![
                    g.value.clone(),
                    g.n.to_string(),
                    g.flagged.to_string(),
                    pct(g.flag_rate),
                    num(g.ratio_to_max),
                    num(g.precision),
                    num(g.recall),
                    if g.below_four_fifths {
                        "below 4/5"
                    } else if g.small {
                        "small group"
                    } else {
                        ""
                    }
                    .to_string(),
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
pub fn backtest(r: &BacktestReport) -> String {
    let mut s = String::new();
    if let Some(p) = &r.pack {
        let _ = writeln!(s, "pack {} {} ({})", p.id, p.version, p.digest);
    }
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
        "\nconfusion matrix (flagged = outcome at or above the threshold)"
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
            "\ngroups by `{}` (ratio = flag rate / highest group's; below 0.8 fails the four-fifths rule)",
            column.column
        );
        s.push_str(&text_table(&groups_table(column)));
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

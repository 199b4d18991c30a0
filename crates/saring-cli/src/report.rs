//! Plain-text tables for the terminal (back-test report, diff).

use std::fmt::Write as _;

use saring::backtest::BacktestReport;

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
        "outcomes: {} clear, {} review, {} refer",
        r.outcomes.clear, r.outcomes.review, r.outcomes.refer
    );

    let _ = writeln!(
        s,
        "\nconfusion matrix (flagged = outcome at or above the threshold)"
    );
    let rows: Vec<Vec<String>> = r
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
        .collect();
    s.push_str(&table(
        &[
            "threshold",
            "score",
            "flagged",
            "tp",
            "fp",
            "tn",
            "fn",
            "precision",
            "recall",
            "f1",
            "flag rate",
        ],
        &rows,
    ));

    let _ = writeln!(s, "\nrules (marginal = recall lost without the rule; promotion = recall gained if a shadow rule were active)");
    let rows: Vec<Vec<String>> = r
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
        .collect();
    s.push_str(&table(
        &[
            "rule",
            "status",
            "weight",
            "hits",
            "true",
            "precision",
            "recall",
            "lift",
            "marginal",
            "marg.refer",
            "incomplete",
        ],
        &rows,
    ));

    let _ = writeln!(
        s,
        "\nscore threshold sweep (flag every record with score >= cut-off)"
    );
    let rows: Vec<Vec<String>> = r
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
        .collect();
    s.push_str(&table(
        &["cut-off", "flagged", "flag rate", "precision", "recall"],
        &rows,
    ));

    for column in &r.groups {
        let _ = writeln!(
            s,
            "\ngroups by `{}` (ratio = flag rate / highest group's; below 0.8 fails the four-fifths rule)",
            column.column
        );
        let rows: Vec<Vec<String>> = column
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
            .collect();
        s.push_str(&table(
            &[
                "value",
                "n",
                "flagged",
                "flag rate",
                "ratio",
                "precision",
                "recall",
                "",
            ],
            &rows,
        ));
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

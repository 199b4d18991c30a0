//! The back-test report as one self-contained HTML page: inline CSS and SVG charts, no
//! external assets, no scripts.

use std::fmt::Write as _;

use saring::backtest::{BacktestReport, GroupColumn, FOUR_FIFTHS};

use crate::report::{groups_table, pct, rules_table, sweep_table, thresholds_table, Table};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}.warn{color:#a40;font-weight:600}\
svg{background:#fafafa;border:1px solid #ddd;margin:.5rem 1rem 1rem 0}small{color:#666}";

fn table(out: &mut String, t: &Table) {
    out.push_str("<table><thead><tr>");
    for h in t.html_headers() {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
}

/// Precision (y) against recall (x) over the score sweep, each point labelled by cut-off.
fn pr_curve(r: &BacktestReport) -> String {
    let (w, h, m) = (420.0, 300.0, 40.0);
    let x = |v: f64| m + v * (w - 2.0 * m);
    let y = |v: f64| h - m - v * (h - 2.0 * m);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"precision against recall\">"
    );
    let _ = write!(
        s,
        "<line x1=\"{m}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>\
         <line x1=\"{m}\" y1=\"{m}\" x2=\"{m}\" y2=\"{}\" stroke=\"#888\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">recall</text>\
         <text x=\"12\" y=\"{}\" font-size=\"12\" transform=\"rotate(-90 12 {})\" \
         text-anchor=\"middle\">precision</text>",
        h - m,
        w - m,
        h - m,
        h - m,
        w / 2.0,
        h - 8.0,
        h / 2.0,
        h / 2.0
    );
    for (v, label) in [(0.0, "0"), (0.5, "0.5"), (1.0, "1")] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{label}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{label}</text>",
            x(v),
            h - m + 12.0,
            m - 4.0,
            y(v) + 3.0
        );
    }
    let points: Vec<(f64, f64, i64)> = r
        .sweep
        .iter()
        .filter_map(|p| Some((p.recall?, p.precision?, p.min_score)))
        .collect();
    let path: Vec<String> = points
        .iter()
        .map(|(rc, pr, _)| format!("{:.1},{:.1}", x(*rc), y(*pr)))
        .collect();
    let _ = write!(
        s,
        "<polyline fill=\"none\" stroke=\"#2a6\" stroke-width=\"2\" points=\"{}\"/>",
        path.join(" ")
    );
    for (rc, pr, cut) in &points {
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#2a6\"><title>score &gt;= {cut}: \
             precision {pr:.3}, recall {rc:.3}</title></circle>",
            x(*rc),
            y(*pr)
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars of each group's flag rate, with the four-fifths line of the column.
fn group_bars(c: &GroupColumn) -> String {
    let (w, bar, m) = (420.0, 22.0, 110.0);
    let h = 20.0 + bar * c.groups.len() as f64;
    let max = c.max_flag_rate.unwrap_or(0.0).max(1e-9);
    let scale = |v: f64| m + v / max * (w - m - 60.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"flag rate by {}\">",
        esc(&c.column)
    );
    for (i, g) in c.groups.iter().enumerate() {
        let top = 10.0 + bar * i as f64;
        let rate = g.flag_rate.unwrap_or(0.0);
        let color = if g.below_four_fifths { "#d73" } else { "#48c" };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <rect x=\"{m}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            m - 6.0,
            top + bar * 0.65,
            esc(&g.value),
            top + 2.0,
            (scale(rate) - m).max(0.0),
            bar - 4.0,
            scale(rate) + 4.0,
            top + bar * 0.65,
            pct(g.flag_rate)
        );
    }
    let line = scale(max * FOUR_FIFTHS);
    let _ = write!(
        s,
        "<line x1=\"{line:.1}\" y1=\"4\" x2=\"{line:.1}\" y2=\"{:.1}\" stroke=\"#a40\" \
         stroke-dasharray=\"4 3\"><title>four-fifths of the highest rate</title></line></svg>",
        h - 4.0
    );
    s
}

/// The whole report page.
pub fn backtest(r: &BacktestReport) -> String {
    let mut s = String::new();
    let title = match &r.pack {
        Some(p) => format!("Back-test of {} {}", p.id, p.version),
        None => "Back-test".to_string(),
    };
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    if let Some(p) = &r.pack {
        let _ = writeln!(s, "<p><small>digest {}</small></p>", esc(&p.digest));
    }
    let _ = writeln!(
        s,
        "<p>{} records, {} positives (base rate {}); {} rows with errors; {} with incomplete \
         data. Outcomes: {} clear, {} need data (not flagged), {} review, {} refer.</p>",
        r.records,
        r.positives,
        pct(r.base_rate),
        r.errors,
        r.incomplete_records,
        r.outcomes.clear,
        r.outcomes.incomplete,
        r.outcomes.review,
        r.outcomes.refer
    );
    if !r.warnings.is_empty() {
        s.push_str("<h2>Warnings</h2><ul>");
        for w in &r.warnings {
            let _ = write!(s, "<li class=\"warn\">{}</li>", esc(w));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("<h2>Confusion matrix</h2>\n");
    table(&mut s, &thresholds_table(r));
    s.push_str(
        "<h2>Rules</h2>\n<p><small>marginal recall: recall lost at the review (refer) \
                threshold without the rule; for shadow rules, recall gained if it were made \
                active.</small></p>\n",
    );
    table(&mut s, &rules_table(r));
    s.push_str("<h2>Score threshold sweep</h2>\n");
    s.push_str(&pr_curve(r));
    table(&mut s, &sweep_table(r));
    if !r.groups.is_empty() {
        s.push_str(
            "<h2>Monitored groups</h2>\n<p><small>ratio: the group's flag rate over the \
                    highest group's; below 0.8 fails the four-fifths rule (dashed line).\
                    </small></p>\n",
        );
    }
    for c in &r.groups {
        let _ = writeln!(s, "<h3>{}</h3>", esc(&c.column));
        s.push_str(&group_bars(c));
        table(&mut s, &groups_table(c));
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}

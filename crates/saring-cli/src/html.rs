//! The back-test report as one self-contained HTML page (inline CSS and SVG, no scripts, no
//! external assets): the page an analyst forwards to a supervisor. A header naming the input
//! (file, sha256), the pack (id, version, digest) and the run date; a first screen with
//! precision, recall and flag rate at each threshold and the fairness verdict; then rules
//! (with which fire together), monitored groups (with intervals), per-rule disparity, false
//! positives to read, the score sweep and the definitions.
//!
//! Every SVG element is drawn inside its `viewBox` (the browser test checks it). The Python
//! binding renders the same page from the report's dict (`saring/_html.py`) with the same
//! stylesheet (`assets/report.css`, copied there and checked identical by a test).

use std::fmt::Write as _;

use saring::backtest::{BacktestReport, GroupColumn, Interval, ThresholdMetrics};

use crate::report::{
    false_positives_table, groups_table, num, pct, pct_ci, rule_disparity_table, rules_table,
    sweep_table, thresholds_table, Table,
};
use crate::runinfo::RunInfo;

/// The stylesheet of every HTML page saring writes.
pub const STYLE: &str = include_str!("assets/report.css");

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

/// Opens a page: doctype, head with the stylesheet, `<main class="saring-report">`.
pub fn page_start(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<main class=\"saring-report\">\n",
        esc(title)
    );
}

/// Closes a page opened by [`page_start`].
pub fn page_end(out: &mut String) {
    out.push_str("</main></body></html>\n");
}

/// A report table inside a horizontally scrolling box.
pub fn table(out: &mut String, t: &Table) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
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
    out.push_str("</tbody></table></div>\n");
}

/// Shortens a label to `max` characters (with an ellipsis).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn clamp(v: f64, low: f64, high: f64) -> f64 {
    v.max(low).min(high)
}

/// Precision (y) against recall (x) over the score sweep, with markers at the review and
/// refer thresholds.
pub fn pr_curve(r: &BacktestReport) -> String {
    let (w, h, m) = (480.0, 320.0, 44.0);
    let x = |v: f64| m + clamp(v, 0.0, 1.0) * (w - 2.0 * m);
    let y = |v: f64| h - m - clamp(v, 0.0, 1.0) * (h - 2.0 * m);
    let mut s = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"precision against recall, with the review and refer \
         thresholds marked\">"
    );
    let _ = write!(
        s,
        "<line x1=\"{m}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#8a94a6\"/>\
         <line x1=\"{m}\" y1=\"{m}\" x2=\"{m}\" y2=\"{b}\" stroke=\"#8a94a6\"/>\
         <text x=\"{cx}\" y=\"{ly}\" font-size=\"12\" text-anchor=\"middle\">recall</text>\
         <text x=\"14\" y=\"{cy}\" font-size=\"12\" transform=\"rotate(-90 14 {cy})\" \
         text-anchor=\"middle\">precision</text>",
        b = h - m,
        r = w - m,
        cx = w / 2.0,
        ly = h - 10.0,
        cy = h / 2.0,
    );
    for (v, label) in [(0.0, "0"), (0.5, "0.5"), (1.0, "1")] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{label}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{label}</text>",
            x(v),
            h - m + 13.0,
            m - 5.0,
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
    if !path.is_empty() {
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"#2a7a4a\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
    }
    for (rc, pr, cut) in &points {
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#2a7a4a\"><title>score &gt;= \
             {cut}: precision {pr:.3}, recall {rc:.3}</title></circle>",
            x(*rc),
            y(*pr)
        );
    }
    for t in &r.thresholds {
        s.push_str(&threshold_marker(t, &x, &y, w, h, m));
    }
    s.push_str("</svg>");
    s
}

fn threshold_marker(
    t: &ThresholdMetrics,
    x: &dyn Fn(f64) -> f64,
    y: &dyn Fn(f64) -> f64,
    w: f64,
    h: f64,
    m: f64,
) -> String {
    let (Some(rc), Some(pr)) = (t.recall, t.precision) else {
        return String::new();
    };
    let (px, py) = (x(rc), y(pr));
    let colour = if t.threshold == saring::Outcome::Refer {
        "#b3261e"
    } else {
        "#c77700"
    };
    let label = format!("{} ≥ {}", t.threshold.as_str(), t.min_score);
    // Labels sit beside the marker, on the side with room, inside the plot.
    let (tx, anchor) = if px > w - 130.0 {
        (px - 10.0, "end")
    } else {
        (px + 10.0, "start")
    };
    let ty = if t.threshold == saring::Outcome::Refer {
        clamp(py - 10.0, 14.0, h - m - 4.0)
    } else {
        clamp(py + 18.0, 14.0, h - m - 4.0)
    };
    format!(
        "<g data-threshold=\"{name}\"><circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"6\" \
         fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"><title>{label}: precision \
         {pr:.3}, recall {rc:.3}</title></circle><text x=\"{tx:.1}\" y=\"{ty:.1}\" \
         font-size=\"11\" font-weight=\"600\" fill=\"{colour}\" text-anchor=\"{anchor}\">\
         {label}</text></g>",
        name = t.threshold.as_str(),
        label = esc(&label),
    )
}

/// One bar of a rate chart: label, rate and its interval.
pub struct Bar {
    /// Group label.
    pub label: String,
    /// The rate.
    pub rate: Option<f64>,
    /// Its 95% interval.
    pub ci: Option<Interval>,
    /// Drawn as a disparity.
    pub alert: bool,
    /// The reference group.
    pub reference: bool,
    /// A small group: its (wide) interval does not set the scale; a whisker beyond the
    /// scale is cut at the edge.
    pub small: bool,
}

/// Horizontal bars of a rate per group with their 95% intervals as whiskers and a dashed
/// line at the reference rate times the tolerance.
pub fn rate_bars(title: &str, bars: &[Bar], tolerance: f64) -> String {
    let (w, row, left, right) = (560.0, 22.0, 172.0, 62.0);
    let h = 30.0 + row * bars.len() as f64;
    let reference = bars.iter().find(|b| b.reference).and_then(|b| b.rate);
    let line = reference.map(|r| r * tolerance);
    let max = bars
        .iter()
        .filter_map(|b| match b.ci {
            Some(c) if !b.small => Some(c.high),
            _ => b.rate,
        })
        .chain(line)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let scale = |v: f64| left + clamp(v / max, 0.0, 1.0) * (w - left - right);
    let mut s = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"6\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#8a94a6\"/>",
        h - 18.0
    );
    for (i, b) in bars.iter().enumerate() {
        let top = 8.0 + row * i as f64;
        let rate = b.rate.unwrap_or(0.0);
        let end = scale(rate);
        let colour = if b.alert {
            "#d2691e"
        } else if b.reference {
            "#7a8699"
        } else {
            "#4a7fc1"
        };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}<title>{}\
             </title></text><rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             fill=\"{colour}\"/>",
            left - 6.0,
            top + row * 0.62,
            esc(&short(&b.label, 24)),
            esc(&b.label),
            top + 3.0,
            (end - left).max(0.0),
            row - 8.0,
        );
        let mut text_x = end;
        if let Some(ci) = b.ci {
            let (lo, hi) = (scale(ci.low), scale(ci.high));
            let mid = top + row / 2.0 - 1.0;
            let _ = write!(
                s,
                "<line x1=\"{lo:.1}\" y1=\"{mid:.1}\" x2=\"{hi:.1}\" y2=\"{mid:.1}\" \
                 stroke=\"#1d2330\" stroke-width=\"1.2\"/><line x1=\"{lo:.1}\" y1=\"{:.1}\" \
                 x2=\"{lo:.1}\" y2=\"{:.1}\" stroke=\"#1d2330\"/><line x1=\"{hi:.1}\" \
                 y1=\"{:.1}\" x2=\"{hi:.1}\" y2=\"{:.1}\" stroke=\"#1d2330\"/>",
                mid - 4.0,
                mid + 4.0,
                mid - 4.0,
                mid + 4.0
            );
            text_x = text_x.max(hi);
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            clamp(text_x + 4.0, left + 2.0, w - right + 4.0),
            top + row * 0.62,
            pct(b.rate)
        );
    }
    if let Some(line) = line {
        let lx = scale(line);
        let _ = write!(
            s,
            "<line x1=\"{lx:.1}\" y1=\"4\" x2=\"{lx:.1}\" y2=\"{:.1}\" stroke=\"#9a3b00\" \
             stroke-dasharray=\"4 3\"><title>reference × {tolerance:.2}</title></line>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#9a3b00\" \
             text-anchor=\"middle\">ref × {tolerance:.2}</text>",
            h - 16.0,
            clamp(lx, left + 30.0, w - 40.0),
            h - 5.0
        );
    }
    s.push_str("</svg>");
    s
}

fn group_charts(c: &GroupColumn, tolerance: f64) -> String {
    let flags: Vec<Bar> = c
        .groups
        .iter()
        .map(|g| Bar {
            label: g.value.clone(),
            rate: g.flag_rate,
            ci: g.flag_rate_ci,
            alert: g.flag_disparity,
            reference: c.reference.as_deref() == Some(g.value.as_str()),
            small: g.small,
        })
        .collect();
    let fprs: Vec<Bar> = c
        .groups
        .iter()
        .map(|g| Bar {
            label: g.value.clone(),
            rate: g.false_positive_rate,
            ci: g.false_positive_rate_ci,
            alert: g.fpr_disparity,
            reference: c.fpr_reference.as_deref() == Some(g.value.as_str()),
            small: g.small,
        })
        .collect();
    format!(
        "<div class=\"charts\"><figure>{}<figcaption>Flag rate by <code>{col}</code> (bars), \
         95% interval (whiskers)</figcaption></figure><figure>{}<figcaption>False-positive rate \
         by <code>{col}</code>: innocent travellers sent to review</figcaption></figure></div>\n",
        rate_bars(&format!("flag rate by {}", c.column), &flags, tolerance),
        rate_bars(
            &format!("false-positive rate by {}", c.column),
            &fprs,
            tolerance
        ),
        col = esc(&c.column),
    )
}

/// Which rules fire together: counts of records on which both fired, shaded by the share of
/// the row rule's hits.
fn cofiring(r: &BacktestReport) -> String {
    let m = &r.cofiring;
    if m.rules.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<h3>Which rules fire together</h3><p class=\"note\">Records on which both rules \
         fired; the diagonal is each rule's hits. Shading: the share of the row rule's hits \
         that the column rule also fired on — rules that always fire together count one fact \
         twice.</p><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>rule</th>",
    );
    for (j, rule) in m.rules.iter().enumerate() {
        let _ = write!(s, "<th title=\"{}\">{}</th>", esc(rule), j + 1);
    }
    s.push_str("</tr></thead><tbody>");
    for (i, rule) in m.rules.iter().enumerate() {
        let _ = write!(s, "<tr><td>{}. <code>{}</code></td>", i + 1, esc(rule));
        let hits = m.counts[i].get(i).copied().unwrap_or(0);
        for (j, &count) in m.counts[i].iter().enumerate() {
            let share = if hits > 0 {
                count as f64 / hits as f64
            } else {
                0.0
            };
            let class = if i == j { " class=\"diag\"" } else { "" };
            let style = if i != j && count > 0 {
                format!(
                    " style=\"background:rgba(210,105,30,{:.2})\"",
                    0.1 + 0.7 * share
                )
            } else {
                String::new()
            };
            let _ = write!(
                s,
                "<td{class}{style} title=\"{} &amp; {}: {count}\">{}</td>",
                esc(rule),
                esc(&m.rules[j]),
                if count > 0 {
                    count.to_string()
                } else {
                    String::new()
                }
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>\n");
    s
}

/// The header: input, pack, run.
fn header(s: &mut String, run: &RunInfo, r: &BacktestReport) {
    let (id, version, digest) = match &r.pack {
        Some(p) => (
            p.id.to_string(),
            p.version.to_string(),
            p.digest.to_string(),
        ),
        None => ("-".into(), "-".into(), "-".into()),
    };
    let _ = write!(
        s,
        "<header><h1>Back-test of <code>{}</code> {}</h1><dl class=\"meta\">\
         <dt>Input</dt><dd><code>{}</code></dd>\
         <dt>Input sha256</dt><dd><code class=\"digest\">{}</code></dd>\
         <dt>Pack</dt><dd><code>{}</code> version {}</dd>\
         <dt>Pack digest</dt><dd><code class=\"digest\">{}</code></dd>\
         <dt>Label</dt><dd><code>{}</code></dd>\
         <dt>Groups</dt><dd>{}</dd>\
         <dt>Run</dt><dd>{}, saring {}</dd></dl></header>",
        esc(&id),
        esc(&version),
        esc(&run.input_name()),
        esc(run.input_sha256.as_deref().unwrap_or("(standard input)")),
        esc(&id),
        esc(&version),
        esc(&digest),
        esc(run.label.as_deref().unwrap_or("-")),
        if run.by.is_empty() {
            "none".to_string()
        } else {
            run.by
                .iter()
                .map(|b| format!("<code>{}</code>", esc(b)))
                .collect::<Vec<_>>()
                .join(", ")
        },
        esc(&run.run_at),
        esc(run.saring),
    );
    s.push('\n');
}

fn ci_small(ci: Option<Interval>, digits: usize) -> String {
    match ci {
        Some(c) => format!(
            " <small>95% CI {:.d$}–{:.d$}</small>",
            c.low,
            c.high,
            d = digits
        ),
        None => String::new(),
    }
}

/// The first screen: headline figures per threshold and the fairness verdict.
fn headline(s: &mut String, r: &BacktestReport) {
    let _ = write!(
        s,
        "<section id=\"headline\"><h2>At a glance</h2><p class=\"lead\">{} records, {} \
         labelled positive (base rate {}); {} rows with errors; {} with incomplete data. \
         Outcomes: {} clear, {} need data (not flagged), {} review, {} refer.</p>\
         <div class=\"cards\">",
        r.records,
        r.positives,
        pct(r.base_rate),
        r.errors,
        r.incomplete_records,
        r.outcomes.clear,
        r.outcomes.incomplete,
        r.outcomes.review,
        r.outcomes.refer,
    );
    for t in &r.thresholds {
        let what = if t.threshold == saring::Outcome::Refer {
            "refer"
        } else {
            "review or refer"
        };
        let _ = write!(
            s,
            "<div class=\"card\" data-threshold=\"{}\"><h3>Flagged at {} (score ≥ {})</h3><dl>\
             <dt>precision</dt><dd><span class=\"big\">{}</span>{}</dd>\
             <dt>recall</dt><dd><span class=\"big\">{}</span>{}</dd>\
             <dt>flag rate</dt><dd>{} ({} records){}</dd>\
             <dt>false-positive rate</dt><dd>{}</dd></dl></div>",
            t.threshold.as_str(),
            what,
            t.min_score,
            num(t.precision),
            ci_small(t.precision_ci, 3),
            num(t.recall),
            ci_small(t.recall_ci, 3),
            pct(t.flag_rate),
            t.flagged,
            t.flag_rate_ci
                .map(|_| format!(" <small>95% CI {}</small>", pct_ci(t.flag_rate_ci)))
                .unwrap_or_default(),
            pct(t.false_positive_rate),
        );
    }
    s.push_str("</div>");
    if r.groups.is_empty() {
        s.push_str("<p class=\"note\">No monitored groups were audited (`--by`).</p>");
    } else if r.disparities.is_empty() {
        let _ = write!(
            s,
            "<p class=\"ok\" data-fairness=\"ok\">Fairness: no group or rule beyond the tolerance \
             {:.2} (no 95% interval of a ratio to the least-flagged group lies above it).</p>",
            r.tolerance
        );
    } else {
        let _ = write!(
            s,
            "<p class=\"warn\" data-fairness=\"disparity\">Fairness: {} disparit{} beyond the \
             tolerance {:.2}</p><ul class=\"warnings\">",
            r.disparities.len(),
            if r.disparities.len() == 1 { "y" } else { "ies" },
            r.tolerance
        );
        for w in &r.warnings {
            let _ = write!(s, "<li>{}</li>", esc(w));
        }
        s.push_str("</ul>");
    }
    let _ = writeln!(
        s,
        "<figure>{}<figcaption>Precision against recall for every score cut-off; circles mark \
         the pack's review and refer thresholds.</figcaption></figure></section>",
        pr_curve(r)
    );
}

fn false_positives(s: &mut String, r: &BacktestReport) {
    s.push_str("<section id=\"false-positives\"><h2>False positives to read</h2>");
    if r.false_positives.is_empty() {
        s.push_str("<p>No record labelled negative was flagged.</p></section>\n");
        return;
    }
    s.push_str(
        "<p class=\"note\">Records flagged at review or above but labelled negative, highest \
         scores first: what an officer would have been sent for nothing.</p>",
    );
    table(s, &false_positives_table(r));
    for fp in &r.false_positives {
        let _ = write!(
            s,
            "<div class=\"hit\"><strong>row {}{}</strong> — {} {}<ul>",
            fp.row.map_or_else(|| "-".to_string(), |n| n.to_string()),
            fp.id
                .as_deref()
                .map(|id| format!(" (<code>{}</code>)", esc(id)))
                .unwrap_or_default(),
            esc(fp.outcome.as_str()),
            fp.score
        );
        for h in &fp.hits {
            let _ = write!(
                s,
                "<li><code>{}</code> +{}: {}</li>",
                esc(&h.rule),
                h.weight,
                esc(&h.reason)
            );
        }
        s.push_str("</ul></div>");
    }
    s.push_str("</section>\n");
}

/// The definitions behind every figure.
pub const DEFINITIONS: &str = "<section id=\"definitions\"><h2>Definitions</h2><ul>\
<li><strong>Flagged</strong>: outcome review or refer (at the refer threshold: refer only). \
Other outcomes (incomplete) are not flagged.</li>\
<li><strong>Precision</strong> = flagged positives / flagged; <strong>recall</strong> = flagged \
positives / positives; <strong>flag rate</strong> = flagged / records (fairlearn: \
<code>selection_rate</code>); <strong>false-positive rate</strong> = flagged negatives / \
negatives; <strong>false-negative rate</strong> = unflagged positives / positives.</li>\
<li><strong>95% CI</strong> of a rate: the Wilson score interval (Newcombe 1998).</li>\
<li><strong>Flag ratio</strong> = a group's flag rate / the lowest flag rate of its column \
(the reference group, at least <em>min group</em> records); <strong>FPR ratio</strong> \
likewise. Their 95% CI: the Katz log interval (Katz et al. 1978), with 0.5 added to every \
cell when one is zero. A <strong>disparity</strong>: the whole interval lies above the \
tolerance (default 1.25, the four-fifths rule read in the harm direction, being flagged is \
the harm). Small groups get wide intervals, so noise is not reported.</li>\
<li><strong>Per-rule disparity</strong>: a rule's hit rate per group over the lowest; a rule \
whose hits concentrate in one group is reported by name — a proxy for the monitored \
attribute even when the rule never reads it.</li>\
<li><strong>Marginal recall</strong>: recall lost without the rule (scores recomputed); for a \
shadow rule, recall gained if it were active.</li></ul></section>\n";

/// The whole back-test page.
pub fn backtest(run: &RunInfo, r: &BacktestReport) -> String {
    let mut s = String::new();
    let title = match &r.pack {
        Some(p) => format!("Back-test of {} {}", p.id, p.version),
        None => "Back-test".to_string(),
    };
    page_start(&mut s, &title);
    header(&mut s, run, r);
    headline(&mut s, r);

    s.push_str("<section id=\"rules\"><h2>Rules</h2>");
    table(&mut s, &rules_table(r));
    s.push_str(&cofiring(r));
    s.push_str("</section>\n");

    s.push_str("<section id=\"groups\"><h2>Monitored groups</h2>");
    if r.groups.is_empty() {
        s.push_str("<p>No `--by` columns were given.</p>");
    }
    for c in &r.groups {
        let _ = write!(
            s,
            "<h3>By <code>{}</code></h3><p class=\"note\">Reference (least flagged): \
             <code>{}</code>; lowest false-positive rate: <code>{}</code>.</p>",
            esc(&c.column),
            esc(c.reference.as_deref().unwrap_or("-")),
            esc(c.fpr_reference.as_deref().unwrap_or("-"))
        );
        s.push_str(&group_charts(c, r.tolerance));
        table(&mut s, &groups_table(c));
    }
    s.push_str("</section>\n");

    if !r.rule_disparity.is_empty() {
        s.push_str(
            "<section id=\"rule-disparity\"><h2>Per-rule disparity</h2><p class=\"note\">Each \
             rule's hit rate in the group it hits most, against the group it hits least.</p>",
        );
        table(&mut s, &rule_disparity_table(r));
        s.push_str("</section>\n");
    }
    false_positives(&mut s, r);

    s.push_str(
        "<section id=\"sweep\"><h2>Score threshold sweep</h2><details><summary>Every cut-off \
         seen in the data</summary>",
    );
    table(&mut s, &sweep_table(r));
    s.push_str("</details></section>\n<section id=\"matrix\"><h2>Confusion matrices</h2>");
    table(&mut s, &thresholds_table(r));
    s.push_str("</section>\n");
    s.push_str(DEFINITIONS);
    page_end(&mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_shortens() {
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(short("Kepulauan Bangka Belitung", 10), "Kepulauan…");
        assert_eq!(short("Bali", 10), "Bali");
    }

    #[test]
    fn bars_stay_inside_the_view_box() {
        let bars = [
            Bar {
                label: "a very long province name indeed".into(),
                rate: Some(1.0),
                ci: Some(Interval {
                    low: 0.9,
                    high: 1.0,
                }),
                alert: true,
                reference: false,
                small: false,
            },
            Bar {
                label: "b".into(),
                rate: Some(0.0),
                ci: None,
                alert: false,
                reference: true,
                small: true,
            },
        ];
        let svg = rate_bars("t", &bars, 1.25);
        // Every x coordinate and width is within 0..560.
        let widths: Vec<f64> = svg
            .match_indices("width=\"")
            .filter_map(|(i, _)| svg[i + 7..].split('"').next()?.parse().ok())
            .collect();
        assert!(
            widths.iter().all(|w| (0.0..=560.0).contains(w)),
            "{widths:?}"
        );
        let xs: Vec<f64> = svg
            .match_indices(" x=\"")
            .chain(svg.match_indices(" x1=\""))
            .chain(svg.match_indices(" x2=\""))
            .filter_map(|(i, m)| svg[i + m.len()..].split('"').next()?.parse().ok())
            .collect();
        assert!(xs.len() > 5);
        assert!(xs.iter().all(|x| (0.0..=560.0).contains(x)), "{xs:?}");
    }
}

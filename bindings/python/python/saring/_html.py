"""HTML views of decisions, explanations and back-test reports, for Jupyter (``_repr_html_``)
and for ``BacktestReport.to_html()``.

Rendered from the plain dicts every front door returns (``Decision.to_dict()``, the
``explain()`` result, the back-test report), with the stylesheet and page structure of the
CLI's HTML report (``saring backtest -f html``): the same look in a notebook and in the page an
analyst forwards. Every SVG element is drawn inside its ``viewBox``.
"""

from __future__ import annotations

import html as _html
from importlib import resources
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

MISSING = "(missing)"


def _css() -> str:
    return resources.files("saring").joinpath("report.css").read_text(encoding="utf-8")


def esc(value: Any) -> str:
    """Escapes text for HTML (quotes included)."""
    return _html.escape("" if value is None else str(value), quote=True).replace("&#x27;", "&#39;")


def num(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.3f}"


def pct(x: Optional[float]) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def ci3(ci: Optional[Mapping[str, float]]) -> str:
    return "-" if not ci else f"{ci['low']:.3f}–{ci['high']:.3f}"


def pct_ci(ci: Optional[Mapping[str, float]]) -> str:
    return "-" if not ci else f"{ci['low'] * 100:.1f}–{ci['high'] * 100:.1f}%"


def ratio(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.2f}"


def ratio_ci(ci: Optional[Mapping[str, float]]) -> str:
    return "-" if not ci else f"{ci['low']:.2f}–{ci['high']:.2f}"


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def _fmt(v: float) -> str:
    """A coordinate as the Rust renderer writes it (one decimal)."""
    return f"{v:.1f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = ['<div class="scroll"><table><thead><tr>']
    out += [f"<th>{esc(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table></div>\n")
    return "".join(out)


def fragment(body: str) -> str:
    """A notebook cell's HTML: the stylesheet scoped by the ``saring-report`` class."""
    return f'<div class="saring-report"><style>{_css()}</style>{body}</div>'


def page(title: str, body: str) -> str:
    """A self-contained page, as the CLI writes it."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_css()}</style></head><body>\n"
        f'<main class="saring-report">\n{body}</main></body></html>\n'
    )


# ------------------------------------------------------------------------- decisions


def _evidence(evidence: Mapping[str, Any]) -> str:
    if not evidence:
        return ""
    items = ", ".join(f"<code>{esc(k)}</code> = {esc(_json(v))}" for k, v in evidence.items())
    return f'<div class="evidence">evidence: {items}</div>'


def _json(v: Any) -> str:
    import json

    return json.dumps(v, ensure_ascii=False)


def _hit(h: Mapping[str, Any], shadow: bool = False) -> str:
    remedy = h.get("remedy")
    return (
        f'<div class="hit{" shadow" if shadow else ""}" data-rule="{esc(h.get("rule"))}">'
        f'<strong><code>{esc(h.get("rule"))}</code></strong> '
        f'{"" if shadow else "+"}{esc(h.get("weight"))}{" (shadow, not scored)" if shadow else ""}'
        f'<div>{esc(h.get("reason"))}</div>{_evidence(h.get("evidence") or {})}'
        + (f"<div><strong>Remedy:</strong> {esc(remedy)}</div>" if remedy else "")
        + "</div>"
    )


def _decision_body(d: Mapping[str, Any]) -> str:
    pack = d.get("pack") or {}
    outcome = str(d.get("outcome", ""))
    parts = [
        f'<p><span class="outcome {esc(outcome)}" data-outcome="{esc(outcome)}">{esc(outcome)}'
        f'</span> score <strong>{esc(d.get("score"))}</strong>'
        + (f' (if every incomplete rule fired: {esc(d["max_score"])})' if "max_score" in d else "")
        + f' <small>· pack <code>{esc(pack.get("id"))}</code> {esc(pack.get("version"))} '
        f'<code class="digest">{esc(pack.get("digest"))}</code></small></p>'
    ]
    hits = d.get("hits") or []
    if hits:
        parts.append(f"<h3>Flags ({len(hits)})</h3>")
        parts += [_hit(h) for h in hits]
    else:
        parts.append("<p>No rule fired.</p>")
    shadow = d.get("shadow_hits") or []
    if shadow:
        parts.append(f"<h3>Shadow rules that fired ({len(shadow)})</h3>")
        parts += [_hit(h, shadow=True) for h in shadow]
    incomplete = d.get("incomplete") or []
    if incomplete:
        parts.append(f"<h3>Not decided: missing data ({len(incomplete)})</h3><ul>")
        for i in incomplete:
            what = ", ".join(f"<code>{esc(m)}</code>" for m in i.get("missing") or [])
            if i.get("error"):
                what = esc(i["error"])
                if i.get("error_kind"):
                    what += f' <small class="error-kind">[{esc(i["error_kind"])}]</small>'
                at = i.get("error_at")
                if at and i.get("error_expr"):
                    what += (f' in <code>{esc(i["error_expr"])}</code> '
                             f'<small>({esc(at.get("file"))}:{esc(at.get("line"))}:{esc(at.get("column"))})</small>')
            parts.append(f'<li data-rule="{esc(i.get("rule"))}"><code>{esc(i.get("rule"))}</code>: '
                         f"{what}</li>")
        parts.append("</ul>")
    return "".join(parts)


def decision_html(d: Mapping[str, Any]) -> str:
    """A decision (``Decision.to_dict()``): outcome, score, every flag's reason, evidence and
    remedy, shadow hits and the rules that missing data left undecided."""
    return fragment(_decision_body(d))


class Explanation(dict):  # type: ignore[type-arg]
    """The result of ``Engine.explain``: a dict (``decision``, ``derived``, ``rules``) that
    renders as HTML in Jupyter."""

    def _repr_html_(self) -> str:
        return explanation_html(self)


def explanation_html(x: Mapping[str, Any]) -> str:
    """An explanation: the decision, then every rule by what it did, then derived values."""
    parts = [_decision_body(x.get("decision") or {})]
    rules = x.get("rules") or []
    groups: List[Tuple[str, List[Mapping[str, Any]]]] = [
        ("Fired", [r for r in rules if r.get("result") == "hit" and r.get("status") == "active"]),
        ("Fired in shadow", [r for r in rules if r.get("result") == "hit" and r.get("status") == "shadow"]),
        ("Unknown: missing data", [r for r in rules if r.get("result") == "unknown"]),
        ("Not fired", [r for r in rules if r.get("result") == "miss"]),
        ("Disabled", [r for r in rules if r.get("result") == "disabled"]),
    ]
    parts.append("<h3>Every rule</h3>")
    rows = []
    for name, rs in groups:
        for r in rs:
            detail = r.get("reason") or ""
            if r.get("result") == "unknown":
                detail = "missing: " + ", ".join(r.get("missing") or []) + (
                    f" ({r['error']})" if r.get("error") else "")
            ev = ", ".join(f"{k} = {_json(v)}" for k, v in (r.get("evidence") or {}).items())
            rows.append([name.lower(), r.get("rule"), r.get("weight"), detail, ev])
    parts.append(table(["result", "rule", "weight", "reason / missing", "evidence"], rows))
    derived = x.get("derived") or {}
    if derived:
        parts.append("<h3>Derived values</h3>")
        parts.append(table(["name", "value"], [[k, _json(v)] for k, v in derived.items()]))
    return fragment("".join(parts))


# ------------------------------------------------------------------------- back-tests


def pr_curve(r: Mapping[str, Any]) -> str:
    """Precision against recall over the sweep, the review and refer thresholds marked."""
    w, h, m = 480.0, 320.0, 44.0

    def x(v: float) -> float:
        return m + _clamp(v, 0.0, 1.0) * (w - 2 * m)

    def y(v: float) -> float:
        return h - m - _clamp(v, 0.0, 1.0) * (h - 2 * m)

    s = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" '
        'role="img" aria-label="precision against recall, with the review and refer thresholds '
        'marked">',
        f'<line x1="{m:g}" y1="{h - m:g}" x2="{w - m:g}" y2="{h - m:g}" stroke="#8a94a6"/>'
        f'<line x1="{m:g}" y1="{m:g}" x2="{m:g}" y2="{h - m:g}" stroke="#8a94a6"/>'
        f'<text x="{w / 2:g}" y="{h - 10:g}" font-size="12" text-anchor="middle">recall</text>'
        f'<text x="14" y="{h / 2:g}" font-size="12" transform="rotate(-90 14 {h / 2:g})" '
        'text-anchor="middle">precision</text>',
    ]
    for v, label in ((0.0, "0"), (0.5, "0.5"), (1.0, "1")):
        s.append(
            f'<text x="{_fmt(x(v))}" y="{_fmt(h - m + 13)}" font-size="10" '
            f'text-anchor="middle">{label}</text><text x="{_fmt(m - 5)}" y="{_fmt(y(v) + 3)}" '
            f'font-size="10" text-anchor="end">{label}</text>'
        )
    points = [
        (p["recall"], p["precision"], p["min_score"])
        for p in r.get("sweep") or []
        if p.get("recall") is not None and p.get("precision") is not None
    ]
    if points:
        path = " ".join(f"{_fmt(x(rc))},{_fmt(y(pr))}" for rc, pr, _ in points)
        s.append(f'<polyline fill="none" stroke="#2a7a4a" stroke-width="2" points="{path}"/>')
    for rc, pr, cut in points:
        s.append(
            f'<circle cx="{_fmt(x(rc))}" cy="{_fmt(y(pr))}" r="2.5" fill="#2a7a4a"><title>score '
            f"&gt;= {cut}: precision {pr:.3f}, recall {rc:.3f}</title></circle>"
        )
    for t in r.get("thresholds") or []:
        if t.get("recall") is None or t.get("precision") is None:
            continue
        px, py = x(t["recall"]), y(t["precision"])
        refer = t["threshold"] == "refer"
        colour = "#b3261e" if refer else "#c77700"
        label = f"{t['threshold']} ≥ {t['min_score']}"
        tx, anchor = (px - 10, "end") if px > w - 130 else (px + 10, "start")
        ty = _clamp(py - 10, 14, h - m - 4) if refer else _clamp(py + 18, 14, h - m - 4)
        s.append(
            f'<g data-threshold="{esc(t["threshold"])}"><circle cx="{_fmt(px)}" cy="{_fmt(py)}" '
            f'r="6" fill="none" stroke="{colour}" stroke-width="2.5"><title>{esc(label)}: '
            f'precision {t["precision"]:.3f}, recall {t["recall"]:.3f}</title></circle>'
            f'<text x="{_fmt(tx)}" y="{_fmt(ty)}" font-size="11" font-weight="600" '
            f'fill="{colour}" text-anchor="{anchor}">{esc(label)}</text></g>'
        )
    s.append("</svg>")
    return "".join(s)


def rate_bars(title: str, bars: Sequence[Mapping[str, Any]], tolerance: float) -> str:
    """Horizontal bars of a rate per group, 95% intervals as whiskers, and a dashed line at
    the reference rate times the tolerance."""
    w, row, left, right = 560.0, 22.0, 172.0, 62.0
    h = 30.0 + row * len(bars)
    reference = next((b["rate"] for b in bars if b.get("reference")), None)
    line = reference * tolerance if reference is not None else None
    tops = [
        b["ci"]["high"] if b.get("ci") and not b.get("small") else (b.get("rate") or 0.0)
        for b in bars
    ]
    mx = max([0.0, *tops, *([line] if line is not None else [])]) or 1e-9

    def scale(v: float) -> float:
        return left + _clamp(v / mx, 0.0, 1.0) * (w - left - right)

    s = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" '
        f'role="img" aria-label="{esc(title)}">',
        f'<line x1="{left:g}" y1="6" x2="{left:g}" y2="{_fmt(h - 18)}" stroke="#8a94a6"/>',
    ]
    for i, b in enumerate(bars):
        top = 8.0 + row * i
        rate = b.get("rate") or 0.0
        end = scale(rate)
        colour = "#d2691e" if b.get("alert") else ("#7a8699" if b.get("reference") else "#4a7fc1")
        s.append(
            f'<text x="{_fmt(left - 6)}" y="{_fmt(top + row * 0.62)}" font-size="11" '
            f'text-anchor="end">{esc(_short(b["label"], 24))}<title>{esc(b["label"])}</title>'
            f'</text><rect x="{left:g}" y="{_fmt(top + 3)}" width="{_fmt(max(end - left, 0.0))}" '
            f'height="{_fmt(row - 8)}" fill="{colour}"/>'
        )
        text_x = end
        ci = b.get("ci")
        if ci:
            lo, hi = scale(ci["low"]), scale(ci["high"])
            mid = top + row / 2 - 1
            s.append(
                f'<line x1="{_fmt(lo)}" y1="{_fmt(mid)}" x2="{_fmt(hi)}" y2="{_fmt(mid)}" '
                f'stroke="#1d2330" stroke-width="1.2"/><line x1="{_fmt(lo)}" y1="{_fmt(mid - 4)}" '
                f'x2="{_fmt(lo)}" y2="{_fmt(mid + 4)}" stroke="#1d2330"/><line x1="{_fmt(hi)}" '
                f'y1="{_fmt(mid - 4)}" x2="{_fmt(hi)}" y2="{_fmt(mid + 4)}" stroke="#1d2330"/>'
            )
            text_x = max(text_x, hi)
        s.append(
            f'<text x="{_fmt(_clamp(text_x + 4, left + 2, w - right + 4))}" '
            f'y="{_fmt(top + row * 0.62)}" font-size="10">{pct(b.get("rate"))}</text>'
        )
    if line is not None:
        lx = scale(line)
        s.append(
            f'<line x1="{_fmt(lx)}" y1="4" x2="{_fmt(lx)}" y2="{_fmt(h - 16)}" stroke="#9a3b00" '
            f'stroke-dasharray="4 3"><title>reference × {tolerance:.2f}</title></line>'
            f'<text x="{_fmt(_clamp(lx, left + 30, w - 40))}" y="{_fmt(h - 5)}" font-size="10" '
            f'fill="#9a3b00" text-anchor="middle">ref × {tolerance:.2f}</text>'
        )
    s.append("</svg>")
    return "".join(s)


def _group_charts(c: Mapping[str, Any], tolerance: float) -> str:
    groups = c.get("groups") or []
    flags = [
        {"label": g["value"], "rate": g.get("flag_rate"), "ci": g.get("flag_rate_ci"),
         "alert": g.get("flag_disparity"), "reference": c.get("reference") == g["value"],
         "small": g.get("small")}
        for g in groups
    ]
    fprs = [
        {"label": g["value"], "rate": g.get("false_positive_rate"),
         "ci": g.get("false_positive_rate_ci"), "alert": g.get("fpr_disparity"),
         "reference": c.get("fpr_reference") == g["value"], "small": g.get("small")}
        for g in groups
    ]
    col = esc(c.get("column"))
    name = str(c.get("column"))
    flag_chart = rate_bars("flag rate by " + name, flags, tolerance)
    fpr_chart = rate_bars("false-positive rate by " + name, fprs, tolerance)
    return (
        f'<div class="charts"><figure>{flag_chart}'
        f"<figcaption>Flag rate by <code>{col}</code> (bars), 95% interval (whiskers)</figcaption>"
        f"</figure><figure>{fpr_chart}"
        f"<figcaption>False-positive rate by <code>{col}</code>: innocent travellers sent to "
        "review</figcaption></figure></div>\n"
    )


def _rules_table(r: Mapping[str, Any]) -> str:
    rows = []
    for m in r.get("rules") or []:
        marginal = m.get("marginal_recall")
        if marginal is None:
            marginal = m.get("promotion_recall")
        rows.append([m["rule"], m["status"], m["weight"], m["hits"], m["true_hits"],
                     num(m.get("precision")), num(m.get("recall")), num(m.get("lift")),
                     num(marginal), num(m.get("marginal_recall_refer")), m["incomplete"]])
    return table(["rule", "status", "weight", "hits", "true hits", "precision", "recall", "lift",
                  "marginal", "marginal (refer)", "incomplete"], rows)


def _cofiring(r: Mapping[str, Any]) -> str:
    m = r.get("cofiring") or {}
    rules = m.get("rules") or []
    counts = m.get("counts") or []
    if not rules:
        return ""
    s = [
        '<h3>Which rules fire together</h3><p class="note">Records on which both rules fired; '
        "the diagonal is each rule's hits. Shading: the share of the row rule's hits that the "
        "column rule also fired on — rules that always fire together count one fact twice.</p>"
        '<div class="scroll"><table class="matrix"><thead><tr><th>rule</th>'
    ]
    s += [f'<th title="{esc(rule)}">{j + 1}</th>' for j, rule in enumerate(rules)]
    s.append("</tr></thead><tbody>")
    for i, rule in enumerate(rules):
        s.append(f"<tr><td>{i + 1}. <code>{esc(rule)}</code></td>")
        hits = counts[i][i] if i < len(counts) and i < len(counts[i]) else 0
        for j, count in enumerate(counts[i] if i < len(counts) else []):
            share = count / hits if hits else 0.0
            cls = ' class="diag"' if i == j else ""
            style = (f' style="background:rgba(210,105,30,{0.1 + 0.7 * share:.2f})"'
                     if i != j and count > 0 else "")
            s.append(f'<td{cls}{style} title="{esc(rule)} &amp; {esc(rules[j])}: {count}">'
                     f'{count if count else ""}</td>')
        s.append("</tr>")
    s.append("</tbody></table></div>\n")
    return "".join(s)


def _groups_table(c: Mapping[str, Any]) -> str:
    rows = []
    for g in c.get("groups") or []:
        notes = []
        if c.get("reference") == g["value"]:
            notes.append("reference")
        if g.get("flag_disparity"):
            notes.append("FLAG DISPARITY")
        if g.get("fpr_disparity"):
            notes.append("FPR DISPARITY")
        if g.get("small"):
            notes.append("small group")
        rows.append([g["value"], g["n"], g["flagged"], pct(g.get("flag_rate")),
                     pct_ci(g.get("flag_rate_ci")), ratio(g.get("flag_ratio")),
                     ratio_ci(g.get("flag_ratio_ci")), pct(g.get("false_positive_rate")),
                     pct_ci(g.get("false_positive_rate_ci")), ratio(g.get("fpr_ratio")),
                     ratio_ci(g.get("fpr_ratio_ci")), pct(g.get("false_negative_rate")),
                     num(g.get("precision")), ", ".join(notes)])
    return table(["group", "n", "flagged", "flag rate", "95% CI", "flag ratio", "95% CI",
                  "false-positive rate", "95% CI", "FPR ratio", "95% CI", "false-negative rate",
                  "precision", "note"], rows)


def _top_group(d: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    known = [g for g in d.get("groups") or [] if g["value"] != MISSING]
    for g in known:
        if g.get("disparity"):
            return g
    hit = [g for g in known if g.get("hits")]
    return max(hit, key=lambda g: g.get("hit_rate") or 0.0) if hit else None


def _rule_disparity_table(r: Mapping[str, Any]) -> str:
    rows = []
    for d in r.get("rule_disparity") or []:
        low = next((g for g in d.get("groups") or [] if g["value"] == d.get("reference")), None)
        top = _top_group(d)
        rows.append([d["rule"], d["column"], low["value"] if low else "-",
                     pct(low.get("hit_rate") if low else None), top["value"] if top else "-",
                     pct(top.get("hit_rate") if top else None),
                     ratio(top.get("ratio") if top else None),
                     ratio_ci(top.get("ratio_ci") if top else None),
                     "CONCENTRATED" if d.get("concentrated") else ""])
    return table(["rule", "column", "least hit group", "hit rate", "most hit group", "hit rate",
                  "ratio", "95% CI", "note"], rows)


def _ci_small(ci: Optional[Mapping[str, float]]) -> str:
    return f" <small>95% CI {ci['low']:.3f}–{ci['high']:.3f}</small>" if ci else ""


def _pct_small(ci: Optional[Mapping[str, float]]) -> str:
    return f" <small>95% CI {pct_ci(ci)}</small>" if ci else ""


def _headline(r: Mapping[str, Any]) -> str:
    o = r.get("outcomes") or {}
    inc = o.get("incomplete") or 0
    s = [
        f'<section id="headline"><h2>At a glance</h2><p class="lead">{r.get("records")} records, '
        f'{r.get("positives")} labelled positive (base rate {pct(r.get("base_rate"))}); '
        f'{r.get("errors")} rows with errors; {r.get("incomplete_records")} with incomplete data. '
        f'Outcomes: {o.get("clear")} clear, {o.get("review")} review, {o.get("refer")} refer'
        f'{f", {inc} incomplete" if inc else ""}.</p><div class="cards">'
    ]
    for t in r.get("thresholds") or []:
        what = "refer" if t["threshold"] == "refer" else "review or refer"
        s.append(
            f'<div class="card" data-threshold="{esc(t["threshold"])}"><h3>Flagged at {what} '
            f'(score ≥ {t["min_score"]})</h3><dl><dt>precision</dt><dd><span class="big">'
            f'{num(t.get("precision"))}</span>{_ci_small(t.get("precision_ci"))}</dd>'
            f'<dt>recall</dt><dd><span class="big">{num(t.get("recall"))}</span>'
            f'{_ci_small(t.get("recall_ci"))}</dd><dt>flag rate</dt><dd>{pct(t.get("flag_rate"))} '
            f'({t["flagged"]} records){_pct_small(t.get("flag_rate_ci"))}</dd>'
            f'<dt>false-positive rate</dt><dd>{pct(t.get("false_positive_rate"))}</dd></dl></div>'
        )
    s.append("</div>")
    tol = r.get("tolerance") or 1.25
    disparities = r.get("disparities") or []
    if not r.get("groups"):
        s.append('<p class="note">No monitored groups were audited (<code>by</code>).</p>')
    elif not disparities:
        s.append(f'<p class="ok" data-fairness="ok">Fairness: no group or rule beyond the '
                 f"tolerance {tol:.2f} (no 95% interval of a ratio to the least-flagged group "
                 "lies above it).</p>")
    else:
        n = len(disparities)
        s.append(f'<p class="warn" data-fairness="disparity">Fairness: {n} '
                 f'disparit{"y" if n == 1 else "ies"} beyond the tolerance {tol:.2f}</p>'
                 '<ul class="warnings">')
        s += [f"<li>{esc(w)}</li>" for w in r.get("warnings") or []]
        s.append("</ul>")
    s.append(f"<figure>{pr_curve(r)}<figcaption>Precision against recall for every score "
             "cut-off; circles mark the pack's review and refer thresholds.</figcaption>"
             "</figure></section>\n")
    return "".join(s)


def _false_positives(r: Mapping[str, Any]) -> str:
    fps = r.get("false_positives") or []
    s = ['<section id="false-positives"><h2>False positives to read</h2>']
    if not fps:
        s.append("<p>No record labelled negative was flagged.</p></section>\n")
        return "".join(s)
    s.append('<p class="note">Records flagged at review or above but labelled negative, '
             "highest scores first: what an officer would have been sent for nothing.</p>")
    s.append(table(["row", "record id", "outcome", "score", "rules"], [
        ["-" if fp.get("row") is None else fp["row"], fp.get("id") or "-", fp["outcome"],
         fp["score"], ", ".join(f"{h['rule']} (+{h['weight']})" for h in fp.get("hits") or [])]
        for fp in fps
    ]))
    for fp in fps:
        ident = f" (<code>{esc(fp['id'])}</code>)" if fp.get("id") else ""
        row = "-" if fp.get("row") is None else fp["row"]
        s.append(f'<div class="hit"><strong>row {row}{ident}</strong> — {esc(fp["outcome"])} '
                 f'{fp["score"]}<ul>')
        s += [f"<li><code>{esc(h['rule'])}</code> +{h['weight']}: {esc(h['reason'])}</li>"
              for h in fp.get("hits") or []]
        s.append("</ul></div>")
    s.append("</section>\n")
    return "".join(s)


DEFINITIONS = (
    '<section id="definitions"><h2>Definitions</h2><ul>'
    "<li><strong>Flagged</strong>: outcome review or refer (at the refer threshold: refer only). "
    "Other outcomes (incomplete) are not flagged.</li>"
    "<li><strong>Precision</strong> = flagged positives / flagged; <strong>recall</strong> = "
    "flagged positives / positives; <strong>flag rate</strong> = flagged / records (fairlearn: "
    "<code>selection_rate</code>); <strong>false-positive rate</strong> = flagged negatives / "
    "negatives; <strong>false-negative rate</strong> = unflagged positives / positives.</li>"
    "<li><strong>95% CI</strong> of a rate: the Wilson score interval (Newcombe 1998).</li>"
    "<li><strong>Flag ratio</strong> = a group's flag rate / the lowest flag rate of its column "
    "(the reference group, at least <em>min group</em> records); <strong>FPR ratio</strong> "
    "likewise. Their 95% CI: the Katz log interval (Katz et al. 1978), with 0.5 added to every "
    "cell when one is zero. A <strong>disparity</strong>: the whole interval lies above the "
    "tolerance (default 1.25, the four-fifths rule read in the harm direction, being flagged is "
    "the harm). Small groups get wide intervals, so noise is not reported.</li>"
    "<li><strong>Per-rule disparity</strong>: a rule's hit rate per group over the lowest; a rule "
    "whose hits concentrate in one group is reported by name — a proxy for the monitored "
    "attribute even when the rule never reads it.</li>"
    "<li><strong>Marginal recall</strong>: recall lost without the rule (scores recomputed); for a "
    "shadow rule, recall gained if it were active.</li></ul></section>\n"
)


def _sweep_table(r: Mapping[str, Any]) -> str:
    return table(["score at least", "flagged", "flag rate", "precision", "recall"], [
        [p["min_score"], p["flagged"], pct(p.get("flag_rate")), num(p.get("precision")),
         num(p.get("recall"))] for p in r.get("sweep") or []
    ])


def _thresholds_table(r: Mapping[str, Any]) -> str:
    return table(["flagged at", "score", "flagged", "tp", "fp", "tn", "fn", "precision", "95% CI",
                  "recall", "95% CI", "f1", "flag rate", "false-positive rate"], [
        [t["threshold"], t["min_score"], t["flagged"], t["tp"], t["fp"], t["tn"], t["fn"],
         num(t.get("precision")), ci3(t.get("precision_ci")), num(t.get("recall")),
         ci3(t.get("recall_ci")), num(t.get("f1")), pct(t.get("flag_rate")),
         pct(t.get("false_positive_rate"))] for t in r.get("thresholds") or []
    ])


def backtest_body(r: Mapping[str, Any], header: Mapping[str, Any]) -> str:
    """The back-test report's sections; ``header`` names the input (``input``, ``label``,
    ``by``, ``run_at``)."""
    pack = r.get("pack") or {}
    by = header.get("by") or []
    s = [
        f'<header><h1>Back-test of <code>{esc(pack.get("id", "-"))}</code> '
        f'{esc(pack.get("version", "-"))}</h1><dl class="meta">'
        f'<dt>Input</dt><dd>{esc(header.get("input", "-"))}</dd>'
        f'<dt>Pack</dt><dd><code>{esc(pack.get("id", "-"))}</code> version '
        f'{esc(pack.get("version", "-"))}</dd>'
        f'<dt>Pack digest</dt><dd><code class="digest">{esc(pack.get("digest", "-"))}</code></dd>'
        f'<dt>Label</dt><dd><code>{esc(header.get("label", "-"))}</code></dd>'
        f'<dt>Groups</dt><dd>{", ".join(f"<code>{esc(b)}</code>" for b in by) or "none"}</dd>'
        f'<dt>Run</dt><dd>{esc(header.get("run_at", "-"))}</dd></dl></header>\n',
        _headline(r),
        '<section id="rules"><h2>Rules</h2>',
        _rules_table(r),
        _cofiring(r),
        "</section>\n",
        '<section id="groups"><h2>Monitored groups</h2>',
    ]
    if not r.get("groups"):
        s.append("<p>No <code>by</code> columns were given.</p>")
    tol = r.get("tolerance") or 1.25
    for c in r.get("groups") or []:
        s.append(f'<h3>By <code>{esc(c["column"])}</code></h3><p class="note">Reference (least '
                 f'flagged): <code>{esc(c.get("reference") or "-")}</code>; lowest false-positive '
                 f'rate: <code>{esc(c.get("fpr_reference") or "-")}</code>.</p>')
        s.append(_group_charts(c, tol))
        s.append(_groups_table(c))
    s.append("</section>\n")
    if r.get("rule_disparity"):
        s.append('<section id="rule-disparity"><h2>Per-rule disparity</h2><p class="note">Each '
                 "rule's hit rate in the group it hits most, against the group it hits least."
                 "</p>")
        s.append(_rule_disparity_table(r))
        s.append("</section>\n")
    s.append(_false_positives(r))
    s.append('<section id="sweep"><h2>Score threshold sweep</h2><details><summary>Every cut-off '
             "seen in the data</summary>")
    s.append(_sweep_table(r))
    s.append('</details></section>\n<section id="matrix"><h2>Confusion matrices</h2>')
    s.append(_thresholds_table(r))
    s.append("</section>\n")
    s.append(DEFINITIONS)
    return "".join(s)


def backtest_page(r: Mapping[str, Any], header: Mapping[str, Any]) -> str:
    """The back-test report as a self-contained page (as ``saring backtest -f html``)."""
    pack = r.get("pack") or {}
    title = f"Back-test of {pack.get('id')} {pack.get('version')}" if pack else "Back-test"
    return page(title, backtest_body(r, header))


def backtest_fragment(r: Mapping[str, Any], header: Mapping[str, Any]) -> str:
    """The back-test report for a notebook cell."""
    return fragment(backtest_body(r, header))


__all__ = [
    "Explanation",
    "backtest_fragment",
    "backtest_page",
    "decision_html",
    "explanation_html",
]

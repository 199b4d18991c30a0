"""Notebook views: `Decision`, `explain()` results and `BacktestReport` render as HTML with the
CLI report's stylesheet, charts included, every SVG element inside its viewBox."""

from __future__ import annotations

import re
from importlib import resources

import pandas as pd

import saring
from saring import _html
from conftest import REPO_ROOT, small_rows
from test_frames import flat


def test_the_stylesheet_is_the_cli_one() -> None:
    cli = (REPO_ROOT / "crates/saring-cli/src/assets/report.css").read_text(encoding="utf-8")
    ours = resources.files("saring").joinpath("report.css").read_text(encoding="utf-8")
    assert ours == cli


def test_decision_renders_reasons_evidence_and_remedy(demo: saring.Engine) -> None:
    d = demo.screen({"destination": "KH", "return_ticket": False, "ticket_paid_by": "agent",
                     "application_date": "2025-05-01"})
    html = d._repr_html_()
    assert html.startswith('<div class="saring-report"><style>')
    assert 'data-outcome="review"' in html
    for hit in d.hits:
        assert f'data-rule="{hit.rule}"' in html
        assert _html.esc(hit.reason) in html
        if hit.remedy:
            assert _html.esc(hit.remedy) in html
    assert "<code>destination</code> = &quot;KH&quot;" in html
    # Missing data is listed, never hidden.
    for inc in d.incomplete:
        assert f'data-rule="{inc["rule"]}"' in html


def test_explanation_is_a_dict_that_renders(demo: saring.Engine) -> None:
    x = demo.explain({"destination": "KH", "return_ticket": True})
    assert isinstance(x, dict) and set(x) == {"decision", "derived", "rules"}
    html = x._repr_html_()
    assert "Every rule" in html and "not fired" in html
    assert "Derived values" in html


def svg_inside_viewbox(html: str) -> int:
    """Checks every x/y coordinate and width of every SVG against its viewBox; returns the
    number of SVGs."""
    svgs = re.findall(r'<svg[^>]*viewBox="0 0 ([\d.]+) ([\d.]+)"[^>]*>(.*?)</svg>', html, re.S)
    for w, h, body in svgs:
        width, height = float(w), float(h)
        for name, value in re.findall(r'\b(x|x1|x2|cx|width|y|y1|y2|cy|height)="(-?[\d.]+)"', body):
            limit = width if name in ("x", "x1", "x2", "cx", "width") else height
            assert 0.0 <= float(value) <= limit, (name, value, limit)
    return len(svgs)


def test_backtest_report_renders_like_the_cli_page(small: saring.Engine) -> None:
    rows = small_rows(400)
    df = pd.DataFrame([flat(r) for r in rows])
    df["label"] = [r["country"] in ("KH", "MM") and not r["return_ticket"] for r in rows]
    report = small.backtest(df, label="label", by=["sex"])
    cell = report._repr_html_()
    page = report.to_html()
    assert page.startswith("<!doctype html>") and '<main class="saring-report">' in page
    for html in (cell, page):
        assert "At a glance" in html
        assert 'data-threshold="review"' in html and 'data-threshold="refer"' in html
        assert "Which rules fire together" in html
        assert "By <code>sex</code>" in html
        assert "False positives to read" in html
        # The PR curve and two charts per monitored column, all inside their viewBox.
        assert svg_inside_viewbox(html) == 3

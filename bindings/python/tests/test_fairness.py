"""The back-test's fairness figures checked against scikit-learn, fairlearn and scipy on a
generated frame: per-group flag (selection) rate, false-positive and false-negative rates,
precision, the Wilson intervals, the Katz interval of the flag ratio and fairlearn's
demographic parity ratio."""

from __future__ import annotations

import math
from typing import Any, Dict

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
)
from scipy.stats import binomtest
from scipy.stats.contingency import relative_risk
from sklearn.metrics import precision_score, recall_score

import saring


def generated(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    """A synthetic frame for the small pack; women meet an agent more often (a disparity)."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], size=n)
    agent = rng.random(n) < np.where(sex == "f", 0.30, 0.12)
    country = rng.choice(["KH", "JP", "MM", "SG"], size=n)
    return_ticket = rng.random(n) < 0.6
    age = rng.integers(17, 70, size=n)
    label = (agent & (rng.random(n) < 0.5)) | ((np.isin(country, ["KH", "MM"]) & ~return_ticket)
                                              & (rng.random(n) < 0.6))
    return pd.DataFrame({
        "country": country,
        "return_ticket": return_ticket,
        "age": age,
        "interview.agent_present": agent,
        "sex": sex,
        "label": label,
    })


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generated()


@pytest.fixture(scope="module")
def flagged(small: saring.Engine, frame: pd.DataFrame) -> pd.Series:
    # The generated frame has no `salary` (read only by a shadow rule): absent in every row.
    out = small.screen_frame(frame, missing_columns="absent")
    return out.outcome.isin(["review", "refer"])


@pytest.fixture(scope="module")
def report(small: saring.Engine, frame: pd.DataFrame) -> saring.BacktestReport:
    return small.backtest(frame, label="label", by=["sex", "age:10"], missing_columns="absent")


def close(a: Any, b: Any) -> bool:
    return bool(abs(float(a) - float(b)) < 1e-12)


def test_overall_precision_and_recall_match_sklearn(
    report: saring.BacktestReport, frame: pd.DataFrame, flagged: pd.Series
) -> None:
    review = report.thresholds.set_index("threshold").loc["review"]
    assert close(review.precision, precision_score(frame.label, flagged))
    assert close(review.recall, recall_score(frame.label, flagged))
    assert int(review.flagged) == int(flagged.sum())


@pytest.mark.parametrize("column", ["sex", "age:10"])
def test_group_rates_match_fairlearn(
    report: saring.BacktestReport, frame: pd.DataFrame, flagged: pd.Series, column: str
) -> None:
    if column == "sex":
        sensitive = frame.sex
    else:
        low = (frame.age // 10) * 10
        sensitive = low.astype(str) + "-" + (low + 9).astype(str)
    mf = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "false_positive_rate": false_positive_rate,
            "false_negative_rate": false_negative_rate,
            "precision": lambda y, p: precision_score(y, p, zero_division=np.nan),
        },
        y_true=frame.label,
        y_pred=flagged,
        sensitive_features=sensitive,
    )
    groups = report.groups[report.groups.column == column].set_index("value")
    assert sorted(groups.index) == sorted(mf.by_group.index)
    for value, expected in mf.by_group.iterrows():
        g = groups.loc[value]
        assert int(g.n) == int((sensitive == value).sum())
        assert close(g.flag_rate, expected.selection_rate), value
        assert close(g.false_positive_rate, expected.false_positive_rate), value
        assert close(g.false_negative_rate, expected.false_negative_rate), value
        if not math.isnan(expected.precision):
            assert close(g.precision, expected.precision), value


def test_wilson_intervals_match_scipy(report: saring.BacktestReport) -> None:
    # Every group's four intervals: flag rate over n, FPR over negatives, FNR over
    # positives, precision over flagged (none of them empty in this frame).
    checked = 0
    for _, g in report.groups.iterrows():
        flagged, n = int(g.flagged), int(g.n)
        fp, negatives = int(g.false_positives), int(g.negatives)
        fn, positives = int(g.false_negatives), int(g.positives)
        tp = positives - fn
        for name, k, total in (
            ("flag_rate", flagged, n),
            ("false_positive_rate", fp, negatives),
            ("false_negative_rate", fn, positives),
            ("precision", tp, flagged),
        ):
            assert total > 0, (g.column, g.value, name)
            ci = binomtest(k, total).proportion_ci(0.95, method="wilson")
            assert abs(g[f"{name}_ci_low"] - ci.low) < 1e-9, (g.value, name)
            assert abs(g[f"{name}_ci_high"] - ci.high) < 1e-9, (g.value, name)
            checked += 1
    # sex (2 groups) and age:10 (6 bands of 17..69) with four intervals each.
    assert checked == 4 * 8


def test_tolerance_and_min_group_settings(small: saring.Engine, frame: pd.DataFrame) -> None:
    default = small.backtest(frame, label="label", by=["sex"], missing_columns="absent")
    assert default.summary["tolerance"] == 1.25 and default.summary["min_group"] == 30
    f = default.groups.set_index("value").loc["f"]
    assert f.flag_disparity
    # A tolerance above the whole interval of the ratio: no disparity any more.
    loose = small.backtest(
        frame,
        label="label",
        by=["sex"],
        missing_columns="absent",
        tolerance=float(f.flag_ratio_ci_high) + 0.5,
    )
    assert loose.summary["tolerance"] == float(f.flag_ratio_ci_high) + 0.5
    assert not loose.groups.set_index("value").loc["f"].flag_disparity
    assert not any(w.startswith("`sex` = `f`: flagged ") for w in loose.warnings)
    # Groups below min_group are small and cannot be the reference.
    strict = small.backtest(
        frame, label="label", by=["sex"], missing_columns="absent", min_group=10_000
    )
    assert strict.summary["min_group"] == 10_000
    assert strict.groups.small.all()
    with pytest.raises(ValueError, match="at least 1"):
        small.backtest(frame, label="label", by=["sex"], missing_columns="absent", tolerance=0.5)
    with pytest.raises(ValueError, match="at least 0"):
        small.backtest(frame, label="label", by=["sex"], missing_columns="absent", min_group=-1)


def test_flag_ratio_and_its_katz_interval_match_scipy(
    report: saring.BacktestReport, frame: pd.DataFrame, flagged: pd.Series
) -> None:
    sex = report.groups[report.groups.column == "sex"].set_index("value")
    # Men are flagged least: the reference; women 2.5 times as often (agents).
    assert sex.loc["m"].reference and not sex.loc["f"].reference
    f, m = sex.loc["f"], sex.loc["m"]
    rr = relative_risk(int(f.flagged), int(f.n), int(m.flagged), int(m.n))
    assert close(f.flag_ratio, rr.relative_risk)
    ci = rr.confidence_interval(confidence_level=0.95)
    assert abs(f.flag_ratio_ci_low - ci.low) < 1e-9 and abs(f.flag_ratio_ci_high - ci.high) < 1e-9
    # fairlearn's demographic parity ratio is the lowest rate over the highest.
    dpr = demographic_parity_ratio(frame.label, flagged, sensitive_features=frame.sex)
    assert close(1.0 / f.flag_ratio, dpr)
    # The whole interval is above 1.25: a disparity, reported in the harm direction.
    assert f.flag_disparity
    kinds = set(zip(report.disparities.kind, report.disparities.value))
    assert ("flag_rate", "f") in kinds
    assert any(w.startswith("`sex` = `f`: flagged ") for w in report.warnings)
    # The rule behind it is named.
    agent = report.rule_disparity[
        (report.rule_disparity.rule == "agent") & (report.rule_disparity.column == "sex")
    ]
    assert bool(agent.concentrated.iloc[0])


def test_band_labels_match_the_cli() -> None:
    from saring._frames import band_label

    assert band_label(34, 10) == "30-39"
    assert band_label("41", 10) == "40-49"
    assert band_label(0.7, 0.5) == "0.5-1"
    assert band_label("1984-12-28", 10) == "1980-1989"
    assert band_label("1984-12-28", 1) == "1984"
    assert band_label(None, 10) == "(missing)"
    assert band_label("abc", 10) == "(not a number or date)"


def test_by_typo_and_label_typo_suggest(small: saring.Engine, frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="did you mean `sex`"):
        small.backtest(frame, label="label", by=["sexx"])
    with pytest.raises(ValueError, match="did you mean `label`"):
        small.backtest(frame, label="lable", by=["sex"])


def test_groups_by_a_derived_value() -> None:
    pack = """
[pack]
id = "derived"
version = "1"
title = "Derived"
schema = "schema.toml"
[outcomes]
review = 10
refer = 20
[derive]
decade = "birth_year / 10 * 10"
[[rule]]
id = "far"
title = "Far"
weight = 10
when = "far"
reason = "far"
references = ["test"]
"""
    schema = """
[field.birth_year]
type = "int"
required = true
[field.far]
type = "bool"
required = true
"""
    engine = saring.Engine.from_toml(pack, schema)
    df = pd.DataFrame({
        "birth_year": [1971, 1975, 1988, 1990],
        "far": [True, False, True, True],
        "label": [True, False, False, True],
    })
    report = engine.backtest(df, label="label", by=["decade"])
    groups: Dict[str, Any] = report.groups.set_index("value").n.to_dict()
    assert groups == {"1970": 2, "1980": 1, "1990": 1}


def test_default_groups_band_monitored_dates() -> None:
    pack = """
[pack]
id = "dates"
version = "1"
title = "Dates"
schema = "schema.toml"
[outcomes]
review = 10
refer = 20
[[rule]]
id = "far"
title = "Far"
weight = 10
when = "far"
reason = "far"
references = ["test"]
"""
    schema = """
[field.far]
type = "bool"
required = true
[field.birth_date]
type = "date"
monitored = true
"""
    engine = saring.Engine.from_toml(pack, schema)
    df = pd.DataFrame({
        "far": [True, False, True],
        "birth_date": ["1984-05-01", "1989-12-31", "1991-01-01"],
        "label": [True, False, True],
    })
    report = engine.backtest(df, label="label")
    assert report.by == ["birth_date:10"]
    assert report.groups.set_index("value").n.to_dict() == {"1980-1989": 2, "1990-1999": 1}

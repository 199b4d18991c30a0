"""Windowed aggregates from Python: batch over screen_many / screen_jsonl / screen_frame /
backtest, online with load(..., state="file.db") across restarts."""

from __future__ import annotations

import json
import pathlib

import pandas as pd
import polars as pl
import pytest

import saring
from conftest import REPO_ROOT

SCHEMA = """
[field.id]
type = "string"
required = true
[field.phone]
type = "string"
[field.applied]
type = "date"
required = true
[field.label]
type = "bool"
"""

PACK = """
[pack]
id = "net"
version = "1"
title = "Networks"
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
"""

ROWS = [
    {"id": "c", "phone": "p1", "applied": "2026-05-20", "label": True},
    {"id": "a", "phone": "p1", "applied": "2026-05-01", "label": True},
    {"id": "x", "phone": "p2", "applied": "2026-05-02", "label": False},
    {"id": "b", "phone": "p1", "applied": "2026-05-10", "label": True},
    {"id": "n", "applied": "2026-05-11", "label": False},
]


@pytest.fixture()
def pack_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    d = tmp_path / "pack"
    d.mkdir()
    (d / "pack.toml").write_text(PACK)
    (d / "schema.toml").write_text(SCHEMA)
    return d


def test_screen_many_is_one_batch_in_time_order(pack_dir: pathlib.Path) -> None:
    engine = saring.load(pack_dir)
    decisions = engine.screen_many(ROWS)
    assert [[h.rule for h in d.hits] for d in decisions] == [["shared_phone"], [], [], [], []]
    evidence = decisions[0].hits[0].evidence["agg.phone_apps"]
    assert evidence["records"] == ["a", "b", "c"]
    assert evidence["key"] == "p1"
    assert evidence["window"] == "30d"
    assert decisions[0].hits[0].reason == "3 applications share this sponsor phone"
    # No key: the rule is incomplete, naming the missing field, never a silent "no".
    assert [(i["rule"], i["missing"]) for i in decisions[4].incomplete] == [("shared_phone", ["phone"])]


def test_screen_jsonl_matches_screen_many(pack_dir: pathlib.Path) -> None:
    engine = saring.load(pack_dir)
    lines = [json.dumps(r) for r in ROWS]
    assert [d.outcome for d in engine.screen_jsonl(lines)] == [d.outcome for d in engine.screen_many(ROWS)]


def test_a_single_record_has_no_history(pack_dir: pathlib.Path) -> None:
    engine = saring.load(pack_dir)
    d = engine.screen(ROWS[0])
    assert d.hits == []
    assert d.incomplete[0]["rule"] == "shared_phone"
    assert d.incomplete[0]["error"].startswith("no history")


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_screen_frame_computes_aggregates_over_the_frame(pack_dir: pathlib.Path, kind: str) -> None:
    engine = saring.load(pack_dir)
    frame = pd.DataFrame(ROWS) if kind == "pandas" else pl.DataFrame(ROWS)
    out = engine.screen_frame(frame)
    hits = list(out["hits"]) if kind == "pandas" else out["hits"].to_list()
    assert [list(h) for h in hits] == [["shared_phone"], [], [], [], []]


def test_backtest_over_a_frame_measures_the_network_rule(pack_dir: pathlib.Path) -> None:
    engine = saring.load(pack_dir)
    report = engine.backtest(pd.DataFrame(ROWS), label="label", by=[])
    review = report.thresholds[report.thresholds["threshold"] == "review"].iloc[0]
    assert (review["tp"], review["fn"], review["fp"], review["tn"]) == (1, 2, 0, 2)


def test_state_keeps_history_across_restarts_and_counts_a_record_once(
    pack_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    state = tmp_path / "history.db"
    day = lambda i, d: {"id": i, "phone": "p1", "applied": f"2026-05-0{d}"}  # noqa: E731
    first = saring.load(pack_dir, state=state)
    assert first.screen(day("a", 1)).hits == []
    assert first.screen(day("b", 2)).hits == []
    del first
    again = saring.load(pack_dir, state=str(state))
    assert again.screen(day("b", 2)).hits == []  # b again adds nothing
    d = again.screen(day("c", 3))
    assert [h.rule for h in d.hits] == ["shared_phone"]
    assert d.hits[0].evidence["agg.phone_apps"]["records"] == ["a", "b", "c"]


def test_state_needs_aggregates_and_engines_with_state_do_not_pickle(
    pack_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    import pickle

    with pytest.raises(ValueError, match="declares none"):
        saring.load(REPO_ROOT / "rules" / "demo", state=tmp_path / "h.db")
    engine = saring.load(pack_dir, state=tmp_path / "h.db")
    with pytest.raises(ValueError, match="cannot be pickled"):
        pickle.dumps(engine)
    with pytest.raises(ValueError, match="whole batch"):
        saring.load(pack_dir).screen_iter(ROWS)

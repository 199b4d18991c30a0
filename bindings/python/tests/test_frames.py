"""screen_frame for pandas, polars and pyarrow, checked against screen(dict); backtest."""

from __future__ import annotations

import datetime
from typing import Any, Dict, List

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import saring
from conftest import small_rows


def flat(row: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "interview"}
    out["interview.agent_present"] = row.get("interview", {}).get("agent_present")
    return out


def expected(engine: saring.Engine, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out = []
    for r in rows:
        d = engine.screen(r)
        out.append({
            "outcome": d.outcome,
            "score": d.score,
            "hits": [h.rule for h in d.hits],
            "shadow_hits": [h.rule for h in d.shadow_hits],
            "incomplete": [i["rule"] for i in d.incomplete],
        })
    return out


def arrow_table(rows: List[Dict[str, Any]]) -> pa.Table:
    """Rows as a table with a column per key of any row (nested dicts become structs)."""
    keys: List[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    return pa.table({k: pa.array([r.get(k) for r in rows]) for k in keys})


def as_records(table: pa.Table) -> List[Dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in ("error", "invalid")} for row in table.to_pylist()
    ]


def test_pandas(small: saring.Engine) -> None:
    rows = small_rows(300)
    df = pd.DataFrame([flat(r) for r in rows], index=range(1000, 1300))
    out = small.screen_frame(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [
        "outcome", "score", "hits", "shadow_hits", "incomplete", "invalid", "error"
    ]
    assert list(out.index) == list(df.index)
    assert out["error"].isna().all()
    got = [
        {"outcome": o, "score": s, "hits": list(h), "shadow_hits": list(sh), "incomplete": list(i)}
        for o, s, h, sh, i in zip(out.outcome, out.score, out.hits, out.shadow_hits, out.incomplete)
    ]
    assert got == expected(small, rows)
    assert out.score.dtype == "int64"


def test_polars(small: saring.Engine) -> None:
    rows = small_rows(120)
    df = pl.DataFrame([flat(r) for r in rows])
    out = small.screen_frame(df)
    assert isinstance(out, pl.DataFrame)
    assert as_records(out.to_arrow()) == expected(small, rows)


def test_pyarrow_table_struct_columns_and_batches(small: saring.Engine) -> None:
    rows = small_rows(100)
    table = arrow_table(rows)  # `interview` is a struct column
    assert pa.types.is_struct(table.schema.field("interview").type)
    out = small.screen_frame(table)
    assert isinstance(out, pa.Table)
    assert as_records(out) == expected(small, rows)
    # several record batches, and a single RecordBatch in → RecordBatch out
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    assert as_records(small.screen_frame(chunked)) == expected(small, rows)
    batch = table.to_batches()[0]
    out_batch = small.screen_frame(batch)
    assert isinstance(out_batch, pa.RecordBatch)
    assert out_batch.num_rows == 100


def test_arrow_types(small: saring.Engine) -> None:
    n = 6
    table = pa.table({
        "country": pa.array(["KH", "JP", "KH", None, "MM", "KH"]).dictionary_encode(),
        "return_ticket": pa.array([False, True, False, False, None, False]),
        "age": pa.array([19, 30, None, 20, 18, 40], pa.int8()),
        "salary": pa.array([2000.0, float("nan"), None, 100.0, 1600.0, 1.0], pa.float32()),
        "paid_by": pa.array(["self", "agent", None, "self", "self", "self"], pa.large_string()),
        "departed": pa.array([datetime.date(2025, 1, 1)] * n, pa.date32()),
        "interview.agent_present": pa.array([True, None, False, None, True, False]),
    })
    out = small.screen_frame(table).to_pylist()
    dicts = []
    for row in table.to_pylist():
        d = {k: v for k, v in row.items() if v is not None and v == v and k != "interview.agent_present"}
        if row["interview.agent_present"] is not None:
            d["interview"] = {"agent_present": row["interview.agent_present"]}
        dicts.append(d)
    assert [{k: v for k, v in r.items() if k not in ("error", "invalid")} for r in out] == expected(
        small, dicts
    )
    assert [r["invalid"] for r in out] == [[]] * n
    assert out[0]["hits"] == ["hot_one_way", "young", "agent"]


def test_int_column_with_gaps_and_midnight_timestamps(small: saring.Engine) -> None:
    df = pd.DataFrame({
        "country": ["KH", "KH"],
        "return_ticket": [False, False],
        "age": [19, None],  # float64 with NaN in pandas
        "departed": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    })
    assert df.age.dtype == "float64"
    out = small.screen_frame(df)
    assert list(out.hits[0]) == ["hot_one_way", "young"]
    assert list(out.incomplete[1]) == ["young", "agent", "shadow_salary"]
    bad = pd.DataFrame({"country": ["KH"], "return_ticket": [False], "age": [19.5]})
    out = small.screen_frame(bad)
    assert list(out.invalid[0])[0].startswith("record.type_mismatch at `age`")
    assert "young" in list(out.incomplete[0]) and out.outcome[0] == "review"


def test_bad_rows_get_error_column(small: saring.Engine) -> None:
    table = pa.table({
        "country": ["KH", "JP", "KH"],
        "return_ticket": [False, True, False],
        "paid_by": ["self", "cousin", "agent"],
    })
    out = small.screen_frame(table).to_pylist()
    assert out[0]["outcome"] == "review" and out[0]["error"] is None and out[0]["invalid"] == []
    # a value outside the enum makes only the rules reading `paid_by` incomplete
    assert out[1]["error"] is None and out[1]["outcome"] is not None
    assert out[1]["invalid"][0].startswith("record.invalid_value at `paid_by`")
    assert out[2]["score"] == 25


def test_wrong_column_type_is_per_row_error(small: saring.Engine) -> None:
    table = pa.table({"country": [1, 2], "return_ticket": [True, False]})
    out = small.screen_frame(table).to_pylist()
    assert all(r["invalid"][0].startswith("record.type_mismatch at `country`") for r in out)


def test_mixed_object_column_falls_back_to_rows(small: saring.Engine) -> None:
    df = pd.DataFrame({"country": ["KH", "JP"], "return_ticket": [False, "no"]})
    out = small.screen_frame(df)
    assert out.outcome[0] == "review"
    assert list(out.invalid[1])[0].startswith("record.type_mismatch at `return_ticket`")


def test_empty_and_columnless_frames(small: saring.Engine) -> None:
    out = small.screen_frame(pd.DataFrame({"country": pd.Series([], dtype=str)}))
    assert len(out) == 0 and list(out.columns)[:2] == ["outcome", "score"]
    out = small.screen_frame(pd.DataFrame({"unrelated": [1, 2, 3]}))
    assert list(out.outcome) == ["clear"] * 3
    with pytest.raises(TypeError):
        small.screen_frame([{"country": "KH"}])


def test_large_frame_parallel_matches_rows(small: saring.Engine) -> None:
    rows = small_rows(20_000)
    table = arrow_table(rows)
    out = small.screen_frame(table)
    many = small.screen_many(rows)
    assert out.column("score").to_pylist() == [d.score for d in many]
    assert out.column("outcome").to_pylist() == [d.outcome for d in many]


def test_backtest(small: saring.Engine) -> None:
    rows = small_rows(400)
    df = pd.DataFrame([flat(r) for r in rows])
    df["label"] = [r["country"] in ("KH", "MM") and not r["return_ticket"] for r in rows]
    report = small.backtest(df, label="label", by=["sex"])
    assert report.summary["records"] == 400
    assert report.summary["positives"] == int(df.label.sum())
    assert list(report.rules.rule) == ["hot_one_way", "young", "agent", "shadow_salary"]
    hot = report.rules.set_index("rule").loc["hot_one_way"]
    assert hot.precision == 1.0 and hot.recall == 1.0
    assert set(report.groups.value) == {"f", "m"}
    assert set(report.groups.column) == {"sex"}
    assert list(report.thresholds.threshold) == ["review", "refer"]
    review = report.thresholds.iloc[0]
    assert review.tp + review.fp + review.tn + review.fn == 400
    conf = report.confusion
    assert len(conf) == 4 and int(conf.flagged.sum() + conf.not_flagged.sum()) == 800
    html = report.to_html()
    assert html.startswith("<!doctype html>") and "hot_one_way" in html
    assert report.to_dict()["records"] == 400
    # default groups: monitored fields present in the frame
    assert small.backtest(df, label="label").by == ["sex"]
    with pytest.raises(ValueError):
        small.backtest(df, label="no_such_column")

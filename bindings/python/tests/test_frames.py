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
    out = small.screen_frame(df, missing_columns="absent")
    assert list(out.hits[0]) == ["hot_one_way", "young"]
    assert list(out.incomplete[1]) == ["young", "agent", "shadow_salary"]
    bad = pd.DataFrame({"country": ["KH"], "return_ticket": [False], "age": [19.5]})
    out = small.screen_frame(bad, missing_columns="absent")
    assert list(out.invalid[0])[0].startswith("record.type_mismatch at `age`")
    assert "young" in list(out.incomplete[0]) and out.outcome[0] == "review"


def test_bad_rows_get_error_column(small: saring.Engine) -> None:
    table = pa.table({
        "country": ["KH", "JP", "KH"],
        "return_ticket": [False, True, False],
        "paid_by": ["self", "cousin", "agent"],
    })
    out = small.screen_frame(table, missing_columns="absent").to_pylist()
    assert out[0]["outcome"] == "review" and out[0]["error"] is None and out[0]["invalid"] == []
    # a value outside the enum makes only the rules reading `paid_by` incomplete
    assert out[1]["error"] is None and out[1]["outcome"] is not None
    assert out[1]["invalid"][0].startswith("record.invalid_value at `paid_by`")
    assert out[2]["score"] == 25


def test_wrong_column_type_is_per_row_error(small: saring.Engine) -> None:
    table = pa.table({"country": [1, 2], "return_ticket": [True, False]})
    out = small.screen_frame(table, missing_columns="absent").to_pylist()
    assert all(r["invalid"][0].startswith("record.type_mismatch at `country`") for r in out)


def test_mixed_object_column_falls_back_to_rows(small: saring.Engine) -> None:
    df = pd.DataFrame({"country": ["KH", "JP"], "return_ticket": [False, "no"]})
    with pytest.raises(saring.FrameError):
        small.screen_frame(df)  # checked before the row fallback too
    out = small.screen_frame(df, missing_columns="absent")
    assert out.outcome[0] == "review"
    assert list(out.invalid[1])[0].startswith("record.type_mismatch at `return_ticket`")


def test_empty_and_columnless_frames(small: saring.Engine) -> None:
    out = small.screen_frame(
        pd.DataFrame({"country": pd.Series([], dtype=str)}), missing_columns="absent"
    )
    assert len(out) == 0 and list(out.columns)[:2] == ["outcome", "score"]
    out = small.screen_frame(pd.DataFrame({"unrelated": [1, 2, 3]}), missing_columns="absent")
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


# ---------------------------------------------------------------- lists of structs (defect 8a)

LEGS_PACK = """
[pack]
id = "legs"
version = "1"
title = "Legs"
schema = "schema.toml"

[outcomes]
review = 10
refer = 30

[[rule]]
id = "via_kh"
title = "Via KH"
weight = 10
when = "legs.exists(l, l.country == 'KH')"
reason = "via KH"
references = ["test"]

[[rule]]
id = "long_land"
title = "Long land leg"
weight = 20
when = "legs.exists(l, l.mode == 'land' && l.days > 3)"
reason = "long land leg"
references = ["test"]

[[rule]]
id = "named_x"
title = "Person x"
weight = 5
when = "people.exists(p, p.name == 'x')"
reason = "x"
references = ["test"]

[[rule]]
id = "agent"
title = "Agent"
weight = 10
when = "has(job.agent) && job.agent"
reason = "agent"
references = ["test"]
"""

LEGS_SCHEMA = """
[field.legs]
type = "list"
items = "object"
required = true

[field.legs.country]
type = "string"
required = true

[field.legs.mode]
type = "enum"
values = ["air", "sea", "land"]

[field.legs.days]
type = "int"

[field.people]
type = "list"
items = "object"

[field.people.name]
type = "string"

[field.people.religion]
type = "string"
protected = true

[field.job]
type = "object"

[field.job.agent]
type = "bool"
"""


def legs_rows(n: int = 50) -> List[Dict[str, Any]]:
    countries = ["KH", "MY", "TH", "LA"]
    modes = ["air", "sea", "land", "boat"]  # `boat` is not in the enum: invalid
    rows: List[Dict[str, Any]] = []
    for i in range(n):
        legs = []
        for j in range(i % 4):
            leg: Dict[str, Any] = {"country": countries[(i + j) % 4], "mode": modes[(i * j + j) % 4]}
            if (i + j) % 3:
                leg["days"] = (i + j) % 7
            if i % 11 == 5 and j == 0:
                leg["days"] = None
            legs.append(leg)
        row: Dict[str, Any] = {"legs": legs}
        if i % 6 != 3:  # row 0 has every key: from_pylist takes its columns from it
            row["people"] = [
                {"name": "x" if i % 5 == 0 else "y", "religion": "synthetic-r"},
                {"name": "z"},
            ][: 1 + i % 2]
        row["job"] = {"agent": i % 3 == 0}
        rows.append(row)
    return rows


def decisions(engine: saring.Engine, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out = []
    for d in engine.screen_many(rows):
        out.append({
            "outcome": d.outcome,
            "score": d.score,
            "hits": [h.rule for h in d.hits],
            "shadow_hits": [h.rule for h in d.shadow_hits],
            "incomplete": [i["rule"] for i in d.incomplete],
            "invalid": [f"{f['code']} at `{f['path']}`: {f['message']}" for f in d.invalid],
        })
    return out


def frame_decisions(out: pa.Table) -> List[Dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "error"} for row in out.to_pylist()]


@pytest.fixture(scope="module")
def legs() -> saring.Engine:
    return saring.Engine.from_toml(LEGS_PACK, LEGS_SCHEMA)


def test_list_of_struct_columns_read_like_json(legs: saring.Engine) -> None:
    rows = legs_rows(50)
    table = pa.Table.from_pylist(rows)
    assert str(table.schema.field("legs").type).startswith("list<item: struct<")
    want = decisions(legs, rows)
    assert any(d["invalid"] for d in want) and any(d["hits"] for d in want)
    assert frame_decisions(legs.screen_frame(table)) == want
    # large_list, dictionary strings inside, several batches
    legs_type = table.schema.field("legs").type.value_type
    large = table.set_column(0, "legs", table.column("legs").cast(pa.large_list(legs_type)))
    assert frame_decisions(legs.screen_frame(large)) == want
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    assert frame_decisions(legs.screen_frame(chunked)) == want


def test_list_of_struct_from_pandas_and_polars(legs: saring.Engine) -> None:
    rows = legs_rows(50)
    want = decisions(legs, rows)
    df = pd.json_normalize(rows)  # `legs` and `people` stay lists of dicts, `job.agent` dotted
    assert "job.agent" in df.columns
    out = legs.screen_frame(df)
    got = [
        {"outcome": o, "score": s, "hits": list(h), "shadow_hits": list(sh),
         "incomplete": list(i), "invalid": list(v)}
        for o, s, h, sh, i, v in zip(
            out.outcome, out.score, out.hits, out.shadow_hits, out.incomplete, out.invalid
        )
    ]
    assert got == want
    pl_df = pl.from_arrow(pa.Table.from_pylist(rows))
    assert isinstance(pl_df, pl.DataFrame)
    assert frame_decisions(legs.screen_frame(pl_df).to_arrow()) == want


def test_protected_sub_fields_never_reach_a_rule_through_arrow(legs: saring.Engine) -> None:
    with_religion = [{"legs": [], "people": [{"name": "y", "religion": "synthetic-r"}]}]
    without = [{"legs": [], "people": [{"name": "y"}]}]
    a = frame_decisions(legs.screen_frame(pa.Table.from_pylist(with_religion), missing_columns="absent"))
    b = frame_decisions(legs.screen_frame(pa.Table.from_pylist(without), missing_columns="absent"))
    assert a == b
    assert "named_x" not in a[0]["hits"]


def test_nulls_at_every_level(legs: saring.Engine) -> None:
    rows = [
        {"legs": None, "job": None},
        {"legs": [None], "job": {"agent": None}},
        {"legs": [{"country": None, "mode": None, "days": None}], "job": {"agent": True}},
        {"legs": [], "job": {"agent": False}},
    ]
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema([
            ("legs", pa.list_(pa.struct([("country", pa.string()), ("mode", pa.string()),
                                         ("days", pa.int64())]))),
            ("people", pa.list_(pa.struct([("name", pa.string())]))),
            ("job", pa.struct([("agent", pa.bool_())])),
        ]),
    )
    dicts = [{k: v for k, v in r.items() if v is not None} for r in rows]
    assert frame_decisions(legs.screen_frame(table)) == decisions(legs, dicts)


# ---------------------------------------------------------------- missing columns (defect 8b)


def test_missing_columns_are_an_error_by_default(small: saring.Engine) -> None:
    rows = small_rows(40)
    rows[0].pop("interview", None)
    rows[0].pop("age", None)
    assert "interview" not in rows[0]
    table = pa.Table.from_pylist(rows)  # its schema comes from the first row
    assert "interview" not in table.column_names and "age" not in table.column_names
    with pytest.raises(saring.FrameError) as e:
        small.screen_frame(table)
    assert e.value.code == "frame.missing_column"
    assert e.value.fields == ["age", "interview.agent_present"]
    assert "`age`" in str(e.value) and "missing_columns" in str(e.value)
    assert isinstance(e.value, saring.SaringError) and isinstance(e.value, ValueError)
    with pytest.raises(saring.FrameError):
        small.backtest(pd.DataFrame({"country": ["KH"], "return_ticket": [True], "y": [True]}), "y")
    # opted in: identical to screen_many only on dicts that really lack the fields
    out = frame_decisions(small.screen_frame(table, missing_columns="absent"))
    lacking = [{k: v for k, v in r.items() if k not in ("interview", "age")} for r in rows]
    assert out == decisions(small, lacking)
    assert out != decisions(small, rows)
    with pytest.raises(ValueError):
        small.screen_frame(table, missing_columns="ignore")


def test_struct_column_without_the_field_is_missing(small: saring.Engine) -> None:
    table = pa.table({
        "country": ["KH"], "return_ticket": [False], "age": [30], "salary": [1.0],
        "interview": pa.array([{"other": 1}]),
    })
    with pytest.raises(saring.FrameError) as e:
        small.screen_frame(table)
    assert e.value.fields == ["interview.agent_present"]

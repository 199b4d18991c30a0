"""Issue 16, the Python half: lazy result objects (`hit_ids`, `incomplete_ids`,
`incomplete_kinds`), dicts with list fields on the fast path (decided exactly as JSON text),
`screen_jsonl`, `threads=` and the reason kind of incomplete rules."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict, List, Tuple

import pytest

import saring
from conftest import REPO_ROOT, small_rows

RULES = REPO_ROOT / "rules"

# (pack, sample records) over every bundled pack and its examples.
SAMPLES: List[Tuple[pathlib.Path, pathlib.Path]] = [
    (RULES / "id-pmi" / "departure.toml", RULES / "id-pmi" / "examples" / "departures.jsonl"),
    (RULES / "id-pmi" / "departure.toml", RULES / "id-pmi" / "examples" / "labelled.jsonl"),
    (RULES / "id-pmi" / "passport.toml", RULES / "id-pmi" / "examples" / "passports.jsonl"),
    (RULES / "job-offer", RULES / "job-offer" / "examples" / "offers.jsonl"),
    (RULES / "demo", RULES / "demo" / "examples" / "applications.jsonl"),
]

OVERFLOW_PACK = """
[pack]
id = "kinds"
version = "1"
title = "Incomplete kinds"
[outcomes]
review = 1
refer = 2
[[rule]]
id = "kh"
title = "KH"
weight = 1
when = "destination in ['KH']"
reason = "kh"
[[rule]]
id = "long"
title = "Long"
weight = 1
when = "nights * 4611686018427387904 > 30"
reason = "long"
[[rule]]
id = "many"
title = "Many nights"
weight = 1
when = "nights > 2"
reason = "many"
"""

OVERFLOW_SCHEMA = """
[field.destination]
type = "string"
[field.nights]
type = "int"
"""


def lines(path: pathlib.Path) -> List[str]:
    return [l for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


@pytest.fixture(scope="module")
def kinds() -> saring.Engine:
    return saring.Engine.from_toml(OVERFLOW_PACK, OVERFLOW_SCHEMA)


# 1. Lazy result objects -------------------------------------------------------------------


HIT_RECORD: Dict[str, Any] = {
    "country": "KH",
    "return_ticket": False,
    "age": 19,
    "interview": {"agent_present": False},
    "salary": 2000.0,
}


def test_hit_ids_and_incomplete_ids(small: saring.Engine) -> None:
    d = small.screen(HIT_RECORD)
    assert d.hit_ids == ("hot_one_way", "young")
    assert d.incomplete_ids == ()
    assert [h.rule for h in d.hits] == ["hot_one_way", "young"]
    d = small.screen({"country": "JP", "return_ticket": True})
    assert d.hit_ids == ()
    assert d.incomplete_ids == ("young", "agent", "shadow_salary")
    assert d.incomplete_ids == tuple(i["rule"] for i in d.incomplete)


def test_result_objects_are_built_once(small: saring.Engine) -> None:
    for d in [small.screen(HIT_RECORD), small.screen_many([HIT_RECORD])[0]]:
        assert d.hit_ids is d.hit_ids
        assert d.incomplete_ids is d.incomplete_ids
        first, second = d.hits, d.hits
        assert first is not second  # a new list each time (lists are mutable) ...
        assert all(a is b for a, b in zip(first, second))  # ... of the same Hit views
        assert [h.reason for h in first] == ["One way to KH", "Age 19"]
        assert first[0].evidence == {"country": "KH", "return_ticket": False}
        assert first[0].weight == 25 and first[1].weight == 10
        # A hit outlives its decision's other references.
        hit = d.hits[1]
        del d
        assert hit.rule == "young" and hit.reason == "Age 19"


def test_screen_many_ids_match_screen(small: saring.Engine) -> None:
    rows = small_rows(60)
    many = small.screen_many(rows)
    for row, d in zip(rows, many):
        one = small.screen(row)
        assert d.hit_ids == one.hit_ids == tuple(h.rule for h in one.hits)
        assert d.incomplete_ids == one.incomplete_ids
        assert d.incomplete_kinds == one.incomplete_kinds
    # reading ids renders nothing, and the decision still renders the same afterwards
    assert [d.to_dict() for d in many] == [small.screen(r).to_dict() for r in rows]


# 5. Incomplete reason kind ----------------------------------------------------------------


def test_incomplete_kinds_tell_missing_from_error(kinds: saring.Engine) -> None:
    for d in [kinds.screen({"nights": 3}), kinds.screen_many([{"nights": 3}])[0]]:
        assert d.hit_ids == ("many",)
        assert d.incomplete_ids == ("kh", "long")
        assert d.incomplete_kinds == {"kh": "missing", "long": "error"}
        assert [sorted(i) for i in d.incomplete] == [
            ["missing", "rule"],
            ["error", "error_at", "error_expr", "error_kind", "missing", "rule"],
        ]
        long = d.incomplete[1]
        assert (long["error"], long["error_kind"]) == ("integer overflow", "overflow")
        assert long["error_expr"] == "nights * 4611686018427387904"
        assert long["error_at"] == {"file": "pack.toml", "line": 19, "column": 9}
    # a value that does not fit its field stops its readers with an error
    d = kinds.screen({"destination": "KH", "nights": "many"})
    assert d.hit_ids == ("kh",)
    assert d.incomplete_kinds == {"long": "error", "many": "error"}


# 2. Dicts as JSON text --------------------------------------------------------------------


@pytest.mark.parametrize("pack,sample", SAMPLES, ids=[f"{p.parent.name}-{s.stem}" for p, s in SAMPLES])
def test_dicts_decide_exactly_as_json_text(pack: pathlib.Path, sample: pathlib.Path) -> None:
    engine = saring.load(str(pack))

    def outcome(f: Any, arg: Any) -> Any:
        try:
            return f(arg).to_dict()
        except saring.RecordError as e:
            return ("error", e.code, e.path, str(e))

    compared = 0
    good: List[Dict[str, Any]] = []
    for text in lines(sample):
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            # the samples hold deliberately broken lines: an error from the text path
            with pytest.raises(saring.RecordError) as info:
                engine.screen_json(text)
            assert info.value.code == "record.syntax"
            continue
        assert outcome(engine.screen, record) == outcome(engine.screen_json, text), text
        compared += 1
        if not isinstance(outcome(engine.screen, record), tuple):
            good.append(record)
    assert compared >= 3
    # screen_many decides the same: a batch, as screen_jsonl of the same lines (with windowed
    # aggregates a batch is the records' history, one record alone has none)
    batch = [d.to_dict() for d in engine.screen_many(good)]
    assert batch == [d.to_dict() for d in engine.screen_jsonl([json.dumps(r) for r in good])]


def test_list_fields_on_the_fast_path_match_json() -> None:
    engine = saring.load(str(RULES / "id-pmi" / "departure.toml"))
    base = json.loads(lines(RULES / "id-pmi" / "examples" / "departures.jsonl")[0])
    assert isinstance(base["legs"], list) and base["legs"]
    variants: List[Dict[str, Any]] = []
    for legs in [
        [],
        [{"country": "KH", "city": "Phnom Penh", "mode": "air"}],
        [{"country": "KH", "mode": "air", "extra": [1, {"x": None}]}, {"country": "TH", "mode": "land"}],
        [{"country": 7, "mode": "air"}],  # a misfit inside a list item
        ["KH"],  # items of the wrong kind
        [None, {"country": "MM", "mode": "sea"}],
        [{"country": "MM", "mode": "sea", "city": 1.5}],
    ]:
        record = dict(base)
        record["legs"] = legs
        variants.append(record)
    history = dict(base["history"])
    history["pmi_np_findings"] = ["prior_np_attempt", 3]
    variants.append({**base, "history": history})
    # unknown fields holding containers (skipped on the fast path), shallow and too deep
    deep: Any = 1
    for _ in range(40):
        deep = {"d": [deep]}
    variants.append({**base, "synth": {"scenario": "x", "tags": ["a", {"b": None, "c": 1.5}]}})
    variants.append({**base, "synth": deep})
    variants.append({**base, "history": {**history, "notes": {"n": [1, 2]}}})

    def dict_result(record: Dict[str, Any]) -> Any:
        try:
            return engine.screen(record).to_dict()
        except saring.RecordError as e:
            return (e.code, e.path)

    results = [dict_result(r) for r in variants]
    texts = [text_result(engine, json.dumps(r)) for r in variants]
    assert results[:-2] == texts[:-2]
    assert results[-1] == texts[-1]
    # too deep: an error from both (the dict path names where the nesting got too deep)
    assert results[-2][0] == texts[-2][0] == "record.too_large"


# 3. screen_jsonl --------------------------------------------------------------------------


def as_result(d: Any) -> Any:
    """A decision as its dict, a RecordError as (code, path)."""
    if isinstance(d, saring.RecordError):
        return (d.code, d.path)
    return d.to_dict()


def text_result(engine: saring.Engine, text: str) -> Any:
    try:
        return engine.screen_json(text).to_dict()
    except saring.RecordError as e:
        return (e.code, e.path)


def test_screen_jsonl_path_lines_and_file(tmp_path: pathlib.Path) -> None:
    engine = saring.load(str(RULES / "id-pmi" / "departure.toml"))
    sample = RULES / "id-pmi" / "examples" / "departures.jsonl"
    texts = lines(sample)  # the sample has no blank lines, and a few broken ones
    assert len(texts) == len(sample.read_text(encoding="utf-8").splitlines())
    alone = [text_result(engine, t) for t in texts]
    bad = [i for i, e in enumerate(alone) if isinstance(e, tuple)]
    assert bad, "the sample holds broken lines"
    # The pack has windowed aggregates: the lines are one batch, their own history, so the
    # decisions are those of the same records screened as a batch of dicts (the broken lines
    # are errors in place, as screened alone, and left out of the history).
    expected = [as_result(d) for d in engine.screen_jsonl(texts, errors="keep")]
    assert [expected[i] for i in bad] == [alone[i] for i in bad]
    valid = [json.loads(t) for i, t in enumerate(texts) if i not in bad]
    assert [e for i, e in enumerate(expected) if i not in bad] == [
        d.to_dict() for d in engine.screen_many(valid)
    ]
    for source in [str(sample), sample, texts]:
        got = engine.screen_jsonl(source, errors="keep")
        assert [as_result(d) for d in got] == expected
        assert [d.row for d in got if isinstance(d, saring.RecordError)] == bad
    with open(sample, encoding="utf-8") as f:  # an open file: lines with their "\n"
        assert [as_result(d) for d in engine.screen_jsonl(f, errors="keep")] == expected
    with pytest.raises(saring.RecordError) as info:
        engine.screen_jsonl(sample)
    assert info.value.row == bad[0] and (info.value.code, info.value.path) == expected[bad[0]]
    good = [t for t, e in zip(texts, expected) if not isinstance(e, tuple)]
    decisions = engine.screen_jsonl(good)
    assert [d.to_dict() for d in decisions] == [e for e in expected if not isinstance(e, tuple)]
    assert [d.hit_ids for d in decisions] == [tuple(h["rule"] for h in d.to_dict()["hits"]) for d in decisions]
    # blank lines are skipped; CRLF line ends are fine
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_text("\r\n".join([good[0], "", good[1], "  ", ""]), encoding="utf-8", newline="")
    assert [d.to_dict() for d in engine.screen_jsonl(crlf)] == [d.to_dict() for d in decisions[:2]]
    assert engine.screen_jsonl([]) == []


def test_screen_jsonl_bad_lines(small: saring.Engine, tmp_path: pathlib.Path) -> None:
    rows = [json.dumps(r) for r in small_rows(5)]
    rows[3] = "[7]"
    with pytest.raises(saring.RecordError) as info:
        small.screen_jsonl(rows)
    assert info.value.row == 3
    assert info.value.code == "record.not_object"
    # the same projection as screen_many's bad row
    with pytest.raises(saring.RecordError) as many:
        small.screen_many([json.loads(r) for r in rows])
    assert (many.value.row, many.value.code) == (info.value.row, info.value.code)
    # in a file, `row` is the line's 0-based position (blank lines counted)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([rows[0], "", "{not json", rows[1]]) + "\n", encoding="utf-8")
    with pytest.raises(saring.RecordError) as info:
        small.screen_jsonl(path)
    assert info.value.row == 2 and info.value.code == "record.syntax"
    # errors="keep": every line gives a result, a bad one its RecordError
    kept = small.screen_jsonl(path, errors="keep")
    assert len(kept) == 3
    assert isinstance(kept[1], saring.RecordError) and kept[1].row == 2
    assert kept[1].code == "record.syntax"
    assert [d.to_dict() for d in (kept[0], kept[2])] == [
        small.screen_json(rows[0]).to_dict(),
        small.screen_json(rows[1]).to_dict(),
    ]
    with pytest.raises(ValueError):
        small.screen_jsonl(rows, errors="ignore")
    with pytest.raises(TypeError):
        small.screen_jsonl([b"{}"])
    with pytest.raises(OSError):
        small.screen_jsonl(tmp_path / "absent.jsonl")


# 4. threads= ------------------------------------------------------------------------------


def test_pools_have_the_threads_asked_for() -> None:
    from saring._saring import _pool_threads

    assert _pool_threads(1) == 1
    assert _pool_threads(2) == 2
    assert _pool_threads(3) == 3
    assert _pool_threads(2) == 2  # the cached pool
    assert _pool_threads(None) >= 1
    for bad in [0, -1, 1025]:
        with pytest.raises(ValueError):
            _pool_threads(bad)


def test_threads_give_identical_results(small: saring.Engine) -> None:
    import pyarrow as pa

    rows = small_rows(301)[1:]  # the first row has every column (pyarrow takes them from it)
    texts = [json.dumps(r) for r in rows]
    one = [d.to_dict() for d in small.screen_many(rows, threads=1)]
    assert [d.to_dict() for d in small.screen_many(rows, threads=2)] == one
    assert [d.to_dict() for d in small.screen_many(rows)] == one
    assert [d.to_dict() for d in small.screen_jsonl(texts, threads=1)] == one
    assert [d.to_dict() for d in small.screen_jsonl(texts, threads=2)] == one
    table = pa.Table.from_pylist(rows)
    f1 = small.screen_frame(table, threads=1)
    f2 = small.screen_frame(table, threads=2)
    assert f1.to_pylist() == f2.to_pylist()
    assert f1.column("hits").to_pylist() == [[h["rule"] for h in d["hits"]] for d in one]
    assert f1.column("score").to_pylist() == [d["score"] for d in one]
    for bad in [0, 1025]:
        with pytest.raises(ValueError):
            small.screen_many(rows, threads=bad)
        with pytest.raises(ValueError):
            small.screen_jsonl(texts, threads=bad)
        with pytest.raises(ValueError):
            small.screen_frame(table, threads=bad)


def test_readme_batch_example_runs() -> None:
    import contextlib
    import io
    import os
    import re

    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    section = readme.read_text(encoding="utf-8").split("### Batches and rule ids", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    output = re.search(r"Output[^\n]*:\s*```text\n(.*?)```", section, re.S)
    assert code is not None and output is not None
    buf = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code.group(1), str(readme), "exec"), {})
    finally:
        os.chdir(cwd)
    assert buf.getvalue().strip() == output.group(1).strip()


def test_engine_default_threads(small: saring.Engine) -> None:
    import pickle

    rows = small_rows(50)
    one = small.with_threads(1)
    assert (small.threads, one.threads) == (None, 1)
    expected = [d.to_dict() for d in small.screen_many(rows)]
    assert [d.to_dict() for d in one.screen_many(rows)] == expected
    assert [d.to_dict() for d in one.screen_many(rows, threads=2)] == expected
    assert [d.to_dict() for d in one.screen_iter(iter(rows))] == expected
    assert [d.to_dict() for d in one.screen_jsonl([json.dumps(r) for r in rows])] == expected
    again = pickle.loads(pickle.dumps(one))
    assert again.threads == 1 and [d.to_dict() for d in again.screen_many(rows)] == expected
    assert one.with_threads(None).threads is None
    for bad in [0, 1025]:
        with pytest.raises(ValueError):
            small.with_threads(bad)

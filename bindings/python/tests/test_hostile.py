"""Hostile inputs through every entry point: nothing but saring's own errors (or TypeError /
ValueError for wrong argument types) may come out, never a PanicException or another
BaseException that is not an Exception; screen_iter keeps memory bounded; 8 threads on one
engine agree with sequential screening."""

from __future__ import annotations

import itertools
import math
import threading
from typing import Any, Callable, List

import pytest

import saring
from saring._errors import SaringError

from conftest import SMALL_PACK, SMALL_SCHEMA, small_rows

ALLOWED = (SaringError, TypeError, ValueError)

HOSTILE_VALUES: List[Any] = [
    None, True, 0, -1, 2**63, -(2**63) - 1, 2**200, 1.5, math.nan, math.inf, -math.inf,
    "", "x" * 10_000, "\u0000", "\ud800", b"bytes", bytearray(b"x"), [], [1, [2, [3]]],
    (1, 2), {1: 2}, {"a": {"b": {"c": {}}}}, {None: 1}, set(), object(), type, print,
    complex(1, 2), "KH", "2025-05-01", "not-a-date", range(3),
]


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"interview": value}
    return value


def hostile_records() -> List[Any]:
    base = {"country": "KH", "return_ticket": False, "age": 20}
    records: List[Any] = list(HOSTILE_VALUES)
    for field in ["country", "return_ticket", "age", "salary", "paid_by", "departed",
                  "interview", "sex", "unknown"]:
        for value in HOSTILE_VALUES:
            records.append({**base, field: value})
    records += [nested(10_000), {"interview": [nested(50)]}, {str(i): i for i in range(5000)}]
    return records


def only_allowed(call: Callable[[], Any]) -> None:
    try:
        call()
    except ALLOWED:
        pass
    except BaseException as e:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{type(e).__module__}.{type(e).__name__} escaped: {e!r}")


def test_hostile_records_raise_only_saring_errors(small: saring.Engine) -> None:
    records = hostile_records()
    assert len(records) > 300
    for record in records:
        only_allowed(lambda: small.screen(record))
        only_allowed(lambda: small.explain(record))
        only_allowed(lambda: small.screen_many([record]))
        only_allowed(lambda: list(small.screen_iter([record])))
        try:
            text = repr(record)
        except RecursionError:  # Python's own repr of a 10,000-deep dict; not saring's input
            text = "{" * 10_000
        only_allowed(lambda: small.screen_json(text))
    for text in ["", "{", "[]", "null", "{\"country\": 1e999}", "\"x\"" * 1000, "{" * 100_000]:
        only_allowed(lambda: small.screen_json(text))


def test_hostile_packs_and_arguments_raise_only_saring_errors(small: saring.Engine) -> None:
    packs = [
        ("", ""), (SMALL_PACK, ""), ("[pack]\n", SMALL_SCHEMA), ("\u0000", "\ud800"),
        (SMALL_PACK.replace("weight = 25", "weight = -9223372036854775808"), SMALL_SCHEMA),
        (SMALL_PACK.replace("country in hot", "'%.70000f'.format([1.0]) == '' && country in hot"),
         SMALL_SCHEMA),
        (SMALL_PACK.replace("country in hot", "(" * 10_000), SMALL_SCHEMA),
    ]
    for pack, schema in packs:
        only_allowed(lambda: saring.Engine.from_toml(pack, schema))
    for value in HOSTILE_VALUES:
        only_allowed(lambda: saring.Engine.from_toml(value, value))  # type: ignore[arg-type]
        only_allowed(lambda: saring.Engine.from_files(value))  # type: ignore[arg-type]
        only_allowed(lambda: saring.Engine.from_dict(value))
        only_allowed(lambda: saring.load(value))  # type: ignore[arg-type]
        only_allowed(lambda: small.screen_many(value))
        only_allowed(lambda: list(small.screen_iter(value)))
        only_allowed(lambda: small.screen_frame(value))
        only_allowed(lambda: small.backtest(value, label="x"))


def test_record_size_limit_applies_to_dicts(small: saring.Engine) -> None:
    big = {"country": "x" * (4 * 1024 * 1024 + 1), "return_ticket": False}
    with pytest.raises(saring.RecordError) as info:
        small.screen(big)
    assert info.value.code == "record.too_large"
    many = {"country": "KH", "return_ticket": False, "tags": ["y" * 1024] * 5000}
    with pytest.raises(saring.RecordError) as info:
        small.screen(many)
    assert info.value.code == "record.too_large"
    # Just under the limit is screened.
    ok = {"country": "x" * (4 * 1024 * 1024 - 100), "return_ticket": False}
    assert small.screen(ok).outcome == "clear"


def test_screen_iter_equals_screen_many_and_is_lazy(small: saring.Engine) -> None:
    rows = small_rows(3000)
    expected = [d.to_json() for d in small.screen_many(rows)]
    assert [d.to_json() for d in small.screen_iter(rows)] == expected
    assert list(small.screen_iter([])) == []

    pulled = 0

    def endless() -> Any:
        nonlocal pulled
        for row in itertools.cycle(rows):
            pulled += 1
            yield row

    first = list(itertools.islice(small.screen_iter(endless()), 10))
    assert [d.to_json() for d in first] == expected[:10]
    assert pulled <= 1024, f"{pulled} records read for 10 decisions"


def test_screen_iter_raises_at_the_bad_record(small: saring.Engine) -> None:
    rows = small_rows(5)
    bad = rows[:3] + ["not a record"] + rows[3:]
    it = small.screen_iter(bad)
    got = [next(it).to_json() for _ in range(3)]
    assert got == [d.to_json() for d in small.screen_many(rows[:3])]
    with pytest.raises(saring.RecordError) as info:
        next(it)
    assert info.value.row == 3


def test_eight_threads_on_one_engine_equal_sequential(small: saring.Engine) -> None:
    rows = small_rows(400)
    expected = [small.screen(r).to_json() for r in rows]
    results: List[List[str]] = [[] for _ in range(8)]
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            if i % 2:
                results[i] = [small.screen(r).to_json() for r in rows]
            else:
                results[i] = [d.to_json() for d in small.screen_iter(rows)]
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r == expected for r in results)

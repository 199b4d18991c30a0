"""Tiny runs of the benchmark scripts: every peer (pandas, polars, DuckDB, the plain loop,
screen_many, the file readers) agrees with saring row by row on 1,000 rows, so a broken peer
fails here rather than in a benchmark run."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from types import ModuleType

from conftest import REPO_ROOT

BENCHES = REPO_ROOT / "benches" / "python"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_smoke() -> None:
    bench = _load("bench_screen_frame")
    timings = bench.run(rows=1000, repeat=1, quiet=True)
    assert set(timings) == {
        "frame_arrow",
        "frame_pandas",
        "frame_polars",
        "pandas",
        "polars",
        "duckdb",
        "loop",
        "many",
        "many_read",
        "file_jsonl_saring",
        "file_jsonl_pandas",
        "file_parquet_saring",
        "file_parquet_pandas",
    }
    assert all(t > 0 for t in timings.values())


def test_peer_check_catches_a_wrong_row() -> None:
    bench = _load("bench_screen_frame")
    want = [("clear", 0, []), ("review", 30, ["watched_recruiter"])]
    bench.check("same", list(want), want)
    wrong = [("clear", 0, []), ("review", 30, ["young"])]
    try:
        bench.check("wrong", wrong, want)
    except AssertionError as e:
        assert "wrong disagrees with saring on row 1" in str(e)
    else:
        raise AssertionError("check accepted a disagreeing row")


def test_memory_benchmark_child_smoke() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCHES / "bench_memory.py"), "--rows", "2000", "--child", "pyarrow"],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["kind"] == "pyarrow"
    assert result["output_rows"] == 2000
    assert result["input_bytes"] > 0
    assert result["peak_after"] >= result["peak_before"] > 0


def test_ergonomics_benchmark_smoke() -> None:
    bench = _load("bench_ergonomics")
    timings = bench.run(n=50, repeat=1, quiet=True)
    assert set(timings) == {name for pair in bench.PAIRS for name in pair}
    assert all(t > 0 for t in timings.values())

"""A tiny run of the benchmark script: all implementations agree on 1,000 rows."""

from __future__ import annotations

import importlib.util

from conftest import REPO_ROOT


def test_benchmark_smoke() -> None:
    path = REPO_ROOT / "benches" / "python" / "bench_screen_frame.py"
    spec = importlib.util.spec_from_file_location("bench_screen_frame", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    timings = bench.run(rows=1000, repeat=1, quiet=True)
    assert set(timings) == {"frame", "pandas", "loop", "many"}
    assert all(t > 0 for t in timings.values())

"""Peak memory of ``screen_frame`` against the size of the frame it screens.

    python benches/python/bench_memory.py [--rows 2000000] [--kinds pyarrow,pandas,polars]

Each case runs in a fresh subprocess (so peaks do not mix): it builds the benchmark frame of
``bench_screen_frame.py`` (same 10-rule pack, same generator), records the peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and the frame's own size (Arrow
``nbytes`` of the table, pandas ``memory_usage(deep=True)``, polars ``estimated_size``), resets
the peak to the current RSS (Linux ``/proc/self/clear_refs``), screens the frame and records
the peak again. Reported per kind: input size, peak before and after
screening, and the growth of the peak as a multiple of the input size (target from issue 10:
within 2x the input). `--kinds baseline` only builds the frame: the interpreter's and
the libraries' own footprint.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
from typing import Any, Dict

HERE = pathlib.Path(__file__).resolve().parent


def _peak_bytes() -> int:
    import resource

    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(rows: int, kind: str) -> Dict[str, Any]:
    """One case, in this (fresh) process."""
    import gc
    import importlib.util
    import tempfile

    spec = importlib.util.spec_from_file_location("bench_screen_frame", HERE / "bench_screen_frame.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    import pyarrow as pa
    import polars as pl

    import saring

    with tempfile.TemporaryDirectory() as tmp:
        pathlib.Path(tmp, "pack.toml").write_text(bench.PACK)
        pathlib.Path(tmp, "schema.toml").write_text(bench.SCHEMA)
        engine = saring.load(tmp)
    df = bench.generate(rows)
    table = pa.Table.from_pandas(df, preserve_index=False)
    if kind == "pyarrow":
        frame: Any = table
        size = table.nbytes
        del df
    elif kind == "polars":
        frame = pl.from_arrow(table)
        size = frame.estimated_size()
        del df
    else:
        frame = df
        size = int(df.memory_usage(deep=True).sum())
    del table
    gc.collect()
    reset = _reset_peak()
    before = _peak_bytes()
    current_before = _current_rss()
    out = None
    if kind != "baseline":
        out = engine.screen_frame(frame)
    after = _peak_bytes()
    return {
        "kind": kind,
        "rows": rows,
        "input_bytes": size,
        "rss_before": current_before,
        "peak_before": before,
        "peak_after": after,
        "peak_reset": reset,
        "output_rows": None if out is None else len(out),
    }


def _reset_peak() -> bool:
    """Resets the peak RSS to the current RSS (Linux `clear_refs` 5), so the peak measured
    after screening is screening's own, not that of building the frame."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _current_rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--kinds", default="pyarrow,pandas,polars")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows, args.child)))
        return
    mib = 1024 * 1024
    print(f"{args.rows:,} rows; peak RSS per case, each in a fresh process")
    print(f"  {'frame':<10} {'input':>10} {'RSS before':>11} {'peak after':>11} "
          f"{'growth':>10} {'growth/input':>13}")
    for kind in args.kinds.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--child", kind],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        growth = r["peak_after"] - max(r["peak_before"], r["rss_before"])
        print(
            f"  {kind:<10} {r['input_bytes'] / mib:8.1f} MiB {r['rss_before'] / mib:7.1f} MiB "
            f"{r['peak_after'] / mib:7.1f} MiB {growth / mib:6.1f} MiB "
            f"{growth / r['input_bytes']:12.2f}x"
        )


if __name__ == "__main__":
    main()

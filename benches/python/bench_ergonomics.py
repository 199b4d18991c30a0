"""Benchmark: the Python ergonomics of issue 16, each case against its peer in the same run.

    python benches/python/bench_ergonomics.py [--records 2000] [--repeat 7] [--threads N]

Screens the synthetic departures of ``rules/id-pmi/examples/labelled.jsonl`` (records with
list fields: ``legs``, ``history.pmi_np_findings``) with ``rules/id-pmi/departure.toml``,
repeated to ``--records``, and times, round-robin, ``--repeat`` rounds of:

* ``screen(dict)`` vs ``screen_json(line)``, one record at a time (µs per record);
* reading the rule ids of every decision: ``[h.rule for h in d.hits]`` vs ``d.hit_ids``, on
  decisions of ``screen`` (rendered) and of ``screen_many`` (lazy), each on fresh decisions;
* a Python loop of ``screen_json`` vs one ``screen_jsonl(lines)`` call (``--threads``).

Reported: the median per case and the ratio against its peer (the VM is noisy, ±30%).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import time
from typing import Any, Callable, Dict, List, Optional

import saring

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACK = ROOT / "rules" / "id-pmi" / "departure.toml"
SAMPLE = ROOT / "rules" / "id-pmi" / "examples" / "labelled.jsonl"

# (case, peer): the ratio reported is peer time / case time (> 1: the case is faster).
PAIRS = [
    ("screen_dict", "screen_json"),
    ("hit_ids_screen", "hits_screen"),
    ("hit_ids_many", "hits_many"),
    ("screen_jsonl", "loop_screen_json"),
]


def records(n: int) -> List[str]:
    base = [l for l in SAMPLE.read_text(encoding="utf-8").splitlines() if l.strip()]
    return [base[i % len(base)] for i in range(n)]


def run(n: int = 2000, repeat: int = 7, threads: Optional[int] = None, quiet: bool = False) -> Dict[str, float]:
    """Median seconds per case (whole batch of `n` records)."""
    engine = saring.load(str(PACK))
    lines = records(n)
    dicts = [json.loads(l) for l in lines]
    # Same decisions on both sides of every pair.
    assert [engine.screen(d).to_dict() for d in dicts[:200]] == [
        engine.screen_json(l).to_dict() for l in lines[:200]
    ]
    # Both batches: with windowed aggregates each is its own history.
    assert [d.to_dict() for d in engine.screen_jsonl(lines[:200], threads=threads)] == [
        d.to_dict() for d in engine.screen_many(dicts[:200], threads=threads)
    ]

    def fresh_screened() -> List[Any]:
        return [engine.screen_json(l) for l in lines]

    def fresh_many() -> List[Any]:
        return engine.screen_many(dicts, threads=threads)

    def reading(make: Callable[[], List[Any]], read: Callable[[Any], Any]) -> Callable[[], float]:
        def case() -> float:
            ds = make()
            start = time.perf_counter()
            for d in ds:
                read(d)
            return time.perf_counter() - start

        return case

    def timed(f: Callable[[], Any]) -> Callable[[], float]:
        def case() -> float:
            start = time.perf_counter()
            f()
            return time.perf_counter() - start

        return case

    cases: Dict[str, Callable[[], float]] = {
        "screen_dict": timed(lambda: [engine.screen(d) for d in dicts]),
        "screen_json": timed(lambda: [engine.screen_json(l) for l in lines]),
        "hits_screen": reading(fresh_screened, lambda d: [h.rule for h in d.hits]),
        "hit_ids_screen": reading(fresh_screened, lambda d: d.hit_ids),
        "hits_many": reading(fresh_many, lambda d: [h.rule for h in d.hits]),
        "hit_ids_many": reading(fresh_many, lambda d: d.hit_ids),
        "loop_screen_json": timed(lambda: [engine.screen_json(l) for l in lines]),
        "screen_jsonl": timed(lambda: engine.screen_jsonl(lines, threads=threads)),
    }
    samples: Dict[str, List[float]] = {k: [] for k in cases}
    for _ in range(repeat):
        for name, case in cases.items():
            samples[name].append(case())
    medians = {k: statistics.median(v) for k, v in samples.items()}
    if not quiet:
        print(f"{n} records of {SAMPLE.name}, pack {engine.id}, {repeat} rounds, threads={threads}")
        for case, peer in PAIRS:
            c, p = medians[case], medians[peer]
            print(
                f"  {case:>15} {c / n * 1e6:8.2f} µs/record   {peer:>17} {p / n * 1e6:8.2f} µs/record"
                f"   {peer}/{case} = {p / c:5.2f}x"
            )
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    run(args.records, args.repeat, args.threads)


if __name__ == "__main__":
    main()

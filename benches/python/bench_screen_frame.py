"""Benchmark: saring's screen_frame / screen_many against pandas, polars, DuckDB and a plain
Python loop, all implementing the same 10 rules.

    python benches/python/bench_screen_frame.py [--rows 200000] [--repeat 5] [--no-files]
    python benches/python/bench_screen_frame.py --rows 200000 --write-frame DIR

Writes a 10-rule pack to a temporary directory, generates synthetic rows with numpy (fixed
seed), checks that every peer agrees with saring on every row (outcome, score, hit ids in pack
order), then times, round-robin, `--repeat` rounds of:

* ``engine.screen_frame`` on a pyarrow Table, a pandas DataFrame and a polars DataFrame;
* pandas vectorised (boolean Series per rule), polars expressions, DuckDB SQL (``CASE WHEN``
  over the Arrow table, Arrow out);
* a plain Python loop over dicts vs ``engine.screen_many`` (the call alone, and the call plus
  reading every decision's outcome, score and hit ids);
* end to end from a file: JSONL read by ``pyarrow.json`` + ``screen_frame`` vs pandas
  ``read_json`` + vectorised rules; the same from Parquet.

Reported: the median per case and ratios against peers measured in the same run (the machine
is noisy). Targets from issue 10: screen_frame on Arrow >= polars and >= 10x pandas; from a
file >= pandas read_json + vectorised; screen_many >= 5x the plain loop.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import tempfile
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

import numpy as np
import pandas as pd

import saring

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl
    import pyarrow as pa

HOTSPOT = ["KH", "MM", "LA"]
FAR = ["KH", "MM", "LA", "AE", "SA", "TR"]
WATCH = ["PT Contoh Jaya Abadi", "PT Sinar Palsu Sentosa", "CV Karya Fiktif"]
REVIEW, REFER = 30, 60

PACK = f"""
[pack]
id = "bench"
version = "1"
title = "Benchmark pack: ten departure indicators"
schema = "schema.toml"

[outcomes]
review = {REVIEW}
refer = {REFER}

[lists]
hotspot = {HOTSPOT!r}
far = {FAR!r}
watch = {WATCH!r}

[[rule]]
id = "one_way_hotspot"
title = "One-way ticket to a hotspot"
weight = 25
when = "destination in hotspot && !return_ticket"
reason = "No return ticket for travel to {{destination}}"
references = ["bench"]

[[rule]]
id = "third_party_ticket"
title = "Ticket paid by agent or employer"
weight = 15
when = "ticket_paid_by == 'agent' || ticket_paid_by == 'employer'"
reason = "Ticket paid by {{ticket_paid_by}}"
references = ["bench"]

[[rule]]
id = "watched_recruiter"
title = "Recruiter on the watch list"
weight = 30
when = "has(record.recruiter) && recruiter in watch"
reason = "Recruited by {{recruiter}}"
references = ["bench"]

[[rule]]
id = "agent_present"
title = "Agent present at the interview"
weight = 20
when = "interview.agent_present"
reason = "An agent was present"
references = ["bench"]

[[rule]]
id = "young"
title = "Young traveller"
weight = 10
when = "age < 21"
reason = "Age {{age}}"
references = ["bench"]

[[rule]]
id = "social_media_salary"
title = "High salary offered via social media"
weight = 20
when = "job_channel == 'social_media' && salary_usd >= 1500.0"
reason = "{{salary_usd}} USD via social media"
references = ["bench"]

[[rule]]
id = "short_trip_cash"
title = "Short trip with much cash"
weight = 10
when = "trip_days < 7 && cash_usd > 3000.0"
reason = "{{cash_usd}} USD for {{trip_days}} days"
references = ["bench"]

[[rule]]
id = "postponed_before"
title = "Departure postponed before"
weight = 15
when = "prior_postponements >= 2"
reason = "{{prior_postponements}} earlier postponements"
references = ["bench"]

[[rule]]
id = "first_passport_far"
title = "First passport, far destination"
weight = 10
when = "first_passport && destination in far"
reason = "First passport, travelling to {{destination}}"
references = ["bench"]

[[rule]]
id = "no_contract"
title = "Working abroad without a contract"
weight = 10
when = "!has_contract && job_channel != 'licensed_agency'"
reason = "No contract ({{job_channel}})"
references = ["bench"]
"""

SCHEMA = """
[field.destination]
type = "string"
required = true
[field.return_ticket]
type = "bool"
required = true
[field.ticket_paid_by]
type = "enum"
values = ["self", "family", "employer", "agent"]
required = true
[field.recruiter]
type = "string"
[field.interview]
type = "object"
[field.interview.agent_present]
type = "bool"
required = true
[field.age]
type = "int"
required = true
[field.job_channel]
type = "enum"
values = ["social_media", "licensed_agency", "employer_direct", "other"]
required = true
[field.salary_usd]
type = "float"
required = true
[field.trip_days]
type = "int"
required = true
[field.cash_usd]
type = "float"
required = true
[field.prior_postponements]
type = "int"
required = true
[field.first_passport]
type = "bool"
required = true
[field.has_contract]
type = "bool"
required = true
"""

WEIGHTS = {
    "one_way_hotspot": 25,
    "third_party_ticket": 15,
    "watched_recruiter": 30,
    "agent_present": 20,
    "young": 10,
    "social_media_salary": 20,
    "short_trip_cash": 10,
    "postponed_before": 15,
    "first_passport_far": 10,
    "no_contract": 10,
}


def generate(n: int, seed: int = 20250501) -> pd.DataFrame:
    """Synthetic rows (flat columns; the nested field as a dotted column name)."""
    rng = np.random.default_rng(seed)
    countries = np.array(["KH", "MM", "LA", "JP", "SG", "MY", "AE", "SA", "TR", "KR"])
    recruiters = np.array(WATCH + ["PT Resmi Bersama", "PT Legal Karya", "CV Aman"])
    recruiter = recruiters[rng.integers(0, len(recruiters), n)].astype(object)
    recruiter[rng.random(n) < 0.5] = None  # optional: half have no recruiter
    return pd.DataFrame(
        {
            "destination": countries[rng.integers(0, len(countries), n)],
            "return_ticket": rng.random(n) < 0.6,
            "ticket_paid_by": np.array(["self", "family", "employer", "agent"])[
                rng.integers(0, 4, n)
            ],
            "recruiter": pd.Series(recruiter, dtype="str"),
            "interview.agent_present": rng.random(n) < 0.15,
            "age": rng.integers(16, 60, n),
            "job_channel": np.array(
                ["social_media", "licensed_agency", "employer_direct", "other"]
            )[rng.integers(0, 4, n)],
            "salary_usd": np.round(rng.uniform(200, 3000, n), 2),
            "trip_days": rng.integers(1, 60, n),
            "cash_usd": np.round(rng.uniform(0, 6000, n), 2),
            "prior_postponements": rng.integers(0, 4, n),
            "first_passport": rng.random(n) < 0.4,
            "has_contract": rng.random(n) < 0.7,
        }
    )


def to_dicts(df: pd.DataFrame) -> List[Dict[str, Any]]:
    """The rows as nested dicts, as an application would hold them."""
    rows = df.to_dict("records")
    for r in rows:
        r["interview"] = {"agent_present": r.pop("interview.agent_present")}
        if r["recruiter"] is None or r["recruiter"] != r["recruiter"]:
            del r["recruiter"]
    return rows


# --- (a) the plain Python loop -----------------------------------------------------------


def plain_loop(rows: List[Dict[str, Any]]) -> List[Tuple[str, int, List[str]]]:
    hotspot, far, watch = set(HOTSPOT), set(FAR), set(WATCH)
    out = []
    for r in rows:
        hits = []
        if r["destination"] in hotspot and not r["return_ticket"]:
            hits.append("one_way_hotspot")
        if r["ticket_paid_by"] in ("agent", "employer"):
            hits.append("third_party_ticket")
        if r.get("recruiter") is not None and r["recruiter"] in watch:
            hits.append("watched_recruiter")
        if r["interview"]["agent_present"]:
            hits.append("agent_present")
        if r["age"] < 21:
            hits.append("young")
        if r["job_channel"] == "social_media" and r["salary_usd"] >= 1500.0:
            hits.append("social_media_salary")
        if r["trip_days"] < 7 and r["cash_usd"] > 3000.0:
            hits.append("short_trip_cash")
        if r["prior_postponements"] >= 2:
            hits.append("postponed_before")
        if r["first_passport"] and r["destination"] in far:
            hits.append("first_passport_far")
        if not r["has_contract"] and r["job_channel"] != "licensed_agency":
            hits.append("no_contract")
        score = sum(WEIGHTS[h] for h in hits)
        outcome = "refer" if score >= REFER else "review" if score >= REVIEW else "clear"
        out.append((outcome, score, hits))
    return out


# --- (b) pandas vectorised ------------------------------------------------------------------


def pandas_vectorised(df: pd.DataFrame) -> pd.DataFrame:
    fired = pd.DataFrame(
        {
            "one_way_hotspot": df.destination.isin(HOTSPOT) & ~df.return_ticket,
            "third_party_ticket": df.ticket_paid_by.isin(["agent", "employer"]),
            "watched_recruiter": df.recruiter.notna() & df.recruiter.isin(WATCH),
            "agent_present": df["interview.agent_present"],
            "young": df.age < 21,
            "social_media_salary": (df.job_channel == "social_media") & (df.salary_usd >= 1500.0),
            "short_trip_cash": (df.trip_days < 7) & (df.cash_usd > 3000.0),
            "postponed_before": df.prior_postponements >= 2,
            "first_passport_far": df.first_passport & df.destination.isin(FAR),
            "no_contract": ~df.has_contract & (df.job_channel != "licensed_agency"),
        }
    )
    score = fired.astype("int64") @ pd.Series(WEIGHTS)
    outcome = np.select([score >= REFER, score >= REVIEW], ["refer", "review"], "clear")
    fired["score"] = score
    fired["outcome"] = outcome
    return fired


# --- (c) polars expressions ------------------------------------------------------------------


def polars_expressions(df: "pl.DataFrame") -> "pl.DataFrame":
    import polars as pl

    c = pl.col
    fired = {
        "one_way_hotspot": c("destination").is_in(HOTSPOT) & ~c("return_ticket"),
        "third_party_ticket": c("ticket_paid_by").is_in(["agent", "employer"]),
        "watched_recruiter": c("recruiter").is_not_null() & c("recruiter").is_in(WATCH),
        "agent_present": c("interview.agent_present"),
        "young": c("age") < 21,
        "social_media_salary": (c("job_channel") == "social_media") & (c("salary_usd") >= 1500.0),
        "short_trip_cash": (c("trip_days") < 7) & (c("cash_usd") > 3000.0),
        "postponed_before": c("prior_postponements") >= 2,
        "first_passport_far": c("first_passport") & c("destination").is_in(FAR),
        "no_contract": ~c("has_contract") & (c("job_channel") != "licensed_agency"),
    }
    # `fill_null(False)`: a missing recruiter is "not fired", as in the other peers.
    out = df.select([e.fill_null(False).alias(k) for k, e in fired.items()])
    score = pl.sum_horizontal([c(k).cast(pl.Int64) * w for k, w in WEIGHTS.items()])
    return out.with_columns(score.alias("score")).with_columns(
        pl.when(c("score") >= REFER)
        .then(pl.lit("refer"))
        .when(c("score") >= REVIEW)
        .then(pl.lit("review"))
        .otherwise(pl.lit("clear"))
        .alias("outcome")
    )


# --- (d) DuckDB SQL ---------------------------------------------------------------------------


def _sql_list(values: List[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


DUCKDB_RULES = {
    "one_way_hotspot": f"destination IN {_sql_list(HOTSPOT)} AND NOT return_ticket",
    "third_party_ticket": "ticket_paid_by IN ('agent', 'employer')",
    "watched_recruiter": f"recruiter IS NOT NULL AND recruiter IN {_sql_list(WATCH)}",
    "agent_present": '"interview.agent_present"',
    "young": "age < 21",
    "social_media_salary": "job_channel = 'social_media' AND salary_usd >= 1500.0",
    "short_trip_cash": "trip_days < 7 AND cash_usd > 3000.0",
    "postponed_before": "prior_postponements >= 2",
    "first_passport_far": f"first_passport AND destination IN {_sql_list(FAR)}",
    "no_contract": "NOT has_contract AND job_channel <> 'licensed_agency'",
}

DUCKDB_QUERY = (
    "SELECT *, CASE WHEN score >= {refer} THEN 'refer' WHEN score >= {review} THEN 'review' "
    "ELSE 'clear' END AS outcome FROM (SELECT {fired}, {score} AS score FROM frame)"
).format(
    refer=REFER,
    review=REVIEW,
    fired=", ".join(
        f"CASE WHEN {cond} THEN true ELSE false END AS {rule}"
        for rule, cond in DUCKDB_RULES.items()
    ),
    score=" + ".join(
        f"CASE WHEN {DUCKDB_RULES[rule]} THEN {w} ELSE 0 END" for rule, w in WEIGHTS.items()
    ),
)


def duckdb_sql(con: Any, table: "pa.Table") -> "pa.Table":
    """The rules as one SQL query (`CASE WHEN`) over the Arrow table, result as Arrow."""
    con.register("frame", table)
    try:
        rel = con.sql(DUCKDB_QUERY)
        # `to_arrow_table` in DuckDB >= 1.1; `arrow()` before.
        return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
    finally:
        con.unregister("frame")


# --- running and checking ---------------------------------------------------------------------

Answer = List[Tuple[str, int, List[str]]]


def answers_of_fired(outcome: Any, score: Any, fired: Dict[str, Any]) -> Answer:
    """Per row (outcome, score, hit ids in pack order) from boolean columns per rule."""
    cols = {k: list(v) for k, v in fired.items()}
    out = []
    for i, (o, s) in enumerate(zip(list(outcome), list(score))):
        out.append((str(o), int(s), [k for k in WEIGHTS if cols[k][i]]))
    return out


def answers_of_frame(outcome: Any, score: Any, hits: Any) -> Answer:
    return [(str(o), int(s), list(h)) for o, s, h in zip(list(outcome), list(score), list(hits))]


def check(name: str, got: Answer, want: Answer) -> None:
    """Fails on the first row where a peer disagrees with saring."""
    assert len(got) == len(want), f"{name}: {len(got)} rows, saring {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{name} disagrees with saring on row {i}: {g} vs {w}"


def median_times(cases: Dict[str, Callable[[], Any]], repeat: int) -> Dict[str, float]:
    """Runs every case once per round (round-robin, so noise falls on all alike) for `repeat`
    rounds; the median per case."""
    times: Dict[str, List[float]] = {k: [] for k in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def write_files(df: pd.DataFrame, dicts: List[Dict[str, Any]], tmp: str) -> Tuple[str, str]:
    """The rows as JSONL (nested objects, absent recruiter left out) and as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl = os.path.join(tmp, "rows.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for r in dicts:
            f.write(json.dumps(r, default=lambda v: v.item()))
            f.write("\n")
    parquet = os.path.join(tmp, "rows.parquet")
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), parquet)
    return jsonl, parquet


def pandas_from_jsonl(path: str) -> pd.DataFrame:
    """pandas' own reader, then the vectorised rules (nested objects flattened first)."""
    df = pd.read_json(path, lines=True)
    df["interview.agent_present"] = df.pop("interview").str["agent_present"]
    if "recruiter" not in df:
        df["recruiter"] = None
    return pandas_vectorised(df)


def run(rows: int, repeat: int, quiet: bool = False, files: bool = True) -> Dict[str, float]:
    """Runs the benchmark: checks first that every peer agrees with saring row by row
    (outcome, score, hit ids), then times them; returns the median timings (seconds)."""
    import duckdb
    import polars as pl
    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    say = (lambda *a: None) if quiet else print
    with tempfile.TemporaryDirectory() as tmp:
        pathlib.Path(tmp, "pack.toml").write_text(PACK)
        pathlib.Path(tmp, "schema.toml").write_text(SCHEMA)
        engine = saring.load(tmp)
        df = generate(rows)
        dicts = to_dicts(df)
        table = pa.Table.from_pandas(df, preserve_index=False)
        pl_df = pl.from_arrow(table)
        assert isinstance(pl_df, pl.DataFrame)
        con = duckdb.connect()
        jsonl, parquet = write_files(df, dicts, tmp)
        say(
            f"saring {saring.__version__}, pack {engine.id} ({len(engine.rules)} rules), "
            f"{rows:,} rows, {os.cpu_count()} cores, median of {repeat}; "
            f"pandas {pd.__version__}, polars {pl.__version__}, duckdb {duckdb.__version__}, "
            f"pyarrow {pa.__version__}"
        )

        def many_read() -> Answer:
            return [
                (d.outcome, d.score, [h.rule for h in d.hits]) for d in engine.screen_many(dicts)
            ]

        cases: Dict[str, Callable[[], Any]] = {
            "frame_arrow": lambda: engine.screen_frame(table),
            "frame_pandas": lambda: engine.screen_frame(df),
            "frame_polars": lambda: engine.screen_frame(pl_df),
            "pandas": lambda: pandas_vectorised(df),
            "polars": lambda: polars_expressions(pl_df),
            "duckdb": lambda: duckdb_sql(con, table),
            "loop": lambda: plain_loop(dicts),
            "many": lambda: engine.screen_many(dicts),
            "many_read": many_read,
        }
        if files:
            cases.update(
                {
                    "file_jsonl_saring": lambda: engine.screen_frame(pj.read_json(jsonl)),
                    "file_parquet_saring": lambda: engine.screen_frame(pq.read_table(parquet)),
                    "file_jsonl_pandas": lambda: pandas_from_jsonl(jsonl),
                    "file_parquet_pandas": lambda: pandas_vectorised(pd.read_parquet(parquet)),
                }
            )

        # Agreement first: every peer, row by row, against saring's frame result.
        ref = engine.screen_frame(table)
        assert ref.column("error").null_count == rows, "saring reported record errors"
        want = answers_of_frame(
            ref.column("outcome").to_pylist(),
            ref.column("score").to_pylist(),
            ref.column("hits").to_pylist(),
        )
        p = pandas_vectorised(df)
        check("pandas", answers_of_fired(p.outcome, p.score, {k: p[k] for k in WEIGHTS}), want)
        q = polars_expressions(pl_df)
        check("polars", answers_of_fired(q["outcome"], q["score"], {k: q[k] for k in WEIGHTS}), want)
        d = duckdb_sql(con, table)
        check(
            "duckdb",
            answers_of_fired(
                d.column("outcome").to_pylist(),
                d.column("score").to_pylist(),
                {k: d.column(k).to_pylist() for k in WEIGHTS},
            ),
            want,
        )
        check("plain loop", plain_loop(dicts), want)
        check("screen_many", many_read(), want)
        for name in ("frame_pandas", "frame_polars"):
            out = cases[name]()
            check(name, answers_of_frame(out["outcome"], out["score"], out["hits"]), want)
        if files:
            for name in ("file_jsonl_saring", "file_parquet_saring"):
                out = cases[name]()
                got = answers_of_frame(
                    out.column("outcome").to_pylist(),
                    out.column("score").to_pylist(),
                    out.column("hits").to_pylist(),
                )
                check(name, got, want)
            for name in ("file_jsonl_pandas", "file_parquet_pandas"):
                p = cases[name]()
                got = answers_of_fired(p.outcome, p.score, {k: p[k] for k in WEIGHTS})
                check(name, got, want)
        counts: Dict[str, int] = {}
        for o, _, _ in want:
            counts[o] = counts.get(o, 0) + 1
        say(f"all peers agree row by row; outcomes: {counts}")

        t = median_times(cases, repeat)
        con.close()

    labels = {
        "frame_arrow": "saring screen_frame (pyarrow Table)",
        "frame_pandas": "saring screen_frame (pandas in/out)",
        "frame_polars": "saring screen_frame (polars in/out)",
        "pandas": "pandas vectorised",
        "polars": "polars expressions",
        "duckdb": "DuckDB SQL (CASE WHEN, Arrow in/out)",
        "loop": "plain Python loop over dicts",
        "many": "saring screen_many (list of dicts)",
        "many_read": "screen_many + read outcome/score/hit ids",
        "file_jsonl_saring": "JSONL: pyarrow read_json + screen_frame",
        "file_jsonl_pandas": "JSONL: pandas read_json + vectorised",
        "file_parquet_saring": "Parquet: read_table + screen_frame",
        "file_parquet_pandas": "Parquet: pandas read_parquet + vectorised",
    }
    say("timings (median):")
    for name, secs in t.items():
        say(f"  {labels[name]:<46} {secs * 1000:9.1f} ms  {rows / secs / 1e6:6.2f} M rows/s")

    def ratio(text: str, peer: str, ours: str, target: str = "") -> None:
        say(f"  {text:<52} {t[peer] / t[ours]:6.2f}x  {target}")

    say("ratios (peer time / saring time, same run; > 1 means saring is faster):")
    ratio("screen_frame(pyarrow) vs polars expressions", "polars", "frame_arrow", "(target >= 1)")
    ratio("screen_frame(pyarrow) vs DuckDB SQL", "duckdb", "frame_arrow")
    ratio("screen_frame(pyarrow) vs pandas vectorised", "pandas", "frame_arrow", "(target >= 10)")
    ratio("screen_frame(pandas) vs pandas vectorised", "pandas", "frame_pandas")
    ratio("screen_frame(polars) vs polars expressions", "polars", "frame_polars")
    ratio("screen_many vs plain loop", "loop", "many", "(target >= 5)")
    ratio("screen_many + reading results vs plain loop", "loop", "many_read")
    if files:
        ratio("JSONL end to end vs pandas read_json", "file_jsonl_pandas", "file_jsonl_saring",
              "(target >= 1)")
        ratio("Parquet end to end vs pandas", "file_parquet_pandas", "file_parquet_saring")
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the median is reported")
    parser.add_argument("--no-files", action="store_true", help="skip the end-to-end file cases")
    parser.add_argument(
        "--write-frame",
        metavar="DIR",
        help="write the pack (pack.toml, schema.toml) and the frame (frame.arrow, Arrow IPC) "
        "to DIR for `cargo run --release -p saring-benches --example frame -- DIR`, and stop",
    )
    args = parser.parse_args()
    if args.write_frame:
        write_frame(pathlib.Path(args.write_frame), args.rows)
        return
    run(args.rows, args.repeat, files=not args.no_files)


def write_frame(out: pathlib.Path, rows: int) -> None:
    """The benchmark's pack and frame as files, for the Rust profile of `screen_batch`."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    out.mkdir(parents=True, exist_ok=True)
    (out / "pack.toml").write_text(PACK, encoding="utf-8")
    (out / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    table = pa.Table.from_pandas(generate(rows), preserve_index=False).combine_chunks()
    with ipc.new_file(str(out / "frame.arrow"), table.schema) as writer:
        writer.write_table(table)
    print(f"wrote {out}/pack.toml, schema.toml and frame.arrow ({table.num_rows:,} rows)")


if __name__ == "__main__":
    main()

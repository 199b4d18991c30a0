"""DataFrame support for :class:`saring.Engine`: pandas, polars and pyarrow frames go to the
native engine as Arrow data (zero-copy through the Arrow C stream interface) and come back as
the same kind of frame.

Only the columns the schema can read (dotted names for nested fields, e.g.
``interview.agent_present``, or struct columns such as ``interview`` with a field
``agent_present``) are converted; other columns are left alone. The core matches columns to
fields and reads list columns (lists of structs included) like JSON lists
(``saring::columnar``).

A field the pack reads that has no column raises :class:`saring.FrameError`
(``frame.missing_column``) before any row is screened; ``missing_columns="absent"`` reads
those fields as absent in every row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from ._saring import Engine

RESULT_COLUMNS = (
    "outcome",
    "score",
    "hits",
    "shadow_hits",
    "incomplete",
    "invalid",
    "error",
)


def _kind(frame: Any) -> str:
    module = type(frame).__module__ or ""
    if module.startswith("pandas"):
        return "pandas"
    if module.startswith("polars"):
        return "polars"
    if module.startswith("pyarrow"):
        import pyarrow as pa

        if isinstance(frame, pa.Table):
            return "pyarrow"
        if isinstance(frame, pa.RecordBatch):
            return "pyarrow-batch"
    if hasattr(frame, "__arrow_c_stream__"):
        return "arrow"
    raise TypeError(
        "screen_frame expects a pandas, polars or pyarrow frame (or any object with "
        f"__arrow_c_stream__), not {type(frame).__name__}"
    )


def _wanted(engine: "Engine", extra: Iterable[str]) -> Tuple[Set[str], Set[str]]:
    """Field paths the schema reads, and their top-level names (for struct columns)."""
    paths = {f["path"] for f in engine.fields}
    paths.update(extra)
    return paths, {p.split(".", 1)[0] for p in paths}


def to_table(engine: "Engine", frame: Any, extra: Sequence[str] = ()) -> Tuple["pa.Table", str]:
    """The frame's screenable columns (plus ``extra``) as a flat pyarrow Table."""
    import pyarrow as pa

    kind = _kind(frame)
    paths, tops = _wanted(engine, extra)

    def keep(name: Any) -> bool:
        return isinstance(name, str) and (name in paths or name.split(".", 1)[0] in tops)

    if kind == "pandas":
        cols = [c for c in frame.columns if keep(c)]
        table = pa.Table.from_pandas(frame[cols], preserve_index=False)
    elif kind == "polars":
        cols = [c for c in frame.columns if keep(c)]
        table = frame.select(cols).to_arrow()
    elif kind == "pyarrow":
        table = frame.select([c for c in frame.column_names if keep(c)])
    elif kind == "pyarrow-batch":
        table = pa.Table.from_batches([frame]).select(
            [c for c in frame.schema.names if keep(c)]
        )
    else:
        table = pa.table(frame)
        table = table.select([c for c in table.column_names if keep(c)])
    if table.num_columns == 0:
        # Keep the row count: a table without columns still has rows.
        table = pa.table({"__saring_rows__": pa.nulls(_num_rows(frame, kind))})
    return table, kind


def _num_rows(frame: Any, kind: str) -> int:
    if kind in ("pandas", "polars"):
        return len(frame)
    if kind in ("pyarrow", "pyarrow-batch"):
        return int(frame.num_rows)
    import pyarrow as pa

    return int(pa.table(frame).num_rows)


def from_table(result: "pa.Table", kind: str, like: Any) -> Any:
    """The result table as the kind of frame the user passed."""
    if kind == "pandas":
        import pandas as pd
        import pyarrow as pa

        # List columns stay Arrow-backed (no Python object per row); cells read as lists.
        df = result.to_pandas(
            types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None
        )
        df.index = like.index
        return df
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(result)
    if kind == "pyarrow-batch":
        return result.combine_chunks().to_batches()[0] if result.num_rows else result
    return result


def _row_fallback(engine: "Engine", frame: Any, kind: str) -> "pa.Table":
    """Row-by-row screening for frames Arrow cannot represent (mixed-type object columns)."""
    import pyarrow as pa

    from ._errors import RecordError

    if kind == "pandas":
        rows = frame.to_dict("records")
    elif kind == "polars":
        rows = frame.to_dicts()
    else:
        rows = pa.table(frame).to_pylist()
    cols: Dict[str, List[Any]] = {c: [] for c in RESULT_COLUMNS}
    for row in rows:
        nested: Dict[str, Any] = {}
        for key, value in row.items():
            if not isinstance(key, str):
                continue
            target = nested
            parts = key.split(".")
            for part in parts[:-1]:
                target = target.setdefault(part, {})
                if not isinstance(target, dict):
                    break
            else:
                target[parts[-1]] = value
        try:
            d = engine.screen(nested)
        except RecordError as e:
            for c in RESULT_COLUMNS[:-1]:
                cols[c].append(None)
            where = f" at `{e.path}`" if e.path else ""
            cols["error"].append(f"{e.code}{where}: {e.args[0]}")
            continue
        cols["outcome"].append(d.outcome)
        cols["score"].append(d.score)
        cols["hits"].append([h.rule for h in d.hits])
        cols["shadow_hits"].append([h.rule for h in d.shadow_hits])
        cols["incomplete"].append([i["rule"] for i in d.incomplete])
        cols["invalid"].append([f"{f['code']} at `{f['path']}`: {f['message']}" for f in d.invalid])
        cols["error"].append(None)
    lists = pa.list_(pa.string())
    return pa.table(
        {
            "outcome": pa.array(cols["outcome"], pa.string()),
            "score": pa.array(cols["score"], pa.int64()),
            "hits": pa.array(cols["hits"], lists),
            "shadow_hits": pa.array(cols["shadow_hits"], lists),
            "incomplete": pa.array(cols["incomplete"], lists),
            "invalid": pa.array(cols["invalid"], lists),
            "error": pa.array(cols["error"], pa.string()),
        }
    )


def screen_frame(
    engine: "Engine", frame: Any, missing_columns: str = "error", threads: Optional[int] = None
) -> Any:
    """See :meth:`saring.Engine.screen_frame`."""
    import pyarrow as pa

    try:
        table, kind = to_table(engine, frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        kind = _kind(frame)
        engine._check_columns(_columns(frame), missing_columns)
        return from_table(_row_fallback(engine, frame, kind), kind, frame)
    result = pa.table(engine._screen_arrow(table, missing_columns, threads))
    return from_table(result, kind, frame)


def _flat(row: Dict[str, Any]) -> Dict[str, Any]:
    """A report row with its interval dicts (``x_ci``) as ``x_ci_low`` / ``x_ci_high``."""
    out: Dict[str, Any] = {}
    for k, v in row.items():
        if k.endswith("_ci") and (v is None or isinstance(v, dict)):
            out[f"{k}_low"] = None if v is None else v.get("low")
            out[f"{k}_high"] = None if v is None else v.get("high")
        elif not isinstance(v, (list, dict)):
            out[k] = v
    return out


class BacktestReport:
    """A back-test of a pack against labelled records, with its fairness audit.

    DataFrames: ``rules`` (per rule: hits, precision, recall, lift, marginal recall, ...),
    ``thresholds`` (per outcome threshold: tp/fp/tn/fn, precision, recall, f1, flag rate,
    false-positive rate, with 95% Wilson intervals as ``*_ci_low`` / ``*_ci_high``),
    ``sweep`` (every score cut-off), ``groups`` (per monitored group: n, flag rate,
    false-positive rate, false-negative rate, precision, each with a Wilson interval, and the
    flag and FPR ratios to the least-flagged group with Katz intervals), ``rule_disparity``
    (per rule, column and group: hits, hit rate, ratio to the least-hit group),
    ``disparities`` (every ratio whose interval lies above the tolerance), ``cofiring`` (rules
    × rules: records on which both fired) and ``confusion``. ``summary`` is a dict;
    ``false_positives`` a list of the highest-scoring false positives; ``to_dict()`` the whole
    report; ``to_html()`` the page ``saring backtest -f html`` writes. In Jupyter the report
    renders as that page.
    """

    def __init__(self, report: Dict[str, Any], label: str, by: List[str]) -> None:
        import pandas as pd

        self._report = report
        self.label = label
        self.by = list(by)
        self.summary: Dict[str, Any] = {
            k: report.get(k)
            for k in (
                "pack",
                "records",
                "positives",
                "base_rate",
                "errors",
                "incomplete_records",
                "outcomes",
                "tolerance",
                "min_group",
                "warnings",
            )
        }
        self.rules = pd.DataFrame(report.get("rules", []))
        self.thresholds = pd.DataFrame([_flat(t) for t in report.get("thresholds", [])])
        self.sweep = pd.DataFrame(report.get("sweep", []))
        group_rows = []
        for column in report.get("groups", []):
            for g in column.get("groups", []):
                group_rows.append(
                    {
                        "column": column.get("column"),
                        **_flat(g),
                        "reference": g.get("value") == column.get("reference"),
                    }
                )
        self.groups = pd.DataFrame(group_rows)
        disparity_rows = []
        for d in report.get("rule_disparity", []):
            for g in d.get("groups", []):
                disparity_rows.append(
                    {
                        "rule": d.get("rule"),
                        "column": d.get("column"),
                        "reference": d.get("reference"),
                        "concentrated": d.get("concentrated"),
                        **_flat(g),
                    }
                )
        self.rule_disparity = pd.DataFrame(disparity_rows)
        self.disparities = pd.DataFrame([_flat(d) for d in report.get("disparities", [])])
        cofiring = report.get("cofiring") or {}
        names = cofiring.get("rules") or []
        self.cofiring = pd.DataFrame(cofiring.get("counts") or [], index=names, columns=names)
        self.false_positives: List[Dict[str, Any]] = list(report.get("false_positives", []))
        confusion_rows = []
        for t in report.get("thresholds", []):
            confusion_rows.append(
                {
                    "threshold": t.get("threshold"),
                    "label": True,
                    "flagged": t.get("tp"),
                    "not_flagged": t.get("fn"),
                }
            )
            confusion_rows.append(
                {
                    "threshold": t.get("threshold"),
                    "label": False,
                    "flagged": t.get("fp"),
                    "not_flagged": t.get("tn"),
                }
            )
        self.confusion = pd.DataFrame(confusion_rows)

    @property
    def warnings(self) -> List[str]:
        """One line per disparity (a group or a rule beyond the tolerance)."""
        return list(self._report.get("warnings", []))

    def to_dict(self) -> Dict[str, Any]:
        """The full report, as the core computes it."""
        return dict(self._report)

    def _header(self) -> Dict[str, Any]:
        import datetime

        return {
            "input": f"a frame of {self._report.get('records', 0) + self._report.get('errors', 0)} rows",
            "label": self.label,
            "by": self.by,
            "run_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        }

    def to_html(self) -> str:
        """A self-contained HTML page: the same page as ``saring backtest -f html``."""
        from ._html import backtest_page

        return backtest_page(self._report, self._header())

    def _repr_html_(self) -> str:
        from ._html import backtest_fragment

        return backtest_fragment(self._report, self._header())

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"BacktestReport(records={s.get('records')}, positives={s.get('positives')}, "
            f"rules={len(self.rules)}, warnings={len(self.warnings)})"
        )


MISSING = "(missing)"
UNBANDED = "(not a number or date)"


def _parse_by(spec: str) -> Tuple[str, str, Optional[float]]:
    """``COL`` or ``COL:W`` → (spec, column, band width)."""
    spec = spec.strip()
    if ":" in spec:
        source, width = spec.rsplit(":", 1)
        try:
            w = float(width)
        except ValueError:
            w = 0.0
        if not source.strip() or not (w > 0 and w != float("inf")):
            raise ValueError(f"`{spec}`: the band width `{width}` must be a number above 0")
        return spec, source.strip(), w
    if not spec:
        raise ValueError("an empty grouping")
    return spec, spec, None


def _trim(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def band_label(value: Any, width: float) -> str:
    """The band of a number (``30-39``) or of a date's year (``1980-1989``), as the CLI's
    ``--by COL:W`` writes it; ``(missing)`` for an absent value."""
    import datetime
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    number: Optional[float] = None
    if isinstance(value, bool):
        return UNBANDED
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
            if math.isinf(number) or math.isnan(number):
                number = None
        except ValueError:
            number = None
    if number is not None:
        low = math.floor(number / width) * width
        if float(width).is_integer() and abs(low) < 1e15:
            return f"{int(low)}-{int(low) + int(width) - 1}"
        return f"{_trim(low)}-{_trim(low + width)}"
    year: Optional[int] = None
    if isinstance(value, (datetime.date, datetime.datetime)):
        year = value.year
    elif hasattr(value, "year") and isinstance(getattr(value, "year"), int):
        year = int(value.year)
    elif isinstance(value, str):
        t = value.strip()
        if len(t) >= 10 and t[4] == "-" and t[7] == "-" and (t[:4] + t[5:7] + t[8:10]).isdigit():
            year = int(t[:4])
    if year is None:
        return UNBANDED
    years = max(int(math.floor(width)), 1)
    low_year = (year // years) * years
    return str(low_year) if years == 1 else f"{low_year}-{low_year + years - 1}"


def _plain_label(value: Any) -> str:
    """A derived value as a group label, as the CLI writes it."""
    import json
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _nested(row: Dict[Any, Any]) -> Dict[str, Any]:
    """A flat row with dotted keys as a nested record."""
    nested: Dict[str, Any] = {}
    for key, value in row.items():
        if not isinstance(key, str):
            continue
        target = nested
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[parts[-1]] = value
    return nested


def _derived_values(engine: "Engine", frame: Any, name: str) -> List[Any]:
    """A derived value of the pack for every row (computed row by row with ``explain``)."""
    import math

    import pyarrow as pa

    from ._errors import RecordError

    kind = _kind(frame)
    if kind == "pandas":
        rows = frame.to_dict("records")
    elif kind == "polars":
        rows = frame.to_dicts()
    else:
        rows = pa.table(frame).to_pylist()
    out: List[Any] = []
    for row in rows:
        clean = {
            k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()
        }
        try:
            out.append(engine.explain(_nested(clean))["derived"].get(name))
        except RecordError:
            out.append(None)
    return out


def _suggest(name: str, candidates: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def backtest(
    engine: "Engine",
    frame: Any,
    label: str,
    by: Optional[Sequence[str]] = None,
    missing_columns: str = "error",
    tolerance: Optional[float] = None,
    min_group: Optional[int] = None,
) -> BacktestReport:
    """See :meth:`saring.Engine.backtest`."""
    import pyarrow as pa

    names = _columns(frame)
    if by is None:
        # The monitored fields in the frame; numbers and dates in bands of 10 (as the DPIA).
        banded = ("int", "float", "date", "timestamp")
        by = [
            f"{f['path']}:10" if f["type"] in banded else f["path"]
            for f in engine.fields
            if f["monitored"] and f["path"] in set(names)
        ]
    by = list(by)
    if label not in names:
        raise ValueError(f"no label column `{label}` in the frame{_suggest(label, names)}")
    derived = list(engine.explain({})["derived"])
    specs = [_parse_by(s) for s in by]
    for spec, source, _ in specs:
        if source not in names and source not in derived:
            raise ValueError(
                f"`by` column `{source}` is neither a column of the frame nor a derived value "
                f"of the pack{_suggest(source, [*names, *derived])}"
            )
    in_frame = [source for _, source, _ in specs if source in names]
    table, _ = to_table(engine, frame, extra=[label, *in_frame])
    columns: List[str] = []
    for spec, source, width in specs:
        if width is None and source in names:
            columns.append(source)
            continue
        if source in names:
            values = table.column(source).to_pylist()
        else:
            values = _derived_values(engine, frame, source)
        labels = [
            band_label(v, width) if width is not None else _plain_label(v) for v in values
        ]
        if spec in table.column_names:
            table = table.drop_columns([spec])
        table = table.append_column(spec, pa.array(labels, pa.string()))
        columns.append(spec)
    report = engine._backtest_arrow(table, label, columns, missing_columns, tolerance, min_group)
    return BacktestReport(report, label, by)


def _columns(frame: Any) -> List[str]:
    kind = _kind(frame)
    if kind in ("pandas", "polars"):
        return [str(c) for c in frame.columns]
    if kind in ("pyarrow", "pyarrow-batch"):
        return list(frame.schema.names)
    import pyarrow as pa

    return list(pa.table(frame).column_names)

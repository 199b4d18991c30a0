"""DataFrame support for :class:`saring.Engine`: pandas, polars and pyarrow frames go to the
native engine as Arrow data (zero-copy through the Arrow C stream interface) and come back as
the same kind of frame.

Only the columns the schema can read (dotted names for nested fields, e.g.
``interview.agent_present``, or struct columns, which are flattened) are converted; other
columns are left alone.
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


def _flatten(table: "pa.Table") -> "pa.Table":
    import pyarrow as pa

    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


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
    return _flatten(table), kind


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


def screen_frame(engine: "Engine", frame: Any) -> Any:
    """See :meth:`saring.Engine.screen_frame`."""
    import pyarrow as pa

    try:
        table, kind = to_table(engine, frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        kind = _kind(frame)
        return from_table(_row_fallback(engine, frame, kind), kind, frame)
    result = pa.table(engine._screen_arrow(table))
    return from_table(result, kind, frame)


class BacktestReport:
    """A back-test of a pack against labelled records.

    Attributes (pandas DataFrames): ``rules`` (per rule: hits, precision, recall, lift,
    marginal recall, ...), ``thresholds`` (per outcome threshold: tp/fp/tn/fn, precision,
    recall, f1, flag rate), ``sweep`` (every score cut-off), ``groups`` (flag rate per
    monitored group, ratio to the highest group and the four-fifths warning) and
    ``confusion`` (a confusion matrix per threshold). ``summary`` is a dict (records,
    positives, base rate, errors, outcome counts, warnings); ``to_dict()`` the whole report
    and ``to_html()`` a self-contained HTML page.
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
                "warnings",
            )
        }
        self.rules = pd.DataFrame(report.get("rules", []))
        self.thresholds = pd.DataFrame(report.get("thresholds", []))
        self.sweep = pd.DataFrame(report.get("sweep", []))
        group_rows = []
        for column in report.get("groups", []):
            for g in column.get("groups", []):
                group_rows.append({"column": column.get("column"), **g})
        self.groups = pd.DataFrame(group_rows)
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
        """Fairness and data warnings (e.g. a group below four fifths of the highest rate)."""
        return list(self._report.get("warnings", []))

    def to_dict(self) -> Dict[str, Any]:
        """The full report, as the core computes it."""
        return dict(self._report)

    def to_html(self) -> str:
        """A self-contained HTML page with every table of the report."""
        import html

        s = self.summary
        pack = s.get("pack") or {}
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>saring back-test: {html.escape(str(pack.get('id', '')))}</title>",
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
            "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;"
            "text-align:right}th{background:#eee}.warn{color:#a00}</style></head><body>",
            f"<h1>Back-test of {html.escape(str(pack.get('id', '')))} "
            f"{html.escape(str(pack.get('version', '')))}</h1>",
            f"<p>{s.get('records')} records, {s.get('positives')} positive "
            f"(label <code>{html.escape(self.label)}</code>), {s.get('errors')} errors, "
            f"{s.get('incomplete_records')} with incomplete rules.</p>",
        ]
        for w in self.warnings:
            parts.append(f"<p class='warn'>⚠ {html.escape(w)}</p>")
        for title, df in (
            ("Thresholds", self.thresholds),
            ("Confusion", self.confusion),
            ("Rules", self.rules),
            ("Groups", self.groups),
            ("Score sweep", self.sweep),
        ):
            parts.append(f"<h2>{title}</h2>")
            parts.append(df.to_html(index=False, na_rep="—") if len(df) else "<p>none</p>")
        parts.append("</body></html>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"BacktestReport(records={s.get('records')}, positives={s.get('positives')}, "
            f"rules={len(self.rules)}, warnings={len(self.warnings)})"
        )


def backtest(
    engine: "Engine", frame: Any, label: str, by: Optional[Sequence[str]] = None
) -> BacktestReport:
    """See :meth:`saring.Engine.backtest`."""
    import pyarrow as pa

    if by is None:
        names = set(_columns(frame))
        by = [f["path"] for f in engine.fields if f["monitored"] and f["path"] in names]
    by = list(by)
    table, _ = to_table(engine, frame, extra=[label, *by])
    report = engine._backtest_arrow(table, label, by)
    _ = pa
    return BacktestReport(report, label, by)


def _columns(frame: Any) -> List[str]:
    kind = _kind(frame)
    if kind in ("pandas", "polars"):
        return [str(c) for c in frame.columns]
    if kind in ("pyarrow", "pyarrow-batch"):
        return list(frame.schema.names)
    import pyarrow as pa

    return list(pa.table(frame).column_names)

"""Type stubs of the native module ``saring._saring`` (checked by ``mypy.stubtest``)."""

import datetime
from os import PathLike
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
    overload,
)

from ._errors import RecordError

# What decoding does with keys the schema does not declare.
_UnknownFields = Literal["ignore", "report", "reject"]

__version__: str
__all__ = [
    "Engine",
    "Decision",
    "DecisionLog",
    "Hit",
    "ArrowStream",
    "ScreenIter",
    "load",
    "verify_log",
    "_unpickle",
    "_unpickle_compilations",
    "_pool_threads",
    "__version__",
]

_Path = Union[str, "PathLike[str]"]
_Keys = Optional[Sequence[Union[str, "PathLike[str]"]]]
_Date = Union[str, datetime.date, None]

@final
class Hit:
    """One rule that fired."""

    @property
    def rule(self) -> str: ...
    @property
    def weight(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def remedy(self) -> Optional[str]: ...
    @property
    def references(self) -> List[str]: ...
    @property
    def evidence(self) -> Dict[str, Any]: ...
    def to_dict(self) -> Any: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Decision:
    """The result of screening one record."""

    @property
    def record(self) -> Optional[str]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def score(self) -> int: ...
    @property
    def max_score(self) -> int: ...
    @property
    def families(self) -> Any: ...
    @property
    def hits(self) -> List[Hit]: ...
    @property
    def shadow_hits(self) -> List[Hit]: ...
    @property
    def hit_ids(self) -> Tuple[str, ...]: ...
    @property
    def incomplete_ids(self) -> Tuple[str, ...]: ...
    @property
    def incomplete_kinds(self) -> Dict[str, Literal["missing", "error"]]: ...
    @property
    def incomplete(self) -> Any:
        """Undecided rules: dicts with ``rule`` and ``missing``, and when a runtime error stopped
        the rule ``error`` (message), ``error_kind`` (``"division_by_zero"``, ``"no_overload"``,
        ...), ``error_at`` (``{"file", "line", "column"}`` of the failing sub-expression) and
        ``error_expr`` (its source text); the error keys are absent otherwise."""
        ...
    @property
    def questions(self) -> Any: ...
    @property
    def invalid(self) -> List[Dict[str, str]]: ...
    @property
    def ignored_fields(self) -> List[str]: ...
    @property
    def pack(self) -> Any: ...
    def to_dict(self) -> Any: ...
    def to_json(self) -> str: ...
    def _repr_html_(self) -> Any: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class ArrowStream:
    """Result columns of ``screen_frame``, exported once through the Arrow PyCapsule interface."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

@final
class Engine:
    """A compiled rule pack, ready to screen records. Pickles by its pack files."""

    @staticmethod
    def from_files(
        files: Mapping[str, str], main: str = "pack.toml", lang: Optional[str] = None
    ) -> "Engine": ...
    @staticmethod
    def from_toml(pack: str, schema: str, lang: Optional[str] = None) -> "Engine": ...
    @staticmethod
    def from_dict(
        pack: Mapping[str, Any],
        files: Optional[Mapping[str, str]] = None,
        lang: Optional[str] = None,
    ) -> "Engine": ...
    @staticmethod
    def from_bundle(
        data: bytes,
        trusted_keys: _Keys = None,
        expect_digest: Optional[str] = None,
        today: _Date = None,
        lang: Optional[str] = None,
    ) -> "Engine": ...
    def screen(
        self,
        record: Any,
        log: Optional["DecisionLog"] = None,
        lang: Optional[str] = None,
        *,
        unknown_fields: _UnknownFields = "ignore",
    ) -> Decision: ...
    def screen_json(
        self, text: str, lang: Optional[str] = None, *, unknown_fields: _UnknownFields = "ignore"
    ) -> Decision: ...
    def screen_many(
        self,
        records: Iterable[Any],
        lang: Optional[str] = None,
        *,
        threads: Optional[int] = None,
        unknown_fields: _UnknownFields = "ignore",
    ) -> List[Decision]: ...
    @overload
    def screen_jsonl(
        self,
        lines: Union[_Path, Iterable[str]],
        *,
        lang: Optional[str] = None,
        threads: Optional[int] = None,
        errors: Literal["raise"] = "raise",
        unknown_fields: _UnknownFields = "ignore",
    ) -> List[Decision]: ...
    @overload
    def screen_jsonl(
        self,
        lines: Union[_Path, Iterable[str]],
        *,
        lang: Optional[str] = None,
        threads: Optional[int] = None,
        errors: Literal["keep"],
        unknown_fields: _UnknownFields = "ignore",
    ) -> List[Union[Decision, RecordError]]: ...
    def screen_iter(self, records: Iterable[Any]) -> ScreenIter: ...
    def screen_frame(
        self,
        frame: Any,
        *,
        missing_columns: Literal["error", "absent"] = "error",
        threads: Optional[int] = None,
    ) -> Any:
        """Screens a pandas, polars or pyarrow frame; returns the same kind of frame with
        outcome, score, hits, shadow_hits, incomplete, invalid and error columns.

        A field the pack reads with no column (dotted name or inside a struct column)
        raises ``saring.FrameError`` (code ``frame.missing_column``) before any row is
        screened; ``missing_columns="absent"`` reads such fields as absent in every row.
        """
        ...
    def backtest(
        self,
        frame: Any,
        label: str,
        by: Optional[List[str]] = None,
        *,
        missing_columns: Literal["error", "absent"] = "error",
        tolerance: Optional[float] = None,
        min_group: Optional[int] = None,
    ) -> Any: ...
    def explain(
        self, record: Any, lang: Optional[str] = None, *, unknown_fields: _UnknownFields = "report"
    ) -> Any: ...
    def _screen_arrow(
        self, data: Any, missing_columns: str = "error", threads: Optional[int] = None
    ) -> ArrowStream: ...
    def _backtest_arrow(
        self,
        data: Any,
        label: str,
        by: List[str],
        missing_columns: str = "error",
        tolerance: Optional[float] = None,
        min_group: Optional[int] = None,
    ) -> Any: ...
    def _check_columns(self, columns: List[str], missing_columns: str = "error") -> None: ...
    def with_threads(self, threads: Optional[int]) -> "Engine": ...
    @property
    def threads(self) -> Optional[int]: ...
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def language(self) -> Optional[str]: ...
    @property
    def languages(self) -> List[str]: ...
    @property
    def monitored_register(self) -> Any: ...
    @property
    def rules(self) -> Any: ...
    @property
    def thresholds(self) -> Dict[str, int]: ...
    @property
    def fields(self) -> List[Dict[str, Any]]: ...
    @property
    def files(self) -> Dict[str, str]: ...
    @property
    def main(self) -> str: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

@final
class DecisionLog:
    """An append-only, hash-chained decision log (JSONL)."""

    def __new__(
        cls,
        path: _Path,
        actor: Optional[str] = None,
        keep_records: bool = False,
        anchor_every: Optional[int] = None,
        key: Optional[_Path] = None,
        clock: Optional[str] = None,
    ) -> "DecisionLog": ...
    def append(self, engine: Engine, record: Any, decision: Decision) -> int: ...
    def review(self, record: str, verdict: str, reason: str, officer: Optional[str] = None) -> int: ...
    def verify(self, trusted_keys: _Keys = None) -> Dict[str, Any]: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    @property
    def path(self) -> str: ...
    @property
    def head(self) -> Dict[str, Any]: ...
    def __enter__(self) -> "DecisionLog": ...
    def __exit__(
        self,
        *_args: Any,
    ) -> bool: ...

def load(
    path: _Path,
    trusted_keys: _Keys = None,
    expect_digest: Optional[str] = None,
    today: _Date = None,
    lang: Optional[str] = None,
    state: Optional[_Path] = None,
    retention: Optional[str] = None,
) -> Engine: ...
def verify_log(path: _Path, trusted_keys: _Keys = None) -> Dict[str, Any]: ...
def _unpickle(
    files: Mapping[str, str], main: str, lang: Optional[str] = None, threads: Optional[int] = None
) -> Engine: ...
def _unpickle_compilations() -> int: ...
def _pool_threads(threads: Optional[int] = None) -> int: ...


@final
class ScreenIter:
    """Decisions of `Engine.screen_iter`, in input order, screened in chunks."""

    def __iter__(self) -> ScreenIter: ...
    def __next__(self) -> Decision: ...

"""Exception classes raised by saring (defined in Python so they can inherit from both
:class:`SaringError` and :class:`ValueError`)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class SaringError(Exception):
    """Base class of every error saring raises."""


class InternalError(SaringError):
    """A bug inside saring (it never crashes the interpreter: the failing call raises this).
    Please report it with the input that caused it."""


class PackError(SaringError, ValueError):
    """A rule pack could not be loaded or compiled.

    ``errors()`` lists every error diagnostic of every file (not just the first), each a dict
    with ``code``, ``severity``, ``message``, ``file``, ``line``, ``column``, ``rule`` and
    ``help`` (the diagnostic's own help, or else its code's default help; never empty).
    """

    def __init__(
        self,
        message: str,
        diagnostics: Optional[List[Dict[str, Any]]] = None,
        rendered: str = "",
    ) -> None:
        super().__init__(message)
        self._diagnostics: List[Dict[str, Any]] = list(diagnostics or [])
        self._rendered = rendered

    def errors(self) -> List[Dict[str, Any]]:
        """The error diagnostics, as dicts (copies)."""
        return [dict(d) for d in self._diagnostics if d.get("severity", "error") == "error"]

    def warnings(self) -> List[Dict[str, Any]]:
        """The warning diagnostics, as dicts (copies)."""
        return [dict(d) for d in self._diagnostics if d.get("severity") == "warning"]

    def render(self) -> str:
        """All diagnostics rendered like rustc: source line, caret, help."""
        return self._rendered

    def __reduce__(self) -> Any:
        return (type(self), (self.args[0] if self.args else "", self._diagnostics, self._rendered))


class RecordError(SaringError, ValueError):
    """A record does not fit the pack's schema.

    ``code`` is a stable code (``record.type_mismatch``, ``record.not_object``, ...), ``path``
    the dotted path of the offending field (``None`` for the record as a whole) and ``row``
    the 0-based row number in a batch (``None`` for a single record).
    """

    def __init__(
        self,
        message: str,
        code: str = "record.invalid_value",
        path: Optional[str] = None,
        row: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.path = path
        self.row = row

    def __reduce__(self) -> Any:
        return (type(self), (self.args[0] if self.args else "", self.code, self.path, self.row))


class FrameError(SaringError, ValueError):
    """A frame cannot be screened as a whole (nothing was screened).

    ``code`` is a stable code: ``frame.missing_column`` (fields the pack reads have no column
    in the frame; ``fields`` lists them; pass ``missing_columns="absent"`` to read them as
    absent in every row) or ``frame.no_column`` (a label or ``by`` column is not there).
    ``help`` says what to do about it.
    """

    def __init__(
        self,
        message: str,
        code: str = "frame.missing_column",
        fields: Optional[List[str]] = None,
        help: Optional[str] = None,
    ) -> None:
        super().__init__(message if not help else f"{message}\n  = help: {help}")
        self.code = code
        self.fields: List[str] = list(fields or [])
        self.help = help

    def __reduce__(self) -> Any:
        message = self.args[0] if self.args else ""
        if self.help:
            message = message.split("\n  = help: ")[0]
        return (type(self), (message, self.code, self.fields, self.help))


class AuditError(SaringError):
    """A decision log could not be opened, appended to or read.

    ``code`` is a stable code (``audit.torn``: the last line is torn, ``audit.locked``,
    ``audit.no_decision``, ``audit.tail``, ``audit.io``, ...), ``line`` the 1-based line of
    the log the problem is on (``None`` when there is none) and ``help`` what to do about it.
    """

    def __init__(
        self,
        message: str,
        code: str = "audit.io",
        line: Optional[int] = None,
        help: Optional[str] = None,
    ) -> None:
        super().__init__(message if not help else f"{message}\n  = help: {help}")
        self.code = code
        self.line = line
        self.help = help

    def __reduce__(self) -> Any:
        message = self.args[0] if self.args else ""
        if self.help:
            message = message.split("\n  = help: ")[0]
        return (type(self), (message, self.code, self.line, self.help))

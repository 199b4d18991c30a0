"""saring — rule-based risk screening for human review.

Rule packs (CEL conditions over a typed record schema) compile into an :class:`Engine`; the
engine screens records (dicts) or whole DataFrames and returns explained decisions —
``clear``, ``review`` or ``refer`` — for an officer to act on. saring recommends; people
decide.

>>> import saring
>>> engine = saring.load("rules/demo")                      # doctest: +SKIP
>>> engine.screen({"destination": "KH"}).outcome            # doctest: +SKIP
'review'
"""

from __future__ import annotations

from ._errors import (
    AuditError,
    FrameError,
    InternalError,
    PackError,
    RecordError,
    SaringError,
)
from ._saring import Decision, DecisionLog, Engine, Hit, __version__, load, verify_log
from ._frames import BacktestReport

__all__ = [
    "AuditError",
    "BacktestReport",
    "Decision",
    "DecisionLog",
    "Engine",
    "FrameError",
    "Hit",
    "InternalError",
    "PackError",
    "RecordError",
    "SaringError",
    "__version__",
    "load",
    "verify_log",
]

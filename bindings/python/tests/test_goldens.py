"""The shared screening goldens (`tests/goldens/*.json`): the same decisions as Rust and JS."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest

import saring
from conftest import REPO_ROOT

GOLDEN_DIR = REPO_ROOT / "tests" / "goldens"
FILES = sorted(GOLDEN_DIR.glob("*.json"))


def cases() -> List[Tuple[str, Dict[str, Any], Dict[str, Any]]]:
    out = []
    for path in FILES:
        golden = json.loads(path.read_text(encoding="utf-8"))
        for case in golden["cases"]:
            out.append((f"{path.stem}::{case['name']}", golden["pack"], case))
    return out


CASES = cases()
DICT_CASES = [c for c in CASES if "record" in c[2]]


@pytest.mark.parametrize("name, pack, case", CASES, ids=[c[0] for c in CASES])
def test_golden(name: str, pack: Dict[str, Any], case: Dict[str, Any]) -> None:
    engine = _engine(json.dumps(pack, sort_keys=True))

    lang = case.get("lang")

    def run() -> saring.Decision:
        if "history" in case:
            # Windowed aggregates: the record is the last of one batch.
            return engine.screen_many(case["history"] + [case["record"]], lang=lang)[-1]
        if "record_text" in case:
            return engine.screen_json(case["record_text"], lang=lang)
        return engine.screen(case["record"], lang=lang)

    if "expect_error" in case:
        with pytest.raises(saring.RecordError) as info:
            run()
        want = case["expect_error"]
        assert info.value.code == want["code"], name
        assert info.value.path == want.get("path"), name
    else:
        assert run().to_dict() == case["expect"], name


_ENGINES: Dict[str, saring.Engine] = {}


def _engine(key: str) -> saring.Engine:
    if key not in _ENGINES:
        pack = json.loads(key)
        _ENGINES[key] = saring.Engine.from_files(pack["files"], pack["main"])
    return _ENGINES[key]


def test_goldens_are_present() -> None:
    # A runner that finds no cases fails: the corpus is part of the repository.
    assert FILES, f"no screening goldens in {GOLDEN_DIR}"
    assert len(CASES) >= 90, len(CASES)
    assert len(DICT_CASES) >= 85, len(DICT_CASES)


@pytest.mark.parametrize("name, pack, case", DICT_CASES, ids=[c[0] for c in DICT_CASES])
def test_golden_dict_path_equals_json_path(name: str, pack: Dict[str, Any], case: Dict[str, Any]) -> None:
    """The direct dict decoder gives exactly what the JSON decoder gives, errors included."""
    engine = _engine(json.dumps(pack, sort_keys=True))
    text = json.dumps(case["record"])
    lang = case.get("lang")

    def outcome(fn: Any) -> Any:
        try:
            return fn().to_dict()
        except saring.RecordError as e:
            return (e.code, e.path, str(e))

    single = outcome(lambda: engine.screen(case["record"], lang=lang))
    assert single == outcome(lambda: engine.screen_json(text, lang=lang))
    if any("[aggregate." in text for text in pack["files"].values()):
        # Windowed aggregates: a list of one record is a batch (it has itself as history),
        # one record alone has none; the golden's `history` cases run through screen_many.
        return
    many = outcome(lambda: engine.screen_many([case["record"]], lang=lang)[0])
    if isinstance(many, tuple):
        assert many[:2] == single[:2]
    else:
        assert many == single

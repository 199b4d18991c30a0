"""The README's five-line example runs as written and prints what the README says."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re

from conftest import REPO_ROOT

import pytest

READMES = [
    pathlib.Path(__file__).resolve().parents[1] / "README.md",  # bindings/python/README.md
    pathlib.Path(__file__).resolve().parents[3] / "README.md",  # the repository's README
]


@pytest.mark.parametrize("README", READMES, ids=["bindings-readme", "top-readme"])
def test_readme_example_runs(README: pathlib.Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Five lines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    output = re.search(r"Output:\s*```text\n(.*?)```", section, re.S)
    assert code is not None and output is not None
    lines = [l for l in code.group(1).splitlines() if l.strip()]
    assert len(lines) == 5, "the README promises five lines"
    buf = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code.group(1), str(README), "exec"), {})
    finally:
        os.chdir(cwd)
    assert buf.getvalue().strip() == output.group(1).strip()

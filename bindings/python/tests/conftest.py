"""Shared fixtures: the repository root, the demo pack and a small inline pack."""

from __future__ import annotations

import pathlib
from typing import Any, Dict, List

import pytest

import saring

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
DEMO = REPO_ROOT / "rules" / "demo"

SMALL_PACK = """
[pack]
id = "small"
version = "1.0.0"
title = "Small test pack"
schema = "schema.toml"

[outcomes]
review = 20
refer = 40

[lists]
hot = ["KH", "MM"]

[[rule]]
id = "hot_one_way"
title = "One way to a hotspot"
weight = 25
when = "country in hot && !return_ticket"
reason = "One way to {country}"
remedy = "Show a return ticket"
references = ["test"]

[[rule]]
id = "young"
title = "Young traveller"
weight = 10
when = "age < 21"
reason = "Age {age}"
references = ["test"]

[[rule]]
id = "agent"
title = "Agent present"
weight = 20
when = "interview.agent_present"
reason = "Agent present"
references = ["test"]

[[rule]]
id = "shadow_salary"
title = "High salary"
weight = 5
status = "shadow"
when = "salary >= 1500.0"
reason = "Salary {salary}"
references = ["test"]
"""

SMALL_SCHEMA = """
[field.country]
type = "string"
required = true

[field.return_ticket]
type = "bool"
required = true

[field.age]
type = "int"

[field.salary]
type = "float"

[field.paid_by]
type = "enum"
values = ["self", "agent"]

[field.departed]
type = "date"

[field.interview]
type = "object"

[field.interview.agent_present]
type = "bool"
required = true

[field.sex]
type = "enum"
values = ["f", "m"]
monitored = true
"""


@pytest.fixture(scope="session")
def demo() -> saring.Engine:
    return saring.load(str(DEMO))


@pytest.fixture(scope="session")
def small() -> saring.Engine:
    return saring.Engine.from_toml(SMALL_PACK, SMALL_SCHEMA)


def small_rows(n: int = 40) -> List[Dict[str, Any]]:
    """Deterministic records for the small pack, covering hits, misses and missing data."""
    countries = ["KH", "JP", "MM", "SG"]
    rows: List[Dict[str, Any]] = []
    for i in range(n):
        row: Dict[str, Any] = {
            "country": countries[i % 4],
            "return_ticket": i % 3 == 0,
            "salary": float(500 + 100 * (i % 20)),
            "paid_by": "agent" if i % 2 else "self",
            "sex": "f" if i % 2 else "m",
        }
        if i % 5 != 0:
            row["age"] = 17 + i % 10
        if i % 7 != 0:
            row["interview"] = {"agent_present": i % 4 == 1}
        rows.append(row)
    return rows

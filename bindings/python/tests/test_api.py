"""The Python API: constructors, screening, decisions, explain and metadata."""

from __future__ import annotations

import json
import pickle

import pytest

import saring
from conftest import DEMO, SMALL_PACK, SMALL_SCHEMA, small_rows


def test_import_and_version() -> None:
    assert saring.__version__ == "0.1.0"
    assert saring.Engine.__module__ == "saring._saring"


def test_load_demo_metadata(demo: saring.Engine) -> None:
    assert demo.id == "demo-departure"
    assert demo.version == "2025.05.1"
    assert demo.digest.startswith("sha256:") and len(demo.digest) == 7 + 64
    ids = [r["id"] for r in demo.rules]
    assert ids == [
        "one_way_hotspot",
        "third_party_ticket",
        "watched_recruiter",
        "agent_present",
        "social_media_high_salary",
    ]
    first = demo.rules[0]
    assert first["weight"] == 25 and first["status"] == "active"
    assert first["when"] == "destination in hotspot && !return_ticket"
    assert demo.thresholds == {"review": 30, "refer": 60}
    paths = [f["path"] for f in demo.fields]
    assert "interview.agent_present" in paths
    sex = next(f for f in demo.fields if f["path"] == "sex")
    assert sex["monitored"] is True and sex["type"] == "enum"
    assert "demo-departure" in repr(demo)


def test_screen_decision_attributes(demo: saring.Engine) -> None:
    d = demo.screen(
        {
            "destination": "KH",
            "return_ticket": False,
            "ticket_paid_by": "agent",
            "application_date": "2025-05-01",
            "interview": {"agent_present": True},
        }
    )
    assert d.outcome == "refer"
    assert d.score == 60
    assert [h.rule for h in d.hits] == ["one_way_hotspot", "third_party_ticket", "agent_present"]
    hit = d.hits[0]
    assert hit.weight == 25
    assert hit.reason == "No return ticket for travel to KH"
    assert hit.remedy == "A return or onward ticket clears this flag"
    assert hit.evidence == {"destination": "KH", "return_ticket": False}
    assert hit.to_dict()["rule"] == "one_way_hotspot"
    assert d.shadow_hits == []
    assert d.pack == {"id": "demo-departure", "version": "2025.05.1", "digest": demo.digest}
    assert {i["rule"] for i in d.incomplete} == {"watched_recruiter", "social_media_high_salary"}
    as_dict = d.to_dict()
    assert as_dict["outcome"] == "refer" and as_dict["score"] == 60
    assert as_dict["hits"][2] == {
        "rule": "agent_present",
        "weight": 20,
        "reason": "An agent was present at the interview",
        "remedy": "Interview the passenger alone; the passenger holds their own passport",
        "references": ["research/domain.md: agents controlling documents"],
        "evidence": {"interview.agent_present": True},
    }
    # The demo pack names `id` as its record_id; this record has none.
    assert d.record is None and as_dict["record"] is None
    assert json.loads(d.to_json()) == as_dict


def test_screen_json_matches_screen(demo: saring.Engine) -> None:
    record = {"destination": "MM", "return_ticket": False, "ticket_paid_by": "self",
              "application_date": "2025-05-01"}
    assert demo.screen_json(json.dumps(record)) == demo.screen(record)


def test_from_files_and_from_toml_agree() -> None:
    a = saring.Engine.from_toml(SMALL_PACK, SMALL_SCHEMA)
    b = saring.Engine.from_files({"pack.toml": SMALL_PACK, "schema.toml": SMALL_SCHEMA})
    assert a.digest == b.digest
    assert a.main == "pack.toml"
    assert set(a.files) == {"pack.toml", "schema.toml"}


def test_from_files_with_list_file() -> None:
    pack = SMALL_PACK.replace('hot = ["KH", "MM"]', 'hot = { file = "lists/hot.txt" }')
    e = saring.Engine.from_files(
        {"pack.toml": pack, "schema.toml": SMALL_SCHEMA, "lists/hot.txt": "KH\nMM\n"}
    )
    assert e.screen({"country": "MM", "return_ticket": False}).score == 25


def test_from_dict_with_schema_dict() -> None:
    d = {
        "pack": {"id": "dict-pack", "version": "1", "title": "Dict"},
        "outcomes": {"review": 1, "refer": 2},
        "lists": {"hot": ["KH"]},
        "rule": [
            {"id": "hot", "title": "Hot", "weight": 1, "when": "country in hot",
             "reason": "Going to {country}"},
            {"id": "young", "title": "Young", "weight": 1, "when": "age < 21",
             "reason": "Age {age}"},
        ],
        "schema": {"field": {"country": {"type": "string", "required": True},
                             "age": {"type": "int"}}},
    }
    e = saring.Engine.from_dict(d)
    assert e.id == "dict-pack"
    dec = e.screen({"country": "KH", "age": 19})
    assert dec.outcome == "refer" and dec.score == 2
    assert [h.reason for h in dec.hits] == ["Going to KH", "Age 19"]
    # The caller's dict is not modified.
    assert isinstance(d["schema"], dict)


def test_from_dict_with_schema_file() -> None:
    d = {
        "pack": {"id": "dict-pack", "version": "1", "title": "Dict", "schema": "schema.toml"},
        "outcomes": {"review": 1, "refer": 2},
        "rule": [{"id": "r", "title": "R", "weight": 1, "when": "x > 1", "reason": "x"}],
    }
    e = saring.Engine.from_dict(d, files={"schema.toml": '[field.x]\ntype = "int"\n'})
    assert e.screen({"x": 5}).score == 1


def test_screen_many_matches_screen(small: saring.Engine) -> None:
    rows = small_rows(200)
    many = small.screen_many(rows)
    assert len(many) == 200
    assert [d.to_dict() for d in many] == [small.screen(r).to_dict() for r in rows]
    # any iterable works, generators included
    assert [d.score for d in small.screen_many(r for r in rows[:5])] == [d.score for d in many[:5]]
    assert small.screen_many([]) == []


def test_screen_many_reports_bad_row(small: saring.Engine) -> None:
    rows = small_rows(5)
    rows[3] = [7]
    with pytest.raises(saring.RecordError) as info:
        small.screen_many(rows)
    assert info.value.row == 3
    assert info.value.code == "record.not_object"


def test_small_pack_semantics(small: saring.Engine) -> None:
    d = small.screen({"country": "KH", "return_ticket": False, "age": 19,
                      "interview": {"agent_present": False}, "salary": 2000.0})
    assert [h.rule for h in d.hits] == ["hot_one_way", "young"]
    assert [h.rule for h in d.shadow_hits] == ["shadow_salary"]
    assert d.score == 35 and d.outcome == "review"
    # missing data is not false: the rule is incomplete, with its missing path
    d = small.screen({"country": "JP", "return_ticket": True})
    assert d.outcome == "clear"
    assert {i["rule"]: i["missing"] for i in d.incomplete}["young"] == ["age"]


def test_explain(demo: saring.Engine) -> None:
    x = demo.explain({"destination": "KH", "return_ticket": True, "ticket_paid_by": "self",
                      "application_date": "2025-05-01", "birth_date": "2000-05-02"})
    assert x["decision"]["outcome"] == "clear"
    by_rule = {r["rule"]: r for r in x["rules"]}
    assert list(by_rule) == [r["id"] for r in demo.rules]
    assert by_rule["one_way_hotspot"]["result"] == "miss"
    assert by_rule["agent_present"]["result"] == "unknown"
    assert x["derived"]["age"] == 24


def test_pickle_roundtrip(demo: saring.Engine) -> None:
    clone = pickle.loads(pickle.dumps(demo))
    assert clone.digest == demo.digest
    record = {"destination": "KH", "return_ticket": False, "ticket_paid_by": "agent",
              "application_date": "2025-05-01"}
    assert clone.screen(record) == demo.screen(record)
    assert saring.load(str(DEMO / "pack.toml")).digest == demo.digest


def test_dates_and_datetimes_from_python(small: saring.Engine) -> None:
    import datetime

    a = small.screen({"country": "JP", "return_ticket": True, "departed": datetime.date(2025, 1, 2)})
    b = small.screen({"country": "JP", "return_ticket": True, "departed": "2025-01-02"})
    assert a == b


def test_unknown_fields_ignored_reported_or_rejected(demo: saring.Engine) -> None:
    # A misspelt `return_tiket` must not pass for the missing `return_ticket`.
    record = {"destination": "KH", "return_tiket": True, "interview": {"agent_presnt": True}}
    d = demo.screen(record)
    assert d.ignored_fields == []
    assert "ignored_fields" not in d.to_dict()
    reported = demo.screen(record, unknown_fields="report")
    assert reported.ignored_fields == ["interview.agent_presnt", "return_tiket"]
    assert reported.to_dict()["ignored_fields"] == ["interview.agent_presnt", "return_tiket"]
    assert "one_way_hotspot" in reported.incomplete_ids
    assert reported.outcome == d.outcome and reported.score == d.score
    # Every front door names them the same way.
    text = json.dumps(record)
    assert demo.screen_json(text, unknown_fields="report").ignored_fields == reported.ignored_fields
    many = demo.screen_many([record, {"destination": "JP"}], unknown_fields="report")
    assert [m.ignored_fields for m in many] == [reported.ignored_fields, []]
    lines = demo.screen_jsonl([text], unknown_fields="report")
    assert lines[0].ignored_fields == reported.ignored_fields
    assert demo.explain(record)["decision"]["ignored_fields"] == reported.ignored_fields
    with pytest.raises(saring.RecordError) as e:
        demo.screen(record, unknown_fields="reject")
    assert e.value.code == "record.unknown_field"
    assert e.value.path == "interview.agent_presnt"
    with pytest.raises(saring.RecordError) as e:
        demo.screen_many([{"destination": "JP"}, record], unknown_fields="reject")
    assert e.value.row == 1
    with pytest.raises(ValueError, match="unknown_fields must be"):
        demo.screen(record, unknown_fields="warn")

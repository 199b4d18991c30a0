"""Languages, max_score, families, questions and the monitored register from Python."""

from __future__ import annotations

import pickle

import pytest

import saring
from conftest import REPO_ROOT

PACK = """
[pack]
id = "py-responsible"
version = "1.0.0"
title = "Responsible screening from Python"
schema = "schema.toml"
languages = ["id", "en"]
default_language = "en"

[outcomes]
review = 30
refer = 60
incomplete = "outcome"
family_cap = { itinerary = 40 }
refer_min_families = 2

[[rule]]
id = "hub"
title = { en = "Travel to a hub", id = "Perjalanan ke pusat penipuan" }
weight = 20
family = "itinerary"
when = "destination in ['KH', 'MM']"
reason = { en = "Travel to {destination}", id = "Perjalanan ke {destination}" }
remedy = { en = "Show the booking", id = "Tunjukkan pemesanan" }

[[rule]]
id = "one_way"
title = "One way"
weight = 30
family = "itinerary"
when = "!return_ticket"
reason = { en = "No return ticket", id = "Tidak ada tiket pulang" }
remedy = { en = "Show a return ticket", id = "Tunjukkan tiket pulang" }

[[rule]]
id = "agent"
title = "Agent present"
weight = 35
family = "control"
when = "agent"
reason = { en = "An agent answered for the traveller", id = "Agen menjawab untuk Anda" }
remedy = { en = "A private interview", id = "Wawancara secara pribadi" }

[[rule]]
id = "minor_worker"
title = "Minor travelling for work"
weight = 40
family = "eligibility"
when = "age < 18 && work"
uses_monitored = { why = "legal eligibility: the minimum age for migrant work is eighteen", references = ["synthetic statute"], approved_by = "test DPO" }
reason = { en = "Under 18 and travelling for work", id = "Di bawah 18 tahun dan berangkat untuk bekerja" }
remedy = { en = "Child protection referral", id = "Rujukan perlindungan anak" }
"""

SCHEMA = """
[field.destination]
type = "string"
required = true
[field.return_ticket]
type = "bool"
required = true
question = { en = "Do you have a return ticket?", id = "Apakah Anda punya tiket pulang?" }
[field.agent]
type = "bool"
required = true
[field.age]
type = "int"
monitored = true
[field.work]
type = "bool"
"""

RECORD = {"destination": "KH", "return_ticket": False, "agent": False}


@pytest.fixture(scope="module")
def engine() -> saring.Engine:
    return saring.Engine.from_toml(PACK, SCHEMA)


def test_lang_per_call_and_default(engine: saring.Engine) -> None:
    assert engine.language == "en"
    assert engine.languages == ["id", "en"]
    en = engine.screen(RECORD)
    id_ = engine.screen(RECORD, lang="id")
    assert [h.reason for h in en.hits] == ["Travel to KH", "No return ticket"]
    assert [h.reason for h in id_.hits] == ["Perjalanan ke KH", "Tidak ada tiket pulang"]
    assert id_.hits[1].remedy == "Tunjukkan tiket pulang"
    assert [d.hits[0].reason for d in engine.screen_many([RECORD, RECORD], lang="id")] == [
        "Perjalanan ke KH",
        "Perjalanan ke KH",
    ]
    assert engine.screen_json('{"destination": "KH", "return_ticket": false, "agent": false}', lang="id") == id_
    explained = engine.explain(RECORD, lang="id")
    assert explained["rules"][0]["title"] == "Perjalanan ke pusat penipuan"
    assert explained["rules"][0]["reason"] == "Perjalanan ke KH"


def test_load_time_language_survives_pickling() -> None:
    indonesian = saring.Engine.from_toml(PACK, SCHEMA, lang="id")
    assert indonesian.language == "id"
    assert indonesian.rules[0]["title"] == "Perjalanan ke pusat penipuan"
    assert indonesian.rules[0]["family"] == "itinerary"
    again = pickle.loads(pickle.dumps(indonesian))
    assert again.language == "id"
    assert again.screen(RECORD).hits[0].reason == "Perjalanan ke KH"
    # The per-call language wins over the load-time one.
    assert again.screen(RECORD, lang="en").hits[0].reason == "Travel to KH"


def test_unknown_language_is_a_value_error(engine: saring.Engine) -> None:
    with pytest.raises(ValueError, match=r"the pack has no texts in `fr`; its languages are `id`, `en`"):
        engine.screen(RECORD, lang="fr")
    with pytest.raises(ValueError, match="the pack has no texts in `fr`"):
        saring.Engine.from_toml(PACK, SCHEMA, lang="fr")


def test_families_caps_and_two_family_refer(engine: saring.Engine) -> None:
    one_family = engine.screen(RECORD)
    assert (one_family.outcome, one_family.score, one_family.families) == ("review", 40, {"itinerary": 40})
    two = engine.screen(dict(RECORD, agent=True))
    assert (two.outcome, two.score, two.families) == ("refer", 75, {"control": 35, "itinerary": 40})


def test_max_score_and_the_incomplete_outcome(engine: saring.Engine) -> None:
    d = engine.screen({"destination": "JP", "agent": False}, lang="id")
    # one_way (30) and minor_worker (40; age and work both absent) are incomplete
    assert (d.outcome, d.score, d.max_score) == ("incomplete", 0, 70)
    # Fields without a question text are asked by path.
    assert d.questions == [
        {"question": "Apakah Anda punya tiket pulang?", "fields": ["return_ticket"]},
        {"question": "age", "fields": ["age"]},
        {"question": "work", "fields": ["work"]},
    ]
    as_dict = d.to_dict()
    assert as_dict["max_score"] == 70 and as_dict["families"] == {} and as_dict["questions"] == d.questions
    assert 'outcome="incomplete"' in repr(d)


def test_monitored_register(engine: saring.Engine) -> None:
    assert engine.monitored_register == [
        {
            "rule": "minor_worker",
            "fields": ["age"],
            "why": "legal eligibility: the minimum age for migrant work is eighteen",
            "references": ["synthetic statute"],
            "approved_by": "test DPO",
        }
    ]


def test_bundled_departure_pack_in_bahasa_indonesia() -> None:
    engine = saring.load(REPO_ROOT / "rules" / "id-pmi" / "departure.toml", lang="id")
    record = {
        "stage": "departure",
        "event_date": "2026-03-01",
        "stated_purpose": "tourism",
        "destination_country": "KH",
        "supporting_docs": [],
        "legs": [],
        "passport_held_by_other": False,
        "interview": {"purpose_explained": True, "knows_destination_contact": True, "carries_job_documents": False},
        "history": {"pmi_np_findings": [], "previous_passports_count": 0},
        "nik": "3201054512990003",
        "sex": "female",
        "birth_date": "1999-12-05",
        "province": "Bali",
    }
    d = engine.screen(record)
    assert d.outcome == "incomplete"
    assert [q["question"] for q in d.questions] == [
        "Apakah Anda punya tiket pulang, atau tiket lanjutan untuk keluar dari kawasan itu?",
        "Siapa yang membayar tiket Anda?",
    ]
    assert engine.monitored_register == []

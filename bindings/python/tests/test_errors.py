"""Errors: structured PackError / RecordError, and hostile packs and records that must never
crash the interpreter or surface a panic."""

from __future__ import annotations

import pytest

import saring
from conftest import SMALL_PACK, SMALL_SCHEMA


def test_exception_hierarchy() -> None:
    assert issubclass(saring.PackError, saring.SaringError)
    assert issubclass(saring.PackError, ValueError)
    assert issubclass(saring.RecordError, saring.SaringError)
    assert issubclass(saring.RecordError, ValueError)


def test_pack_error_unknown_field_with_location() -> None:
    pack = SMALL_PACK.replace('when = "age < 21"', 'when = "agee < 21"')
    with pytest.raises(saring.PackError) as info:
        saring.Engine.from_toml(pack, SMALL_SCHEMA)
    errors = info.value.errors()
    assert len(errors) >= 1
    e = errors[0]
    assert set(e) >= {"code", "message", "file", "line", "column", "rule", "help"}
    assert e["file"] == "pack.toml"
    assert e["rule"] == "young"
    assert isinstance(e["line"], int) and e["line"] > 1
    assert "agee" in e["message"]
    assert e["help"] is not None and "age" in e["help"]
    assert "agee" in info.value.render()


def test_pack_error_collects_all_errors() -> None:
    pack = SMALL_PACK.replace('when = "age < 21"', 'when = "agee < 21"').replace(
        'when = "salary >= 1500.0"', 'when = "salary >= \'x\'"'
    )
    with pytest.raises(saring.PackError) as info:
        saring.Engine.from_toml(pack, SMALL_SCHEMA)
    rules = {e["rule"] for e in info.value.errors()}
    assert {"young", "shadow_salary"} <= rules


def test_protected_field_is_rejected() -> None:
    schema = SMALL_SCHEMA + '\n[field.religion]\ntype = "string"\nprotected = true\n'
    pack = SMALL_PACK.replace('when = "age < 21"', "when = \"religion == 'x'\"")
    with pytest.raises(saring.PackError) as info:
        saring.Engine.from_toml(pack, schema)
    assert "pack.protected_field" in [e["code"] for e in info.value.errors()]


@pytest.mark.parametrize(
    "pack",
    [
        "this is [not toml",
        "",
        "[pack]\nid = 1\n",
        SMALL_PACK.replace("[outcomes]", "[outcomes]\nbogus = 3"),
        SMALL_PACK + "\n[unknown_table]\nx = 1\n",
        SMALL_PACK.replace('when = "age < 21"', 'when = "' + "(" * 5000 + "1" + ")" * 5000 + '"'),
        SMALL_PACK.replace('when = "age < 21"', 'when = "' + "!" * 100000 + 'true"'),
        SMALL_PACK.replace('when = "age < 21"', "when = \"country.matches('(a+)+(' )\""),
        SMALL_PACK.replace('when = "age < 21"', 'when = "rules.young"'),
        "\x00\xff" * 100,
    ],
    ids=["bad-toml", "empty", "wrong-type", "unknown-key", "unknown-table", "deep-parens",
         "deep-unary", "bad-regex", "self-cycle", "binary"],
)
def test_hostile_packs_raise_pack_error(pack: str) -> None:
    with pytest.raises(saring.PackError) as info:
        saring.Engine.from_toml(pack, SMALL_SCHEMA)
    assert info.value.errors(), "a PackError always carries at least one error"
    for e in info.value.errors():
        assert isinstance(e["code"], str) and e["code"]


def test_hostile_schema_raises_pack_error() -> None:
    deep = "".join(f"[field.{'.'.join(['a'] * i)}]\ntype = \"object\"\n" for i in range(1, 200))
    for schema in ["[field.x]\ntype = \"nope\"\n", deep, "[[[", "[field.x]\n"]:
        with pytest.raises(saring.PackError):
            saring.Engine.from_toml(SMALL_PACK, schema)


def test_missing_files() -> None:
    with pytest.raises(saring.PackError):
        saring.load("/nonexistent/saring/pack")
    with pytest.raises(saring.PackError):
        saring.Engine.from_files({"schema.toml": SMALL_SCHEMA})
    with pytest.raises(saring.PackError):
        saring.Engine.from_dict({"pack": "not a table"})
    with pytest.raises(saring.PackError):
        saring.Engine.from_dict({"pack": {"id": object()}})


def test_invalid_field_makes_only_its_rules_incomplete(small: saring.Engine) -> None:
    d = small.screen({"country": "KH", "return_ticket": "no"})
    assert [(f["path"], f["code"]) for f in d.invalid] == [
        ("return_ticket", "record.type_mismatch")
    ]
    undecided = {i["rule"]: i for i in d.incomplete}
    assert "expected bool" in undecided["hot_one_way"]["error"]
    d = small.screen({"country": "KH", "interview": {"agent_present": 1}})
    assert d.invalid[0]["path"] == "interview.agent_present"
    d = small.screen({"country": "KH", "paid_by": "cousin"})
    assert d.invalid[0]["code"] == "record.invalid_value"
    assert d.invalid[0]["path"] == "paid_by"
    assert d.to_dict()["invalid"][0]["path"] == "paid_by"


@pytest.mark.parametrize(
    "record, code",
    [
        ([1, 2], "record.not_object"),
        ("text", "record.not_object"),
        (None, "record.not_object"),
        (42, "record.not_object"),
        ({"country": object()}, "record.type_mismatch"),
        ({"country": "KH", 3: "x"}, "record.type_mismatch"),
        ({"country": 2**80}, "record.invalid_value"),
    ],
    ids=["list", "str", "none", "int", "object", "int-key", "bigint"],
)
def test_hostile_records(small: saring.Engine, record: object, code: str) -> None:
    with pytest.raises(saring.RecordError) as info:
        small.screen(record)
    assert info.value.code == code


def test_int_overflow_is_an_invalid_field(small: saring.Engine) -> None:
    # 2**63 fits no `int` field: only the rules reading `age` are incomplete.
    d = small.screen({"country": "KH", "age": 2**63})
    assert [(i["code"], i["path"]) for i in d.invalid] == [("record.invalid_value", "age")]
    assert "young" in [i["rule"] for i in d.incomplete]


def test_deeply_nested_record(small: saring.Engine) -> None:
    deep: object = "x"
    for _ in range(100_000 // 100):
        deep = {"a": deep}
    with pytest.raises(saring.RecordError) as info:
        small.screen({"country": "KH", "return_ticket": True, "extra": deep})
    assert info.value.code == "record.too_large"
    lst: object = []
    for _ in range(5000):
        lst = [lst]
    with pytest.raises(saring.RecordError):
        small.screen({"country": "KH", "extra": lst})
    with pytest.raises(saring.RecordError):
        small.screen_json("[" * 100_000)


def test_self_referencing_record_does_not_hang(small: saring.Engine) -> None:
    d: dict = {"country": "KH", "return_ticket": True}
    d["self"] = d
    with pytest.raises(saring.RecordError):
        small.screen(d)


def test_bad_json_text(small: saring.Engine) -> None:
    with pytest.raises(saring.RecordError) as info:
        small.screen_json('{"country": ')
    assert info.value.code == "record.syntax"


def test_errors_pickle() -> None:
    import pickle

    e = saring.RecordError("bad", "record.type_mismatch", "x", 3)
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.code, e2.path, e2.row) == ("record.type_mismatch", "x", 3)


def test_format_precision_from_a_record_is_an_incomplete_rule_not_a_panic() -> None:
    """A `format()` precision over Rust's formatter limit once panicked across FFI."""
    schema = '[field.fmt]\ntype = "string"\nrequired = true\n[field.x]\ntype = "float"\nrequired = true\n'
    pack = (
        '[pack]\nid = "p"\nversion = "1"\ntitle = "t"\n[outcomes]\nreview = 1\nrefer = 2\n'
        '[[rule]]\nid = "fmt"\ntitle = "t"\nweight = 1\nwhen = "fmt.format([x]) == \'1\'"\nreason = "r"\n'
        '[[rule]]\nid = "lit"\ntitle = "t"\nweight = 1\nwhen = "\'%.70000f\'.format([x]) == \'1\'"\nreason = "r"\n'
    )
    engine = saring.Engine.from_toml(pack, schema)
    decision = engine.screen({"fmt": "%.70000f", "x": 0.5})
    assert decision.outcome == "clear"
    incomplete = {i["rule"]: i for i in decision.incomplete}
    assert set(incomplete) == {"fmt", "lit"}
    assert "precision 70000 is over the limit" in incomplete["fmt"]["error"]
    assert [d.outcome for d in engine.screen_many([{"fmt": "%.70000e", "x": 1.0}] * 3)] == ["clear"] * 3


def test_internal_error_is_a_saring_error() -> None:
    assert issubclass(saring.InternalError, saring.SaringError)
    assert not issubclass(saring.InternalError, ValueError)


DIVISION_SCHEMA = '[field.a]\ntype = "int"\nrequired = true\n[field.b]\ntype = "int"\nrequired = true\n'
DIVISION_PACK = (
    '[pack]\nid = "p"\nversion = "1"\ntitle = "t"\n[outcomes]\nreview = 1\nrefer = 2\n'
    '[[rule]]\nid = "ratio"\ntitle = "t"\nweight = 1\nwhen = "a / b > 1"\nreason = "r"\n'
    '[[rule]]\nid = "idx"\ntitle = "t"\nweight = 1\nwhen = "[1, 2][a] == 1"\nreason = "r"\n'
)


def test_runtime_error_kind_and_place() -> None:
    """A rule stopped by a runtime error names its kind and the failing sub-expression."""
    engine = saring.Engine.from_toml(DIVISION_PACK, DIVISION_SCHEMA)
    decision = engine.screen({"a": 4, "b": 0})
    incomplete = {i["rule"]: i for i in decision.incomplete}
    ratio = incomplete["ratio"]
    assert ratio["error"] == "division by zero"
    assert ratio["error_kind"] == "division_by_zero"
    assert ratio["error_expr"] == "a / b"
    assert ratio["error_at"] == {"file": "pack.toml", "line": 12, "column": 9}
    idx = incomplete["idx"]
    assert idx["error_kind"] == "index_out_of_range"
    assert idx["error_expr"] == "[1, 2][a]"
    assert idx["error"] == "index out of range: 4"
    assert decision.incomplete_kinds == {"ratio": "error", "idx": "error"}
    # Missing data carries none of the error keys.
    plain = saring.Engine.from_toml(SMALL_PACK, SMALL_SCHEMA)
    for entry in plain.screen({}).incomplete:
        assert not {"error_kind", "error_at", "error_expr"} & set(entry)

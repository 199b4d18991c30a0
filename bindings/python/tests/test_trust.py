"""Trust in deployment from Python: record ids, references, bundles with trusted keys and
pinned digests, expired lists, and the decision log (append, review, verify, tampering)."""

from __future__ import annotations

import datetime
import json
import pathlib
import shutil
import subprocess
from typing import Any, Dict, List

import pytest

import saring
from conftest import DEMO, REPO_ROOT

DEPARTURE = REPO_ROOT / "rules" / "id-pmi" / "departure.toml"
EXAMPLES = REPO_ROOT / "rules" / "id-pmi" / "examples" / "labelled.jsonl"
CLOCK = "2026-05-01T08:00:00Z"


def records(n: int) -> List[Dict[str, Any]]:
    out = []
    with EXAMPLES.open(encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line))
            if len(out) == n:
                break
    return out


def saring_cli() -> List[str]:
    """The `saring` binary cargo built next to the tests (for keys and bundles)."""
    for profile in ("debug", "release"):
        exe = REPO_ROOT / "target" / profile / "saring"
        if exe.exists():
            return [str(exe)]
    return ["cargo", "run", "--quiet", "-p", "saring-cli", "--"]


def run(*args: str, cwd: pathlib.Path) -> str:
    done = subprocess.run([*saring_cli(), *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    d = tmp_path_factory.mktemp("keys")
    run("keygen", "-o", "a", cwd=d)
    run("keygen", "-o", "b", cwd=d)
    return d


@pytest.fixture(scope="module")
def bundle(keys: pathlib.Path) -> pathlib.Path:
    path = keys / "departure.bundle"
    run("bundle", "build", str(DEPARTURE), "-o", str(path), cwd=keys)
    run("bundle", "sign", str(path), "--key", "a.key", cwd=keys)
    return path


def test_decisions_carry_the_record_id_and_hits_their_references() -> None:
    engine = saring.load(DEPARTURE)
    rows = records(300)
    decisions = engine.screen_many(rows)
    assert [d.record for d in decisions] == [r["record_id"] for r in rows]
    assert decisions[0].to_json().startswith('{"record":"' + rows[0]["record_id"] + '",')
    assert decisions[0].to_dict()["record"] == rows[0]["record_id"]
    flagged = next(d for d in decisions if d.hits)
    assert flagged.hits[0].references, "bundled rules cite their sources"
    assert flagged.hits[0].to_dict()["references"] == flagged.hits[0].references
    assert "record=" in repr(flagged)
    # A record without its id: `record` is None, and `null` in the JSON.
    no_id = dict(rows[0])
    del no_id["record_id"]
    d = engine.screen(no_id)
    assert d.record is None and d.to_dict()["record"] is None


def test_load_requires_the_trusted_key_and_the_pinned_digest(
    keys: pathlib.Path, bundle: pathlib.Path
) -> None:
    a_pub = (keys / "a.pub").read_text()
    engine = saring.load(bundle, trusted_keys=[keys / "a.pub"])
    assert engine.id == "id-pmi-departure"
    same = saring.load(bundle, trusted_keys=[a_pub.splitlines()[-1]], expect_digest=engine.digest)
    assert same.digest == engine.digest
    assert same.digest == saring.load(DEPARTURE).digest
    with pytest.raises(saring.PackError) as info:
        saring.load(bundle, trusted_keys=[keys / "b.pub"])
    assert info.value.errors()[0]["code"] == "bundle.untrusted"
    with pytest.raises(saring.PackError) as info:
        saring.load(bundle, expect_digest="sha256:" + "0" * 64)
    assert info.value.errors()[0]["code"] == "pack.digest_mismatch"
    with pytest.raises(saring.PackError) as info:
        saring.load(DEPARTURE, trusted_keys=[keys / "a.pub"])
    assert info.value.errors()[0]["code"] == "bundle.unsigned"
    with pytest.raises(TypeError):
        saring.load(bundle, trusted_keys=a_pub)  # one string, not a list
    # From bytes; a changed byte is refused; a bundle engine pickles like any other.
    data = bundle.read_bytes()
    from_bytes = saring.Engine.from_bundle(data, trusted_keys=[keys / "a.pub"])
    assert from_bytes.digest == engine.digest
    import pickle

    assert pickle.loads(pickle.dumps(from_bytes)).digest == engine.digest
    at = data.find(b"scam_hub_countries")
    tampered = data[:at] + b"S" + data[at + 1 :]
    with pytest.raises(saring.PackError) as info:
        saring.Engine.from_bundle(tampered)
    assert info.value.errors()[0]["code"] in {"bundle.file_changed", "bundle.signature"}


def test_an_expired_list_is_refused_against_an_injectable_today(tmp_path: pathlib.Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(DEMO, pack)
    toml = pack / "pack.toml"
    toml.write_text(
        toml.read_text().replace(
            'sharing = "restricted"', 'sharing = "restricted", expires = 2026-03-31'
        )
    )
    assert saring.load(pack, today=datetime.date(2026, 3, 31)).id == "demo-departure"
    with pytest.raises(saring.PackError) as info:
        saring.load(pack, today="2026-04-01")
    error = info.value.errors()[0]
    assert error["code"] == "pack.list_expired"
    assert error["message"] == "list `watch_recruiters` expired on 2026-03-31"
    with pytest.raises(ValueError):
        saring.load(pack, today="April")


def test_a_decision_log_records_decisions_reviews_and_verifies(tmp_path: pathlib.Path) -> None:
    engine = saring.load(DEPARTURE)
    path = tmp_path / "decisions.jsonl"
    rows = records(50)
    with saring.DecisionLog(path, actor="tpi-cgk", clock=CLOCK) as log:
        decisions = [engine.screen(r, log=log) for r in rows]
        assert log.head["seq"] == 50
        flagged = next(d for d in decisions if d.outcome != "clear")
        seq = log.review(flagged.record, "confirmed", "agent held the passport", officer="officer-7")
        assert seq == 51
        with pytest.raises(saring.AuditError) as info:
            log.review("SYN-NOPE", "confirmed", "x")
        assert info.value.code == "audit.no_decision"
        with pytest.raises(ValueError):
            log.review(flagged.record, "maybe", "x")
        report = log.verify()
        assert report["ok"] and report["entries"] == 51 and report["reviews"] == 1
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    assert first["kind"] == "decision" and first["seq"] == 1 and first["prev"] is None
    assert first["time"] == "2026-05-01T08:00:00.000Z" and first["actor"] == "tpi-cgk"
    assert first["decision"] == decisions[0].to_dict()
    assert "input" not in first, "only the record's hash is kept by default"
    review = json.loads(lines[50])
    assert review["record"] == flagged.record and review["actor"] == "officer-7"
    assert saring.verify_log(path)["ok"]

    # The log is locked while open; closed, it resumes its chain.
    with saring.DecisionLog(path, clock=CLOCK) as again:
        with pytest.raises(saring.AuditError) as info:
            saring.DecisionLog(path)
        assert info.value.code == "audit.locked"
        again.append(engine, rows[0], decisions[0])
    assert saring.verify_log(path)["entries"] == 52

    # Tampering is named by line.
    text = path.read_text()
    broken = text.replace('"score":', '"score":1', 1)
    path.write_text(broken)
    report = saring.verify_log(path)
    assert not report["ok"] and report["error"]["line"] == 1
    assert report["error"]["code"] == "audit.changed"
    # A torn tail is refused with its line number, never chained over.
    path.write_text(text + '{"seq":53,"kind":"dec')
    with pytest.raises(saring.AuditError) as info:
        saring.DecisionLog(path)
    assert info.value.code == "audit.torn" and info.value.line == 53
    assert "saring audit repair" in str(info.value)


def test_kept_records_and_signed_anchors(tmp_path: pathlib.Path, keys: pathlib.Path) -> None:
    engine = saring.load(DEPARTURE)
    path = tmp_path / "kept.jsonl"
    log = saring.DecisionLog(
        path, keep_records=True, anchor_every=10, key=keys / "a.key", clock=CLOCK
    )
    rows = records(25)
    for r in rows:
        engine.screen(r, log=log)
    log.close()
    with pytest.raises(ValueError):
        log.head
    entries = [json.loads(l) for l in path.read_text().splitlines()]
    assert [e["kind"] for e in entries].count("anchor") == 3
    assert entries[0]["input"]["record_id"] == rows[0]["record_id"]
    report = saring.verify_log(path, trusted_keys=[keys / "a.pub"])
    assert report["ok"] and report["anchors_verified"] == 3
    wrong = saring.verify_log(path, trusted_keys=[keys / "b.pub"])
    assert not wrong["ok"] and wrong["error"]["code"] == "audit.anchor"
    assert wrong["error"]["line"] == 11

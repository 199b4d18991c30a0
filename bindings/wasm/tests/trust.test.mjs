// Trust in the browser build: record ids and references in decisions, bundles with trusted
// keys and pinned digests, expired lists, list sharing classes, and decision-log checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine, repo, saring } from "./support.mjs";

/** Runs the `saring` CLI (built by cargo next to the repository) in `cwd`. */
function cli(cwd, ...args) {
  const built = ["debug", "release"]
    .map((p) => join(repo, "target", p, "saring"))
    .find((p) => existsSync(p));
  const [cmd, pre] = built ? [built, []] : ["cargo", ["run", "--quiet", "-p", "saring-cli", "--"]];
  return spawnSync(cmd, [...pre, ...args], { cwd, encoding: "utf8" });
}

/** Runs the CLI and requires success. */
function ok(cwd, ...args) {
  const run = cli(cwd, ...args);
  assert.equal(run.status, 0, `saring ${args.join(" ")}: ${run.stderr}`);
  return run;
}

const dir = mkdtempSync(join(tmpdir(), "saring-js-trust-"));
ok(dir, "keygen", "-o", "a");
ok(dir, "keygen", "-o", "b");
ok(dir, "bundle", "build", join(repo, "rules", "id-pmi", "departure.toml"), "-o", "departure.bundle");
ok(dir, "bundle", "sign", "departure.bundle", "--key", "a.key");
const bundle = new Uint8Array(readFileSync(join(dir, "departure.bundle")));
const keyOf = (name) => readFileSync(join(dir, `${name}.pub`), "utf8");

/** The files of a pack directory, by name relative to it. */
function packFiles(root, rel = "") {
  const out = {};
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const name = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== "examples") Object.assign(out, packFiles(root, name));
    } else if (/\.(toml|txt)$/.test(entry.name)) {
      out[name] = readFileSync(join(root, name), "utf8");
    }
  }
  return out;
}

const idPmi = packFiles(join(repo, "rules", "id-pmi"));
const departures = readFileSync(join(repo, "rules", "id-pmi", "examples", "labelled.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .slice(0, 200)
  .map((l) => JSON.parse(l));

test("decisions carry the record id first and hits their references", () => {
  const engine = Engine.fromPack(idPmi, "departure.toml");
  const decisions = departures.map((r) => engine.screen(r));
  assert.deepEqual(decisions.map((d) => d.record), departures.map((r) => r.record_id));
  assert.equal(Object.keys(decisions[0])[0], "record");
  const flagged = decisions.find((d) => d.hits.length > 0);
  assert.ok(flagged.hits[0].references.length > 0);
  const { record_id: _, ...noId } = departures[0];
  assert.equal(engine.screen(noId).record, null);
});

test("fromBundle checks the signature, the digest and the files", () => {
  const engine = Engine.fromBundle(bundle, { trustedKeys: [keyOf("a")] });
  assert.equal(engine.id, "id-pmi-departure");
  assert.equal(engine.digest, Engine.fromPack(idPmi, "departure.toml").digest);
  const pinned = Engine.fromBundle(bundle, { expectDigest: engine.digest });
  assert.equal(pinned.digest, engine.digest);
  const refused = (bytes, options, code) =>
    assert.throws(
      () => Engine.fromBundle(bytes, options),
      (e) => e.name === "PackError" && e.code === code && e.diagnostics[0].code === code,
    );
  refused(bundle, { trustedKeys: [keyOf("b")] }, "bundle.untrusted");
  refused(bundle, { expectDigest: "sha256:" + "0".repeat(64) }, "pack.digest_mismatch");
  // A byte of a list file (its header comment appears nowhere else).
  const at = Buffer.from(bundle).indexOf("Maintained as data");
  assert.ok(at > 0);
  const tampered = bundle.slice();
  tampered[at] ^= 0x20;
  refused(tampered, {}, "bundle.file_changed");
  refused(new Uint8Array([1, 2, 3]), {}, "bundle.format");
  assert.throws(() => Engine.fromBundle(bundle, { trustedKeys: "nope" }), (e) => e.code === "js.invalid_argument");
});

test("lists carry their sharing class; public builds can tell", () => {
  const engine = Engine.fromBundle(bundle);
  const lists = Object.fromEntries(engine.lists.map((l) => [l.name, l]));
  assert.equal(lists.scam_hub_countries.sharing, "public");
  assert.equal(lists.watch_recruiter_ids.sharing, "restricted");
  assert.ok(lists.scam_hub_countries.items > 0);
  assert.equal(lists.visit_purposes.expires, null);
  const citizen = Engine.fromPack(packFiles(join(repo, "rules", "job-offer")));
  assert.ok(citizen.lists.every((l) => l.sharing === "public"), "the citizen pack embeds only public lists");
});

test("an expired list is refused against the given day", () => {
  const files = { ...idPmi };
  files["departure.toml"] = files["departure.toml"].replace(
    'visit_purposes = { items = ["tourism", "family_visit"], sharing = "public" }',
    'visit_purposes = { items = ["tourism", "family_visit"], sharing = "public", expires = 2020-03-31 }',
  );
  assert.notEqual(files["departure.toml"], idPmi["departure.toml"]);
  assert.throws(
    () => Engine.fromPack(files, "departure.toml"),
    (e) => e.code === "pack.list_expired" && e.message.includes("`visit_purposes` expired on 2020-03-31"),
  );
});

test("verifyLog checks a decision log written by the CLI", () => {
  const run = ok(
    dir,
    "screen", "-q", "--pack", "departure.bundle", join(repo, "rules", "id-pmi", "examples", "labelled.jsonl"),
    "--log", "log.jsonl", "-o", "out.jsonl", "--anchor-every", "500", "--key", "a.key",
  );
  const text = readFileSync(join(dir, "log.jsonl"), "utf8");
  const report = saring.verifyLog(text, { trustedKeys: [keyOf("a")] });
  assert.equal(report.ok, true, JSON.stringify(report.error));
  assert.equal(report.decisions, 2000);
  assert.equal(report.anchors_verified, 4);
  const lines = text.split("\n");
  [lines[9], lines[10]] = [lines[10], lines[9]];
  const swapped = saring.verifyLog(lines.join("\n"));
  assert.equal(swapped.ok, false);
  assert.equal(swapped.error.line, 10);
  assert.equal(saring.verifyLog(text, { trustedKeys: [keyOf("b")] }).error.code, "audit.anchor");
  const torn = saring.verifyLog(text.slice(0, -20));
  assert.equal(torn.error.code, "audit.torn");
});

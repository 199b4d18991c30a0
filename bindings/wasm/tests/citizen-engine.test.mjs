// The citizen site's engine (target/wasm/pkg-citizen, built by `cargo xtask` with only the
// features its embedded pack needs): it screens the job-offer pack exactly as the full engine
// does, and refuses — never evaluates differently — a pack that needs what it was built
// without (`build.unavailable`, naming the rule, the file and the line). It reads packs as JSON
// only (no TOML parser): the site embeds the job-offer pack's JSON form (`packs.js`), whose digest
// is the TOML pack's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Engine as Full, repo } from "./support.mjs";

const dir = process.env.SARING_CITIZEN_ENGINE ?? join(repo, "target", "wasm", "pkg-citizen");
const citizen = await import(pathToFileURL(join(dir, "saring_wasm.js")).href);
citizen.initSync({ module: readFileSync(join(dir, "saring_wasm_bg.wasm")) });
const { Engine } = citizen;

const site = process.env.SARING_CITIZEN_SITE ?? join(repo, "target", "wasm", "site", "citizen");
const { packs } = await import(pathToFileURL(join(site, "packs.js")).href);

const read = (file) => readFileSync(join(repo, "rules", "job-offer", file), "utf8");
const jobOffer = () => ({
  "pack.toml": read("pack.toml"),
  "schema.toml": read("schema.toml"),
  "lists/scam_roles.txt": read("lists/scam_roles.txt"),
  "lists/non_placement_countries.txt": read("lists/non_placement_countries.txt"),
  "lists/scam_hub_cities.txt": read("lists/scam_hub_cities.txt"),
});

test("the citizen engine gives the full engine's decisions on the job-offer pack", () => {
  const lines = read("examples/offers.jsonl").split("\n").filter((l) => l.trim());
  assert.equal(lines.length, 3, "examples/offers.jsonl: the three example offers");
  lines.push("{}", JSON.stringify({ employer: { city: "Sihanoukville" }, visa_type: "tourist_visa", upfront_fee_paid: true }));
  const reduced = Engine.fromJson(packs.citizen);
  const full = Full.fromPack(jobOffer());
  assert.equal(reduced.digest, full.digest);
  assert.equal(packs.citizen.digest, full.digest);
  assert.match(full.digest, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(Full.fromJson(packs.citizen).rules, full.rules);
  assert.deepEqual(reduced.rules, full.rules);
  for (const line of lines) {
    assert.deepEqual(reduced.screen(line), full.screen(line), line);
  }
  assert.equal(reduced.screen(lines[4]).outcome, full.screen(lines[4]).outcome);
  assert.notEqual(full.screen(lines[4]).hits.length, 0);
});

test("the citizen engine reads no TOML: a TOML pack is refused with build.unavailable", () => {
  assert.throws(
    () => Engine.fromPack(jobOffer()),
    (e) => {
      assert.equal(e.code, "build.unavailable");
      const [d] = e.diagnostics;
      assert.equal(d.file, "pack.toml");
      assert.equal(d.message, "`pack.toml` is TOML, which this build of saring does not read (feature `toml`)");
      return true;
    },
  );
});

test("the citizen engine has no bundle loader", () => {
  assert.equal(typeof Engine.fromBundle, "undefined");
  assert.equal(typeof citizen.verifyLog, "undefined");
});

/** A pack whose one rule calls `when`, as JSON files (`when` on line 15 of pack.json). */
const pack = (when) => ({
  "pack.json": `{
  "pack": {
    "id": "needs",
    "version": "1",
    "title": "needs",
    "schema": "schema.json"
  },
  "outcomes": { "review": 10, "refer": 20 },
  "rule": [
    {
      "id": "the_rule",
      "title": "t",
      "weight": 10,
      "status": "active",
      "when": ${JSON.stringify(when)},
      "reason": "r",
      "references": ["x"]
    }
  ]
}
`,
  "schema.json": JSON.stringify({ field: { name: { type: "string", required: true }, at: { type: "timestamp", required: true } } }),
});

for (const [when, fn, feature] of [
  ['name.matches("^PT ")', "matches", "regex"],
  ['at.getHours("Asia/Jakarta") > 20', "getHours", "tz"],
  ['normalize_name(name) == "x"', "normalize_name", "normalize"],
  ['similarity(name, "x") > 0.9', "similarity", "normalize"],
]) {
  test(`a pack calling ${fn} is refused with build.unavailable (feature ${feature})`, () => {
    // The full engine loads it.
    assert.equal(Full.fromPack(pack(when)).rules.length, 1);
    assert.throws(
      () => Engine.fromPack(pack(when)),
      (e) => {
        assert.equal(e.code, "build.unavailable");
        const [d] = e.diagnostics;
        assert.equal(d.code, "build.unavailable");
        assert.equal(d.rule, "the_rule");
        assert.equal(d.file, "pack.json");
        assert.equal(d.line, 15);
        assert.match(d.message, new RegExp(`^\`${fn}\` needs .*\\(feature \`${feature}\`\\)$`));
        return true;
      },
    );
  });
}

test("fixed offsets and UTC need no time-zone database", () => {
  const engine = Engine.fromPack(pack('at.getHours("+07:00") >= 20 || at.getHours("UTC") == 0'));
  const full = Full.fromPack(pack('at.getHours("+07:00") >= 20 || at.getHours("UTC") == 0'));
  for (const at of ["2026-01-01T13:30:00Z", "2026-01-01T00:10:00Z", "2026-01-01T05:00:00Z"]) {
    const record = { name: "A", at };
    assert.deepEqual(engine.screen(record), full.screen(record), at);
  }
  assert.equal(engine.screen({ name: "A", at: "2026-01-01T13:30:00Z" }).score, 10);
  assert.equal(engine.screen({ name: "A", at: "2026-01-01T05:00:00Z" }).score, 0);
});

// The JavaScript API: loading, metadata, schema, screening and explanations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Engine, files, here, PACK_TOML, SCHEMA_TOML, LIST_TXT } from "./support.mjs";

const engine = Engine.fromPack(files());

const RECORD = {
  destination: "KH",
  return_ticket: false,
  recruiter: "PT Cepat Kaya",
  interview: { agent_present: true },
};

test("fromPack exposes the pack's identity", () => {
  assert.equal(engine.id, "js-binding-test");
  assert.equal(engine.version, "1.0.0");
  assert.equal(engine.title, "Pack used by the JavaScript binding's tests");
  assert.match(engine.digest, /^sha256:[0-9a-f]{64}$/);
});

test("the main file defaults to pack.toml and can be named", () => {
  const renamed = Engine.fromPack(
    { "departure.toml": PACK_TOML, "schema.toml": SCHEMA_TOML, "lists/recruiters.txt": LIST_TXT },
    "departure.toml",
  );
  assert.equal(renamed.id, engine.id);
});

test("rules are listed in pack order as plain objects", () => {
  const rules = engine.rules;
  assert.deepEqual(
    rules.map((r) => [r.id, r.weight, r.status]),
    [
      ["one_way_hotspot", 25, "active"],
      ["watched_recruiter", 40, "active"],
      ["agent_present", 10, "shadow"],
    ],
  );
  assert.equal(rules[0].when, "destination in hotspot && !return_ticket");
  assert.equal(rules[0].remedy, "A return or onward ticket clears this flag");
});

test("schema() is a plain field tree", () => {
  const schema = engine.schema();
  const byName = Object.fromEntries(schema.map((f) => [f.name, f]));
  assert.deepEqual(
    schema.map((f) => f.name),
    ["destination", "return_ticket", "recruiter", "purpose", "interview", "religion"],
  );
  assert.equal(byName.destination.type, "string");
  assert.equal(byName.destination.required, true);
  assert.equal(byName.destination.description, "Destination country");
  assert.equal(byName.return_ticket.type, "bool");
  assert.deepEqual(byName.purpose.values, ["tourism", "work"]);
  assert.equal(byName.religion.protected, true);
  assert.equal(byName.interview.type, "object");
  assert.deepEqual(byName.interview.children.map((c) => [c.path, c.type, c.required]), [
    ["interview.agent_present", "bool", true],
  ]);
});

test("screen returns the decision as a plain object", () => {
  const d = engine.screen(RECORD);
  assert.equal(Object.getPrototypeOf(d), Object.prototype);
  assert.equal(d.outcome, "refer");
  assert.equal(d.score, 65);
  assert.deepEqual(d.hits, [
    {
      rule: "one_way_hotspot",
      weight: 25,
      reason: "No return ticket for travel to KH",
      remedy: "A return or onward ticket clears this flag",
      references: ["test pack"],
      evidence: { destination: "KH", return_ticket: false },
    },
    {
      rule: "watched_recruiter",
      weight: 40,
      reason: "Recruiter PT Cepat Kaya is on the watch list",
      remedy: "Verify the agency's licence",
      references: ["test pack"],
      evidence: { recruiter: "PT Cepat Kaya" },
    },
  ]);
  assert.deepEqual(
    d.shadow_hits.map((h) => h.rule),
    ["agent_present"],
  );
  assert.deepEqual(d.incomplete, []);
  assert.deepEqual(d.pack, { id: engine.id, version: engine.version, digest: engine.digest });
});

test("missing is not false: the rule is incomplete, not a hit", () => {
  const d = engine.screen({ destination: "KH" });
  assert.deepEqual(d.hits, []);
  assert.equal(d.outcome, "clear");
  const one = d.incomplete.find((i) => i.rule === "one_way_hotspot");
  assert.deepEqual(one, { rule: "one_way_hotspot", missing: ["return_ticket"] });
});

test("a record given as JSON text gives the same decision", () => {
  assert.deepStrictEqual(engine.screen(JSON.stringify(RECORD)), engine.screen(RECORD));
});

test("screening is deterministic", () => {
  const a = JSON.stringify(engine.screen(RECORD));
  for (let i = 0; i < 50; i++) assert.equal(JSON.stringify(engine.screen(RECORD)), a);
});

test("explain lists every rule with its result, plus the decision", () => {
  const x = engine.explain({ destination: "TH", return_ticket: true });
  assert.deepStrictEqual(x.decision, engine.screen({ destination: "TH", return_ticket: true }));
  assert.deepEqual(
    x.rules.map((r) => [r.rule, r.result]),
    [
      ["one_way_hotspot", "miss"],
      ["watched_recruiter", "miss"],
      ["agent_present", "unknown"],
    ],
  );
  assert.equal(typeof x.derived, "object");
});

test("fromJson compiles the same pack given as JSON objects", () => {
  const pack = {
    pack: {
      id: "js-binding-test",
      version: "1.0.0",
      title: "JSON form",
      schema: "schema.json",
    },
    outcomes: { review: 30, refer: 60 },
    lists: { hotspot: ["KH", "MM", "LA"], recruiters: { file: "lists/recruiters.txt" } },
    rule: [
      {
        id: "one_way_hotspot",
        title: "One-way ticket towards a scam-compound region",
        weight: 25,
        status: "active",
        when: "destination in hotspot && !return_ticket",
        reason: "No return ticket for travel to {destination}",
        remedy: "A return or onward ticket clears this flag",
        references: ["test pack"],
      },
    ],
  };
  const schema = {
    field: {
      destination: { type: "string", required: true },
      return_ticket: { type: "bool", required: true },
      recruiter: { type: "string" },
    },
  };
  const json = Engine.fromJson({ pack, schema, files: { "lists/recruiters.txt": LIST_TXT } });
  assert.equal(json.id, "js-binding-test");
  const d = json.screen({ destination: "MM", return_ticket: false });
  assert.equal(d.score, 25);
  assert.equal(d.hits[0].reason, "No return ticket for travel to MM");
});

test("the hand-written TypeScript types declare every export", () => {
  const dts = readFileSync(join(here, "..", "types", "saring.d.ts"), "utf8");
  const names = [
    ...Object.getOwnPropertyNames(Engine).filter((n) => typeof Engine[n] === "function"),
    ...Object.getOwnPropertyNames(Engine.prototype),
  ].filter((n) => !["constructor", "length", "name", "prototype", "__wrap", "__destroy_into_raw"].includes(n));
  assert.ok(names.includes("fromPack") && names.includes("screen"));
  for (const name of names) {
    assert.match(dts, new RegExp(`\\b${name}\\b`), `${name} is not in saring.d.ts`);
  }
  // No `any` in a type position.
  assert.doesNotMatch(dts, /[:<|,(=]\s*any\b/);
});

test("unknownFields ignores, reports or rejects keys the schema does not declare", () => {
  // A misspelt `return_tiket` must not pass for the missing `return_ticket`.
  const typo = { destination: "KH", return_tiket: false, interview: { agent_presnt: true } };
  const ignored = engine.screen(typo);
  assert.equal("ignored_fields" in ignored, false);
  const reported = engine.screen(typo, { unknownFields: "report" });
  assert.deepEqual(reported.ignored_fields, ["interview.agent_presnt", "return_tiket"]);
  assert.deepEqual(
    reported.incomplete.map((i) => i.rule),
    ignored.incomplete.map((i) => i.rule),
  );
  assert.ok(reported.incomplete.some((i) => i.rule === "one_way_hotspot"));
  assert.deepEqual(
    engine.screenBatch([typo, RECORD], { unknownFields: "report" }).map((d) => d.ignored_fields),
    [["interview.agent_presnt", "return_tiket"], undefined],
  );
  assert.deepEqual(engine.explain(typo).decision.ignored_fields, reported.ignored_fields);
  assert.throws(
    () => engine.screen(JSON.stringify(typo), { unknownFields: "reject" }),
    (e) => e.code === "record.unknown_field" && e.path === "return_tiket",
  );
  assert.throws(
    () => engine.screen(typo, { unknownFields: "warn" }),
    (e) => e.code === "js.invalid_argument" && /unknownFields/.test(e.message),
  );
});

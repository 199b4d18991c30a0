// Languages, max_score, families, questions and the monitored register through the JS API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Engine, repo } from "./support.mjs";

const PACK = `[pack]
id = "js-responsible"
version = "1.0.0"
title = "Responsible screening from JavaScript"
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
id = "minor_worker"
title = "Minor travelling for work"
weight = 40
family = "eligibility"
when = "age < 18 && work"
uses_monitored = { why = "legal eligibility: the minimum age for migrant work is eighteen", references = ["synthetic statute"], approved_by = "test DPO" }
reason = { en = "Under 18 and travelling for work", id = "Di bawah 18 tahun dan berangkat untuk bekerja" }
remedy = { en = "Child protection referral", id = "Rujukan perlindungan anak" }
`;

const SCHEMA = `[field.destination]
type = "string"
required = true
[field.return_ticket]
type = "bool"
required = true
question = { en = "Do you have a return ticket?", id = "Apakah Anda punya tiket pulang?" }
[field.age]
type = "int"
monitored = true
[field.work]
type = "bool"
[field.nik]
type = "string"
encodes = ["sex", "birth_date"]
`;

const engine = Engine.fromPack({ "pack.toml": PACK, "schema.toml": SCHEMA });

test("screen renders in the language asked, and in the engine's by default", () => {
  const record = { destination: "KH", return_ticket: false };
  const en = engine.screen(record);
  const id = engine.screen(record, { lang: "id" });
  assert.equal(engine.language, "en");
  assert.deepEqual(engine.languages, ["id", "en"]);
  assert.deepEqual(en.hits.map((h) => h.reason), ["Travel to KH", "No return ticket"]);
  assert.deepEqual(id.hits.map((h) => h.reason), ["Perjalanan ke KH", "Tidak ada tiket pulang"]);
  assert.equal(id.hits[1].remedy, "Tunjukkan tiket pulang");
  // Capped at 40, one family: review, whatever the raw sum; minor_worker (40) is incomplete.
  assert.deepEqual([en.outcome, en.score, en.max_score, en.families], ["review", 40, 80, { itinerary: 40 }]);
  assert.deepEqual(engine.screen(record, {}), en);
  assert.deepEqual(engine.screen(record, { lang: undefined }), en);
});

test("withLanguage gives titles, questions and explanations in that language", () => {
  const id = engine.withLanguage("id");
  assert.equal(id.language, "id");
  assert.equal(id.rules[0].title, "Perjalanan ke pusat penipuan");
  assert.equal(engine.rules[0].title, "Travel to a hub");
  assert.equal(id.rules[0].family, "itinerary");
  const ticket = id.schema().find((f) => f.path === "return_ticket");
  assert.equal(ticket.question, "Apakah Anda punya tiket pulang?");
  assert.deepEqual(id.schema().find((f) => f.path === "nik").encodes, ["sex", "birth_date"]);
  const x = engine.explain({ destination: "KH", return_ticket: false }, { lang: "id" });
  assert.equal(x.rules[0].title, "Perjalanan ke pusat penipuan");
  assert.equal(x.rules[0].reason, "Perjalanan ke KH");
});

test("missing data: max_score, the incomplete outcome and its questions", () => {
  const d = engine.screen({ destination: "JP" }, { lang: "id" });
  // one_way 30 + minor_worker 40; fields without a question text are asked by path
  assert.deepEqual([d.outcome, d.score, d.max_score], ["incomplete", 0, 70]);
  assert.deepEqual(d.questions, [
    { question: "Apakah Anda punya tiket pulang?", fields: ["return_ticket"] },
    { question: "age", fields: ["age"] },
    { question: "work", fields: ["work"] },
  ]);
  assert.equal(engine.screen({ destination: "JP" }).questions[0].question, "Do you have a return ticket?");
});

test("the monitored register names the rule, fields, justification and approver", () => {
  assert.deepEqual(engine.monitoredRegister, [
    {
      rule: "minor_worker",
      fields: ["age"],
      why: "legal eligibility: the minimum age for migrant work is eighteen",
      references: ["synthetic statute"],
      approved_by: "test DPO",
    },
  ]);
});

test("ruleReads names the fields each rule reads, monitored ones included", () => {
  assert.deepEqual(engine.ruleReads, [
    { rule: "hub", fields: ["destination"], derived: [] },
    { rule: "one_way", fields: ["return_ticket"], derived: [] },
    { rule: "minor_worker", fields: ["age", "work"], derived: [] },
  ]);
});

test("an unknown language throws an Error with a stable code", () => {
  for (const call of [() => engine.withLanguage("fr"), () => engine.screen({}, { lang: "fr" })]) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.code, "pack.unknown_language");
      assert.equal(e.message, "the pack has no texts in `fr`; its languages are `id`, `en`");
      return true;
    });
  }
  assert.throws(() => engine.screen({}, { lang: 5 }), (e) => e.code === "js.invalid_argument");
  assert.throws(() => engine.screen({}, "id"), (e) => e.code === "js.invalid_argument");
});

test("the bundled job-offer pack: scam signs vs. outside the legal channel", () => {
  const dir = join(repo, "rules", "job-offer");
  const files = { "pack.toml": readFileSync(join(dir, "pack.toml"), "utf8"), "schema.toml": readFileSync(join(dir, "schema.toml"), "utf8") };
  for (const name of readdirSync(join(dir, "lists"))) files[`lists/${name}`] = readFileSync(join(dir, "lists", name), "utf8");
  const offers = Engine.fromPack(files);
  assert.equal(offers.language, "id");
  const channel = offers.screen({ has_written_contract: false, agency_registered: "not_registered" }, { lang: "en" });
  assert.equal(channel.outcome, "refer");
  assert.equal(channel.families.scam, undefined);
  assert.equal(channel.hits[0].reason, "You have not received a written employment contract you can read.");
  const scam = offers.screen({ asked_to_lie_about_purpose: true });
  assert.equal(scam.families.scam, 50);
  assert.match(scam.hits[0].reason, /^Anda disuruh mengaku turis/);
});

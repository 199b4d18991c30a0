// Failures surface as real Error objects with stable codes, never as strings or crashes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, files, PACK_TOML } from "./support.mjs";

const engine = Engine.fromPack(files());
const GOOD = { destination: "KH", return_ticket: false };

/** Calls `f`, expecting a thrown Error; returns it. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof Error, `expected an Error, got ${typeof e}: ${e}`);
    assert.equal(typeof e.code, "string");
    return e;
  }
  assert.fail("expected an exception");
}

/** The engine still works after an error. */
function stillWorks() {
  assert.equal(engine.screen(GOOD).score, 25);
}

test("bad TOML: a PackError with a located diagnostic", () => {
  const e = thrown(() => Engine.fromPack(files({ "pack.toml": PACK_TOML.replace("[outcomes]", "[outcomes") })));
  assert.equal(e.name, "PackError");
  assert.ok(Array.isArray(e.diagnostics) && e.diagnostics.length > 0);
  const d = e.diagnostics[0];
  assert.equal(d.code, e.code);
  assert.equal(d.severity, "error");
  assert.equal(d.file, "pack.toml");
  assert.equal(d.line, 7);
  assert.equal(typeof d.column, "number");
  assert.equal(typeof d.message, "string");
});

test("unknown field in a condition: code, line, column and did-you-mean", () => {
  const broken = PACK_TOML.replace(
    'when = "destination in hotspot && !return_ticket"',
    'when = "destinaton in hotspot && !return_ticket"',
  );
  const e = thrown(() => Engine.fromPack(files({ "pack.toml": broken })));
  const d = e.diagnostics.find((x) => x.severity === "error");
  assert.match(d.code, /unknown/);
  assert.equal(d.file, "pack.toml");
  assert.equal(d.line, 20);
  assert.equal(d.column, 9);
  assert.equal(d.rule, "one_way_hotspot");
  assert.match(d.help ?? "", /destination/);
  for (const key of ["code", "severity", "message", "help", "file", "line", "column", "rule"]) {
    assert.ok(key in d, `diagnostic lacks ${key}`);
  }
});

test("every diagnostic of every file is collected", () => {
  const broken = PACK_TOML.replace("destination in hotspot", "destinaton in hotspot").replace(
    "recruiter in recruiters",
    "recruiter in recruitrs",
  );
  const e = thrown(() => Engine.fromPack(files({ "pack.toml": broken })));
  assert.ok(e.diagnostics.filter((d) => d.severity === "error").length >= 2);
});

test("a rule reading a protected field is refused", () => {
  const broken = PACK_TOML.replace('when = "interview.agent_present"', "when = \"religion == 'x'\"");
  const e = thrown(() => Engine.fromPack(files({ "pack.toml": broken })));
  assert.ok(e.diagnostics.some((d) => d.code === "pack.protected_field"), JSON.stringify(e.diagnostics));
});

test("a missing list file is a diagnostic", () => {
  const f = files();
  delete f["lists/recruiters.txt"];
  const e = thrown(() => Engine.fromPack(f));
  assert.ok(e.diagnostics.length > 0);
});

test("bad arguments are TypeErrors with a code", () => {
  for (const bad of [undefined, null, 42, "pack.toml", {}, { "pack.toml": 5, "schema.toml": "" }]) {
    const e = thrown(() => Engine.fromPack(bad));
    assert.equal(e.code, "js.invalid_argument");
  }
  assert.equal(thrown(() => Engine.fromPack(files(), "nope.toml")).code, "js.invalid_argument");
  assert.equal(thrown(() => Engine.fromJson(null)).code, "js.invalid_argument");
  assert.equal(thrown(() => Engine.fromJson({ pack: 1, schema: {} })).code, "js.invalid_argument");
});

test("a value that does not fit names the field and leaves only its rules undecided", () => {
  let d = engine.screen({ destination: 5, return_ticket: false });
  assert.deepEqual(
    d.invalid.map((f) => [f.path, f.code]),
    [["destination", "record.type_mismatch"]],
  );
  assert.ok(d.incomplete.some((i) => /expected string/.test(i.error ?? "")));
  d = engine.screen({ destination: "KH", interview: { agent_present: "yes" } });
  assert.equal(d.invalid[0].code, "record.type_mismatch");
  assert.equal(d.invalid[0].path, "interview.agent_present");
  d = engine.screen({ destination: "KH", purpose: "smuggling" });
  assert.equal(d.invalid[0].path, "purpose");
  assert.equal(d.invalid[0].code, "record.invalid_value");
  const e = thrown(() => engine.screen([1, 2]));
  assert.equal(e.name, "RecordError");
  assert.equal(e.code, "record.not_object");
  stillWorks();
});

test("records that are not JSON objects", () => {
  assert.equal(thrown(() => engine.screen([1, 2])).code, "record.not_object");
  assert.equal(thrown(() => engine.screen(7)).code, "record.not_object");
  assert.equal(thrown(() => engine.screen(undefined)).code, "record.not_object");
  assert.equal(thrown(() => engine.screen("{not json")).code, "record.syntax");
  const cyclic = { destination: "KH" };
  cyclic.self = cyclic;
  assert.equal(thrown(() => engine.screen(cyclic)).code, "record.syntax");
  assert.equal(thrown(() => engine.screen({ n: 1n })).code, "record.syntax");
  stillWorks();
});

test("hostile records: deep nesting and huge strings are errors, not crashes", () => {
  // Deep nesting as an object (JSON.stringify may overflow the JS stack) and as text.
  let deep = {};
  for (let i = 0; i < 200_000; i++) deep = { a: deep };
  thrown(() => engine.screen({ destination: "KH", extra: deep }));
  thrown(() => engine.screen(`{"destination":"KH","x":${"[".repeat(1_000_000)}`));
  thrown(() => engine.screen(`{"x":${"[".repeat(10_000)}${"]".repeat(10_000)}}`));
  // Far over the record size limit, as text and as an object.
  const huge = "x".repeat(64 * 1024 * 1024);
  assert.equal(thrown(() => engine.screen({ destination: huge })).code, "record.too_large");
  assert.equal(thrown(() => engine.screen(`{"destination":"${huge}"}`)).code, "record.too_large");
  stillWorks();
});

test("hostile packs: deep expressions and huge lists are diagnostics, not crashes", () => {
  const deepExpr = PACK_TOML.replace(
    'when = "interview.agent_present"',
    `when = "${"(".repeat(5000)}true${")".repeat(5000)}"`,
  );
  const e = thrown(() => Engine.fromPack(files({ "pack.toml": deepExpr })));
  assert.ok(e.diagnostics.length > 0);
  const longExpr = PACK_TOML.replace(
    'when = "interview.agent_present"',
    `when = "${Array(20000).fill("true").join(" && ")}"`,
  );
  thrown(() => Engine.fromPack(files({ "pack.toml": longExpr })));
  const garbage = "\u0000\uffff[[[[\"\"\"".repeat(10000);
  thrown(() => Engine.fromPack(files({ "pack.toml": garbage })));
  thrown(() => Engine.fromPack(files({ "schema.toml": garbage })));
  stillWorks();
});

test("a runtime error names its kind and the failing sub-expression", () => {
  const schema = '[field.a]\ntype = "int"\nrequired = true\n[field.b]\ntype = "int"\nrequired = true\n';
  const pack =
    '[pack]\nid = "p"\nversion = "1"\ntitle = "t"\nschema = "schema.toml"\n' +
    '[outcomes]\nreview = 1\nrefer = 2\n' +
    '[[rule]]\nid = "ratio"\ntitle = "t"\nweight = 1\nwhen = "a / b > 1"\nreason = "r"\n';
  const e = Engine.fromPack({ "pack.toml": pack, "schema.toml": schema });
  const d = e.screen({ a: 4, b: 0 });
  assert.equal(d.incomplete.length, 1);
  const [i] = d.incomplete;
  assert.equal(i.error, "division by zero");
  assert.equal(i.error_kind, "division_by_zero");
  assert.equal(i.error_expr, "a / b");
  assert.deepEqual(i.error_at, { file: "pack.toml", line: 13, column: 9 });
  // Missing data carries none of the error keys.
  const m = engine.screen({});
  assert.ok(m.incomplete.length > 0);
  for (const x of m.incomplete) {
    assert.equal(x.error_kind, undefined);
    assert.equal(x.error_at, undefined);
  }
});

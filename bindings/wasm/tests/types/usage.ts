// Type-checked (never run) by types.test.mjs with `tsc --strict`: the hand-written
// declarations must describe the API as the tests and the page use it.
import init, {
  Decision,
  Diagnostic,
  Engine,
  Explanation,
  Hit,
  Incomplete,
  MonitoredUse,
  RuleReads,
  Outcome,
  PackError,
  Question,
  RecordError,
  RuleInfo,
  SchemaField,
  ListInfo,
  LogReport,
  verifyLog,
  ScreenOptions,
} from "../../pkg-web/saring_wasm.js";

export async function usage(packText: string, schemaText: string): Promise<string> {
  await init();
  const engine: Engine = Engine.fromPack({ "pack.toml": packText, "schema.toml": schemaText });
  const named: Engine = Engine.fromPack({ "departure.toml": packText }, "departure.toml");
  const fromJson: Engine = Engine.fromJson({
    pack: { pack: { id: "x", version: "1", title: "t", schema: "schema.json" }, rule: [] },
    schema: { field: { a: { type: "string" } } },
    files: { "lists/x.txt": "a\nb\n" },
  });
  const decision: Decision = engine.screen({ destination: "KH", legs: [{ country: "TH" }], n: null });
  const outcome: Outcome = decision.outcome;
  const record: string | null | undefined = decision.record;
  const references: string[] = decision.hits.flatMap((h) => h.references ?? []);
  const lists: ListInfo[] = engine.lists;
  const bundled: Engine = Engine.fromBundle(new Uint8Array(0), { trustedKeys: ["ed25519:00"], expectDigest: "sha256:00", today: "2026-01-01" });
  const report: LogReport = verifyLog("", { trustedKeys: [] });
  const broken: number | undefined = report.error?.line;
  void [record, references, lists, bundled, broken];
  const hits: Hit[] = [...decision.hits, ...decision.shadow_hits];
  const incomplete: Incomplete[] = decision.incomplete;
  const explanation: Explanation = named.explain(JSON.stringify({ destination: "KH" }));
  const options: ScreenOptions = { lang: "id" };
  const inIndonesian: Engine = engine.withLanguage("id");
  const translated: Decision = inIndonesian.screen({ destination: "KH" }, options);
  const questions: Question[] = translated.questions;
  const needsData: boolean = translated.outcome === "incomplete" && translated.max_score >= translated.score;
  const families: number = Object.values(translated.families).reduce((a, b) => a + b, 0);
  const register: MonitoredUse[] = engine.monitoredRegister;
  const reads: RuleReads[] = engine.ruleReads;
  const languages: string[] = engine.languages;
  const language: string | null = inIndonesian.language;
  const explainedIn: Explanation = engine.explain({ destination: "KH" }, { lang: "en" });
  const rules: RuleInfo[] = fromJson.rules;
  const fields: SchemaField[] = engine.schema();
  const paths = fields.flatMap((f) => f.children?.map((c) => c.path) ?? [f.path]);
  const enumValues: string[] = fields.flatMap((f) => f.values ?? f.items?.values ?? []);
  try {
    Engine.fromPack({ "pack.toml": "[pack" });
  } catch (e) {
    const diagnostics: Diagnostic[] = (e as PackError).diagnostics;
    const where = diagnostics.map((d) => `${d.file ?? "?"}:${d.line ?? 0}:${d.column ?? 0} ${d.code}`);
    paths.push(...where);
  }
  try {
    engine.screen({ destination: 5 });
  } catch (e) {
    const error = e as RecordError;
    paths.push(`${error.code} ${error.path ?? ""}`);
  }
  engine.free();
  return [
    outcome,
    decision.score + hits.reduce((sum, h) => sum + h.weight, 0),
    incomplete.flatMap((i) => i.missing).join(","),
    explanation.rules.map((r) => (r.result === "unknown" ? r.missing.join("+") : r.result)).join(),
    rules.map((r) => r.remedy ?? r.when).join(),
    decision.pack.digest,
    questions.map((q) => `${q.question}:${q.fields.join("+")}`).join(),
    needsData,
    families,
    register.map((u) => `${u.rule} ${u.fields.join()} ${u.why} ${u.references.join()} ${u.approved_by}`).join(),
    reads.map((r) => `${r.rule}:${r.fields.join("+")}:${r.derived.join("+")}`).join(),
    languages.join() + (language ?? ""),
    explainedIn.rules.length,
    rules.map((r) => r.family ?? "").join(),
    engine.id + engine.version + engine.digest + engine.title,
    enumValues.length,
    paths.join(),
  ].join(" ");
}

// Browser test of the offline page: headless Debian Chromium driven by playwright-core.
//
// Serves the assembled page (SARING_SITE_DIR, default target/wasm/site) on 127.0.0.1, fills
// both forms like a person would (by their labels), checks the outcome and the reasons shown
// against the same engine run in Node, checks that no request left 127.0.0.1, and saves
// screenshots to SARING_SCREENSHOT_DIR (default target/screenshots).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { Engine, repo } from "../support.mjs";

const site = process.env.SARING_SITE_DIR ?? join(repo, "target", "wasm", "site");
const shots = process.env.SARING_SCREENSHOT_DIR ?? join(repo, "target", "screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

assert.ok(existsSync(join(site, "index.html")), `${site} has no index.html: run cargo xtask test`);
assert.ok(existsSync(executablePath), `${executablePath} is missing: apt-get install chromium`);
mkdirSync(shots, { recursive: true });

const { packs } = await import(pathToFileURL(join(site, "packs.js")).href);

let server;
let browser;
let page;
const requests = [];
const problems = [];

before(async () => {
  server = await startServer(site, 0);
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
      "--disable-default-apps",
      "--disable-extensions",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.textContent("main"));
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.server.close(ok) : ok()));
});

/** The schema's fields by path, questions in `lang`. */
function questions(engine, lang) {
  return Object.fromEntries(engine.withLanguage(lang).schema().map((f) => [f.path, f.question ?? f.description]));
}

test("the officer pre-check screens the form's record like the engine does", async (t) => {
  if (!packs.officer) {
    t.skip("no officer pack in this build");
    return;
  }
  const engine = Engine.fromPack(packs.officer.files, packs.officer.main);
  const fields = new Map();
  const walk = (list) => {
    for (const f of list) {
      fields.set(f.path, f);
      if (f.children) walk(f.children);
    }
  };
  walk(engine.schema());

  await page.getByRole("tab", { name: "Officer pre-check" }).click();
  const form = page.locator("#officer-form");
  /** @type {Record<string, unknown>} */
  const record = {};
  const set = (path, value) => {
    const parts = path.split(".");
    let o = record;
    for (const p of parts.slice(0, -1)) o = o[p] ??= {};
    o[parts.at(-1)] = value;
  };
  // Fill what the pack's schema has, by label, with a record that should raise flags.
  const wanted = [
    ["stage", "departure"],
    ["event_date", "2026-11-20"],
    ["stated_purpose", "work"],
    ["destination_country", "KH"],
    ["ticket.return_or_onward", false],
    ["ticket.paid_by", "recruiter"],
    ["interview.purpose_explained", false],
    ["interview.knows_destination_contact", true],
    ["destination", "KH"],
    ["return_ticket", false],
  ];
  let filled = 0;
  for (const [path, value] of wanted) {
    const field = fields.get(path);
    if (!field || field.protected) continue;
    const input = form.locator(`[data-path="${path}"]`);
    const label = await form.locator(`label[for="${await input.getAttribute("id")}"]`).innerText();
    const control = form.getByLabel(label.trim(), { exact: true });
    if (field.type === "bool") await control.selectOption(String(value));
    else if (field.type === "enum") await control.selectOption(String(value));
    else await control.fill(String(value));
    set(path, value);
    filled += 1;
  }
  // A list of enums, recorded with nothing ticked: "no supporting documents".
  if (fields.get("supporting_docs")?.type === "list") {
    await form.getByLabel("Supporting docs: recorded?").selectOption("recorded");
    set("supporting_docs", []);
    filled += 1;
  }
  assert.ok(filled >= 2, "the officer form should have the departure (or demo) pack's fields");

  await form.getByRole("button", { name: "Screen this record" }).click();
  const result = page.locator("#officer-result");
  await result.locator("[data-outcome]").waitFor();

  const expected = engine.screen(record);
  assert.equal(await result.locator("[data-outcome]").getAttribute("data-outcome"), expected.outcome);
  const shown = await result.innerText();
  assert.match(shown, new RegExp(`Outcome: ${expected.outcome.toUpperCase()} — score ${expected.score}`));
  for (const [family, score] of Object.entries(expected.families)) {
    assert.ok(shown.includes(`${family} ${score}`), `family subtotal not shown: ${family}`);
  }
  for (const q of expected.questions) assert.ok(shown.includes(q.question), `question not shown: ${q.question}`);
  assert.ok(expected.hits.length > 0, "the test record should raise at least one flag");
  for (const hit of [...expected.hits, ...expected.shadow_hits]) {
    assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
    if (hit.remedy) assert.ok(shown.includes(hit.remedy), `remedy not shown: ${hit.remedy}`);
  }
  for (const inc of expected.incomplete) {
    assert.equal(await result.locator(`.incomplete li[data-rule="${inc.rule}"]`).count(), 1, inc.rule);
    for (const m of inc.missing) assert.ok(shown.includes(m), `missing field not listed: ${m}`);
  }
  await result.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, "officer-precheck.png"), fullPage: true });
  await result.screenshot({ path: join(shots, "officer-result.png") });
});

test("the citizen self-check gives a verdict in Bahasa Indonesia and English", async (t) => {
  if (!packs.citizen) {
    t.skip("no job-offer pack in this build");
    return;
  }
  const engine = Engine.fromPack(packs.citizen.files, packs.citizen.main);
  const schema = Object.fromEntries(engine.schema().map((f) => [f.path, f]));
  const ask = { id: questions(engine, "id"), en: questions(engine, "en") };
  await page.getByRole("tab", { name: "Is this job offer safe?" }).click();
  await page.getByRole("button", { name: "Bahasa Indonesia" }).click();
  assert.equal(await page.getAttribute("html", "lang"), "id");
  const form = page.locator("#citizen-form");

  /** Answers the questions (by their Indonesian labels) and submits. */
  const answer = async (answers) => {
    await form.getByRole("button", { name: "Hapus jawaban" }).click();
    const record = {};
    for (const [path, value] of Object.entries(answers)) {
      if (!schema[path]) continue;
      const type = schema[path].type;
      if (type === "bool") {
        const group = form.getByRole("group", { name: ask.id[path] });
        await group.getByLabel(value ? "Ya" : "Tidak", { exact: true }).check();
      } else if (type === "enum") {
        await form.getByLabel(ask.id[path], { exact: true }).selectOption(String(value));
      } else {
        await form.getByLabel(ask.id[path], { exact: true }).fill(String(value));
      }
      record[path] = value;
    }
    await form.getByRole("button", { name: "Periksa tawaran ini" }).click();
    return record;
  };
  const result = page.locator("#citizen-result");

  const record = await answer({
    channel: "social_media",
    job_type: "customer_service",
    monthly_salary_idr: 20000000,
    requires_qualifications: false,
    destination_country: "KH",
    visa_type: "tourist_visa",
    asked_to_lie_about_purpose: true,
    passport_kept_by_agent: false,
  });
  await result.locator("[data-outcome]").waitFor();
  const expected = engine.screen(record, { lang: "id" });
  assert.equal(expected.outcome, "refer", "a classic scam offer should be `refer`");
  assert.ok(expected.families.scam > 0, "scam-specific signs fired");
  assert.equal(await result.locator("[data-outcome]").getAttribute("data-outcome"), "refer");
  let shown = await result.innerText();
  assert.match(shown, /Kemungkinan penipuan/);
  for (const hit of expected.hits) {
    assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
    if (hit.remedy) assert.ok(shown.includes(hit.remedy));
  }
  await page.screenshot({ path: join(shots, "citizen-selfcheck-id.png"), fullPage: true });

  // Switching the language re-renders the questions and the verdict, answers kept.
  await page.getByRole("button", { name: "English" }).click();
  const inEnglish = engine.screen(record, { lang: "en" });
  shown = await result.innerText();
  assert.match(shown, /Likely scam/);
  for (const hit of inEnglish.hits) {
    assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
  }
  const lie = form.getByRole("group", { name: ask.en.asked_to_lie_about_purpose });
  assert.equal(await lie.getByLabel("Yes", { exact: true }).isChecked(), true);
  assert.match(await page.locator(".verify").innerText(), /SISKOP2MI/);

  // Unanswered required questions are listed, never taken as "no".
  const unanswered = [...new Set(inEnglish.incomplete.flatMap((i) => i.missing))];
  assert.ok(unanswered.length > 0);
  for (const path of unanswered) {
    assert.ok(shown.includes(ask.en[path]), `not listed: ${path}`);
  }
  await page.screenshot({ path: join(shots, "citizen-selfcheck-en.png"), fullPage: true });

  // The highest band without a scam-specific sign: outside the legal channel, not "likely scam".
  await page.getByRole("button", { name: "Bahasa Indonesia" }).click();
  const channel = await answer({ has_written_contract: false, agency_registered: "not_registered" });
  const outside = engine.screen(channel);
  assert.equal(outside.outcome, "refer");
  assert.equal(outside.families.scam, undefined);
  const verdictOf = result.locator("[data-verdict]");
  await verdictOf.waitFor();
  assert.equal(await verdictOf.getAttribute("data-verdict"), "refer_channel");
  assert.match(await result.innerText(), /Di luar jalur resmi — risiko tinggi/);
  await page.getByRole("button", { name: "English" }).click();
  assert.match(await result.innerText(), /Outside the legal channel — high risk/);
  assert.doesNotMatch(await result.innerText(), /Likely scam/);

  // Nothing answered: never "safe", the page asks for more answers.
  await form.getByRole("button", { name: "Clear answers" }).click();
  await form.getByRole("button", { name: "Check this offer" }).click();
  const empty = engine.screen({});
  assert.notEqual(empty.outcome, "clear");
  const verdict = result.locator("[data-verdict]");
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute("data-outcome"), empty.outcome);
  assert.equal(await verdict.getAttribute("data-verdict"), "incomplete");
  assert.match(await result.innerText(), /Not enough answers yet/);
});

test("the page is usable at phone width and by keyboard", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 375, `page is ${overflow}px wide at a 375px viewport`);
  await page.screenshot({ path: join(shots, "phone-375.png"), fullPage: false });
  // Tabs follow the ARIA tab pattern: arrow keys move between them.
  const first = page.getByRole("tab").first();
  await first.click();
  await first.press("ArrowRight");
  const selected = page.locator('[role="tab"][aria-selected="true"]');
  assert.notEqual(await selected.getAttribute("id"), await first.getAttribute("id"));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("role")), "tab");
  await page.setViewportSize({ width: 1100, height: 900 });
});

test("no request left 127.0.0.1 and the page logged no errors", () => {
  assert.ok(requests.length > 0);
  const base = new URL(server.url);
  const outside = requests.filter((u) => {
    const url = new URL(u);
    return url.protocol !== "data:" && !(url.hostname === base.hostname && url.port === base.port);
  });
  assert.deepEqual(outside, []);
  assert.ok(
    requests.some((u) => u.endsWith(".wasm")),
    "the page should have loaded the .wasm from the local server",
  );
  console.log(`${requests.length} requests, all to ${base.host}`);
  assert.deepEqual(problems, []);
});

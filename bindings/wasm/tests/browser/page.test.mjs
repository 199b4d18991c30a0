// Browser test of the citizen site: headless Debian Chromium driven by playwright-core.
//
// Serves the assembled citizen site (SARING_CITIZEN_SITE, default target/wasm/site/citizen) on
// 127.0.0.1, fills the self-check like a person would (by its labels), checks the outcome and
// the reasons shown against the same engine run in Node, checks that the build publishes no
// list that is not `public` and that no request left 127.0.0.1, and saves screenshots to
// SARING_SCREENSHOT_DIR (default target/screenshots). The officer site: officer.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { Engine, repo } from "../support.mjs";
import { labelled, plain } from "./helpers.mjs";

const site = process.env.SARING_CITIZEN_SITE ?? join(repo, "target", "wasm", "site", "citizen");
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

test("the citizen self-check gives a verdict in Bahasa Indonesia and English", async () => {
  assert.ok(packs.citizen, "the page build must bundle the job-offer pack for the citizen self-check");
  const engine = Engine.fromJson(packs.citizen);
  const schema = Object.fromEntries(engine.schema().map((f) => [f.path, f]));
  const ask = { id: questions(engine, "id"), en: questions(engine, "en") };
  await page.getByRole("button", { name: "Bahasa Indonesia" }).click();
  assert.equal(await page.getAttribute("html", "lang"), "id");
  const form = page.locator("#citizen-form");

  /** Answers the questions (by their Indonesian labels), screen by screen, and submits. */
  const answer = async (answers) => {
    await form.getByRole("button", { name: "Hapus jawaban" }).click();
    await page.waitForFunction(() => document.querySelector("#citizen-form").dataset.step === "1");
    const record = {};
    const steps = Number(await form.getAttribute("data-steps"));
    assert.ok(steps >= 4, `${steps} screens of questions`);
    for (let i = 1; i <= steps; i += 1) {
      assert.equal(await form.getAttribute("data-step"), String(i));
      const here = await form.locator(".step:not([hidden]) [data-question]").evaluateAll((nodes) => nodes.map((n) => n.dataset.question));
      for (const [path, value] of Object.entries(answers)) {
        if (!schema[path] || !here.includes(path)) continue;
        const type = schema[path].type;
        if (type === "bool") {
          const group = form.getByRole("group", { name: labelled(ask.id[path]) });
          await group.getByLabel(value ? "Ya" : "Tidak", { exact: true }).check();
        } else if (type === "enum") {
          await form.getByLabel(labelled(ask.id[path])).selectOption(String(value));
        } else {
          await form.getByLabel(labelled(ask.id[path])).fill(String(value));
        }
        record[path] = value;
      }
      if (i < steps) await form.getByRole("button", { name: "Lanjut" }).click();
    }
    assert.deepEqual(Object.keys(record).sort(), Object.keys(answers).filter((p) => schema[p]).sort(), "every answer was on a screen");
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
  let shown = plain(await result.innerText());
  assert.match(shown, /Kemungkinan penipuan/);
  for (const hit of expected.hits) {
    assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
    if (hit.remedy) assert.ok(shown.includes(hit.remedy));
  }
  await page.screenshot({ path: join(shots, "citizen-selfcheck-id.png"), fullPage: true });

  // Switching the language re-renders the questions and the verdict, answers kept.
  await page.getByRole("button", { name: "English" }).click();
  const inEnglish = engine.screen(record, { lang: "en" });
  shown = plain(await result.innerText());
  assert.match(shown, /Likely scam/);
  for (const hit of inEnglish.hits) {
    assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
  }
  const lie = form.getByRole("group", { name: labelled(ask.en.asked_to_lie_about_purpose) });
  assert.equal(await lie.getByLabel("Yes", { exact: true }).isChecked(), true);
  assert.match(await page.locator(".verify").innerText(), /SISKOP2MI \(Sistem Komputerisasi Pelindungan Pekerja Migran Indonesia/);

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
  await page.waitForFunction(() => document.querySelector("#citizen-form").dataset.step === "1");
  while (await form.getByRole("button", { name: "Next" }).isVisible()) await form.getByRole("button", { name: "Next" }).click();
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
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `page is ${overflow}px wide at a 360px viewport`);
  await page.getByRole("button", { name: "Clear answers" }).click();
  await page.waitForFunction(() => document.querySelector("#citizen-form").dataset.step === "1");
  await page.screenshot({ path: join(shots, "citizen-phone-360.png"), fullPage: false });
  // From the language buttons, Tab reaches the first question's first answer.
  await page.getByRole("button", { name: "English" }).focus();
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement?.closest("[data-question]")?.dataset.question);
  const engine = Engine.fromJson(packs.citizen);
  const asked = engine.schema().filter((f) => !f.protected && f.type !== "object" && f.type !== "list");
  assert.equal(first, asked[0].path);
  await page.setViewportSize({ width: 1100, height: 900 });
});

test("the citizen build publishes no list that is not public (by content)", () => {
  const text = readFileSync(join(site, "packs.js"), "utf8");
  assert.deepEqual(Object.keys(packs), ["citizen"], "the citizen site embeds the citizen pack only");
  const embedded = Engine.fromJson(packs.citizen);
  assert.ok(embedded.lists.length > 0);
  for (const list of embedded.lists) assert.equal(list.sharing, "public", `list ${list.name}`);
  // The officer pack's closed lists: neither their files nor any of their entries are in the build.
  const dir = join(repo, "rules", "id-pmi");
  const files = {};
  const walk = (rel) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== "examples") walk(name);
      else if (/\.(toml|txt)$/.test(entry.name)) files[name] = readFileSync(join(dir, name), "utf8");
    }
  };
  walk("");
  const departure = Engine.fromPack(files, "departure.toml");
  const closed = departure.lists.filter((l) => l.sharing !== "public");
  assert.ok(closed.length >= 2, "departure.toml has restricted watch lists");
  /** Neither the file nor any entry of a closed list is in `text` (of `where`). */
  const noClosedList = (text, where) => {
    let checked = 0;
    for (const list of closed) {
      const file = files[`lists/${list.name}.txt`];
      if (file) {
        assert.ok(!text.includes(JSON.stringify(file).slice(1, -1)), `the file of ${list.name} is embedded in ${where}`);
        for (const line of file.split("\n").map((l) => l.trim())) {
          if (!line || line.startsWith("#")) continue;
          assert.ok(!text.includes(line), `entry ${JSON.stringify(line)} of ${list.name} is in ${where}`);
          checked += 1;
        }
      }
    }
    assert.ok(checked >= 4, `checked ${checked} watch-list entries in ${where}`);
  };
  noClosedList(text, "packs.js");
  // The file:// bundle carries packs.js as well (the .wasm's base64 aside).
  const bundle = readFileSync(join(site, "file", "app.js"), "utf8");
  assert.ok(bundle.includes(packs.citizen.digest), "file/app.js embeds the citizen pack");
  noClosedList(bundle.replace(/const wasm = "[A-Za-z0-9+/=]*";/, ""), "file/app.js");
  assert.doesNotMatch(bundle, /watch_recruiter|SYN-AG-/, "file/app.js");
  for (const name of readdirSync(site)) {
    if (!/\.(js|html|json)$/.test(name) || name === "saring_wasm.js") continue;
    assert.doesNotMatch(readFileSync(join(site, name), "utf8"), /watch_recruiter|SYN-AG-/, name);
  }
});

test("the page never calls an offer safe, in either language", async () => {
  for (const lang of ["Bahasa Indonesia", "English"]) {
    await page.getByRole("button", { name: lang }).click();
    const shown = await page.locator("body").innerText();
    assert.doesNotMatch(shown, /\bsafe\b(?! Travel)/i, `${lang}: "safe"`);
    assert.doesNotMatch(shown, /\baman\b/i, `${lang}: "aman"`);
  }
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

test("installable and offline: manifest, service worker, and a reload with the network off", async () => {
  await page.waitForSelector("body[data-offline=ready]", { timeout: 30_000 });
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector('link[rel="manifest"]');
    return link ? (await fetch(link.href)).json() : null;
  });
  assert.ok(manifest, "the page links a web manifest");
  assert.equal(manifest.lang, "id");
  assert.equal(manifest.display, "standalone");
  assert.ok(manifest.icons.some((i) => i.sizes === "512x512" && i.type === "image/png"));
  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration?.active?.scriptURL ?? null;
  });
  assert.ok(worker?.endsWith("/sw.js"), `service worker: ${worker}`);
  const sw = readFileSync(join(site, "sw.js"), "utf8");
  assert.match(sw, /const VERSION = "[0-9a-f]{16}";/);
  for (const name of ["./", "index.html", "citizen.js", "common.js", "packs.js", "saring_wasm.js", "saring_wasm_bg.wasm"]) {
    assert.ok(sw.includes(`"${name}"`), `sw.js does not cache ${name}`);
  }
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

  // The network off and the server gone: the reload still answers, from the cache.
  await page.context().setOffline(true);
  server.server.closeAllConnections?.();
  await new Promise((ok) => server.server.close(() => ok()));
  await page.reload();
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.textContent("main"));
  await page.getByRole("button", { name: "English" }).click();
  const form = page.locator("#citizen-form");
  while (await form.getByRole("button", { name: "Next" }).isVisible()) await form.getByRole("button", { name: "Next" }).click();
  await form.getByRole("button", { name: "Check this offer" }).click();
  const verdict = page.locator("#citizen-result [data-verdict]");
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute("data-verdict"), "incomplete");
  server = null;
});

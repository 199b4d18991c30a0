// Browser test of the citizen site opened from a file (file://) and of its first screen before
// the engine is ready, in both languages (issue 14 items 2 and 5):
//
// - index.html opened as file:// answers: Chromium runs no ES module there (origin `null`), so
//   boot.js loads file/app.js, the page with the engine's bytes inlined; the decision is the
//   engine's, no request leaves file://, and no service worker is registered;
// - the prerendered first screen is in Bahasa Indonesia in the HTML and in English in its
//   template: a browser preferring English, or a tap on "English", gets it before the engine
//   has downloaded, acronyms expanded on first use, answers kept across the switch;
// - every text the page's HTML names (`data-i18n`) exists in both languages, and none says
//   "aman" or "safe".
//
// SARING_CITIZEN_SITE: the built citizen site; SARING_SCREENSHOT_DIR: where screenshots go.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { Engine, repo } from "../support.mjs";
import { LAUNCH_ARGS, acronymsExpanded, plain } from "./helpers.mjs";

const site = process.env.SARING_CITIZEN_SITE ?? join(repo, "target", "wasm", "site", "citizen");
const shots = process.env.SARING_SCREENSHOT_DIR ?? join(repo, "target", "screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
assert.ok(existsSync(join(site, "index.html")), `${site} has no index.html: run cargo xtask test wasm`);
mkdirSync(shots, { recursive: true });

const { packs } = await import(pathToFileURL(join(site, "packs.js")).href);
const engine = Engine.fromJson(packs.citizen);
const asked = engine.schema().filter((f) => !f.protected && f.type !== "object" && f.type !== "list");

let server;
let browser;
before(async () => {
  server = await startServer(site, 0);
  browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
});
after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.server.close(ok) : ok()));
});

test("opened from file://, the page loads the engine without fetching a file and answers", async () => {
  assert.ok(existsSync(join(site, "file", "app.js")), "the build writes file/app.js");
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "id-ID" });
  const page = await context.newPage();
  const requests = [];
  const pageErrors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  const url = pathToFileURL(join(site, "index.html")).href;
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.textContent("main"));
  assert.deepEqual(pageErrors, []);
  // The first question, then the check, as a person would.
  const firstInput = page.locator(`[data-path="${asked[0].path}"]`);
  await firstInput.fill("LOKER-FILE");
  const choice = asked[1];
  assert.equal(choice.type, "enum");
  await page.locator(`[data-path="${choice.path}"]`).selectOption("social_media");
  const next = page.locator("#step-next");
  while (await next.isVisible()) await next.click();
  await page.locator("#citizen-submit").click();
  const verdict = page.locator("#citizen-result [data-verdict]");
  await verdict.waitFor();
  const record = { [asked[0].path]: "LOKER-FILE", [choice.path]: "social_media" };
  const expected = engine.screen(record, { lang: "id" });
  assert.equal(await verdict.getAttribute("data-outcome"), expected.outcome);
  const shown = plain(await page.locator("#citizen-result").innerText());
  for (const hit of expected.hits) assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
  // Nothing but the page's own files, and no service worker (browsers register none on file://).
  const foreign = requests.filter((r) => !r.startsWith("file://") && !r.startsWith("data:"));
  assert.deepEqual(foreign, [], "requests beyond file://");
  assert.ok(requests.some((r) => r.endsWith("/file/app.js")), "boot.js loaded file/app.js");
  assert.equal(await page.evaluate(() => navigator.serviceWorker?.controller ?? null), null);
  assert.equal(await page.getAttribute("body", "data-offline"), null);
  await page.screenshot({ path: join(shots, "citizen-file-result-id-360.png"), fullPage: true });
  await context.close();
});

test("over http(s) the file:// bundle is neither downloaded nor cached", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "id-ID" });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  assert.deepEqual(requests.filter((r) => r.includes("/file/")), []);
  assert.ok(!readFileSync(join(site, "sw.js"), "utf8").includes("file/app.js"), "the service worker does not cache it");
  await context.close();
});

/** A phone page on the http site whose `.wasm` is held back until `release()` is called. */
async function engineHeldBack(locale) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale, serviceWorkers: "block" });
  const page = await context.newPage();
  let release;
  const held = new Promise((ok) => (release = ok));
  await page.route("**/saring_wasm_bg.wasm", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(server.url);
  // citizen.js is running (it fills the header), the engine is not there yet.
  await page.waitForFunction(() => document.querySelector("[data-i18n=footer]").textContent.trim() !== "");
  assert.equal(await page.getAttribute("body", "data-ready"), null, "the engine must not be ready yet");
  return { context, page, release };
}

/** The visible first screen's questions, labels and options as text. */
const firstScreen = (page) => page.locator("#citizen-fields .step:not([hidden])").first().innerText();

test("before the engine is ready the first screen is there in English and in Bahasa Indonesia", async () => {
  const { context, page, release } = await engineHeldBack("en-US");
  try {
    assert.equal(await page.getAttribute("html", "lang"), "en");
    const english = await firstScreen(page);
    assert.match(english, /Where did you get this job offer\?/);
    assert.match(english, /Not sure \/ choose/);
    assert.doesNotMatch(english, /Dari mana Anda mendapat/);
    assert.ok(acronymsExpanded(english, "English first screen") >= 1);
    assert.match(await page.locator("#step-label").innerText(), /^Step 1 of \d+$/);
    assert.equal(await page.locator("header.site .tagline").innerText(), "check a job offer abroad");
    assert.doesNotMatch(await page.locator("body").innerText(), /\bsafe\b(?! Travel)/i);
    // An answer given in English is kept when the person switches to Bahasa Indonesia.
    await page.locator(`[data-path="${asked[0].path}"]`).fill("LOKER-EN");
    await page.locator(`[data-path="${asked[1].path}"]`).selectOption("chat_group");
    await page.screenshot({ path: join(shots, "citizen-prerendered-en-360.png"), fullPage: true });
    await page.getByRole("button", { name: "Bahasa Indonesia" }).click();
    assert.equal(await page.getAttribute("html", "lang"), "id");
    const indonesian = await firstScreen(page);
    assert.match(indonesian, /Dari mana Anda mendapat tawaran kerja ini\?/);
    assert.ok(acronymsExpanded(indonesian, "Indonesian first screen") >= 1);
    assert.doesNotMatch(await page.locator("body").innerText(), /\baman\b/i);
    assert.match(await page.locator("#step-label").innerText(), /^Langkah 1 dari \d+$/);
    assert.equal(await page.locator(`[data-path="${asked[0].path}"]`).inputValue(), "LOKER-EN");
    assert.equal(await page.locator(`[data-path="${asked[1].path}"]`).inputValue(), "chat_group");
    await page.screenshot({ path: join(shots, "citizen-prerendered-id-360.png"), fullPage: true });
    // Once the engine is there, the form is the engine's, still with the answers.
    release();
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    assert.equal(await page.locator(`[data-path="${asked[0].path}"]`).inputValue(), "LOKER-EN");
    assert.equal(await page.locator(`[data-path="${asked[1].path}"]`).inputValue(), "chat_group");
    assert.equal(await page.locator("#citizen-fields .step[data-prerendered]").count(), 0);
  } finally {
    release();
    await context.close();
  }
});

test("every text of the page's HTML exists in Bahasa Indonesia and English, never “aman” or “safe”", async () => {
  const { UI } = await import(pathToFileURL(join(site, "citizen.js")).href);
  const { COMMON } = await import(pathToFileURL(join(site, "common.js")).href);
  const html = readFileSync(join(site, "index.html"), "utf8");
  const keys = [...new Set([...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]))];
  assert.ok(keys.length >= 15, `${keys.length} texts`);
  for (const key of keys) {
    for (const lang of ["id", "en"]) {
      const text = UI[lang]?.[key] ?? COMMON[lang]?.[key];
      assert.ok(typeof text === "string" && text.trim() !== "", `“${key}” has no ${lang} text`);
    }
  }
  for (const [lang, table] of Object.entries({ id: { ...COMMON.id, ...UI.id }, en: { ...COMMON.en, ...UI.en } })) {
    for (const [key, text] of Object.entries(table)) {
      if (typeof text !== "string") continue;
      assert.doesNotMatch(text, /\baman\b/i, `${lang} ${key}`);
      assert.doesNotMatch(text, /\bsafe\b(?! Travel)/i, `${lang} ${key}`);
    }
  }
  // The first screen in the HTML: Bahasa Indonesia in the page, English in its template.
  assert.match(html, /<div class="step" data-step="0" data-prerendered="true" data-lang="id"/);
  assert.match(html, /<template id="first-step-en"><div class="step" data-step="0" data-prerendered="true" data-lang="en"/);
});

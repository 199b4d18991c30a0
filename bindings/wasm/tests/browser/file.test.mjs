// Browser test of the citizen site opened from a file (file://) (issue 14 item 2): index.html
// opened as file:// answers: Chromium runs no ES module there (origin `null`), so boot.js loads
// file/app.js, the page with the engine's bytes inlined; the decision is the engine's, no
// request leaves file://, and no service worker is registered. Over http(s) that bundle is
// neither downloaded nor cached.
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
import { LAUNCH_ARGS, plain } from "./helpers.mjs";

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

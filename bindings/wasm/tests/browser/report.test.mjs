// Browser test of the CLI's HTML reports (`saring backtest -f html`, `saring report dpia -f
// html`), written by `cargo xtask test` into SARING_REPORT_DIR (default target/report): they
// render in headless Chromium, load nothing from anywhere, do not overflow the page at desktop
// or phone width, and every SVG element lies inside its SVG. Screenshots go to
// SARING_SCREENSHOT_DIR (default target/screenshots).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const repo = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..", "..");

const reports = process.env.SARING_REPORT_DIR ?? join(repo, "target", "report");
const shots = process.env.SARING_SCREENSHOT_DIR ?? join(repo, "target", "screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const backtest = join(reports, "backtest.html");
const dpia = join(reports, "dpia.html");

assert.ok(existsSync(backtest), `${backtest} is missing: run cargo xtask test`);
assert.ok(existsSync(dpia), `${dpia} is missing: run cargo xtask test`);
mkdirSync(shots, { recursive: true });

let browser;
let page;
const requests = [];
const problems = [];

before(async () => {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
});

after(async () => {
  await browser?.close();
});

/** Every SVG element's box inside its SVG's box (screen pixels, transforms applied). */
async function svgOverflow() {
  return page.evaluate(() => {
    const out = [];
    const svgs = [...document.querySelectorAll("svg")];
    for (const [i, svg] of svgs.entries()) {
      const box = svg.getBoundingClientRect();
      const [, , vw, vh] = (svg.getAttribute("viewBox") ?? "0 0 0 0").split(/\s+/).map(Number);
      if (!(vw > 0 && vh > 0)) out.push(`svg ${i} has no viewBox`);
      for (const el of svg.querySelectorAll("rect, line, circle, text, polyline, path")) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const slack = 0.75;
        if (r.left < box.left - slack || r.right > box.right + slack ||
            r.top < box.top - slack || r.bottom > box.bottom + slack) {
          out.push(`svg ${i} (${svg.getAttribute("aria-label")}): <${el.tagName}> ` +
            `${(el.textContent ?? "").slice(0, 30)} at ${r.left.toFixed(1)}..${r.right.toFixed(1)} x ` +
            `${r.top.toFixed(1)}..${r.bottom.toFixed(1)} outside ${box.left.toFixed(1)}..` +
            `${box.right.toFixed(1)} x ${box.top.toFixed(1)}..${box.bottom.toFixed(1)}`);
        }
      }
    }
    return { count: svgs.length, out };
  });
}

async function pageWidth() {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

test("the back-test report renders its first screen, charts and sections", async () => {
  await page.goto(pathToFileURL(backtest).href);
  await page.waitForSelector("#headline");
  assert.match(await page.title(), /^Back-test of id-pmi-departure /);
  const meta = await page.locator("dl.meta").innerText();
  for (const label of ["Input", "Input sha256", "Pack digest", "Run"]) assert.match(meta, new RegExp(label));
  assert.match(meta, /labelled\.jsonl/);
  assert.match(meta, /sha256:[0-9a-f]{64}/);
  assert.match(meta, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  // First screen: precision, recall and flag rate at both thresholds, with intervals.
  const cards = page.locator("#headline .card");
  assert.equal(await cards.count(), 2);
  for (const threshold of ["review", "refer"]) {
    const card = page.locator(`#headline .card[data-threshold="${threshold}"]`);
    const text = await card.innerText();
    for (const what of ["precision", "recall", "flag rate", "95% CI"]) assert.ok(text.includes(what), `${threshold}: ${what}`);
    // The PR curve marks the threshold.
    assert.equal(await page.locator(`#headline svg g[data-threshold="${threshold}"]`).count(), 1);
  }
  assert.equal(await page.locator("#headline [data-fairness]").count(), 1);
  for (const id of ["rules", "groups", "rule-disparity", "false-positives", "definitions"]) {
    assert.equal(await page.locator(`section#${id}`).count(), 1, id);
  }
  assert.ok((await page.locator("table.matrix tbody tr").count()) > 5, "co-firing matrix");
  assert.ok((await page.locator("#false-positives .hit").count()) > 0, "false positives to read");
  // Two charts per monitored column (flag rate and false-positive rate), plus the PR curve.
  const { count, out } = await svgOverflow();
  assert.equal(count, 1 + 2 * 3);
  assert.deepEqual(out, []);
  assert.ok((await pageWidth()) <= 1100, "the page overflows at 1100px");
  await page.screenshot({ path: join(shots, "backtest-report.png"), fullPage: true });
  await page.locator("#headline").screenshot({ path: join(shots, "backtest-headline.png") });
  await page.locator("#groups").screenshot({ path: join(shots, "backtest-groups.png") });
});

test("the back-test report fits a phone", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(pathToFileURL(backtest).href);
  await page.waitForSelector("#headline");
  assert.ok((await pageWidth()) <= 375, `the page is ${await pageWidth()}px wide at 375px`);
  const { out } = await svgOverflow();
  assert.deepEqual(out, []);
  await page.screenshot({ path: join(shots, "backtest-report-375.png"), fullPage: false });
  await page.setViewportSize({ width: 1100, height: 900 });
});

test("the DPIA annex renders with its volume projection", async () => {
  await page.goto(pathToFileURL(dpia).href);
  await page.waitForSelector("h1");
  assert.match(await page.locator("h1").innerText(), /^DPIA annex: /);
  const text = await page.locator("main").innerText();
  for (const heading of ["What each rule reads", "Protected and monitored data", "Fairness across monitored groups", "Per-rule disparity", "Volume projection"]) {
    assert.ok(text.includes(heading), heading);
  }
  assert.match(text, /flagged per day\s+= V × \(TPR × p \+ FPR × \(1 − p\)\)/);
  assert.ok((await pageWidth()) <= 1100);
  await page.screenshot({ path: join(shots, "dpia-annex.png"), fullPage: true });
});

test("the reports loaded nothing and logged no errors", () => {
  const outside = requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"));
  assert.deepEqual(outside, []);
  assert.deepEqual(problems, []);
});

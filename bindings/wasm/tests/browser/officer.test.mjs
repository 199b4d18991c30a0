// Browser test of the officer site: headless Debian Chromium driven by playwright-core.
//
// Builds signed, unsigned and wrongly signed bundles of rules/id-pmi/departure.toml with the
// `saring` CLI, serves the citizen site at / and the officer site (SARING_OFFICER_SITE,
// default target/wasm/site/officer) at /officer/, opens each bundle through the page's file
// input, and screens a record entered in the form against the same engine run in Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { Engine, repo } from "../support.mjs";

const officerSite = process.env.SARING_OFFICER_SITE ?? join(repo, "target", "wasm", "site", "officer");
const citizenSite = process.env.SARING_CITIZEN_SITE ?? join(repo, "target", "wasm", "site", "citizen");
const shots = process.env.SARING_SCREENSHOT_DIR ?? join(repo, "target", "screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

assert.ok(existsSync(join(officerSite, "index.html")), `${officerSite} has no index.html: run cargo xtask test`);
assert.ok(existsSync(executablePath), `${executablePath} is missing: apt-get install chromium`);
mkdirSync(shots, { recursive: true });

/** Runs the `saring` CLI (built by cargo next to the repository) in `cwd`; requires success. */
function saring(cwd, ...args) {
  const built = ["debug", "release"].map((p) => join(repo, "target", p, "saring")).find((p) => existsSync(p));
  const [cmd, pre] = built ? [built, []] : ["cargo", ["run", "--quiet", "-p", "saring-cli", "--"]];
  const run = spawnSync(cmd, [...pre, ...args], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, `saring ${args.join(" ")}: ${run.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), "saring-officer-"));
saring(dir, "keygen", "-o", "agency");
saring(dir, "keygen", "-o", "other");
const departure = join(repo, "rules", "id-pmi", "departure.toml");
saring(dir, "bundle", "build", departure, "-o", "unsigned.bundle");
saring(dir, "bundle", "build", departure, "-o", "signed.bundle");
saring(dir, "bundle", "sign", "signed.bundle", "--key", "agency.key");
saring(dir, "bundle", "build", departure, "-o", "other.bundle");
saring(dir, "bundle", "sign", "other.bundle", "--key", "other.key");
const agencyKey = readFileSync(join(dir, "agency.pub"), "utf8").trim();
const bundleBytes = new Uint8Array(readFileSync(join(dir, "signed.bundle")));

let server;
let browser;
let page;
const requests = [];
const problems = [];

before(async () => {
  server = await startServer(citizenSite, 0, { "/officer/": officerSite });
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions"],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${server.url}officer/`);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.textContent("main"));
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.server.close(ok) : ok()));
});

/** Picks `file` in the page's bundle input, pastes `key` and opens the bundle. */
async function open(file, key) {
  await page.locator("#bundle-file").setInputFiles(join(dir, file));
  await page.getByLabel("Agency public key (text of its .pub file)").fill(key);
  await page.getByRole("button", { name: "Check and open the bundle" }).click();
  await page.locator("#bundle-status p").first().waitFor();
}

test("the officer site embeds no pack and trusts no key unless deployed with one", async () => {
  const names = readdirSync(officerSite).sort();
  assert.deepEqual(names, ["common.js", "config.js", "index.html", "officer.js", "saring_wasm.js", "saring_wasm_bg.wasm", "style.css"]);
  const { trustedKeys } = await import(pathToFileURL(join(officerSite, "config.js")).href);
  assert.deepEqual(trustedKeys, []);
  for (const name of ["config.js", "officer.js", "common.js", "index.html"]) {
    assert.doesNotMatch(readFileSync(join(officerSite, name), "utf8"), /\[\[rule\]\]|SYN-AG-|watch_recruiter/, name);
  }
  assert.equal(await page.locator("#officer").isHidden(), true, "no form before a bundle is open");
});

test("an unsigned or wrongly signed bundle is refused with a clear error", async () => {
  const status = page.locator("#bundle-status");
  await page.locator("#bundle-file").setInputFiles(join(dir, "signed.bundle"));
  await page.getByLabel("Agency public key (text of its .pub file)").fill("");
  await page.getByRole("button", { name: "Check and open the bundle" }).click();
  await status.locator("[role=alert]").waitFor();
  assert.match(await status.innerText(), /Paste the issuing agency's public key/);

  await open("unsigned.bundle", agencyKey);
  assert.equal(await status.locator("[role=alert]").getAttribute("data-code"), "bundle.untrusted");
  assert.match(await status.innerText(), /This rule bundle is not signed\. Only a bundle signed by a trusted key can be used\./);
  assert.equal(await page.locator("#officer").isHidden(), true);

  await open("other.bundle", agencyKey);
  assert.equal(await status.locator("[role=alert]").getAttribute("data-code"), "bundle.untrusted");
  assert.match(await status.innerText(), /signed, but not by any of the trusted keys given/);
  assert.doesNotMatch(await status.innerText(), /is not signed/);
  assert.equal(await page.locator("#officer").isHidden(), true);
  await page.screenshot({ path: join(shots, "officer-bundle-refused.png"), fullPage: true });

  await open("signed.bundle", "ed25519:not-a-key");
  assert.equal(await status.locator("[role=alert]").getAttribute("data-code"), "bundle.key");
  assert.equal(await page.locator("#officer").isHidden(), true);
});

test("a signed bundle opens; the form asks only what the rules read and screens like the engine", async () => {
  await open("signed.bundle", agencyKey);
  const status = page.locator("#bundle-status");
  assert.match(await status.innerText(), /Bundle verified and opened/);
  const engine = Engine.fromBundle(bundleBytes, { trustedKeys: [agencyKey] });
  assert.equal(await page.getAttribute("body", "data-bundle"), engine.id);
  assert.match(await page.locator("#officer-pack").innerText(), new RegExp(`${engine.id} ${engine.version}`));

  // Only fields the rules read: never a monitored or protected one, never one no rule reads.
  const fields = new Map();
  const walk = (list) => {
    for (const f of list) {
      fields.set(f.path, f);
      if (f.children) walk(f.children);
      if (f.items?.children) walk(f.items.children);
    }
  };
  walk(engine.schema());
  const reads = new Set(engine.ruleReads.flatMap((r) => r.fields));
  const form = page.locator("#officer-form");
  const asked = await form.locator("[data-path], [data-list]").evaluateAll((nodes) =>
    nodes.filter((n) => !n.closest("[data-row]")).map((n) => n.dataset.path ?? n.dataset.list),
  );
  assert.ok(asked.length >= 5, `asked ${asked.length} fields`);
  for (const path of asked) {
    const field = fields.get(path);
    assert.ok(field, `asked ${path}, not in the schema`);
    assert.ok(!field.monitored && !field.protected, `asked monitored or protected ${path}`);
    const read = [...reads].some((r) => r === path || r.startsWith(`${path}.`) || path.startsWith(`${r}.`));
    assert.ok(read, `asked ${path}, which no rule reads`);
  }
  for (const path of ["sex", "birth_date", "province", "religion", "ethnicity"]) {
    assert.ok(!asked.includes(path), `asked ${path}`);
  }
  const unread = [...fields.values()].filter(
    (f) => !f.monitored && !f.protected && !f.children && ![...reads].some((r) => r === f.path || f.path.startsWith(`${r}.`)),
  );
  for (const f of unread) assert.ok(!asked.includes(f.path), `asked ${f.path}, which no rule reads`);

  /** @type {Record<string, unknown>} */
  const record = {};
  const set = (path, value) => {
    const parts = path.split(".");
    let o = record;
    for (const p of parts.slice(0, -1)) o = o[p] ??= {};
    o[parts.at(-1)] = value;
  };
  const wanted = [
    ["stage", "departure"],
    ["event_date", "2026-11-20"],
    ["stated_purpose", "work"],
    ["destination_country", "KH"],
    ["ticket.return_or_onward", false],
    ["ticket.paid_by", "recruiter"],
    ["interview.purpose_explained", false],
    ["interview.knows_destination_contact", true],
  ];
  let filled = 0;
  for (const [path, value] of wanted) {
    if (!asked.includes(path)) continue;
    const field = fields.get(path);
    const input = form.locator(`[data-path="${path}"]`);
    const label = await form.locator(`label[for="${await input.getAttribute("id")}"]`).innerText();
    const control = form.getByLabel(label.trim(), { exact: true });
    if (field.type === "bool" || field.type === "enum") await control.selectOption(String(value));
    else await control.fill(String(value));
    set(path, value);
    filled += 1;
  }
  assert.ok(filled >= 4, `filled ${filled} of the departure pack's fields`);
  await form.getByRole("button", { name: "Screen this record" }).click();
  const result = page.locator("#officer-result");
  await result.locator("[data-outcome]").waitFor();

  const expected = engine.screen(record);
  assert.ok(expected.hits.length > 0, "the test record should raise at least one flag");
  assert.equal(await result.locator("[data-outcome]").getAttribute("data-outcome"), expected.outcome);
  const shown = await result.innerText();
  assert.match(shown, new RegExp(`Outcome: ${expected.outcome.toUpperCase()} — score ${expected.score}`));
  for (const hit of expected.hits) {
    assert.ok(shown.includes(hit.reason), `reason not shown: ${hit.reason}`);
    if (hit.remedy) assert.ok(shown.includes(hit.remedy), `remedy not shown: ${hit.remedy}`);
  }
  assert.ok(shown.includes(expected.pack.digest.slice(0, 19)));
  await page.screenshot({ path: join(shots, "officer-precheck.png"), fullPage: true });
});

test("no request left 127.0.0.1 and the officer page logged no errors", () => {
  const base = new URL(server.url);
  const outside = requests.filter((u) => {
    const url = new URL(u);
    return url.protocol !== "data:" && !(url.hostname === base.hostname && url.port === base.port);
  });
  assert.deepEqual(outside, []);
  assert.ok(requests.some((u) => u.endsWith("/officer/saring_wasm_bg.wasm")), requests.join(" "));
  assert.ok(!requests.some((u) => u.includes("packs.js")), "the officer page loads no pack");
  assert.deepEqual(problems, []);
});

// The hand-written TypeScript declarations compile under `tsc --strict` against a usage file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { here } from "./support.mjs";

test("saring_wasm.d.ts type-checks a typical use under --strict", () => {
  const tsc = join(here, "..", "node_modules", "typescript", "bin", "tsc");
  assert.ok(existsSync(tsc), "typescript is missing: run npm ci in bindings/wasm");
  const args = [
    tsc,
    "--noEmit",
    "--strict",
    "--target", "es2020",
    "--module", "es2020",
    "--moduleResolution", "node",
    "--lib", "es2020,dom",
    join(here, "types", "usage.ts"),
    join(here, "..", "pkg-node", "saring_wasm.d.ts"),
  ];
  const run = spawnSync(process.execPath, args, { encoding: "utf8" });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});

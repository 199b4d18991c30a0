// Runs the shared screening goldens (tests/goldens/*.json) through the `nodejs` build: the
// decisions must be exactly the JSON that the Rust runner expects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Engine, repo } from "./support.mjs";

const dir = join(repo, "tests", "goldens");
const goldenFiles = existsSync(dir)
  ? readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
  : [];

if (goldenFiles.length === 0) {
  console.log(`no screening goldens in ${dir} yet`);
}

test("the screening goldens are present", () => {
  // A runner that finds no cases fails: the corpus is part of the repository.
  assert.ok(goldenFiles.length >= 10, `expected the golden files in ${dir}, found ${goldenFiles.length}`);
  console.log(`${goldenFiles.length} golden files (tests/goldens)`);
});

for (const file of goldenFiles) {
  const golden = JSON.parse(readFileSync(join(dir, file), "utf8"));
  test(`golden ${file}: ${golden.description ?? ""}`, async (t) => {
    const { main, files } = golden.pack;
    if (golden.expect_pack_error) {
      assert.throws(
        () => Engine.fromPack(files, main),
        (e) => e instanceof Error && e.code === golden.expect_pack_error.code,
      );
      return;
    }
    const engine = Engine.fromPack(files, main);
    assert.ok(golden.cases.length > 0, "a golden file needs cases");
    for (const c of golden.cases) {
      await t.test(c.name, () => {
        const input = "record_text" in c ? c.record_text : c.record;
        const options = c.lang ? { lang: c.lang } : undefined;
        if (c.expect_error) {
          let thrown;
          try {
            engine.screen(input, options);
          } catch (e) {
            thrown = e;
          }
          assert.ok(thrown instanceof Error, "expected a RecordError");
          assert.equal(thrown.code, c.expect_error.code, thrown.message);
          if ("path" in c.expect_error) assert.equal(thrown.path, c.expect_error.path);
        } else if (c.history) {
          // Windowed aggregates: the record is the last of one batch.
          const decisions = engine.screenBatch([...c.history, input], options);
          assert.deepStrictEqual(decisions[decisions.length - 1], c.expect);
        } else {
          assert.deepStrictEqual(engine.screen(input, options), c.expect);
        }
      });
    }
  });
}

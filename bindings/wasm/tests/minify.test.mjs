// scripts/minify.mjs, which `cargo xtask` runs over the citizen site's scripts: comments and
// layout go, the tokens and the line breaks between them stay, so the code does the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { minify } from "../scripts/minify.mjs";

/** Runs `code` (a function body) and returns what it returns. */
const run = (code) => new Function(code)();

const cases = {
  "comment markers in strings, templates and regexes": String.raw`
    // a comment
    const s = "// not a comment /* nor this */";
    const r = /\/\*[^*]*\*\//g; /* a block
       comment */
    const t = ${"`"}a // b ${"${"} 1 /* c */ + 1 } /* d */${"`"};
    return [s, "x/* y */z".replace(r, ""), t];`,
  "automatic semicolon insertion decides as before": `
    let a = 1
    let b = 2
    a
    ++b
    const f = () => {
      return
      42
    }
    return [a, b, f()];`,
  "operators that would run together": `
    let a = 5;
    const b = 2, c = 1;
    const x = a - -b, y = a + +b, z = a++ + b, w = a / b / c, v = 1 .toString();
    return [x, y, z, w, v, typeof a, a in { 6: 1 }, [1, 2].map((n) => n * 2)];`,
  "keywords, spreads and regex flags": `
    const list = [..."abc"];
    if (/b/i.test("xBx")) list.push("yes");
    for (const item of list) if (item === "a") continue; else list.unshift;
    return [list, void 0, typeof undefined, new Date(0).getTime()];`,
};

for (const [name, code] of Object.entries(cases)) {
  test(`minify: ${name}`, () => {
    const out = minify("case.js", code);
    assert.ok(out.length < code.length, "smaller");
    assert.doesNotMatch(out, /^\s/m, "no indentation left");
    assert.deepEqual(run(out), run(code));
  });
}

test("minify keeps strings and template texts byte for byte and drops comments", () => {
  const code = 'export const a = "  two  spaces  ";\n/** doc */\nexport const b = `\n  line\n`; // end\n';
  assert.equal(minify("m.js", code), 'export const a="  two  spaces  ";\nexport const b=`\n  line\n`;\n');
});

test("minify refuses code that does not parse", () => {
  assert.throws(() => minify("bad.js", "const = 1;"), /bad\.js: does not parse/);
});

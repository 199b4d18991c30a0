// Strips comments and layout from the citizen site's JavaScript (`cargo xtask`), in place:
//
//   node scripts/minify.mjs <file.js>...
//
// Nothing is renamed or rewritten: the file is parsed with TypeScript (already a dev
// dependency; it knows regex literals, template literals and the rest of the syntax) and its
// tokens are written back exactly as they are, separated by a line break where the source had
// one between them (so automatic semicolon insertion and `no LineTerminator here` rules
// decide as before), by a space where two tokens would otherwise run together, else by
// nothing. The output is parsed again and must give the same tokens in the same order, with a
// line break between the same pairs; otherwise the script fails naming the file, and the
// build with it. Prints `{ file: [before, after] }` (bytes).
import ts from "typescript";
import { readFileSync, writeFileSync } from "node:fs";

/** The tokens of a module, in order, each with whether a line break precedes it. */
function tokens(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  if (source.parseDiagnostics?.length) {
    const d = source.parseDiagnostics[0];
    throw new Error(`${file}: does not parse: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")} (at ${d.start})`);
  }
  const out = [];
  const visit = (node) => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(source);
    if (children.length === 0) {
      if (node.kind === ts.SyntaxKind.EndOfFileToken) return;
      const start = node.getStart(source);
      const before = out.length ? text.slice(out[out.length - 1].end, start) : "";
      out.push({ kind: node.kind, text: text.slice(start, node.end), end: node.end, newline: /[\n\r\u2028\u2029]/.test(before) });
      return;
    }
    for (const child of children) visit(child);
  };
  visit(source);
  return out;
}

const word = /[A-Za-z0-9_$\\\u0080-\uffff]/;
/** Whether `a` then `b` with nothing between would read differently (`a b`, `+ +`, `/ /`, `1 .x`). */
function needsSpace(a, b) {
  const x = a[a.length - 1];
  const y = b[0];
  if (word.test(x) && word.test(y)) return true;
  if ((x === "+" || x === "-") && (y === x || y === "=")) return true;
  if (/[0-9]/.test(x) && y === ".") return true;
  if (x === "/" || y === "/") return true;
  if (x === "<" && y === "!") return true;
  if (x === "-" && y === ">") return true;
  return false;
}

export function minify(file, text) {
  const before = tokens(file, text);
  let out = "";
  for (const [i, token] of before.entries()) {
    if (i > 0) {
      if (token.newline) out += "\n";
      else if (needsSpace(before[i - 1].text, token.text)) out += " ";
    }
    out += token.text;
  }
  out += "\n";
  const after = tokens(file, out);
  const same =
    after.length === before.length &&
    after.every((t, i) => t.kind === before[i].kind && t.text === before[i].text && t.newline === before[i].newline);
  if (!same) {
    const at = after.findIndex((t, i) => !before[i] || t.kind !== before[i].kind || t.text !== before[i].text || t.newline !== before[i].newline);
    throw new Error(`${file}: minified code reads differently at token ${at} (${JSON.stringify(before[at]?.text)} became ${JSON.stringify(after[at]?.text)})`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = {};
  for (const file of process.argv.slice(2)) {
    const text = readFileSync(file, "utf8");
    const out = minify(file, text);
    writeFileSync(file, out);
    sizes[file] = [Buffer.byteLength(text), Buffer.byteLength(out)];
  }
  console.log(JSON.stringify(sizes));
}

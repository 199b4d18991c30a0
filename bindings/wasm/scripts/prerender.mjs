// The citizen page's first screen as static HTML, written into index.html at build time
// (`cargo xtask`), so the first questions can be answered before the engine has downloaded:
// on a slow phone network the `.wasm` takes seconds, the page's HTML one round trip.
//
//   node scripts/prerender.mjs <built citizen site dir> <pkg-node/saring_wasm.js>
//
// Prints `{ "html": "<div class=step …>…</div>", "label": "Langkah 1 dari 5", "html_en": …,
// "label_en": "Step 1 of 5", "steps": 5 }`. The markup is what citizen.js renders for the first
// step, in Bahasa Indonesia (the default language, in the page) and in English (in a
// `<template>`, swapped in by citizen.js when the person prefers or picks English before the
// engine is ready), acronyms expanded on their first use — the same ids, names and data
// attributes, "Tidak tahu" checked — so the answers given before the engine is ready are kept
// when citizen.js renders the form itself.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [siteDir, enginePath] = process.argv.slice(2);
if (!siteDir || !enginePath) {
  console.error("usage: node scripts/prerender.mjs <citizen site dir> <pkg-node/saring_wasm.js>");
  process.exit(2);
}
const { Engine } = createRequire(import.meta.url)(enginePath);
const { packs } = await import(pathToFileURL(join(siteDir, "packs.js")).href);
const page = await import(pathToFileURL(join(siteDir, "citizen.js")).href);
const { idFor, humanize } = await import(pathToFileURL(join(siteDir, "common.js")).href);

if (!packs.citizen) {
  console.log(JSON.stringify({ html: "", label: "", steps: 0 }));
  process.exit(0);
}
const base = Engine.fromJson(packs.citizen);
const fields = page.askedFields(base.withLanguage("id").schema());
const steps = page.stepsOf(fields);

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const attrs = (o) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escape(v)}"`))
    .join("");

/** The first screen in `lang`: its questions from the engine in that language. */
function firstStep(lang) {
  const ui = page.UI[lang];
  const schema = Object.fromEntries(page.askedFields(base.withLanguage(lang).schema()).map((f) => [f.path, f]));
  // Acronyms expanded on their first use in the screen, in reading order, as citizen.js does.
  const seen = new Set();
  const text = (raw) => escape(page.expandAcronymText(String(raw), lang === "id" ? 0 : 1, seen));
  function question(field) {
    const id = idFor("c", field.path);
    const label = text(field.question || field.description || humanize(field.name));
    if (field.type === "bool") {
      const options = [
        ["true", ui.yes],
        ["false", ui.no],
        ["", ui.not_sure],
      ];
      const radios = options
        .map(([value, label]) => {
          const rid = `${id}-${value || "unknown"}`;
          const input = attrs({ type: "radio", id: rid, name: field.path, value, "data-path": field.path, "data-type": "bool", checked: value === "" });
          return `<div class="radio"><input${input}><label for="${escape(rid)}">${text(label)}</label></div>`;
        })
        .join("");
      return `<fieldset class="question" data-question="${escape(field.path)}"><legend>${label}</legend><div class="radios">${radios}</div></fieldset>`;
    }
    let input;
    let hint = "";
    if (field.type === "enum") {
      const labels = page.ANSWERS[field.name] ?? {};
      const choose = `<option value="">${text(ui.choose)}</option>`;
      const options = field.values
        .map((v) => `<option value="${escape(v)}">${text(labels[v] ? labels[v][lang === "id" ? 0 : 1] : humanize(v))}</option>`)
        .join("");
      input = `<select${attrs({ id, name: field.path, "data-path": field.path, "data-type": "enum" })}>${choose}${options}</select>`;
    } else if (field.type === "int" || field.type === "float") {
      hint = `<p class="hint" id="${escape(id)}-hint">${text(ui.salary_hint)}</p>`;
      input = `<input${attrs({ id, name: field.path, type: "number", min: "0", step: field.type === "int" ? "1" : "any", inputmode: "numeric", "data-path": field.path, "data-type": field.type, "aria-describedby": `${id}-hint` })}>`;
    } else {
      input = `<input${attrs({ id, name: field.path, type: "text", autocomplete: "off", "data-path": field.path, "data-type": field.type })}>`;
    }
    return `<div class="field question" data-question="${escape(field.path)}"><label for="${escape(id)}">${label}</label>${input}${hint}</div>`;
  }
  const html = `<div class="step" data-step="0" data-prerendered="true" data-lang="${lang}" data-steps="${steps.length}">${steps[0].map((f) => question(schema[f.path])).join("")}</div>`;
  const label = ui.step_of.replace("{n}", "1").replace("{total}", String(steps.length));
  return { html, label };
}

const id = firstStep("id");
const en = firstStep("en");
console.log(JSON.stringify({ html: id.html, label: id.label, html_en: en.html, label_en: en.label, steps: steps.length }));

// saring officer pre-check: opens an agency's signed rule bundle from a local file, checks its
// signature here against a trusted public key, and screens the records an officer enters.
// No pack is part of this site, and nothing leaves the page.
import init, { Engine } from "./saring_wasm.js";
import { trustedKeys as configuredKeys } from "./config.js";
import {
  applyTexts,
  currentLang,
  el,
  humanize,
  idFor,
  preferredLang,
  scalarValue,
  setLang,
  setPath,
  showError,
  translate,
} from "./common.js";

// ------------------------------------------------------------------ language
const UI = {
  en: {
    skip: "Skip to content",
    tagline: "officer pre-check",
    privacy_officer:
      "Runs entirely in this browser. The rule bundle is read from a file on this device; nothing you enter is sent anywhere.",
    bundle_title: "Open the agency's rule bundle",
    bundle_intro:
      "Choose the signed .bundle file your agency issued. It is checked here, against the agency's public key, before any record is screened.",
    bundle_file: "Rule bundle (.bundle file)",
    bundle_key: "Agency public key (text of its .pub file)",
    bundle_open: "Check and open the bundle",
    keys_configured: "This deployment already trusts {n} key(s): {list}. A key pasted here is trusted as well.",
    keys_none: "This deployment trusts no key yet: paste the issuing agency's public key.",
    no_file: "Choose the bundle file first.",
    no_key: "Paste the issuing agency's public key: a bundle is opened only when a trusted key signed it.",
    opened: "Bundle verified and opened: signed by a trusted key, every file intact.",
    lists_summary: "Lists: {n} ({classes}).",
    officer_title: "Screen a record",
    officer_intro:
      "Enter what was recorded. Leave a field on “unknown” when it was not captured: rules that need it are listed as incomplete, never counted as a “no”. The result is a recommendation for your review, not a decision.",
    officer_submit: "Screen this record",
    officer_reset: "Clear form",
    not_asked:
      "Asked: only the fields this pack's rules read. Monitored and protected fields are never asked here: {list}.",
    footer: "saring recommends; people decide. Outcomes: clear, review, refer — never “deny”.",
  },
  id: {
    skip: "Langsung ke isi",
    tagline: "pra-pemeriksaan petugas",
    privacy_officer:
      "Semua berjalan di peramban ini. Paket aturan dibaca dari berkas di perangkat ini; tidak ada data yang Anda isi dikirim ke mana pun.",
    bundle_title: "Buka paket aturan instansi",
    bundle_intro:
      "Pilih berkas .bundle bertanda tangan yang diterbitkan instansi Anda. Berkas diperiksa di sini, dengan kunci publik instansi, sebelum data apa pun disaring.",
    bundle_file: "Paket aturan (berkas .bundle)",
    bundle_key: "Kunci publik instansi (isi berkas .pub)",
    bundle_open: "Periksa dan buka paket",
    keys_configured: "Situs ini sudah memercayai {n} kunci: {list}. Kunci yang ditempel di sini juga dipercaya.",
    keys_none: "Situs ini belum memercayai kunci apa pun: tempel kunci publik instansi penerbit.",
    no_file: "Pilih berkas paket terlebih dahulu.",
    no_key: "Tempel kunci publik instansi penerbit: paket hanya dibuka jika ditandatangani kunci tepercaya.",
    opened: "Paket terverifikasi dan dibuka: ditandatangani kunci tepercaya, semua berkas utuh.",
    lists_summary: "Daftar: {n} ({classes}).",
    officer_title: "Saring satu data",
    officer_intro:
      "Isi yang tercatat. Biarkan “unknown” jika tidak dicatat: aturan yang membutuhkannya dilaporkan belum lengkap, tidak pernah dihitung sebagai “tidak”. Hasilnya rekomendasi untuk Anda tinjau, bukan keputusan.",
    officer_submit: "Saring data ini",
    officer_reset: "Kosongkan formulir",
    not_asked:
      "Yang ditanyakan: hanya kolom yang dibaca aturan paket ini. Kolom yang dipantau dan dilindungi tidak pernah ditanyakan di sini: {list}.",
    footer: "saring memberi rekomendasi; manusia yang memutuskan. Hasil: clear, review, refer — tidak pernah “tolak”.",
  },
};
const t = (key) => translate(UI, key);

// ------------------------------------------------------------------ which fields to ask

/**
 * The schema fields the pack's rules read (with the objects and lists holding them), minus
 * monitored and protected fields. `reads` holds dotted paths; a read object or list of
 * objects brings all its children, a read child only itself.
 */
export function askedFields(fields, reads, whole = false) {
  const out = [];
  for (const f of fields) {
    if (f.protected || f.monitored) continue;
    const read = whole || reads.has(f.path);
    const inside = [...reads].some((p) => p.startsWith(`${f.path}.`));
    if (!read && !inside) continue;
    if (f.type === "object") {
      out.push({ ...f, children: askedFields(f.children, reads, read && !inside) });
    } else if (f.type === "list" && f.items.type === "object") {
      out.push({ ...f, items: { ...f.items, children: askedFields(f.items.children, reads, read && !inside) } });
    } else {
      out.push(f);
    }
  }
  return out;
}

/** Every monitored or protected field of the schema, by path. */
function neverAsked(fields) {
  return fields.flatMap((f) => [
    ...(f.protected || f.monitored ? [f.path] : []),
    ...neverAsked(f.children ?? f.items?.children ?? []),
  ]);
}

// ------------------------------------------------------------------ officer form
// Inputs carry data-path (dotted path) and data-type; lists are handled by their fieldset.

function fieldHint(prefix, field, text) {
  if (!text) return null;
  return el("p", { class: "hint", id: idFor(prefix, field.path) + "-hint" }, text);
}

// ------------------------------------------------------------------ officer form
// Inputs carry data-path (dotted path) and data-type; lists are handled by their fieldset.

function officerControl(field, prefix, pathPrefix = "") {
  const path = pathPrefix + field.name;
  const id = idFor(prefix, path);
  const hintId = field.description ? `${id}-hint` : undefined;
  const label = humanize(field.name) + (field.required ? "" : " (optional)");
  const common = { id, name: path, "data-path": path, "data-type": field.type, "aria-describedby": hintId };
  const hint = fieldHint(prefix, { path }, field.description);
  const tags = [];
  if (field.monitored) tags.push(el("span", { class: "tag" }, "audit only"));

  if (field.type === "object") {
    return el(
      "fieldset",
      { class: "group", "aria-describedby": hintId },
      el("legend", {}, label),
      hint,
      field.children.filter((c) => !c.protected).map((c) => officerControl(c, prefix, `${path}.`)),
    );
  }
  if (field.type === "list") return officerList(field, prefix, path, label, hint, hintId);

  let input;
  if (field.type === "bool") {
    input = el(
      "select",
      common,
      el("option", { value: "" }, "unknown"),
      el("option", { value: "true" }, "yes"),
      el("option", { value: "false" }, "no"),
    );
  } else if (field.type === "enum") {
    input = el(
      "select",
      common,
      el("option", { value: "" }, "unknown"),
      field.values.map((v) => el("option", { value: v }, v)),
    );
  } else if (field.type === "date") {
    input = el("input", { ...common, type: "date" });
  } else if (field.type === "int" || field.type === "float") {
    input = el("input", {
      ...common,
      type: "number",
      step: field.type === "int" ? "1" : "any",
      inputmode: field.type === "int" ? "numeric" : "decimal",
    });
  } else if (field.type === "timestamp") {
    input = el("input", { ...common, type: "text", placeholder: "2025-05-01T08:30:00Z", autocomplete: "off" });
  } else {
    input = el("input", { ...common, type: "text", autocomplete: "off", spellcheck: "false" });
  }
  return el("div", { class: "field" }, el("label", { for: id }, label, " ", tags), input, hint);
}

/** A list field: a "recorded?" select, then checkboxes (enums), rows (objects) or a text. */
function officerList(field, prefix, path, label, hint, hintId) {
  const id = idFor(prefix, path);
  const status = el(
    "select",
    { id: `${id}-status`, "data-list-status": path },
    el("option", { value: "" }, "not recorded (unknown)"),
    el("option", { value: "recorded" }, "recorded as below (none = empty)"),
  );
  const markRecorded = () => {
    status.value = "recorded";
  };
  const items = field.items;
  let body;
  if (items.type === "enum") {
    body = el(
      "div",
      { class: "checks" },
      items.values.map((v) => {
        const boxId = `${id}-${v}`;
        const box = el("input", { type: "checkbox", id: boxId, value: v, "data-list-item": path });
        box.addEventListener("change", markRecorded);
        return el("div", { class: "check" }, box, el("label", { for: boxId }, v));
      }),
    );
  } else if (items.type === "object") {
    const rows = el("div", { class: "rows", "data-list-rows": path });
    let n = 0;
    const add = el("button", { type: "button", class: "add" }, `Add ${field.name} item`);
    add.addEventListener("click", () => {
      n += 1;
      markRecorded();
      const rowPrefix = `${prefix}-${field.name}-${n}`;
      const remove = el("button", { type: "button", class: "remove" }, "Remove");
      const row = el(
        "fieldset",
        { class: "row", "data-row": "" },
        el("legend", {}, `${humanize(field.name)} item ${n}`),
        items.children.filter((c) => !c.protected).map((c) => officerControl(c, rowPrefix)),
        remove,
      );
      remove.addEventListener("click", () => {
        row.remove();
        add.focus();
      });
      rows.append(row);
      row.querySelector("select, input")?.focus();
    });
    body = el("div", {}, rows, add);
  } else {
    const input = el("input", {
      type: "text",
      id: `${id}-text`,
      "data-list-text": path,
      "data-type": items.type,
      placeholder: "comma-separated values",
    });
    input.addEventListener("input", markRecorded);
    body = el("div", { class: "field" }, el("label", { for: `${id}-text` }, `${label}: values`), input);
  }
  return el(
    "fieldset",
    { class: "group list", "data-list": path, "aria-describedby": hintId },
    el("legend", {}, label),
    hint,
    el("div", { class: "field" }, el("label", { for: `${id}-status` }, `${label}: recorded?`), status),
    body,
  );
}

/** The value of one scalar input, or undefined when unknown/empty. */

/** Reads the scalar inputs directly inside `scope` (not inside list rows) into `record`. */
function readScalars(scope, record, skipRows) {
  for (const input of scope.querySelectorAll("[data-path]")) {
    if (skipRows && input.closest("[data-row]")) continue;
    const value = scalarValue(input);
    if (value !== undefined) setPath(record, input.dataset.path, value);
  }
}

function collectOfficer(form) {
  const record = {};
  readScalars(form, record, true);
  for (const list of form.querySelectorAll("[data-list]")) {
    const path = list.dataset.list;
    const status = list.querySelector(`[data-list-status="${CSS.escape(path)}"]`);
    if (!status || status.value !== "recorded") continue;
    let value = [];
    const text = list.querySelector("[data-list-text]");
    const rows = list.querySelector("[data-list-rows]");
    if (text) {
      value = text.value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => scalarValue({ value: s, dataset: { type: text.dataset.type } }));
    } else if (rows) {
      value = [...rows.querySelectorAll(":scope > [data-row]")].map((row) => {
        const item = {};
        readScalars(row, item, false);
        return item;
      });
    } else {
      value = [...list.querySelectorAll("[data-list-item]:checked")].map((b) => b.value);
    }
    setPath(record, path, value);
  }
  return record;
}

function officerResult(engine, decision) {
  const titles = Object.fromEntries(engine.rules.map((r) => [r.id, r.title]));
  const hitList = (hits) =>
    el(
      "ol",
      { class: "hits" },
      hits.map((h) =>
        el(
          "li",
          { "data-rule": h.rule },
          el("p", { class: "hit-title" }, el("strong", {}, titles[h.rule] ?? h.rule), ` (+${h.weight})`),
          el("p", { class: "reason" }, h.reason),
          h.remedy ? el("p", { class: "remedy" }, el("span", { class: "label" }, "Clears it: "), h.remedy) : null,
          Object.keys(h.evidence).length
            ? el(
                "p",
                { class: "evidence" },
                el("span", { class: "label" }, "Evidence: "),
                Object.entries(h.evidence)
                  .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
                  .join("; "),
              )
            : null,
        ),
      ),
    );
  return [
    el(
      "p",
      { class: `outcome outcome-${decision.outcome}`, "data-outcome": decision.outcome },
      "Outcome: ",
      el("strong", {}, decision.outcome.toUpperCase()),
      ` — score ${decision.score}`,
      decision.max_score !== decision.score ? ` (up to ${decision.max_score} with the missing data)` : "",
      decision.outcome === "incomplete" ? " — needs data" : "",
    ),
    Object.keys(decision.families).length
      ? el(
          "p",
          { class: "families" },
          el("span", { class: "label" }, "Families: "),
          Object.entries(decision.families)
            .map(([f, v]) => `${f} ${v}`)
            .join(", "),
        )
      : null,
    decision.hits.length
      ? [el("h3", {}, `Flags (${decision.hits.length})`), hitList(decision.hits)]
      : el("p", {}, "No active rule fired."),
    decision.shadow_hits.length
      ? [el("h3", {}, "Shadow rules (reported, not scored)"), hitList(decision.shadow_hits)]
      : null,
    decision.incomplete.length
      ? [
          el("h3", {}, `Incomplete: missing data (${decision.incomplete.length})`),
          el(
            "ul",
            { class: "incomplete" },
            decision.incomplete.map((i) =>
              el(
                "li",
                { "data-rule": i.rule },
                el("strong", {}, titles[i.rule] ?? i.rule),
                i.missing.length ? ` — needs ${i.missing.join(", ")}` : "",
                i.error ? ` — ${i.error}` : "",
                i.error_kind ? ` [${i.error_kind}]` : "",
                i.error_expr && i.error_at
                  ? ` in ${i.error_expr} (${i.error_at.file}:${i.error_at.line}:${i.error_at.column})`
                  : "",
              ),
            ),
          ),
        ]
      : null,
    decision.questions.length
      ? [
          el("h3", {}, `Questions to ask (${decision.questions.length})`),
          el(
            "ul",
            { class: "questions" },
            decision.questions.map((q) => el("li", { "data-fields": q.fields.join(" ") }, q.question)),
          ),
        ]
      : null,
    el(
      "p",
      { class: "pack-id" },
      `${decision.pack.id} ${decision.pack.version} · ${decision.pack.digest.slice(0, 19)}…`,
    ),
  ];
}


// ------------------------------------------------------------------ bundle and form
let engine = null;

/** The label a field has in the form (for error messages). */
function labelOf(path) {
  return humanize(path.split(".").at(-1));
}

function renderForm() {
  const fields = document.getElementById("officer-fields");
  const schema = engine.schema();
  const reads = new Set(engine.ruleReads.flatMap((r) => r.fields));
  const skipped = neverAsked(schema);
  fields.replaceChildren(
    ...askedFields(schema, reads).map((f) => officerControl(f, "o")),
    skipped.length ? el("p", { class: "hint", id: "not-asked" }, t("not_asked").replace("{list}", skipped.join(", "))) : "",
  );
}

function describePack(source) {
  const counts = {};
  for (const list of engine.lists) counts[list.sharing] = (counts[list.sharing] ?? 0) + 1;
  const classes = Object.entries(counts)
    .map(([c, n]) => `${n} ${c}`)
    .join(", ");
  document.getElementById("officer-pack").textContent =
    `${engine.title} — pack ${engine.id} ${engine.version} · ${engine.digest.slice(0, 19)}… (${source}). ` +
    t("lists_summary").replace("{n}", String(engine.lists.length)).replace("{classes}", classes || "-");
}

/** The keys the page trusts: the deployment's and the pasted one. */
function keysToTrust() {
  const pasted = document.getElementById("bundle-key").value.trim();
  return [...configuredKeys, ...(pasted ? [pasted] : [])];
}

async function openBundle(event) {
  event.preventDefault();
  const status = document.getElementById("bundle-status");
  status.replaceChildren();
  const file = document.getElementById("bundle-file").files[0];
  const section = document.getElementById("officer");
  const problem = (text) => status.replaceChildren(el("p", { class: "error", role: "alert" }, text));
  if (!file) return problem(t("no_file"));
  const keys = keysToTrust();
  if (!keys.length) return problem(t("no_key"));
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    engine = Engine.fromBundle(bytes, { trustedKeys: keys });
  } catch (error) {
    engine = null;
    section.hidden = true;
    showError(status, error);
    return undefined;
  }
  status.replaceChildren(el("p", { class: "ok", role: "status" }, t("opened")));
  describePack(file.name);
  renderForm();
  document.getElementById("officer-result").replaceChildren();
  section.hidden = false;
  document.body.dataset.bundle = engine.id;
  return undefined;
}

function setupOfficer() {
  const form = document.getElementById("officer-form");
  const result = document.getElementById("officer-result");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!engine) return;
    for (const bad of form.querySelectorAll("[aria-invalid]")) bad.removeAttribute("aria-invalid");
    const record = collectOfficer(form);
    try {
      result.replaceChildren(...officerResult(engine, engine.screen(record)).flat(2).filter(Boolean));
    } catch (error) {
      showError(result, error, { form, prefix: "o", labelOf });
    }
    result.focus();
  });
  form.addEventListener("reset", () => {
    result.replaceChildren();
    for (const row of form.querySelectorAll("[data-row]")) row.remove();
  });
  document.getElementById("bundle-form").addEventListener("submit", openBundle);
}

function keyHint() {
  const hint = document.getElementById("bundle-key-hint");
  hint.textContent = configuredKeys.length
    ? t("keys_configured")
        .replace("{n}", String(configuredKeys.length))
        .replace("{list}", configuredKeys.map((k) => `${k.slice(0, 20)}…`).join(", "))
    : t("keys_none");
}

// ------------------------------------------------------------------ language, start
function setLanguage(next) {
  setLang(next);
  applyTexts(UI);
  keyHint();
}

async function start() {
  const loading = document.getElementById("loading");
  setLang(preferredLang() === "id" ? "id" : "en");
  applyTexts(UI);
  try {
    await init();
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.addEventListener("click", () => setLanguage(button.dataset.lang));
    }
    setupOfficer();
    setLanguage(currentLang());
    document.getElementById("bundle").hidden = false;
    loading.remove();
    document.body.dataset.ready = "true";
  } catch (error) {
    loading.replaceChildren(
      el("strong", {}, t("load_failed")),
      el("details", {}, el("summary", {}, t("details")), el("span", { class: "error-code" }, error && error.message ? error.message : String(error))),
    );
    loading.classList.add("error");
    document.body.dataset.ready = "error";
  }
}

start();

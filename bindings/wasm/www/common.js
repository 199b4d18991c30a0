// Shared by the citizen and the officer site: DOM helpers, the page language, and errors as
// plain sentences. No framework, no network.

/** Texts both sites show, in Bahasa Indonesia and English. */
export const COMMON = {
  en: {
    privacy: "Runs entirely in this browser. Nothing you enter is sent anywhere.",
    loading: "Loading the checks…",
    load_failed: "The checks could not be started in this browser. Reload the page; if that does not help, use a newer browser.",
    error_title: "This could not be checked",
    error_field: "Check the answer to “{field}”.",
    error_fallback: "Something in the answers could not be read. Check them and try again.",
    details: "Technical details",
  },
  id: {
    privacy: "Semua berjalan di peramban ini. Tidak ada data yang Anda isi dikirim ke mana pun.",
    loading: "Memuat pemeriksaan…",
    load_failed: "Pemeriksaan tidak dapat dijalankan di peramban ini. Muat ulang halaman; jika tidak berhasil, gunakan peramban yang lebih baru.",
    error_title: "Ini tidak dapat diperiksa",
    error_field: "Periksa jawaban untuk “{field}”.",
    error_fallback: "Ada jawaban yang tidak dapat dibaca. Periksa lagi lalu coba kembali.",
    details: "Rincian teknis",
  },
};

/** Plain sentences for the engine's error codes ([id, en]); the code stays in the details. */
const ERRORS = {
  "record.type_mismatch": ["Jawaban ini bukan jenis yang diharapkan (misalnya huruf di tempat angka).", "This answer is not of the expected kind (for example letters where a number is asked)."],
  "record.invalid_value": ["Jawaban ini bukan salah satu pilihan yang berlaku.", "This answer is not one of the allowed choices."],
  "record.unknown_field": ["Ada jawaban untuk pertanyaan yang tidak dikenal.", "An answer was given for a question the check does not know."],
  "record.too_large": ["Jawabannya terlalu panjang.", "The answers are too long."],
  "record.too_many_items": ["Terlalu banyak isian dalam satu daftar.", "Too many entries in one list."],
  "bundle.unsigned": ["Paket aturan ini tidak ditandatangani. Hanya paket yang ditandatangani oleh kunci tepercaya yang dapat dipakai.", "This rule bundle is not signed. Only a bundle signed by a trusted key can be used."],
  "bundle.untrusted": ["Paket aturan ini ditandatangani, tetapi bukan oleh kunci tepercaya yang diberikan. Minta kunci publik yang benar dari instansi penerbit.", "This rule bundle is signed, but not by any of the trusted keys given. Ask the issuing agency for its correct public key."],
  "bundle.signature": ["Tanda tangan paket aturan ini tidak cocok dengan isinya: paket mungkin telah diubah.", "The bundle's signature does not match its contents: the bundle may have been altered."],
  "bundle.file_changed": ["Sebuah berkas di dalam paket aturan telah diubah setelah paket dibuat.", "A file inside the rule bundle was changed after the bundle was made."],
  "bundle.file_missing": ["Sebuah berkas hilang dari paket aturan.", "A file is missing from the rule bundle."],
  "bundle.file_added": ["Ada berkas tambahan di dalam paket aturan yang tidak tercatat.", "The rule bundle holds a file it does not list."],
  "bundle.format": ["Berkas ini bukan paket aturan saring yang dapat dibaca.", "This file is not a readable saring rule bundle."],
  "bundle.digest_mismatch": ["Isi paket aturan tidak sesuai dengan ringkasan (digest) yang diharapkan.", "The bundle's contents do not match the expected digest."],
  "bundle.key": ["Kunci publik ini tidak dapat dibaca. Tempel teks berkas .pub (ed25519:…).", "This public key cannot be read. Paste the text of the .pub file (ed25519:…)."],
  "pack.list_expired": ["Daftar dalam paket aturan ini sudah kedaluwarsa. Minta versi terbaru dari instansi penerbit.", "A list in this rule bundle has expired. Ask the issuing agency for a current one."],
};

let lang = "en";

/** The page's language (`id` or `en`). */
export const currentLang = () => lang;

/** Sets the page's language for [`t`] and `<html lang>`. */
export function setLang(next) {
  lang = next === "id" ? "id" : "en";
  document.documentElement.lang = lang;
}

/** The language the browser prefers, or `?lang=` of the address; Bahasa Indonesia by default. */
export function preferredLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked === "id" || asked === "en") return asked;
  const browser = (navigator.language || "").toLowerCase();
  return browser.startsWith("en") ? "en" : "id";
}

/** A text of `table` (falling back to [`COMMON`]) in the current language. */
export function translate(table, key) {
  return table[lang]?.[key] ?? COMMON[lang]?.[key] ?? table.en?.[key] ?? COMMON.en[key] ?? key;
}

/** Re-renders every `[data-i18n]` node from `table`. */
export function applyTexts(table) {
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = translate(table, node.dataset.i18n);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const idFor = (prefix, path) => `${prefix}-${path.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** "return_or_onward" → "Return or onward". */
export function humanize(name) {
  const s = name.replace(/_/g, " ").replace(/\s+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Sets `value` at a dotted path of `target`, creating objects on the way. */
export function setPath(target, path, value) {
  const parts = path.split(".");
  let obj = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof obj[part] !== "object" || obj[part] === null) obj[part] = {};
    obj = obj[part];
  }
  obj[parts[parts.length - 1]] = value;
}

/** The value of one scalar input, or undefined when unknown/empty. */
export function scalarValue(input) {
  const raw = input.value.trim();
  if (raw === "") return undefined;
  switch (input.dataset.type) {
    case "bool":
      return raw === "true";
    case "int":
    case "float": {
      const n = Number(raw);
      // Not a number: pass the text on so the engine names the field in its error.
      return Number.isFinite(n) ? n : raw;
    }
    default:
      return raw;
  }
}

/** A plain sentence for an engine error in the current language, or `null` for an unknown code. */
export function plainError(error) {
  if (!error) return null;
  // The core says `bundle.untrusted` for an unsigned bundle when a trusted key is required.
  const unsigned = error.code === "bundle.untrusted" && /\bnot signed\b/.test(String(error.message));
  const sentence = ERRORS[unsigned ? "bundle.unsigned" : error.code];
  return sentence ? sentence[lang === "id" ? 0 : 1] : null;
}

/**
 * Shows an engine error as plain sentences (the field's label when it names one), with the
 * code and the engine's message under "technical details"; marks the field invalid.
 * `labelOf(path)` gives the question or label a person saw for a field.
 */
export function showError(target, error, { form, prefix, labelOf } = {}) {
  const path = error && error.path;
  const label = path ? (labelOf?.(path) ?? humanize(path.split(".").at(-1))) : null;
  const plain = plainError(error) ?? translate({}, "error_fallback");
  target.replaceChildren(
    el(
      "div",
      { class: "error", role: "alert", "data-code": error && error.code ? error.code : "" },
      el("p", {}, el("strong", {}, translate({}, "error_title"))),
      el("p", { class: "error-plain" }, plain),
      label ? el("p", { class: "error-field" }, translate({}, "error_field").replace("{field}", label)) : null,
      el(
        "details",
        {},
        el("summary", {}, translate({}, "details")),
        el("p", { class: "error-code" }, error && error.code ? `${error.code}${path ? ` (${path})` : ""}: ` : "", error && error.message ? error.message : String(error)),
      ),
    ),
  );
  if (path && form) {
    const input = form.querySelector(`#${CSS.escape(idFor(prefix, path))}`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
}

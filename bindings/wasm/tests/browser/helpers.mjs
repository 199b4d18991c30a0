// Helpers of the browser tests (not a test file itself).

import assert from "node:assert/strict";

/** The acronyms the citizen page expands on their first use in a screen. */
export const ACRONYMS = ["SISKOP2MI", "P3MI", "BP3MI", "KP2MI", "BP2MI", "KBRI", "Kemlu", "Disnaker"];

/**
 * Asserts that the first use of each acronym in `text` is followed by its expansion (or is
 * inside one); returns how many acronyms `text` uses.
 */
export function acronymsExpanded(text, where) {
  let found = 0;
  for (const acronym of ACRONYMS) {
    const at = text.search(new RegExp(`\\b${acronym}\\b`));
    if (at < 0) continue;
    found += 1;
    const explained = text.slice(at + acronym.length).startsWith(" (") || text[at - 1] === "(";
    assert.ok(explained, `${where}: first ${acronym} is not expanded in “${text.slice(Math.max(0, at - 40), at + 60)}”`);
  }
  return found;
}

/** The page expands acronyms on first use ("KBRI (Kedutaan …)"): the text without the expansions. */
export const plain = (text) => text.replace(/\b(SISKOP2MI|P3MI|BP3MI|KP2MI|BP2MI|KBRI|Kemlu|Disnaker) \([^()]*\)/g, "$1");

/** A label as the page shows it: `text`, each acronym optionally followed by its expansion. */
export const labelled = (text) =>
  new RegExp(
    `^${text
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\b(SISKOP2MI|P3MI|BP3MI|KP2MI|BP2MI|KBRI|Kemlu|Disnaker)\b/g, "$1(?: \\([^()]*\\))?")}$`,
  );

/** Chromium's launch options for every browser test. */
export const LAUNCH_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--disable-default-apps",
  "--disable-extensions",
];

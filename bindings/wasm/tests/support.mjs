// Shared by the Node tests: loads the `nodejs` build and holds a small test pack.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "..", "..", "..");
const build = join(here, "..", "pkg-node", "saring_wasm.js");

if (!existsSync(build)) {
  throw new Error(
    `${build} is missing: build it with \`cargo xtask test\` (or \`cargo xtask serve\`) first`,
  );
}

/** @type {typeof import("../types/saring.d.ts")} */
export const saring = createRequire(import.meta.url)(build);
export const { Engine } = saring;

export const PACK_TOML = `[pack]
id = "js-binding-test"
version = "1.0.0"
title = "Pack used by the JavaScript binding's tests"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[lists]
hotspot = ["KH", "MM", "LA"]
recruiters = { file = "lists/recruiters.txt" }

[[rule]]
id = "one_way_hotspot"
title = "One-way ticket towards a scam-compound region"
weight = 25
status = "active"
when = "destination in hotspot && !return_ticket"
reason = "No return ticket for travel to {destination}"
remedy = "A return or onward ticket clears this flag"
references = ["test pack"]

[[rule]]
id = "watched_recruiter"
title = "Recruiter on the watch list"
weight = 40
status = "active"
when = "has(record.recruiter) && recruiter in recruiters"
reason = "Recruiter {recruiter} is on the watch list"
remedy = "Verify the agency's licence"
references = ["test pack"]

[[rule]]
id = "agent_present"
title = "An agent was present at the interview"
weight = 10
status = "shadow"
when = "interview.agent_present"
reason = "An agent was present at the interview"
references = ["test pack"]
`;

export const SCHEMA_TOML = `[field.destination]
type = "string"
required = true
description = "Destination country"

[field.return_ticket]
type = "bool"
required = true

[field.recruiter]
type = "string"

[field.purpose]
type = "enum"
values = ["tourism", "work"]

[field.interview]
type = "object"

[field.interview.agent_present]
type = "bool"
required = true

[field.religion]
type = "string"
protected = true
`;

export const LIST_TXT = "# watch list\nPT Cepat Kaya\nPT Gaji Besar\n";

/** The test pack's files, with optional replacements. */
export function files(overrides = {}) {
  return {
    "pack.toml": PACK_TOML,
    "schema.toml": SCHEMA_TOML,
    "lists/recruiters.txt": LIST_TXT,
    ...overrides,
  };
}

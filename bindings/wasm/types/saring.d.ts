/* saring — WebAssembly binding. Hand-written TypeScript types, precise where the generated ones are not. */

/** A JSON value as it appears in evidence and records. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A record to screen: a JSON object (or its JSON text). */
export type RecordInput = { [field: string]: JsonValue } | string;

/**
 * What should happen to the record. There is no "deny": officers decide. `incomplete` ("needs
 * data") means the missing data alone could reach `review` (packs with
 * `[outcomes] incomplete = "outcome"`).
 */
export type Outcome = "clear" | "incomplete" | "review" | "refer";

/** A rule's status in the pack. */
export type RuleStatus = "active" | "shadow" | "disabled";

/** One rule that fired, with its explanation. */
export interface Hit {
  /** Rule id. */
  rule: string;
  /** Rule weight (added to the score for active rules). */
  weight: number;
  /** The reason template rendered from the record. */
  reason: string;
  /** What would clear the flag (absent when the rule has no remedy). */
  remedy?: string;
  /** Why the indicator is legitimate: the rule's references (absent when it has none). */
  references?: string[];
  /** The field values the condition read, by dotted path (missing ones omitted). */
  evidence: { [path: string]: JsonValue };
}

/** A rule that could not be decided because data was missing (or evaluation failed). */
export interface Incomplete {
  /** Rule id. */
  rule: string;
  /** Dotted paths of the absent fields the rule needed. */
  missing: string[];
  /** A runtime error other than missing data, if that is what stopped the rule. */
  error?: string;
  /** The runtime error's kind (`division_by_zero`, `no_overload`, ...), with `error`. */
  error_kind?: RuntimeErrorKind;
  /** Where in the pack the failing sub-expression is, when the error has a place. */
  error_at?: ErrorAt;
  /** The failing sub-expression's source text (`a / b`), with `error_at`. */
  error_expr?: string;
}

/** The kind of a runtime error that stopped a rule. */
export type RuntimeErrorKind =
  | "no_overload"
  | "division_by_zero"
  | "modulus_by_zero"
  | "overflow"
  | "index_out_of_range"
  | "no_such_key"
  | "no_such_field"
  | "invalid_argument"
  | "type_conversion"
  | "type_mismatch"
  | "duplicate_key"
  | "optional_none"
  | "limit"
  | "invalid_field"
  | "aggregate"
  | "undeclared_reference"
  | "internal";

/** A place in a pack file (1-based line and column, in characters). */
export interface ErrorAt {
  file: string;
  line: number;
  column: number;
}

/** A question to ask so that undecided rules can be decided. */
export interface Question {
  /** What to ask, in the decision's language. */
  question: string;
  /** The missing fields it answers (dotted paths). */
  fields: string[];
}

/** Identity of the pack that decided. */
export interface PackRef {
  id: string;
  version: string;
  /** `sha256:<hex>` of the canonical pack content. */
  digest: string;
}

/** The result of screening one record: the same JSON in Rust, Python and JavaScript. */
export interface Decision {
  /**
   * The record's id, from the field the pack names as `record_id` (int ids as text): `null`
   * when the record has none; absent when the pack names no `record_id`.
   */
  record?: string | null;
  outcome: Outcome;
  /** Sum of the weights of the active rules that fired, each family capped. */
  score: number;
  /** The score if every undecided active rule had fired. */
  max_score: number;
  /** Capped score per indicator family, for the families with hits. */
  families: { [family: string]: number };
  /** Active rules that fired, in pack order. */
  hits: Hit[];
  /** Shadow rules that fired (reported, not scored). */
  shadow_hits: Hit[];
  /** Rules that could not be decided, with the missing paths. */
  incomplete: Incomplete[];
  /** What to ask so that the undecided rules can be decided, in rule order. */
  questions: Question[];
  /** Fields whose value did not fit the schema (present only when there are some); the rules
   * reading them are incomplete, the rest of the record was screened. */
  invalid?: InvalidField[];
  /** Input fields the schema does not declare, as dotted paths (present only when the record
   * was screened with `unknownFields: "report"` and held some): no rule read them. */
  ignored_fields?: string[];
  pack: PackRef;
}

/** A field whose value did not fit the schema. */
export interface InvalidField {
  /** Dotted path (`legs[2].country` inside a list). */
  path: string;
  code: "record.type_mismatch" | "record.invalid_value";
  message: string;
}

/** What one rule did on one record. */
export type RuleResult =
  | { result: "hit" }
  | { result: "miss" }
  | { result: "unknown"; missing: string[]; error?: string }
  | { result: "disabled" };

/** One rule in an explanation. */
export type RuleExplanation = RuleResult & {
  rule: string;
  title: string;
  status: RuleStatus;
  weight: number;
  /** The rendered reason (for every evaluated rule, hit or not). */
  reason: string;
  /** What would clear the flag. */
  remedy?: string;
  /** The rule's references (absent when it has none). */
  references?: string[];
  /** Field values the condition read. */
  evidence: { [path: string]: JsonValue };
};

/** Every rule, fired or not, plus the decision and the derived values. */
export interface Explanation {
  decision: Decision;
  /** Derived values (`null` where they could not be computed). */
  derived: { [name: string]: JsonValue };
  rules: RuleExplanation[];
}

/** One compiled rule. */
export interface RuleInfo {
  id: string;
  title: string;
  weight: number;
  status: RuleStatus;
  /** The indicator family, if declared. */
  family: string | null;
  /** The condition's CEL source. */
  when: string;
  remedy: string | null;
  /** Monitored fields the rule reads (justified by `uses_monitored`). */
  reads_monitored: string[];
}

/** Who may receive a list. */
export type Sharing = "public" | "agency" | "restricted";

/** One list of the pack. */
export interface ListInfo {
  name: string;
  /** Number of items. */
  items: number;
  /** `public` lists may be published; `agency` (the default) and `restricted` may not. */
  sharing: Sharing;
  /** Where the list comes from. */
  provenance: string | null;
  /** Last day of validity (`YYYY-MM-DD`); a later load refuses the pack. */
  expires: string | null;
}

/** What `Engine.fromBundle` requires of a bundle. */
export interface BundleOptions {
  /** Require a signature by one of these public keys (`ed25519:<hex>`, or a `.pub` file's text). */
  trustedKeys?: string[];
  /** Refuse the pack unless its digest is this `sha256:<hex>`. */
  expectDigest?: string;
  /** The date list expiry is checked against (`YYYY-MM-DD`; default: today). */
  today?: string;
}

/** The result of `verifyLog`. */
export interface LogReport {
  /** True when every line verified. */
  ok: boolean;
  /** Entries that verified (before the first problem). */
  entries: number;
  decisions: number;
  reviews: number;
  anchors: number;
  /** Anchors whose signature was checked against a trusted key. */
  anchors_verified: number;
  /** The last verified entry's hash. */
  head: string | null;
  /** The first broken line. */
  error: { line: number; code: string; message: string } | null;
}

/**
 * Checks a decision log (its text): every line's hash, the numbering, the chain, and with
 * `trustedKeys` every anchor's signature.
 */
export function verifyLog(text: string, options?: { trustedKeys?: string[] }): LogReport;

/** A field type name in the schema. */
export type FieldType =
  | "string"
  | "int"
  | "float"
  | "bool"
  | "date"
  | "timestamp"
  | "enum"
  | "list"
  | "object";

/** A field type: enum values, list item type or object children where they apply. */
export interface FieldKind {
  type: FieldType;
  /** Allowed values, for `enum`. */
  values?: string[];
  /** Item type, for `list`. */
  items?: FieldKind;
  /** Fields, for `object`. */
  children?: SchemaField[];
}

/** One schema field. */
export interface SchemaField extends FieldKind {
  /** The field's own name (`agent_present`). */
  name: string;
  /** Dotted path (`interview.agent_present`; list items use `legs[].country`). */
  path: string;
  /** Absence makes rules that read it incomplete. */
  required: boolean;
  /** Used for fairness audits only. */
  monitored: boolean;
  /** Never readable by rules. */
  protected: boolean;
  description?: string;
  /** What to ask when the field is missing, in the engine's language. */
  question?: string;
  /** Attributes the value encodes (`["sex", "birth_date"]`): rules read it only whole. */
  encodes?: string[];
}

/** One entry of the monitored register. */
export interface MonitoredUse {
  rule: string;
  /** The monitored fields the rule reads. */
  fields: string[];
  /** The recorded justification. */
  why: string;
  references: string[];
  approved_by: string;
}

/** What one rule reads: a form asks for these fields and nothing else. */
export interface RuleReads {
  rule: string;
  /** Dotted schema paths the condition reads, directly or through derived values. */
  fields: string[];
  /** Derived values the condition reads. */
  derived: string[];
}

/** Options of `screen` and `explain`. */
export interface ScreenOptions {
  /** One of the pack's `languages` (default: the engine's language). */
  lang?: string;
  /**
   * Keys the schema does not declare (a misspelt `tiket`): `"ignore"` them (the default of
   * `screen` and `screenBatch`), `"report"` them in the decision's `ignored_fields` (the
   * default of `explain`), or `"reject"` the record with a `record.unknown_field` error.
   */
  unknownFields?: "ignore" | "report" | "reject";
}

/** One problem found in a pack. */
export interface Diagnostic {
  /** Stable code, e.g. `cel.type_mismatch`, `pack.unknown_field`. */
  code: string;
  severity: "error" | "warning";
  /** Lowercase message; user input in backticks. */
  message: string;
  /** What to do about it: specific help, or else the code's default help (never empty). */
  help: string;
  file: string | null;
  /** 1-based line. */
  line: number | null;
  /** 1-based column. */
  column: number | null;
  /** The rule the problem belongs to. */
  rule: string | null;
}

/** Thrown by `Engine.fromPack` / `Engine.fromJson` when the pack does not load. */
export interface PackError extends Error {
  name: "PackError";
  /** Code of the first error diagnostic (`pack.invalid` when there is none). */
  code: string;
  diagnostics: Diagnostic[];
}

/** Thrown by `screen` / `explain` when the record does not fit the schema. */
export interface RecordError extends Error {
  name: "RecordError";
  /** `record.syntax`, `record.not_object`, `record.type_mismatch`, `record.too_large`, ... */
  code: string;
  /** Dotted path of the offending field, `null` when the whole record is at fault. */
  path: string | null;
  /** The record's 0-based position, when thrown by `screenBatch`. */
  row?: number;
}

/** Thrown when an argument has the wrong shape (`code` is `js.invalid_argument`). */
export interface ArgumentError extends Error {
  code: "js.invalid_argument";
}

/** Pack files by name relative to the pack directory (`pack.toml`, `lists/x.txt`). */
export type PackFiles = { [name: string]: string };

/** A pack as JSON: the structure of pack.toml and schema.toml, plus list files. */
export interface JsonPack {
  pack: { [key: string]: JsonValue };
  schema: { [key: string]: JsonValue };
  files?: PackFiles;
}

/** A compiled rule pack, ready to screen records. */
export class Engine {
  private constructor();
  /** Frees the engine's WebAssembly memory (optional; the GC also does it). */
  free(): void;
  /**
   * Compiles a pack from in-memory files. `main` names the pack file: by default
   * `pack.toml`, or `pack.json` when there is no `pack.toml`.
   * @throws {PackError} with every diagnostic when the pack does not load.
   */
  static fromPack(files: PackFiles, main?: string | null): Engine;
  /**
   * Compiles a pack given as JSON objects.
   * @throws {PackError} with every diagnostic when the pack does not load.
   */
  static fromJson(json: JsonPack): Engine;
  /**
   * Compiles the pack of a bundle after checking it: file hashes, signatures, digest, list
   * expiry.
   * @throws {PackError} with `code` `bundle.*`, `pack.list_expired` or `pack.digest_mismatch`.
   */
  static fromBundle(bytes: Uint8Array, options?: BundleOptions): Engine;
  /** Pack id. */
  readonly id: string;
  /** Pack version. */
  readonly version: string;
  /** `sha256:<hex>` of the canonical pack content. */
  readonly digest: string;
  /** Pack title. */
  readonly title: string;
  /** The compiled rules, in pack order (titles and remedies in the engine's language). */
  readonly rules: RuleInfo[];
  /** The pack's lists, with their sharing class, provenance and expiry. */
  readonly lists: ListInfo[];
  /** The language texts are rendered in (`null` when the pack declares none). */
  readonly language: string | null;
  /** The pack's declared languages. */
  readonly languages: string[];
  /** Every rule that reads a monitored field, with its justification. */
  readonly monitoredRegister: MonitoredUse[];
  /** The fields and derived values each compiled rule reads, in pack order. */
  readonly ruleReads: RuleReads[];
  /**
   * The same engine rendering texts in `lang`.
   * @throws {Error} with code `pack.unknown_language` for a language the pack lacks.
   */
  withLanguage(lang: string): Engine;
  /** The record schema as a field tree (questions in the engine's language). */
  schema(): SchemaField[];
  /**
   * Screens one record.
   * @throws {RecordError} when the record does not fit the schema.
   */
  screen(record: RecordInput, options?: ScreenOptions): Decision;
  /**
   * Screens records as one batch, decisions in order: windowed aggregates (`agg.<name>`)
   * are computed over the batch in time order (one `screen` has no history: rules reading
   * an aggregate are incomplete with a "no history" error).
   * @throws {RecordError} for the first bad record, with its 0-based `row`.
   */
  screenBatch(records: RecordInput[], options?: ScreenOptions): Decision[];
  /**
   * Explains the decision on one record: every rule, fired or not.
   * @throws {RecordError} when the record does not fit the schema.
   */
  explain(record: RecordInput, options?: ScreenOptions): Explanation;
}

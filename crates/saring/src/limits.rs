//! Hard limits that keep hostile packs and records from exhausting the stack, memory or time.
//! Exceeding one is a load error (packs) or a record error, never a crash or a hang.

/// Longest CEL expression, in bytes.
pub const MAX_EXPR_LEN: usize = 16 * 1024;
/// Deepest nesting of a CEL expression (parentheses, operators, calls, lists...).
pub const MAX_EXPR_DEPTH: usize = 64;
/// Most items in one named list.
pub const MAX_LIST_ITEMS: usize = 1_000_000;
/// Compiled size limit of one regular expression, in bytes.
pub const MAX_REGEX_SIZE: usize = 1 << 20;
/// Largest pack file, schema file or list file, in bytes.
pub const MAX_PACK_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Most rules in one pack.
pub const MAX_RULES: usize = 10_000;
/// Deepest nesting of objects and lists in a record.
pub const MAX_RECORD_DEPTH: usize = 32;
/// Largest record text, in bytes.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;
/// Largest precision of a `format()` clause (`%.3f`).
pub const MAX_FORMAT_PRECISION: usize = 1000;
/// Most names a "did you mean" suggestion compares a misspelt name with (the first ones in
/// declaration order), so that thousands of errors in a pack of thousands of rules stay fast.
pub const MAX_SUGGESTION_CANDIDATES: usize = 1000;
/// Characters of each normalized name that `similarity()` compares (Jaro–Winkler is
/// quadratic in the length; names longer than this differing only further on count as equal).
pub const MAX_SIMILARITY_CHARS: usize = 256;
/// Most errors compiling one pack reports: after this many, the remaining rules are not
/// checked and a last `pack.too_many_errors` says so (keeps hostile packs from costing time
/// per error, e.g. a "did you mean" search for each of 10,000 misspelt names).
pub const MAX_PACK_ERRORS: usize = 1000;
/// Most derived values (`[derive]`) in one pack.
pub const MAX_DERIVED: usize = 1000;
/// Most named lists (`[lists]`) in one pack.
pub const MAX_LISTS: usize = 1000;
/// Largest total of a pack's files (pack, schema and list files together), in bytes.
pub const MAX_PACK_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// Largest rule weight, either sign: with at most [`MAX_RULES`] rules a score stays far from
/// `i64` overflow, so scores never saturate.
pub const MAX_WEIGHT: i64 = 1_000_000;
/// Most indicator families in one pack (scoring keeps per-family subtotals on the stack).
pub const MAX_FAMILIES: usize = 32;

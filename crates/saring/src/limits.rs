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
/// Most indicator families in one pack (scoring keeps per-family subtotals on the stack).
pub const MAX_FAMILIES: usize = 32;

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
/// Most windowed aggregates (`[aggregate.<name>]`) in one pack.
pub const MAX_AGGREGATES: usize = 64;
/// Most named constants (`[constants]`) in one pack.
pub const MAX_CONSTANTS: usize = 1000;
/// Most named lists (`[lists]`) in one pack.
pub const MAX_LISTS: usize = 1000;
/// Largest total of a pack's files (pack, schema and list files together), in bytes.
pub const MAX_PACK_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// Largest rule weight, either sign: with at most [`MAX_RULES`] rules a score stays far from
/// `i64` overflow, so scores never saturate.
pub const MAX_WEIGHT: i64 = 1_000_000;
/// Most indicator families in one pack (scoring keeps per-family subtotals on the stack).
pub const MAX_FAMILIES: usize = 32;
/// Most items of a list in a record when its schema field declares no `max_items`: a longer
/// list is an invalid field (`record.too_many_items`). The static cost estimate relies on it.
pub const MAX_RECORD_LIST_ITEMS: usize = 10_000;

/// Most undeclared fields a record names in its `ignored_fields` (the rest are skipped
/// unnamed, as without reporting).
pub const MAX_IGNORED_FIELDS: usize = 32;
/// Largest string or bytes value an expression may build (`+`, `replace`, `join`, ...), in
/// bytes: building a larger one is a runtime error (`value_too_large`), not an allocation.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;
/// Default of [`CostLimits::static_cost`].
pub const DEFAULT_STATIC_COST: u64 = 100_000_000;
/// Default of [`CostLimits::runtime_cost`].
pub const DEFAULT_RUNTIME_COST: u64 = 10_000_000;

/// Cost limits of one engine (as in Kubernetes' CEL): every expression's cost is estimated
/// when the pack is compiled, and evaluation is charged against a budget per record.
///
/// Cost units: one per expression node, per comprehension iteration and per item a list
/// membership test scans (statically, with list sizes bounded by the named list, the schema's
/// `max_items` or [`MAX_RECORD_LIST_ITEMS`]); at run time, one per comprehension iteration
/// and per function or operator call, plus one per 16 bytes or list items it reads or
/// builds (`similarity` counts the product of its compared lengths).
///
/// ```
/// use saring::limits::CostLimits;
/// let strict = CostLimits { runtime_cost: 1_000_000, ..CostLimits::default() };
/// assert_eq!(strict.static_cost, saring::limits::DEFAULT_STATIC_COST);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostLimits {
    /// Largest static cost estimate of one rule condition or derived value: a pack with a
    /// costlier expression does not load (`pack.cost_limit`, naming the rule).
    pub static_cost: u64,
    /// Budget of one record's evaluation (all rules and derived values): a rule that
    /// exhausts it is incomplete with a `cost_exceeded` error; later rules that need more
    /// work fail the same way, rules that need none are still decided.
    pub runtime_cost: u64,
}

impl Default for CostLimits {
    fn default() -> CostLimits {
        CostLimits {
            static_cost: DEFAULT_STATIC_COST,
            runtime_cost: DEFAULT_RUNTIME_COST,
        }
    }
}

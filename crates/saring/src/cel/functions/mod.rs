//! The builtin-function table: one entry per CEL function, serving both the type checker
//! (`check`) and the evaluator (`eval`). Operators live in [`crate::cel::ops`].
//!
//! Submodules group the functions by family: [`strings`] (CEL's standard string functions),
//! [`string_ext`] (the cel-go strings extension), [`convert`] (type conversions), [`time`]
//! (timestamp and duration accessors, parsing and printing), [`math_ext`] and [`sets_ext`]
//! (the cel-go math and sets extensions), [`lists_ext`] (the cel-go lists extension),
//! [`optional`] (optional values), [`domain`] (saring's additions) and
//! [`collections`] (`size`).

pub mod collections;
pub mod convert;
pub mod domain;
pub mod lists_ext;
pub mod math_ext;
pub mod optional;
pub mod sets_ext;
pub mod string_ext;
pub mod strings;
pub mod time;

use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

/// How a builtin may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStyle {
    /// `f(a, b)` only.
    Global,
    /// `a.f(b)` only (the receiver is passed as the first argument).
    Method,
    /// Either form.
    Both,
}

/// One builtin function.
pub struct Builtin {
    /// Name as written in CEL (`size`, `startsWith`, `years_between`, `math.greatest`).
    pub name: &'static str,
    /// Call forms accepted.
    pub style: CallStyle,
    /// Accepted argument counts (receiver included for methods).
    pub arity: &'static [usize],
    /// Static typing: the result type for these argument types, or a message saying why they
    /// do not fit. Receives `Type::Dyn` for arguments not known statically.
    pub check: fn(&[Type]) -> Result<Type, String>,
    /// Evaluation over already evaluated arguments (receiver first for methods).
    pub eval: fn(&[&Value]) -> EvalResult,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builtin")
            .field("name", &self.name)
            .field("style", &self.style)
            .field("arity", &self.arity)
            .finish_non_exhaustive()
    }
}

macro_rules! builtin {
    ($name:literal, $style:ident, [$($n:literal),*], $check:path, $eval:path) => {
        Builtin {
            name: $name,
            style: CallStyle::$style,
            arity: &[$($n),*],
            check: $check,
            eval: $eval,
        }
    };
}

static BUILTINS: &[Builtin] = &[
    // size
    builtin!(
        "size",
        Both,
        [1],
        collections::check_size,
        collections::size
    ),
    // standard string functions
    builtin!(
        "contains",
        Method,
        [2],
        strings::check_contains,
        strings::contains
    ),
    builtin!(
        "startsWith",
        Method,
        [2],
        strings::check_starts_with,
        strings::starts_with
    ),
    builtin!(
        "endsWith",
        Method,
        [2],
        strings::check_ends_with,
        strings::ends_with
    ),
    builtin!(
        "matches",
        Both,
        [2],
        strings::check_matches,
        strings::matches
    ),
    // conversions
    builtin!("int", Global, [1], convert::check_int, convert::to_int),
    builtin!("uint", Global, [1], convert::check_uint, convert::to_uint),
    builtin!(
        "double",
        Global,
        [1],
        convert::check_double,
        convert::to_double
    ),
    builtin!(
        "string",
        Global,
        [1],
        convert::check_string,
        convert::to_string
    ),
    builtin!(
        "bytes",
        Global,
        [1],
        convert::check_bytes,
        convert::to_bytes
    ),
    builtin!("bool", Global, [1], convert::check_bool, convert::to_bool),
    builtin!("dyn", Global, [1], convert::check_dyn, convert::to_dyn),
    builtin!("type", Global, [1], convert::check_type, convert::type_of),
    builtin!(
        "timestamp",
        Global,
        [1],
        convert::check_timestamp,
        convert::to_timestamp
    ),
    builtin!(
        "duration",
        Global,
        [1],
        convert::check_duration,
        convert::to_duration
    ),
    // timestamp and duration accessors
    builtin!(
        "getFullYear",
        Method,
        [1, 2],
        time::check_get_full_year,
        time::get_full_year
    ),
    builtin!(
        "getMonth",
        Method,
        [1, 2],
        time::check_get_month,
        time::get_month
    ),
    builtin!(
        "getDate",
        Method,
        [1, 2],
        time::check_get_date,
        time::get_date
    ),
    builtin!(
        "getDayOfMonth",
        Method,
        [1, 2],
        time::check_get_day_of_month,
        time::get_day_of_month
    ),
    builtin!(
        "getDayOfWeek",
        Method,
        [1, 2],
        time::check_get_day_of_week,
        time::get_day_of_week
    ),
    builtin!(
        "getDayOfYear",
        Method,
        [1, 2],
        time::check_get_day_of_year,
        time::get_day_of_year
    ),
    builtin!(
        "getHours",
        Method,
        [1, 2],
        time::check_get_hours,
        time::get_hours
    ),
    builtin!(
        "getMinutes",
        Method,
        [1, 2],
        time::check_get_minutes,
        time::get_minutes
    ),
    builtin!(
        "getSeconds",
        Method,
        [1, 2],
        time::check_get_seconds,
        time::get_seconds
    ),
    builtin!(
        "getMilliseconds",
        Method,
        [1, 2],
        time::check_get_milliseconds,
        time::get_milliseconds
    ),
    // strings extension
    builtin!(
        "charAt",
        Method,
        [2],
        string_ext::check_char_at,
        string_ext::char_at
    ),
    builtin!(
        "indexOf",
        Method,
        [2, 3],
        string_ext::check_index_of,
        string_ext::index_of
    ),
    builtin!(
        "lastIndexOf",
        Method,
        [2, 3],
        string_ext::check_last_index_of,
        string_ext::last_index_of
    ),
    builtin!(
        "lowerAscii",
        Method,
        [1],
        string_ext::check_lower_ascii,
        string_ext::lower_ascii
    ),
    builtin!(
        "upperAscii",
        Method,
        [1],
        string_ext::check_upper_ascii,
        string_ext::upper_ascii
    ),
    builtin!(
        "replace",
        Method,
        [3, 4],
        string_ext::check_replace,
        string_ext::replace
    ),
    builtin!(
        "split",
        Method,
        [2, 3],
        string_ext::check_split,
        string_ext::split
    ),
    builtin!(
        "substring",
        Method,
        [2, 3],
        string_ext::check_substring,
        string_ext::substring
    ),
    builtin!(
        "trim",
        Method,
        [1],
        string_ext::check_trim,
        string_ext::trim
    ),
    builtin!(
        "join",
        Method,
        [1, 2],
        string_ext::check_join,
        string_ext::join
    ),
    builtin!(
        "reverse",
        Method,
        [1],
        string_ext::check_reverse,
        string_ext::reverse
    ),
    builtin!(
        "strings.quote",
        Global,
        [1],
        string_ext::check_quote,
        string_ext::quote
    ),
    builtin!(
        "format",
        Method,
        [2],
        string_ext::check_format,
        string_ext::format
    ),
    // math extension
    Builtin {
        name: "math.greatest",
        style: CallStyle::Global,
        arity: &math_ext::VARIADIC,
        check: math_ext::check_greatest,
        eval: math_ext::greatest,
    },
    Builtin {
        name: "math.least",
        style: CallStyle::Global,
        arity: &math_ext::VARIADIC,
        check: math_ext::check_least,
        eval: math_ext::least,
    },
    builtin!(
        "math.ceil",
        Global,
        [1],
        math_ext::check_ceil,
        math_ext::ceil
    ),
    builtin!(
        "math.floor",
        Global,
        [1],
        math_ext::check_floor,
        math_ext::floor
    ),
    builtin!(
        "math.round",
        Global,
        [1],
        math_ext::check_round,
        math_ext::round
    ),
    builtin!(
        "math.trunc",
        Global,
        [1],
        math_ext::check_trunc,
        math_ext::trunc
    ),
    builtin!("math.abs", Global, [1], math_ext::check_abs, math_ext::abs),
    builtin!(
        "math.sign",
        Global,
        [1],
        math_ext::check_sign,
        math_ext::sign
    ),
    builtin!(
        "math.isNaN",
        Global,
        [1],
        math_ext::check_is_nan,
        math_ext::is_nan
    ),
    builtin!(
        "math.isInf",
        Global,
        [1],
        math_ext::check_is_inf,
        math_ext::is_inf
    ),
    builtin!(
        "math.isFinite",
        Global,
        [1],
        math_ext::check_is_finite,
        math_ext::is_finite
    ),
    builtin!(
        "math.bitAnd",
        Global,
        [2],
        math_ext::check_bit_and,
        math_ext::bit_and
    ),
    builtin!(
        "math.bitOr",
        Global,
        [2],
        math_ext::check_bit_or,
        math_ext::bit_or
    ),
    builtin!(
        "math.bitXor",
        Global,
        [2],
        math_ext::check_bit_xor,
        math_ext::bit_xor
    ),
    builtin!(
        "math.bitNot",
        Global,
        [1],
        math_ext::check_bit_not,
        math_ext::bit_not
    ),
    builtin!(
        "math.bitShiftLeft",
        Global,
        [2],
        math_ext::check_bit_shift_left,
        math_ext::bit_shift_left
    ),
    builtin!(
        "math.bitShiftRight",
        Global,
        [2],
        math_ext::check_bit_shift_right,
        math_ext::bit_shift_right
    ),
    // sets extension
    builtin!(
        "sets.contains",
        Global,
        [2],
        sets_ext::check_contains,
        sets_ext::contains
    ),
    builtin!(
        "sets.equivalent",
        Global,
        [2],
        sets_ext::check_equivalent,
        sets_ext::equivalent
    ),
    builtin!(
        "sets.intersects",
        Global,
        [2],
        sets_ext::check_intersects,
        sets_ext::intersects
    ),
    // lists extension (`reverse` of a list is the strings extension's `reverse`)
    builtin!(
        "lists.range",
        Global,
        [1],
        lists_ext::check_range,
        lists_ext::range
    ),
    builtin!(
        "slice",
        Method,
        [3],
        lists_ext::check_slice,
        lists_ext::slice
    ),
    builtin!(
        "flatten",
        Method,
        [1, 2],
        lists_ext::check_flatten,
        lists_ext::flatten
    ),
    builtin!(
        "distinct",
        Method,
        [1],
        lists_ext::check_distinct,
        lists_ext::distinct
    ),
    builtin!("sort", Method, [1], lists_ext::check_sort, lists_ext::sort),
    builtin!(
        "first",
        Method,
        [1],
        lists_ext::check_first_last,
        lists_ext::first
    ),
    builtin!(
        "last",
        Method,
        [1],
        lists_ext::check_first_last,
        lists_ext::last
    ),
    // optional values
    builtin!("optional.of", Global, [1], optional::check_of, optional::of),
    builtin!(
        "optional.ofNonZeroValue",
        Global,
        [1],
        optional::check_of,
        optional::of_non_zero_value
    ),
    builtin!(
        "optional.none",
        Global,
        [0],
        optional::check_none,
        optional::none
    ),
    builtin!(
        "hasValue",
        Method,
        [1],
        optional::check_has_value,
        optional::has_value
    ),
    builtin!("value", Method, [1], optional::check_value, optional::value),
    builtin!(
        "orValue",
        Method,
        [2],
        optional::check_or_value,
        optional::or_value
    ),
    builtin!("or", Method, [2], optional::check_or, optional::or),
    // saring's domain functions
    builtin!(
        "years_between",
        Global,
        [2],
        domain::check_years_between,
        domain::years_between
    ),
    builtin!(
        "days_between",
        Global,
        [2],
        domain::check_days_between,
        domain::days_between
    ),
    builtin!(
        "similarity",
        Global,
        [2],
        domain::check_similarity,
        domain::similarity
    ),
    builtin!(
        "normalize_name",
        Global,
        [1],
        domain::check_normalize_name,
        domain::normalize_name
    ),
    builtin!(
        "name_key",
        Global,
        [1],
        domain::check_name_key,
        domain::name_key
    ),
    builtin!(
        "token_set_similarity",
        Global,
        [2],
        domain::check_token_set_similarity,
        domain::token_set_similarity
    ),
    builtin!(
        "best_match",
        Global,
        [2],
        domain::check_best_match,
        domain::best_match
    ),
];

/// All builtins, in one table.
pub fn builtins() -> &'static [Builtin] {
    BUILTINS
}

/// Finds a builtin by name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    builtins().iter().find(|b| b.name == name)
}

/// A parameter or result pattern used by the simple overload resolution of the `check`
/// functions. `Any` matches every type; every pattern matches `dyn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum P {
    Int,
    Uint,
    Double,
    Str,
    Bytes,
    Bool,
    Ts,
    Dur,
    List,
    StrList,
    Map,
    TypeV,
    Any,
}

impl P {
    fn fits(self, t: &Type) -> bool {
        if t.is_dyn() {
            return true;
        }
        match self {
            P::Int => matches!(t, Type::Int),
            P::Uint => matches!(t, Type::Uint),
            P::Double => matches!(t, Type::Double),
            P::Str => matches!(t, Type::String),
            P::Bytes => matches!(t, Type::Bytes),
            P::Bool => matches!(t, Type::Bool),
            P::Ts => matches!(t, Type::Timestamp),
            P::Dur => matches!(t, Type::Duration),
            P::List => matches!(t, Type::List(_)),
            P::StrList => match t {
                Type::List(e) => matches!(**e, Type::String | Type::Dyn),
                _ => false,
            },
            P::Map => matches!(t, Type::Map(..) | Type::Object(_)),
            P::TypeV => matches!(t, Type::Type),
            P::Any => true,
        }
    }

    fn to_type(self) -> Type {
        match self {
            P::Int => Type::Int,
            P::Uint => Type::Uint,
            P::Double => Type::Double,
            P::Str => Type::String,
            P::Bytes => Type::Bytes,
            P::Bool => Type::Bool,
            P::Ts => Type::Timestamp,
            P::Dur => Type::Duration,
            P::List => Type::List(Box::new(Type::Dyn)),
            P::StrList => Type::List(Box::new(Type::String)),
            P::Map => Type::Map(Box::new(Type::Dyn), Box::new(Type::Dyn)),
            P::TypeV => Type::Type,
            P::Any => Type::Dyn,
        }
    }
}

/// The checker's error message for a call that matches no overload.
pub(crate) fn no_match(name: &str, args: &[Type]) -> String {
    let types: Vec<String> = args.iter().map(|t| t.to_string()).collect();
    format!("no matching overload for `{name}({})`", types.join(", "))
}

/// Resolves `args` against `overloads` (parameter patterns and result). When several
/// overloads match (because of `dyn` arguments) with different results, the result is `dyn`.
pub(crate) fn resolve(name: &str, args: &[Type], overloads: &[(&[P], P)]) -> Result<Type, String> {
    let mut result: Option<P> = None;
    let mut ambiguous = false;
    for (params, res) in overloads {
        if params.len() == args.len() && params.iter().zip(args).all(|(p, t)| p.fits(t)) {
            match result {
                None => result = Some(*res),
                Some(r) if r != *res => ambiguous = true,
                Some(_) => {}
            }
        }
    }
    match result {
        None => Err(no_match(name, args)),
        Some(_) if ambiguous => Ok(Type::Dyn),
        Some(r) => Ok(r.to_type()),
    }
}

/// The runtime "index out of range" error used by the strings extension and list indexing.
pub(crate) fn out_of_range(i: i64) -> EvalError {
    EvalError::new(
        crate::cel::error::RuntimeErrorKind::IndexOutOfRange,
        format!("index out of range: {i}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_a_unique_name_and_arity() {
        let mut names: Vec<&str> = builtins().iter().map(|b| b.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(builtins().iter().all(|b| !b.arity.is_empty()));
    }

    #[test]
    fn lookup_finds_builtins() {
        assert_eq!(
            lookup("startsWith").map(|b| b.style),
            Some(CallStyle::Method)
        );
        assert_eq!(lookup("size").map(|b| b.style), Some(CallStyle::Both));
        assert_eq!(
            lookup("strings.quote").map(|b| b.arity),
            Some(&[1usize][..])
        );
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn resolve_picks_result_and_reports_mismatch() {
        let ov: &[(&[P], P)] = &[(&[P::Str, P::Str], P::Bool), (&[P::Int, P::Int], P::Int)];
        assert!(matches!(
            resolve("f", &[Type::String, Type::String], ov),
            Ok(Type::Bool)
        ));
        assert!(matches!(
            resolve("f", &[Type::Dyn, Type::Dyn], ov),
            Ok(Type::Dyn)
        ));
        assert!(matches!(
            resolve("f", &[Type::Dyn, Type::Int], ov),
            Ok(Type::Int)
        ));
        assert_eq!(
            resolve("startsWith", &[Type::String, Type::Int], ov)
                .err()
                .as_deref(),
            Some("no matching overload for `startsWith(string, int)`")
        );
    }

    /// Every function that the in-scope cases of the conformance files we cover call exists
    /// in the table (the full parse → check → eval runner lives in `tests/`).
    #[test]
    fn conformance_functions_exist() {
        let not_functions = [
            "has",
            "all",
            "exists",
            "exists_one",
            "existsOne",
            "map",
            "filter",
            "sortBy",
            "transformList",
            "transformMap",
            "transformMapEntry",
        ];
        let mut seen = 0;
        for file in [
            "comparisons",
            "conversions",
            "string",
            "string_ext",
            "timestamps",
            "integer_math",
            "fp_math",
            "math_ext",
            "lists_ext",
            "comprehensions_ext",
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../tests/cel-conformance/{file}.json"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("conformance file {} missing: {e}", path.display()));
            let json: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let sections = json["section"].as_array().cloned().unwrap_or_default();
            for test in sections
                .iter()
                .flat_map(|s| s["test"].as_array().cloned().unwrap_or_default())
            {
                let expr = test["expr"].as_str().unwrap_or_default();
                if expr.contains("TestAllTypes") || expr.contains("proto") {
                    continue;
                }
                for name in called_names(expr) {
                    if !not_functions.contains(&name.as_str()) {
                        seen += 1;
                        assert!(lookup(&name).is_some(), "{file}: `{name}` in `{expr}`");
                    }
                }
            }
        }
        assert!(seen > 300, "only {seen} calls seen");
    }

    /// Names directly followed by `(` outside string literals (the namespaced functions of
    /// the extensions, `strings.quote`, `math.greatest`, kept whole).
    fn called_names(expr: &str) -> Vec<String> {
        let chars: Vec<char> = expr.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            if let Some(q) = quote {
                if c == '\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            if c == '\'' || c == '"' {
                quote = Some(c);
                i += 1;
                continue;
            }
            if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if i < chars.len() && chars[i] == '(' {
                    let name = if ["strings.", "math.", "sets.", "lists."]
                        .iter()
                        .any(|p| word.starts_with(p))
                    {
                        word
                    } else {
                        word.rsplit('.').next().unwrap_or_default().to_string()
                    };
                    out.push(name);
                }
                continue;
            }
            i += 1;
        }
        out
    }
}

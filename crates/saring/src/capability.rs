//! The optional parts of the engine (cargo features) and what a pack needs of them.
//!
//! A build of saring may leave out the large static tables that only some functions use —
//! the regular-expression engine and its Unicode tables (`regex`, `regex-unicode`), the IANA
//! time-zone database (`tz`), the Unicode normalisation tables (`normalize`) — so that a
//! browser build carries only what its packs use. "Same pack + same record = same
//! decision" holds across builds because a build never evaluates a pack differently: a pack
//! whose expressions call a function the build lacks is refused at load with
//! `build.unavailable`, naming the rule and the function.
//!
//! [`Engine::requirements`](crate::Engine::requirements) lists what a compiled pack needs,
//! so a build tool can choose the features of a reduced build from the packs it embeds.

use std::fmt;

use serde::Serialize;

use crate::cel::typecheck::{TExpr, TKind};
use crate::cel::Value;

/// An optional part of the engine, selected by a cargo feature of the `saring` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Regular expressions (`matches`), feature `regex`.
    Regex,
    /// Regular expressions with Unicode classes and case folding (`\w`, `\p{L}`, `(?i)`),
    /// feature `regex-unicode`: needed by a pattern that is not a literal, whose text the
    /// build cannot check at load.
    RegexUnicode,
    /// The IANA time-zone database (`ts.getHours("Asia/Jakarta")`), feature `tz`.
    TimeZones,
    /// Unicode normalisation (`normalize_name`, `similarity`, `name_key`, `token_set_similarity`, `best_match`), feature `normalize`.
    Normalize,
}

impl Capability {
    /// Every capability, in a stable order.
    pub const ALL: [Capability; 4] = [
        Capability::Regex,
        Capability::RegexUnicode,
        Capability::TimeZones,
        Capability::Normalize,
    ];

    /// The cargo feature of the `saring` crate that provides it.
    pub fn feature(self) -> &'static str {
        match self {
            Capability::Regex => "regex",
            Capability::RegexUnicode => "regex-unicode",
            Capability::TimeZones => "tz",
            Capability::Normalize => "normalize",
        }
    }

    /// Whether this build has it.
    pub fn available(self) -> bool {
        match self {
            Capability::Regex => cfg!(feature = "regex"),
            Capability::RegexUnicode => cfg!(feature = "regex-unicode"),
            Capability::TimeZones => cfg!(feature = "tz"),
            Capability::Normalize => cfg!(feature = "normalize"),
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.feature())
    }
}

/// One use of a capability by a pack: which function, in which rule, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// What is needed.
    pub capability: Capability,
    /// The function that needs it (`matches`, `getHours`, `normalize_name`).
    pub function: &'static str,
    /// The rule whose condition calls it (`None` for a derived value or a constant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The file of the call.
    pub file: Option<String>,
    /// 1-based line of the call.
    pub line: Option<u32>,
}

/// The timestamp accessors whose optional second argument is a time zone.
const TZ_ACCESSORS: &[&str] = &[
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
];

/// A time-zone argument the engine resolves without the IANA database: a literal fixed
/// offset (`+07:00`) or `UTC`.
fn fixed_zone(arg: &TExpr) -> bool {
    match &arg.kind {
        TKind::Const(Value::String(s)) => {
            &**s == "UTC" || crate::cel::functions::time::parse_offset(s).is_some()
        }
        _ => false,
    }
}

/// What a call of builtin `name` with `args` (the receiver first) needs.
pub(crate) fn needed(name: &'static str, args: &[TExpr]) -> Vec<Capability> {
    match name {
        "matches" => {
            let literal = matches!(
                args.get(1).map(|a| &a.kind),
                Some(TKind::Const(Value::String(_)))
            );
            if literal {
                vec![Capability::Regex]
            } else {
                vec![Capability::Regex, Capability::RegexUnicode]
            }
        }
        "normalize_name" | "similarity" | "name_key" | "token_set_similarity" | "best_match" => {
            vec![Capability::Normalize]
        }
        _ if TZ_ACCESSORS.contains(&name) && args.len() == 2 && !fixed_zone(&args[1]) => {
            vec![Capability::TimeZones]
        }
        _ => Vec::new(),
    }
}

/// Every capability a typed expression needs, with the function that needs it and its span.
pub(crate) fn needs_of(expr: &TExpr) -> Vec<(Capability, &'static str, crate::cel::ast::Span)> {
    let mut out = Vec::new();
    expr.visit(&mut |e| {
        if let TKind::Call(builtin, args) = &e.kind {
            for c in needed(builtin.name, args) {
                out.push((c, builtin.name, e.span));
            }
        }
    });
    out
}

/// The help of a `build.unavailable` diagnostic.
pub(crate) fn unavailable_help(capability: Capability) -> String {
    format!(
        "use a build of saring with the `{}` feature (the command-line tool and the Python package have every feature); a reduced browser build carries only what its embedded packs use",
        capability.feature()
    )
}

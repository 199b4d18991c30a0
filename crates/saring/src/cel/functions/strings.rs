//! CEL's standard string functions: `contains`, `startsWith`, `endsWith`, `matches`.

use super::{resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;

fn check_str_str_bool(name: &str, args: &[Type]) -> Result<Type, String> {
    resolve(name, args, &[(&[P::Str, P::Str], P::Bool)])
}

/// Checker for `contains`: `(string, string) -> bool`.
pub fn check_contains(args: &[Type]) -> Result<Type, String> {
    check_str_str_bool("contains", args)
}

/// Checker for `startsWith`: `(string, string) -> bool`.
pub fn check_starts_with(args: &[Type]) -> Result<Type, String> {
    check_str_str_bool("startsWith", args)
}

/// Checker for `endsWith`: `(string, string) -> bool`.
pub fn check_ends_with(args: &[Type]) -> Result<Type, String> {
    check_str_str_bool("endsWith", args)
}

/// Checker for `matches`: `(string, string) -> bool`.
pub fn check_matches(args: &[Type]) -> Result<Type, String> {
    check_str_str_bool("matches", args)
}

fn two_strings<'a>(name: &str, args: &'a [&'a Value]) -> Result<(&'a str, &'a str), EvalError> {
    match args {
        [Value::String(a), Value::String(b)] => Ok((a, b)),
        _ => Err(EvalError::no_overload(name, args)),
    }
}

/// `s.contains(sub)`.
pub fn contains(args: &[&Value]) -> EvalResult {
    let (s, sub) = two_strings("contains", args)?;
    Ok(Value::Bool(s.contains(sub)))
}

/// `s.startsWith(prefix)`.
pub fn starts_with(args: &[&Value]) -> EvalResult {
    let (s, p) = two_strings("startsWith", args)?;
    Ok(Value::Bool(s.starts_with(p)))
}

/// `s.endsWith(suffix)`.
pub fn ends_with(args: &[&Value]) -> EvalResult {
    let (s, p) = two_strings("endsWith", args)?;
    Ok(Value::Bool(s.ends_with(p)))
}

#[cfg(not(feature = "regex"))]
pub use no_regex::{Regex, RegexError};
#[cfg(feature = "regex")]
pub use regex::{Error as RegexError, Regex};

/// Stand-ins for a build without regular expressions (feature `regex`): no [`Regex`] can be
/// built, so a pack that calls `matches` is refused at load (`build.unavailable`).
#[cfg(not(feature = "regex"))]
mod no_regex {
    use std::fmt;

    #[derive(Debug)]
    enum Never {}

    /// A compiled regular expression: none exists in this build.
    #[derive(Debug)]
    pub struct Regex {
        never: Never,
    }

    impl Regex {
        /// Never called: no value of this type exists.
        pub fn is_match(&self, _: &str) -> bool {
            match self.never {}
        }
    }

    /// Why a pattern was not built: this build has no regular expressions.
    #[derive(Debug)]
    pub struct RegexError;

    impl fmt::Display for RegexError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("this build of saring has no regular expressions (feature `regex`)")
        }
    }
}

/// Compiles a CEL (RE2-syntax) regular expression with saring's size limit. The compiler
/// calls this once per constant pattern; [`matches()`](fn@matches) calls it for dynamic patterns.
pub fn compile_regex(pattern: &str) -> Result<Regex, EvalError> {
    build_regex(pattern)
        .map_err(|e| EvalError::invalid(format!("invalid regular expression `{pattern}`: {e}")))
}

/// Builds a regex under saring's size limits: the one place both the compiler (constant
/// patterns) and [`compile_regex`] (dynamic patterns) build regexes.
pub fn build_regex(pattern: &str) -> Result<Regex, RegexError> {
    #[cfg(feature = "regex")]
    return regex::RegexBuilder::new(pattern)
        .size_limit(crate::limits::MAX_REGEX_SIZE)
        .dfa_size_limit(crate::limits::MAX_REGEX_SIZE)
        .build();
    #[cfg(not(feature = "regex"))]
    return {
        let _ = pattern;
        Err(RegexError)
    };
}

/// `s.matches(re)` / `matches(s, re)`: true when the regex matches anywhere in `s`.
pub fn matches(args: &[&Value]) -> EvalResult {
    let (s, re) = two_strings("matches", args)?;
    Ok(Value::Bool(compile_regex(re)?.is_match(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn contains_starts_ends() {
        assert_eq!(
            contains(&[&s("abababc"), &s("ababc")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(contains(&[&s("hello"), &s("ol")]), Ok(Value::Bool(false)));
        assert_eq!(contains(&[&s(""), &s("")]), Ok(Value::Bool(true)));
        assert_eq!(
            starts_with(&[&s("завтра"), &s("за")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(starts_with(&[&s(""), &s("foo")]), Ok(Value::Bool(false)));
        assert_eq!(ends_with(&[&s("forté"), &s("té")]), Ok(Value::Bool(true)));
        assert_eq!(
            ends_with(&[&s("foobar"), &s("foo")]),
            Ok(Value::Bool(false))
        );
        assert!(contains(&[&s("a"), &Value::Int(1)]).is_err());
    }

    #[test]
    fn regex_matching() {
        assert_eq!(matches(&[&s("hubba"), &s("ubb")]), Ok(Value::Bool(true)));
        assert_eq!(matches(&[&s(""), &s("foo|bar")]), Ok(Value::Bool(false)));
        assert_eq!(
            matches(&[&s("mañana"), &s("a+ñ+a+")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            matches(&[&s("🐱😀😀"), &s("(a|😀){2}")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(matches(&[&s("cows"), &s("")]), Ok(Value::Bool(true)));
        let bad = matches(&[&s("x"), &s("(unclosed")]);
        assert!(
            matches!(&bad, Err(EvalError::Runtime(m)) if m.message().contains("invalid regular expression") && m.kind() == crate::cel::error::RuntimeErrorKind::InvalidArgument)
        );
        // A pattern whose compiled program exceeds the size limit is rejected, not built.
        assert!(compile_regex("(\\w{100}){100}").is_err());
    }

    #[test]
    fn string_function_types() {
        assert!(matches!(
            check_contains(&[Type::String, Type::String]),
            Ok(Type::Bool)
        ));
        assert!(matches!(
            check_matches(&[Type::Dyn, Type::String]),
            Ok(Type::Bool)
        ));
        assert_eq!(
            check_starts_with(&[Type::String, Type::Int])
                .err()
                .as_deref(),
            Some("no matching overload for `startsWith(string, int)`")
        );
        assert!(check_ends_with(&[Type::Int, Type::String]).is_err());
    }
}

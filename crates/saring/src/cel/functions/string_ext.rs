//! The strings extension of cel-go (`ext.Strings`): `charAt`, `indexOf`, `lastIndexOf`,
//! `lowerAscii`, `upperAscii`, `replace`, `split`, `substring`, `trim`, `join`, `reverse`,
//! `strings.quote` and `format`. Indexes count Unicode code points, not bytes.

use crate::cel::error::RuntimeErrorKind;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use super::convert::format_double;
use super::time::{format_duration, format_timestamp};
use super::{out_of_range, resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::Value;
use crate::limits::MAX_FORMAT_PRECISION;

macro_rules! checker {
    ($fn_name:ident, $name:literal, [$(([$($p:ident),*], $r:ident)),*]) => {
        #[doc = concat!("Checker for `", $name, "`.")]
        pub fn $fn_name(args: &[Type]) -> Result<Type, String> {
            resolve($name, args, &[$((&[$(P::$p),*], P::$r)),*])
        }
    };
}

checker!(check_char_at, "charAt", [([Str, Int], Str)]);
checker!(
    check_index_of,
    "indexOf",
    [([Str, Str], Int), ([Str, Str, Int], Int)]
);
checker!(
    check_last_index_of,
    "lastIndexOf",
    [([Str, Str], Int), ([Str, Str, Int], Int)]
);
checker!(check_lower_ascii, "lowerAscii", [([Str], Str)]);
checker!(check_upper_ascii, "upperAscii", [([Str], Str)]);
checker!(
    check_replace,
    "replace",
    [([Str, Str, Str], Str), ([Str, Str, Str, Int], Str)]
);
checker!(
    check_split,
    "split",
    [([Str, Str], StrList), ([Str, Str, Int], StrList)]
);
checker!(
    check_substring,
    "substring",
    [([Str, Int], Str), ([Str, Int, Int], Str)]
);
checker!(check_trim, "trim", [([Str], Str)]);
checker!(
    check_join,
    "join",
    [([StrList], Str), ([StrList, Str], Str)]
);
/// Checker for `reverse`: of a string (this extension) or of a list (the lists extension).
pub fn check_reverse(args: &[Type]) -> Result<Type, String> {
    match args {
        [Type::List(e)] => Ok(Type::List(e.clone())),
        [Type::Dyn] => Ok(Type::Dyn),
        _ => resolve("reverse", args, &[(&[P::Str], P::Str)]),
    }
}
checker!(check_quote, "strings.quote", [([Str], Str)]);
checker!(check_format, "format", [([Str, List], Str)]);

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn to_index(i: i64, len: usize) -> Result<usize, EvalError> {
    match usize::try_from(i) {
        Ok(u) if u <= len => Ok(u),
        _ => Err(out_of_range(i)),
    }
}

fn find_from(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()] == *needle)
}

fn rfind_from(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let start = from.min(hay.len() - needle.len());
    (0..=start)
        .rev()
        .find(|&i| hay[i..i + needle.len()] == *needle)
}

fn as_int(i: Option<usize>) -> Value {
    Value::Int(i.and_then(|i| i64::try_from(i).ok()).unwrap_or(-1))
}

/// `s.charAt(i)`: the code point at `i` as a string; `""` at `i == size(s)`; error beyond.
pub fn char_at(args: &[&Value]) -> EvalResult {
    let [Value::String(s), Value::Int(i)] = args else {
        return Err(EvalError::no_overload("charAt", args));
    };
    let cs = chars(s);
    let i = to_index(*i, cs.len())?;
    Ok(Value::string(
        cs.get(i).map(char::to_string).unwrap_or_default(),
    ))
}

/// `s.indexOf(sub[, from])`: index of the first occurrence at or after `from`, or -1.
pub fn index_of(args: &[&Value]) -> EvalResult {
    let (s, sub, from) = match args {
        [Value::String(s), Value::String(sub)] => (s, sub, 0),
        [Value::String(s), Value::String(sub), Value::Int(i)] => (s, sub, *i),
        _ => return Err(EvalError::no_overload("indexOf", args)),
    };
    if sub.is_empty() {
        return Ok(Value::Int(from));
    }
    let hay = chars(s);
    let from = match usize::try_from(from) {
        Ok(u) if u < hay.len() => u,
        _ => return Err(out_of_range(from)),
    };
    Ok(as_int(find_from(&hay, &chars(sub), from)))
}

/// `s.lastIndexOf(sub[, from])`: index of the last occurrence starting at or before `from`,
/// or -1.
pub fn last_index_of(args: &[&Value]) -> EvalResult {
    let (s, sub, from) = match args {
        [Value::String(s), Value::String(sub)] => (s, sub, None),
        [Value::String(s), Value::String(sub), Value::Int(i)] => (s, sub, Some(*i)),
        _ => return Err(EvalError::no_overload("lastIndexOf", args)),
    };
    let hay = chars(s);
    let from = match from {
        None if sub.is_empty() => return Ok(as_int(Some(hay.len()))),
        None => hay.len(),
        Some(i) if sub.is_empty() => return Ok(Value::Int(i)),
        Some(i) => match usize::try_from(i) {
            Ok(u) if u < hay.len() => u,
            _ => return Err(out_of_range(i)),
        },
    };
    Ok(as_int(rfind_from(&hay, &chars(sub), from)))
}

fn one_string<'a>(name: &str, args: &'a [&'a Value]) -> Result<&'a str, EvalError> {
    match args {
        [Value::String(s)] => Ok(s),
        _ => Err(EvalError::no_overload(name, args)),
    }
}

/// `s.lowerAscii()`: ASCII letters lowercased, everything else unchanged.
pub fn lower_ascii(args: &[&Value]) -> EvalResult {
    let s = one_string("lowerAscii", args)?;
    Ok(shared_or_new(args[0], lower_ascii_str(s)))
}

/// `s.upperAscii()`: ASCII letters uppercased, everything else unchanged.
pub fn upper_ascii(args: &[&Value]) -> EvalResult {
    let s = one_string("upperAscii", args)?;
    Ok(shared_or_new(args[0], upper_ascii_str(s)))
}

/// `s.trim()`: leading and trailing Unicode white space removed.
pub fn trim(args: &[&Value]) -> EvalResult {
    let s = one_string("trim", args)?;
    Ok(shared_or_new(args[0], trim_str(s)))
}

/// The original value when a string function changed nothing (share, don't copy).
fn shared_or_new(original: &Value, result: Cow<'_, str>) -> Value {
    match (original, result) {
        (Value::String(s), Cow::Borrowed(b)) if b.len() == s.len() => original.clone(),
        (_, result) => Value::string(result.as_ref()),
    }
}

/// `lowerAscii` of a string, borrowed when it is already lowercase.
pub(crate) fn lower_ascii_str(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// `upperAscii` of a string, borrowed when it is already uppercase.
pub(crate) fn upper_ascii_str(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(s.to_ascii_uppercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// `trim` of a string: a borrowed slice.
pub(crate) fn trim_str(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s.trim())
}

/// `s.reverse()`: the code points in reverse order (`list.reverse()`: the items, see
/// [`super::lists_ext`]).
pub fn reverse(args: &[&Value]) -> EvalResult {
    if let [Value::List(items)] = args {
        return Ok(super::lists_ext::reverse(items));
    }
    Ok(Value::string(
        one_string("reverse", args)?
            .chars()
            .rev()
            .collect::<String>(),
    ))
}

/// `s.replace(old, new[, n])`: the first `n` occurrences replaced (all when `n` is
/// negative or absent).
pub fn replace(args: &[&Value]) -> EvalResult {
    let (s, old, new, n) = match args {
        [Value::String(s), Value::String(o), Value::String(n)] => (s, o, n, -1),
        [Value::String(s), Value::String(o), Value::String(n), Value::Int(k)] => (s, o, n, *k),
        _ => return Err(EvalError::no_overload("replace", args)),
    };
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    if new.len() > old.len() && limit > 0 {
        // The result's size, known before building it (an empty `old` matches between
        // every two code points and at both ends).
        let matches = if old.is_empty() {
            s.chars().count().saturating_add(1)
        } else {
            s.matches(&**old).count()
        };
        let growth = matches.min(limit).saturating_mul(new.len() - old.len());
        crate::cel::ops::check_built_size(s.len().saturating_add(growth))?;
    }
    let out = match usize::try_from(n) {
        Ok(k) => s.replacen(&**old, new, k),
        Err(_) => s.replace(&**old, new),
    };
    Ok(Value::string(out))
}

/// `s.split(sep[, n])`: at most `n` parts (all when `n` is negative or absent, none when
/// 0); an empty separator splits into code points.
pub fn split(args: &[&Value]) -> EvalResult {
    let (s, sep, n) = match args {
        [Value::String(s), Value::String(sep)] => (s, sep, -1),
        [Value::String(s), Value::String(sep), Value::Int(n)] => (s, sep, *n),
        _ => return Err(EvalError::no_overload("split", args)),
    };
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(Value::list(Vec::new()));
    }
    let parts: Vec<Value> = if sep.is_empty() {
        let cs = chars(s);
        let mut out: Vec<Value> = Vec::new();
        for (i, c) in cs.iter().enumerate() {
            if out.len() + 1 == limit {
                out.push(Value::string(cs[i..].iter().collect::<String>()));
                break;
            }
            out.push(Value::string(c.to_string()));
        }
        out
    } else {
        s.splitn(limit, &**sep).map(Value::string).collect()
    };
    Ok(Value::list(parts))
}

/// `s.substring(start[, end])`: the code points in `[start, end)`.
pub fn substring(args: &[&Value]) -> EvalResult {
    let (s, start, end) = match args {
        [Value::String(s), Value::Int(a)] => (s, *a, None),
        [Value::String(s), Value::Int(a), Value::Int(b)] => (s, *a, Some(*b)),
        _ => return Err(EvalError::no_overload("substring", args)),
    };
    let len = if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    };
    let a = to_index(start, len)?;
    let b = match end {
        None => len,
        Some(e) => {
            let b = to_index(e, len)?;
            if b < a {
                return Err(EvalError::new(
                    RuntimeErrorKind::IndexOutOfRange,
                    format!("invalid substring range. start: {start}, end: {e}"),
                ));
            }
            b
        }
    };
    if a == 0 && b == len {
        return Ok(Value::String(Arc::clone(s)));
    }
    Ok(Value::string(code_point_slice(s, a, b, len)))
}

/// The code points `[a, b)` of `s` (`a <= b <= len`, `len` its code point count), borrowed:
/// byte slicing when `s` is ASCII, one `char_indices` walk otherwise.
fn code_point_slice(s: &str, a: usize, b: usize, len: usize) -> &str {
    if len == s.len() {
        return s.get(a..b).unwrap_or_default();
    }
    let mut start = s.len();
    let mut end = s.len();
    for (k, (byte, _)) in s.char_indices().enumerate() {
        if k == a {
            start = byte;
        }
        if k == b {
            end = byte;
            break;
        }
    }
    s.get(start..end).unwrap_or_default()
}

/// `list.join([sep])`: the strings of a list joined with `sep` (default empty).
pub fn join(args: &[&Value]) -> EvalResult {
    let (items, sep) = match args {
        [Value::List(l)] => (l, ""),
        [Value::List(l), Value::String(sep)] => (l, &**sep),
        _ => return Err(EvalError::no_overload("join", args)),
    };
    let total = items.iter().fold(0usize, |acc, item| match item {
        Value::String(s) => acc.saturating_add(s.len()).saturating_add(sep.len()),
        _ => acc,
    });
    crate::cel::ops::check_built_size(total)?;
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let Value::String(s) = item else {
            return Err(EvalError::no_overload("join", args));
        };
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(s);
    }
    Ok(Value::string(out))
}

/// `strings.quote(s)`: `s` as a double-quoted CEL string literal with escapes.
pub fn quote(args: &[&Value]) -> EvalResult {
    let s = one_string("strings.quote", args)?;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0b}' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(Value::string(out))
}

/// `s.format(args)`: printf-style formatting with the clauses `%s %d %f %e %b %o %x %X %%`
/// and an optional precision (`%.3f`), as in cel-go's strings extension.
pub fn format(args: &[&Value]) -> EvalResult {
    let [Value::String(fmt), Value::List(values)] = args else {
        return Err(EvalError::no_overload("format", args));
    };
    let mut out = String::with_capacity(fmt.len());
    let mut it = fmt.chars().peekable();
    let mut next_arg = 0usize;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if it.peek() == Some(&'%') {
            it.next();
            out.push('%');
            continue;
        }
        let mut precision: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut digits = String::new();
            while let Some(d) = it.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                it.next();
            }
            let p: usize = digits.parse().map_err(|_| {
                EvalError::invalid("could not parse formatting clause: bad precision")
            })?;
            if p > MAX_FORMAT_PRECISION {
                return Err(EvalError::new(
                    RuntimeErrorKind::Limit,
                    format!(
                    "could not parse formatting clause: precision {p} is over the limit of {MAX_FORMAT_PRECISION}"
                ),
                ));
            }
            precision = Some(p);
        }
        let Some(verb) = it.next() else {
            return Err(EvalError::invalid(
                "could not parse formatting clause: unterminated clause",
            ));
        };
        if !"sdfeboxX".contains(verb) {
            return Err(EvalError::invalid(format!(
                "could not parse formatting clause: unrecognized formatting clause \"{verb}\""
            )));
        }
        let Some(arg) = values.get(next_arg) else {
            return Err(EvalError::new(
                RuntimeErrorKind::IndexOutOfRange,
                format!("index {next_arg} out of range"),
            ));
        };
        next_arg += 1;
        format_clause(&mut out, verb, precision, arg)?;
        // Each clause adds at most one argument's text (at most MAX_VALUE_BYTES), so the
        // result never grows far past the limit before this check.
        crate::cel::ops::check_built_size(out.len())?;
    }
    Ok(Value::string(out))
}

fn clause_error(what: &str, v: &Value) -> EvalError {
    EvalError::invalid(format!(
        "error during formatting: {what}, was given {}",
        v.type_name()
    ))
}

fn non_finite(d: f64) -> Option<&'static str> {
    if d.is_nan() {
        Some("NaN")
    } else if d == f64::INFINITY {
        Some("Infinity")
    } else if d == f64::NEG_INFINITY {
        Some("-Infinity")
    } else {
        None
    }
}

fn format_clause(
    out: &mut String,
    verb: char,
    precision: Option<usize>,
    v: &Value,
) -> Result<(), EvalError> {
    match verb {
        's' => format_s(out, v)?,
        'd' => match v {
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Uint(u) => out.push_str(&u.to_string()),
            Value::Double(d) if non_finite(*d).is_some() => {
                out.push_str(non_finite(*d).unwrap_or_default())
            }
            _ => {
                return Err(clause_error(
                    "decimal clause can only be used on integers",
                    v,
                ))
            }
        },
        'f' | 'e' => {
            let d = match v {
                Value::Double(d) => *d,
                Value::Int(i) => *i as f64,
                Value::Uint(u) => *u as f64,
                _ if verb == 'f' => {
                    return Err(clause_error(
                        "fixed-point clause can only be used on doubles",
                        v,
                    ))
                }
                _ => {
                    return Err(clause_error(
                        "scientific clause can only be used on doubles",
                        v,
                    ))
                }
            };
            let p = precision.unwrap_or(6);
            if let Some(text) = non_finite(d) {
                out.push_str(text);
            } else if verb == 'f' {
                let _ = write!(out, "{d:.p$}");
            } else {
                let text = format!("{d:.p$e}");
                let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
                let exp: i32 = exp.parse().unwrap_or(0);
                let sign = if exp < 0 { '-' } else { '+' };
                let _ = write!(out, "{mantissa}e{sign}{:02}", exp.abs());
            }
        }
        'b' => match v {
            Value::Int(i) => {
                let sign = if *i < 0 { "-" } else { "" };
                let _ = write!(out, "{sign}{:b}", i.unsigned_abs());
            }
            Value::Uint(u) => {
                let _ = write!(out, "{u:b}");
            }
            Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
            _ => {
                return Err(clause_error(
                    "only integers and bools can be formatted as binary",
                    v,
                ))
            }
        },
        'o' => match v {
            Value::Int(i) => {
                let sign = if *i < 0 { "-" } else { "" };
                let _ = write!(out, "{sign}{:o}", i.unsigned_abs());
            }
            Value::Uint(u) => {
                let _ = write!(out, "{u:o}");
            }
            _ => return Err(clause_error("octal clause can only be used on integers", v)),
        },
        _ => {
            // 'x' or 'X'
            let hex = match v {
                Value::Int(i) => {
                    let sign = if *i < 0 { "-" } else { "" };
                    format!("{sign}{:x}", i.unsigned_abs())
                }
                Value::Uint(u) => format!("{u:x}"),
                Value::String(s) => s.bytes().map(|b| format!("{b:02x}")).collect(),
                Value::Bytes(b) => b.iter().map(|b| format!("{b:02x}")).collect(),
                _ => {
                    return Err(clause_error(
                        "only integers, byte buffers, and strings can be formatted as hex",
                        v,
                    ))
                }
            };
            if verb == 'X' {
                out.push_str(&hex.to_ascii_uppercase());
            } else {
                out.push_str(&hex);
            }
        }
    }
    Ok(())
}

/// The `%s` rendering of a value: strings unquoted, lists and maps (keys sorted by their
/// rendering) recursively, doubles as `%g` with `NaN`/`Infinity`.
fn format_s(out: &mut String, v: &Value) -> Result<(), EvalError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&u.to_string()),
        Value::Double(d) => match non_finite(*d) {
            Some(t) => out.push_str(t),
            None => out.push_str(&format_double(*d)),
        },
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        Value::Timestamp(t) => out.push_str(&format_timestamp(t)),
        Value::Duration(d) => out.push_str(&format_duration(d)),
        Value::Type(t) => out.push_str(t),
        Value::Optional(None) => out.push_str("optional.none()"),
        Value::Optional(Some(v)) => {
            out.push_str("optional.of(");
            format_s(out, v)?;
            out.push(')');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                format_s(out, item)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, val) in &m.entries {
                let mut ks = String::new();
                format_s(&mut ks, k)?;
                let mut vs = String::new();
                format_s(&mut vs, val)?;
                entries.push((ks, vs));
            }
            entries.sort();
            out.push('{');
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{k}: {val}");
            }
            out.push('}');
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn i(x: i64) -> Value {
        Value::Int(x)
    }

    fn strs(items: &[&str]) -> Value {
        Value::list(items.iter().map(|x| s(x)).collect::<Vec<_>>())
    }

    fn err_msg(r: EvalResult) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn char_at_cases() {
        assert_eq!(char_at(&[&s("tacocat"), &i(3)]), Ok(s("o")));
        assert_eq!(char_at(&[&s("tacocat"), &i(7)]), Ok(s("")));
        assert_eq!(char_at(&[&s("©αT"), &i(1)]), Ok(s("α")));
        assert_eq!(
            err_msg(char_at(&[&s("tacocat"), &i(30)])),
            "index out of range: 30"
        );
        assert!(char_at(&[&s("x"), &Value::Bool(true)]).is_err());
        assert!(char_at(&[&i(42), &i(2)]).is_err());
    }

    #[test]
    fn index_of_cases() {
        assert_eq!(index_of(&[&s("tacocat"), &s("")]), Ok(i(0)));
        assert_eq!(index_of(&[&s("tacocat"), &s("ac")]), Ok(i(1)));
        assert_eq!(index_of(&[&s("tacocat"), &s("none")]), Ok(i(-1)));
        assert_eq!(index_of(&[&s("tacocat"), &s(""), &i(3)]), Ok(i(3)));
        assert_eq!(index_of(&[&s("tacocat"), &s("a"), &i(3)]), Ok(i(5)));
        assert_eq!(index_of(&[&s("ta©o©αT"), &s("©")]), Ok(i(2)));
        assert_eq!(index_of(&[&s("ta©o©αT"), &s("©αT"), &i(3)]), Ok(i(4)));
        assert_eq!(index_of(&[&s("ta©o©αT"), &s("©α"), &i(5)]), Ok(i(-1)));
        assert_eq!(index_of(&[&s("hello wello"), &s("ello"), &i(6)]), Ok(i(7)));
        assert_eq!(
            err_msg(index_of(&[&s("tacocat"), &s("a"), &i(30)])),
            "index out of range: 30"
        );
        assert!(index_of(&[&s("42"), &s("4"), &i(0), &i(1)]).is_err());
    }

    #[test]
    fn last_index_of_cases() {
        assert_eq!(last_index_of(&[&s(""), &s("@@")]), Ok(i(-1)));
        assert_eq!(last_index_of(&[&s("tacocat"), &s("")]), Ok(i(7)));
        assert_eq!(last_index_of(&[&s("tacocat"), &s("at")]), Ok(i(5)));
        assert_eq!(last_index_of(&[&s("tacocat"), &s(""), &i(3)]), Ok(i(3)));
        assert_eq!(last_index_of(&[&s("tacocat"), &s("a"), &i(3)]), Ok(i(1)));
        assert_eq!(last_index_of(&[&s("ta©o©αT"), &s("©")]), Ok(i(4)));
        assert_eq!(last_index_of(&[&s("ta©o©αT"), &s("©"), &i(3)]), Ok(i(2)));
        assert_eq!(last_index_of(&[&s("ta©o©αT"), &s("©α"), &i(4)]), Ok(i(4)));
        assert_eq!(
            last_index_of(&[&s("bananananana"), &s("nana"), &i(7)]),
            Ok(i(6))
        );
        assert_eq!(
            last_index_of(&[&s("hello wello"), &s("hello wello")]),
            Ok(i(0))
        );
        assert_eq!(
            err_msg(last_index_of(&[&s("tacocat"), &s("a"), &i(-1)])),
            "index out of range: -1"
        );
        assert!(last_index_of(&[&s("tacocat"), &s("a"), &i(30)]).is_err());
    }

    #[test]
    fn casing_trim_reverse() {
        assert_eq!(lower_ascii(&[&s("TacoCÆt Xii")]), Ok(s("tacocÆt xii")));
        assert_eq!(upper_ascii(&[&s("tacoCαt")]), Ok(s("TACOCαT")));
        assert_eq!(trim(&[&s(" \u{c}\n\r\t\u{b}text  ")]), Ok(s("text")));
        assert_eq!(
            trim(&[&s("\u{85}\u{a0}\u{1680}text\u{2028}\u{202f}\u{3000}")]),
            Ok(s("text"))
        );
        let kept = "\u{180e}text\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}";
        assert_eq!(trim(&[&s(kept)]), Ok(s(kept)));
        assert_eq!(reverse(&[&s("Ta©oCαt")]), Ok(s("tαCo©aT")));
        assert_eq!(reverse(&[&s("")]), Ok(s("")));
        assert!(trim(&[&i(1)]).is_err());
    }

    #[test]
    fn replace_cases() {
        assert_eq!(
            replace(&[&s("{0} days {0} hours"), &s("{0}"), &s("2")]),
            Ok(s("2 days 2 hours"))
        );
        assert_eq!(
            replace(&[&s("{0} days {0} hours"), &s("{0}"), &s("2"), &i(1)]),
            Ok(s("2 days {0} hours"))
        );
        assert_eq!(
            replace(&[&s("1 ©αT taco"), &s("αT"), &s("o©α")]),
            Ok(s("1 ©o©α taco"))
        );
        assert_eq!(
            replace(&[&s("aaa"), &s("a"), &s("b"), &i(-1)]),
            Ok(s("bbb"))
        );
        assert_eq!(replace(&[&s("aaa"), &s("a"), &s("b"), &i(0)]), Ok(s("aaa")));
        assert!(replace(&[&s("42"), &s("2"), &s("1"), &s("1")]).is_err());
        assert!(replace(&[&s("42"), &i(2), &s("1")]).is_err());
    }

    #[test]
    fn split_cases() {
        assert_eq!(
            split(&[&s("hello world"), &s(" ")]),
            Ok(strs(&["hello", "world"]))
        );
        assert_eq!(
            split(&[&s("hello world events!"), &s(" "), &i(0)]),
            Ok(strs(&[]))
        );
        assert_eq!(
            split(&[&s("hello world events!"), &s(" "), &i(1)]),
            Ok(strs(&["hello world events!"]))
        );
        assert_eq!(
            split(&[&s("hello world events!"), &s(" "), &i(2)]),
            Ok(strs(&["hello", "world events!"]))
        );
        assert_eq!(
            split(&[&s("o©o©o©o"), &s("©"), &i(-1)]),
            Ok(strs(&["o", "o", "o", "o"]))
        );
        assert_eq!(split(&[&s("42"), &s("")]), Ok(strs(&["4", "2"])));
        assert_eq!(split(&[&s("abc"), &s(""), &i(2)]), Ok(strs(&["a", "bc"])));
        assert!(split(&[&s("42"), &i(2)]).is_err());
        assert!(split(&[&s("42"), &s("2"), &s("1")]).is_err());
    }

    #[test]
    fn substring_cases() {
        assert_eq!(substring(&[&s("tacocat"), &i(4)]), Ok(s("cat")));
        assert_eq!(substring(&[&s("tacocat"), &i(7)]), Ok(s("")));
        assert_eq!(substring(&[&s("tacocat"), &i(0), &i(4)]), Ok(s("taco")));
        assert_eq!(substring(&[&s("tacocat"), &i(4), &i(4)]), Ok(s("")));
        assert_eq!(substring(&[&s("ta©o©αT"), &i(2), &i(6)]), Ok(s("©o©α")));
        assert_eq!(
            err_msg(substring(&[&s("tacocat"), &i(40)])),
            "index out of range: 40"
        );
        assert_eq!(
            err_msg(substring(&[&s("tacocat"), &i(-1)])),
            "index out of range: -1"
        );
        assert_eq!(
            err_msg(substring(&[&s("tacocat"), &i(1), &i(50)])),
            "index out of range: 50"
        );
        assert_eq!(
            err_msg(substring(&[&s("tacocat"), &i(49), &i(50)])),
            "index out of range: 49"
        );
        assert_eq!(
            err_msg(substring(&[&s("tacocat"), &i(4), &i(3)])),
            "invalid substring range. start: 4, end: 3"
        );
        assert!(substring(&[&s("hello"), &i(1), &i(2), &i(3)]).is_err());
    }

    /// The char-vector implementation `substring` had before its fast paths.
    fn substring_reference(s: &str, start: i64, end: Option<i64>) -> Result<String, String> {
        let cs: Vec<char> = s.chars().collect();
        let idx = |i: i64| match usize::try_from(i) {
            Ok(u) if u <= cs.len() => Ok(u),
            _ => Err(format!("index out of range: {i}")),
        };
        let a = idx(start)?;
        let b = match end {
            None => cs.len(),
            Some(e) => {
                let b = idx(e)?;
                if b < a {
                    return Err(format!("invalid substring range. start: {start}, end: {e}"));
                }
                b
            }
        };
        Ok(cs[a..b].iter().collect())
    }

    proptest::proptest! {
        /// ASCII and non-ASCII strings, indices in and out of range: the fast paths give
        /// the same string or the same error as the char-vector reference.
        #[test]
        fn substring_matches_reference(
            text in proptest::prop_oneof!["[ -~]{0,12}", "\\PC{0,12}", "[a©α😀\\u{0}]{0,8}"],
            start in -2i64..16,
            end in proptest::option::of(-2i64..16),
        ) {
            let args_end = end.map(Value::Int);
            let mut args = vec![s(&text), i(start)];
            args.extend(args_end);
            let refs: Vec<&Value> = args.iter().collect();
            let got = match substring(&refs) {
                Ok(Value::String(v)) => Ok(v.to_string()),
                Ok(other) => Err(format!("not a string: {other:?}")),
                Err(e) => Err(err_msg(Err(e))),
            };
            proptest::prop_assert_eq!(got, substring_reference(&text, start, end));
        }
    }

    #[test]
    fn join_and_quote() {
        assert_eq!(join(&[&strs(&["x", "y"])]), Ok(s("xy")));
        assert_eq!(join(&[&strs(&["x", "y"]), &s("-")]), Ok(s("x-y")));
        assert_eq!(join(&[&strs(&[]), &s("-")]), Ok(s("")));
        assert!(join(&[&Value::list(vec![i(1)])]).is_err());
        assert_eq!(quote(&[&s("first\nsecond")]), Ok(s("\"first\\nsecond\"")));
        assert_eq!(quote(&[&s("bell\u{7}")]), Ok(s("\"bell\\a\"")));
        assert_eq!(quote(&[&s("\u{8}backspace")]), Ok(s("\"\\bbackspace\"")));
        assert_eq!(
            quote(&[&s("vertical \u{b} tab")]),
            Ok(s("\"vertical \\v tab\""))
        );
        assert_eq!(quote(&[&s("ends with \\")]), Ok(s("\"ends with \\\\\"")));
        assert_eq!(quote(&[&s("mid \" quote")]), Ok(s("\"mid \\\" quote\"")));
        assert_eq!(quote(&[&s("завтра😀")]), Ok(s("\"завтра😀\"")));
        assert_eq!(quote(&[&s("")]), Ok(s("\"\"")));
    }

    fn fmt(f: &str, args: Vec<Value>) -> EvalResult {
        format(&[&s(f), &Value::list(args)])
    }

    #[test]
    fn format_cases() {
        assert_eq!(fmt("no substitution", vec![]), Ok(s("no substitution")));
        assert_eq!(fmt("%%%s%%", vec![s("text")]), Ok(s("%text%")));
        assert_eq!(fmt("%d %s", vec![i(1), s("A")]), Ok(s("1 A")));
        assert_eq!(fmt("%.3f", vec![Value::Double(1.2345)]), Ok(s("1.234")));
        assert_eq!(fmt("%.0f", vec![Value::Double(2.5)]), Ok(s("2")));
        assert_eq!(fmt("%.0f", vec![Value::Double(1.5)]), Ok(s("2")));
        assert_eq!(
            fmt("%.3f", vec![Value::Double(-123.4999)]),
            Ok(s("-123.500"))
        );
        assert_eq!(fmt("%f", vec![i(2)]), Ok(s("2.000000")));
        assert_eq!(fmt("%e", vec![Value::Double(2.5)]), Ok(s("2.500000e+00")));
        assert_eq!(
            fmt("%.6e", vec![Value::Double(1052.032911275)]),
            Ok(s("1.052033e+03"))
        );
        assert_eq!(fmt("%b", vec![i(5)]), Ok(s("101")));
        assert_eq!(fmt("%b", vec![Value::Bool(true)]), Ok(s("1")));
        assert_eq!(fmt("%o", vec![Value::Uint(65535)]), Ok(s("177777")));
        assert_eq!(fmt("%x", vec![i(30)]), Ok(s("1e")));
        assert_eq!(fmt("%X", vec![Value::Uint(6000)]), Ok(s("1770")));
        assert_eq!(
            fmt("%x", vec![s("Hello world!")]),
            Ok(s("48656c6c6f20776f726c6421"))
        );
        assert_eq!(fmt("%d", vec![Value::Double(f64::NAN)]), Ok(s("NaN")));
        assert_eq!(
            fmt("%e", vec![Value::Double(f64::NEG_INFINITY)]),
            Ok(s("-Infinity"))
        );
        assert_eq!(fmt("%s", vec![Value::Null]), Ok(s("null")));
        assert_eq!(
            fmt("%s, %s", vec![i(32), Value::Double(56.8)]),
            Ok(s("32, 56.8"))
        );
        assert_eq!(
            fmt(
                "%s",
                vec![Value::list(vec![s("abc"), Value::Double(3.5), Value::Null])]
            ),
            Ok(s("[abc, 3.5, null]"))
        );
        let map = crate::cel::value::MapValue {
            entries: vec![
                (s("strKey"), s("x")),
                (i(6), i(1)),
                (Value::Bool(true), i(42)),
            ],
        };
        assert_eq!(
            fmt("%s", vec![Value::Map(std::sync::Arc::new(map))]),
            Ok(s("{6: 1, strKey: x, true: 42}"))
        );
    }

    #[test]
    fn format_errors() {
        assert!(err_msg(fmt("%a", vec![i(1)])).contains("unrecognized formatting clause \"a\""));
        assert_eq!(
            err_msg(fmt("%d %d %d", vec![i(0), i(1)])),
            "index 2 out of range"
        );
        assert!(err_msg(fmt("%b", vec![s("abc")])).contains("was given string"));
        assert!(err_msg(fmt("%d", vec![Value::Null])).contains("was given null_type"));
        assert!(err_msg(fmt("%x", vec![Value::Double(0.5)])).contains("was given double"));
        assert!(fmt("%E", vec![Value::Double(0.5)]).is_err());
        assert!(fmt("%", vec![]).is_err());
        // Precision is bounded (Rust's formatter panics above 65535).
        for clause in [
            "%.70000f",
            "%.70000e",
            "%.1001f",
            "%.99999999999999999999999f",
        ] {
            assert!(fmt(clause, vec![Value::Double(0.5)]).is_err(), "{clause}");
        }
        assert_eq!(
            fmt("%.1000f", vec![Value::Double(0.5)]).map(|v| match v {
                Value::String(s) => s.len(),
                _ => 0,
            }),
            Ok(1002)
        );
    }

    #[test]
    fn ext_types() {
        assert!(matches!(
            check_split(&[Type::String, Type::String]),
            Ok(Type::List(_))
        ));
        assert!(check_split(&[Type::String, Type::Int]).is_err());
        assert!(matches!(
            check_join(&[Type::List(Box::new(Type::String))]),
            Ok(Type::String)
        ));
        assert!(check_join(&[Type::List(Box::new(Type::Int))]).is_err());
        assert!(matches!(
            check_substring(&[Type::String, Type::Int, Type::Int]),
            Ok(Type::String)
        ));
        assert_eq!(
            check_char_at(&[Type::String, Type::Bool]).err().as_deref(),
            Some("no matching overload for `charAt(string, bool)`")
        );
        assert!(matches!(
            check_format(&[Type::String, Type::Dyn]),
            Ok(Type::String)
        ));
    }
}

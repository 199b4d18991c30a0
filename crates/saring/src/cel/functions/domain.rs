//! saring's domain functions: `years_between`, `days_between` (calendar arithmetic over
//! timestamps and dates), `normalize_name` and `similarity` (Jaro–Winkler over normalized
//! names), `name_key` (normalized, legal forms stripped, tokens sorted),
//! `token_set_similarity` and `best_match` (the closest entry of a list, with its score).

use crate::cel::error::RuntimeErrorKind;
use chrono::{DateTime, Datelike, Timelike, Utc};
#[cfg(feature = "normalize")]
use unicode_normalization::char::is_combining_mark;
#[cfg(feature = "normalize")]
use unicode_normalization::UnicodeNormalization;

use super::{resolve, P};
use crate::cel::error::{EvalError, EvalResult};
use crate::cel::types::Type;
use crate::cel::value::{MapValue, Value};

/// Checker for `years_between`: `(timestamp, timestamp) -> int` (schema `date` fields are
/// timestamps).
pub fn check_years_between(args: &[Type]) -> Result<Type, String> {
    resolve("years_between", args, &[(&[P::Ts, P::Ts], P::Int)])
}

/// Checker for `days_between`: `(timestamp, timestamp) -> int`.
pub fn check_days_between(args: &[Type]) -> Result<Type, String> {
    resolve("days_between", args, &[(&[P::Ts, P::Ts], P::Int)])
}

/// Whole calendar years from `a` to `b` (negative when `b` is before `a`): the age on date
/// `b` of someone born on `a`. Someone born on 29 February turns a year older on 1 March in
/// common years.
fn full_years(a: &DateTime<Utc>, b: &DateTime<Utc>) -> i64 {
    if b < a {
        return -full_years(b, a);
    }
    let (a, b) = (a.naive_utc(), b.naive_utc());
    let key = |t: &chrono::NaiveDateTime| {
        (
            t.month(),
            t.day(),
            t.num_seconds_from_midnight(),
            t.nanosecond(),
        )
    };
    let mut years = i64::from(b.year()) - i64::from(a.year());
    if key(&b) < key(&a) {
        years -= 1;
    }
    years
}

/// `years_between(a, b)`: whole calendar years from `a` to `b`
/// (`2000-02-29 → 2001-02-28` is 0, `→ 2001-03-01` is 1).
pub fn years_between(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Timestamp(a), Value::Timestamp(b)] => Ok(Value::Int(full_years(a, b))),
        _ => Err(EvalError::no_overload("years_between", args)),
    }
}

/// `days_between(a, b)`: whole days in `b − a`, truncated towards zero.
pub fn days_between(args: &[&Value]) -> EvalResult {
    match args {
        [Value::Timestamp(a), Value::Timestamp(b)] => Ok(Value::Int((*b - *a).num_days())),
        _ => Err(EvalError::no_overload("days_between", args)),
    }
}

/// Checker for `normalize_name`: `(string) -> string`.
pub fn check_normalize_name(args: &[Type]) -> Result<Type, String> {
    resolve("normalize_name", args, &[(&[P::Str], P::Str)])
}

/// Normalizes a personal name for comparison: Unicode NFKD, combining marks dropped,
/// lowercase, every character that is neither a letter nor a digit (punctuation, symbols,
/// whitespace) turned into a space, runs of spaces collapsed, ends trimmed.
/// `"  Siti  Nur-Aïsyah "` becomes `"siti nur aisyah"`.
#[cfg(feature = "normalize")]
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// [`normalize`], or an error in a build without the normalisation tables (feature
/// `normalize`): a pack that calls `normalize_name` or `similarity` is refused at load there
/// (`build.unavailable`), so a loaded pack never reaches the error.
fn normalized(name: &str) -> Result<String, EvalError> {
    #[cfg(feature = "normalize")]
    return Ok(normalize(name));
    #[cfg(not(feature = "normalize"))]
    return Err(EvalError::new(
        RuntimeErrorKind::InvalidArgument,
        format!(
        "cannot normalise `{name}`: this build of saring has no Unicode normalisation (feature `normalize`)"
    ),
    ));
}

/// `normalize_name(s)`: see [`normalize`].
pub fn normalize_name(args: &[&Value]) -> EvalResult {
    match args {
        [Value::String(s)] => Ok(Value::string(normalized(s)?)),
        _ => Err(EvalError::no_overload("normalize_name", args)),
    }
}

/// Checker for `similarity`: `(string, string) -> double`.
pub fn check_similarity(args: &[Type]) -> Result<Type, String> {
    resolve("similarity", args, &[(&[P::Str, P::Str], P::Double)])
}

/// `similarity(a, b)`: Jaro–Winkler similarity in `[0, 1]` of the normalized names
/// (1 for equal names after normalization). Jaro–Winkler takes time proportional to the
/// product of the lengths, so only the first
/// [`MAX_SIMILARITY_CHARS`](crate::limits::MAX_SIMILARITY_CHARS) characters of each
/// normalized name are compared: names longer than that which differ only further on
/// count as equal.
pub fn similarity(args: &[&Value]) -> EvalResult {
    match args {
        [Value::String(a), Value::String(b)] => Ok(Value::Double(strsim::jaro_winkler(
            comparable_prefix(&normalized(a)?),
            comparable_prefix(&normalized(b)?),
        ))),
        _ => Err(EvalError::no_overload("similarity", args)),
    }
}

/// The first [`MAX_SIMILARITY_CHARS`](crate::limits::MAX_SIMILARITY_CHARS) characters.
fn comparable_prefix(name: &str) -> &str {
    match name.char_indices().nth(crate::limits::MAX_SIMILARITY_CHARS) {
        Some((end, _)) => &name[..end],
        None => name,
    }
}

/// Legal-form words that [`name_key`] drops when they stand as whole tokens of the
/// normalized name: Indonesian `PT` (perseroan terbatas), `CV` (commanditaire
/// vennootschap), `UD` (usaha dagang), `Tbk` (terbuka, listed), `Persero` (state-owned);
/// Malaysian/Singaporean and English `Bhd` (berhad) and `Ltd`. Words such as `Koperasi` or
/// `Yayasan` are kept: they name a different kind of body and often are the distinguishing
/// head of the name.
#[cfg(feature = "normalize")]
pub const LEGAL_FORM_TOKENS: &[&str] = &["pt", "cv", "ud", "tbk", "persero", "bhd", "ltd"];

/// Legal-form token sequences that [`name_key`] drops only together: `Sdn Bhd` (sendirian
/// berhad), `Pte Ltd`, `Co Ltd` (`Sdn`, `Pte` or `Co` alone are kept).
#[cfg(feature = "normalize")]
pub const LEGAL_FORM_SEQUENCES: &[&[&str]] = &[&["sdn", "bhd"], &["pte", "ltd"], &["co", "ltd"]];

/// The tokens of a normalized name without legal forms (see [`LEGAL_FORM_TOKENS`],
/// [`LEGAL_FORM_SEQUENCES`]), in their original order. When every token is a legal form the
/// tokens are kept as they are, so that `"PT"` does not become the empty key.
#[cfg(feature = "normalize")]
fn key_tokens(normalized: &str) -> Vec<&str> {
    let tokens: Vec<&str> = normalized.split(' ').filter(|t| !t.is_empty()).collect();
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some(seq) = LEGAL_FORM_SEQUENCES
            .iter()
            .find(|seq| tokens[i..].starts_with(seq))
        {
            i += seq.len();
        } else if LEGAL_FORM_TOKENS.contains(&tokens[i]) {
            i += 1;
        } else {
            kept.push(tokens[i]);
            i += 1;
        }
    }
    if kept.is_empty() {
        tokens
    } else {
        kept
    }
}

/// The comparison key of a name: [`normalize`], legal forms dropped (`key_tokens`), tokens
/// sorted (by code point) and joined with single spaces.
/// `"PT. Contoh Sejahtera Sintetis, Tbk"` → `"contoh sejahtera sintetis"`.
#[cfg(feature = "normalize")]
fn key_of(name: &str) -> Result<String, EvalError> {
    let normalized = normalized(name)?;
    let mut tokens = key_tokens(&normalized);
    tokens.sort_unstable();
    Ok(tokens.join(" "))
}

/// Checker for `name_key`: `(string) -> string`.
pub fn check_name_key(args: &[Type]) -> Result<Type, String> {
    resolve("name_key", args, &[(&[P::Str], P::Str)])
}

/// `name_key(s)`: see `key_of`.
pub fn name_key(args: &[&Value]) -> EvalResult {
    #[cfg(not(feature = "normalize"))]
    let key_of = |s: &str| normalized(s);
    match args {
        [Value::String(s)] => Ok(Value::string(key_of(s)?)),
        _ => Err(EvalError::no_overload("name_key", args)),
    }
}

/// Token-set similarity of two names in `[0, 1]`. Both names are reduced to the *set* of
/// tokens of their `name_key` (duplicates dropped); with `I` the shared tokens and `A`, `B`
/// the tokens only in the first or only in the second name (each sorted), the score is the
/// Jaro–Winkler similarity (as in `similarity`, over the first
/// [`MAX_SIMILARITY_CHARS`](crate::limits::MAX_SIMILARITY_CHARS) characters) of
/// `I ++ A` and `I ++ B` written as space-separated strings. Equal token sets score 1 (word
/// order and legal forms do not count); two empty names score 1, one empty name 0.
///
/// Unlike the token-set ratio of fuzzywuzzy/rapidfuzz, the shared tokens alone are *not*
/// compared with each side: there a name whose tokens are a subset of the other's scores 1
/// (`"Sejahtera"` against `"Contoh Sejahtera Sintetis"`), which for a watch list would flag
/// every name sharing one common word.
#[cfg(feature = "normalize")]
fn token_set_score(a: &str, b: &str) -> Result<f64, EvalError> {
    let (na, nb) = (normalized(a)?, normalized(b)?);
    let set = |n: &str| -> std::collections::BTreeSet<String> {
        key_tokens(n).into_iter().map(str::to_owned).collect()
    };
    let (sa, sb) = (set(&na), set(&nb));
    match (sa.is_empty(), sb.is_empty()) {
        (true, true) => return Ok(1.0),
        (true, false) | (false, true) => return Ok(0.0),
        (false, false) => {}
    }
    let shared: Vec<&str> = sa.intersection(&sb).map(String::as_str).collect();
    let side = |own: &std::collections::BTreeSet<String>,
                other: &std::collections::BTreeSet<String>| {
        let mut tokens = shared.clone();
        tokens.extend(own.difference(other).map(String::as_str));
        tokens.join(" ")
    };
    let (ka, kb) = (side(&sa, &sb), side(&sb, &sa));
    Ok(strsim::jaro_winkler(
        comparable_prefix(&ka),
        comparable_prefix(&kb),
    ))
}

/// Checker for `token_set_similarity`: `(string, string) -> double`.
pub fn check_token_set_similarity(args: &[Type]) -> Result<Type, String> {
    resolve(
        "token_set_similarity",
        args,
        &[(&[P::Str, P::Str], P::Double)],
    )
}

/// `token_set_similarity(a, b)`: see `token_set_score`.
pub fn token_set_similarity(args: &[&Value]) -> EvalResult {
    #[cfg(not(feature = "normalize"))]
    let token_set_score = |a: &str, _: &str| normalized(a).map(|_| 0.0);
    match args {
        [Value::String(a), Value::String(b)] => Ok(Value::Double(token_set_score(a, b)?)),
        _ => Err(EvalError::no_overload("token_set_similarity", args)),
    }
}

/// The result type of `best_match`: `map(string, dyn)` with keys `entry` (the list entry,
/// a string, or `null` for an empty list) and `score` (a double).
fn best_match_type() -> Type {
    Type::Map(Box::new(Type::String), Box::new(Type::Dyn))
}

/// Checker for `best_match`: `(string, list(string)) -> map(string, dyn)`.
pub fn check_best_match(args: &[Type]) -> Result<Type, String> {
    resolve("best_match", args, &[(&[P::Str, P::StrList], P::Str)]).map(|_| best_match_type())
}

/// `best_match(name, list)`: the entry of `list` with the highest
/// [`token_set_similarity`] to `name` and that score, as the map
/// `{'entry': <entry as written in the list>, 'score': <double>}`; the first such entry
/// on a tie. An empty list gives `{'entry': null, 'score': 0.0}`. A list item that is not a
/// string is an error.
pub fn best_match(args: &[&Value]) -> EvalResult {
    #[cfg(not(feature = "normalize"))]
    let token_set_score = |a: &str, _: &str| normalized(a).map(|_| 0.0);
    let [Value::String(name), Value::List(items)] = args else {
        return Err(EvalError::no_overload("best_match", args));
    };
    let mut best: Option<(&Value, f64)> = None;
    for item in items.iter() {
        let Value::String(entry) = item else {
            return Err(EvalError::new(
                RuntimeErrorKind::TypeMismatch,
                format!(
                    "best_match: list items must be strings, found {}",
                    item.type_name()
                ),
            ));
        };
        let score = token_set_score(name, entry)?;
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((item, score));
        }
    }
    let (entry, score) = match best {
        Some((entry, score)) => (entry.clone(), score),
        None => (Value::Null, 0.0),
    };
    Ok(Value::Map(std::sync::Arc::new(MapValue {
        entries: vec![
            (Value::string("entry"), entry),
            (Value::string("score"), Value::Double(score)),
        ],
    })))
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use crate::cel::functions::time::parse_timestamp;

    fn ts(s: &str) -> Value {
        match parse_timestamp(s) {
            Ok(t) => Value::Timestamp(t),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn years() {
        let y = |a: &str, b: &str| years_between(&[&ts(a), &ts(b)]);
        assert_eq!(
            y("2000-02-29T00:00:00Z", "2001-02-28T00:00:00Z"),
            Ok(Value::Int(0))
        );
        assert_eq!(
            y("2000-02-29T00:00:00Z", "2001-03-01T00:00:00Z"),
            Ok(Value::Int(1))
        );
        assert_eq!(
            y("1990-05-10T00:00:00Z", "2025-05-09T00:00:00Z"),
            Ok(Value::Int(34))
        );
        assert_eq!(
            y("1990-05-10T00:00:00Z", "2025-05-10T00:00:00Z"),
            Ok(Value::Int(35))
        );
        assert_eq!(
            y("2025-05-10T00:00:00Z", "1990-05-10T00:00:00Z"),
            Ok(Value::Int(-35))
        );
        assert_eq!(
            y("2025-05-10T00:00:00Z", "1990-05-11T00:00:00Z"),
            Ok(Value::Int(-34))
        );
        assert_eq!(
            y("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
            Ok(Value::Int(0))
        );
        assert!(years_between(&[&ts("2020-01-01T00:00:00Z"), &Value::Int(1)]).is_err());
    }

    #[test]
    fn days() {
        let d = |a: &str, b: &str| days_between(&[&ts(a), &ts(b)]);
        assert_eq!(
            d("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z"),
            Ok(Value::Int(59))
        );
        assert_eq!(
            d("2025-03-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            Ok(Value::Int(-59))
        );
        assert_eq!(
            d("2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z"),
            Ok(Value::Int(0))
        );
        assert!(days_between(&[&Value::Null, &Value::Null]).is_err());
    }

    #[cfg(feature = "normalize")]
    #[test]
    fn names() {
        assert_eq!(normalize("  Siti  Nur-Aïsyah "), "siti nur aisyah");
        assert_eq!(normalize("O'BRIEN, Seán"), "o brien sean");
        assert_eq!(normalize("ＡＢＣ"), "abc");
        assert_eq!(normalize("..."), "");
        assert_eq!(
            normalize_name(&[&Value::string("Dewi\tSartika")]),
            Ok(Value::string("dewi sartika"))
        );
        assert!(normalize_name(&[&Value::Int(1)]).is_err());
    }

    #[cfg(feature = "normalize")]
    #[test]
    fn similarities() {
        let sim = |a: &str, b: &str| match similarity(&[&Value::string(a), &Value::string(b)]) {
            Ok(Value::Double(d)) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(sim("Siti Nur-Aïsyah", "siti nur aisyah"), 1.0);
        assert_eq!(sim("abc", "xyz"), 0.0);
        let close = sim("Muhammad Rizky", "Muhamad Rizki");
        assert!(close > 0.9 && close < 1.0, "{close}");
        assert!((sim("MARTHA", "MARHTA") - 0.9611111111111111).abs() < 1e-12);
        assert!(similarity(&[&Value::string("a"), &Value::Null]).is_err());
    }

    #[cfg(feature = "normalize")]
    #[test]
    fn similarity_compares_a_bounded_prefix() {
        use crate::limits::MAX_SIMILARITY_CHARS;
        let sim = |a: &str, b: &str| match similarity(&[&Value::string(a), &Value::string(b)]) {
            Ok(Value::Double(d)) => d,
            other => panic!("{other:?}"),
        };
        let long = "é".repeat(MAX_SIMILARITY_CHARS);
        // Differences past the limit are not seen; differences within it are.
        assert_eq!(sim(&format!("{long}abc"), &format!("{long}xyz")), 1.0);
        let shorter = "e".repeat(MAX_SIMILARITY_CHARS - 1);
        assert!(sim(&format!("{shorter}a"), &format!("{shorter}b")) < 1.0);
        assert_eq!(comparable_prefix("ab"), "ab");
        assert_eq!(
            comparable_prefix(&long).chars().count(),
            MAX_SIMILARITY_CHARS
        );
        assert_eq!(
            comparable_prefix(&format!("{long}字")).chars().count(),
            MAX_SIMILARITY_CHARS
        );
    }

    #[cfg(feature = "normalize")]
    fn key(s: &str) -> String {
        match name_key(&[&Value::string(s)]) {
            Ok(Value::String(k)) => k.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[cfg(feature = "normalize")]
    fn tss(a: &str, b: &str) -> f64 {
        match token_set_similarity(&[&Value::string(a), &Value::string(b)]) {
            Ok(Value::Double(d)) => d,
            other => panic!("{other:?}"),
        }
    }

    #[cfg(feature = "normalize")]
    #[test]
    fn name_keys() {
        assert_eq!(
            key("PT Contoh Sejahtera Sintetis"),
            "contoh sejahtera sintetis"
        );
        assert_eq!(
            key("Contoh Sejahtera Sintetis"),
            "contoh sejahtera sintetis"
        );
        assert_eq!(
            key("PT. Sintetis Contoh-Sejahtera (Persero) Tbk"),
            "contoh sejahtera sintetis"
        );
        assert_eq!(key("Karya Fiktif Sdn. Bhd."), "fiktif karya");
        assert_eq!(key("Karya Fiktif Pte Ltd"), "fiktif karya");
        assert_eq!(key("Karya Fiktif Co Ltd"), "fiktif karya");
        // Only whole tokens and whole sequences: `Ptolemy`, `Sdn` and `Co` alone are kept.
        assert_eq!(key("Ptolemy Cvetkovic"), "cvetkovic ptolemy");
        assert_eq!(key("Sdn Makmur Co"), "co makmur sdn");
        // Koperasi and Yayasan are not legal forms here.
        assert_eq!(key("Koperasi Maju"), "koperasi maju");
        // A name made only of legal forms keeps them.
        assert_eq!(key("PT CV"), "cv pt");
        assert_eq!(key(""), "");
        assert!(name_key(&[&Value::Int(1)]).is_err());
    }

    #[cfg(feature = "normalize")]
    #[test]
    fn token_set_similarities() {
        assert_eq!(
            tss("PT Contoh Sejahtera Sintetis", "Contoh Sejahtera Sintetis"),
            1.0
        );
        assert_eq!(
            tss("Sintetis Contoh Sejahtera", "CONTOH sejahtera sintetis"),
            1.0
        );
        assert_eq!(tss("Contoh Contoh Jaya", "Jaya Contoh"), 1.0);
        assert_eq!(tss("", ""), 1.0);
        assert_eq!(tss("PT", ""), 0.0);
        assert_eq!(tss("abc", "xyz"), 0.0);
        // A subset does not score 1 (unlike fuzzywuzzy's token_set_ratio).
        let subset = tss("Sejahtera", "Contoh Sejahtera Sintetis");
        assert!(subset < 0.92, "{subset}");
        // Shared tokens first, then the rest: "contoh sejahtera sintetis" against
        // "contoh sejahtera sintetik".
        let close = tss("Sintetis Contoh Sejahtera", "PT Contoh Sejahtera Sintetik");
        let expected =
            strsim::jaro_winkler("contoh sejahtera sintetis", "contoh sejahtera sintetik");
        assert_eq!(close, expected);
        assert!(close > 0.92 && close < 1.0, "{close}");
        // Plain similarity misses both variants.
        let plain = |a: &str, b: &str| match similarity(&[&Value::string(a), &Value::string(b)]) {
            Ok(Value::Double(d)) => d,
            other => panic!("{other:?}"),
        };
        assert!(plain("PT Contoh Sejahtera Sintetis", "Contoh Sejahtera Sintetis") < 0.92);
        assert!(plain("Sintetis Contoh Sejahtera", "Contoh Sejahtera Sintetis") < 0.92);
        assert!(token_set_similarity(&[&Value::string("a"), &Value::Null]).is_err());
    }

    #[cfg(feature = "normalize")]
    fn matched(name: &str, list: &[&str]) -> (Value, f64) {
        let list = Value::list(list.iter().map(|s| Value::string(*s)).collect::<Vec<_>>());
        match best_match(&[&Value::string(name), &list]) {
            Ok(Value::Map(m)) => match (m.get_str("entry"), m.get_str("score")) {
                (Some(e), Some(Value::Double(s))) => (e.clone(), *s),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[cfg(feature = "normalize")]
    #[test]
    fn best_matches() {
        let list = [
            "CV Karya Fiktif",
            "Contoh Sejahtera Sintetis",
            "PT Sinar Palsu",
        ];
        let (entry, score) = matched("PT Contoh Sejahtera Sintetis", &list);
        assert_eq!(entry, Value::string("Contoh Sejahtera Sintetis"));
        assert_eq!(score, 1.0);
        let (entry, score) = matched("Fiktif Karya", &list);
        assert_eq!(entry, Value::string("CV Karya Fiktif"));
        assert_eq!(score, 1.0);
        let (entry, score) = matched("Sinar Palsu Sentosa", &list);
        assert_eq!(entry, Value::string("PT Sinar Palsu"));
        assert_eq!(score, tss("Sinar Palsu Sentosa", "PT Sinar Palsu"));
        // Ties go to the first entry.
        let (entry, _) = matched("Karya Fiktif", &["Fiktif Karya", "CV Karya Fiktif"]);
        assert_eq!(entry, Value::string("Fiktif Karya"));
        let (entry, score) = matched("Anything", &[]);
        assert_eq!(entry, Value::Null);
        assert_eq!(score, 0.0);
        let bad = Value::list(vec![Value::Int(1)]);
        assert!(best_match(&[&Value::string("a"), &bad]).is_err());
        assert!(best_match(&[&Value::string("a"), &Value::string("b")]).is_err());
    }

    #[test]
    fn domain_types() {
        assert!(matches!(
            check_years_between(&[Type::Timestamp, Type::Dyn]),
            Ok(Type::Int)
        ));
        assert_eq!(
            check_days_between(&[Type::Timestamp, Type::String])
                .err()
                .as_deref(),
            Some("no matching overload for `days_between(timestamp, string)`")
        );
        assert!(matches!(
            check_similarity(&[Type::String, Type::String]),
            Ok(Type::Double)
        ));
        assert!(matches!(
            check_normalize_name(&[Type::Dyn]),
            Ok(Type::String)
        ));
        assert!(matches!(check_name_key(&[Type::String]), Ok(Type::String)));
        assert!(matches!(
            check_token_set_similarity(&[Type::String, Type::Dyn]),
            Ok(Type::Double)
        ));
        assert!(matches!(
            check_best_match(&[Type::String, Type::List(Box::new(Type::String))]),
            Ok(Type::Map(..))
        ));
        assert!(check_best_match(&[Type::String, Type::List(Box::new(Type::Int))]).is_err());
        assert!(check_best_match(&[Type::Int, Type::List(Box::new(Type::String))]).is_err());
    }
}

//! `[aggregate.<name>]`: windowed aggregates over the records that share a key (the same
//! sponsor phone or recruiter behind many applications). Loading reads the table; the engine
//! checks the expressions and computes the values (see [`crate::aggregate`]).

use crate::diagnostic::Code;
use crate::limits::MAX_AGGREGATES;
use crate::pack::ctx::{check_name, get, Reader};
use crate::pack::tree::{Entry, Kind};
use crate::pack::{Aggregate, Expression, Measure, Window};

const AGGREGATE_KEYS: &[&str] = &[
    "key",
    "time",
    "window",
    "count",
    "count_distinct",
    "sum",
    "where",
    "description",
];

/// The namespace rules read aggregates from (`agg.<name>`).
pub(crate) const NAMESPACE: &str = "agg";

/// Units a window may be written in, with their length in seconds.
const UNITS: &[(char, i64)] = &[
    ('s', 1),
    ('m', 60),
    ('h', 3_600),
    ('d', 86_400),
    ('w', 604_800),
];

/// The longest window accepted (ten years): longer ones are typos, and keep data forever.
const MAX_WINDOW_SECONDS: i64 = 3_660 * 86_400;

/// Parses a window length in seconds: a positive integer and a unit (`30d`, `12h`, `90m`,
/// `3600s`, `2w`), at most ten years.
///
/// ```
/// assert_eq!(saring::aggregate::parse_window("30d"), Some(30 * 86_400));
/// assert_eq!(saring::aggregate::parse_window("30 days"), None);
/// ```
pub fn parse_window(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let (_, per) = UNITS.iter().find(|(u, _)| *u == unit)?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let seconds = n.checked_mul(*per)?;
    (seconds > 0 && seconds <= MAX_WINDOW_SECONDS).then_some(seconds)
}

fn expression(reader: &mut Reader<'_>, e: &Entry) -> Option<Expression> {
    let text = reader.string(e)?;
    Some(Expression {
        text,
        file: reader.file.clone(),
        offset: e.value.content,
    })
}

/// Reads the `[aggregate]` table: one sub-table per aggregate.
pub(crate) fn aggregates(reader: &mut Reader<'_>, t: &[Entry]) -> Vec<Aggregate> {
    let mut out = Vec::new();
    if let Some(first_over) = t.get(MAX_AGGREGATES) {
        reader.error(
            Code::PackLimit,
            format!(
                "the pack has {} aggregates, more than the limit of {MAX_AGGREGATES}",
                t.len()
            ),
            first_over.key_span,
        );
        return out;
    }
    for e in t {
        if !check_name(reader, &e.key, "aggregate", e.key_span) {
            continue;
        }
        if let Some(a) = reader.table(e).and_then(|body| aggregate(reader, e, body)) {
            out.push(a);
        }
    }
    out
}

fn aggregate(reader: &mut Reader<'_>, head: &Entry, t: &[Entry]) -> Option<Aggregate> {
    let what = format!("`[aggregate.{}]`", head.key);
    reader.check_keys(t, AGGREGATE_KEYS, &what);
    let required = |key: &str, reader: &mut Reader<'_>| match get(t, key) {
        Some(e) => expression(reader, e),
        None => {
            reader.missing(key, &what, head.key_span);
            None
        }
    };
    let key = required("key", reader);
    let time = required("time", reader);
    let window = match get(t, "window") {
        Some(e) => match &e.value.kind {
            Kind::Str(s) => match parse_window(s) {
                Some(seconds) => Some(Window {
                    seconds,
                    text: s.clone(),
                }),
                None => {
                    reader.error_help(
                        Code::PackInvalidValue,
                        format!("`window` must be a length such as \"30d\", found \"{s}\""),
                        "write a positive whole number and a unit: s, m, h, d or w (\"30d\", \"12h\"), at most ten years".into(),
                        e.value.span,
                    );
                    None
                }
            },
            _ => {
                reader.wrong_type(e, "a string such as \"30d\"");
                None
            }
        },
        None => {
            reader.missing("window", &what, head.key_span);
            None
        }
    };
    let mut measures = Vec::new();
    if let Some(e) = get(t, "count") {
        match &e.value.kind {
            Kind::Bool(true) => measures.push((Some(Measure::Count), e.key_span)),
            _ => {
                reader.error_help(
                    Code::PackInvalidValue,
                    "`count` must be `true`".into(),
                    "write `count = true`, or `count_distinct = \"<expression>\"` to count distinct values".into(),
                    e.value.span,
                );
                measures.push((None, e.key_span));
            }
        }
    }
    if let Some(e) = get(t, "count_distinct") {
        measures.push((
            expression(reader, e).map(Measure::CountDistinct),
            e.key_span,
        ));
    }
    if let Some(e) = get(t, "sum") {
        measures.push((expression(reader, e).map(Measure::Sum), e.key_span));
    }
    let measure = match measures.as_slice() {
        [] => {
            reader.error_help(
                Code::PackMissingKey,
                format!("{what} says nothing to compute"),
                "add one of `count = true`, `count_distinct = \"<expression>\"` or `sum = \"<expression>\"`".into(),
                head.key_span,
            );
            None
        }
        [(m, _)] => m.clone(),
        [_, (_, second), ..] => {
            reader.error_help(
                Code::PackInvalidValue,
                format!("{what} computes more than one value"),
                "one aggregate computes one of `count`, `count_distinct` or `sum`: declare another aggregate for the second".into(),
                *second,
            );
            None
        }
    };
    let filter = match get(t, "where") {
        Some(e) => Some(expression(reader, e)?),
        None => None,
    };
    let description = match get(t, "description") {
        Some(e) => Some(reader.string(e)?),
        None => None,
    };
    Some(Aggregate {
        name: head.key.clone(),
        key: key?,
        time: time?,
        window: window?,
        measure: measure?,
        filter,
        description,
        location: Some(reader.diags.sources.locate(&reader.file, head.key_span)),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_window;

    #[test]
    fn windows_in_every_unit() {
        assert_eq!(parse_window("30d"), Some(30 * 86_400));
        assert_eq!(parse_window("12h"), Some(43_200));
        assert_eq!(parse_window("90m"), Some(5_400));
        assert_eq!(parse_window("3600s"), Some(3_600));
        assert_eq!(parse_window("2w"), Some(1_209_600));
        for bad in [
            "",
            "d",
            "0d",
            "-3d",
            "3 d",
            "3x",
            "1.5d",
            "99999999999999999999d",
            "4000d",
        ] {
            assert_eq!(parse_window(bad), None, "{bad}");
        }
    }
}

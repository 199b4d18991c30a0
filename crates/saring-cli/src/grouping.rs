//! `--label` and `--by` of `backtest`, `diff` and `report dpia`: checked against the pack and
//! the first rows before anything is screened, then read from every row.
//!
//! A `--by` column is, in this order: one of the pack's derived values (`age`), a schema
//! field (dotted path), or a key of the input rows; `COL:W` bands numbers by `W` and dates
//! by `W` years ([`saring::backtest::groups`]). Anything else is a usage error with a
//! "did you mean".

use std::collections::BTreeSet;

use saring::backtest::groups::{GroupBy, UNBANDED};
use saring::schema::{FieldKind, ObjectType};
use saring::{Engine, Record};
use serde_json::Value;

use crate::input::{lookup, Row};

/// Where a `--by` column's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// The pack's derived value with this index.
    Derived(usize),
    /// The input row (a schema field or any other key).
    Row,
}

/// One resolved `--by` column.
#[derive(Debug, Clone)]
pub struct Grouping {
    by: GroupBy,
    source: Source,
}

/// The resolved `--by` columns of a run.
#[derive(Debug, Clone, Default)]
pub struct Groupings {
    list: Vec<Grouping>,
}

/// The first rows of the input as JSON values (rows that do not parse are skipped).
pub fn first_values(rows: &[Row]) -> Vec<Value> {
    rows.iter().filter_map(|r| r.to_value().ok()).collect()
}

/// Every dotted key of the rows (objects flattened, lists left whole).
fn keys(rows: &[Value]) -> BTreeSet<String> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
        if let Value::Object(map) = v {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(path.clone());
                walk(&path, child, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for row in rows {
        walk("", row, &mut out);
    }
    out
}

fn schema_paths(obj: &ObjectType, out: &mut Vec<String>) {
    for f in &obj.fields {
        out.push(f.path.clone());
        if let FieldKind::Object(child) = &f.kind {
            schema_paths(child, out);
        }
    }
}

/// The closest candidate: within two edits (or a third of the name's length), else by
/// Jaro–Winkler similarity above 0.8.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    let mut best: Option<(usize, f64, &str)> = None;
    for c in candidates {
        let edits = strsim::damerau_levenshtein(name, c);
        let similarity = strsim::jaro_winkler(name, c);
        if edits > limit && similarity <= 0.8 {
            continue;
        }
        let better = best.is_none_or(|(e, s, _)| edits < e || (edits == e && similarity > s));
        if better {
            best = Some((edits, similarity, c));
        }
    }
    best.map(|(_, _, c)| c)
}

fn unknown(what: &str, name: &str, candidates: &[String], rows: usize) -> anyhow::Error {
    let help = suggest(name, candidates.iter().map(String::as_str))
        .map(|c| format!("did you mean `{c}`?"))
        .unwrap_or_else(|| "check the column names of the input".to_string());
    crate::exit::usage(format!(
        "error: {what} `{name}` is in none of the first {rows} rows\n  = help: {help}"
    ))
}

/// Checks that the label column is present in the first rows (exit 2 with a "did you mean"
/// otherwise). An empty input passes.
pub fn check_label(label: &str, rows: &[Value]) -> anyhow::Result<()> {
    if rows.is_empty() || rows.iter().any(|r| lookup(r, label).is_some()) {
        return Ok(());
    }
    let candidates: Vec<String> = keys(rows).into_iter().collect();
    Err(unknown("label column", label, &candidates, rows.len()))
}

impl Groupings {
    /// Resolves `--by` specs against the pack and the first rows (see the module docs).
    pub fn resolve(specs: &[String], engine: &Engine, rows: &[Value]) -> anyhow::Result<Groupings> {
        let derived = engine.derived_names();
        let seen = keys(rows);
        let mut list = Vec::new();
        for spec in specs.iter().filter(|s| !s.trim().is_empty()) {
            let by = GroupBy::parse(spec)
                .map_err(|e| crate::exit::usage(format!("error: `--by {spec}`: {e}")))?;
            let source = if let Some(i) = derived.iter().position(|d| *d == by.source) {
                Source::Derived(i)
            } else if engine.schema().field(&by.source).is_some()
                || seen.contains(&by.source)
                || rows.is_empty()
            {
                Source::Row
            } else {
                let mut candidates: Vec<String> = derived.iter().map(|d| d.to_string()).collect();
                schema_paths(&engine.schema().root, &mut candidates);
                candidates.extend(seen.iter().cloned());
                return Err(unknown(
                    "`--by` column",
                    &by.source,
                    &candidates,
                    rows.len(),
                ));
            };
            let grouping = Grouping { by, source };
            grouping.check_band(engine, rows)?;
            list.push(grouping);
        }
        Ok(Groupings { list })
    }

    /// True when some column is a derived value (each record is then decoded for it).
    pub fn needs_derived(&self) -> bool {
        self.list
            .iter()
            .any(|g| matches!(g.source, Source::Derived(_)))
    }

    /// True when no `--by` was given.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The columns as given (`age:10`).
    pub fn names(&self) -> Vec<String> {
        self.list.iter().map(|g| g.by.spec.clone()).collect()
    }

    /// The `(column, group)` pairs of one row; `derived` holds the record's derived values
    /// when [`Groupings::needs_derived`].
    pub fn labels(&self, row: &Value, derived: Option<&[(&str, Value)]>) -> Vec<(String, String)> {
        self.list
            .iter()
            .map(|g| {
                let value = match g.source {
                    Source::Derived(i) => derived.and_then(|d| d.get(i)).map(|(_, v)| v),
                    Source::Row => lookup(row, &g.by.source),
                };
                (g.by.spec.clone(), g.by.label(value))
            })
            .collect()
    }

    /// [`Groupings::labels`] for a row whose record is decoded: computes the derived values
    /// only when a column needs them.
    pub fn labels_of(
        &self,
        engine: &Engine,
        row: &Value,
        record: &Record,
    ) -> Vec<(String, String)> {
        if self.needs_derived() {
            let derived = engine.derived_values(record);
            self.labels(row, Some(&derived))
        } else {
            self.labels(row, None)
        }
    }
}

impl Grouping {
    /// A band over a column that holds neither numbers nor dates is a usage error.
    fn check_band(&self, engine: &Engine, rows: &[Value]) -> anyhow::Result<()> {
        if self.by.band.is_none() || self.source != Source::Row {
            return Ok(());
        }
        let text_field = engine.schema().field(&self.by.source).is_some_and(|f| {
            matches!(
                f.kind,
                FieldKind::String | FieldKind::Enum(_) | FieldKind::Bool
            )
        });
        let values: Vec<&Value> = rows
            .iter()
            .filter_map(|r| lookup(r, &self.by.source))
            .filter(|v| !v.is_null())
            .collect();
        let unbandable =
            !values.is_empty() && values.iter().all(|v| self.by.label(Some(v)) == UNBANDED);
        if text_field || unbandable {
            return Err(crate::exit::usage(format!(
                "error: `--by {}`: `{}` holds neither numbers nor dates, so it cannot be banded\n  \
                 = help: use `--by {}` to group by its values",
                self.by.spec, self.by.source, self.by.source
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_keys_of_rows() {
        let k = keys(&[json!({"a": 1, "b": {"c": true}}), json!({"d": [1]})]);
        let k: Vec<&str> = k.iter().map(String::as_str).collect();
        assert_eq!(k, ["a", "b", "b.c", "d"]);
    }

    #[test]
    fn suggestions() {
        let names = ["label", "sex", "province", "birth_date"];
        assert_eq!(suggest("lbl", names), Some("label"));
        assert_eq!(suggest("sexx", names), Some("sex"));
        assert_eq!(suggest("provnce", names), Some("province"));
        assert_eq!(suggest("zzzzzz", names), None);
    }

    #[test]
    fn label_typo_is_a_usage_error_with_a_suggestion() {
        let rows = [json!({"label": true, "sex": "f"})];
        assert!(check_label("label", &rows).is_ok());
        assert!(check_label("anything", &[]).is_ok());
        let e = check_label("lbl", &rows).map_err(|e| e.to_string());
        assert_eq!(
            e,
            Err(
                "error: label column `lbl` is in none of the first 1 rows\n  = help: did you mean \
                 `label`?"
                    .to_string()
            )
        );
    }
}

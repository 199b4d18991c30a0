//! A `synth.toml` file as a plain tree of values, each with the byte span it was written at
//! (so that model errors can point at the offending key or value).

use std::ops::Range;

/// One TOML value and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) value: Tv,
    pub(crate) span: Range<usize>,
}

/// The TOML value kinds a model uses.
#[derive(Debug, Clone)]
pub(crate) enum Tv {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A TOML date or date-time, as written (`2025-01-01`).
    Date(String),
    Array(Vec<Node>),
    /// Entries in file order: key, the key's span, value.
    Table(Vec<(String, Range<usize>, Node)>),
}

impl Node {
    /// The table entries, if this is a table.
    pub(crate) fn entries(&self) -> Option<&[(String, Range<usize>, Node)]> {
        match &self.value {
            Tv::Table(e) => Some(e),
            _ => None,
        }
    }

    /// An entry of a table by key.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, v)| v)
    }

    /// A short name of the value's type, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Tv::Str(_) => "a string",
            Tv::Int(_) => "an integer",
            Tv::Float(_) => "a number",
            Tv::Bool(_) => "a boolean",
            Tv::Date(_) => "a date",
            Tv::Array(_) => "an array",
            Tv::Table(_) => "a table",
        }
    }

    /// The value as JSON (dates become `YYYY-MM-DD` strings).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            Tv::Str(s) | Tv::Date(s) => Value::String(s.clone()),
            Tv::Int(i) => Value::from(*i),
            Tv::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Tv::Bool(b) => Value::Bool(*b),
            Tv::Array(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Tv::Table(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Parses TOML text into a tree; a syntax error gives its message and span.
pub(crate) fn parse(text: &str) -> Result<Node, (String, Range<usize>)> {
    let doc = toml_edit::ImDocument::parse(text)
        .map_err(|e| (e.message().to_string(), e.span().unwrap_or(0..0)))?;
    Ok(table(doc.as_table(), 0..text.len()))
}

fn table(t: &toml_edit::Table, fallback: Range<usize>) -> Node {
    let span = t.span().unwrap_or(fallback);
    let mut entries = Vec::new();
    for (k, _) in t.iter() {
        if let Some((key, item)) = t.get_key_value(k) {
            let kspan = key.span().unwrap_or_else(|| span.clone());
            if let Some(node) = item_node(item, kspan.clone()) {
                entries.push((k.to_string(), kspan, node));
            }
        }
    }
    Node {
        value: Tv::Table(entries),
        span,
    }
}

fn item_node(item: &toml_edit::Item, fallback: Range<usize>) -> Option<Node> {
    match item {
        toml_edit::Item::None => None,
        toml_edit::Item::Value(v) => Some(value(v, fallback)),
        toml_edit::Item::Table(t) => Some(table(t, fallback)),
        toml_edit::Item::ArrayOfTables(a) => {
            let span = a.span().unwrap_or_else(|| fallback.clone());
            Some(Node {
                value: Tv::Array(a.iter().map(|t| table(t, span.clone())).collect()),
                span,
            })
        }
    }
}

fn value(v: &toml_edit::Value, fallback: Range<usize>) -> Node {
    use toml_edit::Value as V;
    let span = v.span().unwrap_or_else(|| fallback.clone());
    let value = match v {
        V::String(s) => Tv::Str(s.value().clone()),
        V::Integer(i) => Tv::Int(*i.value()),
        V::Float(f) => Tv::Float(*f.value()),
        V::Boolean(b) => Tv::Bool(*b.value()),
        V::Datetime(d) => Tv::Date(d.value().to_string()),
        V::Array(a) => Tv::Array(a.iter().map(|x| value(x, span.clone())).collect()),
        V::InlineTable(t) => {
            let mut entries = Vec::new();
            for (k, _) in t.iter() {
                if let Some((key, item)) = t.get_key_value(k) {
                    let kspan = key.span().unwrap_or_else(|| span.clone());
                    if let Some(node) = item_node(item, kspan.clone()) {
                        entries.push((k.to_string(), kspan, node));
                    }
                }
            }
            Tv::Table(entries)
        }
    };
    Node { value, span }
}

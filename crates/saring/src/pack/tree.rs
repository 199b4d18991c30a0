//! A small spanned document tree shared by TOML and JSON pack files, so that the pack and
//! schema builders interpret both formats with one code path and every value keeps its
//! byte span.

/// A byte range in a file.
pub(crate) type Span = (usize, usize);

/// A value of a pack or schema file, with its span.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The value.
    pub kind: Kind,
    /// Byte range of the value's text (for tables: from the header to the last value).
    pub span: Span,
    /// For strings: byte offset of the first character of the string's content.
    pub content: usize,
}

/// The kinds of values a pack file holds.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A TOML date/time, as written (`2026-05-01`); `date_only` for a plain local date.
    #[cfg_attr(not(feature = "toml"), allow(dead_code))]
    Datetime { text: String, date_only: bool },
    /// JSON `null`.
    Null,
    /// An array.
    Array(Vec<Node>),
    /// A table / object, in document order.
    Table(Vec<Entry>),
}

/// A key–value pair of a table.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key.
    pub key: String,
    /// Byte range of the key.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The table entries, if this is a table.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Table(e) => Some(e),
            _ => None,
        }
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Str(_) => "a string",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Bool(_) => "a boolean",
            Kind::Datetime { .. } => "a date",
            Kind::Null => "null",
            Kind::Array(_) => "an array",
            Kind::Table(_) => "a table",
        }
    }

    /// The span clipped to its first line (a table header rather than the whole table).
    pub fn head(&self, text: &str) -> Span {
        let (start, end) = self.span;
        let end = text
            .get(start..end)
            .and_then(|s| s.find('\n'))
            .map_or(end, |i| start + i);
        let trimmed = text
            .get(start..end)
            .map_or(end, |s| start + s.trim_end().len());
        (start, trimmed.max(start))
    }
}

/// A syntax error with a message and a byte span.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    /// The parser's message.
    pub message: String,
    /// Where.
    pub span: Span,
}

#[cfg(feature = "toml")]
/// Parses TOML text into a tree.
pub(crate) fn parse_toml(text: &str) -> Result<Node, SyntaxError> {
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| SyntaxError {
        message: e.message().trim().to_string(),
        span: e.span().map_or((0, 0), |r| (r.start, r.end)),
    })?;
    Ok(Node {
        kind: Kind::Table(toml_table(doc.as_table(), text)),
        span: (0, text.len()),
        content: 0,
    })
}

#[cfg(feature = "toml")]
fn range(r: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    r.map_or(fallback, |r| (r.start, r.end))
}

#[cfg(feature = "toml")]
fn toml_table(table: &toml_edit::Table, text: &str) -> Vec<Entry> {
    table
        .iter()
        .map(|(key, item)| {
            let key_span = range(table.key(key).and_then(|k| k.span()), (0, 0));
            Entry {
                key: key.to_string(),
                key_span,
                value: toml_item(item, key_span, text),
            }
        })
        .collect()
}

#[cfg(feature = "toml")]
fn toml_item(item: &toml_edit::Item, key_span: Span, text: &str) -> Node {
    match item {
        toml_edit::Item::Value(v) => toml_value(v, key_span, text),
        toml_edit::Item::Table(t) => Node {
            kind: Kind::Table(toml_table(t, text)),
            span: range(t.span(), key_span),
            content: 0,
        },
        toml_edit::Item::ArrayOfTables(a) => {
            let elements: Vec<Node> = a
                .iter()
                .map(|t| Node {
                    kind: Kind::Table(toml_table(t, text)),
                    span: range(t.span(), key_span),
                    content: 0,
                })
                .collect();
            Node {
                kind: Kind::Array(elements),
                span: range(a.span(), key_span),
                content: 0,
            }
        }
        toml_edit::Item::None => Node {
            kind: Kind::Null,
            span: key_span,
            content: 0,
        },
    }
}

#[cfg(feature = "toml")]
/// Offset of a TOML string's content: after the opening quote(s), and after the newline
/// that may follow `"""` / `'''`.
fn string_content(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        let after = &rest[3..];
        if after.starts_with("\r\n") {
            start + 5
        } else if after.starts_with('\n') {
            start + 4
        } else {
            start + 3
        }
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        start + 1
    } else {
        start
    }
}

#[cfg(feature = "toml")]
fn toml_value(value: &toml_edit::Value, key_span: Span, text: &str) -> Node {
    let span = range(value.span(), key_span);
    let mut content = span.0;
    let kind = match value {
        toml_edit::Value::String(s) => {
            content = string_content(text, span.0);
            Kind::Str(s.value().clone())
        }
        toml_edit::Value::Integer(i) => Kind::Int(*i.value()),
        toml_edit::Value::Float(f) => Kind::Float(*f.value()),
        toml_edit::Value::Boolean(b) => Kind::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => {
            let d = d.value();
            Kind::Datetime {
                text: d.to_string(),
                date_only: d.date.is_some() && d.time.is_none() && d.offset.is_none(),
            }
        }
        toml_edit::Value::Array(a) => {
            Kind::Array(a.iter().map(|v| toml_value(v, span, text)).collect())
        }
        toml_edit::Value::InlineTable(t) => Kind::Table(
            t.iter()
                .map(|(key, v)| {
                    let key_span = range(t.key(key).and_then(|k| k.span()), span);
                    Entry {
                        key: key.to_string(),
                        key_span,
                        value: toml_value(v, key_span, text),
                    }
                })
                .collect(),
        ),
    };
    Node {
        kind,
        span,
        content,
    }
}

/// Parses JSON text into a tree. Syntax errors carry serde_json's message and position.
pub(crate) fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        let offset = line_col_to_offset(text, e.line(), e.column());
        let message = e.to_string();
        // serde_json appends " at line L column C"; the location is shown separately.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        return Err(SyntaxError {
            message,
            span: (offset, offset),
        });
    }
    let mut p = JsonScanner { text, pos: 0 };
    p.skip_ws();
    p.value(0).map_err(|pos| SyntaxError {
        message: "invalid JSON".to_string(),
        span: (pos, pos),
    })
}

fn line_col_to_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col = column.saturating_sub(1);
            let within = l
                .char_indices()
                .nth(col)
                .map_or(l.trim_end_matches('\n').len(), |(b, _)| b);
            return offset + within;
        }
        offset += l.len();
    }
    text.len()
}

/// A span-recording scanner over JSON text already validated by serde_json.
struct JsonScanner<'a> {
    text: &'a str,
    pos: usize,
}

/// Deeper than serde_json's own recursion limit, so never reached on validated text.
const JSON_MAX_DEPTH: usize = 256;

impl JsonScanner<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, usize> {
        if depth > JSON_MAX_DEPTH {
            return Err(self.pos);
        }
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let key_start = self.pos;
                        let key = self.string()?;
                        let key_span = (key_start, self.pos);
                        self.skip_ws();
                        if self.peek() != Some(b':') {
                            return Err(self.pos);
                        }
                        self.pos += 1;
                        self.skip_ws();
                        let value = self.value(depth + 1)?;
                        entries.push(Entry {
                            key,
                            key_span,
                            value,
                        });
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.pos),
                        }
                    }
                }
                Kind::Table(entries)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        items.push(self.value(depth + 1)?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.pos),
                        }
                    }
                }
                Kind::Array(items)
            }
            Some(b'"') => {
                let s = self.string()?;
                return Ok(Node {
                    kind: Kind::Str(s),
                    span: (start, self.pos),
                    content: start + 1,
                });
            }
            Some(b't') if self.rest().starts_with("true") => {
                self.pos += 4;
                Kind::Bool(true)
            }
            Some(b'f') if self.rest().starts_with("false") => {
                self.pos += 5;
                Kind::Bool(false)
            }
            Some(b'n') if self.rest().starts_with("null") => {
                self.pos += 4;
                Kind::Null
            }
            Some(b'-' | b'0'..=b'9') => {
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.pos += 1;
                }
                let raw = self.text.get(start..self.pos).ok_or(start)?;
                let n: serde_json::Number = serde_json::from_str(raw).map_err(|_| start)?;
                match n.as_i64() {
                    Some(i) => Kind::Int(i),
                    None => Kind::Float(n.as_f64().ok_or(start)?),
                }
            }
            _ => return Err(self.pos),
        };
        Ok(Node {
            kind,
            span: (start, self.pos),
            content: start,
        })
    }

    /// Scans a string literal and decodes it with serde_json.
    fn string(&mut self) -> Result<String, usize> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.pos);
        }
        self.pos += 1;
        loop {
            match self.peek() {
                Some(b'\\') => self.pos += 2,
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => self.pos += 1,
                None => return Err(self.pos),
            }
        }
        let raw = self.text.get(start..self.pos).ok_or(start)?;
        serde_json::from_str(raw).map_err(|_| start)
    }
}

/// Converts a tree value to JSON (for example records). Dates become strings.
pub(crate) fn to_json(node: &Node) -> Result<serde_json::Value, Span> {
    Ok(match &node.kind {
        Kind::Str(s) => serde_json::Value::String(s.clone()),
        Kind::Int(i) => serde_json::Value::from(*i),
        Kind::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .ok_or(node.span)?,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Datetime { text, .. } => serde_json::Value::String(text.clone()),
        Kind::Null => serde_json::Value::Null,
        Kind::Array(items) => {
            serde_json::Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Kind::Table(entries) => {
            let mut map = serde_json::Map::new();
            for e in entries {
                map.insert(e.key.clone(), to_json(&e.value)?);
            }
            serde_json::Value::Object(map)
        }
    })
}

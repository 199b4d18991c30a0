//! Input readers: JSONL, CSV and JSON arrays (files or stdin), yielding numbered rows.
//!
//! Row numbers are 1-based. For JSONL the row number is the line number (blank lines are
//! skipped and produce no output); for CSV it is the data record number (the header row is
//! not counted); for a JSON array it is the element's position. A UTF-8 byte-order mark at
//! the start of the input is skipped, whatever the format.
//!
//! CSV: the header row names dotted field paths (`interview.agent_present`); the delimiter
//! is `,`, or `;` or tab when the header holds more of those (spreadsheet exports in many
//! locales); an empty cell is an absent field. Cells are converted with the pack schema:
//! `bool` accepts `true/false/yes/no/y/n/1/0` (any case), `int` and `float` are parsed,
//! `date`, `timestamp`, `string` and `enum` stay text, and a `list` cell holds either JSON
//! (`["KH","MM"]`, `[]`, a list of objects `[{"country":"TH","mode":"air"}]` — what `saring
//! synth -f csv` writes) or items separated by `;` (`KH;MM`, as typed in a spreadsheet; each
//! converted to the item type). An `object` column may hold a JSON object. A cell that does
//! not convert is passed on as text, so the record decoder reports a type error naming the
//! field. Columns the schema does not declare stay text (labels and group columns of
//! `backtest`). A quoting error (a stray `"`) makes only its own line a bad row (see
//! `input::csv`).

mod csv;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use clap::ValueEnum;
use saring::limits::MAX_RECORD_BYTES;
use saring::schema::FieldKind;
use saring::{RecordError, Schema};
use serde_json::{Map, Value};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row of dotted field paths.
    Csv,
    /// A JSON array of objects (or one object); read into memory whole.
    Json,
}

/// `--unknown-fields`: what to do with input fields the pack's schema does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnknownFieldsArg {
    /// Skip them silently (the schema is the contract).
    Ignore,
    /// Skip them, name them in each decision's `ignored_fields`, and count them in a warning
    /// after the run.
    Report,
    /// Reject the row (`record.unknown_field`, with a did-you-mean).
    Reject,
}

impl UnknownFieldsArg {
    /// The decoding options for this choice.
    pub fn options(self) -> saring::DecodeOptions {
        saring::DecodeOptions {
            unknown_fields: match self {
                UnknownFieldsArg::Ignore => saring::UnknownFields::Ignore,
                UnknownFieldsArg::Report => saring::UnknownFields::Report,
                UnknownFieldsArg::Reject => saring::UnknownFields::Reject,
            },
        }
    }
}

/// One input row's content.
#[derive(Debug)]
pub enum Data {
    /// A JSONL line, not yet parsed.
    Text(String),
    /// A record built from CSV or a JSON array.
    Value(Value),
    /// A row that could not be read (bad UTF-8, wrong number of CSV cells, ...).
    Bad(RecordError),
}

/// A numbered input row.
#[derive(Debug)]
pub struct Row {
    /// 1-based row number (see the module docs).
    pub row: u64,
    /// Its content.
    pub data: Data,
}

impl Row {
    /// The row as a JSON value (JSONL text is parsed here).
    pub fn to_value(&self) -> Result<Value, RecordError> {
        match &self.data {
            Data::Text(t) => serde_json::from_str(t)
                .map_err(|e| RecordError::new("record.syntax", None, format!("invalid JSON: {e}"))),
            Data::Value(v) => Ok(v.clone()),
            Data::Bad(e) => Err(e.clone()),
        }
    }
}

/// A row source with a byte counter for progress reporting.
pub struct Input {
    rows: Box<dyn Iterator<Item = anyhow::Result<Row>> + Send>,
    /// Bytes read so far.
    pub bytes: Arc<AtomicU64>,
    /// Total size when reading a file.
    pub size: Option<u64>,
}

impl Iterator for Input {
    type Item = anyhow::Result<Row>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input").field("size", &self.size).finish()
    }
}

struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` (`-` = stdin). The format comes from `format`, else the extension
/// (`.jsonl`/`.ndjson`, `.csv`, `.json`), else the first non-blank byte (`[` JSON array,
/// `{` JSONL, anything else CSV).
pub fn open(path: &Path, format: Option<Format>, schema: &Schema) -> anyhow::Result<Input> {
    let bytes = Arc::new(AtomicU64::new(0));
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(path).map_err(|e| {
            crate::exit::usage(format!("error: cannot read `{}`: {e}", path.display()))
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let mut reader = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: raw,
            bytes: bytes.clone(),
        },
    );
    skip_bom(&mut reader)?;
    let format = match format.or_else(|| from_extension(path)) {
        Some(f) => f,
        None => sniff(&mut reader)?,
    };
    let rows: Box<dyn Iterator<Item = anyhow::Result<Row>> + Send> = match format {
        Format::Jsonl => Box::new(JsonLines {
            reader,
            line: 0,
            buf: Vec::new(),
            done: false,
        }),
        Format::Csv => Box::new(csv_rows(reader, schema)?),
        Format::Json => Box::new(json_array(reader, path)?),
    };
    Ok(Input { rows, bytes, size })
}

/// Skips a UTF-8 byte-order mark (`EF BB BF`) at the start of the input.
fn skip_bom(reader: &mut impl BufRead) -> anyhow::Result<()> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let buf = reader.fill_buf()?;
    if buf.starts_with(BOM) {
        reader.consume(BOM.len());
    } else if !buf.is_empty() && buf.len() < BOM.len() && BOM.starts_with(buf) {
        // The mark is split across reads (a slow pipe): gather it byte by byte.
        let mut head = Vec::new();
        while head.len() < BOM.len() {
            let b = reader.fill_buf()?;
            let Some(&first) = b.first() else { break };
            if first != BOM[head.len()] {
                break;
            }
            head.push(first);
            reader.consume(1);
        }
        if head.len() != BOM.len() && !head.is_empty() {
            return Err(crate::exit::usage(
                "error: the input starts with a broken byte-order mark",
            ));
        }
    }
    Ok(())
}

fn from_extension(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "json" => Some(Format::Json),
        _ => None,
    }
}

fn sniff(reader: &mut impl BufRead) -> anyhow::Result<Format> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(Format::Jsonl); // empty input
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                return Ok(match buf[i] {
                    b'[' => Format::Json,
                    b'{' => Format::Jsonl,
                    _ => Format::Csv,
                })
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

struct JsonLines<R> {
    reader: R,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Reads one line into `buf` (without more than the record limit); returns the number of
    /// bytes the line had (0 at the end of the input) and whether it ended with `\n`.
    fn read_line(&mut self) -> std::io::Result<(usize, bool)> {
        self.buf.clear();
        let mut total = 0;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok((total, false));
            }
            let (take, end) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if self.buf.len() + take <= MAX_RECORD_BYTES + 2 {
                self.buf.extend_from_slice(&chunk[..take]);
            }
            total += take;
            self.reader.consume(take);
            if end {
                return Ok((total, true));
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = anyhow::Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_line() {
                Ok((0, _)) => self.done = true,
                Ok((len, newline)) => {
                    self.line += 1;
                    if len > MAX_RECORD_BYTES + 2 {
                        let bytes = len - usize::from(newline);
                        return Some(Ok(Row {
                            row: self.line,
                            data: Data::Bad(RecordError::new(
                                "record.too_large",
                                None,
                                format!(
                                    "line is {bytes} bytes, more than the limit of \
                                     {MAX_RECORD_BYTES}"
                                ),
                            )),
                        }));
                    }
                    if self.buf.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let data = match std::str::from_utf8(&self.buf) {
                        Ok(s) => Data::Text(s.trim_end_matches(['\n', '\r']).to_string()),
                        Err(e) => Data::Bad(RecordError::new(
                            "record.syntax",
                            None,
                            format!("line is not valid UTF-8: {e}"),
                        )),
                    };
                    return Some(Ok(Row {
                        row: self.line,
                        data,
                    }));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(anyhow::Error::new(e).context("reading input")));
                }
            }
        }
        None
    }
}

fn json_array(
    mut reader: impl Read,
    path: &Path,
) -> anyhow::Result<std::vec::IntoIter<anyhow::Result<Row>>> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| crate::exit::usage(format!("error: cannot read `{}`: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        crate::exit::usage(format!(
            "error: `{}` is not a JSON array or object: {e}",
            path.display()
        ))
    })?;
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            Ok(Row {
                row: i as u64 + 1,
                data: Data::Value(v),
            })
        })
        .collect::<Vec<_>>()
        .into_iter())
}

/// A CSV column: its dotted path split into segments, and the schema type of the field.
struct Column {
    segments: Vec<String>,
    kind: Option<FieldKind>,
}

fn csv_rows(
    mut reader: impl BufRead + Send + 'static,
    schema: &Schema,
) -> anyhow::Result<impl Iterator<Item = anyhow::Result<Row>> + Send> {
    let delimiter = csv::sniff_delimiter(reader.fill_buf()?);
    let mut framer = csv::Framer::new(reader, delimiter);
    let header = framer
        .next_frame()
        .map_err(|e| crate::exit::usage(format!("error: cannot read the CSV header: {e}")))?;
    let names: Vec<String> = match header {
        None => Vec::new(),
        Some(csv::Frame::Cells(cells)) => cells.iter().map(|h| h.trim().to_string()).collect(),
        Some(csv::Frame::Bad(_, message)) => {
            return Err(crate::exit::usage(format!(
                "error: cannot read the CSV header: {message}"
            )))
        }
    };
    for (i, a) in names.iter().enumerate() {
        if names[..i].contains(a) {
            return Err(crate::exit::usage(format!(
                "error: CSV column `{a}` appears twice"
            )));
        }
        if let Some(b) = names.iter().find(|b| b.starts_with(&format!("{a}."))) {
            let object = matches!(schema.field(a).map(|f| &f.kind), Some(FieldKind::Object(_)));
            if !object {
                return Err(crate::exit::usage(format!(
                    "error: CSV columns `{a}` and `{b}` conflict: `{a}` cannot be both a value and an object"
                )));
            }
        }
    }
    let columns: Vec<Column> = names
        .iter()
        .map(|n| Column {
            segments: n.split('.').map(str::to_string).collect(),
            kind: schema.field(n).map(|f| f.kind.clone()),
        })
        .collect();
    framer.expected = Some(columns.len());
    let mut row = 0u64;
    let mut done = names.is_empty();
    Ok(std::iter::from_fn(move || {
        if done {
            return None;
        }
        match framer.next_frame() {
            Ok(None) => {
                done = true;
                None
            }
            Ok(Some(frame)) => {
                row += 1;
                let data = match frame {
                    csv::Frame::Cells(cells) => csv_record(&cells, &columns),
                    csv::Frame::Bad(code, message) => {
                        Data::Bad(RecordError::new(code, None, message))
                    }
                };
                Some(Ok(Row { row, data }))
            }
            Err(e) => {
                done = true;
                Some(Err(anyhow::Error::new(e).context("reading CSV input")))
            }
        }
    }))
}

fn csv_record(record: &[String], columns: &[Column]) -> Data {
    if record.len() != columns.len() {
        return Data::Bad(RecordError::new(
            "record.syntax",
            None,
            format!(
                "expected {} cells (one per header column), found {}",
                columns.len(),
                record.len()
            ),
        ));
    }
    let mut root = Map::new();
    for (cell, column) in record.iter().zip(columns) {
        if cell.is_empty() {
            continue;
        }
        insert(
            &mut root,
            &column.segments,
            convert(cell, column.kind.as_ref()),
        );
    }
    Data::Value(Value::Object(root))
}

fn insert(obj: &mut Map<String, Value>, segments: &[String], value: Value) {
    match segments {
        [] => {}
        [last] => {
            obj.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let child = obj
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = child {
                insert(map, rest, value);
            }
        }
    }
}

/// Converts a CSV cell to the JSON value of a schema type (see the module docs).
pub fn convert(cell: &str, kind: Option<&FieldKind>) -> Value {
    let text = || Value::String(cell.to_string());
    let t = cell.trim();
    match kind {
        Some(FieldKind::Int) => t.parse::<i64>().map_or_else(|_| text(), Value::from),
        Some(FieldKind::Float) => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(text, Value::Number),
        Some(FieldKind::Bool) => parse_bool(t).map_or_else(text, Value::Bool),
        Some(FieldKind::List(item)) => {
            if t.starts_with('[') {
                if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(t) {
                    return Value::Array(items.into_iter().map(|v| json_item(v, item)).collect());
                }
            }
            if matches!(item.as_ref(), FieldKind::Object(_)) {
                return text();
            }
            Value::Array(
                cell.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| convert(s, Some(item)))
                    .collect(),
            )
        }
        Some(FieldKind::Object(_)) if t.starts_with('{') => {
            serde_json::from_str::<Value>(t).unwrap_or_else(|_| text())
        }
        _ => text(),
    }
}

/// A list item read from JSON: text standing for a number or boolean (`["1","2"]`, as some
/// exports write) is converted like a cell; everything else stays as it is.
fn json_item(v: Value, kind: &FieldKind) -> Value {
    match (&v, kind) {
        (Value::String(s), FieldKind::Int | FieldKind::Float | FieldKind::Bool) => {
            convert(s, Some(kind))
        }
        _ => v,
    }
}

/// `true/yes/y/1` and `false/no/n/0`, any case.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Reads a dotted path (`interview.agent_present`, or a top-level key containing dots)
/// from a JSON object.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = value.get(path) {
        return Some(v);
    }
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools_and_lookup() {
        assert_eq!(parse_bool(" Yes"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        let v = serde_json::json!({"a": {"b": 1}, "c.d": 2});
        assert_eq!(lookup(&v, "a.b"), Some(&Value::from(1)));
        assert_eq!(lookup(&v, "c.d"), Some(&Value::from(2)));
        assert_eq!(lookup(&v, "a.x"), None);
    }

    #[test]
    fn cells_convert_by_kind() {
        assert_eq!(convert("42", Some(&FieldKind::Int)), Value::from(42));
        assert_eq!(convert("4x", Some(&FieldKind::Int)), Value::from("4x"));
        assert_eq!(convert("1.5", Some(&FieldKind::Float)), Value::from(1.5));
        assert_eq!(convert("no", Some(&FieldKind::Bool)), Value::from(false));
        let list = FieldKind::List(Box::new(FieldKind::String));
        assert_eq!(
            convert("KH; MM", Some(&list)),
            serde_json::json!(["KH", "MM"])
        );
        assert_eq!(convert("x", None), Value::from("x"));
    }

    #[test]
    fn nested_insert() {
        let mut m = Map::new();
        insert(&mut m, &["a".into(), "b".into()], Value::from(1));
        insert(&mut m, &["a".into(), "c".into()], Value::from(2));
        assert_eq!(Value::Object(m), serde_json::json!({"a": {"b": 1, "c": 2}}));
    }

    mod round_trip {
        use super::*;
        use crate::records_csv::{columns, RecordWriter};
        use proptest::prelude::*;
        use serde_json::json;

        const SCHEMA: &str = r#"
[field.name]
type = "string"
required = true
[field.n]
type = "int"
[field.x]
type = "float"
[field.ok]
type = "bool"
required = true
[field.kind]
type = "enum"
values = ["a", "b", "c"]
required = true
[field.tags]
type = "list"
items = "enum"
values = ["p", "q", "r"]
[field.words]
type = "list"
items = "string"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
required = true
[field.legs.hops]
type = "int"
[field.box]
type = "object"
[field.box.inner]
type = "bool"
required = true
[field.box.note]
type = "string"
"#;

        const PACK: &str = "[pack]\nid = \"t\"\nversion = \"1\"\ntitle = \"t\"\nschema = \"schema.toml\"\n[outcomes]\nreview = 1\nrefer = 2\n[[rule]]\nid = \"r\"\ntitle = \"r\"\nweight = 1\nwhen = \"ok\"\nreason = \"r\"\nreferences = [\"t\"]\n";

        /// Text a cell can carry: anything but `\r` (line breaks in quoted cells are read as
        /// `\n`), not empty (an empty cell is an absent field).
        fn text() -> impl Strategy<Value = String> {
            "[^\r]{1,12}"
        }

        fn record() -> impl Strategy<Value = Value> {
            (
                text(),
                proptest::option::of(any::<i64>()),
                proptest::option::of(-1.0e12f64..1.0e12),
                any::<bool>(),
                prop_oneof![Just("a"), Just("b"), Just("c")],
                proptest::option::of(proptest::sample::subsequence(vec!["p", "q", "r"], 0..=3)),
                proptest::option::of(proptest::collection::vec("[^\r]{0,6}", 0..3)),
                proptest::option::of(proptest::collection::vec(
                    (text(), proptest::option::of(0i64..9)),
                    0..3,
                )),
                proptest::option::of((any::<bool>(), proptest::option::of(text()))),
            )
                .prop_map(|(name, n, x, ok, kind, tags, words, legs, bx)| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(name));
                    if let Some(n) = n {
                        m.insert("n".into(), json!(n));
                    }
                    if let Some(x) = x {
                        m.insert("x".into(), json!(x));
                    }
                    m.insert("ok".into(), json!(ok));
                    m.insert("kind".into(), json!(kind));
                    if let Some(t) = tags {
                        m.insert("tags".into(), json!(t));
                    }
                    if let Some(w) = words {
                        m.insert("words".into(), json!(w));
                    }
                    if let Some(legs) = legs {
                        let items: Vec<Value> = legs
                            .into_iter()
                            .map(|(c, h)| match h {
                                Some(h) => json!({"country": c, "hops": h}),
                                None => json!({"country": c}),
                            })
                            .collect();
                        m.insert("legs".into(), Value::Array(items));
                    }
                    if let Some((inner, note)) = bx {
                        let mut b = Map::new();
                        b.insert("inner".into(), json!(inner));
                        if let Some(note) = note {
                            b.insert("note".into(), json!(note));
                        }
                        m.insert("box".into(), Value::Object(b));
                    }
                    Value::Object(m)
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// What the CSV writer writes, the reader reads back as the same records.
            #[test]
            fn csv_written_records_read_back(records in proptest::collection::vec(record(), 1..12)) {
                let schema = saring::Pack::from_toml_str(PACK, SCHEMA).expect("pack").schema;
                let cols = columns(&schema, &[], &[]);
                let mut bytes = Vec::new();
                let mut w = RecordWriter::new(&mut bytes, &cols).expect("writer");
                for r in &records {
                    w.write(r).expect("row");
                }
                w.finish().expect("flush");
                let dir = tempfile::tempdir().expect("dir");
                let path = dir.path().join("r.csv");
                std::fs::write(&path, &bytes).expect("write");
                let rows: Vec<Row> = open(&path, None, &schema)
                    .expect("open")
                    .map(|r| r.expect("row"))
                    .collect();
                prop_assert_eq!(rows.len(), records.len());
                for (row, want) in rows.iter().zip(&records) {
                    let got = row.to_value().expect("value");
                    prop_assert_eq!(&got, want, "csv:\n{}", String::from_utf8_lossy(&bytes));
                }
            }
        }
    }
}

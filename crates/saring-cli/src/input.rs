//! Input readers: JSONL, CSV and JSON arrays (files or stdin), yielding numbered rows.
//!
//! Row numbers are 1-based. For JSONL the row number is the line number (blank lines are
//! skipped and produce no output); for CSV it is the data record number (the header row is
//! not counted); for a JSON array it is the element's position.
//!
//! CSV: the header row names dotted field paths (`interview.agent_present`); an empty cell
//! is an absent field; cells are converted with the pack schema: `bool` accepts
//! `true/false/yes/no/y/n/1/0` (any case), `int` and `float` are parsed, `date`,
//! `timestamp`, `string` and `enum` stay text, and a `list` cell holds items separated by
//! `;` (each converted to the item type). A cell that does not convert is passed on as
//! text, so the record decoder reports a type error naming the field. Columns the schema
//! does not declare stay text (labels and group columns of `backtest`). Lists of objects
//! cannot be written in CSV: use JSONL.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use clap::ValueEnum;
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

/// Longest JSONL line kept: a record at the size limit, and its line end (`\r\n`). Longer
/// lines are skipped without being buffered and reported as `record.too_large`.
const MAX_LINE_BYTES: usize = saring::limits::MAX_RECORD_BYTES + 2;

struct JsonLines<R> {
    reader: R,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = anyhow::Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match crate::lines::read_line(&mut self.reader, &mut self.buf, MAX_LINE_BYTES) {
                Ok(crate::lines::Line::End) => self.done = true,
                Ok(crate::lines::Line::TooLong(bytes)) => {
                    self.line += 1;
                    return Some(Ok(Row {
                        row: self.line,
                        data: Data::Bad(RecordError::new(
                            "record.too_large",
                            None,
                            format!(
                                "line is {bytes} bytes, more than the limit of {}",
                                saring::limits::MAX_RECORD_BYTES
                            ),
                        )),
                    }));
                }
                Ok(crate::lines::Line::Read) => {
                    self.line += 1;
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
    reader: impl Read + Send + 'static,
    schema: &Schema,
) -> anyhow::Result<impl Iterator<Item = anyhow::Result<Row>> + Send> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| crate::exit::usage(format!("error: cannot read the CSV header: {e}")))?
        .clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    for (i, a) in names.iter().enumerate() {
        if names[..i].contains(a) {
            return Err(crate::exit::usage(format!(
                "error: CSV column `{a}` appears twice"
            )));
        }
        if let Some(b) = names.iter().find(|b| b.starts_with(&format!("{a}."))) {
            return Err(crate::exit::usage(format!(
                "error: CSV columns `{a}` and `{b}` conflict: `{a}` cannot be both a value and an object"
            )));
        }
    }
    let columns: Vec<Column> = names
        .iter()
        .map(|n| Column {
            segments: n.split('.').map(str::to_string).collect(),
            kind: schema.field(n).map(|f| f.kind.clone()),
        })
        .collect();
    let mut row = 0u64;
    let mut record = csv::StringRecord::new();
    Ok(std::iter::from_fn(move || {
        row += 1;
        match csv.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => Some(Ok(Row {
                row,
                data: csv_record(&record, &columns),
            })),
            Err(e) => match e.kind() {
                csv::ErrorKind::Utf8 { .. } => Some(Ok(Row {
                    row,
                    data: Data::Bad(RecordError::new(
                        "record.syntax",
                        None,
                        format!("row is not valid UTF-8: {e}"),
                    )),
                })),
                _ => Some(Err(anyhow::Error::new(e).context("reading CSV input"))),
            },
        }
    }))
}

fn csv_record(record: &csv::StringRecord, columns: &[Column]) -> Data {
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
        Some(FieldKind::List(item)) => Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| convert(s, Some(item)))
                .collect(),
        ),
        _ => text(),
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
}

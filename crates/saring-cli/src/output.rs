//! Writing screening results: JSONL, flattened CSV, or an aligned table.
//!
//! - `jsonl`: one line per input row, the decision JSON with a leading `"row": N` member
//!   (`{"row":1,"record":"SYN-1","outcome":"refer","score":70,"hits":[...],...}`); a bad row is
//!   `{"row":N,"record":"SYN-1","error":{"code":"record.type_mismatch","path":"age","message":"..."}}`
//!   (`record` when the pack names a `record_id` and the id can be read from the row).
//! - `csv`: `row,outcome,score,hits,shadow_hits,incomplete,error` with rule ids joined by
//!   `;` and the error as `code: message`; with a `record_id`, a `record` column after `row`.
//! - `table`: fixed-width columns for a terminal (with a `RECORD` column likewise).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use clap::ValueEnum;
use saring::{Decision, RecordError};

/// Output formats of `screen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per row.
    Jsonl,
    /// Flattened CSV.
    Csv,
    /// Aligned human table.
    Table,
}

/// Opens `-o FILE`, or stdout.
pub fn open(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) if p.as_os_str() != "-" => {
            Box::new(BufWriter::new(File::create(p).map_err(|e| {
                crate::exit::usage(format!("error: cannot write `{}`: {e}", p.display()))
            })?))
        }
        _ => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

/// The JSONL line of one result (without the newline); a bad row carries `record` (the id
/// read from the raw row) when given. A decision carries its own.
pub fn jsonl(row: u64, record: Option<&str>, result: &Result<Decision, RecordError>) -> String {
    if let (Err(e), Some(id)) = (result, record) {
        let err = serde_json::to_string(e).unwrap_or_else(|_| "{}".to_string());
        let id = serde_json::Value::String(id.to_string());
        return format!("{{\"row\":{row},\"record\":{id},\"error\":{err}}}");
    }
    match result {
        Ok(d) => {
            let json = d.to_json();
            match json.strip_prefix('{') {
                Some(rest) if rest != "}" => format!("{{\"row\":{row},{rest}"),
                _ => format!("{{\"row\":{row}}}"),
            }
        }
        Err(e) => {
            let err = serde_json::to_string(e).unwrap_or_else(|_| "{}".to_string());
            format!("{{\"row\":{row},\"error\":{err}}}")
        }
    }
}

/// The record-id cell of a table row (empty when the table has no such column).
fn record_cell(column: bool, id: Option<&str>) -> String {
    if column {
        format!("{:<14}  ", id.unwrap_or("-"))
    } else {
        String::new()
    }
}

/// Rule ids joined by `;`.
pub fn ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.collect::<Vec<_>>().join(";")
}

/// `code: message (at path)`.
pub fn error_text(e: &RecordError) -> String {
    match &e.path {
        Some(p) => format!("{}: {} (at `{p}`)", e.code, e.message),
        None => format!("{}: {}", e.code, e.message),
    }
}

/// Writes results in one format.
pub struct Writer {
    format: Format,
    out: Option<Box<dyn Write>>,
    csv: Option<csv::Writer<Box<dyn Write>>>,
    /// Whether CSV and table output have a record-id column.
    record_column: bool,
}

impl Writer {
    /// A writer of `format` into `out`; writes the CSV or table header. CSV and table output
    /// have a record-id column when `record_column`.
    pub fn new(
        format: Format,
        mut out: Box<dyn Write>,
        record_column: bool,
    ) -> anyhow::Result<Writer> {
        match format {
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                let mut header = vec!["row"];
                if record_column {
                    header.push("record");
                }
                header.extend([
                    "outcome",
                    "score",
                    "hits",
                    "shadow_hits",
                    "incomplete",
                    "error",
                ]);
                csv.write_record(&header)?;
                Ok(Writer {
                    format,
                    out: None,
                    csv: Some(csv),
                    record_column,
                })
            }
            Format::Table => {
                if record_column {
                    writeln!(
                        out,
                        "{:>7}  {:<14}  {:<7}  {:>5}  HITS",
                        "ROW", "RECORD", "OUTCOME", "SCORE"
                    )?;
                } else {
                    writeln!(out, "{:>7}  {:<7}  {:>5}  HITS", "ROW", "OUTCOME", "SCORE")?;
                }
                Ok(Writer {
                    format,
                    out: Some(out),
                    csv: None,
                    record_column,
                })
            }
            Format::Jsonl => Ok(Writer {
                format,
                out: Some(out),
                csv: None,
                record_column,
            }),
        }
    }

    /// Writes one result; `record` is the id of a bad row, read from its raw input.
    pub fn write(
        &mut self,
        row: u64,
        record: Option<&str>,
        result: &Result<Decision, RecordError>,
    ) -> anyhow::Result<()> {
        let id = match result {
            Ok(d) => d.record_id(),
            Err(_) => record,
        };
        if let Some(csv) = &mut self.csv {
            let mut cells: Vec<String> = match result {
                Ok(d) => [
                    row.to_string(),
                    d.outcome.as_str().to_string(),
                    d.score.to_string(),
                    ids(d.hits.iter().map(|h| h.rule.as_str())),
                    ids(d.shadow_hits.iter().map(|h| h.rule.as_str())),
                    ids(d.incomplete.iter().map(|i| i.rule.as_str())),
                    String::new(),
                ]
                .into(),
                Err(e) => [
                    row.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    error_text(e),
                ]
                .into(),
            };
            if self.record_column {
                cells.insert(1, id.unwrap_or_default().to_string());
            }
            csv.write_record(&cells)?;
            return Ok(());
        }
        let Some(out) = &mut self.out else {
            return Ok(());
        };
        match self.format {
            Format::Table => match result {
                Ok(d) => {
                    let mut hits = d
                        .hits
                        .iter()
                        .map(|h| format!("{} (+{})", h.rule, h.weight))
                        .collect::<Vec<_>>()
                        .join(", ");
                    if !d.shadow_hits.is_empty() {
                        hits.push_str(&format!(
                            "  [shadow: {}]",
                            ids(d.shadow_hits.iter().map(|h| h.rule.as_str())).replace(';', ", ")
                        ));
                    }
                    if !d.incomplete.is_empty() {
                        hits.push_str(&format!(
                            "  [incomplete: {}]",
                            ids(d.incomplete.iter().map(|i| i.rule.as_str())).replace(';', ", ")
                        ));
                    }
                    let line = format!(
                        "{row:>7}  {}{:<7}  {:>5}  {}",
                        record_cell(self.record_column, id),
                        d.outcome.as_str(),
                        d.score,
                        hits.trim_start()
                    );
                    writeln!(out, "{}", line.trim_end())?;
                }
                Err(e) => writeln!(
                    out,
                    "{row:>7}  {}{:<7}  {:>5}  {}",
                    record_cell(self.record_column, id),
                    "ERROR",
                    "",
                    error_text(e)
                )?,
            },
            _ => writeln!(out, "{}", jsonl(row, record, result))?,
        }
        Ok(())
    }

    /// Flushes everything.
    pub fn finish(self) -> anyhow::Result<()> {
        if let Some(mut csv) = self.csv {
            csv.flush()?;
        }
        if let Some(mut out) = self.out {
            out.flush()?;
        }
        Ok(())
    }
}

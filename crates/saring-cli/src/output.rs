//! Writing screening results: JSONL, flattened CSV, or an aligned table.
//!
//! - `jsonl`: one line per input row, the decision JSON with a leading `"row": N` member
//!   (`{"row":1,"record":"SYN-1","outcome":"refer","score":70,"hits":[...],...}`); a bad row is
//!   `{"row":N,"record":"SYN-1","error":{"code":"record.syntax","message":"..."}}`
//!   (`record` when the pack names a `record_id` and the id can be read from the row).
//! - `csv`: `row,outcome,score,max_score,hits,shadow_hits,incomplete,error` with rule ids
//!   joined by `;` and the error as `code: message`; with a `record_id`, a `record` column
//!   after `row`.
//! - `table`: fixed-width columns for a terminal (with a `RECORD` column likewise); `MAX`
//!   shows `max_score` where missing data could raise the score, and `incomplete` ("needs
//!   data") rows list what to ask.
//!
//! `screen` writes through a [`LineSink`]: the lines of a chunk of rows are kept in memory
//! and appended to the file in one write when the chunk is done, so the file only ever
//! grows by whole lines (a reader never sees half a decision), and it is synced to disk at
//! the end. [`prepare_resume`] finds where an interrupted run stopped.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use clap::ValueEnum;
use saring::{Decision, Outcome, RecordError};

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

/// Output that reaches its target in whole lines: what is written is kept until
/// [`Write::flush`], which appends every complete line at once (a trailing partial line
/// waits for its end); [`LineSink::finish`] writes the rest and syncs a file to disk.
pub struct LineSink {
    pending: Vec<u8>,
    target: Target,
}

enum Target {
    Stdout(std::io::Stdout),
    File(File),
}

impl LineSink {
    /// `-o FILE` (created, or appended to when `append`), or stdout for `None` and `-`.
    pub fn open(path: Option<&Path>, append: bool) -> anyhow::Result<LineSink> {
        let target = match path {
            Some(p) if p.as_os_str() != "-" => {
                let mut options = OpenOptions::new();
                if append {
                    options.append(true).create(true);
                } else {
                    options.write(true).create(true).truncate(true);
                }
                Target::File(options.open(p).map_err(|e| {
                    crate::exit::usage(format!("error: cannot write `{}`: {e}", p.display()))
                })?)
            }
            _ => Target::Stdout(std::io::stdout()),
        };
        Ok(LineSink {
            pending: Vec::with_capacity(1 << 16),
            target,
        })
    }

    fn target(&mut self) -> &mut dyn Write {
        match &mut self.target {
            Target::Stdout(out) => out,
            Target::File(file) => file,
        }
    }

    /// Writes everything (a last line without a newline too), flushes, and syncs a file.
    pub fn finish(&mut self) -> std::io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let target = self.target();
        target.write_all(&pending)?;
        target.flush()?;
        // Only a regular file can be synced (`-o /dev/null` or a pipe cannot: EINVAL).
        if let Target::File(file) = &self.target {
            if file.metadata().is_ok_and(|m| m.is_file()) {
                file.sync_all()?;
            }
        }
        Ok(())
    }
}

impl Write for LineSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        let rest = self.pending.split_off(last + 1);
        let lines = std::mem::replace(&mut self.pending, rest);
        let target = self.target();
        target.write_all(&lines)?;
        target.flush()
    }
}

/// Prepares `-o FILE` for `--resume`: drops a partial last line (a run killed mid-write)
/// and returns the row number of the last whole line, `None` when the file is missing or
/// empty. Fails when that line is not a `screen` JSONL result.
pub fn prepare_resume(path: &Path) -> anyhow::Result<Option<u64>> {
    let cannot = |e: std::io::Error| {
        crate::exit::usage(format!("error: cannot resume `{}`: {e}", path.display()))
    };
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let len = file.metadata().map_err(cannot)?.len();
    // The last two newlines, read backwards in blocks: the file may be large.
    let mut newlines = Vec::new();
    let mut end = len;
    let mut block = vec![0u8; 1 << 16];
    while end > 0 && newlines.len() < 2 {
        let start = end.saturating_sub(block.len() as u64);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start)).map_err(cannot)?;
        file.read_exact(&mut block[..n]).map_err(cannot)?;
        for i in (0..n).rev() {
            if block[i] == b'\n' && newlines.len() < 2 {
                newlines.push(start + i as u64);
            }
        }
        end = start;
    }
    let Some(&last) = newlines.first() else {
        file.set_len(0).map_err(cannot)?;
        return Ok(None);
    };
    if last + 1 < len {
        file.set_len(last + 1).map_err(cannot)?;
    }
    let line_start = newlines.get(1).map_or(0, |nl| nl + 1);
    let mut line = vec![0u8; (last - line_start) as usize];
    file.seek(SeekFrom::Start(line_start)).map_err(cannot)?;
    file.read_exact(&mut line).map_err(cannot)?;
    let row = serde_json::from_slice::<serde_json::Value>(&line)
        .ok()
        .and_then(|v| v.get("row").and_then(serde_json::Value::as_u64));
    match row {
        Some(row) => Ok(Some(row)),
        None => Err(crate::exit::usage(format!(
            "error: cannot resume `{}`: its last line is not a `saring screen` JSONL result",
            path.display()
        ))),
    }
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
    out: Option<LineSink>,
    csv: Option<csv::Writer<LineSink>>,
    /// Whether CSV and table output have a record-id column.
    record_column: bool,
}

impl Writer {
    /// A writer of `format` into `out`; writes the CSV or table header (unless `resumed`).
    /// CSV and table output have a record-id column when `record_column`.
    pub fn new(
        format: Format,
        mut out: LineSink,
        resumed: bool,
        record_column: bool,
    ) -> anyhow::Result<Writer> {
        match format {
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                if resumed {
                    return Ok(Writer {
                        format,
                        out: None,
                        csv: Some(csv),
                        record_column,
                    });
                }
                let mut header = vec!["row"];
                if record_column {
                    header.push("record");
                }
                header.extend([
                    "outcome",
                    "score",
                    "max_score",
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
                if resumed {
                    // the header is already in the file
                } else if record_column {
                    writeln!(
                        out,
                        "{:>7}  {:<14}  {:<10}  {:>5}  {:>5}  HITS",
                        "ROW", "RECORD", "OUTCOME", "SCORE", "MAX"
                    )?;
                } else {
                    writeln!(
                        out,
                        "{:>7}  {:<10}  {:>5}  {:>5}  HITS",
                        "ROW", "OUTCOME", "SCORE", "MAX"
                    )?;
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
                    d.max_score.to_string(),
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
                    if d.outcome == Outcome::Incomplete {
                        let asked: Vec<String> =
                            d.questions.iter().flat_map(|q| q.fields.clone()).collect();
                        hits.push_str(&format!("  [needs data: {}]", asked.join(", ")));
                    }
                    let max = if d.max_score == d.score {
                        String::new()
                    } else {
                        d.max_score.to_string()
                    };
                    let line = format!(
                        "{row:>7}  {}{:<10}  {:>5}  {max:>5}  {}",
                        record_cell(self.record_column, id),
                        d.outcome.as_str(),
                        d.score,
                        hits.trim_start()
                    );
                    writeln!(out, "{}", line.trim_end())?;
                }
                Err(e) => writeln!(
                    out,
                    "{row:>7}  {}{:<10}  {:>5}  {:>5}  {}",
                    record_cell(self.record_column, id),
                    "ERROR",
                    "",
                    "",
                    error_text(e)
                )?,
            },
            _ => writeln!(out, "{}", jsonl(row, record, result))?,
        }
        Ok(())
    }

    /// Ends a chunk of rows: its lines reach the output, whole.
    pub fn end_chunk(&mut self) -> anyhow::Result<()> {
        if let Some(csv) = &mut self.csv {
            csv.flush()?;
        }
        if let Some(out) = &mut self.out {
            out.flush()?;
        }
        Ok(())
    }

    /// Writes everything and syncs a file to disk.
    pub fn finish(self) -> anyhow::Result<()> {
        if let Some(csv) = self.csv {
            let mut sink = csv
                .into_inner()
                .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
            sink.finish()?;
        }
        if let Some(mut out) = self.out {
            out.finish()?;
        }
        Ok(())
    }
}

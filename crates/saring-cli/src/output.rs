//! Writing screening results: JSONL, flattened CSV, or an aligned table.
//!
//! - `jsonl`: one line per input row, the decision JSON with a leading `"row": N` member
//!   (`{"row":1,"outcome":"refer","score":70,"hits":[...],...}`); a bad row is
//!   `{"row":N,"error":{"code":"record.type_mismatch","path":"age","message":"..."}}`.
//! - `csv`: `row,outcome,score,max_score,hits,shadow_hits,incomplete,error` with rule ids
//!   joined by `;` and the error as `code: message`.
//! - `table`: fixed-width columns for a terminal; `MAX` shows `max_score` where missing data
//!   could raise the score, and `incomplete` ("needs data") rows list what to ask.

use std::fs::File;
use std::io::{BufWriter, Write};
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

/// The JSONL line of one result (without the newline).
pub fn jsonl(row: u64, result: &Result<Decision, RecordError>) -> String {
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
}

impl Writer {
    /// A writer of `format` into `out`; writes the CSV or table header.
    pub fn new(format: Format, mut out: Box<dyn Write>) -> anyhow::Result<Writer> {
        match format {
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record([
                    "row",
                    "outcome",
                    "score",
                    "max_score",
                    "hits",
                    "shadow_hits",
                    "incomplete",
                    "error",
                ])?;
                Ok(Writer {
                    format,
                    out: None,
                    csv: Some(csv),
                })
            }
            Format::Table => {
                writeln!(
                    out,
                    "{:>7}  {:<10}  {:>5}  {:>5}  HITS",
                    "ROW", "OUTCOME", "SCORE", "MAX"
                )?;
                Ok(Writer {
                    format,
                    out: Some(out),
                    csv: None,
                })
            }
            Format::Jsonl => Ok(Writer {
                format,
                out: Some(out),
                csv: None,
            }),
        }
    }

    /// Writes one result.
    pub fn write(
        &mut self,
        row: u64,
        result: &Result<Decision, RecordError>,
    ) -> anyhow::Result<()> {
        if let Some(csv) = &mut self.csv {
            let record: [String; 8] = match result {
                Ok(d) => [
                    row.to_string(),
                    d.outcome.as_str().to_string(),
                    d.score.to_string(),
                    d.max_score.to_string(),
                    ids(d.hits.iter().map(|h| h.rule.as_str())),
                    ids(d.shadow_hits.iter().map(|h| h.rule.as_str())),
                    ids(d.incomplete.iter().map(|i| i.rule.as_str())),
                    String::new(),
                ],
                Err(e) => [
                    row.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    error_text(e),
                ],
            };
            csv.write_record(&record)?;
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
                        "{row:>7}  {:<10}  {:>5}  {max:>5}  {}",
                        d.outcome.as_str(),
                        d.score,
                        hits.trim_start()
                    );
                    writeln!(out, "{}", line.trim_end())?;
                }
                Err(e) => writeln!(
                    out,
                    "{row:>7}  {:<10}  {:>5}  {:>5}  {}",
                    "ERROR",
                    "",
                    "",
                    error_text(e)
                )?,
            },
            _ => writeln!(out, "{}", jsonl(row, result))?,
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

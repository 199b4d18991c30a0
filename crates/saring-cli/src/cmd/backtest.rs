//! `saring backtest`: screen labelled records and compute [`saring::backtest`] metrics.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use rayon::prelude::*;
use saring::backtest::{Backtest, BacktestConfig};
use saring::RecordError;
use serde_json::Value;

use crate::exit::{Code, BAD_ROWS, OK};
use crate::input::{self, lookup, parse_bool};
use crate::{batch, html, output, packs, report};

/// Output formats of `backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// The report as JSON.
    Json,
    /// A self-contained HTML page with charts.
    Html,
}

/// Arguments of `saring backtest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack file or directory (default: rules/id-pmi/departure.toml, else rules/demo).
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    #[command(flatten)]
    trust: packs::TrustArgs,
    /// Labelled records: .jsonl, .csv, .json (array) or `-`.
    data: PathBuf,
    /// Column (dotted path) holding the label: true/false, 1/0 or yes/no.
    #[arg(long)]
    label: String,
    /// Monitored columns to report flag rates by (comma-separated dotted paths). `COL:W`
    /// groups a numeric column into bands of width W (`age:10` → `30-39`).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Groups with fewer records are reported but left out of the four-fifths comparison.
    #[arg(long, default_value_t = 30)]
    min_group: u64,
    /// Input format (default: from the extension, else sniffed).
    #[arg(long, value_enum)]
    input_format: Option<input::Format>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: Format,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// A `--by` column: its path and optional numeric band width.
#[derive(Debug, Clone)]
struct By {
    name: String,
    path: String,
    band: Option<f64>,
}

fn parse_by(spec: &str) -> anyhow::Result<By> {
    match spec.rsplit_once(':') {
        Some((path, w)) => {
            let band: f64 = w.parse().ok().filter(|w: &f64| *w > 0.0).ok_or_else(|| {
                crate::exit::usage(format!("error: `--by {spec}`: band width must be > 0"))
            })?;
            Ok(By {
                name: spec.to_string(),
                path: path.to_string(),
                band: Some(band),
            })
        }
        None => Ok(By {
            name: spec.to_string(),
            path: spec.to_string(),
            band: None,
        }),
    }
}

/// The group value of a row for one `--by` column; `(missing)` when absent.
fn group_value(row: &Value, by: &By) -> String {
    match (lookup(row, &by.path), by.band) {
        (None | Some(Value::Null), _) => "(missing)".to_string(),
        (Some(v), Some(w)) => match v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()) {
            Some(x) => {
                let lo = (x / w).floor() * w;
                let hi = lo + w;
                if w.fract() == 0.0 {
                    format!("{}-{}", lo as i64, hi as i64 - 1)
                } else {
                    format!("{lo}-{hi}")
                }
            }
            None => "(missing)".to_string(),
        },
        (Some(Value::String(s)), None) => s.clone(),
        (Some(v), None) => v.to_string(),
    }
}

/// The label of a row.
fn label_of(row: &Value, column: &str) -> Result<bool, RecordError> {
    let bad = |why: &str| {
        Err(RecordError::new(
            "record.label",
            Some(column.to_string()),
            format!("label `{column}` {why}"),
        ))
    };
    match lookup(row, column) {
        None | Some(Value::Null) => bad("is missing"),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) => match n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f == 0.0 || *f == 1.0)
                .map(|f| f as u64)
        }) {
            Some(1) => Ok(true),
            Some(0) => Ok(false),
            _ => bad("must be 0 or 1"),
        },
        Some(Value::String(s)) => {
            parse_bool(s).map_or_else(|| bad("is not true/false, 1/0 or yes/no"), Ok)
        }
        Some(_) => bad("must be a boolean, 0/1 or yes/no"),
    }
}

/// Back-tests; exit 0, or 3 when some rows could not be screened or labelled.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let engine = packs::load_engine_with(args.pack.as_deref(), &args.trust)?;
    let pool = batch::pool(args.threads)?;
    let by: Vec<By> = args
        .by
        .iter()
        .map(|s| parse_by(s))
        .collect::<anyhow::Result<_>>()?;
    let input = input::open(&args.data, args.input_format, engine.schema())?;
    let mut bt =
        Backtest::new(BacktestConfig::from_pack(engine.pack())).min_group_size(args.min_group);
    let mut reported = 0usize;
    batch::for_each_chunk(input, |rows| {
        let results: Vec<_> = pool.install(|| {
            rows.par_iter()
                .map(|row| {
                    let value = row.to_value()?;
                    let label = label_of(&value, &args.label)?;
                    let groups: Vec<(String, String)> = by
                        .iter()
                        .map(|b| (b.name.clone(), group_value(&value, b)))
                        .collect();
                    let decision = engine.screen_value(&value)?;
                    Ok::<_, RecordError>((decision, label, groups))
                })
                .collect()
        });
        for (row, result) in rows.iter().zip(results) {
            match result {
                Ok((decision, label, groups)) => bt.add(&decision, label, &groups),
                Err(e) => {
                    bt.add_error();
                    if reported < 10 {
                        eprintln!("row {}: {}", row.row, output::error_text(&e));
                    }
                    reported += 1;
                }
            }
        }
        Ok(())
    })?;
    if reported > 10 {
        eprintln!("... and {} more bad rows", reported - 10);
    }
    let r = bt.finish();
    let text = match args.format {
        Format::Table => report::backtest(&r),
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&r)?),
        Format::Html => html::backtest(&r),
    };
    let mut out = output::open(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if r.errors > 0 { BAD_ROWS } else { OK })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels() {
        let row =
            json!({"a": true, "b": 0, "f": 1.0, "c": "yes", "d": "maybe", "e": 2, "n": {"l": "N"}});
        assert_eq!(label_of(&row, "a"), Ok(true));
        assert_eq!(label_of(&row, "b"), Ok(false));
        assert_eq!(label_of(&row, "f"), Ok(true));
        assert_eq!(label_of(&row, "c"), Ok(true));
        assert_eq!(label_of(&row, "n.l"), Ok(false));
        assert_eq!(label_of(&row, "d").map_err(|e| e.code), Err("record.label"));
        assert_eq!(label_of(&row, "e").map_err(|e| e.code), Err("record.label"));
        assert_eq!(
            label_of(&row, "zz").map_err(|e| e.message),
            Err("label `zz` is missing".to_string())
        );
    }

    #[test]
    fn groups_and_bands() {
        let row = json!({"sex": "F", "age": 34, "x": true, "s": "41"});
        let by = |s: &str| {
            parse_by(s)
                .map(|b| group_value(&row, &b))
                .unwrap_or_default()
        };
        assert_eq!(by("sex"), "F");
        assert_eq!(by("age:10"), "30-39");
        assert_eq!(by("s:10"), "40-49");
        assert_eq!(by("x"), "true");
        assert_eq!(by("nope"), "(missing)");
        assert!(parse_by("age:0").is_err());
    }
}

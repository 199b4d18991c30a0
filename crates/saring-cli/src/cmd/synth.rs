//! `saring synth`: deterministic labelled synthetic records (see [`crate::synth`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{Map, Value};

use crate::exit::{Code, OK};
use crate::output;
use crate::synth::{generate, Stage, SynthOptions, MODEL_DOC};

/// The record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    /// Passport applications (`passport.toml`).
    Passport,
    /// Departure checks (`departure.toml`).
    Departure,
}

/// Output formats of `synth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line (streams).
    Jsonl,
    /// CSV with dotted column names (lists joined by `;`); buffers the records to collect
    /// the columns.
    Csv,
}

/// Arguments of `saring synth`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = MODEL_DOC)]
pub struct Args {
    /// The pack family the records are for: `rules/id-pmi`, or one of its pack files (whose
    /// name, `passport.toml` or `departure.toml`, then sets the stage).
    #[arg(long, default_value = "rules/id-pmi")]
    pack: PathBuf,
    /// Number of records.
    #[arg(long, short = 'n', default_value_t = 1000)]
    n: usize,
    /// Seed: the same seed gives the same records.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Record type (default: from `--pack`, else departure).
    #[arg(long, value_enum)]
    stage: Option<StageArg>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "jsonl")]
    format: Format,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

fn stage_of(pack: &Path, stage: Option<StageArg>) -> Stage {
    match stage {
        Some(StageArg::Passport) => Stage::Passport,
        Some(StageArg::Departure) => Stage::Departure,
        None if pack.file_stem().is_some_and(|s| s == "passport") => Stage::Passport,
        None => Stage::Departure,
    }
}

/// Writes the records.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let options = SynthOptions {
        n: args.n,
        seed: args.seed,
        stage: stage_of(&args.pack, args.stage),
    };
    let mut out = output::open(args.output.as_deref())?;
    match args.format {
        Format::Jsonl => {
            for record in generate(&options) {
                serde_json::to_writer(&mut out, &record)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let rows: Vec<Map<String, Value>> = generate(&options)
                .map(|r| {
                    let mut flat = Map::new();
                    flatten("", &r, &mut flat);
                    flat
                })
                .collect();
            let mut columns: Vec<String> = Vec::new();
            for row in &rows {
                for key in row.keys() {
                    if !columns.contains(key) {
                        columns.push(key.clone());
                    }
                }
            }
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(&columns)?;
            for row in &rows {
                csv.write_record(
                    columns
                        .iter()
                        .map(|c| row.get(c).map(cell).unwrap_or_default()),
                )?;
            }
            csv.flush()?;
            return Ok(OK);
        }
    }
    out.flush()?;
    Ok(OK)
}

/// Flattens nested objects into dotted keys; lists stay values.
fn flatten(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// A CSV cell: text as is, lists joined by `;`, null empty.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattening_and_cells() {
        let mut m = Map::new();
        flatten(
            "",
            &json!({"a": {"b": 1, "c": ["x", "y"]}, "d": null}),
            &mut m,
        );
        assert_eq!(
            Value::Object(m.clone()),
            json!({"a.b": 1, "a.c": ["x", "y"], "d": null})
        );
        assert_eq!(cell(&m["a.c"]), "x;y");
        assert_eq!(cell(&m["d"]), "");
        assert_eq!(
            stage_of(Path::new("rules/id-pmi/passport.toml"), None),
            Stage::Passport
        );
        assert_eq!(stage_of(Path::new("rules/id-pmi"), None), Stage::Departure);
    }
}

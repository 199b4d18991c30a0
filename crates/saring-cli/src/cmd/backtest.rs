//! `saring backtest`: screen labelled records and compute [`saring::backtest`] metrics.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use rayon::prelude::*;
use saring::backtest::{
    Backtest, BacktestConfig, BacktestReport, DEFAULT_MIN_GROUP, DEFAULT_SAMPLES, DEFAULT_TOLERANCE,
};
use saring::{Decision, DecodeOptions, Engine, RecordError};
use serde_json::Value;

use crate::exit::{Code, BAD_ROWS, FINDINGS, OK};
use crate::grouping::{self, Groupings};
use crate::input::{self, lookup, parse_bool, Row};
use crate::runinfo::RunInfo;
use crate::summary::Summary;
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
    /// Monitored columns to audit (comma-separated): derived values of the pack (`age`),
    /// schema fields or input columns (dotted paths). `COL:W` groups numbers into bands of
    /// width W (`age:10` → `30-39`) and dates into bands of W years (`birth_date:10` →
    /// `1980-1989`).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Groups with fewer records cannot be the reference (least-flagged) group of a column.
    #[arg(long, default_value_t = DEFAULT_MIN_GROUP)]
    min_group: u64,
    /// Disparity tolerance: a ratio whose whole 95% interval lies above it is reported.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE)]
    tolerance: f64,
    /// Exit 1 when any disparity is reported (a CI gate).
    #[arg(long)]
    fail_on_disparity: bool,
    /// How many false positives to keep as samples to read.
    #[arg(long, default_value_t = DEFAULT_SAMPLES)]
    samples: usize,
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
    /// Do not print the summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Input fields the pack's schema does not declare (besides the label, `--by` columns
    /// and `record_id`): `report` them in a warning after the run (a misspelt column means
    /// its data was not screened), `ignore` them, or `reject` the row.
    #[arg(long, value_enum, default_value = "report")]
    unknown_fields: input::UnknownFieldsArg,
}

/// The record id of a row, if it has one (`record_id`).
pub fn record_id(row: &Value) -> Option<String> {
    match row.get("record_id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A screened labelled row: decision, label, `(column, group)` pairs and record id.
type Labelled = (Decision, bool, Vec<(String, String)>, Option<String>);

/// Screens one labelled row: its decision, label, groups and record id.
fn screen_labelled(
    engine: &Engine,
    groupings: &Groupings,
    label: &str,
    row: &Row,
    decoded: Option<&Result<saring::Record, RecordError>>,
    options: DecodeOptions,
) -> Result<Labelled, RecordError> {
    let value = row.to_value()?;
    let label = label_of(&value, label)?;
    let record = match decoded {
        Some(d) => d.clone()?,
        None => engine.decode_value(&value, options)?,
    };
    let decision = engine.screen(&record);
    let groups = groupings.labels_of(engine, &value, &record);
    Ok((decision, label, groups, record_id(&value)))
}

/// A back-test run over a file: the report and what the header shows.
pub struct Run {
    /// Input file, sha256, date, label, groupings.
    pub info: RunInfo,
    /// The figures.
    pub report: BacktestReport,
}

/// Screens every labelled row of `data` and computes the report. `--label` and `--by` are
/// checked on the first rows first (exit 2 with a "did you mean").
#[allow(clippy::too_many_arguments)]
pub fn run_backtest(
    engine: &Engine,
    data: &Path,
    input_format: Option<input::Format>,
    label: &str,
    by: &[String],
    backtest: Backtest,
    threads: Option<usize>,
    quiet: bool,
    unknown_fields: input::UnknownFieldsArg,
) -> anyhow::Result<Run> {
    let pool = batch::pool(threads)?;
    let options = unknown_fields.options();
    // The columns a back-test reads besides the record are expected in its input, as is the
    // `synth` provenance object of `saring synth` data.
    let expected = |path: &String| {
        path == label
            || path == "record_id"
            || path == "synth"
            || path.starts_with("synth.")
            || by
                .iter()
                .any(|b| b.split(':').next() == Some(path.as_str()))
    };
    let input = input::open(data, input_format, engine.schema())?;
    let mut bt = backtest;
    let resolved = std::cell::OnceCell::new();
    let none = Groupings::default();
    let mut reported = 0usize;
    let mut summary = Summary::start();
    batch::for_each_chunk_checked(
        input,
        engine.has_aggregates(),
        |first| {
            let rows = grouping::first_values(first);
            grouping::check_label(label, &rows)?;
            let _ = resolved.set(Groupings::resolve(by, engine, &rows)?);
            Ok(())
        },
        |rows| {
            let groupings = resolved.get().unwrap_or(&none);
            // Windowed aggregates: the labelled rows are one batch, in time order (its
            // history taken in a first pass, then screened a chunk at a time).
            let mut history = engine
                .has_aggregates()
                .then(|| batch::InputHistory::of(&pool, engine, rows, options));
            let mut from = 0;
            for rows in rows.chunks(batch::CHUNK) {
                let decoded = history
                    .as_mut()
                    .map(|h| h.decode(&pool, engine, rows, from, options));
                from += rows.len();
                let results: Vec<_> = pool.install(|| {
                    rows.par_iter()
                        .enumerate()
                        .map(|(i, row)| {
                            let d = decoded.as_ref().and_then(|d| d.get(i));
                            screen_labelled(engine, groupings, label, row, d, options)
                        })
                        .collect()
                });
                for (row, result) in rows.iter().zip(results) {
                    match result {
                        Ok((mut decision, label, groups, id)) => {
                            bt.add_row(&decision, label, &groups, Some(row.row), id.as_deref());
                            decision.ignored_fields.retain(|p| !expected(p));
                            summary.add(&Ok(decision));
                        }
                        Err(e) => {
                            bt.add_error();
                            if reported < 10 {
                                eprintln!("row {}: {}", row.row, output::error_text(&e));
                            }
                            reported += 1;
                            summary.add(&Err(e));
                        }
                    }
                }
            }
            Ok(())
        },
    )?;
    if reported > 10 {
        eprintln!("... and {} more bad rows", reported - 10);
    }
    if !quiet {
        eprintln!("{}", summary.render_as("back-tested"));
        if let Some(warning) = summary.ignored_warning() {
            eprintln!("{warning}");
        }
    }
    let names = match resolved.get() {
        Some(g) if !g.is_empty() => g.names(),
        _ => by.to_vec(),
    };
    Ok(Run {
        info: RunInfo::new(data, Some(label), names),
        report: bt.finish(),
    })
}

/// Back-tests; exit 0, 1 with `--fail-on-disparity` when a disparity is reported, or 3 when
/// some rows could not be screened or labelled.
pub fn run(args: Args) -> anyhow::Result<Code> {
    if !Backtest::is_valid_tolerance(args.tolerance) {
        return Err(crate::exit::usage(format!(
            "error: `--tolerance {}` must be a ratio of at least 1",
            args.tolerance
        )));
    }
    let engine = packs::load_engine_with(args.pack.as_deref(), &args.trust)?;
    let backtest = Backtest::new(BacktestConfig::from_pack(engine.pack()))
        .min_group_size(args.min_group)
        .tolerance(args.tolerance)
        .samples(args.samples);
    let run = run_backtest(
        &engine,
        &args.data,
        args.input_format,
        &args.label,
        &args.by,
        backtest,
        args.threads,
        args.quiet,
        args.unknown_fields,
    )?;
    let r = &run.report;
    let text = match args.format {
        Format::Table => report::backtest(&run.info, r),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report::JsonRun {
                run: &run.info,
                report: r
            })?
        ),
        Format::Html => html::backtest(&run.info, r),
    };
    let mut out = output::open(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if args.fail_on_disparity && !r.disparities.is_empty() {
        FINDINGS
    } else if r.errors > 0 {
        BAD_ROWS
    } else {
        OK
    })
}

/// The label of a row.
pub fn label_of(row: &Value, column: &str) -> Result<bool, RecordError> {
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
}

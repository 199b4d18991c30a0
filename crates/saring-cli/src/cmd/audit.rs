//! `saring audit verify | review | labels | repair`: the decision log written by
//! `saring screen --log` (format: the `saring::audit` docs).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use saring::audit::{self, Clock, DecisionLog, LogOptions, Verdict, VerifyOptions};
use serde_json::Value;

use crate::exit::{Code, FINDINGS, OK};
use crate::{input, output, packs};

/// Arguments of `saring audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the whole chain; report the first broken entry by line (exit 1).
    Verify(VerifyArgs),
    /// Append an officer's verdict on the latest decision about a record.
    Review(ReviewArgs),
    /// Turn officers' verdicts into a labelled file that `saring backtest` reads.
    Labels(LabelsArgs),
    /// Move a torn last line (an interrupted write) aside so the log can be resumed.
    Repair(RepairArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The log.
    log: PathBuf,
    /// Check every anchor's signature with this public key (`.pub` file or
    /// `ed25519:<hex>`); repeatable.
    #[arg(long = "pubkey", value_name = "PUB")]
    pubkeys: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VerdictArg {
    /// The flag was right.
    Confirmed,
    /// The flag was wrong.
    Dismissed,
}

#[derive(Debug, clap::Args)]
struct ReviewArgs {
    /// The log.
    log: PathBuf,
    /// The record's id (the decision's `record`); its latest decision is reviewed.
    #[arg(long, required_unless_present = "entry", conflicts_with = "entry")]
    record: Option<String>,
    /// The decision entry's number (`seq`), for packs without a `record_id`.
    #[arg(long)]
    entry: Option<u64>,
    /// The officer's verdict.
    #[arg(long, value_enum)]
    verdict: VerdictArg,
    /// Why (required).
    #[arg(long)]
    reason: String,
    /// The officer's id, recorded as the review's `actor`.
    #[arg(long)]
    officer: Option<String>,
}

#[derive(Debug, clap::Args)]
struct LabelsArgs {
    /// The log.
    log: PathBuf,
    /// The labelled file (JSONL; default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Name of the label column (`true` = confirmed, `false` = dismissed).
    #[arg(long, default_value = "label")]
    label_column: String,
    /// The records that were screened (JSONL, CSV, JSON): reviewed ones are written whole,
    /// with their label, after checking each against the hash in the log. Without it (and
    /// without records kept in the log) each row is the review's summary only.
    #[arg(long)]
    records: Option<PathBuf>,
    /// The pack the records were screened with (to find the record id and the protected
    /// fields; default: as for `screen`).
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    #[command(flatten)]
    trust: packs::TrustArgs,
}

#[derive(Debug, clap::Args)]
struct RepairArgs {
    /// The log.
    log: PathBuf,
}

/// Runs an `audit` subcommand.
pub fn run(args: Args) -> anyhow::Result<Code> {
    match args.command {
        Command::Verify(a) => verify(a),
        Command::Review(a) => review(a),
        Command::Labels(a) => labels(a),
        Command::Repair(a) => repair(a),
    }
}

/// The clock for new entries: `SARING_CLOCK` (RFC 3339) fixes it, for tests and replays.
pub fn clock() -> anyhow::Result<Clock> {
    match std::env::var("SARING_CLOCK") {
        Ok(t) if !t.trim().is_empty() => {
            Clock::fixed(&t).map_err(|e| crate::exit::usage(format!("error: `SARING_CLOCK`: {e}")))
        }
        _ => Ok(Clock::System),
    }
}

/// An audit error as a usage failure (exit 2) with its help.
pub fn failure(e: &audit::AuditError) -> anyhow::Error {
    let mut message = format!("error[{}]: {}", e.code, e.message);
    if let Some(help) = &e.help {
        message.push_str(&format!("\n  = help: {help}"));
    }
    crate::exit::usage(message)
}

fn verify(args: VerifyArgs) -> anyhow::Result<Code> {
    let trusted_keys = args
        .pubkeys
        .iter()
        .map(|k| packs::public_key(k))
        .collect::<anyhow::Result<_>>()?;
    let options = VerifyOptions { trusted_keys };
    let report = audit::verify_file(&args.log, &options).map_err(|e| failure(&e))?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => {
            let counts = format!(
                "{} entries ({} decisions, {} reviews, {} anchors{})",
                report.entries,
                report.decisions,
                report.reviews,
                report.anchors,
                if options.trusted_keys.is_empty() {
                    if report.anchors > 0 {
                        ", signatures not checked: no --pubkey".to_string()
                    } else {
                        String::new()
                    }
                } else {
                    format!(", {} signatures verified", report.anchors_verified)
                }
            );
            match &report.error {
                None => {
                    println!("ok: {} verifies: {counts}", args.log.display());
                    if let Some(head) = &report.head {
                        println!("head: entry {} {head}", report.entries);
                    }
                }
                Some(issue) => {
                    println!("error[{}]: {}", issue.code, issue.message);
                    println!(
                        "{} is broken at line {}; the {} entries before it verify",
                        args.log.display(),
                        issue.line,
                        report.entries
                    );
                }
            }
        }
    }
    Ok(if report.ok() { OK } else { FINDINGS })
}

fn review(args: ReviewArgs) -> anyhow::Result<Code> {
    let options = LogOptions {
        clock: clock()?,
        ..LogOptions::default()
    };
    if !args.log.is_file() {
        return Err(crate::exit::usage(format!(
            "error: `{}` is not a decision log",
            args.log.display()
        )));
    }
    let mut log = DecisionLog::open(&args.log, options).map_err(|e| failure(&e))?;
    let verdict = match args.verdict {
        VerdictArg::Confirmed => Verdict::Confirmed,
        VerdictArg::Dismissed => Verdict::Dismissed,
    };
    let officer = args.officer.as_deref();
    let seq = match (&args.record, args.entry) {
        (Some(record), _) => log.review(record, verdict, &args.reason, officer),
        (None, Some(entry)) => log.review_seq(entry, verdict, &args.reason, officer),
        (None, None) => {
            return Err(crate::exit::usage(
                "error: give `--record ID` or `--entry SEQ`",
            ))
        }
    }
    .map_err(|e| failure(&e))?;
    log.finish().map_err(|e| failure(&e))?;
    let what = args.record.map_or_else(
        || format!("entry {}", args.entry.unwrap_or(0)),
        |r| format!("record `{r}`"),
    );
    println!(
        "entry {seq}: {} review of {what} appended to {}",
        verdict.as_str(),
        args.log.display()
    );
    Ok(OK)
}

fn labels(args: LabelsArgs) -> anyhow::Result<Code> {
    let labels = audit::labels(&args.log).map_err(|e| failure(&e))?;
    let mut out = output::open(args.output.as_deref())?;
    let mut written = 0usize;
    let mut whole = 0usize;
    match &args.records {
        None => {
            for l in &labels {
                whole += usize::from(l.input.is_some());
                writeln!(out, "{}", l.row(&args.label_column))?;
                written += 1;
            }
        }
        Some(records) => {
            let engine = packs::load_engine_with(args.pack.as_deref(), &args.trust)?;
            let Some(id_field) = engine.pack().meta.record_id.clone() else {
                return Err(crate::exit::usage(format!(
                    "error: pack `{}` names no `record_id`, so records cannot be matched to reviews",
                    engine.pack().meta.id
                )));
            };
            let mut by_id: std::collections::HashMap<&str, &audit::Label> = labels
                .iter()
                .filter_map(|l| l.record.as_deref().map(|r| (r, l)))
                .collect();
            let mut changed = 0usize;
            let input = input::open(records, None, engine.schema())?;
            for row in input {
                let row = row?;
                let Ok(value) = row.to_value() else { continue };
                let Some(id) = record_id_of(&value, &id_field.path) else {
                    continue;
                };
                let Some(label) = by_id.remove(id.as_str()) else {
                    continue;
                };
                if audit::record_hash(engine.schema(), &value) != label.record_hash {
                    changed += 1;
                    eprintln!(
                        "row {}: record `{id}` differs from the one screened (its hash is not the logged one); left out",
                        row.row
                    );
                    continue;
                }
                let mut value = value;
                if let Value::Object(map) = &mut value {
                    map.insert(args.label_column.clone(), Value::Bool(label.label()));
                }
                writeln!(out, "{value}")?;
                written += 1;
                whole += 1;
            }
            if !by_id.is_empty() {
                eprintln!(
                    "{} reviewed record{} not found in {}",
                    by_id.len(),
                    packs::plural(by_id.len()),
                    records.display()
                );
            }
            if changed > 0 {
                eprintln!(
                    "{changed} record{} changed since screening",
                    packs::plural(changed)
                );
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{written} labelled row{} ({whole} whole record{}, {} summaries only) from {} reviews",
        packs::plural(written),
        packs::plural(whole),
        written - whole,
        labels.len()
    );
    Ok(OK)
}

/// A record's id read from raw JSON by dotted path: a string, or an integer as text.
pub fn record_id_of(value: &Value, path: &str) -> Option<String> {
    match input::lookup(value, path)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn repair(args: RepairArgs) -> anyhow::Result<Code> {
    let path: &Path = &args.log;
    match audit::repair(path).map_err(|e| failure(&e))? {
        None => println!(
            "{}: nothing to repair (the last line is whole)",
            path.display()
        ),
        Some((line, bytes)) => println!(
            "{}: moved the torn line {line} ({bytes} bytes) to {}.torn; the log can be resumed",
            path.display(),
            path.display()
        ),
    }
    Ok(OK)
}

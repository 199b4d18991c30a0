//! `saring synth`: deterministic labelled synthetic records for a pack (see [`crate::synth`]).

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::exit::{Code, OK};
use crate::records_csv::{self, RecordWriter};
use crate::synth::{self, GenError, FORMAT_DOC};
use crate::{output, packs};

/// Output formats of `synth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// CSV: one column per schema field (dotted paths), lists as JSON cells; `screen` reads
    /// it back.
    Csv,
    /// One JSON array of records.
    Json,
}

/// Arguments of `saring synth`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = FORMAT_DOC)]
pub struct Args {
    /// The pack: a pack file, a pack directory, or a directory whose synth.toml names its
    /// packs as variants (`rules/id-pmi`). Default: rules/id-pmi/departure.toml, else
    /// rules/demo.
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    /// The model variant (e.g. `passport`, `departure`; default: from `--pack`, else the
    /// model's default).
    #[arg(long, visible_alias = "stage")]
    variant: Option<String>,
    /// Number of records.
    #[arg(long, short = 'n', default_value_t = 1000)]
    n: u64,
    /// Seed: the same seed gives the same records.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "jsonl")]
    format: Format,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Print the model as Markdown (scenarios, shares, networks) instead of records.
    #[arg(long)]
    describe: bool,
    /// Do not print notes on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn failed(model: &std::path::Path, e: &GenError) -> anyhow::Error {
    crate::exit::usage(format!("error: synth model for `{}`: {e}", model.display()))
}

/// Writes the records (or the description).
pub fn run(args: Args) -> anyhow::Result<Code> {
    let pack = packs::resolve(args.pack.as_deref())?;
    let loaded = synth::load(&pack, args.variant.as_deref())?;
    let mut out = output::open(args.output.as_deref())?;
    if args.describe {
        out.write_all(loaded.describe().as_bytes())?;
        out.flush()?;
        return Ok(OK);
    }
    if loaded.schema_only() && !args.quiet {
        eprintln!(
            "note: `{}` has no synth.toml: records follow the schema alone and labels are random (5%)",
            pack.display()
        );
    }
    let generator = loaded.generator(args.seed);
    let records = generator.records(args.n);
    match args.format {
        Format::Jsonl => {
            for record in records {
                let record = record.map_err(|e| failed(&pack, &e))?;
                serde_json::to_writer(&mut out, &record)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
        Format::Json => {
            out.write_all(b"[")?;
            for (i, record) in records.enumerate() {
                let record = record.map_err(|e| failed(&pack, &e))?;
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut out, &record)?;
            }
            out.write_all(b"\n]\n")?;
            out.flush()?;
        }
        Format::Csv => {
            let columns = records_csv::columns(
                loaded.schema(),
                &[loaded.record_id_field(), "label"],
                &["synth.scenario", "synth.network"],
            );
            let mut csv = RecordWriter::new(out, &columns)?;
            for record in records {
                csv.write(&record.map_err(|e| failed(&pack, &e))?)?;
            }
            csv.finish()?;
        }
    }
    Ok(OK)
}

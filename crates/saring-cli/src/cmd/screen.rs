//! `saring screen`: one decision per input row, in order, errors included.

use std::path::PathBuf;

use crate::exit::{Code, BAD_ROWS, OK};
use crate::{batch, input, output, packs, summary::Summary};

/// Arguments of `saring screen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack file or directory (default: rules/id-pmi/departure.toml, else rules/demo).
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    /// Records: .jsonl, .csv, .json (array) or `-` for stdin.
    input: PathBuf,
    /// Input format (default: from the extension, else sniffed).
    #[arg(long, value_enum)]
    input_format: Option<input::Format>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "jsonl")]
    format: output::Format,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Do not print the summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Language of reasons, remedies and questions (one of the pack's `languages`; default:
    /// the pack's `default_language`).
    #[arg(long)]
    lang: Option<String>,
}

/// Screens every row; exit 0, or 3 when some rows were bad.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let engine = packs::with_language(
        packs::load_engine(args.pack.as_deref())?,
        args.lang.as_deref(),
    )?;
    let pool = batch::pool(args.threads)?;
    let input = input::open(&args.input, args.input_format, engine.schema())?;
    let mut writer = output::Writer::new(args.format, output::open(args.output.as_deref())?)?;
    let mut summary = Summary::start();
    batch::for_each_chunk(input, |rows| {
        let results = batch::screen_rows(&pool, &engine, rows);
        for (row, result) in rows.iter().zip(&results) {
            summary.add(result);
            writer.write(row.row, result)?;
        }
        Ok(())
    })?;
    writer.finish()?;
    if !args.quiet {
        eprintln!("{}", summary.render());
    }
    Ok(if summary.errors > 0 { BAD_ROWS } else { OK })
}

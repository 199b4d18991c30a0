//! `saring screen`: one decision per input row, in order, errors included; with `--log`,
//! every decision is also appended to a hash-chained decision log.

use std::path::PathBuf;

use crate::exit::{Code, BAD_ROWS, OK};
use crate::{batch, decision_log, input, output, packs, summary::Summary};

/// Arguments of `saring screen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack file, directory or bundle (default: rules/id-pmi/departure.toml, else rules/demo).
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    #[command(flatten)]
    trust: packs::TrustArgs,
    /// Records: .jsonl, .csv, .json (array) or `-` for stdin.
    input: PathBuf,
    /// Input format (default: from the extension, else sniffed).
    #[arg(long, value_enum)]
    input_format: Option<input::Format>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "jsonl")]
    format: output::Format,
    /// Output file (default: stdout). Written in whole lines and synced at the end.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Continue an interrupted run: keep the whole lines of `-o FILE` (JSONL), drop a
    /// partial last line, and screen only the rows after the last one written.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Do not print the summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    log: decision_log::LogArgs,
    /// Language of reasons, remedies and questions (one of the pack's `languages`; default:
    /// the pack's `default_language`).
    #[arg(long)]
    lang: Option<String>,
    /// Screen online against a history store (SQLite; created if missing): each record sees
    /// the records of earlier runs within its aggregates' windows, and is remembered for
    /// later ones. Without it, a pack with windowed aggregates screens the input as one batch.
    #[arg(long, value_name = "FILE.db")]
    state: Option<PathBuf>,
    /// How long the `--state` store keeps an entry (`90d`, `12w`, ...; default and minimum:
    /// the pack's longest aggregate window). Older entries are deleted.
    #[arg(long, requires = "state", value_name = "DURATION")]
    retention: Option<String>,
    /// Input fields the pack's schema does not declare (a misspelt `tiket`): `ignore` them
    /// (production screening), `report` them in each decision's `ignored_fields` and in a
    /// warning after the run, or `reject` the row (`record.unknown_field`).
    #[arg(long, value_enum, default_value = "ignore")]
    unknown_fields: input::UnknownFieldsArg,
}

/// Screens every row; exit 0, or 3 when some rows were bad.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let engine = packs::with_language(
        packs::load_engine_with(args.pack.as_deref(), &args.trust)?,
        args.lang.as_deref(),
    )?;
    let pool = batch::pool(args.threads)?;
    let decode = args.unknown_fields.options();
    let mut state = batch::open_state(&engine, args.state.as_deref())?;
    let whole = engine.has_aggregates() && state.is_none();
    let retention = match &args.retention {
        None => None,
        Some(text) => Some(saring::aggregate::parse_window(text).ok_or_else(|| {
            crate::exit::usage(format!(
                "error: `--retention {text}` must be a length such as 90d (s, m, h, d or w)"
            ))
        })?),
    };
    let mut log = decision_log::ScreenLog::open(&args.log)?;
    let input = input::open(&args.input, args.input_format, engine.schema())?;
    let resume_after = match (&args.output, args.resume) {
        (Some(path), true) => {
            if args.format != output::Format::Jsonl || path.as_os_str() == "-" {
                return Err(crate::exit::usage(
                    "error: `--resume` needs `--format jsonl` and an output file `-o FILE`",
                ));
            }
            output::prepare_resume(path)?
        }
        _ => None,
    };
    let sink = output::LineSink::open(args.output.as_deref(), args.resume)?;
    let record_column = engine.pack().meta.record_id.is_some();
    let mut writer = output::Writer::new(args.format, sink, resume_after.is_some(), record_column)?;
    let mut summary = Summary::start();
    let done = resume_after.unwrap_or(0);
    let mut emit =
        |rows: &[input::Row], results: Vec<Result<saring::Decision, saring::RecordError>>| {
            if let Some(log) = &mut log {
                log.append(&pool, &engine, rows, &results)?;
            }
            for (row, result) in rows.iter().zip(&results) {
                summary.add(result);
                let id = match result {
                    Err(_) => decision_log::raw_record_id(&engine, row),
                    Ok(_) => None,
                };
                writer.write(row.row, id.as_deref(), result)?;
            }
            writer.end_chunk()
        };
    batch::for_each_chunk(input, whole, |rows| {
        let todo = rows.partition_point(|r| r.row <= done);
        match &mut state {
            Some(store) => {
                let results =
                    batch::screen_rows_online(&engine, &rows[todo..], store, retention, decode)?;
                emit(&rows[todo..], results)
            }
            None if whole => {
                // The whole input is the history (rows written before a resume included);
                // records are decoded, screened and written a chunk at a time after it, so
                // memory holds the rows and their history, not every record or decision.
                let mut history = batch::InputHistory::of(&pool, &engine, rows, decode);
                let mut from = todo;
                for rows in rows[todo..].chunks(batch::CHUNK) {
                    let records = history.decode(&pool, &engine, rows, from, decode);
                    from += rows.len();
                    emit(rows, batch::screen_records(&pool, &engine, &records))?;
                }
                Ok(())
            }
            None => emit(
                &rows[todo..],
                batch::screen_rows(&pool, &engine, &rows[todo..], decode),
            ),
        }
    })?;
    writer.finish()?;
    if let Some(log) = &mut log {
        log.finish()?;
    }
    if !args.quiet {
        if let Some(row) = resume_after {
            eprintln!("resumed after row {row}");
        }
        eprintln!("{}", summary.render());
        if let Some(warning) = summary.ignored_warning() {
            eprintln!("{warning}");
        }
        if let Some(log) = &log {
            eprintln!("{}", log.summary());
        }
    }
    Ok(if summary.errors > 0 { BAD_ROWS } else { OK })
}

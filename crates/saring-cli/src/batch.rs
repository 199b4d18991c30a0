//! Chunked, parallel screening of an input stream with an optional progress bar.
//!
//! Rows are read in chunks of [`CHUNK`]; each chunk is screened on a rayon pool and handed
//! back in input order, so memory stays flat however large the input is. A pack with
//! windowed aggregates reads the whole input as one chunk instead (each record's history is
//! the input itself, in time order), unless it screens online against a `--state` store.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use saring::aggregate::{SqliteStore, Store as _};
use saring::{Decision, DecodeOptions, Engine, Record, RecordError};

use crate::input::{Data, Input, Row};

/// Rows per chunk.
pub const CHUNK: usize = 4096;

/// A rayon pool with `threads` workers (default: all cores).
pub fn pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            return Err(crate::exit::usage("error: `--threads` must be at least 1"));
        }
        builder = builder.num_threads(n);
    }
    Ok(builder.build()?)
}

/// Screens one row. A bug inside saring (a panic) becomes that row's `internal.error`, so the
/// rest of the batch is still screened and no row is lost.
pub fn screen_row(
    engine: &Engine,
    row: &Row,
    options: DecodeOptions,
) -> Result<Decision, RecordError> {
    let screen = || decode_row(engine, row, options).map(|r| engine.screen(&r));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(screen)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_string());
        Err(RecordError::new(
            "internal.error",
            None,
            format!("internal error in saring (please report): {what}"),
        ))
    })
}

/// Screens a chunk of rows in parallel; results are in input order. With windowed
/// aggregates the rows are one batch (see [`saring::aggregate`]).
pub fn screen_rows(
    pool: &rayon::ThreadPool,
    engine: &Engine,
    rows: &[Row],
    options: DecodeOptions,
) -> Vec<Result<Decision, RecordError>> {
    if engine.has_aggregates() {
        return screen_records(pool, engine, &decode_rows(pool, engine, rows, options));
    }
    pool.install(|| {
        rows.par_iter()
            .map(|r| screen_row(engine, r, options))
            .collect()
    })
}

/// Screens decoded records (with their history) in parallel; results in order.
pub fn screen_records(
    pool: &rayon::ThreadPool,
    engine: &Engine,
    records: &[Result<Record, RecordError>],
) -> Vec<Result<Decision, RecordError>> {
    pool.install(|| {
        records
            .par_iter()
            .map(|r| r.as_ref().map(|r| engine.screen(r)).map_err(Clone::clone))
            .collect()
    })
}

/// Decodes a chunk of rows; with windowed aggregates, gives the records their history over
/// the chunk (batch semantics; rows that could not be decoded keep their place).
pub fn decode_rows(
    pool: &rayon::ThreadPool,
    engine: &Engine,
    rows: &[Row],
    options: DecodeOptions,
) -> Vec<Result<Record, RecordError>> {
    let mut decoded: Vec<Result<Record, RecordError>> = pool.install(|| {
        rows.par_iter()
            .map(|r| decode_row(engine, r, options))
            .collect()
    });
    if engine.has_aggregates() {
        let mut at: Vec<(usize, &mut Record)> = rows
            .iter()
            .zip(decoded.iter_mut())
            .filter_map(|(row, d)| {
                let position = (row.row as usize).saturating_sub(1);
                d.as_mut().ok().map(|r| (position, r))
            })
            .collect();
        engine.aggregate_batch_at(&mut at);
    }
    decoded
}

/// The history of a whole input with windowed aggregates, computed in a first pass that
/// decodes the rows a chunk at a time — only the fields the aggregates read — and keeps only
/// what each adds to the history (its id, keys, times, values), so memory holds the input's
/// rows, not every decoded record.
pub struct InputHistory {
    history: saring::engine::BatchHistory,
    /// By row (in `rows` order): its entry, `None` for a row that could not be decoded.
    entry: Vec<Option<u32>>,
}

impl InputHistory {
    /// The first pass over `rows` (the whole input, in input order).
    pub fn of(
        pool: &rayon::ThreadPool,
        engine: &Engine,
        rows: &[Row],
        options: DecodeOptions,
    ) -> InputHistory {
        let mut entries = Vec::with_capacity(rows.len());
        let mut entry = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let taken: Vec<Option<saring::engine::HistoryEntry>> = pool.install(|| {
                chunk
                    .par_iter()
                    .map(|row| {
                        let position = (row.row as usize).saturating_sub(1);
                        decode_for_history(engine, row, options)
                            .ok()
                            .map(|r| engine.history_entry(&r, position))
                    })
                    .collect()
            });
            for e in taken {
                entry.push(e.map(|e| {
                    entries.push(e);
                    (entries.len() - 1) as u32
                }));
            }
        }
        InputHistory {
            history: engine.batch_history(entries),
            entry,
        }
    }

    /// The second pass: decodes `rows` (those from index `from` of the whole input) again,
    /// each record with its history.
    pub fn decode(
        &mut self,
        pool: &rayon::ThreadPool,
        engine: &Engine,
        rows: &[Row],
        from: usize,
        options: DecodeOptions,
    ) -> Vec<Result<Record, RecordError>> {
        let histories: Vec<saring::engine::RecordHistory> = (from..from + rows.len())
            .map(|i| match self.entry.get(i).copied().flatten() {
                Some(n) => self.history.take(n as usize),
                None => saring::engine::RecordHistory::default(),
            })
            .collect();
        pool.install(|| {
            rows.par_iter()
                .zip(histories)
                .map(|(row, history)| {
                    decode_row(engine, row, options).map(|mut r| {
                        history.give(&mut r);
                        r
                    })
                })
                .collect()
        })
    }
}

/// Decodes one row.
pub fn decode_row(
    engine: &Engine,
    row: &Row,
    options: DecodeOptions,
) -> Result<Record, RecordError> {
    match &row.data {
        Data::Text(t) => engine.decode_json(t, options),
        Data::Value(v) => engine.decode_value(v, options),
        Data::Bad(e) => Err(e.clone()),
    }
}

/// Decodes one row for its history entry only: the fields the aggregates read (refusing
/// exactly the rows [`decode_row`] refuses).
fn decode_for_history(
    engine: &Engine,
    row: &Row,
    options: DecodeOptions,
) -> Result<Record, RecordError> {
    match &row.data {
        Data::Text(t) => engine.decode_json_for_history(t, options),
        Data::Value(v) => engine.decode_value_for_history(v, options),
        Data::Bad(e) => Err(e.clone()),
    }
}

/// Screens rows one at a time, in input order, against an online history store (`--state`):
/// each record is stored, then screened with the windows the store holds.
pub fn screen_rows_online(
    engine: &Engine,
    rows: &[Row],
    store: &mut SqliteStore,
    retention_seconds: Option<i64>,
    options: DecodeOptions,
) -> anyhow::Result<Vec<Result<Decision, RecordError>>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match decode_row(engine, row, options) {
            Ok(mut record) => {
                engine.aggregate_online(&mut record, store, retention_seconds)?;
                out.push(Ok(engine.screen(&record)));
            }
            Err(e) => out.push(Err(e)),
        }
    }
    store.flush()?;
    Ok(out)
}

/// Opens the `--state` store of a pack with windowed aggregates (`None` without `--state`).
pub fn open_state(
    engine: &Engine,
    state: Option<&std::path::Path>,
) -> anyhow::Result<Option<SqliteStore>> {
    let Some(path) = state else {
        return Ok(None);
    };
    if !engine.has_aggregates() {
        return Err(crate::exit::usage(
            "error: `--state` keeps the history of windowed aggregates, and this pack declares none",
        ));
    }
    Ok(Some(
        SqliteStore::open(path).map_err(|e| anyhow::anyhow!("{e}"))?,
    ))
}

/// Reads `input` in chunks and calls `f` on each, updating a progress bar on stderr when
/// stderr is a terminal.
pub fn for_each_chunk(
    input: Input,
    whole: bool,
    f: impl FnMut(&[Row]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for_each_chunk_checked(input, whole, |_| Ok(()), f)
}

/// Like [`for_each_chunk`], after `check` has seen the first chunk (e.g. to reject a
/// misspelt column before anything is screened). `whole`: the whole input is one chunk
/// (windowed aggregates in batch).
pub fn for_each_chunk_checked(
    mut input: Input,
    whole: bool,
    check: impl FnOnce(&[Row]) -> anyhow::Result<()>,
    mut f: impl FnMut(&[Row]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let size = if whole { usize::MAX } else { CHUNK };
    let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK);
    for row in input.by_ref().take(size) {
        chunk.push(row?);
    }
    check(&chunk)?;
    let bar = progress(input.size);
    let bytes = input.bytes.clone();
    let mut rows = 0u64;
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) {
            chunk.clear();
            for row in input.by_ref().take(size) {
                chunk.push(row?);
            }
        }
        if chunk.is_empty() {
            break;
        }
        f(&chunk)?;
        rows += chunk.len() as u64;
        if let Some(bar) = &bar {
            bar.set_position(bytes.load(Ordering::Relaxed));
            bar.set_message(format!("{rows} rows"));
        }
        if whole || chunk.len() < CHUNK {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(())
}

fn progress(size: Option<u64>) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match size {
        Some(n) => {
            let bar = ProgressBar::new(n);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {msg} ({bytes_per_sec}, eta {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {bytes} read, {msg}") {
                bar.set_style(style);
            }
            bar
        }
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    Some(bar)
}

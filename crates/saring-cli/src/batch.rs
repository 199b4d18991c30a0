//! Chunked, parallel screening of an input stream with an optional progress bar.
//!
//! Rows are read in chunks of [`CHUNK`]; each chunk is screened on a rayon pool and handed
//! back in input order, so memory stays flat however large the input is.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use saring::{Decision, Engine, RecordError};

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
pub fn screen_row(engine: &Engine, row: &Row) -> Result<Decision, RecordError> {
    let screen = || match &row.data {
        Data::Text(t) => engine.screen_json(t),
        Data::Value(v) => engine.screen_value(v),
        Data::Bad(e) => Err(e.clone()),
    };
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

/// Screens a chunk of rows in parallel; results are in input order.
pub fn screen_rows(
    pool: &rayon::ThreadPool,
    engine: &Engine,
    rows: &[Row],
) -> Vec<Result<Decision, RecordError>> {
    pool.install(|| rows.par_iter().map(|r| screen_row(engine, r)).collect())
}

/// Reads `input` in chunks and calls `f` on each, updating a progress bar on stderr when
/// stderr is a terminal.
pub fn for_each_chunk(
    input: Input,
    f: impl FnMut(&[Row]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for_each_chunk_checked(input, |_| Ok(()), f)
}

/// Like [`for_each_chunk`], after `check` has seen the first chunk (e.g. to reject a
/// misspelt column before anything is screened).
pub fn for_each_chunk_checked(
    mut input: Input,
    check: impl FnOnce(&[Row]) -> anyhow::Result<()>,
    mut f: impl FnMut(&[Row]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK);
    for row in input.by_ref().take(CHUNK) {
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
            for row in input.by_ref().take(CHUNK) {
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
        if chunk.len() < CHUNK {
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

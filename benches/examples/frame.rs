//! `screen_batch` over the frame of `benches/python/bench_screen_frame.py`, for profilers:
//!
//! ```text
//! python benches/python/bench_screen_frame.py --rows 200000 --write-frame /tmp/frame
//! cargo run --release -p saring-benches --example frame -- /tmp/frame [ROUNDS]
//! ```
//!
//! Loads `DIR/pack.toml` (with `DIR/schema.toml`) and the Arrow IPC file `DIR/frame.arrow`,
//! then screens every batch `ROUNDS` times (default 3) and prints the time per round and per
//! row. Under callgrind, the difference between two round counts divided by the rows is the
//! steady-state instruction count per row.

use std::fs::File;
use std::hint::black_box;
use std::path::PathBuf;

use saring::columnar::{screen_batch, FrameOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: frame DIR [ROUNDS]")?);
    let rounds: u32 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(3)
        .max(1);
    let pack = saring::Pack::load(dir.join("pack.toml"))?;
    let engine = saring::Engine::compile(&pack)?;
    let reader =
        arrow_ipc::reader::FileReader::try_new(File::open(dir.join("frame.arrow"))?, None)?;
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        for batch in &batches {
            black_box(screen_batch(&engine, batch, &FrameOptions::default())?);
        }
    }
    let per_round = start.elapsed() / rounds;
    eprintln!(
        "{rows} rows: {per_round:?} per round, {:?} per row",
        per_round / rows.max(1) as u32
    );
    Ok(())
}

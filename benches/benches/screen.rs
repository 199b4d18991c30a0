//! Criterion benchmarks of the saring engine on the 25-rule benchmark pack, against
//! `serde_json::Value` parsing and a handwritten implementation of the same rules.
//!
//! `cargo bench -p saring-benches --bench screen` (see `benches/README.md`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use saring::{DecodeOptions, Engine, Pack, Record};
use saring_benches::data::{json_lines, Departure};
use saring_benches::handwritten;
use saring_benches::pack::{engine, pack_toml, SCHEMA_TOML};

/// Records cycled through by the per-record benchmarks.
const RECORDS: usize = 1_000;
/// Lines per batch.
const BATCH: usize = 10_000;

fn setup() -> (Engine, Vec<String>) {
    let engine = engine().unwrap_or_else(|e| panic!("benchmark pack does not compile: {e:?}"));
    (engine, json_lines(RECORDS))
}

/// Runs `f` on the items in turn, one per iteration.
fn cycle<T, R>(c: &mut Criterion, name: &str, items: &[T], mut f: impl FnMut(&T) -> R) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("per_record", |b| {
        b.iter(|| {
            i = (i + 1) % items.len();
            black_box(f(black_box(&items[i])))
        })
    });
    group.finish();
}

fn compile(c: &mut Criterion) {
    let toml = pack_toml();
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("25_rules", |b| {
        b.iter(|| {
            let pack = Pack::from_toml_str(black_box(&toml), black_box(SCHEMA_TOML))
                .unwrap_or_else(|e| panic!("{e:?}"));
            Engine::compile(&pack).unwrap_or_else(|e| panic!("{e:?}"))
        })
    });
    group.finish();
}

fn per_record(c: &mut Criterion) {
    let (engine, lines) = setup();
    let records: Vec<Record> = saring_benches::data::decode_all(&engine, &lines);
    let structs: Vec<Departure> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();

    cycle(c, "screen_decoded", &records, |r| engine.screen(r));
    cycle(c, "screen_json", &lines, |l| {
        engine.screen_json(l).unwrap_or_else(|e| panic!("{e:?}"))
    });
    cycle(c, "decode_json", &lines, |l| {
        engine
            .decode_json(l, DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{e:?}"))
    });
    cycle(c, "serde_value", &lines, |l| {
        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}"))
    });
    cycle(c, "handwritten_e2e", &lines, |l| {
        handwritten::screen_json(l).unwrap_or_else(|e| panic!("{e}"))
    });
    cycle(c, "handwritten_eval", &structs, handwritten::screen);
}

fn batch(c: &mut Criterion) {
    let engine = engine().unwrap_or_else(|e| panic!("benchmark pack does not compile: {e:?}"));
    let lines = json_lines(BATCH);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(format!("screen_json_batch/{threads}_threads"), |b| {
            b.iter(|| pool.install(|| engine.screen_json_batch(black_box(&refs))))
        });
    }
    group.finish();
}

criterion_group!(benches, compile, per_record, batch);
criterion_main!(benches);

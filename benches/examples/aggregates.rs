//! Windowed aggregates, timed (issue 12's figures; see benches/README.md):
//!
//! - `batch [N]`: N records (default 1,000,000) screened with 3 aggregates computed over the
//!   batch (`Engine::aggregate_batch` + `screen_summary`), against the same screening with the
//!   three values precomputed upstream as plain fields (the pack without aggregates);
//! - `online [N]`: N records (default 1,000,000) screened one at a time against an SQLite
//!   history store (`aggregate_online` + `screen_summary`) within one 30-day window, so the
//!   window holds about N entries by the end; reports the rate over the last 100,000.
//!
//! `cargo run --release -p saring-benches --example aggregates -- batch` (one core:
//! `RAYON_NUM_THREADS=1`; both sides run on one thread here anyway).

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saring::aggregate::SqliteStore;
use saring::{DecodeOptions, Engine, Pack, Record};

const SCHEMA: &str = r#"
[field.id]
type = "string"
required = true
[field.day]
type = "date"
required = true
[field.phone]
type = "string"
[field.recruiter]
type = "string"
[field.nik]
type = "string"
required = true
[field.fee]
type = "int"
[field.destination]
type = "string"
required = true
[field.return_ticket]
type = "bool"
required = true
[field.docs_missing]
type = "bool"
required = true
[field.phone_apps]
type = "int"
[field.recruiter_people]
type = "int"
[field.phone_fees]
type = "int"
"#;

const COMMON: &str = r#"
[pack]
id = "bench-agg"
version = "1"
title = "Aggregates benchmark"
record_id = "id"
[outcomes]
review = 20
refer = 50
[lists]
hotspot = ["KH", "MM", "LA"]
"#;

const SINGLE_RULES: &str = r#"
[[rule]]
id = "one_way_hotspot"
title = "t"
weight = 25
when = "destination in hotspot && !return_ticket"
reason = "r"
[[rule]]
id = "docs"
title = "t"
weight = 10
when = "docs_missing"
reason = "r"
"#;

const AGGREGATES: &str = r#"
[aggregate.phone_apps]
key = "phone"
time = "day"
window = "30d"
count = true
[aggregate.recruiter_people]
key = "recruiter"
time = "day"
window = "30d"
count_distinct = "nik"
[aggregate.phone_fees]
key = "phone"
time = "day"
window = "30d"
sum = "fee"
where = "fee > 0"
"#;

fn network_rules(prefix: &str) -> String {
    format!(
        r#"
[[rule]]
id = "shared_phone"
title = "t"
weight = 20
when = "has(record.phone) && {prefix}phone_apps >= 3"
reason = "r"
[[rule]]
id = "recruiter_ring"
title = "t"
weight = 20
when = "has(record.recruiter) && {prefix}recruiter_people >= 4"
reason = "r"
[[rule]]
id = "fees"
title = "t"
weight = 10
when = "has(record.phone) && {prefix}phone_fees > 20000000"
reason = "r"
"#
    )
}

fn engine(text: &str) -> Engine {
    let pack = Pack::from_toml_str(text, SCHEMA).unwrap_or_else(|e| panic!("{}", e.render()));
    Engine::compile(&pack).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// Synthetic records: phones and recruiters shared by small clusters, days in one month
/// (`days` long), a few fields upstream-precomputed for the baseline.
fn records(engine: &Engine, n: usize, days: i64) -> Vec<Record> {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    (0..n)
        .map(|i| {
            let day = start + chrono::Duration::days(rng.gen_range(0..days));
            let phone =
                (rng.gen_bool(0.7)).then(|| format!("+62-000-{:08}", rng.gen_range(0..n / 4 + 1)));
            let recruiter = (rng.gen_bool(0.3))
                .then(|| format!("Agen Sintetis {}", rng.gen_range(0..n / 8 + 1)));
            let destination = ["KH", "SG", "MY", "JP"][rng.gen_range(0..4)];
            let mut v = serde_json::json!({
                "id": format!("R{i}"),
                "day": day.format("%Y-%m-%d").to_string(),
                "nik": format!("32010101019{:05}", rng.gen_range(0..100_000)),
                "fee": rng.gen_range(0..10_000_000),
                "destination": destination,
                "return_ticket": rng.gen_bool(0.8),
                "docs_missing": rng.gen_bool(0.05),
                "phone_apps": rng.gen_range(1..5),
                "recruiter_people": rng.gen_range(1..6),
                "phone_fees": rng.gen_range(0..30_000_000),
            });
            if let (Some(p), Some(m)) = (phone, v.as_object_mut()) {
                m.insert("phone".into(), p.into());
            }
            if let (Some(r), Some(m)) = (recruiter, v.as_object_mut()) {
                m.insert("recruiter".into(), r.into());
            }
            engine
                .decode_value(&v, DecodeOptions::default())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

fn batch(n: usize) {
    let with = engine(&format!(
        "{COMMON}{AGGREGATES}{SINGLE_RULES}{}",
        network_rules("agg.")
    ));
    let without = engine(&format!("{COMMON}{SINGLE_RULES}{}", network_rules("")));
    let base = records(&without, n, 90);
    // Best of three runs each, alternating.
    let (mut t_without, mut t_with) = (f64::MAX, f64::MAX);
    let mut flagged = (0usize, 0usize);
    for _ in 0..3 {
        let t = Instant::now();
        flagged.0 = base
            .iter()
            .filter(|r| !black_box(without.screen_summary(r)).hits.is_empty())
            .count();
        t_without = t_without.min(t.elapsed().as_secs_f64());
        let mut recs = base.clone();
        let t = Instant::now();
        with.aggregate_batch(&mut recs);
        let aggregated = t.elapsed().as_secs_f64();
        flagged.1 = recs
            .iter()
            .filter(|r| !black_box(with.screen_summary(r)).hits.is_empty())
            .count();
        let total = t.elapsed().as_secs_f64();
        t_with = t_with.min(total);
        println!(
            "  run: without {t_without:.3} s; with {total:.3} s (aggregates {aggregated:.3} s)"
        );
    }
    println!(
        "batch, {n} records, 3 aggregates: without {:.3} s ({:.0} rec/s), with {:.3} s ({:.0} rec/s): {:.2}x; records with a hit {} / {}",
        t_without,
        n as f64 / t_without,
        t_with,
        n as f64 / t_with,
        t_with / t_without,
        flagged.0,
        flagged.1
    );
}

fn online(n: usize) {
    let with = engine(&format!(
        "{COMMON}{AGGREGATES}{SINGLE_RULES}{}",
        network_rules("agg.")
    ));
    let mut recs = records(&with, n, 30);
    // Time order, as records arrive.
    recs.sort_by_key(|r| format!("{:?}", r.slots()[1]));
    let dir = std::env::temp_dir().join(format!("saring-bench-agg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let path = dir.join("history.db");
    let _ = std::fs::remove_file(&path);
    let mut store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let tail = n.min(100_000);
    let start = Instant::now();
    let mut tail_start = None;
    for (i, r) in recs.iter_mut().enumerate() {
        if i == n - tail {
            tail_start = Some(Instant::now());
        }
        with.aggregate_online(r, &mut store, None)
            .unwrap_or_else(|e| panic!("{e}"));
        black_box(with.screen_summary(r));
    }
    saring::aggregate::Store::flush(&mut store).unwrap_or_else(|e| panic!("{e}"));
    let all = start.elapsed().as_secs_f64();
    let last = tail_start.map_or(all, |t| t.elapsed().as_secs_f64());
    let entries = store.entries().unwrap_or(0);
    println!(
        "online SQLite, {n} records in one 30-day window ({entries} entries stored): all {:.1} s ({:.0} rec/s); last {tail}: {:.2} s ({:.0} rec/s)",
        all,
        n as f64 / all,
        last,
        tail as f64 / last
    );
    drop(store);
    let reopen = Instant::now();
    let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "reopening the store ({} entries loaded into its in-memory windows): {:.2} s",
        store.entries().unwrap_or(0),
        reopen.elapsed().as_secs_f64()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "batch".to_string());
    let n: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    match mode.as_str() {
        "batch" => batch(n),
        "online" => online(n),
        other => panic!("unknown mode `{other}`: batch or online"),
    }
}

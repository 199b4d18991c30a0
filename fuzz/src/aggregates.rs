//! Target `aggregates`: the input is JSON lines, records of a pack with three windowed
//! aggregates over one sponsor phone (a count, distinct NIKs and a sum with `where`). They are
//! screened as one batch, and — sorted by time, when every record has an id — online, one at
//! a time against an in-memory store: batch and online must agree on every hit and its
//! evidence (values, keys, the records that made them up), and nothing may panic.

use std::sync::OnceLock;

use saring::aggregate::MemoryStore;
use saring::{DecodeOptions, Decision, Engine, Pack, Record, Value};

const SCHEMA: &str = r#"
[field.id]
type = "string"
[field.phone]
type = "string"
[field.nik]
type = "string"
[field.at]
type = "timestamp"
[field.fee]
type = "int"
"#;

const PACK: &str = r#"
[pack]
id = "fuzz-net"
version = "1"
title = "Networks"
record_id = "id"
[outcomes]
review = 10
refer = 100
[aggregate.phone_apps]
key = "phone"
time = "at"
window = "30d"
count = true
[aggregate.phone_niks]
key = "phone"
time = "at"
window = "7d"
count_distinct = "nik"
[aggregate.phone_fees]
key = "phone"
time = "at"
window = "12h"
sum = "fee"
where = "fee > 0"
[[rule]]
id = "shared_phone"
title = "Shared phone"
weight = 20
when = "agg.phone_apps >= 3"
reason = "{agg.phone_apps} applications"
[[rule]]
id = "many_niks"
title = "Many applicants"
weight = 5
status = "shadow"
when = "agg.phone_niks >= 2"
reason = "{agg.phone_niks} applicants"
[[rule]]
id = "fees"
title = "Fees"
weight = 1
when = "agg.phone_fees > 100"
reason = "{agg.phone_fees} in fees"
"#;

/// Most records per input (the windows are the subject, not volume).
const MAX_RECORDS: usize = 64;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let pack = match Pack::from_toml_str(PACK, SCHEMA) {
            Ok(p) => p,
            Err(e) => panic!("the harness pack must load: {}", e.render()),
        };
        match Engine::compile(&pack) {
            Ok(e) => e,
            Err(e) => panic!("the harness pack must compile: {}", e.render()),
        }
    })
}

/// What batch and online screening must agree on: hits, shadow hits and their evidence.
fn seen(d: &Decision) -> String {
    let hits: Vec<_> = d
        .hits
        .iter()
        .chain(&d.shadow_hits)
        .map(|h| (&h.rule, &h.evidence))
        .collect();
    let incomplete: Vec<_> = d.incomplete.iter().map(|i| &i.rule).collect();
    format!("{hits:?} {incomplete:?}")
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let engine = engine();
    let records: Vec<Record> = text
        .lines()
        .take(MAX_RECORDS)
        .filter_map(|l| engine.decode_json(l, DecodeOptions::default()).ok())
        .collect();
    if records.is_empty() {
        return;
    }
    let mut batch = records.clone();
    engine.aggregate_batch(&mut batch);
    for r in &batch {
        crate::screen_all_ways(engine, r);
    }
    // Online agrees with batch on input in time order (equal times in input order), when
    // records are told apart by their ids (without one, batch names a record by its place
    // and online by its content).
    let (Some(id), Some(at)) = (engine.schema().slot("id"), engine.schema().slot("at")) else {
        return;
    };
    if records.iter().any(|r| r.get(id).is_none()) {
        return;
    }
    let time = |r: &Record| match r.get(at) {
        Some(Value::Timestamp(t)) => Some(*t),
        _ => None,
    };
    let mut ordered = records;
    ordered.sort_by_key(time);
    let mut in_batch = ordered.clone();
    engine.aggregate_batch(&mut in_batch);
    let mut store = MemoryStore::new();
    for (n, (mut online, batch)) in ordered.into_iter().zip(&in_batch).enumerate() {
        if let Err(e) = engine.aggregate_online(&mut online, &mut store, None) {
            panic!("the memory store failed: {e}");
        }
        assert_eq!(
            seen(&engine.screen(&online)),
            seen(&engine.screen(batch)),
            "record {n} (in time order): online and batch screening disagree"
        );
    }
}

use proptest::prelude::*;

use super::{MemoryStore, NO_HISTORY};
use crate::{Decision, DecodeOptions, Engine, Outcome, Pack, Record, UnknownFields};

const SCHEMA: &str = r#"
[field.id]
type = "string"
required = true
[field.phone]
type = "string"
[field.nik]
type = "string"
[field.at]
type = "timestamp"
[field.fee]
type = "int"
[field.religion]
type = "string"
protected = true
[field.sex]
type = "enum"
values = ["F", "M"]
monitored = true
"#;

fn pack(aggregates: &str, rules: &str) -> String {
    format!(
        r#"
[pack]
id = "net"
version = "1"
title = "Networks"
record_id = "id"
[outcomes]
review = 10
refer = 100
{aggregates}
{rules}
"#
    )
}

const AGGREGATES: &str = r#"
[aggregate.phone_apps]
key = "phone"
time = "at"
window = "30d"
count = true
[aggregate.phone_niks]
key = "phone"
time = "at"
window = "30d"
count_distinct = "nik"
[aggregate.phone_fees]
key = "phone"
time = "at"
window = "30d"
sum = "fee"
where = "fee > 0"
"#;

const RULES: &str = r#"
[[rule]]
id = "shared_phone"
title = "One sponsor phone behind many applications"
weight = 20
when = "agg.phone_apps >= 3"
reason = "{agg.phone_apps} applications in 30 days share this sponsor phone"
[[rule]]
id = "many_niks"
title = "Many applicants behind one phone"
weight = 5
status = "shadow"
when = "agg.phone_niks >= 2"
reason = "distinct applicants"
[[rule]]
id = "fees"
title = "Fees"
weight = 1
status = "shadow"
when = "agg.phone_fees > 100"
reason = "fees"
"#;

fn engine() -> Engine {
    let text = pack(AGGREGATES, RULES);
    Engine::compile(&Pack::from_toml_str(&text, SCHEMA).expect("pack")).expect("engine")
}

fn record(engine: &Engine, json: &str) -> Record {
    engine
        .decode_json(json, Default::default())
        .expect("record")
}

fn row(id: &str, phone: &str, at: &str) -> String {
    format!(r#"{{"id": "{id}", "phone": "{phone}", "nik": "N{id}", "at": "{at}", "fee": 50}}"#)
}

fn batch(engine: &Engine, rows: &[String]) -> Vec<Decision> {
    let mut records: Vec<Record> = rows.iter().map(|r| record(engine, r)).collect();
    engine.aggregate_batch(&mut records);
    records.iter().map(|r| engine.screen(r)).collect()
}

fn value(d: &Decision, rule: &str, agg: &str) -> Option<serde_json::Value> {
    d.hits
        .iter()
        .chain(d.shadow_hits.iter())
        .find(|h| h.rule == rule)
        .map(|h| h.evidence[&format!("agg.{agg}")].clone())
}

#[test]
fn the_window_reaches_back_exactly_its_length_and_counts_the_record_itself() {
    let e = engine();
    let rows = [
        row("a", "+62 1", "2026-05-01T09:59:59Z"),
        row("b", "+62 1", "2026-05-01T10:00:00Z"),
        row("c", "+62 1", "2026-05-20T10:00:00Z"),
        row("d", "+62 1", "2026-05-31T10:00:00Z"),
    ];
    let d = batch(&e, &rows);
    // `a` is one second outside d's window; `b` is exactly 30 days before it.
    assert!(
        d[2].hits.iter().any(|h| h.rule == "shared_phone"),
        "{:?}",
        d[2]
    );
    let shown = value(&d[3], "shared_phone", "phone_apps").expect("hit");
    assert_eq!(shown["value"], 3);
    assert_eq!(shown["key"], "+62 1");
    assert_eq!(shown["window"], "30d");
    assert_eq!(shown["records"], serde_json::json!(["b", "c", "d"]));
    assert_eq!(shown["records_total"], 3);
    assert_eq!(
        d[3].hits[0].reason,
        "3 applications in 30 days share this sponsor phone"
    );
    assert_eq!(d[3].outcome, Outcome::Review);
    assert!(d[1].hits.is_empty());
}

#[test]
fn windows_compare_instants_whatever_the_time_zone() {
    let e = engine();
    // 2026-05-31T06:00+07:00 is 2026-05-30T23:00Z: 30 days back is 2026-04-30T23:00Z.
    let rows = [
        row("a", "p", "2026-05-01T05:59:59+07:00"),
        row("b", "p", "2026-04-30T23:00:00Z"),
        row("c", "p", "2026-05-10T00:00:00-05:00"),
        row("d", "p", "2026-05-31T06:00:00+07:00"),
    ];
    let d = batch(&e, &rows);
    let shown = value(&d[3], "shared_phone", "phone_apps").expect("hit");
    assert_eq!(shown["records"], serde_json::json!(["b", "c", "d"]));
}

#[test]
fn input_order_does_not_matter_but_equal_times_keep_it() {
    let e = engine();
    let rows = [
        row("d", "p", "2026-05-04T00:00:00Z"),
        row("a", "p", "2026-05-01T00:00:00Z"),
        row("c", "p", "2026-05-03T00:00:00Z"),
        row("b", "p", "2026-05-03T00:00:00Z"),
    ];
    let d = batch(&e, &rows);
    // Time order: a, c, b (equal times in input order), d.
    assert!(d[1].hits.is_empty()); // a: 1
    assert!(d[2].hits.is_empty()); // c: 2
    assert_eq!(
        value(&d[3], "shared_phone", "phone_apps").expect("b")["records"],
        serde_json::json!(["a", "c", "b"])
    );
    assert_eq!(
        value(&d[0], "shared_phone", "phone_apps").expect("d")["value"],
        4
    );
}

#[test]
fn the_same_record_id_counts_once() {
    let e = engine();
    let rows = [
        row("a", "p", "2026-05-01T00:00:00Z"),
        row("a", "p", "2026-05-02T00:00:00Z"),
        row("b", "p", "2026-05-03T00:00:00Z"),
    ];
    let d = batch(&e, &rows);
    assert!(d[2].hits.is_empty(), "{:?}", d[2].hits);
    assert_eq!(
        value(&d[2], "many_niks", "phone_niks").expect("distinct")["value"],
        2
    );
}

#[test]
fn count_distinct_sum_and_where() {
    let e = engine();
    let rows = [
        r#"{"id": "1", "phone": "p", "nik": "X", "at": "2026-05-01T00:00:00Z", "fee": 80}"#
            .to_string(),
        r#"{"id": "2", "phone": "p", "nik": "X", "at": "2026-05-02T00:00:00Z", "fee": 0}"#
            .to_string(),
        r#"{"id": "3", "phone": "p", "nik": "Y", "at": "2026-05-03T00:00:00Z", "fee": 30}"#
            .to_string(),
    ];
    let d = batch(&e, &rows);
    assert_eq!(
        value(&d[2], "many_niks", "phone_niks").expect("hit")["value"],
        2
    );
    // Record 2's fee is 0: `where` leaves it out of the sum's window.
    let fees = value(&d[2], "fees", "phone_fees").expect("hit");
    assert_eq!(fees["value"], 110);
    assert_eq!(fees["records"], serde_json::json!(["1", "3"]));
}

#[test]
fn a_missing_key_or_time_makes_the_rules_incomplete_never_a_no() {
    let e = engine();
    let rows = [
        r#"{"id": "1", "at": "2026-05-01T00:00:00Z"}"#.to_string(),
        r#"{"id": "2", "phone": "p"}"#.to_string(),
        r#"{"id": "3", "phone": "  ", "at": "2026-05-01T00:00:00Z"}"#.to_string(),
    ];
    let d = batch(&e, &rows);
    let shared = |d: &Decision| {
        d.incomplete
            .iter()
            .find(|i| i.rule == "shared_phone")
            .cloned()
    };
    assert_eq!(shared(&d[0]).expect("incomplete").missing, ["phone"]);
    assert_eq!(shared(&d[1]).expect("incomplete").missing, ["at"]);
    let blank = shared(&d[2]).expect("incomplete");
    assert!(blank.missing.is_empty());
    assert!(
        blank.error.as_deref().unwrap_or("").contains("is empty"),
        "{blank:?}"
    );
}

#[test]
fn a_record_screened_without_history_is_incomplete() {
    let e = engine();
    let d = e
        .screen_json(&row("a", "p", "2026-05-01T00:00:00Z"))
        .expect("decision");
    let i = d
        .incomplete
        .iter()
        .find(|i| i.rule == "shared_phone")
        .expect("incomplete");
    assert_eq!(i.error.as_deref(), Some(NO_HISTORY));
    assert_eq!(d.outcome, Outcome::Clear);
}

#[test]
fn screen_batch_gives_records_their_history() {
    let e = engine();
    let rows: Vec<String> = (0..3)
        .map(|i| {
            row(
                &i.to_string(),
                "p",
                &format!("2026-05-0{}T00:00:00Z", i + 1),
            )
        })
        .collect();
    let records: Vec<Record> = rows.iter().map(|r| record(&e, r)).collect();
    let d = e.screen_batch(&records);
    assert_eq!(
        value(&d[2], "shared_phone", "phone_apps").expect("hit")["value"],
        3
    );
    let lines: Vec<&str> = rows.iter().map(String::as_str).collect();
    let d = e.screen_json_batch(&lines);
    assert!(d[2]
        .as_ref()
        .expect("ok")
        .hits
        .iter()
        .any(|h| h.rule == "shared_phone"));
}

fn compile_error(aggregates: &str, rules: &str) -> Vec<(String, String)> {
    let text = pack(aggregates, rules);
    let pack = match Pack::from_toml_str(&text, SCHEMA) {
        Ok(p) => p,
        Err(e) => {
            return e
                .diagnostics
                .iter()
                .map(|d| (d.code.to_string(), d.message.clone()))
                .collect()
        }
    };
    match Engine::compile(&pack) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .diagnostics
            .iter()
            .map(|d| (d.code.to_string(), d.message.clone()))
            .collect(),
    }
}

#[test]
fn protected_fields_cannot_key_an_aggregate_and_monitored_ones_need_a_justification() {
    let protected = compile_error(
        "[aggregate.by_religion]\nkey = \"religion\"\ntime = \"at\"\nwindow = \"30d\"\ncount = true\n",
        "[[rule]]\nid = \"r\"\ntitle = \"t\"\nweight = 1\nwhen = \"agg.by_religion > 1\"\nreason = \"x\"\n",
    );
    assert!(
        protected.iter().any(|(c, _)| c == "pack.protected_field"),
        "{protected:?}"
    );
    let monitored = compile_error(
        "[aggregate.by_sex]\nkey = \"phone + sex\"\ntime = \"at\"\nwindow = \"30d\"\ncount = true\n",
        "[[rule]]\nid = \"r\"\ntitle = \"t\"\nweight = 1\nwhen = \"agg.by_sex > 1\"\nreason = \"x\"\n",
    );
    assert!(
        monitored
            .iter()
            .any(|(c, m)| c == "pack.monitored_field" && m.contains("`sex`")),
        "{monitored:?}"
    );
}

#[test]
fn unknown_aggregates_wrong_types_and_bad_windows_are_load_errors() {
    let unknown = compile_error(AGGREGATES, "[[rule]]\nid = \"r\"\ntitle = \"t\"\nweight = 1\nwhen = \"agg.phone_ap > 1\"\nreason = \"x\"\n");
    assert_eq!(unknown[0].0, "pack.unknown_aggregate");
    assert_eq!(unknown[0].1, "there is no aggregate `phone_ap`");
    let time = compile_error(
        "[aggregate.x]\nkey = \"phone\"\ntime = \"fee\"\nwindow = \"30d\"\ncount = true\n",
        "",
    );
    assert_eq!(
        time,
        [(
            "cel.type_mismatch".to_string(),
            "the time of aggregate `x` must be a date or timestamp, found int".to_string()
        )]
    );
    let window = compile_error(
        "[aggregate.x]\nkey = \"phone\"\ntime = \"at\"\nwindow = \"30 days\"\ncount = true\n",
        "",
    );
    assert_eq!(window[0].0, "pack.invalid_value");
    let two = compile_error("[aggregate.x]\nkey = \"phone\"\ntime = \"at\"\nwindow = \"30d\"\ncount = true\nsum = \"fee\"\n", "");
    assert_eq!(two[0].1, "`[aggregate.x]` computes more than one value");
    let clash = compile_error("[constants]\nagg = 1\n[aggregate.x]\nkey = \"phone\"\ntime = \"at\"\nwindow = \"30d\"\ncount = true\n", "");
    assert_eq!(clash[0].0, "pack.name_clash");
}

/// Screens rows one at a time against a store.
fn online(e: &Engine, rows: &[String], store: &mut dyn super::Store) -> Vec<Decision> {
    rows.iter()
        .map(|r| {
            let mut rec = record(e, r);
            e.aggregate_online(&mut rec, store, None).expect("store");
            e.screen(&rec)
        })
        .collect()
}

#[test]
fn online_screening_counts_the_same_record_once() {
    let e = engine();
    let mut store = MemoryStore::new();
    let first = row("a", "p", "2026-05-01T00:00:00Z");
    let d = online(
        &e,
        &[
            first.clone(),
            first.clone(),
            row("b", "p", "2026-05-02T00:00:00Z"),
        ],
        &mut store,
    );
    assert_eq!(store.len(), 3 * 2, "a once per aggregate, b too");
    assert!(d[2].hits.is_empty());
    assert_eq!(
        value(&d[2], "many_niks", "phone_niks").expect("hit")["records"],
        serde_json::json!(["a", "b"])
    );
}

#[test]
fn online_purges_entries_older_than_the_longest_window() {
    let e = engine();
    let mut store = MemoryStore::new();
    online(
        &e,
        &[
            row("a", "p", "2026-01-01T00:00:00Z"),
            row("b", "q", "2026-01-02T00:00:00Z"),
        ],
        &mut store,
    );
    assert_eq!(store.len(), 6);
    online(&e, &[row("c", "p", "2026-03-01T00:00:00Z")], &mut store);
    assert_eq!(store.len(), 3, "a and b are more than 30 days older than c");
}

fn outcomes(d: &[Decision]) -> Vec<(Vec<String>, Vec<String>, Vec<serde_json::Value>)> {
    d.iter()
        .map(|d| {
            (
                d.hits.iter().map(|h| h.rule.clone()).collect(),
                d.shadow_hits.iter().map(|h| h.rule.clone()).collect(),
                d.hits
                    .iter()
                    .chain(&d.shadow_hits)
                    .flat_map(|h| h.evidence.values().cloned())
                    .collect(),
            )
        })
        .collect()
}

prop_compose! {
    fn ordered_rows()(events in prop::collection::vec((0u8..4, 0u8..6, 0u32..80, 0u8..3, 0i64..4), 1..40)) -> Vec<String> {
        let mut hours = 0u32;
        events
            .into_iter()
            .enumerate()
            .map(|(i, (phone, id, step, nik, fee))| {
                hours += step * 6;
                let day = 1 + hours / 24;
                let month = 1 + (day - 1) / 28;
                let day = 1 + (day - 1) % 28;
                let id = if id == 0 { format!("dup{}", i % 3) } else { format!("r{i}") };
                format!(
                    r#"{{"id": "{id}", "phone": "p{phone}", "nik": "N{nik}", "at": "2026-{month:02}-{day:02}T{:02}:00:00Z", "fee": {fee}}}"#,
                    hours % 24
                )
            })
            .collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// On input in time order, batch and online screening agree, in memory and in SQLite.
    #[test]
    fn batch_and_online_agree_on_ordered_input(rows in ordered_rows()) {
        let e = engine();
        let batch = batch(&e, &rows);
        let mut memory = MemoryStore::new();
        let online_memory = online(&e, &rows, &mut memory);
        prop_assert_eq!(outcomes(&batch), outcomes(&online_memory));
        #[cfg(feature = "sqlite")]
        {
            let mut sqlite = super::SqliteStore::in_memory().expect("sqlite");
            let online_sqlite = online(&e, &rows, &mut sqlite);
            prop_assert_eq!(outcomes(&batch), outcomes(&online_sqlite));
        }
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn restarting_the_sqlite_store_mid_stream_gives_the_same_results() {
    let e = engine();
    let rows: Vec<String> = (0..40)
        .map(|i| {
            row(
                &format!("r{i}"),
                &format!("p{}", i % 3),
                &format!("2026-05-{:02}T{:02}:00:00Z", 1 + i / 4, i % 24),
            )
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("saring-agg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let one = dir.join("one.db");
    let two = dir.join("two.db");
    let _ = std::fs::remove_file(&one);
    let _ = std::fs::remove_file(&two);
    let whole = {
        let mut store = super::SqliteStore::open(&one).expect("open");
        online(&e, &rows, &mut store)
    };
    let mut halves = {
        let mut store = super::SqliteStore::open(&two).expect("open");
        online(&e, &rows[..17], &mut store)
    };
    {
        let mut store = super::SqliteStore::open(&two).expect("reopen");
        halves.extend(online(&e, &rows[17..], &mut store));
        use super::Store as _;
        store.flush().expect("flush");
    }
    assert_eq!(outcomes(&whole), outcomes(&halves));
    assert!(whole
        .iter()
        .any(|d| d.hits.iter().any(|h| h.rule == "shared_phone")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "sqlite")]
#[test]
fn a_record_screened_again_after_a_restart_is_not_counted_twice() {
    let e = engine();
    let dir = std::env::temp_dir().join(format!("saring-agg-twice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("twice.db");
    let _ = std::fs::remove_file(&path);
    let first = row("a", "p", "2026-05-01T00:00:00Z");
    {
        let mut store = super::SqliteStore::open(&path).expect("open");
        online(&e, std::slice::from_ref(&first), &mut store);
    }
    let mut store = super::SqliteStore::open(&path).expect("reopen");
    let d = online(
        &e,
        &[first, row("b", "p", "2026-05-02T00:00:00Z")],
        &mut store,
    );
    assert_eq!(
        value(&d[1], "many_niks", "phone_niks").expect("value")["records"],
        serde_json::json!(["a", "b"])
    );
    use super::Store as _;
    store.flush().expect("flush");
    drop(store);
    let reopened = super::SqliteStore::open(&path).expect("reopen again");
    assert_eq!(
        reopened.entries().expect("entries"),
        3 * 2,
        "a and b once per aggregate"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "sqlite")]
#[test]
fn a_store_of_the_first_version_is_migrated_with_its_entries() {
    let e = engine();
    let dir = std::env::temp_dir().join(format!("saring-agg-v1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("v1.db");
    let _ = std::fs::remove_file(&path);
    let rows = [
        row("a", "p", "2026-05-01T00:00:00Z"),
        row("b", "p", "2026-05-02T00:00:00Z"),
    ];
    let expected = {
        let mut store = MemoryStore::new();
        online(&e, &rows, &mut store)
    };
    {
        // What screening `a` wrote, moved into the first version's table.
        let mut store = super::SqliteStore::open(&path).expect("open");
        online(&e, &rows[..1], &mut store);
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("open v1");
        conn.execute_batch(
            "CREATE TABLE saring_entries (seq INTEGER PRIMARY KEY, aggregate TEXT NOT NULL,
             record TEXT NOT NULL, key TEXT NOT NULL, time INTEGER NOT NULL, text TEXT,
             num_int INTEGER, num_real REAL, UNIQUE (aggregate, record));
             INSERT INTO saring_entries SELECT * FROM saring_history;
             DROP TABLE saring_history;",
        )
        .expect("v1 table");
    }
    let mut store = super::SqliteStore::open(&path).expect("migrate");
    assert_eq!(store.entries().expect("entries"), 3, "a's entries moved");
    let second = online(&e, &rows[1..], &mut store);
    assert_eq!(outcomes(&expected[1..]), outcomes(&second));
    assert_eq!(
        value(&second[0], "many_niks", "phone_niks").expect("value")["records"],
        serde_json::json!(["a", "b"])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The id-pmi departure pack (two aggregates over nested fields, through derived values).
fn departure() -> Engine {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules/id-pmi/departure.toml"
    );
    Engine::compile(&Pack::load(path).expect("pack")).expect("engine")
}

fn departure_records() -> Vec<serde_json::Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules/id-pmi/examples/departures.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("examples")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Any JSON value, small.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z0-9 -]{0,8}".prop_map(serde_json::Value::from),
        Just(serde_json::json!("2026-05-01")),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The first pass's partial decode refuses exactly the records the full decode refuses,
    /// and gives the same history entry (id, keys, times, values) — whatever a field holds.
    #[test]
    fn history_decoding_agrees_with_full_decoding(
        pick in 0usize..200,
        edits in prop::collection::vec(("[a-z_.]{1,24}", any_json()), 0..4),
        duplicate in any::<bool>(),
        mode in 0usize..3,
    ) {
        let e = departure();
        let records = departure_records();
        let mut record = records[pick % records.len()].clone();
        let fields: Vec<String> = e.schema().slots.iter().map(|s| s.path.to_string()).collect();
        for (i, (path, value)) in edits.iter().enumerate() {
            // Edit a schema field (at its dotted path) or add an unknown one.
            let path = if i % 2 == 0 { fields[path.len() * 7 % fields.len()].clone() } else { path.clone() };
            let mut at = &mut record;
            let parts: Vec<&str> = path.split('.').collect();
            for (n, part) in parts.iter().enumerate() {
                if !at.is_object() {
                    break;
                }
                let Some(obj) = at.as_object_mut() else { break };
                if n + 1 == parts.len() {
                    obj.insert(part.to_string(), value.clone());
                    break;
                }
                at = obj.entry(part.to_string()).or_insert_with(|| serde_json::json!({}));
            }
        }
        let mut text = record.to_string();
        if duplicate {
            // A repeated key, which the full decode refuses wherever it is.
            if let Some(at) = text.find("\"stage\"") {
                text.insert_str(at, "\"stage\": \"departure\", ");
            }
        }
        let options = DecodeOptions {
            unknown_fields: [UnknownFields::Ignore, UnknownFields::Report, UnknownFields::Reject][mode],
        };
        let full = e.decode_json(&text, options);
        let part = e.decode_json_for_history(&text, options);
        prop_assert_eq!(full.is_ok(), part.is_ok(), "{} / {:?} / {:?}", text, full.as_ref().err(), part.as_ref().err());
        if let (Ok(full), Ok(part)) = (&full, &part) {
            prop_assert_eq!(
                format!("{:?}", e.history_entry(full, 3)),
                format!("{:?}", e.history_entry(part, 3))
            );
        }
        let value: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        if let Some(value) = value {
            let full = e.decode_value(&value, options);
            let part = e.decode_value_for_history(&value, options);
            prop_assert_eq!(full.is_ok(), part.is_ok());
            if let (Ok(full), Ok(part)) = (&full, &part) {
                prop_assert_eq!(
                    format!("{:?}", e.history_entry(full, 3)),
                    format!("{:?}", e.history_entry(part, 3))
                );
            }
        }
    }
}

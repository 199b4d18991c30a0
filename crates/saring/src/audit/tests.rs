//! Tests of the decision log: writing, resuming, reviews, anchors, labels, and every kind of
//! tampering named by line.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::bundle::SecretKey;
use crate::{Engine, Pack};

const SCHEMA: &str = "[field.id]\ntype = \"string\"\n[field.n]\ntype = \"int\"\nrequired = true\n\
                      [field.faith]\ntype = \"string\"\nprotected = true\n";
const PACK: &str = "[pack]\nid = \"audit-test\"\nversion = \"1\"\ntitle = \"Audit\"\nrecord_id = \"id\"\n\
                    [outcomes]\nreview = 10\nrefer = 20\n\
                    [[rule]]\nid = \"big\"\ntitle = \"Big\"\nweight = 10\nwhen = \"n > 5\"\nreferences = [\"test\"]\n";

fn engine() -> Engine {
    Engine::compile(&Pack::from_toml_str(PACK, SCHEMA).unwrap()).unwrap()
}

fn options() -> LogOptions {
    LogOptions {
        actor: Some("test-service".into()),
        clock: Clock::fixed("2025-05-01T08:30:00Z").unwrap(),
        ..LogOptions::default()
    }
}

fn record(i: u64) -> Value {
    json!({"id": format!("SYN-{i:06}"), "n": i % 10, "faith": "x"})
}

/// Writes a log of `n` decisions and returns its path (inside `dir`).
fn write_log(dir: &Path, n: u64, options: LogOptions) -> PathBuf {
    let path = dir.join("decisions.jsonl");
    let engine = engine();
    let mut log = DecisionLog::open(&path, options).unwrap();
    for i in 1..=n {
        let input = record(i);
        let decision = engine.screen_value(&input).unwrap();
        log.append_decision(engine.schema(), &input, &decision)
            .unwrap();
    }
    log.finish().unwrap();
    path
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

fn error_of(bytes: &[u8]) -> Issue {
    verify(bytes, &VerifyOptions::default())
        .error
        .expect("the log must not verify")
}

#[test]
fn an_entry_holds_the_decision_the_record_hash_and_the_chain() {
    let dir = tempdir();
    let path = write_log(dir.path(), 2, options());
    let l = lines(&path);
    let first: Value = serde_json::from_str(&l[0]).unwrap();
    assert_eq!(first["seq"], 1);
    assert_eq!(first["kind"], "decision");
    assert_eq!(first["time"], "2025-05-01T08:30:00.000Z");
    assert_eq!(first["actor"], "test-service");
    assert_eq!(first["prev"], Value::Null);
    assert_eq!(first["decision"]["record"], "SYN-000001");
    assert_eq!(first["decision"]["pack"]["id"], "audit-test");
    // The hash of the record without its protected field, in canonical form.
    let expected = canonical_hash(&json!({"n": 1, "id": "SYN-000001"}));
    assert_eq!(first["record_hash"], expected.as_str());
    assert!(
        first.get("input").is_none(),
        "records are not kept by default"
    );
    assert!(!l[0].contains("faith"));
    let second: Value = serde_json::from_str(&l[1]).unwrap();
    assert_eq!(second["prev"], first["hash"]);
    // The hash covers every byte before it.
    let body = &l[0][..l[0].len() - 82];
    assert_eq!(
        first["hash"].as_str().unwrap(),
        crate::bundle::sha256_text(body.as_bytes())
    );
}

#[test]
fn ten_thousand_entries_verify_and_every_tampering_names_its_line() {
    let dir = tempdir();
    let path = write_log(dir.path(), 10_000, options());
    let original = lines(&path);
    let report = verify_file(&path, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.error);
    assert_eq!((report.entries, report.decisions), (10_000, 10_000));
    let last: Value = serde_json::from_str(&original[9_999]).unwrap();
    assert_eq!(report.head.as_deref(), last["hash"].as_str());

    // One flipped byte, anywhere in a line: in the decision, in `prev`, in the hash itself.
    for (line, at) in [(5_000usize, 40usize), (5_000, 200), (1, 3), (10_000, 0)] {
        let mut l = original.clone();
        let mut bytes = l[line - 1].clone().into_bytes();
        let at = at.min(bytes.len() - 1);
        bytes[at] ^= 0x02;
        l[line - 1] = String::from_utf8_lossy(&bytes).into_owned();
        assert_eq!(
            error_of(&join(&l)).line,
            line as u64,
            "byte {at} of line {line}"
        );
    }
    for line in [2_500usize, 7_777] {
        let mut l = original.clone();
        let n = l[line - 1].len();
        let mut bytes = l[line - 1].clone().into_bytes();
        bytes[n - 10] = if bytes[n - 10] == b'a' { b'b' } else { b'a' };
        l[line - 1] = String::from_utf8(bytes).unwrap();
        let issue = error_of(&join(&l));
        assert_eq!((issue.line, issue.code), (line as u64, "audit.changed"));
    }

    // A deleted line: the next one no longer belongs there.
    let mut l = original.clone();
    l.remove(3_999);
    let issue = error_of(&join(&l));
    assert_eq!((issue.line, issue.code), (4_000, "audit.sequence"));

    // Two lines swapped.
    let mut l = original.clone();
    l.swap(2_999, 3_000);
    let issue = error_of(&join(&l));
    assert_eq!((issue.line, issue.code), (3_000, "audit.sequence"));

    // A line inserted (a copy of another).
    let mut l = original.clone();
    l.insert(100, original[50].clone());
    assert_eq!(error_of(&join(&l)).line, 101);

    // Truncated in the middle of line 7000.
    let all = join(&original);
    let start: usize = original[..6_999].iter().map(|s| s.len() + 1).sum();
    let issue = error_of(&all[..start + 30]);
    assert_eq!((issue.line, issue.code), (7_000, "audit.torn"));

    // A renumbered entry with a recomputed hash still breaks the chain.
    let mut l = original.clone();
    l.remove(9_000);
    let forged = forge(&l[9_000], |v| v["seq"] = json!(9_001));
    l[9_000] = forged;
    let issue = error_of(&join(&l));
    assert_eq!((issue.line, issue.code), (9_001, "audit.chain"));
}

/// Rewrites an entry and recomputes its own hash (what a forger without the chain would do).
fn forge(line: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(line).unwrap();
    f(&mut v);
    let map = v.as_object_mut().unwrap();
    map.remove("hash");
    let mut text = serde_json::to_string(&v).unwrap();
    text.pop();
    let hash = crate::bundle::sha256_text(text.as_bytes());
    format!("{text},\"hash\":\"{hash}\"}}")
}

#[test]
fn a_log_resumes_its_chain_and_refuses_a_torn_tail() {
    let dir = tempdir();
    let path = write_log(dir.path(), 3, options());
    {
        let engine = engine();
        let mut log = DecisionLog::open(&path, options()).unwrap();
        assert_eq!(log.head().seq, 3);
        let input = record(4);
        let d = engine.screen_value(&input).unwrap();
        assert_eq!(log.append_decision(engine.schema(), &input, &d).unwrap(), 4);
        log.finish().unwrap();
    }
    let report = verify_file(&path, &VerifyOptions::default()).unwrap();
    assert!(report.ok());
    assert_eq!(report.entries, 4);

    // A crash mid-write: half a line at the end.
    let mut bytes = std::fs::read(&path).unwrap();
    let whole = bytes.len();
    bytes.extend_from_slice(b"{\"seq\":5,\"kind\":\"decis");
    std::fs::write(&path, &bytes).unwrap();
    let e = DecisionLog::open(&path, options()).unwrap_err();
    assert_eq!((e.code, e.line), ("audit.torn", Some(5)));
    assert!(e.message.contains("line 5"), "{}", e.message);
    assert!(e.help.unwrap().contains("saring audit repair"));

    // Repair moves the torn bytes aside; the log resumes.
    assert_eq!(repair(&path).unwrap(), Some((5, 22)));
    assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, whole);
    let side = std::fs::read_to_string(dir.path().join("decisions.jsonl.torn")).unwrap();
    assert_eq!(side, "{\"seq\":5,\"kind\":\"decis\n");
    assert_eq!(repair(&path).unwrap(), None);
    let log = DecisionLog::open(&path, options()).unwrap();
    assert_eq!(log.head().seq, 4);
}

#[test]
fn a_repair_refuses_a_log_broken_elsewhere() {
    let dir = tempdir();
    let path = write_log(dir.path(), 3, options());
    let mut l = lines(&path);
    l.remove(1);
    let mut bytes = join(&l);
    bytes.extend_from_slice(b"{\"seq\"");
    std::fs::write(&path, &bytes).unwrap();
    let e = repair(&path).unwrap_err();
    assert_eq!((e.code, e.line), ("audit.broken", Some(2)));
}

#[test]
fn a_log_with_a_changed_tail_is_not_resumed() {
    let dir = tempdir();
    let path = write_log(dir.path(), 3, options());
    let mut l = lines(&path);
    l[2] = l[2]
        .replace("\"refer\"", "\"clear\"")
        .replace("\"review\"", "\"clear\"");
    l[2] = l[2].replacen("SYN", "SYM", 1);
    std::fs::write(&path, join(&l)).unwrap();
    let e = DecisionLog::open(&path, options()).unwrap_err();
    assert_eq!((e.code, e.line), ("audit.tail", Some(3)));
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempdir();
    let path = dir.path().join("log.jsonl");
    let _first = DecisionLog::open(&path, options()).unwrap();
    let e = DecisionLog::open(&path, options()).unwrap_err();
    assert_eq!(e.code, "audit.locked");
}

#[test]
fn reviews_refer_to_the_latest_decision_and_become_labels() {
    let dir = tempdir();
    let path = write_log(dir.path(), 8, options());
    let mut log = DecisionLog::open(&path, options()).unwrap();
    let seq = log
        .review(
            "SYN-000006",
            Verdict::Confirmed,
            "agent held the passport",
            Some("officer-7"),
        )
        .unwrap();
    assert_eq!(seq, 9);
    log.review("SYN-000007", Verdict::Confirmed, "first look", None)
        .unwrap();
    log.review(
        "SYN-000007",
        Verdict::Dismissed,
        "documents shown later",
        None,
    )
    .unwrap();
    let e = log
        .review("SYN-999999", Verdict::Confirmed, "x", None)
        .unwrap_err();
    assert_eq!(e.code, "audit.no_decision");
    let e = log
        .review("SYN-000001", Verdict::Confirmed, " ", None)
        .unwrap_err();
    assert_eq!(e.code, "audit.review");
    log.finish().unwrap();
    drop(log);

    let l = lines(&path);
    let review: Value = serde_json::from_str(&l[8]).unwrap();
    let decision: Value = serde_json::from_str(&l[5]).unwrap();
    assert_eq!(review["kind"], "review");
    assert_eq!(review["actor"], "officer-7");
    assert_eq!(review["record"], "SYN-000006");
    assert_eq!(review["verdict"], "confirmed");
    assert_eq!(
        review["refers_to"],
        json!({"seq": 6, "hash": decision["hash"]})
    );
    let report = verify_file(&path, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.error);
    assert_eq!((report.decisions, report.reviews), (8, 3));

    let labels = labels(&path).unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0].record.as_deref(), Some("SYN-000006"));
    assert!(labels[0].label());
    assert_eq!(labels[0].outcome.as_deref(), Some("review"));
    assert_eq!(
        labels[1].verdict,
        Verdict::Dismissed,
        "the later review wins"
    );
    let row = labels[1].row("label");
    assert_eq!(row["record"], "SYN-000007");
    assert_eq!(row["label"], false);
    assert_eq!(row["verdict"], "dismissed");
    assert_eq!(row["score"], 10);

    // A review pointing at a non-decision (forged with a valid hash) breaks the log there.
    let mut l = lines(&path);
    l[8] = forge(&l[8], |v| v["refers_to"]["seq"] = json!(5));
    let issue = error_of(&join(&l));
    assert_eq!((issue.line, issue.code), (9, "audit.reference"));
}

#[test]
fn kept_records_drop_protected_fields_and_label_whole_rows() {
    let dir = tempdir();
    let keep = LogOptions {
        keep_records: true,
        ..options()
    };
    let path = write_log(dir.path(), 7, keep.clone());
    let l = lines(&path);
    let first: Value = serde_json::from_str(&l[0]).unwrap();
    assert_eq!(first["input"], json!({"id": "SYN-000001", "n": 1}));
    assert!(!l[0].contains("faith"));
    let mut log = DecisionLog::open(&path, keep).unwrap();
    log.review(
        "SYN-000007",
        Verdict::Confirmed,
        "confirmed at interview",
        None,
    )
    .unwrap();
    drop(log);
    assert!(verify_file(&path, &VerifyOptions::default()).unwrap().ok());
    let labels = labels(&path).unwrap();
    assert_eq!(
        labels[0].row("truth"),
        json!({"id": "SYN-000007", "n": 7, "truth": true})
    );

    // A kept record edited along with a recomputed line hash no longer matches its hash.
    let mut l = lines(&path);
    l[0] = forge(&l[0], |v| v["input"]["n"] = json!(2));
    let issue = error_of(&join(&l));
    assert_eq!((issue.line, issue.code), (1, "audit.record_hash"));
}

#[test]
fn anchors_sign_the_head_and_verify_with_the_public_key() {
    let dir = tempdir();
    let key = SecretKey::from_seed([9u8; 32]);
    let signed = LogOptions {
        anchor: Some((key.clone(), 100)),
        ..options()
    };
    let path = write_log(dir.path(), 250, signed);
    let l = lines(&path);
    // 100 decisions, an anchor, 100 decisions, an anchor, 50 more and the final anchor.
    let kinds: Vec<String> = l
        .iter()
        .map(|x| {
            serde_json::from_str::<Value>(x).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds.len(), 253);
    assert_eq!(kinds[100], "anchor");
    assert_eq!(kinds[201], "anchor");
    assert_eq!(kinds.iter().filter(|k| *k == "anchor").count(), 3);
    assert_eq!(kinds[252], "anchor");
    let trusted = VerifyOptions {
        trusted_keys: vec![key.public_key()],
    };
    let report = verify(&join(&l), &trusted);
    assert!(report.ok(), "{:?}", report.error);
    assert_eq!((report.anchors, report.anchors_verified), (3, 3));
    let unchecked = verify(&join(&l), &VerifyOptions::default());
    assert_eq!((unchecked.anchors, unchecked.anchors_verified), (3, 0));

    let other = VerifyOptions {
        trusted_keys: vec![SecretKey::from_seed([8u8; 32]).public_key()],
    };
    let issue = verify(&join(&l), &other).error.unwrap();
    assert_eq!((issue.line, issue.code), (101, "audit.anchor"));

    // A forged anchor (valid line hash, signature over another head) is caught with the key.
    let mut forged = l.clone();
    let sig = key.sign_hex(&anchor_message(5, None));
    forged[201] = forge(&forged[201], |v| v["signature"] = json!(sig));
    let issue = verify(&join(&forged), &trusted).error.unwrap();
    assert_eq!((issue.line, issue.code), (202, "audit.anchor"));
}

#[test]
fn a_fixed_clock_must_be_rfc3339() {
    assert_eq!(Clock::fixed("yesterday").unwrap_err().code, "audit.clock");
    assert_eq!(
        Clock::fixed("2025-05-01T10:30:00+02:00").unwrap().now(),
        "2025-05-01T08:30:00.000Z"
    );
    let now = Clock::System.now();
    assert!(chrono::DateTime::parse_from_rfc3339(&now).is_ok(), "{now}");
}

#[test]
fn canonical_json_follows_rfc_8785() {
    // The example of RFC 8785, section 3.2.2 (numbers, escapes, key order).
    let input = r#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],
      "string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#;
    let v: Value = serde_json::from_str(input).unwrap();
    assert_eq!(
        canonical_json(&v),
        r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    );
}

/// JSON values without floats that do not round-trip exactly as text.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-zA-Z0-9 é€\"\\\\\n]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Writes JSON text with object keys in reverse order and generous whitespace.
fn scrambled(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            out.push_str("{ \n");
            let keys: Vec<&String> = map.keys().rev().collect();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(" ,\t");
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str(" :  ");
                scrambled(&map[k.as_str()], out);
            }
            out.push_str("\n}");
        }
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                scrambled(item, out);
            }
            out.push_str(" ]");
        }
        other => out.push_str(&other.to_string()),
    }
}

proptest! {
    #[test]
    fn canonical_hashing_ignores_key_order_and_whitespace(v in json_value()) {
        let compact = serde_json::to_string(&v).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let mut odd = String::new();
        scrambled(&v, &mut odd);
        let hash = canonical_hash(&v);
        for text in [compact, pretty, odd] {
            let parsed: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(canonical_hash(&parsed), hash.clone(), "{}", text);
        }
        // The canonical text is itself canonical.
        let canon = canonical_json(&v);
        let again: Value = serde_json::from_str(&canon).unwrap();
        prop_assert_eq!(canonical_json(&again), canon);
    }
}

/// A temporary directory removed on drop (no extra dependency for the core's tests).
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "saring-audit-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

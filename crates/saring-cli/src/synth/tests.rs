//! Tests of the generator and of model checking (CLI tests: `tests/cli/synth.rs`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use saring::schema::{FieldKind, ObjectType};
use saring::{DecodeOptions, Engine, Pack, Schema};
use serde_json::Value;

use super::{load, model_from_str, Loaded};

fn rules(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rules")
        .join(rel)
}

fn id_pmi(variant: &str) -> &'static Loaded {
    static DEP: OnceLock<Loaded> = OnceLock::new();
    static PAS: OnceLock<Loaded> = OnceLock::new();
    let cell = if variant == "passport" { &PAS } else { &DEP };
    cell.get_or_init(|| load(&rules("id-pmi"), Some(variant)).expect("id-pmi model loads"))
}

/// 30,000 records of a variant (seed 5), drawn once and shared by the tests that measure
/// rates.
fn sample(variant: &str) -> &'static [Value] {
    static DEP: OnceLock<Vec<Value>> = OnceLock::new();
    static PAS: OnceLock<Vec<Value>> = OnceLock::new();
    let cell = if variant == "passport" { &PAS } else { &DEP };
    cell.get_or_init(|| gen(id_pmi(variant), 5, 30_000))
}

fn gen(loaded: &Loaded, seed: u64, n: u64) -> Vec<Value> {
    loaded
        .generator(seed)
        .records(n)
        .map(|r| r.expect("record"))
        .collect()
}

fn positives(records: &[Value]) -> Vec<&Value> {
    records.iter().filter(|r| r["label"] == true).collect()
}

fn negatives(records: &[Value]) -> Vec<&Value> {
    records.iter().filter(|r| r["label"] == false).collect()
}

fn share(group: &[&Value], f: impl Fn(&Value) -> bool) -> f64 {
    group.iter().filter(|r| f(r)).count() as f64 / group.len().max(1) as f64
}

// ------------------------------------------------------------------ determinism

#[test]
fn same_seed_same_output() {
    for variant in ["passport", "departure"] {
        let m = id_pmi(variant);
        let a = gen(m, 42, 300);
        assert_eq!(a, gen(m, 42, 300));
        assert_ne!(
            a,
            gen(m, 43, 300),
            "a different seed gives different records"
        );
    }
}

#[test]
fn record_does_not_depend_on_n() {
    let m = id_pmi("departure");
    let long = sample("departure");
    assert_eq!(gen(m, 5, 10)[..], long[..10]);
    // Across a block boundary, with networks.
    assert_eq!(gen(m, 5, 1500)[..], long[..1500]);
}

#[test]
fn fixed_output_for_a_known_seed() {
    // Guards cross-platform determinism: if this changes, the model changed (bump its
    // `version` in synth.toml) or the random draws are no longer platform independent.
    let first = &gen(id_pmi("departure"), 1, 1)[0];
    assert_eq!(first["record_id"], "SYN-000001");
    assert_eq!(first["stage"], "departure");
    assert_eq!(first["birth_date"], "1972-09-18");
    assert_eq!(first["nik"], "3230215809720804");
    assert_eq!(first["stated_purpose"], "tourism");
    assert_eq!(first["synth"]["scenario"], "tourist");
}

// ------------------------------------------------------------------ shape

#[test]
fn base_rate_within_bounds() {
    for variant in ["passport", "departure"] {
        let p = positives(sample(variant)).len();
        assert!(
            (1200..=1700).contains(&p),
            "{variant}: {p} positives of 30,000"
        );
    }
}

/// Every key of a record is declared in the schema (besides `label`, `synth`, the id).
fn assert_declared(obj: &ObjectType, value: &serde_json::Map<String, Value>, at: &str) {
    for (k, v) in value {
        if at.is_empty() && matches!(k.as_str(), "label" | "synth" | "record_id") {
            continue;
        }
        let Some(field) = obj.field(k) else {
            panic!("`{at}{k}` is not declared in the schema");
        };
        assert!(!field.protected, "protected `{}` generated", field.path);
        let child = match &field.kind {
            FieldKind::Object(c) => Some(c),
            FieldKind::List(item) => match item.as_ref() {
                FieldKind::Object(c) => Some(c),
                _ => None,
            },
            _ => None,
        };
        if let Some(c) = child {
            let maps: Vec<&serde_json::Map<String, Value>> = match v {
                Value::Object(m) => vec![m],
                Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
                _ => vec![],
            };
            for m in maps {
                assert_declared(c, m, &format!("{at}{k}."));
            }
        }
    }
}

fn bundled() -> Vec<(PathBuf, &'static str)> {
    vec![
        (rules("id-pmi/departure.toml"), "departure"),
        (rules("id-pmi/passport.toml"), "passport"),
        (rules("job-offer"), ""),
        (rules("demo"), ""),
    ]
}

#[test]
fn every_bundled_pack_gets_valid_declared_records() {
    for (pack, _) in bundled() {
        let loaded = load(&pack, None).expect("model loads");
        assert!(!loaded.schema_only(), "{} has a synth.toml", pack.display());
        let engine = Engine::load(&loaded.pack_path).expect("pack compiles");
        for (i, rec) in gen(&loaded, 9, 2000).iter().enumerate() {
            assert_declared(&loaded.schema().root, rec.as_object().expect("object"), "");
            if let Err(e) = engine.decode_value(rec, DecodeOptions::default()) {
                panic!(
                    "{}: record {i} does not decode: {e:?}\n{rec}",
                    pack.display()
                );
            }
        }
    }
}

#[test]
fn every_record_has_the_required_fields() {
    fn missing(obj: &ObjectType, v: &serde_json::Map<String, Value>, out: &mut Vec<String>) {
        for f in &obj.fields {
            match v.get(&f.name) {
                None if f.required => out.push(f.path.clone()),
                Some(Value::Object(m)) => {
                    if let FieldKind::Object(c) = &f.kind {
                        missing(c, m, out)
                    }
                }
                _ => {}
            }
        }
    }
    for (pack, _) in bundled() {
        let loaded = load(&pack, None).expect("model loads");
        let mut g = loaded.generator(9);
        g.drop_required = 0.0;
        for rec in g.records(1500) {
            let rec = rec.expect("record");
            let mut out = Vec::new();
            missing(
                &loaded.schema().root,
                rec.as_object().expect("object"),
                &mut out,
            );
            assert!(
                out.is_empty(),
                "{}: {out:?} missing in {rec}",
                pack.display()
            );
        }
    }
    // With the id-pmi model's 2%, only a few records lose exactly one required field.
    let loaded = id_pmi("departure");
    let (mut complete, mut total) = (0, 0);
    for rec in &sample("departure")[..5000] {
        let mut out = Vec::new();
        missing(
            &loaded.schema().root,
            rec.as_object().expect("object"),
            &mut out,
        );
        assert!(out.len() <= 1, "{out:?}");
        total += 1;
        complete += usize::from(out.is_empty());
    }
    assert!(
        complete * 100 >= total * 97 && complete < total,
        "{complete} of {total}"
    );
}

// ------------------------------------------------------------------ the id-pmi model's meaning

fn age(rec: &Value) -> f64 {
    let (Some(b), Some(e)) = (rec["birth_date"].as_str(), rec["event_date"].as_str()) else {
        return 0.0;
    };
    let year = |s: &str| s[..4].parse::<f64>().unwrap_or(0.0);
    year(e) - year(b)
}

#[test]
fn monitored_attributes_independent_of_label() {
    for variant in ["departure", "passport"] {
        let recs = sample(variant);
        let (pos, neg) = (positives(recs), negatives(recs));
        assert!(pos.len() > 1000, "{}", pos.len());
        let female = |r: &Value| r["sex"] == "female";
        let diff = (share(&pos, female) - share(&neg, female)).abs();
        assert!(diff < 0.04, "{variant}: female share differs by {diff}");
        let mean = |g: &[&Value]| g.iter().map(|r| age(r)).sum::<f64>() / g.len() as f64;
        let d = (mean(&pos) - mean(&neg)).abs();
        assert!(d < 1.5, "{variant}: mean age differs by {d} years");
        let mut provinces: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for r in &pos {
            provinces.entry(r["province"].to_string()).or_default().0 += 1.0 / pos.len() as f64;
        }
        for r in &neg {
            provinces.entry(r["province"].to_string()).or_default().1 += 1.0 / neg.len() as f64;
        }
        for (p, (a, b)) in provinces {
            assert!((a - b).abs() < 0.04, "{variant}: {p} share {a} vs {b}");
        }
    }
}

#[test]
fn positives_carry_several_indicators() {
    let recs = sample("departure");
    let signals = |r: &Value| -> u32 {
        u32::from(r["ticket"]["return_or_onward"] == false)
            + u32::from(r["passport_held_by_other"] == true)
            + u32::from(r["interview"]["purpose_explained"] == false)
            + u32::from(r["interview"]["knows_destination_contact"] == false)
            + u32::from(matches!(
                r["ticket"]["paid_by"].as_str(),
                Some("recruiter" | "sponsor_other")
            ))
    };
    let mean = |g: &[&Value]| g.iter().map(|r| f64::from(signals(r))).sum::<f64>() / g.len() as f64;
    let (p, n) = (mean(&positives(recs)), mean(&negatives(recs)));
    assert!(p > 1.5 && n < 0.6, "{p} vs {n}");
}

#[test]
fn documented_rates_hold() {
    // A few of the rates the model's doc states (positive / negative).
    let recs = sample("departure");
    let (pos, neg) = (positives(recs), negatives(recs));
    let near = |what: &str, got: f64, want: f64, tol: f64| {
        assert!(
            (got - want).abs() <= tol,
            "{what}: {got:.3}, documented {want}"
        );
    };
    let purpose_explained = |r: &Value| r["interview"]["purpose_explained"] == false;
    let visit = |r: &&Value| {
        matches!(
            r["stated_purpose"].as_str(),
            Some("tourism" | "family_visit")
        )
    };
    let pos_visit: Vec<&Value> = pos.iter().copied().filter(visit).collect();
    near(
        "cannot explain the purpose (pos, visit)",
        share(&pos_visit, purpose_explained),
        0.5,
        0.06,
    );
    let held = |r: &Value| r["passport_held_by_other"] == true;
    near(
        "passport held by other (pos)",
        share(&pos, held),
        0.15,
        0.03,
    );
    near(
        "passport held by other (neg)",
        share(&neg, held),
        0.004,
        0.003,
    );
    let third = |r: &Value| {
        matches!(
            r["ticket"]["paid_by"].as_str(),
            Some("recruiter" | "sponsor_other")
        )
    };
    near("third-party ticket (pos)", share(&pos, third), 0.55, 0.05);
    near("third-party ticket (neg)", share(&neg, third), 0.03, 0.015);
    let female = |r: &Value| r["sex"] == "female";
    near(
        "female share",
        share(&recs.iter().collect::<Vec<_>>(), female),
        0.5,
        0.015,
    );
}

#[test]
fn nik_matches_birth_date_when_consistent() {
    let mut checked = 0;
    for rec in &sample("passport")[..2000] {
        let (Some(nik), Some(birth)) = (rec["nik"].as_str(), rec["birth_date"].as_str()) else {
            continue;
        };
        if rec["identity"]["nik_birthdate_consistent"] != true
            || nik.len() != 16
            || rec.get("sex").is_none()
        {
            continue;
        }
        let day: u32 = nik[6..8].parse().expect("digits");
        let day = if day > 40 { day - 40 } else { day };
        if day > 31 {
            continue; // deliberately malformed
        }
        assert_eq!(format!("{day:02}"), birth[8..10], "{nik} vs {birth}");
        assert_eq!(&nik[8..10], &birth[5..7]);
        assert_eq!(&nik[10..12], &birth[2..4]);
        assert_eq!(
            nik[6..8].parse::<u32>().expect("digits") > 40,
            rec["sex"] == "female"
        );
        checked += 1;
    }
    assert!(checked > 1800, "{checked}");
}

// ------------------------------------------------------------------ networks

#[derive(Default)]
struct Cluster {
    members: Vec<Value>,
}

fn clusters(recs: &[Value]) -> HashMap<String, Cluster> {
    let mut out: HashMap<String, Cluster> = HashMap::new();
    for r in recs {
        if let Some(c) = r["synth"]["network"].as_str() {
            out.entry(c.to_string())
                .or_default()
                .members
                .push(r.clone());
        }
    }
    out
}

fn day(s: &Value) -> i64 {
    super::calendar::parse_day(s.as_str().unwrap_or("")).unwrap_or(0)
}

#[test]
fn network_members_share_keys_within_the_window() {
    for (variant, keys) in [
        (
            "departure",
            vec![
                (
                    "recruiter_ring",
                    vec!["recruiter.name", "recruiter.phone"],
                    30,
                ),
                ("escort_agent", vec!["ticket.booked_by"], 30),
                ("umrah_group", vec!["ticket.booked_by"], 1),
                (
                    "registered_agency",
                    vec!["recruiter.name", "recruiter.agency_id"],
                    30,
                ),
            ],
        ),
        (
            "passport",
            vec![
                (
                    "recruiter_ring",
                    vec!["recruiter.name", "recruiter.phone"],
                    30,
                ),
                ("sponsor_chain", vec!["sponsor.name", "sponsor.phone"], 30),
                ("family_host", vec!["sponsor.name", "sponsor.phone"], 30),
            ],
        ),
    ] {
        let recs = &sample(variant)[..5000];
        let found = clusters(recs);
        for (network, paths, window) in keys {
            let mine: Vec<&Cluster> = found
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{network}-")))
                .map(|(_, c)| c)
                .collect();
            assert!(
                !mine.is_empty(),
                "{variant}: no `{network}` cluster in 5,000 records"
            );
            for c in mine {
                for path in &paths {
                    let get = |r: &Value| crate::input::lookup(r, path).cloned();
                    let first = get(&c.members[0]);
                    assert!(first.is_some(), "{network}: `{path}` missing");
                    assert!(
                        c.members.iter().all(|m| get(m) == first),
                        "{network}: `{path}` differs"
                    );
                }
                let days: Vec<i64> = c.members.iter().map(|m| day(&m["event_date"])).collect();
                let spread = days.iter().max().unwrap_or(&0) - days.iter().min().unwrap_or(&0);
                assert!(
                    spread < window,
                    "{network}: dates spread over {spread} days"
                );
            }
        }
    }
}

#[test]
fn network_labels_correlate_and_innocent_clusters_are_negative() {
    let recs = sample("departure");
    let found = clusters(recs);
    let members = |prefix: &str| -> Vec<Value> {
        found
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .flat_map(|(_, c)| c.members.clone())
            .collect()
    };
    let ring = members("recruiter_ring-");
    let pos = ring.iter().filter(|r| r["label"] == true).count() as f64 / ring.len() as f64;
    assert!(pos > 0.8, "recruiter rings: {pos} positive");
    for innocent in ["umrah_group-", "registered_agency-"] {
        let m = members(innocent);
        assert!(!m.is_empty());
        assert!(
            m.iter().all(|r| r["label"] == false),
            "{innocent} has positives"
        );
    }
    // Outside networks no two records share a recruiter phone within 30 days.
    let mut by_phone: HashMap<String, Vec<i64>> = HashMap::new();
    for r in recs.iter().filter(|r| r["synth"].get("network").is_none()) {
        if let Some(p) = r["recruiter"]["phone"].as_str() {
            by_phone
                .entry(p.to_string())
                .or_default()
                .push(day(&r["event_date"]));
        }
    }
    let clashes = by_phone.values().filter(|d| d.len() > 1).count();
    assert!(clashes <= 2, "{clashes} background phones repeat");
}

#[test]
fn cluster_sizes_do_not_grow_with_n() {
    let m = id_pmi("departure");
    let small = clusters(&gen(m, 5, 3000));
    let large = clusters(sample("departure"));
    let max = |c: &HashMap<String, Cluster>| c.values().map(|c| c.members.len()).max().unwrap_or(0);
    assert!(
        max(&small) <= 30 && max(&large) <= 30,
        "{} {}",
        max(&small),
        max(&large)
    );
    assert!(
        large.len() >= 7 * small.len(),
        "{} vs {} clusters",
        large.len(),
        small.len()
    );
}

// ------------------------------------------------------------------ docs in sync

#[test]
fn pack_readmes_contain_their_model_description() {
    for (dir, readme) in [
        ("id-pmi", "id-pmi/README.md"),
        ("job-offer", "job-offer/README.md"),
        ("demo", "demo/README.md"),
    ] {
        let loaded = load(&rules(dir), None).expect("model loads");
        let text = std::fs::read_to_string(rules(readme)).expect("readme");
        let doc = loaded.describe();
        assert!(
            text.contains(doc.trim()),
            "rules/{readme} must contain the output of `saring synth --pack rules/{dir} --describe`:\n{doc}"
        );
    }
}

#[test]
fn format_doc_is_in_the_cli_readme() {
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(super::FORMAT_DOC.trim()),
        "crates/saring-cli/README.md must contain synth::FORMAT_DOC"
    );
}

// ------------------------------------------------------------------ schema alone

const SCHEMA: &str = r#"
[field.name]
type = "string"
required = true
[field.n]
type = "int"
[field.x]
type = "float"
[field.ok]
type = "bool"
required = true
[field.day]
type = "date"
[field.at]
type = "timestamp"
[field.kind]
type = "enum"
values = ["a", "b", "c"]
required = true
[field.tags]
type = "list"
items = "enum"
values = ["p", "q"]
[field.people]
type = "list"
items = "object"
[field.people.name]
type = "string"
required = true
[field.people.age]
type = "int"
[field.box]
type = "object"
[field.box.inner]
type = "bool"
required = true
[field.sex]
type = "enum"
values = ["f", "m"]
monitored = true
[field.religion]
type = "string"
protected = true
"#;

const PACK: &str = r#"[pack]
id = "t"
version = "1"
title = "t"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[[rule]]
id = "r"
title = "r"
weight = 10
when = "ok"
reason = "ok"
references = ["test"]
"#;

fn schema() -> Schema {
    Pack::from_toml_str(PACK, SCHEMA).expect("pack").schema
}

#[test]
fn schema_alone_gives_valid_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("pack.toml"), PACK).expect("write");
    std::fs::write(dir.path().join("schema.toml"), SCHEMA).expect("write");
    let loaded = load(dir.path(), None).expect("loads");
    assert!(loaded.schema_only());
    let engine = Engine::load(dir.path()).expect("compiles");
    let recs = gen(&loaded, 3, 2000);
    let mut seen_people = false;
    for r in &recs {
        assert_declared(&loaded.schema().root, r.as_object().expect("object"), "");
        engine
            .decode_value(r, DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{e:?}: {r}"));
        assert!(r.get("religion").is_none());
        assert!(r["name"]
            .as_str()
            .is_some_and(|s| s.starts_with("syn-name-")));
        let day = r.get("day").and_then(Value::as_str).unwrap_or("2025-06-01");
        assert!(day.starts_with("2025-"), "{day}");
        seen_people |= r["people"].as_array().is_some_and(|p| !p.is_empty());
    }
    assert!(seen_people);
    let labels = positives(&recs).len();
    assert!(
        (50..=160).contains(&labels),
        "{labels} random positives of 2000"
    );
    // Optional fields are sometimes absent, required ones never.
    let absent_n = recs.iter().filter(|r| r.get("n").is_none()).count();
    assert!((250..=550).contains(&absent_n), "{absent_n}");
}

// ------------------------------------------------------------------ model errors

fn model_error(text: &str) -> String {
    match model_from_str(text, &schema(), None) {
        Ok(_) => panic!("model should not load:\n{text}"),
        Err(e) => e,
    }
}

const SCENARIOS: &str =
    "[scenario.pos]\nlabel = true\nweight = 1\n[scenario.neg]\nlabel = false\nweight = 9\n";

#[test]
fn model_errors_name_the_problem_and_place() {
    let cases: &[(&str, &str)] = &[
        ("[field.nmae]\nvalue = \"x\"\n", "synth.unknown_field: `nmae` is not a field of the schema (7:8)"),
        ("[field.religion]\nvalue = \"x\"\n", "synth.protected_field"),
        ("[field.kind]\nweights = { a = 1, d = 2 }\n", "synth.invalid_value: `d` is not one of the enum values (a, b, c)"),
        ("[field.n]\np = 0.5\n", "synth.kind_mismatch: `p` cannot draw a value of type int"),
        ("[field.ok]\np = 1.5\n", "synth.bad_range"),
        ("[field.name]\nwieghts = { a = 1 }\n", "synth.unknown_key: unknown key `wieghts` in a generator"),
        ("[field.name]\ncopy = \"_missing\"\n", "synth.unknown_reference: helper `_missing` is not defined"),
        ("[field.name]\ntemplate = \"x{int:9:1}\"\n", "synth.bad_template"),
        ("[field._a]\ncopy = \"_b\"\n[field._b]\ncopy = \"_a\"\n", "synth.cycle"),
        ("[field.sex]\ncases = [{ when = { label = true }, value = \"f\" }, { value = \"m\" }]\n", "synth.monitored_depends_on_label: monitored field `sex` depends on the label: `sex` ← `label`"),
        ("[field._s]\ncases = [{ when = { scenario = \"pos\" }, value = \"f\" }, { value = \"m\" }]\n[field.sex]\ncopy = \"_s\"\n", "`sex` ← `_s` ← `scenario`"),
        ("[field.name]\ncases = [{ when = { scenario = \"poss\" }, value = \"x\" }]\n", "synth.unknown_name: `poss` is not a scenario of this model"),
        ("[scenario.pos.field]\nsex = \"f\"\n", "synth.monitored_depends_on_label"),
        ("[field.name]\nvalue = \"x\"\nint = [1, 2]\n", "a generator has one kind, but `int` is a second one"),
        ("[field.\"people.name\"]\nvalue = \"x\"\n", "fields of list items are drawn by the list's generator"),
    ];
    for (body, want) in cases {
        let text = format!("{SCENARIOS}{body}");
        let got = model_error(&text);
        assert!(
            got.contains(want),
            "for\n{body}\nwanted `{want}`, got\n{got}"
        );
    }
    assert!(model_error("[field.name]\nvalue = \"x\"\n").contains("synth.missing_key"));
}

#[test]
fn a_small_model_draws_what_it_says() {
    let text = format!(
        "{SCENARIOS}
[model]
drop_required = 0.0
[field.kind]
cases = [{{ when = {{ label = true }}, value = \"a\" }}, {{ weights = {{ b = 1, c = 1 }} }}]
[field.n]
absent = 0.5
int = [10, 20]
step = 5
[field.name]
template = \"{{kind}}-{{int:1:9:03}}-{{pick:x|y}}\"
[field.tags]
subset = {{ p = 1.0, q = 0.0 }}
[field.people]
sequence = [{{ object = {{ name = \"A\", age = {{ copy = \"n\" }} }} }}, {{ absent = 1.0, object = {{ name = \"B\" }} }}]
[field.box]
cases = [{{ when = {{ kind = \"a\" }} }}]
[field.day]
days_after = [1, 1]
from = \"_start\"
[field._start]
value = \"2024-02-28\"
"
    );
    let loaded = model_from_str(&text, &schema(), None).expect("loads");
    let recs = gen(&loaded, 1, 400);
    for r in &recs {
        let pos = r["label"] == true;
        assert_eq!(r["kind"] == "a", pos);
        if let Some(n) = r.get("n") {
            assert!([10, 15, 20].contains(&n.as_i64().unwrap_or(0)), "{n}");
        }
        let name = r["name"].as_str().unwrap_or("");
        assert!(
            name.len() == 7 && name.starts_with(r["kind"].as_str().unwrap_or("?")),
            "{name}"
        );
        assert_eq!(r["tags"], serde_json::json!(["p"]));
        assert_eq!(r["people"].as_array().map(Vec::len), Some(1));
        assert_eq!(r["people"][0]["name"], "A");
        assert_eq!(r["people"][0].get("age"), r.get("n"));
        assert_eq!(r.get("box").is_some(), pos);
        assert_eq!(r["day"], "2024-02-29");
    }
    let absent = recs.iter().filter(|r| r.get("n").is_none()).count();
    assert!((140..=260).contains(&absent), "{absent}");
}

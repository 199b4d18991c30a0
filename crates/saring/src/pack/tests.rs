//! Tests of pack and schema loading, diagnostics and the digest.

use std::collections::BTreeMap;

use crate::cel::Value;
use crate::diagnostic::Diagnostic;
use crate::error::PackError;
use crate::pack::{review_overdue, Expectation, Pack, RuleStatus};
use crate::schema::FieldKind;

const SCHEMA: &str = r#"
[field.destination]
type = "string"
required = true

[field.return_ticket]
type = "bool"

[field.ticket_paid_by]
type = "enum"
values = ["self", "family", "employer", "agent", "unknown"]

[field.interview]
type = "object"

[field.interview.agent_present]
type = "bool"
required = true

[field.legs]
type = "list"
items = "object"

[field.legs.country]
type = "string"

[field.tags]
type = "list"
items = "string"

[field.sex]
type = "string"
monitored = true

[field.religion]
type = "string"
protected = true

[field.birth_date]
type = "date"
description = "date of birth"
"#;

const PACK: &str = r#"# a comment
[pack]
id = "demo"
version = "1.0"
title = "Demo"
schema = "schema.toml"
description = "a test pack"

[outcomes]
review = 30
refer = 60

[lists]
hotspot = ["KH", "MM", 7, 1.5]
watch = { file = "lists/watch.txt" }

[derive]
age = "years_between(birth_date, timestamp('2025-01-01T00:00:00Z'))"

[[rule]]
id = "one_way"
title = "One-way ticket"
weight = 25
status = "shadow"
when = "destination in hotspot && !return_ticket"
reason = "No return ticket for travel to {destination}"
remedy = "Show a return ticket"
references = ["domain.md"]
review_by = 2026-05-01
uses_monitored = { why = "synthetic test of the justification form", references = ["domain.md"], approved_by = "test DPO" }

  [[rule.example]]
  expect = "hit"
  record = { destination = "KH", return_ticket = false, interview = { agent_present = true }, birth_date = 2000-01-02 }

  [[rule.example]]
  expect = "miss"
  record = { destination = "JP", return_ticket = false }

[[rule]]
id = "agent"
title = "Agent present"
weight = 10
when = """
interview.agent_present"""
review_by = "2024-01-31"
"#;

const WATCH: &str = "# watch list\n\n  Acme Recruiting  \nPT Example\n";

fn files(pack: &str, schema: &str) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    f.insert("pack.toml".to_string(), pack.to_string());
    f.insert("schema.toml".to_string(), schema.to_string());
    f.insert("lists/watch.txt".to_string(), WATCH.to_string());
    f
}

fn load(pack: &str, schema: &str) -> Result<Pack, PackError> {
    Pack::from_files(files(pack, schema), "pack.toml")
}

fn load_err(pack: &str, schema: &str) -> Vec<Diagnostic> {
    match load(pack, schema) {
        Ok(_) => panic!("expected the pack to fail"),
        Err(e) => e.errors().cloned().collect(),
    }
}

/// (code, file, line, column) of each error.
fn places(errors: &[Diagnostic]) -> Vec<(&'static str, String, u32, u32)> {
    errors
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                d.file.clone().unwrap_or_default(),
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
            )
        })
        .collect()
}

fn strs(items: &[Value]) -> Vec<String> {
    items.iter().map(|v| format!("{v:?}")).collect()
}

#[test]
fn loads_a_pack_with_every_feature() {
    let pack = match load(PACK, SCHEMA) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    };
    assert_eq!(pack.meta.id, "demo");
    assert_eq!(pack.meta.version, "1.0");
    assert_eq!(pack.meta.description.as_deref(), Some("a test pack"));
    assert_eq!(pack.outcomes.review, 30);
    assert_eq!(pack.outcomes.refer, 60);

    assert_eq!(pack.lists.len(), 2);
    assert_eq!(pack.lists[0].name, "hotspot");
    assert!(matches!(&pack.lists[0].items[0], Value::String(s) if &**s == "KH"));
    assert!(matches!(pack.lists[0].items[2], Value::Int(7)));
    assert!(matches!(pack.lists[0].items[3], Value::Double(f) if f == 1.5));
    assert_eq!(pack.lists[1].name, "watch");
    assert_eq!(
        pack.lists[1].items.len(),
        2,
        "{:?}",
        strs(&pack.lists[1].items)
    );
    assert!(matches!(&pack.lists[1].items[0], Value::String(s) if &**s == "Acme Recruiting"));
    assert_eq!(pack.lists[0].location.as_ref().map(|l| l.line), Some(14));

    assert_eq!(pack.derive.len(), 1);
    let age = &pack.derive[0].expr;
    assert_eq!(pack.derive[0].name, "age");
    assert_eq!(&PACK[age.offset..age.offset + 13], "years_between");

    let r = &pack.rules[0];
    assert_eq!(r.id, "one_way");
    assert_eq!(r.weight, 25);
    assert_eq!(r.status, RuleStatus::Shadow);
    assert_eq!(r.when.text, "destination in hotspot && !return_ticket");
    assert_eq!(r.when.file, "pack.toml");
    assert_eq!(&PACK[r.when.offset..r.when.offset + 11], "destination");
    assert_eq!(
        r.reason,
        "No return ticket for travel to {destination}".into()
    );
    assert_eq!(r.remedy, Some("Show a return ticket".into()));
    assert_eq!(r.references, vec!["domain.md".to_string()]);
    assert_eq!(r.review_by.as_deref(), Some("2026-05-01"));
    let j = r
        .uses_monitored
        .as_ref()
        .map(|j| (j.why.as_str(), j.approved_by.as_str()));
    assert_eq!(
        j,
        Some(("synthetic test of the justification form", "test DPO"))
    );
    assert_eq!(r.examples.len(), 2);
    assert_eq!(r.examples[0].expect, Expectation::Hit);
    assert_eq!(
        r.examples[0].record,
        serde_json::json!({"destination": "KH", "return_ticket": false,
                           "interview": {"agent_present": true}, "birth_date": "2000-01-02"})
    );
    assert_eq!(r.examples[1].expect, Expectation::Miss);
    assert_eq!(
        r.location.as_ref().map(|l| (l.line, l.column)),
        Some((21, 6))
    );

    // Triple-quoted string starting with a newline: the offset skips the newline.
    let a = &pack.rules[1];
    assert_eq!(a.status, RuleStatus::Active);
    assert_eq!(
        a.reason,
        "Agent present".into(),
        "reason defaults to the title"
    );
    assert_eq!(a.when.text, "interview.agent_present");
    assert_eq!(&PACK[a.when.offset..a.when.offset + 9], "interview");
    assert_eq!(a.review_by.as_deref(), Some("2024-01-31"));

    // Warnings of the second rule: no references, no remedy, no examples.
    let codes: Vec<_> = pack
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.line))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("pack.no_references", Some(41)),
            ("pack.no_remedy", Some(41)),
            ("pack.no_examples", Some(41)),
        ]
    );
    assert!(pack.digest.starts_with("sha256:"));
    assert_eq!(pack.digest.len(), 7 + 64);
    assert!(pack.sources.contains("lists/watch.txt"));
}

#[test]
fn builds_the_schema_tree_with_slots_and_paths() {
    let pack = match load(PACK, SCHEMA) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    };
    let s = &pack.schema;
    let slots: Vec<&str> = s.slots.iter().map(|i| &*i.path).collect();
    assert_eq!(
        slots,
        vec![
            "destination",
            "return_ticket",
            "ticket_paid_by",
            "interview",
            "interview.agent_present",
            "legs",
            "tags",
            "sex",
            "religion",
            "birth_date"
        ]
    );
    assert_eq!(s.slot("interview.agent_present"), Some(4));
    let agent = s.field("interview.agent_present");
    assert!(matches!(agent, Some(f) if f.required && matches!(f.kind, FieldKind::Bool)));
    let Some(legs) = s.field("legs") else {
        panic!("no legs")
    };
    let FieldKind::List(item) = &legs.kind else {
        panic!("legs is not a list")
    };
    let FieldKind::Object(obj) = &**item else {
        panic!("legs items are not objects")
    };
    assert!(obj.in_list);
    assert_eq!(obj.path, "legs[]");
    assert_eq!(obj.fields[0].path, "legs[].country");
    assert_eq!(obj.fields[0].slot, None);
    assert!(
        matches!(&s.field("tags").map(|f| &f.kind), Some(FieldKind::List(k)) if matches!(**k, FieldKind::String))
    );
    assert!(
        matches!(&s.field("ticket_paid_by").map(|f| &f.kind), Some(FieldKind::Enum(v)) if v.len() == 5)
    );
    assert!(s.field("sex").is_some_and(|f| f.monitored && !f.protected));
    assert!(s.field("religion").is_some_and(|f| f.protected));
    assert_eq!(
        s.field("birth_date").and_then(|f| f.description.as_deref()),
        Some("date of birth")
    );
    assert_eq!(
        s.field("destination")
            .and_then(|f| f.location.as_ref())
            .map(|l| l.line),
        Some(2)
    );
}

/// The same pack as JSON (and its schema as JSON).
const PACK_JSON: &str = r#"{
  "rule": [
    {"id": "one_way", "title": "One-way ticket", "weight": 25, "status": "shadow",
     "when": "destination in hotspot && !return_ticket",
     "reason": "No return ticket for travel to {destination}",
     "remedy": "Show a return ticket", "references": ["domain.md"],
     "review_by": "2026-05-01", "uses_monitored": {"why": "synthetic test of the justification form", "references": ["domain.md"], "approved_by": "test DPO"},
     "example": [
       {"expect": "hit", "record": {"destination": "KH", "return_ticket": false,
         "interview": {"agent_present": true}, "birth_date": "2000-01-02"}},
       {"record": {"return_ticket": false, "destination": "JP"}, "expect": "miss"}
     ]},
    {"id": "agent", "title": "Agent present", "weight": 10,
     "when": "interview.agent_present", "review_by": "2024-01-31"}
  ],
  "pack": {"id": "demo", "version": "1.0", "title": "Demo", "schema": "schema.toml",
           "description": "a test pack"},
  "outcomes": {"refer": 60, "review": 30},
  "lists": {"hotspot": ["KH", "MM", 7, 1.5], "watch": {"file": "lists/watch.txt"}},
  "derive": {"age": "years_between(birth_date, timestamp('2025-01-01T00:00:00Z'))"}
}"#;

fn digest_of(files: BTreeMap<String, String>, main: &str) -> String {
    match Pack::from_files(files, main) {
        Ok(p) => p.digest,
        Err(e) => panic!("{}", e.render()),
    }
}

#[test]
fn digest_is_canonical() {
    let toml = digest_of(files(PACK, SCHEMA), "pack.toml");

    let mut json = files(PACK, SCHEMA);
    json.remove("pack.toml");
    json.insert("pack.json".to_string(), PACK_JSON.to_string());
    assert_eq!(digest_of(json.clone(), "pack.json"), toml);

    let p = Pack::from_files(json, "pack.json");
    let offset = p.as_ref().map(|p| p.rules[0].when.offset).unwrap_or(0);
    assert_eq!(&PACK_JSON[offset..offset + 11], "destination");

    // Reordered keys, comments, whitespace: the same digest.
    let reordered = PACK
        .replace("review = 30\nrefer = 60", "refer = 60   # top\nreview = 30")
        .replace(
            "id = \"demo\"\nversion = \"1.0\"",
            "version = \"1.0\"\n\n# id\nid = \"demo\"",
        );
    assert_ne!(reordered, PACK);
    assert_eq!(digest_of(files(&reordered, SCHEMA), "pack.toml"), toml);

    // A list file's items count, not its name.
    let mut renamed = files(&PACK.replace("lists/watch.txt", "lists/w2.txt"), SCHEMA);
    renamed.insert(
        "lists/w2.txt".to_string(),
        "Acme Recruiting\n# other\nPT Example".to_string(),
    );
    assert_eq!(digest_of(renamed, "pack.toml"), toml);

    // One changed list item changes it; so does a changed list file.
    let changed = PACK.replace("\"MM\"", "\"LA\"");
    assert_ne!(digest_of(files(&changed, SCHEMA), "pack.toml"), toml);
    let mut changed_file = files(PACK, SCHEMA);
    changed_file.insert(
        "lists/watch.txt".to_string(),
        "Acme Recruiting\nPT Other\n".to_string(),
    );
    assert_ne!(digest_of(changed_file, "pack.toml"), toml);
    // And a schema change.
    let schema2 = SCHEMA.replace("date of birth", "birth date");
    assert_ne!(digest_of(files(PACK, &schema2), "pack.toml"), toml);
}

const SMALL_SCHEMA: &str = "[field.destination]\ntype = \"string\"\n";

fn small_pack(rules: &str) -> String {
    format!(
        "[pack]\nid = \"p\"\nversion = \"1\"\ntitle = \"t\"\n\n[outcomes]\nreview = 1\nrefer = 2\n{rules}"
    )
}

#[test]
fn unknown_key_has_did_you_mean() {
    let pack = small_pack(
        "\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nwieght = 10\nweight = 1\nwhen = \"true\"\n",
    );
    let errors = load_err(&pack, SMALL_SCHEMA);
    assert_eq!(
        places(&errors),
        vec![("pack.unknown_key", "pack.toml".to_string(), 13, 1)]
    );
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `weight`?"));
    assert_eq!(errors[0].message, "unknown key `wieght` in `[[rule]]`");
}

#[test]
fn collects_errors_from_every_rule_and_file() {
    let pack = small_pack(
        "[lists]\ndestination = [\"x\"]\n1bad = [\"y\"]\nl = [\"a\"]\n\n[derive]\nl = \"1\"\n\n\
         [[rule]]\nid = \"a\"\ntitle = \"A\"\nweight = 1\nwhen = \"true\"\n\n\
         [[rule]]\nid = \"a\"\ntitle = \"B\"\nweight = \"heavy\"\nwhen = \"true\"\nstatus = \"shdow\"\n\n\
         [[rule]]\nid = \"b-c\"\ntitle = \"C\"\nweight = 1\nwhen = \"true\"\nreview_by = \"soon\"\n",
    );
    let schema =
        "[field.destination]\ntype = \"strng\"\n\n[field.x]\ntype = \"int\"\nrequird = true\n";
    let errors = load_err(&pack, schema);
    assert_eq!(
        places(&errors),
        vec![
            ("pack.name_clash", "pack.toml".to_string(), 10, 1),
            ("pack.invalid_name", "pack.toml".to_string(), 11, 1),
            ("pack.name_clash", "pack.toml".to_string(), 15, 1),
            ("pack.duplicate_rule", "pack.toml".to_string(), 24, 6),
            ("pack.invalid_value", "pack.toml".to_string(), 26, 10),
            ("pack.invalid_value", "pack.toml".to_string(), 28, 10),
            ("pack.invalid_name", "pack.toml".to_string(), 31, 6),
            ("pack.invalid_value", "pack.toml".to_string(), 35, 13),
            ("schema.unknown_type", "schema.toml".to_string(), 2, 8),
            ("schema.unknown_key", "schema.toml".to_string(), 6, 1),
        ]
    );
    assert_eq!(
        errors[2].help.as_deref(),
        Some("the first definition is on line 12")
    );
    assert_eq!(
        errors[3].help.as_deref(),
        Some("the first rule `a` is on line 18")
    );
    assert_eq!(errors[3].rule.as_deref(), Some("a"));
    assert_eq!(errors[5].help.as_deref(), Some("did you mean `shadow`?"));
    assert_eq!(errors[8].help.as_deref(), Some("did you mean `string`?"));
    assert_eq!(errors[9].help.as_deref(), Some("did you mean `required`?"));
}

#[test]
fn outcomes_must_be_ordered_and_present() {
    let pack = "[pack]\nid = \"p\"\nversion = \"1\"\ntitle = \"t\"\n\n[outcomes]\nreview = 70\nrefer = 60\n";
    let errors = load_err(pack, SMALL_SCHEMA);
    assert_eq!(
        places(&errors),
        vec![("pack.invalid_value", "pack.toml".to_string(), 7, 10)]
    );
    let errors = load_err("[pack]\nid = \"p\"\ntitle = \"t\"\n", SMALL_SCHEMA);
    assert_eq!(
        places(&errors),
        vec![
            ("pack.missing_key", "pack.toml".to_string(), 1, 1),
            ("pack.missing_key", "pack.toml".to_string(), 1, 2),
        ]
    );
    assert_eq!(errors[0].message, "missing table `[outcomes]`");
    assert_eq!(errors[1].message, "missing key `version` in `[pack]`");
}

#[test]
fn missing_list_file_points_at_the_reference() {
    let pack =
        small_pack("[lists]\nw = { file = \"lists/nope.txt\" }\nv = { file = \"../x.txt\" }\n");
    let errors = load_err(&pack, SMALL_SCHEMA);
    assert_eq!(
        places(&errors),
        vec![
            ("pack.missing_file", "pack.toml".to_string(), 10, 14),
            ("pack.invalid_path", "pack.toml".to_string(), 11, 14),
        ]
    );
    assert_eq!(errors[0].message, "file `lists/nope.txt` not found");
}

#[test]
fn missing_schema_file_points_at_the_reference() {
    let pack = small_pack("").replace("title = \"t\"", "title = \"t\"\nschema = \"s.toml\"");
    let errors = load_err(&pack, SMALL_SCHEMA);
    assert_eq!(
        places(&errors),
        vec![("pack.missing_file", "pack.toml".to_string(), 5, 10)]
    );
}

#[test]
fn bad_toml_and_json_syntax_have_lines() {
    let pack = small_pack("\n[[rule]]\nid = \"a\ntitle = \"x\"\n");
    let errors = load_err(&pack, SMALL_SCHEMA);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].code.as_str(), errors[0].line),
        ("pack.syntax", Some(11))
    );
    assert!(
        errors[0].message.starts_with("invalid TOML"),
        "{}",
        errors[0].message
    );

    // Bad schema syntax is reported together with pack errors.
    let errors = load_err(&small_pack("wrong = 1\n"), "[field.x\ntype = 1");
    assert_eq!(
        places(&errors)
            .iter()
            .map(|p| (p.0, p.2))
            .collect::<Vec<_>>(),
        vec![("pack.unknown_key", 9), ("pack.syntax", 1)]
    );

    let mut f = files("", SMALL_SCHEMA);
    f.insert(
        "pack.json".to_string(),
        "{\n  \"pack\": {\n    \"id\": 1,,\n}".to_string(),
    );
    let errors: Vec<Diagnostic> = match Pack::from_files(f, "pack.json") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errors().cloned().collect(),
    };
    assert_eq!(
        places(&errors),
        vec![("pack.syntax", "pack.json".to_string(), 3, 13)]
    );
}

#[test]
fn json_duplicate_keys_are_errors() {
    let mut f = files("", SMALL_SCHEMA);
    f.insert(
        "pack.json".to_string(),
        "{\"pack\": {\"id\": \"a\", \"id\": \"b\", \"version\": \"1\", \"title\": \"t\"},\n\"outcomes\": {\"review\": 1, \"refer\": 2}}".to_string(),
    );
    let errors: Vec<Diagnostic> = match Pack::from_files(f, "pack.json") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errors().cloned().collect(),
    };
    assert_eq!(
        places(&errors),
        vec![("pack.duplicate_key", "pack.json".to_string(), 1, 22)]
    );
}

#[test]
fn too_many_list_items_is_a_limit_error() {
    let items = "\"a\"\n".repeat(crate::limits::MAX_LIST_ITEMS + 1);
    let mut f = files(
        &small_pack("[lists]\nbig = { file = \"big.txt\" }\n"),
        SMALL_SCHEMA,
    );
    f.insert("big.txt".to_string(), items);
    let errors: Vec<Diagnostic> = match Pack::from_files(f, "pack.toml") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errors().cloned().collect(),
    };
    assert_eq!(
        places(&errors),
        vec![("pack.limit", "pack.toml".to_string(), 10, 16)]
    );
}

#[test]
fn too_many_rules_is_a_limit_error() {
    let rules = vec!["{}"; crate::limits::MAX_RULES + 1].join(",");
    let json = format!(
        "{{\"pack\": {{\"id\": \"p\", \"version\": \"1\", \"title\": \"t\"}},\n\
         \"outcomes\": {{\"review\": 1, \"refer\": 2}},\n\"rule\": [{rules}]}}"
    );
    let mut f = files("", SMALL_SCHEMA);
    f.insert("pack.json".to_string(), json);
    let errors: Vec<Diagnostic> = match Pack::from_files(f, "pack.json") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errors().cloned().collect(),
    };
    assert_eq!(
        places(&errors),
        vec![("pack.limit", "pack.json".to_string(), 3, 1)]
    );
}

#[test]
fn weights_are_bounded() {
    use crate::limits::MAX_WEIGHT;
    let rule = |w: i64| {
        small_pack(&format!(
            "\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nweight = {w}\nwhen = \"true\"\nreason = \"r\"\n"
        ))
    };
    for ok in [MAX_WEIGHT, -MAX_WEIGHT, 0] {
        let pack = load(&rule(ok), SMALL_SCHEMA).expect("a weight within the limit");
        assert_eq!(pack.rules[0].weight, ok);
    }
    for bad in [MAX_WEIGHT + 1, -MAX_WEIGHT - 1, i64::MIN, i64::MAX] {
        let errors = load_err(&rule(bad), SMALL_SCHEMA);
        assert_eq!(
            places(&errors),
            vec![("pack.limit", "pack.toml".to_string(), 13, 10)]
        );
        assert_eq!(
            errors[0].message,
            format!("weight `{bad}` of rule `a` is outside -1000000..=1000000")
        );
    }
}

#[test]
fn named_lists_and_pack_bytes_are_bounded() {
    use crate::limits::{MAX_LISTS, MAX_PACK_TOTAL_BYTES};
    let mut lists = String::from("[lists]\n");
    for i in 0..=MAX_LISTS {
        lists.push_str(&format!("l{i} = [\"a\"]\n"));
    }
    let errors = load_err(&small_pack(&lists), SMALL_SCHEMA);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "pack.limit");
    assert_eq!(
        errors[0].message,
        format!(
            "the pack has {} named lists, more than the limit of {MAX_LISTS}",
            MAX_LISTS + 1
        )
    );
    // Three list files of a third of the total limit each: the third goes over it.
    let mut f = files(
        &small_pack(
            "[lists]\na = { file = \"a.txt\" }\nb = { file = \"b.txt\" }\nc = { file = \"c.txt\" }\n",
        ),
        SMALL_SCHEMA,
    );
    let line = format!("{}\n", "x".repeat(999));
    let third = line.repeat(MAX_PACK_TOTAL_BYTES / 3 / line.len() + 1);
    for name in ["a.txt", "b.txt", "c.txt"] {
        f.insert(name.to_string(), third.clone());
    }
    let errors: Vec<Diagnostic> = match Pack::from_files(f, "pack.toml") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errors().cloned().collect(),
    };
    assert_eq!(
        places(&errors),
        vec![("pack.limit", "pack.toml".to_string(), 12, 14)]
    );
    assert!(errors[0]
        .message
        .starts_with("file `c.txt` takes the pack's files to "));
}

#[test]
fn schema_errors() {
    let schema = "[field.a]\ntype = \"string\"\n[field.a.b]\ntype = \"int\"\n\n\
                  [field.e]\ntype = \"enum\"\n\n[field.o]\ntype = \"object\"\n[field.o.c]\ntype = \"bool\"\nvalues = [\"x\"]\n";
    let errors = load_err(&small_pack(""), schema);
    assert_eq!(
        places(&errors)
            .iter()
            .map(|p| (p.0, p.2, p.3))
            .collect::<Vec<_>>(),
        vec![
            ("schema.unknown_key", 3, 10),
            ("schema.missing_key", 7, 8),
            ("schema.unknown_key", 13, 1),
        ]
    );
    assert_eq!(
        errors[0].help.as_deref(),
        Some("only `object` fields (and lists of objects) have child fields; `a` is not one")
    );
}

#[test]
fn review_overdue_compares_dates() {
    let pack = match load(PACK, SCHEMA) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    };
    let late = review_overdue(&pack, "2025-06-01");
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].code, "pack.review_overdue");
    assert_eq!(late[0].rule.as_deref(), Some("agent"));
    assert_eq!(
        late[0].message,
        "rule `agent` was due for review on 2024-01-31"
    );
    assert_eq!(review_overdue(&pack, "2027-01-01").len(), 2);
    assert!(review_overdue(&pack, "2024-01-31").is_empty());
}

#[test]
fn renders_a_pack_error_like_rustc() {
    let pack = small_pack("\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nwieght = 1\nwhen = \"true\"\n");
    let rendered = match load(&pack, SMALL_SCHEMA) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.render(),
    };
    assert_eq!(
        rendered,
        "error[pack.missing_key]: missing key `weight` in rule `a`\n  \
         --> pack.toml:11:6\n   |\n11 | id = \"a\"\n   |      ^^^\n   |\n   \
         = help: add the key: the pack format documents which keys each table requires\n\n\
         error[pack.unknown_key]: unknown key `wieght` in `[[rule]]`\n  \
         --> pack.toml:13:1\n   |\n13 | wieght = 1\n   | ^^^^^^\n   |\n   \
         = help: did you mean `weight`?\n\n\
         warning[pack.no_references]: rule `a` has no `references`\n  \
         --> pack.toml:11:6\n   |\n11 | id = \"a\"\n   |      ^^^\n   |\n   \
         = help: cite why the indicator is legitimate: `references = [\"...\"]`\n\n\
         warning[pack.no_remedy]: rule `a` has no `remedy`\n  \
         --> pack.toml:11:6\n   |\n11 | id = \"a\"\n   |      ^^^\n   |\n   \
         = help: say what would clear the flag: `remedy = \"...\"`\n\n\
         warning[pack.no_examples]: rule `a` has no examples\n  \
         --> pack.toml:11:6\n   |\n11 | id = \"a\"\n   |      ^^^\n   |\n   \
         = help: add `[[rule.example]]` tables with `expect = \"hit\"` and `\"miss\"`\n"
    );
}

#[test]
fn loads_the_demo_pack_from_disk() {
    let pack = match Pack::load("../../rules/demo") {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    };
    assert_eq!(pack.meta.id, "demo-departure");
    assert_eq!(pack.rules.len(), 5);
    assert!(pack.warnings.is_empty(), "{:?}", pack.warnings);
    let hotspot = pack.lists.iter().find(|l| l.name == "hotspot");
    assert!(hotspot.is_some_and(|l| l.items.len() >= 3));
    assert!(pack.rules.iter().all(|r| r.examples.len() >= 2));
    assert!(pack.schema.field("religion").is_some_and(|f| f.protected));

    let missing = Pack::load("../../rules/does-not-exist");
    assert!(matches!(missing, Err(e) if e.diagnostics[0].code == "pack.missing_file"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn on_arbitrary_pack_text(text in "\\PC{0,200}", cut in 0usize..2000) {
            let mut f = files(&text, SMALL_SCHEMA);
            f.insert("pack.json".to_string(), text.clone());
            let _ = Pack::from_files(f.clone(), "pack.toml");
            let _ = Pack::from_files(f, "pack.json");
            // Truncated and spliced versions of a good pack.
            let cut = cut.min(PACK.len());
            let cut = (0..=cut).rev().find(|i| PACK.is_char_boundary(*i)).unwrap_or(0);
            let spliced = format!("{}{}{}", &PACK[..cut], text, &PACK[cut..]);
            if let Err(e) = load(&spliced, SCHEMA) {
                let _ = e.render();
            }
            let json_cut = cut.min(PACK_JSON.len());
            let mut jf = files("", SCHEMA);
            jf.insert("pack.json".to_string(), format!("{}{}", &PACK_JSON[..json_cut], text));
            if let Err(e) = Pack::from_files(jf, "pack.json") {
                let _ = e.render();
            }
        }
    }
}

mod source_files {
    use proptest::prelude::*;

    use crate::pack::SourceFiles;

    /// Line and column by scanning from the start of the text (what the index replaces).
    fn scan(text: &str, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, text[line_start..offset].chars().count() as u32 + 1)
    }

    fn one(text: &str) -> SourceFiles {
        let mut sources = SourceFiles::default();
        sources.insert("pack.toml", text);
        sources
    }

    #[test]
    fn locates_lines_and_columns_in_characters() {
        let sources = one("ab\nçé x\n\nlast");
        let at = |offset| {
            let l = sources.locate("pack.toml", (offset, offset + 1));
            (l.line, l.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 3));
        assert_eq!(at(3), (2, 1));
        // `x` is after two 2-byte characters and a space: byte 8, column 4.
        assert_eq!(at(8), (2, 4));
        // Inside `é` (bytes 5..7): the character's own column.
        assert_eq!(at(6), (2, 2));
        assert_eq!(at(10), (3, 1));
        assert_eq!(at(11), (4, 1));
        // Past the end: the end of the last line.
        assert_eq!(at(999), (4, 5));
        let unknown = sources.locate("other.toml", (5, 6));
        assert_eq!((unknown.line, unknown.column), (1, 1));
    }

    #[test]
    fn line_at_gives_the_line_bounds() {
        let sources = one("ab\ncd\n");
        let line = sources.line_at("pack.toml", 4).expect("line");
        assert_eq!((line.number, line.start, line.end), (2, 3, 5));
        let last = sources.line_at("pack.toml", 6).expect("empty last line");
        assert_eq!((last.number, last.start, last.end), (3, 6, 6));
        assert!(sources.line_at("nope", 0).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The index agrees with a scan from the start for any text and offset, long lines
        /// of multi-byte characters included.
        #[test]
        fn index_agrees_with_a_scan(
            text in "([a-z \\n]|é|字|🦀){0,2000}",
            offset in 0usize..9000,
        ) {
            let sources = one(&text);
            let l = sources.locate("pack.toml", (offset, offset));
            prop_assert_eq!((l.line, l.column), scan(&text, offset));
        }
    }
}

const CONSTANTS: &str = "[constants]\nscam = { regex = \"(?i)data entry\" }\nadult = 18\nceiling = 1200.5\nstrict = true\nhotline = \"0800\"\n";

#[test]
fn loads_constants_of_every_kind() {
    let pack = match load(&small_pack(CONSTANTS), SMALL_SCHEMA) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    };
    let got: Vec<(&str, Value, bool)> = pack
        .constants
        .iter()
        .map(|c| (c.name.as_str(), c.value.clone(), c.regex))
        .collect();
    assert_eq!(
        got,
        vec![
            ("scam", Value::string("(?i)data entry"), true),
            ("adult", Value::Int(18), false),
            ("ceiling", Value::Double(1200.5), false),
            ("strict", Value::Bool(true), false),
            ("hotline", Value::string("0800"), false),
        ]
    );
    assert_eq!(
        pack.constants[0].location.as_ref().map(|l| l.line),
        Some(10)
    );
}

#[test]
fn constants_enter_the_digest_only_when_declared() {
    let plain = digest_of(files(&small_pack(""), SMALL_SCHEMA), "pack.toml");
    // The digest of a pack without constants is what it was before `[constants]` existed.
    assert_eq!(
        plain,
        digest_of(
            files(&small_pack("[constants]\n"), SMALL_SCHEMA),
            "pack.toml"
        )
    );
    let with = digest_of(files(&small_pack(CONSTANTS), SMALL_SCHEMA), "pack.toml");
    assert_ne!(with, plain);
    let changed = CONSTANTS.replace("adult = 18", "adult = 21");
    assert_ne!(
        digest_of(files(&small_pack(&changed), SMALL_SCHEMA), "pack.toml"),
        with
    );
    // A regex constant and a string constant of the same text differ.
    let as_string = CONSTANTS.replace("{ regex = \"(?i)data entry\" }", "\"(?i)data entry\"");
    assert_ne!(
        digest_of(files(&small_pack(&as_string), SMALL_SCHEMA), "pack.toml"),
        with
    );
}

#[test]
fn bad_constants_are_reported_where_written() {
    let errors = load_err(
        &small_pack(
            "[constants]\nre = { regex = \"(a\" }\nlist = [1]\nnope = { pattern = \"x\" }\n",
        ),
        SMALL_SCHEMA,
    );
    let codes: Vec<(&str, u32)> = errors
        .iter()
        .map(|d| (d.code.as_str(), d.line.unwrap_or(0)))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("cel.bad_regex", 10),
            ("pack.invalid_value", 11),
            ("pack.missing_key", 12),
            ("pack.unknown_key", 12),
        ]
    );
}

#[cfg(feature = "regex")]
#[test]
#[cfg(feature = "regex")]
fn a_regex_constant_is_compiled_at_load() {
    let rules = format!(
        "{CONSTANTS}\n[derive]\nd = \"destination.matches(scam)\"\n\n\
         [[rule]]\nid = \"a\"\ntitle = \"A\"\nweight = 1\nwhen = \"d || destination.matches(scam)\"\n\
         reason = \"over {{ceiling}} ({{hotline}})\"\n"
    );
    let pack = match load(&small_pack(&rules), SMALL_SCHEMA) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    };
    let built = match crate::engine::build_for_tests(&pack) {
        Ok(b) => b,
        Err(e) => panic!("{e:?}"),
    };
    use crate::cel::ir::Node;
    // No dynamic `matches` call is left: both uses hold the compiled regex.
    assert!(
        matches!(&built.derived_nodes[0].node, Node::Matches(_, re) if re.as_str() == "(?i)data entry")
    );
    let Node::Or(sides) = &built.rules[0].node else {
        panic!("unexpected plan {:?}", built.rules[0].node);
    };
    assert!(matches!(&sides[1], Node::Matches(..)), "{:?}", sides[1]);
    let engine = match crate::Engine::compile(&pack) {
        Ok(e) => e,
        Err(e) => panic!("{}", e.render()),
    };
    let d = engine
        .screen_json(r#"{"destination": "Data Entry"}"#)
        .map_err(|e| e.to_string());
    let reasons: Vec<String> = d
        .map(|d| d.hits.iter().map(|h| h.reason.clone()).collect())
        .unwrap_or_default();
    assert_eq!(reasons, ["over 1200.5 (0800)"]);
}

//! Screening behaviour of the compiled engine: explanations, reason templates, evidence,
//! shadow and disabled rules, thresholds, batches, thread safety and strict decoding.

use std::collections::BTreeMap;

use saring::engine::{RuleExplanation, RuleResult};
use saring::pack::RuleStatus;
use saring::{Decision, DecodeOptions, Engine, Outcome, Pack};
use serde_json::json;

mod common;

const SCHEMA: &str = r#"
[field.destination]
type = "string"
required = true
[field.return_ticket]
type = "bool"
[field.paid_by]
type = "enum"
values = ["self", "agent", "employer"]
[field.interview]
type = "object"
[field.interview.agent]
type = "bool"
[field.interview.officer]
type = "string"
[field.job]
type = "object"
[field.job.salary]
type = "float"
[field.job.start]
type = "date"
[field.birth_date]
type = "date"
[field.application_date]
type = "date"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
[field.tags]
type = "list"
items = "string"
[field.sex]
type = "enum"
values = ["f", "m"]
monitored = true
[field.religion]
type = "string"
protected = true
"#;

const PACK: &str = r#"
[pack]
id = "engine-tests"
version = "2.1"
title = "Engine tests"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[lists]
hotspot = ["KH", "MM", "LA"]

[derive]
age = "years_between(birth_date, application_date)"
salary_k = "job.salary / 1000.0"

[[rule]]
id = "one_way"
title = "One-way ticket to a hotspot"
weight = 25
when = "destination in hotspot && !return_ticket"
reason = "No return ticket to {destination}"
remedy = "Show a return ticket"

[[rule]]
id = "paid"
title = "Paid by an agent"
weight = 5
when = "paid_by == 'agent'"
reason = "Paid by {paid_by}"

[[rule]]
id = "agent"
title = "Agent present"
weight = 20
when = "interview.agent"
reason = "Agent present: {interview.agent}; officer {interview.officer}"

[[rule]]
id = "salary"
title = "High salary"
weight = 40
status = "shadow"
when = "job.salary >= 1500.0"
reason = "Salary {job.salary} ({salary_k}k) from {job.start}, {{literal}} }}"

[[rule]]
id = "minor"
title = "Minor"
weight = 10
when = "age < 18"
reason = "Age {age}, born {birth_date}"

[[rule]]
id = "combo"
title = "One-way and agent-paid"
weight = 5
when = "rules.one_way && rules.paid"
reason = "Combination for {destination}"

[[rule]]
id = "retired"
title = "Retired"
weight = 99
status = "disabled"
when = "destination == 'KH' || return_ticket"
reason = "never {destination}"

[[rule]]
id = "route"
title = "Route via a hotspot"
weight = 7
status = "shadow"
when = "legs.exists(l, l.country in hotspot)"
reason = "route"
"#;

fn engine() -> Engine {
    common::compile(PACK, SCHEMA)
}

fn screen(e: &Engine, v: serde_json::Value) -> Decision {
    e.screen_value(&v).unwrap()
}

fn explain(e: &Engine, v: serde_json::Value) -> saring::engine::Explanation {
    e.explain(&e.decode_value(&v, DecodeOptions::default()).unwrap())
}

fn rule<'a>(ex: &'a saring::engine::Explanation, id: &str) -> &'a RuleExplanation {
    ex.rules.iter().find(|r| r.rule == id).unwrap()
}

fn ids(hits: &[saring::Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.rule.as_str()).collect()
}

fn full_record() -> serde_json::Value {
    json!({
        "destination": "KH",
        "return_ticket": false,
        "paid_by": "agent",
        "interview": {"agent": true, "officer": "B. Santoso"},
        "job": {"salary": 2500.0, "start": "2025-03-01"},
        "birth_date": "2010-06-15",
        "application_date": "2025-05-01",
        "legs": [{"country": "TH"}, {"country": "MM"}],
        "tags": ["a"],
    })
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_lists_every_rule_with_its_result() {
    let e = engine();
    let ex = explain(
        &e,
        json!({"destination": "KH", "return_ticket": true, "paid_by": "agent",
               "interview": {"agent": false}, "application_date": "2025-05-01"}),
    );
    let results: Vec<(&str, &RuleResult)> = ex
        .rules
        .iter()
        .map(|r| (r.rule.as_str(), &r.result))
        .collect();
    assert_eq!(
        results,
        vec![
            ("one_way", &RuleResult::Miss),
            ("paid", &RuleResult::Hit),
            ("agent", &RuleResult::Miss),
            (
                "salary",
                &RuleResult::Unknown {
                    missing: vec!["job.salary".into()],
                    error: None
                }
            ),
            (
                "minor",
                &RuleResult::Unknown {
                    missing: vec!["birth_date".into()],
                    error: None
                }
            ),
            ("combo", &RuleResult::Miss),
            ("retired", &RuleResult::Disabled),
            (
                "route",
                &RuleResult::Unknown {
                    missing: vec!["legs".into()],
                    error: None
                }
            ),
        ]
    );
    let same = json!({"destination": "KH", "return_ticket": true, "paid_by": "agent",
                      "interview": {"agent": false}, "application_date": "2025-05-01"});
    assert_eq!(ex.decision, screen(&e, same));
    assert_eq!(ex.decision.score, 5);
    assert_eq!(ex.decision.outcome, Outcome::Clear);
    // Titles, statuses, weights and remedies are carried over.
    let one_way = rule(&ex, "one_way");
    assert_eq!(one_way.title, "One-way ticket to a hotspot");
    assert_eq!(one_way.status, RuleStatus::Active);
    assert_eq!(one_way.weight, 25);
    assert_eq!(one_way.remedy.as_deref(), Some("Show a return ticket"));
    // Reasons are rendered for every rule, fired or not.
    assert_eq!(one_way.reason, "No return ticket to KH");
    assert_eq!(rule(&ex, "salary").status, RuleStatus::Shadow);
}

#[test]
fn explain_evidence_and_derived_values() {
    let e = engine();
    let ex = explain(&e, full_record());
    assert_eq!(
        ex.derived,
        BTreeMap::from([
            ("age".to_string(), json!(14)),
            ("salary_k".to_string(), json!(2.5))
        ])
    );
    assert_eq!(
        rule(&ex, "one_way").evidence,
        BTreeMap::from([
            ("destination".to_string(), json!("KH")),
            ("return_ticket".to_string(), json!(false)),
        ])
    );
    assert_eq!(
        rule(&ex, "minor").evidence,
        BTreeMap::from([("age".to_string(), json!(14)),])
    );
    assert_eq!(
        rule(&ex, "salary").evidence,
        BTreeMap::from([("job.salary".to_string(), json!(2500.0))])
    );
    assert_eq!(
        rule(&ex, "route").evidence,
        BTreeMap::from([(
            "legs".to_string(),
            json!([{"country": "TH"}, {"country": "MM"}])
        )])
    );
    // Missing values are omitted from evidence; derived values that failed are null.
    let ex = explain(&e, json!({"destination": "KH"}));
    assert_eq!(
        ex.derived,
        BTreeMap::from([
            ("age".to_string(), serde_json::Value::Null),
            ("salary_k".to_string(), serde_json::Value::Null)
        ])
    );
    assert_eq!(
        rule(&ex, "one_way").evidence,
        BTreeMap::from([("destination".to_string(), json!("KH"))])
    );
    assert!(rule(&ex, "minor").evidence.is_empty());
}

#[test]
fn explanation_serializes_with_result_tag() {
    let e = engine();
    let ex = explain(&e, json!({"destination": "KH"}));
    let v = serde_json::to_value(&ex).unwrap();
    assert_eq!(v["rules"][0]["result"], "unknown");
    assert_eq!(v["rules"][0]["missing"], json!(["return_ticket"]));
    assert_eq!(v["rules"][6]["result"], "disabled");
    assert_eq!(v["decision"]["outcome"], "clear");
}

// ---------------------------------------------------------------- reasons

#[test]
fn reason_templates() {
    let e = engine();
    let d = screen(&e, full_record());
    let reason = |id: &str| {
        d.hits
            .iter()
            .chain(&d.shadow_hits)
            .find(|h| h.rule == id)
            .unwrap_or_else(|| panic!("{id} did not fire"))
            .reason
            .clone()
    };
    assert_eq!(reason("one_way"), "No return ticket to KH");
    assert_eq!(reason("paid"), "Paid by agent");
    // Nested paths.
    assert_eq!(reason("agent"), "Agent present: true; officer B. Santoso");
    // Doubles: no trailing zeros; dates as YYYY-MM-DD; `{{` and `}}` are literal braces.
    assert_eq!(
        reason("salary"),
        "Salary 2500 (2.5k) from 2025-03-01, {literal} }"
    );
    assert_eq!(reason("minor"), "Age 14, born 2010-06-15");
}

#[test]
fn reason_doubles_have_at_most_two_decimals() {
    let e = engine();
    for (salary, text) in [
        (1500.0, "1500"),
        (1500.5, "1500.5"),
        (1500.125, "1500.12"),
        (1999.999, "2000"),
        (1834.5678, "1834.57"),
        (1500.004, "1500"),
    ] {
        let d = screen(&e, json!({"destination": "JP", "job": {"salary": salary}}));
        assert_eq!(d.shadow_hits.len(), 1, "{d:#?}");
        assert_eq!(d.shadow_hits[0].rule, "salary");
        assert!(
            d.shadow_hits[0]
                .reason
                .starts_with(&format!("Salary {text} (")),
            "{salary}: {}",
            d.shadow_hits[0].reason
        );
    }
    let d = screen(
        &e,
        json!({"destination": "JP", "job": {"salary": 1834.5678}}),
    );
    assert_eq!(
        d.shadow_hits[0].reason,
        "Salary 1834.57 (1.83k) from unknown, {literal} }"
    );
}

#[test]
fn absent_values_render_as_unknown() {
    let e = engine();
    let d = screen(
        &e,
        json!({"destination": "JP", "interview": {"agent": true}}),
    );
    assert_eq!(d.hits[0].rule, "agent");
    assert_eq!(d.hits[0].reason, "Agent present: true; officer unknown");
}

// ---------------------------------------------------------------- evidence of combinations

#[test]
fn combination_evidence_includes_referenced_rules() {
    let e = engine();
    let d = screen(
        &e,
        json!({"destination": "KH", "return_ticket": false, "paid_by": "agent"}),
    );
    assert_eq!(ids(&d.hits), ["one_way", "paid", "combo"]);
    let combo = d.hits.iter().find(|h| h.rule == "combo").unwrap();
    assert_eq!(combo.reason, "Combination for KH");
    assert_eq!(
        combo.evidence,
        BTreeMap::from([
            ("destination".to_string(), json!("KH")),
            ("paid_by".to_string(), json!("agent")),
            ("return_ticket".to_string(), json!(false)),
        ])
    );
    assert_eq!(d.score, 35);
    assert_eq!(d.outcome, Outcome::Review);
}

#[test]
fn combination_of_incomplete_rule_is_incomplete() {
    let e = engine();
    let d = screen(&e, json!({"destination": "KH", "paid_by": "agent"}));
    let inc: Vec<(&str, Vec<String>)> = d
        .incomplete
        .iter()
        .filter(|i| i.rule == "one_way" || i.rule == "combo")
        .map(|i| (i.rule.as_str(), i.missing.clone()))
        .collect();
    assert_eq!(
        inc,
        [
            ("one_way", vec!["return_ticket".to_string()]),
            ("combo", vec!["return_ticket".to_string()])
        ]
    );
    // `false && missing` is decided: a non-agent payment makes combo a miss.
    let d = screen(&e, json!({"destination": "KH", "paid_by": "self"}));
    assert!(d.incomplete.iter().all(|i| i.rule != "combo"));
}

// ---------------------------------------------------------------- shadow and disabled

#[test]
fn shadow_rules_never_change_the_score() {
    let e = engine();
    let with_shadow = screen(
        &e,
        json!({"destination": "JP", "job": {"salary": 9000.0}, "legs": [{"country": "KH"}]}),
    );
    assert_eq!(ids(&with_shadow.shadow_hits), ["salary", "route"]);
    assert!(with_shadow.hits.is_empty());
    assert_eq!(with_shadow.score, 0);
    assert_eq!(with_shadow.outcome, Outcome::Clear);
    let without = screen(&e, json!({"destination": "JP", "legs": []}));
    assert_eq!(without.score, 0);
    // Shadow hits carry their weight for reporting.
    assert_eq!(with_shadow.shadow_hits[0].weight, 40);
}

#[test]
fn disabled_rules_never_appear() {
    let e = engine();
    for v in [
        json!({"destination": "KH"}),
        json!({"destination": "KH", "return_ticket": true}),
        full_record(),
    ] {
        let d = screen(&e, v);
        assert!(d.hits.iter().all(|h| h.rule != "retired"));
        assert!(d.shadow_hits.iter().all(|h| h.rule != "retired"));
        assert!(d.incomplete.iter().all(|i| i.rule != "retired"));
        assert!(d.score < 99);
    }
    // It is still listed among the rules, as disabled.
    let info = e.rules().iter().find(|r| r.id == "retired").unwrap();
    assert_eq!(info.status, RuleStatus::Disabled);
}

// ---------------------------------------------------------------- thresholds

#[test]
fn outcome_thresholds_are_inclusive() {
    let schema =
        "[field.a]\ntype = \"bool\"\n[field.b]\ntype = \"bool\"\n[field.c]\ntype = \"bool\"\n";
    let mut pack = common::pack_header("th", "T", 30, 60);
    for (id, w) in [("a", 29), ("b", 1), ("c", 30)] {
        pack.push_str(&common::rule_toml(id, "t", w, id, "r"));
    }
    let e = common::compile(&pack, schema);
    for (rec, score, outcome) in [
        (json!({}), 0, Outcome::Clear),
        (json!({"a": true}), 29, Outcome::Clear),
        (json!({"a": true, "b": true}), 30, Outcome::Review),
        (json!({"c": true}), 30, Outcome::Review),
        (json!({"a": true, "c": true}), 59, Outcome::Review),
        (json!({"a": true, "b": true, "c": true}), 60, Outcome::Refer),
    ] {
        let d = screen(&e, rec.clone());
        assert_eq!((d.score, d.outcome), (score, outcome), "{rec}");
    }
    assert_eq!(e.outcomes().review, 30);
    assert_eq!(e.outcomes().refer, 60);
}

#[test]
fn decision_names_the_pack() {
    let e = engine();
    let d = screen(&e, json!({"destination": "JP"}));
    assert_eq!(&*d.pack.id, "engine-tests");
    assert_eq!(&*d.pack.version, "2.1");
    assert!(d.pack.digest.starts_with("sha256:"));
    assert_eq!(d.pack.digest.len(), "sha256:".len() + 64);
}

// ---------------------------------------------------------------- batches

fn batch_lines() -> Vec<String> {
    let mut lines: Vec<String> = (0..200)
        .map(|i| {
            let destination = ["KH", "JP", "MM"][i % 3];
            let paid_by = ["self", "agent"][i % 2];
            json!({
                "destination": destination,
                "return_ticket": i % 3 == 0,
                "paid_by": paid_by,
                "interview": {"agent": i % 5 == 0},
                "job": {"salary": (i * 37) as f64},
            })
            .to_string()
        })
        .collect();
    lines[7] = "not json".to_string();
    lines[50] = r#"{"destination": 5}"#.to_string();
    lines[51] = "[1, 2]".to_string();
    lines
}

#[test]
fn screen_json_batch_equals_sequential() {
    let e = engine();
    let lines = batch_lines();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = e.screen_json_batch(&refs);
    let sequential: Vec<_> = refs.iter().map(|l| e.screen_json(l)).collect();
    assert_eq!(batch.len(), 200);
    assert_eq!(batch, sequential);
    assert_eq!(batch[7].as_ref().unwrap_err().code, "record.syntax");
    // A value that does not fit makes only its field invalid: the record is screened.
    let d = batch[50].as_ref().unwrap();
    assert_eq!(d.invalid.len(), 1);
    assert_eq!(
        (d.invalid[0].code.as_str(), d.invalid[0].path.as_str()),
        ("record.type_mismatch", "destination")
    );
    assert_eq!(batch[51].as_ref().unwrap_err().code, "record.not_object");
    assert_eq!(batch.iter().filter(|r| r.is_err()).count(), 2);
}

#[test]
fn screen_batch_equals_sequential() {
    let e = engine();
    let records: Vec<_> = batch_lines()
        .iter()
        .filter_map(|l| e.decode_json(l, DecodeOptions::default()).ok())
        .collect();
    assert_eq!(records.len(), 198);
    let batch = e.screen_batch(&records);
    let sequential: Vec<_> = records.iter().map(|r| e.screen(r)).collect();
    assert_eq!(batch, sequential);
    assert!(batch.iter().any(|d| d.outcome == Outcome::Review));
    assert!(batch.iter().any(|d| d.outcome == Outcome::Clear));
    assert!(e.screen_batch(&[]).is_empty());
}

// ---------------------------------------------------------------- threads

#[test]
fn engine_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Engine>();
    let e = engine();
    let expected = screen(&e, full_record());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || e.screen_value(&full_record()).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
}

// ---------------------------------------------------------------- decoding

#[test]
fn strict_decoding_rejects_unknown_fields() {
    let e = engine();
    let strict = DecodeOptions::STRICT;
    let err = e
        .decode_json(r#"{"destination": "KH", "colour": "red"}"#, strict)
        .unwrap_err();
    assert_eq!(err.code, "record.unknown_field");
    assert_eq!(err.path.as_deref(), Some("colour"));
    let err = e
        .decode_value(
            &json!({"destination": "KH", "interview": {"agent": true, "extra": 1}}),
            strict,
        )
        .unwrap_err();
    assert_eq!(err.code, "record.unknown_field");
    assert_eq!(err.path.as_deref(), Some("interview.extra"));
    let err = e
        .decode_json(
            r#"{"destination": "KH", "legs": [{"country": "KH", "x": 1}]}"#,
            strict,
        )
        .unwrap_err();
    assert_eq!(err.code, "record.unknown_field");
    assert_eq!(err.path.as_deref(), Some("legs[0].x"));
    // Known fields decode in strict mode; lenient mode ignores unknown ones.
    assert!(e.decode_json(r#"{"destination": "KH"}"#, strict).is_ok());
    let lenient = e
        .screen_json(r#"{"destination": "KH", "colour": "red", "return_ticket": false}"#)
        .unwrap();
    assert_eq!(ids(&lenient.hits), ["one_way"]);
}

#[test]
fn reported_unknown_fields_are_named_in_the_decision() {
    let e = engine();
    let text = r#"{"destination": "KH", "tiket": {"return": true}, "return_ticket": false}"#;
    let record = e.decode_json(text, DecodeOptions::REPORT).unwrap();
    let d = e.screen(&record);
    // The misspelt object counted for nothing: the rules saw only the declared fields.
    assert_eq!(ids(&d.hits), ["one_way"]);
    assert_eq!(d.ignored_fields, ["tiket"]);
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["ignored_fields"], json!(["tiket"]));
    // Not reported (the default): no member at all, so decisions and their hashes are as before.
    let d = e.screen_json(text).unwrap();
    assert!(d.ignored_fields.is_empty());
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert!(json.get("ignored_fields").is_none(), "{json}");
}

/// The evaluator documents that an incomplete rule is reported "with every missing path", but
/// operands of a call or binary operator stop at the first absent one.
#[test]
fn every_missing_path_is_reported() {
    let e = engine();
    let d = screen(&e, json!({"destination": "JP"}));
    let minor = d.incomplete.iter().find(|i| i.rule == "minor").unwrap();
    assert_eq!(minor.missing, ["application_date", "birth_date"]);
}

/// A protected value inside a list item can never change an outcome or appear in a decision:
/// it is dropped when the record is decoded, so whole-list evidence and `explain` never show
/// it, and records that differ only in it get identical decisions.
#[test]
fn protected_values_in_list_items_never_reach_a_decision() {
    let schema = r#"
[field.people]
type = "list"
items = "object"
[field.people.name]
type = "string"
[field.people.religion]
type = "string"
protected = true
"#;
    let pack = r#"
[pack]
id = "p"
version = "1"
title = "t"
[outcomes]
review = 1
refer = 2
[[rule]]
id = "group"
title = "Travels in a group"
weight = 1
when = "size(people) > 0 && people.exists(p, p.name != '')"
reason = "group"
"#;
    let engine = Engine::compile(&Pack::from_toml_str(pack, schema).unwrap()).unwrap();
    let with = serde_json::json!({"people": [{"name": "A", "religion": "R"}]});
    let without = serde_json::json!({"people": [{"name": "A"}]});
    let (a, b) = (screen(&engine, with.clone()), screen(&engine, without));
    assert_eq!(a, b);
    assert_eq!(a.outcome, Outcome::Review);
    let json = a.to_json();
    assert!(
        !json.contains("religion") && !json.contains("\"R\""),
        "{json}"
    );
    let explained = serde_json::to_string(&explain(&engine, with)).unwrap();
    assert!(!explained.contains("religion"), "{explained}");
    // An invalid protected value does not reject the record either: it is never read.
    let odd = serde_json::json!({"people": [{"name": "A", "religion": [1, {"x": 2}]}]});
    assert_eq!(screen(&engine, odd), a);
}

/// A value that does not fit its field makes only the rules reading that field incomplete,
/// with the error named; the other rules are decided and the decision lists the field.
#[test]
fn an_invalid_field_makes_only_its_readers_incomplete() {
    let schema = r#"
[field.purpose]
type = "enum"
values = ["work", "tourism"]
required = true
[field.destination]
type = "string"
required = true
[field.nights]
type = "int"
"#;
    let pack = r#"
[pack]
id = "p"
version = "1"
title = "t"
[outcomes]
review = 1
refer = 2
[[rule]]
id = "work"
title = "Work"
weight = 1
when = "purpose == 'work'"
reason = "work"
[[rule]]
id = "kh"
title = "KH"
weight = 1
when = "destination in ['KH']"
reason = "kh"
[[rule]]
id = "long"
title = "Long"
weight = 1
when = "has(record.nights) && nights > 30"
reason = "long"
"#;
    let engine = Engine::compile(&Pack::from_toml_str(pack, schema).unwrap()).unwrap();
    let d = screen(
        &engine,
        json!({"purpose": "toursim", "destination": "KH", "nights": "many"}),
    );
    assert_eq!(ids(&d.hits), ["kh"]);
    assert_eq!(d.outcome, Outcome::Review);
    let incomplete: Vec<(&str, &[String], Option<&str>)> = d
        .incomplete
        .iter()
        .map(|i| (i.rule.as_str(), i.missing.as_slice(), i.error.as_deref()))
        .collect();
    assert_eq!(
        incomplete,
        vec![
            (
                "work",
                &[][..],
                Some("field `purpose`: `toursim` is not one of `work`, `tourism` (did you mean `tourism`?)")
            ),
            (
                "long",
                &[][..],
                Some("field `nights`: expected int, found string \"many\"")
            ),
        ]
    );
    let invalid: Vec<(&str, &str)> = d
        .invalid
        .iter()
        .map(|f| (f.path.as_str(), f.code.as_str()))
        .collect();
    assert_eq!(
        invalid,
        [
            ("purpose", "record.invalid_value"),
            ("nights", "record.type_mismatch")
        ]
    );
}

/// The reason kind of an undecided rule tells missing data from a runtime error, the same in
/// the summary (rule indices) and the full decision.
#[test]
fn incomplete_rules_carry_their_reason_kind() {
    use saring::IncompleteKind;
    let schema = r#"
[field.destination]
type = "string"
[field.nights]
type = "int"
"#;
    let pack = r#"
[pack]
id = "p"
version = "1"
title = "t"
[outcomes]
review = 1
refer = 2
[[rule]]
id = "kh"
title = "KH"
weight = 1
when = "destination in ['KH']"
reason = "kh"
[[rule]]
id = "long"
title = "Long"
weight = 1
when = "nights * 4611686018427387904 > 30"
reason = "long"
"#;
    let engine = Engine::compile(&Pack::from_toml_str(pack, schema).unwrap()).unwrap();
    let record = engine
        .decode_value(&json!({"nights": 3}), DecodeOptions::default())
        .unwrap();
    let summary = engine.screen_summary(&record);
    let kinds: Vec<(u32, IncompleteKind)> = summary.incomplete_kinds().collect();
    assert_eq!(
        kinds,
        vec![(0, IncompleteKind::Missing), (1, IncompleteKind::Error)]
    );
    assert_eq!(summary.incomplete_kind(0), Some(IncompleteKind::Missing));
    assert_eq!(summary.incomplete_kind(1), Some(IncompleteKind::Error));
    let d = engine.screen(&record);
    let kinds: Vec<(&str, &str)> = d
        .incomplete
        .iter()
        .map(|i| (i.rule.as_str(), i.kind().as_str()))
        .collect();
    assert_eq!(kinds, [("kh", "missing"), ("long", "error")]);
    // The JSON output is unchanged: no `kind` key.
    assert!(!d.to_json().contains("\"kind\""), "{}", d.to_json());
}

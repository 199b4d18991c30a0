//! `Engine::derived_values` and `Engine::rule_reads`: the audit views of a compiled pack.

mod common;

use saring::DecodeOptions;
use serde_json::json;

const SCHEMA: &str = r#"
[field.birth_date]
type = "date"
required = true
monitored = true
[field.seen]
type = "date"
required = true
[field.destination]
type = "string"
required = true
[field.ticket]
type = "object"
[field.ticket.paid_by]
type = "string"
required = true
"#;

fn pack() -> String {
    let mut p = common::pack_header("inspect", "Inspect", 30, 60);
    p.push_str("[derive]\nage = \"years_between(birth_date, seen)\"\nadult = \"age >= 18\"\n");
    p.push_str(&common::rule_toml(
        "far",
        "Far",
        10,
        "destination == 'KH'",
        "far",
    ));
    p.push_str(&common::rule_toml(
        "minor_paid",
        "Minor, ticket paid by others",
        40,
        "!adult && ticket.paid_by != 'self'",
        "minor",
    ));
    p.push_str(
        "uses_monitored = { why = \"the legal minimum age for placement abroad is 18, and only the \
         birth date gives the age\", references = [\"UU 18/2017 art. 5\"], approved_by = \
         \"data-protection officer\" }\n",
    );
    p
}

#[test]
fn derived_values_of_one_record() {
    let engine = common::compile(&pack(), SCHEMA);
    assert_eq!(engine.derived_names(), ["age", "adult"]);
    let record = engine
        .decode_value(
            &json!({"birth_date": "1990-06-01", "seen": "2025-05-31", "destination": "KH"}),
            DecodeOptions::default(),
        )
        .expect("record");
    let values = engine.derived_values(&record);
    assert_eq!(values, [("age", json!(34)), ("adult", json!(true))]);
    // Missing data: the value is null, never a guess.
    let record = engine
        .decode_value(&json!({"seen": "2025-05-31"}), DecodeOptions::default())
        .expect("record");
    let values = engine.derived_values(&record);
    assert_eq!(values, [("age", json!(null)), ("adult", json!(null))]);
}

#[test]
fn fields_each_rule_reads_through_derived_values_too() {
    let engine = common::compile(&pack(), SCHEMA);
    let reads = engine.rule_reads();
    assert_eq!(reads.len(), 2);
    assert_eq!(
        (reads[0].rule.as_str(), reads[0].fields.clone()),
        ("far", vec!["destination".to_string()])
    );
    assert_eq!(reads[1].rule, "minor_paid");
    assert_eq!(reads[1].fields, ["birth_date", "seen", "ticket.paid_by"]);
    assert_eq!(reads[1].derived, ["adult"]);
}

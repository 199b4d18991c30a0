//! Optional values (cel-spec optional types): their types, values and errors in plain CEL,
//! and in packs the missing-data rule (a field read through `.?` is an optional, never
//! missing data), the `pack.unguarded_optional` warning (`.?` guards like `has()`) and the
//! protected-field policy (still refused through `.?`).

use saring::cel::{Env, Program, Value};
use saring::{Engine, Pack};

mod common;

fn eval(src: &str) -> Result<Value, String> {
    let p = Program::compile(src, &Env::default()).map_err(|e| {
        e.iter()
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    p.eval(&[]).map_err(|e| e.to_string())
}

fn ty(src: &str) -> String {
    match Program::compile(src, &Env::default()) {
        Ok(p) => p.result_type().to_string(),
        Err(e) => panic!("{src}: {}", e[0].message),
    }
}

fn compile_error(src: &str) -> (String, String) {
    match Program::compile(src, &Env::default()) {
        Ok(_) => panic!("{src} compiled"),
        Err(e) => (e[0].code.to_string(), e[0].message.clone()),
    }
}

#[test]
fn values() {
    assert_eq!(eval("optional.of(3).value() + 1"), Ok(Value::Int(4)));
    assert_eq!(eval("optional.none().orValue('d')"), Ok(Value::string("d")));
    assert_eq!(eval("{'a': 1}.?a.orValue(0)"), Ok(Value::Int(1)));
    assert_eq!(eval("{'a': 1}.?b.orValue(0)"), Ok(Value::Int(0)));
    assert_eq!(eval("[10, 20][?1].value()"), Ok(Value::Int(20)));
    assert_eq!(eval("[10, 20][?2].hasValue()"), Ok(Value::Bool(false)));
    assert_eq!(eval("[10, 20][?-1].hasValue()"), Ok(Value::Bool(false)));
    assert_eq!(
        eval("[1, ?optional.none(), ?optional.of(3)]"),
        Ok(Value::list(vec![Value::Int(1), Value::Int(3)]))
    );
    assert_eq!(
        eval("size({?'a': optional.none(), 'b': 2})"),
        Ok(Value::Int(1))
    );
    assert_eq!(
        eval("optional.ofNonZeroValue(0).hasValue()"),
        Ok(Value::Bool(false))
    );
    assert_eq!(
        eval("optional.ofNonZeroValue('x').value()"),
        Ok(Value::string("x"))
    );
    assert_eq!(
        eval("optional.of(2).optMap(x, x * 10).value()"),
        Ok(Value::Int(20))
    );
    assert_eq!(
        eval("optional.of({'k': 5}).optFlatMap(m, m.?k).value()"),
        Ok(Value::Int(5))
    );
    assert_eq!(
        eval("optional.none().or(optional.of(7)).value()"),
        Ok(Value::Int(7))
    );
    assert_eq!(
        eval("type(optional.of(1)) == optional_type"),
        Ok(Value::Bool(true))
    );
    // The lists extension's first() and last().
    assert_eq!(eval("[1, 2, 3].first().value()"), Ok(Value::Int(1)));
    assert_eq!(eval("[1, 2, 3].last().value()"), Ok(Value::Int(3)));
    assert_eq!(eval("[].first().orValue(10)"), Ok(Value::Int(10)));
    assert_eq!(eval("[].last().hasValue()"), Ok(Value::Bool(false)));
    // Selecting from or indexing an optional is optional.
    assert_eq!(
        eval("optional.of({'a': {'b': 1}}).a.b.value()"),
        Ok(Value::Int(1))
    );
    assert_eq!(
        eval("optional.of({'a': {}}).a.b.hasValue()"),
        Ok(Value::Bool(false))
    );
}

#[test]
fn or_and_or_value_short_circuit() {
    // The alternative is not evaluated when the optional has a value.
    assert_eq!(eval("optional.of(1).orValue(1 / 0)"), Ok(Value::Int(1)));
    assert_eq!(
        eval("optional.of(1).or(optional.of(1 / 0)).value()"),
        Ok(Value::Int(1))
    );
    assert!(eval("optional.none().orValue(1 / 0)").is_err());
    // `optMap` does not evaluate its transform over `optional.none()`.
    assert_eq!(
        eval("optional.none().optMap(x, 1 / 0).hasValue()"),
        Ok(Value::Bool(false))
    );
}

#[test]
fn runtime_errors() {
    assert_eq!(
        eval("optional.none().value()"),
        Err("optional.none() dereference".to_string())
    );
    assert_eq!(
        eval("dyn(1).hasValue()"),
        Err("no such overload: hasValue(int)".to_string())
    );
    assert_eq!(
        eval("[?dyn(1)]"),
        Err("an optional entry (`?`) needs an optional value, found int".to_string())
    );
    assert!(eval("{'a': 1}.?a.b.hasValue()").is_err());
}

#[test]
fn checker_types() {
    assert_eq!(ty("optional.of(1)"), "optional_type(int)");
    assert_eq!(ty("optional.none()"), "optional_type(dyn)");
    assert_eq!(ty("{'a': 'x'}.?a"), "optional_type(string)");
    assert_eq!(ty("{'a': 'x'}.?a.orValue('')"), "string");
    assert_eq!(ty("[1, 2][?0]"), "optional_type(int)");
    assert_eq!(ty("[?optional.of(1), 2]"), "list(int)");
    assert_eq!(ty("{?'k': optional.of(1.5)}"), "map(string, double)");
    assert_eq!(
        ty("optional.of(1).optMap(x, string(x))"),
        "optional_type(string)"
    );
    assert_eq!(
        ty("optional.of('a').optFlatMap(x, {'a': 1}[?x])"),
        "optional_type(int)"
    );
    assert_eq!(
        ty("optional.of({'a': {'b': true}}).a.b"),
        "optional_type(bool)"
    );
    assert_eq!(ty("optional.of(1).value()"), "int");
    assert_eq!(ty("optional.of(1).hasValue()"), "bool");
    assert_eq!(ty("['a'].first()"), "optional_type(string)");
    assert_eq!(ty("[1.5].last().orValue(0.0)"), "double");
}

#[test]
fn checker_errors() {
    assert_eq!(
        compile_error("[?1]"),
        (
            "cel.type_mismatch".into(),
            "an optional entry (`?`) needs an optional value, found int".into()
        )
    );
    assert_eq!(
        compile_error("{?'k': 1}"),
        (
            "cel.type_mismatch".into(),
            "an optional entry (`?`) needs an optional value, found int".into()
        )
    );
    assert_eq!(
        compile_error("optional.of(1).orValue('a')"),
        (
            "cel.no_overload".into(),
            "no matching overload for `orValue(optional_type(int), string)`".into()
        )
    );
    assert_eq!(compile_error("1.hasValue()").0, "cel.no_overload");
    assert_eq!(
        compile_error("(1).optMap(x, x)"),
        (
            "cel.type_mismatch".into(),
            "`optMap` needs an optional, found int".into()
        )
    );
    assert_eq!(
        compile_error("optional.of(1).optFlatMap(x, x)"),
        (
            "cel.type_mismatch".into(),
            "the transform of `optFlatMap` must be an optional, found int".into()
        )
    );
    assert_eq!(compile_error("optional.of(1) + 1").0, "cel.type_mismatch");
}

// ---------------------------------------------------------------- packs

const SCHEMA: &str = r#"
[field.destination]
type = "string"
required = true
[field.recruiter]
type = "string"
[field.fee]
type = "float"
[field.job]
type = "object"
[field.job.title]
type = "string"
[field.job.salary]
type = "float"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
[field.legs.religion]
type = "string"
protected = true
[field.purpose]
type = "enum"
values = ["work", "study"]
[field.religion]
type = "string"
protected = true
[field.interview]
type = "object"
[field.interview.faith]
type = "string"
protected = true
"#;

fn pack(when: &str) -> String {
    format!(
        "{}{}",
        common::pack_header("p", "P", 1, 2),
        common::rule_toml("r", "R", 1, &when.replace('"', "\\\""), "x")
    )
}

fn engine(when: &str) -> Result<Engine, saring::PackError> {
    Engine::compile(&Pack::from_toml_str(&pack(when), SCHEMA).expect("pack loads"))
}

fn unguarded(when: &str) -> Vec<String> {
    engine(when)
        .unwrap_or_else(|e| panic!("{when}: {}", e.render()))
        .warnings()
        .iter()
        .filter(|d| d.code == "pack.unguarded_optional")
        .map(|d| d.message.clone())
        .collect()
}

/// (hit, incomplete with its missing paths) of rule `r` for a record.
fn screen(when: &str, record: &str) -> (bool, Option<Vec<String>>) {
    let engine = engine(when).unwrap_or_else(|e| panic!("{when}: {}", e.render()));
    let d = engine
        .screen_json(record)
        .unwrap_or_else(|e| panic!("{record}: {e}"));
    let hit = d.hits.iter().any(|h| h.rule == "r");
    let incomplete = d
        .incomplete
        .iter()
        .find(|i| i.rule == "r")
        .map(|i| i.missing.iter().map(|p| p.to_string()).collect());
    (hit, incomplete)
}

#[test]
fn absent_fields_read_through_optionals_are_not_missing_data() {
    let absent = r#"{"destination": "KH"}"#;
    // A plain read of an absent field leaves the rule incomplete...
    assert_eq!(
        screen(r#"recruiter == "x""#, absent),
        (false, Some(vec!["recruiter".to_string()]))
    );
    // ...a read through `.?` says what absence means.
    assert_eq!(
        screen(r#"!record.?recruiter.hasValue()"#, absent),
        (true, None)
    );
    assert_eq!(
        screen(r#"record.?recruiter.orValue("none") == "none""#, absent),
        (true, None)
    );
    assert_eq!(
        screen(r#"job.?salary.orValue(0.0) > 100.0"#, absent),
        (false, None)
    );
    assert_eq!(
        screen(r#"record.?job.?title.orValue("") == """#, absent),
        (true, None)
    );
    assert_eq!(
        screen(
            r#"record.?legs.orValue([]).exists(l, l.?country.orValue("") == "MM")"#,
            absent
        ),
        (false, None)
    );
    // Present values are read through the optional.
    let present = r#"{"destination": "KH", "recruiter": "x", "job": {"salary": 500.0}, "legs": [{"country": "MM"}]}"#;
    assert_eq!(
        screen(r#"record.?recruiter.value() == "x""#, present),
        (true, None)
    );
    assert_eq!(
        screen(r#"job.?salary.orValue(0.0) > 100.0"#, present),
        (true, None)
    );
    assert_eq!(
        screen(r#"legs[?0].?country.orValue("") == "MM""#, present),
        (true, None)
    );
    // The alternative of `orValue` is read only when needed.
    assert_eq!(
        screen(r#"record.?recruiter.orValue(string(fee)) == "x""#, present),
        (true, None)
    );
    assert_eq!(
        screen(r#"record.?recruiter.orValue(string(fee)) == "x""#, absent),
        (false, Some(vec!["fee".to_string()]))
    );
    // `legs[?0]` makes the index optional, not `legs` itself.
    assert_eq!(
        screen(r#"legs[?0].hasValue()"#, absent),
        (false, Some(vec!["legs".to_string()]))
    );
}

#[test]
fn optional_reads_guard_like_has() {
    assert_eq!(unguarded(r#"recruiter == "x""#).len(), 1);
    assert!(unguarded(r#"record.?recruiter.orValue("") == "x""#).is_empty());
    assert!(unguarded(r#"record.?recruiter.hasValue()"#).is_empty());
    assert!(unguarded(r#"job.?salary.orValue(0.0) > 1.0"#).is_empty());
    assert!(unguarded(r#"record.?job.?title.orValue("") == "x""#).is_empty());
    // After `.?`, the rest of the chain is optional too.
    assert!(unguarded(r#"record.?job.title.orValue("") == "x""#).is_empty());
    assert_eq!(unguarded(r#"job.salary > 1.0"#).len(), 1);
    // One guarded read does not guard another field.
    assert_eq!(
        unguarded(r#"record.?recruiter.hasValue() && fee > 1.0"#),
        ["rule `r` reads optional field `fee` without `has()`: records without it list the rule as incomplete"]
    );
}

#[test]
fn protected_fields_are_refused_through_optionals() {
    for when in [
        r#"record.?religion.hasValue()"#,
        r#"record.?religion.orValue("") == "x""#,
        r#"interview.?faith.hasValue()"#,
        r#"record.?interview.?faith.hasValue()"#,
        r#"legs.exists(l, l.?religion.orValue("") == "x")"#,
        r#"legs[?0].?religion.hasValue()"#,
        // A whole list item holding a protected field, through an optional.
        r#"legs[?0].value() == {}"#,
        r#"legs[?0] == optional.none()"#,
        r#"legs[?0].orValue({}) == {}"#,
        r#"legs.first().value() == {}"#,
        r#"legs[?0].or(optional.none()).value() == {}"#,
        r#"optional.none().or(legs[?0]).value() == {}"#,
        r#"legs[?0].optMap(l, l).hasValue()"#,
    ] {
        let err = engine(when)
            .err()
            .unwrap_or_else(|| panic!("{when} should not compile"));
        let codes: Vec<&str> = err.errors().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["pack.protected_field"], "{when}");
    }
    // Other fields of the same items stay readable.
    assert!(engine(r#"legs[?0].?country.orValue("") == "MM""#).is_ok());
    assert!(engine(r#"legs[?0].value().country == "MM""#).is_ok());
    assert!(engine(r#"legs.last().?country.orValue("") == "MM""#).is_ok());
    assert!(engine(r#"legs[?0].optMap(l, l.country).orValue("") == "MM""#).is_ok());
    assert!(engine(r#"record.?legs.orValue([]).exists(l, l.country == "MM")"#).is_ok());
}

#[test]
fn optional_types_in_packs() {
    let t = |when: &str| engine(when).err().map(|e| e.render()).unwrap_or_default();
    // The condition must be a bool, not an optional of one.
    assert!(t(r#"record.?recruiter"#)
        .contains("the condition must be bool, found optional_type(string)"));
    assert!(t(r#"record.?recrutier.hasValue()"#).contains("did you mean `recruiter`?"));
    assert!(t(r#"record.?job"#).contains("object `job` cannot be used as a value"));
}

#[test]
fn enum_values_are_checked_through_optionals() {
    let Err(err) = engine(r#"record.?purpose.orValue("") == "wrok""#) else {
        panic!("an unknown enum value does not load");
    };
    let d: Vec<_> = err.errors().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "cel.unknown_enum_value");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `work`?"));
    // The default is a value the expression may compare with.
    assert!(engine(r#"record.?purpose.orValue("none") == "none""#).is_ok());
    assert!(engine(r#"record.?purpose.orValue("") == "study""#).is_ok());
    assert!(engine(r#"record.?purpose.value() == "work""#).is_ok());
}

#[test]
fn a_value_of_the_wrong_shape_is_still_an_error_through_optionals() {
    let engine = engine(r#"record.?recruiter.orValue("none") == "none""#)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let d = engine
        .screen_json(r#"{"destination": "KH", "recruiter": 5}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(d.hits.is_empty());
    let incomplete: Vec<_> = d.incomplete.iter().filter(|i| i.rule == "r").collect();
    assert_eq!(incomplete.len(), 1);
    assert!(incomplete[0].error.is_some(), "{:?}", incomplete[0]);
    assert!(incomplete[0].missing.is_empty());
}

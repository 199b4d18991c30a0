//! Decoding tests over a hand-built schema.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::cel::MapValue;
use crate::error::RecordError;
use crate::limits::MAX_RECORD_BYTES;
use crate::schema::{Field, FieldKind, ObjectType, Schema};

// ---- schema builder ------------------------------------------------------------------------

/// Builds fields for an object at `prefix`, numbering slots depth-first from `next` unless the
/// object is inside a list.
fn build(prefix: &str, spec: Vec<(&str, Kind)>, in_list: bool, next: &mut u32) -> Arc<ObjectType> {
    let mut fields = Vec::new();
    for (name, kind) in spec {
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        let slot = if in_list {
            None
        } else {
            *next += 1;
            Some(*next - 1)
        };
        let kind = to_kind(&path, kind, in_list, next);
        fields.push(Field {
            name: name.into(),
            path,
            kind,
            required: false,
            protected: false,
            monitored: false,
            description: None,
            encodes: Vec::new(),
            question: None,
            slot,
            max_items: None,
            location: None,
        });
    }
    Arc::new(ObjectType {
        path: prefix.into(),
        fields,
        in_list,
    })
}

enum Kind {
    S,
    I,
    F,
    B,
    D,
    T,
    E(&'static [&'static str]),
    L(Box<Kind>),
    O(Vec<(&'static str, Kind)>),
}

fn to_kind(path: &str, kind: Kind, in_list: bool, next: &mut u32) -> FieldKind {
    match kind {
        Kind::S => FieldKind::String,
        Kind::I => FieldKind::Int,
        Kind::F => FieldKind::Float,
        Kind::B => FieldKind::Bool,
        Kind::D => FieldKind::Date,
        Kind::T => FieldKind::Timestamp,
        Kind::E(values) => FieldKind::Enum(values.iter().map(|s| s.to_string()).collect()),
        Kind::L(item) => {
            FieldKind::List(Box::new(to_kind(&format!("{path}[]"), *item, true, next)))
        }
        Kind::O(spec) => FieldKind::Object(build(path, spec, in_list, next)),
    }
}

fn schema() -> Schema {
    use Kind::*;
    let mut next = 0;
    let root = build(
        "",
        vec![
            ("name", S),
            ("age", I),
            ("score", F),
            ("return_ticket", B),
            ("birth_date", D),
            ("departure", T),
            ("visa", E(&["tourist", "work", "student"])),
            ("tags", L(Box::new(S))),
            (
                "interview",
                O(vec![
                    ("agent_present", B),
                    ("answers", I),
                    ("officer", O(vec![("id", S)])),
                ]),
            ),
            (
                "legs",
                L(Box::new(O(vec![
                    ("country", S),
                    ("date", D),
                    ("stops", L(Box::new(I))),
                ]))),
            ),
            ("matrix", L(Box::new(L(Box::new(F))))),
        ],
        false,
        &mut next,
    );
    Schema::new(root)
}

fn slot(schema: &Schema, path: &str) -> u32 {
    match schema.slot(path) {
        Some(s) => s,
        None => panic!("no slot for {path}"),
    }
}

fn ok(text: &str) -> Record {
    let s = schema();
    let a = decode_json(&s, text, DecodeOptions::default());
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("test input is not JSON: {e}"),
    };
    let b = decode_value(&s, &value, DecodeOptions::default());
    assert_eq!(
        format!("{a:?}"),
        format!("{b:?}"),
        "text and value paths differ"
    );
    match a {
        Ok(r) => r,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

fn options(strict: bool) -> DecodeOptions {
    if strict {
        DecodeOptions::STRICT
    } else {
        DecodeOptions::default()
    }
}

fn err_text(text: &str, strict: bool) -> RecordError {
    match decode_json(&schema(), text, options(strict)) {
        Ok(r) => panic!("expected an error, got {r:?}"),
        Err(e) => e,
    }
}

/// The error from both paths (they must agree).
fn err(text: &str, strict: bool) -> RecordError {
    let a = err_text(text, strict);
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("test input is not JSON: {e}"),
    };
    let b = decode_value(&schema(), &value, options(strict));
    assert_eq!(Err(a.clone()), b, "text and value paths differ");
    a
}

/// The one invalid field of a record that decodes (both paths must agree): a value that does
/// not fit makes only its field invalid.
fn invalid(text: &str) -> RecordError {
    let r = ok(text);
    let errors: Vec<&RecordError> = r.invalid().collect();
    match errors.as_slice() {
        [one] => (*one).clone(),
        other => panic!("expected one invalid field, got {other:?}"),
    }
}

fn get<'r>(r: &'r Record, s: &Schema, path: &str) -> Option<&'r Value> {
    r.get(slot(s, path))
}

fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, sec: u32) -> Value {
    Value::Timestamp(
        Utc.with_ymd_and_hms(y, mo, d, h, mi, sec)
            .single()
            .unwrap_or_default(),
    )
}

fn dbg(v: Option<&Value>) -> String {
    format!("{v:?}")
}

// ---- happy paths ---------------------------------------------------------------------------

#[test]
fn slots_are_depth_first() {
    let s = schema();
    assert_eq!(s.slots.len(), 15);
    assert_eq!(slot(&s, "interview"), 8);
    assert_eq!(slot(&s, "interview.agent_present"), 9);
    assert_eq!(slot(&s, "interview.officer.id"), 12);
    assert_eq!(slot(&s, "legs"), 13);
    assert_eq!(slot(&s, "matrix"), 14);
}

#[test]
fn every_scalar_type() {
    let s = schema();
    let r = ok(
        r#"{"name": "Siti \u00c1", "age": 24, "score": 2, "return_ticket": false,
        "birth_date": "2001-02-28", "departure": "2025-05-01T10:30:00+07:00",
        "visa": "work", "tags": ["a", "b"]}"#,
    );
    assert_eq!(dbg(get(&r, &s, "name")), r#"Some(String("Siti Á"))"#);
    assert_eq!(dbg(get(&r, &s, "age")), "Some(Int(24))");
    assert_eq!(dbg(get(&r, &s, "score")), "Some(Double(2.0))");
    assert_eq!(dbg(get(&r, &s, "return_ticket")), "Some(Bool(false))");
    assert_eq!(get(&r, &s, "birth_date"), Some(&ts(2001, 2, 28, 0, 0, 0)));
    assert_eq!(get(&r, &s, "departure"), Some(&ts(2025, 5, 1, 3, 30, 0)));
    assert_eq!(dbg(get(&r, &s, "visa")), r#"Some(String("work"))"#);
    assert_eq!(
        dbg(get(&r, &s, "tags")),
        r#"Some(List([String("a"), String("b")]))"#
    );
    assert_eq!(get(&r, &s, "interview"), None);
    assert_eq!(get(&r, &s, "interview.agent_present"), None);
    let r = ok(r#"{"score": 2.5, "age": -9223372036854775808}"#);
    assert_eq!(dbg(get(&r, &s, "score")), "Some(Double(2.5))");
    assert_eq!(dbg(get(&r, &s, "age")), "Some(Int(-9223372036854775808))");
}

#[test]
fn nested_objects_fill_their_own_slots() {
    let s = schema();
    let r = ok(r#"{"interview": {"officer": {"id": "X1"}, "agent_present": true}}"#);
    assert_eq!(dbg(get(&r, &s, "interview")), "Some(Bool(true))");
    assert_eq!(
        dbg(get(&r, &s, "interview.agent_present")),
        "Some(Bool(true))"
    );
    assert_eq!(get(&r, &s, "interview.answers"), None);
    assert_eq!(dbg(get(&r, &s, "interview.officer")), "Some(Bool(true))");
    assert_eq!(
        dbg(get(&r, &s, "interview.officer.id")),
        r#"Some(String("X1"))"#
    );
    let r = ok(r#"{"interview": {}}"#);
    assert_eq!(dbg(get(&r, &s, "interview")), "Some(Bool(true))");
    assert_eq!(get(&r, &s, "interview.officer"), None);
}

#[test]
fn lists_of_objects_become_maps() {
    let s = schema();
    let r = ok(
        r#"{"legs": [{"country": "KH", "date": "2025-05-02", "stops": [1, 2]},
                            {"country": null, "unknown": [1]}, {}]}"#,
    );
    let Some(Value::List(legs)) = get(&r, &s, "legs") else {
        panic!("legs not a list");
    };
    assert_eq!(legs.len(), 3);
    let Value::Map(first) = &legs[0] else {
        panic!("item not a map");
    };
    assert_eq!(first.len(), 3);
    assert_eq!(dbg(first.get_str("country")), r#"Some(String("KH"))"#);
    assert_eq!(first.get_str("date"), Some(&ts(2025, 5, 2, 0, 0, 0)));
    assert_eq!(dbg(first.get_str("stops")), "Some(List([Int(1), Int(2)]))");
    assert_eq!(legs[1], Value::Map(Arc::new(MapValue::default())));
    assert_eq!(legs[2], Value::Map(Arc::new(MapValue::default())));
    let r = ok(r#"{"matrix": [[1, 2.5], []], "legs": []}"#);
    assert_eq!(
        dbg(get(&r, &s, "matrix")),
        "Some(List([List([Double(1.0), Double(2.5)]), List([])]))"
    );
    assert_eq!(dbg(get(&r, &s, "legs")), "Some(List([]))");
}

#[test]
fn nulls_are_absent_and_unknown_fields_ignored() {
    let s = schema();
    let r = ok(
        r#"{"name": null, "interview": null, "tags": null, "extra": {"deep": [1, {"x": null}]},
                   "age": 3, "more": "x"}"#,
    );
    assert_eq!(get(&r, &s, "name"), None);
    assert_eq!(get(&r, &s, "interview"), None);
    assert_eq!(get(&r, &s, "tags"), None);
    assert_eq!(dbg(get(&r, &s, "age")), "Some(Int(3))");
    assert_eq!(r.slots().iter().filter(|v| v.is_some()).count(), 1);
    let empty = ok("{}");
    assert_eq!(empty.len(), 15);
    assert!(empty.slots().iter().all(Option::is_none));
}

#[test]
fn keys_in_any_order_and_with_escapes() {
    let s = schema();
    let r = ok(r#"{"visa": "student", "n\u0061me": "A", "age": 1}"#);
    assert_eq!(dbg(get(&r, &s, "name")), r#"Some(String("A"))"#);
    assert_eq!(dbg(get(&r, &s, "visa")), r#"Some(String("student"))"#);
    assert_eq!(dbg(get(&r, &s, "age")), "Some(Int(1))");
}

/// Text and value input must give bit-identical doubles (decisions are reproducible across
/// front ends). serde_json only parses floats correctly rounded with its `float_roundtrip`
/// feature; without it this value comes out one ULP off.
#[test]
fn floats_parse_correctly_rounded() {
    let s = schema();
    let r = ok(r#"{"score": -227108.46304280794}"#);
    assert_eq!(
        get(&r, &s, "score").map(|v| match v {
            Value::Double(d) => d.to_bits(),
            _ => 0,
        }),
        Some((-227108.46304280794f64).to_bits())
    );
}

// ---- errors ----------------------------------------------------------------------------------

#[test]
fn type_mismatch_names_the_path() {
    let e = invalid(r#"{"interview": {"agent_present": "yes"}}"#);
    assert_eq!(e.code, "record.type_mismatch");
    assert_eq!(e.path.as_deref(), Some("interview.agent_present"));
    assert_eq!(
        e.message,
        r#"field `interview.agent_present`: expected bool, found string "yes""#
    );
    let e = invalid(r#"{"age": 3.0}"#);
    assert_eq!(e.message, "field `age`: expected int, found number 3.0");
    let e = invalid(r#"{"score": true}"#);
    assert_eq!(e.message, "field `score`: expected float, found bool true");
    let e = invalid(r#"{"name": 5}"#);
    assert_eq!(e.message, "field `name`: expected string, found integer 5");
    let e = invalid(r#"{"tags": "a"}"#);
    assert_eq!(
        e.message,
        r#"field `tags`: expected list of string, found string "a""#
    );
    let e = invalid(r#"{"interview": [1]}"#);
    assert_eq!(e.message, "field `interview`: expected object, found array");
    let e = invalid(r#"{"age": {}}"#);
    assert_eq!(e.message, "field `age`: expected int, found object");
    let e = invalid(r#"{"visa": 1}"#);
    assert_eq!(
        e.message,
        "field `visa`: expected enum string, found integer 1"
    );
}

#[test]
fn list_item_paths() {
    let e = invalid(r#"{"legs": [{}, {}, {"country": 7}]}"#);
    assert_eq!(e.code, "record.type_mismatch");
    assert_eq!(e.path.as_deref(), Some("legs[2].country"));
    assert_eq!(
        e.message,
        "field `legs[2].country`: expected string, found integer 7"
    );
    let e = invalid(r#"{"tags": ["a", null]}"#);
    assert_eq!(e.path.as_deref(), Some("tags[1]"));
    assert_eq!(e.message, "field `tags[1]`: expected string, found null");
    let e = invalid(r#"{"legs": [{"stops": [1, "2"]}]}"#);
    assert_eq!(e.path.as_deref(), Some("legs[0].stops[1]"));
    let e = invalid(r#"{"matrix": [[1], [2, "x"]]}"#);
    assert_eq!(e.path.as_deref(), Some("matrix[1][1]"));
    assert_eq!(
        e.message,
        r#"field `matrix[1][1]`: expected float, found string "x""#
    );
}

#[test]
fn invalid_values() {
    let e = invalid(r#"{"birth_date": "2025-02-30"}"#);
    assert_eq!(e.code, "record.invalid_value");
    assert_eq!(e.path.as_deref(), Some("birth_date"));
    assert_eq!(
        e.message,
        "field `birth_date`: `2025-02-30` is not a valid date (expected YYYY-MM-DD)"
    );
    for bad in [
        "2025-5-01",
        "2025-05-01T00:00:00Z",
        "25-05-01",
        "2025/05/01",
        "2025-05-0a",
        "",
    ] {
        let e = invalid(&json!({ "birth_date": bad }).to_string());
        assert_eq!(e.code, "record.invalid_value", "{bad}");
    }
    let e = invalid(r#"{"departure": "2025-05-01 25:00"}"#);
    assert_eq!(e.code, "record.invalid_value");
    assert_eq!(e.path.as_deref(), Some("departure"));
    assert!(
        e.message.contains("not a valid RFC 3339 timestamp"),
        "{}",
        e.message
    );
    let e = invalid(r#"{"visa": "Work"}"#);
    assert_eq!(e.code, "record.invalid_value");
    assert_eq!(
        e.message,
        "field `visa`: `Work` is not one of `tourist`, `work`, `student` (did you mean `work`?)"
    );
    let e = invalid(r#"{"age": 9223372036854775808}"#);
    assert_eq!(e.code, "record.invalid_value");
    assert_eq!(
        e.message,
        "field `age`: 9223372036854775808 is out of range for int (64-bit signed)"
    );
}

#[test]
fn syntax_errors_have_line_and_column() {
    let e = err_text("{\"age\": 1,\n \"name\": }", false);
    assert_eq!(e.code, "record.syntax");
    assert_eq!(e.path.as_deref(), Some("name"));
    assert_eq!(
        e.message,
        "invalid JSON: expected value at line 2 column 10"
    );
    let e = err_text("{\"age\": 1} x", false);
    assert_eq!(e.code, "record.syntax");
    assert_eq!(e.path, None);
    assert_eq!(
        e.message,
        "invalid JSON: trailing characters at line 1 column 12"
    );
    let e = err_text("", false);
    assert_eq!(e.code, "record.syntax");
    assert_eq!(
        e.message,
        "invalid JSON: EOF while parsing a value at line 1 column 0"
    );
    let e = err_text(r#"{"legs": [{"country": "KH""#, false);
    assert_eq!(e.code, "record.syntax");
    assert_eq!(e.path.as_deref(), Some("legs[0]"));
}

#[test]
fn duplicate_keys_are_rejected() {
    let e = err_text(r#"{"age": 1, "name": "a", "age": 2}"#, false);
    assert_eq!(e.code, "record.syntax");
    assert_eq!(e.path.as_deref(), Some("age"));
    assert_eq!(e.message, "duplicate field `age`");
    let e = err_text(r#"{"legs": [{"country": "a", "country": null}]}"#, false);
    assert_eq!(e.path.as_deref(), Some("legs[0].country"));
    // Unknown keys may repeat: they are not read.
    let r = decode_json(&schema(), r#"{"x": 1, "x": 2}"#, DecodeOptions::default());
    assert!(r.is_ok());
}

#[test]
fn not_object() {
    for (text, found) in [
        ("[1]", "array"),
        ("null", "null"),
        ("3", "integer 3"),
        ("\"x\"", "string \"x\""),
        ("true", "bool true"),
    ] {
        let e = err(text, false);
        assert_eq!(e.code, "record.not_object");
        assert_eq!(e.path, None);
        assert_eq!(
            e.message,
            format!("a record must be a JSON object, found {found}")
        );
    }
}

#[test]
fn strict_mode_rejects_unknown_fields() {
    let e = err(r#"{"age": 1, "agee": 2}"#, true);
    assert_eq!(e.code, "record.unknown_field");
    assert_eq!(e.path.as_deref(), Some("agee"));
    assert_eq!(e.message, "unknown field `agee` (did you mean `age`?)");
    let e = err(r#"{"interview": {"agent_presnt": true}}"#, true);
    assert_eq!(e.path.as_deref(), Some("interview.agent_presnt"));
    assert_eq!(
        e.message,
        "unknown field `interview.agent_presnt` (did you mean `agent_present`?)"
    );
    let e = err(r#"{"legs": [{"country": "KH"}, {"zzz": 1}]}"#, true);
    assert_eq!(e.path.as_deref(), Some("legs[1].zzz"));
    assert_eq!(e.message, "unknown field `legs[1].zzz`");
    let r = decode_json(&schema(), r#"{"age": 1}"#, DecodeOptions::STRICT);
    assert!(r.is_ok());
}

#[test]
fn report_mode_names_unknown_fields_and_decodes_the_rest() {
    let text = r#"{"age": 1, "tiket": {"one_way": true}, "interview": {"agent_presnt": true},
                   "legs": [{"country": "KH"}, {"zzz": 1}]}"#;
    let s = schema();
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    for r in [
        decode_json(&s, text, DecodeOptions::REPORT).unwrap(),
        decode_value(&s, &value, DecodeOptions::REPORT).unwrap(),
    ] {
        assert_eq!(
            r.ignored_fields().collect::<Vec<_>>(),
            ["interview.agent_presnt", "legs[1].zzz", "tiket"]
        );
        assert_eq!(dbg(get(&r, &s, "age")), "Some(Int(1))");
        assert!(get(&r, &s, "interview").is_some());
    }
    // An unknown key given twice is named once, as decoding the parsed value names it (found
    // by the `record` fuzz target).
    let twice = r#"{"age": 1, "ianterview": 1, "tiket": 2, "ianterview": {"x": 3}}"#;
    let from_text = decode_json(&s, twice, DecodeOptions::REPORT).unwrap();
    let value: serde_json::Value = serde_json::from_str(twice).unwrap();
    let from_value = decode_value(&s, &value, DecodeOptions::REPORT).unwrap();
    assert_eq!(
        from_text.ignored_fields().collect::<Vec<_>>(),
        ["ianterview", "tiket"]
    );
    assert_eq!(format!("{from_text:?}"), format!("{from_value:?}"));
    // Ignored by default, and never named.
    let r = decode_json(&s, text, DecodeOptions::default()).unwrap();
    assert_eq!(r.ignored_fields().count(), 0);
    // At most MAX_IGNORED_FIELDS names.
    let many: Vec<String> = (0..100).map(|i| format!("\"x{i}\": {i}")).collect();
    let r = decode_json(
        &s,
        &format!("{{{}}}", many.join(",")),
        DecodeOptions::REPORT,
    )
    .unwrap();
    let names: Vec<&str> = r.ignored_fields().collect();
    assert_eq!(names.len(), crate::limits::MAX_IGNORED_FIELDS);
    assert_eq!((names[0], names[1], names[31]), ("x0", "x1", "x37"));
}

#[test]
fn too_large() {
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(MAX_RECORD_BYTES));
    let e = err_text(&big, false);
    assert_eq!(e.code, "record.too_large");
    assert_eq!(e.path, None);
    // Unknown content nested deeper than the limit.
    let deep = format!(r#"{{"extra": {}1{}}}"#, "[".repeat(40), "]".repeat(40));
    let e = err(&deep, false);
    assert_eq!(e.code, "record.too_large");
    assert_eq!(e.path.as_deref(), None);
    let deep = format!(
        r#"{{"interview": {{"x": {}1{}}}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let e = err(&deep, false);
    assert_eq!(e.code, "record.too_large");
    assert_eq!(e.path.as_deref(), Some("interview"));
    assert_eq!(
        e.message,
        "record is nested deeper than the limit of 32 levels"
    );
    // Exactly at the limit is fine: root (1) + extra list levels 2..=32.
    let fine = format!(r#"{{"extra": {}1{}}}"#, "[".repeat(31), "]".repeat(31));
    assert!(decode_json(&schema(), &fine, DecodeOptions::default()).is_ok());
}

#[test]
fn hundred_thousand_deep_does_not_overflow() {
    let s = schema();
    let deep = "[".repeat(100_000);
    let e = decode_json(&s, &deep, DecodeOptions::default()).err();
    assert_eq!(e.map(|e| e.code), Some("record.not_object"));
    let deep = format!(r#"{{"extra": {}"#, "[".repeat(100_000));
    let e = decode_json(&s, &deep, DecodeOptions::default()).err();
    assert_eq!(e.map(|e| e.code), Some("record.too_large"));
    let deep = format!(r#"{{"tags": {}"#, "[".repeat(100_000));
    let e = decode_json(&s, &deep, DecodeOptions::default()).err();
    assert_eq!(e.map(|e| e.code), Some("record.too_large"));
    let deep = format!(r#"{{"extra": {}"#, r#"{"a":"#.repeat(100_000));
    let e = decode_json(&s, &deep, DecodeOptions::default()).err();
    assert_eq!(e.map(|e| e.code), Some("record.too_large"));
}

// ---- field-by-field conversion ---------------------------------------------------------------

#[test]
fn convert_single_values() {
    let r = convert_json_value(
        &FieldKind::Date,
        "birth_date",
        &json!("2000-01-31"),
        DecodeOptions::default(),
    );
    assert_eq!(r, Ok(Some(ts(2000, 1, 31, 0, 0, 0))));
    let r = convert_json_value(
        &FieldKind::Int,
        "age",
        &json!(null),
        DecodeOptions::default(),
    );
    assert_eq!(r, Ok(None));
    let e = convert_json_value(
        &FieldKind::Int,
        "person.age",
        &json!("3"),
        DecodeOptions::default(),
    );
    assert_eq!(
        e,
        Err(RecordError::new(
            "record.type_mismatch",
            Some("person.age".into()),
            r#"field `person.age`: expected int, found string "3""#
        ))
    );
    let s = schema();
    let Some(legs) = s.field("legs") else {
        panic!("no legs");
    };
    let r = convert_json_value(
        &legs.kind,
        "legs",
        &json!([{"country": "KH"}]),
        DecodeOptions::default(),
    );
    let Ok(Some(Value::List(items))) = r else {
        panic!("not a list: {r:?}");
    };
    let Value::Map(m) = &items[0] else {
        panic!("not a map");
    };
    assert_eq!(dbg(m.get_str("country")), r#"Some(String("KH"))"#);
    let mut record = Record::empty(s.slots.len());
    record.set(
        slot(&s, "age"),
        convert_json_value(&FieldKind::Int, "age", &json!(41), DecodeOptions::default())
            .unwrap_or(None),
    );
    assert_eq!(dbg(get(&record, &s, "age")), "Some(Int(41))");
}

#[test]
fn decoded_values_round_trip_to_json() {
    let s = schema();
    let r = ok(
        r#"{"birth_date": "1999-12-31", "departure": "2025-05-01T10:30:00.5+07:00",
                   "score": 3, "legs": [{"date": "2025-01-02", "stops": [4]}]}"#,
    );
    let json_of = |path: &str| match (s.field(path), get(&r, &s, path)) {
        (Some(f), Some(v)) => value_to_json(&f.kind, v),
        _ => serde_json::Value::Null,
    };
    assert_eq!(json_of("birth_date"), json!("1999-12-31"));
    assert_eq!(json_of("departure"), json!("2025-05-01T03:30:00.500Z"));
    assert_eq!(json_of("score").to_string(), "3.0");
    assert_eq!(
        json_of("legs"),
        json!([{"date": "2025-01-02", "stops": [4]}])
    );
}

// ---- properties ------------------------------------------------------------------------------

/// Arbitrary JSON, biased towards the schema's field names so that known fields get values of
/// every type.
fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("name".to_string()),
        Just("age".to_string()),
        Just("score".to_string()),
        Just("return_ticket".to_string()),
        Just("birth_date".to_string()),
        Just("departure".to_string()),
        Just("visa".to_string()),
        Just("tags".to_string()),
        Just("interview".to_string()),
        Just("agent_present".to_string()),
        Just("answers".to_string()),
        Just("officer".to_string()),
        Just("id".to_string()),
        Just("legs".to_string()),
        Just("country".to_string()),
        Just("date".to_string()),
        Just("stops".to_string()),
        Just("matrix".to_string()),
        "[a-z]{1,3}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|i| json!(i)),
        (-1000i32..1000).prop_map(|i| json!(f64::from(i) / 4.0)),
        Just(json!("work")),
        Just(json!("2024-02-29")),
        Just(json!("2023-02-29")),
        Just(json!("2025-05-01T08:00:00Z")),
        ".{0,8}".prop_map(serde_json::Value::String),
    ];
    let inner_key = key.clone();
    let value = leaf.prop_recursive(40, 256, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(inner_key.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    // Mostly objects at the root (the interesting case), sometimes anything.
    prop_oneof![
        4 => prop::collection::btree_map(key, value.clone(), 0..8)
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        1 => value,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let s = schema();
        let _ = decode_json(&s, &text, DecodeOptions::default());
        let _ = decode_json(&s, &text, DecodeOptions::STRICT);
    }

    #[test]
    fn never_panics_on_json_like_text(text in "[\\[\\]{}:,\" a-z0-9.-]{0,120}") {
        let s = schema();
        let _ = decode_json(&s, &text, DecodeOptions::default());
    }

    #[test]
    fn text_and_value_agree(value in arb_json(), mode in 0..3u8) {
        let s = schema();
        let unknown_fields = [UnknownFields::Ignore, UnknownFields::Report, UnknownFields::Reject];
        let options = DecodeOptions { unknown_fields: unknown_fields[usize::from(mode)] };
        let from_value = decode_value(&s, &value, options);
        let from_text = decode_json(&s, &value.to_string(), options);
        prop_assert_eq!(format!("{from_text:?}"), format!("{from_value:?}"));
        if let Ok(r) = from_value {
            prop_assert_eq!(r.len(), s.slots.len());
        }
    }

    #[test]
    fn well_typed_records_decode(
        name in proptest::option::of(".{0,10}"),
        age in proptest::option::of(any::<i64>()),
        score in proptest::option::of(-1e6f64..1e6),
        tags in proptest::option::of(prop::collection::vec("[a-z]{0,4}", 0..4)),
        stops in prop::collection::vec(prop::collection::vec(any::<i64>(), 0..3), 0..4),
    ) {
        let s = schema();
        let legs: Vec<serde_json::Value> = stops.iter().map(|st| json!({"stops": st})).collect();
        let value = json!({"name": name, "age": age, "score": score, "tags": tags, "legs": legs});
        let r = decode_value(&s, &value, DecodeOptions::STRICT);
        let Ok(r) = r else {
            return Err(TestCaseError::fail(format!("{r:?}")));
        };
        prop_assert_eq!(get(&r, &s, "name").cloned(), name.map(Value::string));
        prop_assert_eq!(dbg(get(&r, &s, "age")), dbg(age.map(Value::Int).as_ref()));
        prop_assert_eq!(dbg(get(&r, &s, "score")), dbg(score.map(Value::Double).as_ref()));
        let expected_tags = tags.map(|t| Value::list(t.into_iter().map(Value::string).collect::<Vec<_>>()));
        prop_assert_eq!(dbg(get(&r, &s, "tags")), dbg(expected_tags.as_ref()));
        let Some(Value::List(decoded_legs)) = get(&r, &s, "legs") else {
            return Err(TestCaseError::fail("legs missing"));
        };
        prop_assert_eq!(decoded_legs.len(), stops.len());
        let text_record = decode_json(&s, &value.to_string(), DecodeOptions::STRICT);
        prop_assert_eq!(format!("{:?}", text_record), format!("{:?}", Ok::<_, RecordError>(r)));
    }
}

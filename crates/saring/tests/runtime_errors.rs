//! Runtime errors carry a kind and the span of the sub-expression that raised them, and a
//! rule stopped by one is reported incomplete with that kind and its place in the pack.

use proptest::prelude::*;
use saring::cel::{Env, EvalError, Program, RuntimeErrorKind, Span, Type, Value};
use saring::{Engine, Pack, RuntimeErrorKind as DecisionKind};
use serde_json::json;

fn env() -> Env {
    Env {
        vars: vec![
            ("a".into(), Type::Int),
            ("b".into(), Type::Int),
            ("l".into(), Type::List(Box::new(Type::Int))),
            ("s".into(), Type::String),
            ("p".into(), Type::String),
            ("d".into(), Type::Dyn),
        ],
        ..Env::default()
    }
}

fn vars() -> Vec<Value> {
    vec![
        Value::Int(4),
        Value::Int(0),
        Value::List(vec![Value::Int(1), Value::Int(2)].into()),
        Value::string("héllo"),
        Value::string("("),
        Value::string("x"),
    ]
}

/// The kind, the failing source text and the message of an expression's runtime error.
fn error_of(source: &str) -> (RuntimeErrorKind, Option<String>, String) {
    let program = Program::compile(source, &env()).unwrap_or_else(|e| panic!("{source}: {e:?}"));
    match program.eval(&vars()) {
        Err(EvalError::Runtime(e)) => {
            let text = e
                .span()
                .map(|s| source[s.start as usize..s.end as usize].to_string());
            (e.kind(), text, e.message().to_string())
        }
        other => panic!("{source}: expected a runtime error, got {other:?}"),
    }
}

#[test]
fn division_by_zero_is_placed_at_the_division() {
    let program = Program::compile("a / b > 1", &env()).unwrap();
    let Err(EvalError::Runtime(e)) = program.eval(&vars()) else {
        panic!("expected an error")
    };
    assert_eq!(e.kind(), RuntimeErrorKind::DivisionByZero);
    assert_eq!(e.kind().code(), "division_by_zero");
    assert_eq!(e.message(), "division by zero");
    assert_eq!(e.to_string(), "division by zero");
    assert_eq!(e.span(), Some(Span::new(0, 5)));
    assert_eq!(
        error_of("a % b == 0"),
        (
            RuntimeErrorKind::ModulusByZero,
            Some("a % b".into()),
            "modulus by zero".into()
        )
    );
}

#[test]
fn the_innermost_failing_node_wins() {
    // The division fails inside the call and the addition: its span, not theirs.
    assert_eq!(
        error_of("int(string(1 + a / b)) > 0"),
        (
            RuntimeErrorKind::DivisionByZero,
            Some("a / b".into()),
            "division by zero".into()
        )
    );
    assert_eq!(
        error_of("9223372036854775807 + a > 0"),
        (
            RuntimeErrorKind::Overflow,
            Some("9223372036854775807 + a".into()),
            "integer overflow".into()
        )
    );
}

#[test]
fn index_out_of_range() {
    assert_eq!(
        error_of("l[a] == 1"),
        (
            RuntimeErrorKind::IndexOutOfRange,
            Some("l[a]".into()),
            "index out of range: 4".into()
        )
    );
    let (kind, text, _) = error_of("size(l) > 0 && s.charAt(a + 10) == 'x'");
    assert_eq!(kind, RuntimeErrorKind::IndexOutOfRange);
    assert_eq!(text.as_deref(), Some("s.charAt(a + 10)"));
}

#[test]
fn bad_regex_at_run_time() {
    let (kind, text, message) = error_of("s.matches(p)");
    assert_eq!(kind, RuntimeErrorKind::InvalidArgument);
    assert_eq!(kind.code(), "invalid_argument");
    assert_eq!(text.as_deref(), Some("s.matches(p)"));
    assert!(
        message.starts_with("invalid regular expression `(`"),
        "{message}"
    );
}

#[test]
fn value_of_none() {
    let (kind, text, _) = error_of("a > 0 && optional.none().value() == 1");
    assert_eq!(kind, RuntimeErrorKind::OptionalNone);
    assert_eq!(kind.code(), "optional_none");
    assert_eq!(text.as_deref(), Some("optional.none().value()"));
}

#[test]
fn no_overload_on_dyn_values() {
    assert_eq!(
        error_of("d + 1 > 2"),
        (
            RuntimeErrorKind::NoOverload,
            Some("d + 1".into()),
            "no such overload: _+_(string, int)".into()
        )
    );
    let (kind, text, _) = error_of("dyn(s).size() + d > 0");
    assert_eq!(kind, RuntimeErrorKind::NoOverload);
    assert_eq!(text.as_deref(), Some("dyn(s).size() + d"));
}

#[test]
fn conversions_and_keys() {
    let (kind, text, _) = error_of("int(s) > 0");
    assert_eq!(kind, RuntimeErrorKind::TypeConversion);
    assert_eq!(text.as_deref(), Some("int(s)"));
    let (kind, text, message) = error_of("{'k': 1}[s] == 1");
    assert_eq!(kind, RuntimeErrorKind::NoSuchKey);
    assert_eq!(text.as_deref(), Some("{'k': 1}[s]"));
    assert_eq!(message, "no such key: héllo");
    let (kind, text, _) = error_of("[1, 2].exists(x, x / b > 0)");
    assert_eq!(kind, RuntimeErrorKind::DivisionByZero);
    assert_eq!(text.as_deref(), Some("x / b"));
    let (kind, text, _) = error_of("timestamp(s) > timestamp(0)");
    assert_eq!(kind, RuntimeErrorKind::InvalidArgument);
    assert_eq!(text.as_deref(), Some("timestamp(s)"));
}

const SCHEMA: &str = r#"
[field.a]
type = "int"
required = true
[field.b]
type = "int"
required = true
[field.name]
type = "string"
"#;

const PACK: &str = r#"[pack]
id = "p"
version = "1"
title = "t"
[outcomes]
review = 1
refer = 2
[derive]
ratio = "a / b"
[[rule]]
id = "ratio"
title = "t"
weight = 1
when = "a / b > 1"
reason = "r"
[[rule]]
id = "derived"
title = "t"
weight = 1
when = "ratio > 1"
reason = "r"
[[rule]]
id = "fine"
title = "t"
weight = 1
when = "a > 100"
reason = "r"
[[rule]]
id = "absent"
title = "t"
weight = 1
when = "name == 'x'"
reason = "r"
"#;

#[test]
fn incomplete_rules_carry_the_kind_and_the_place() {
    let engine = Engine::compile(&Pack::from_toml_str(PACK, SCHEMA).unwrap()).unwrap();
    let d = engine.screen_value(&json!({"a": 4, "b": 0})).unwrap();
    let by_rule = |id: &str| d.incomplete.iter().find(|i| i.rule == id).unwrap().clone();
    let ratio = by_rule("ratio");
    assert_eq!(ratio.error.as_deref(), Some("division by zero"));
    assert_eq!(ratio.error_kind, Some(DecisionKind::DivisionByZero));
    assert_eq!(ratio.error_expr.as_deref(), Some("a / b"));
    let at = ratio.error_at.clone().unwrap();
    // `when = "a / b > 1"` on line 14; the expression starts after `when = "`.
    assert_eq!((at.file.as_str(), at.line, at.column), ("pack.toml", 14, 9));
    // An error in a derived value is placed in the derived value's expression.
    let derived = by_rule("derived");
    assert_eq!(derived.error_kind, Some(DecisionKind::DivisionByZero));
    assert_eq!(derived.error_expr.as_deref(), Some("a / b"));
    assert_eq!(
        derived.error_at.as_ref().map(|a| (a.line, a.column)),
        Some((9, 10))
    );
    // Missing data has no error fields, and none are serialised.
    let absent = by_rule("absent");
    assert_eq!(absent.error_kind, None);
    let json = serde_json::to_value(&d).unwrap();
    let entries = json["incomplete"].as_array().unwrap();
    let absent = entries.iter().find(|e| e["rule"] == "absent").unwrap();
    assert_eq!(absent, &json!({"rule": "absent", "missing": ["name"]}));
    let ratio = entries.iter().find(|e| e["rule"] == "ratio").unwrap();
    assert_eq!(
        ratio,
        &json!({
            "rule": "ratio",
            "missing": [],
            "error": "division by zero",
            "error_kind": "division_by_zero",
            "error_at": {"file": "pack.toml", "line": 14, "column": 9},
            "error_expr": "a / b",
        })
    );
    // And a decision reads back.
    let back: saring::Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

/// Expressions that may fail at run time, with non-ASCII text before and inside them.
fn source() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("a / b > 1"),
        Just("l[a] == 1"),
        Just("s.matches(p)"),
        Just("'é' + s == p"),
        Just("d + 1 > 2"),
        Just("int(s) > 0"),
        Just("size('ü' + s) / b > 0"),
        Just("optional.none().value() == 1"),
        Just("s.charAt(a * 3) == 'ß'"),
        Just("[1, 2].all(x, x % b == 0)"),
        Just("{'ключ': 1}[s] == 1"),
        Just("s.substring(a + 10) == ''"),
    ];
    (
        proptest::collection::vec(part, 1..4),
        proptest::collection::vec(prop_oneof![Just(" && "), Just(" || ")], 3),
        "[ \n]{0,3}",
        prop_oneof![Just(""), Just("/* */"), Just("'☃' != s && ")],
    )
        .prop_map(|(parts, ops, pad, prefix)| {
            let mut out = format!("{pad}{}", prefix.replace("/* */", ""));
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(ops[i - 1]);
                }
                out.push('(');
                out.push_str(p);
                out.push(')');
            }
            out
        })
}

proptest! {
    #[test]
    fn spans_lie_within_the_source(src in source(), a in -3i64..6, b in -1i64..2, s in "[a-zé(]{0,4}") {
        let program = Program::compile(&src, &env()).unwrap();
        let values = vec![
            Value::Int(a),
            Value::Int(b),
            Value::List(vec![Value::Int(1), Value::Int(2)].into()),
            Value::string(s.clone()),
            Value::string(s),
            Value::string("x"),
        ];
        if let Err(EvalError::Runtime(e)) = program.eval(&values) {
            if let Some(span) = e.span() {
                let (start, end) = (span.start as usize, span.end as usize);
                prop_assert!(start < end && end <= src.len(), "{span:?} in {src:?}");
                prop_assert!(src.is_char_boundary(start) && src.is_char_boundary(end));
                prop_assert!(src.get(start..end).is_some());
            }
        }
    }
}

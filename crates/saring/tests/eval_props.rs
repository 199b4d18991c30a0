//! Property tests of evaluation: screening never panics and always yields a coherent
//! decision; `&&`/`||` absorb errors commutatively; decisions are deterministic; missing data
//! is never a "no".

use std::collections::BTreeSet;
use std::sync::LazyLock;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use saring::cel::Env;
use saring::cel::Program;
use saring::cel::{Type, Value};
use saring::engine::RuleResult;
use saring::pack::RuleStatus;
use saring::schema::ObjectType;
use saring::{Decision, Engine, Outcome};
use serde_json::{json, Map, Value as J};

mod common;

const SCHEMA: &str = r#"
[field.name]
type = "string"
required = true
[field.count]
type = "int"
[field.amount]
type = "float"
[field.flag]
type = "bool"
[field.birth_date]
type = "date"
[field.seen_at]
type = "timestamp"
[field.channel]
type = "enum"
values = ["web", "agent", "walk_in"]
[field.tags]
type = "list"
items = "string"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
required = true
[field.legs.mode]
type = "enum"
values = ["air", "sea", "land"]
[field.legs.days]
type = "int"
[field.interview]
type = "object"
[field.interview.agent]
type = "bool"
required = true
[field.interview.notes]
type = "string"
[field.interview.contact]
type = "object"
[field.interview.contact.phone]
type = "string"
[field.x]
type = "int"
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
id = "props"
version = "1"
title = "Property pack"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[lists]
hotspot = ["KH", "MM", "LA"]

[derive]
age = "years_between(birth_date, seen_at)"
leg_days = "legs.map(l, l.days)"

[[rule]]
id = "r_name"
title = "t"
weight = 5
when = "name.startsWith('A') && size(name) > 3"
reason = "name {name}"

[[rule]]
id = "r_count"
title = "t"
weight = 10
when = "count > 10"
reason = "count {count}"

[[rule]]
id = "r_amount"
title = "t"
weight = 10
when = "amount >= 1000.5"
reason = "amount {amount}"

[[rule]]
id = "r_flag"
title = "t"
weight = 7
when = "flag"
reason = "flag {flag}"

[[rule]]
id = "r_minor"
title = "t"
weight = 20
when = "age < 18"
reason = "age {age} born {birth_date}"

[[rule]]
id = "r_channel"
title = "t"
weight = 15
when = "channel == 'agent'"
reason = "via {channel}"

[[rule]]
id = "r_vip"
title = "t"
weight = 5
when = "'vip' in tags"
reason = "vip"

[[rule]]
id = "r_many_tags"
title = "t"
weight = 3
when = "size(tags) > 3"
reason = "tags"

[[rule]]
id = "r_route"
title = "t"
weight = 25
when = "legs.exists(l, l.country in hotspot && l.mode != 'air')"
reason = "route"

[[rule]]
id = "r_long_legs"
title = "t"
weight = 4
status = "shadow"
when = "size(legs) > 0 && legs.all(l, l.days > 2)"
reason = "long legs"

[[rule]]
id = "r_agent"
title = "t"
weight = 20
when = "interview.agent"
reason = "agent, notes {interview.notes}"

[[rule]]
id = "r_notes"
title = "t"
weight = 6
when = "has(interview.notes) && interview.notes.matches('^urgent')"
reason = "notes {interview.notes}"

[[rule]]
id = "r_phone"
title = "t"
weight = 2
when = "interview.contact.phone.size() > 5"
reason = "phone {interview.contact.phone}"

[[rule]]
id = "r_overflow"
title = "t"
weight = 1
when = "count * 1000000000000 > 5"
reason = "overflow"

[[rule]]
id = "r_div"
title = "t"
weight = 1
when = "count / (count - 5) > 1"
reason = "div"

[[rule]]
id = "r_recent"
title = "t"
weight = 2
when = "seen_at > timestamp('2024-01-01T00:00:00Z')"
reason = "seen {seen_at}"

[[rule]]
id = "r_span"
title = "t"
weight = 2
status = "shadow"
when = "seen_at - birth_date > duration('876000h')"
reason = "span"

[[rule]]
id = "r_days"
title = "t"
weight = 3
when = "leg_days.exists(d, d > 30)"
reason = "days"

[[rule]]
id = "r_combo"
title = "t"
weight = 10
when = "rules.r_count && rules.r_flag"
reason = "combo"

[[rule]]
id = "r_shadow_combo"
title = "t"
weight = 50
status = "shadow"
when = "rules.r_route || rules.r_agent"
reason = "shadow combo"

[[rule]]
id = "r_disabled"
title = "t"
weight = 99
status = "disabled"
when = "true"
reason = "never"

[[rule]]
id = "r_x_eq"
title = "t"
weight = 1
when = "x == 1"
reason = "x {x}"

[[rule]]
id = "r_x_not"
title = "t"
weight = 1
when = "!(x == 1)"
reason = "not x {x}"
"#;

fn compile_engine() -> Engine {
    common::compile(PACK, SCHEMA)
}

static ENGINE: LazyLock<Engine> = LazyLock::new(compile_engine);

fn engine() -> Engine {
    ENGINE.clone()
}

fn schema_paths(obj: &ObjectType, out: &mut BTreeSet<String>) {
    for f in &obj.fields {
        out.insert(f.path.clone());
        if let saring::schema::FieldKind::Object(child) = &f.kind {
            schema_paths(child, out);
        }
        if let saring::schema::FieldKind::List(item) = &f.kind {
            if let saring::schema::FieldKind::Object(child) = &**item {
                schema_paths(child, out);
            }
        }
    }
}

/// Checks every invariant a decision must satisfy.
fn check_decision(engine: &Engine, d: &Decision) {
    let status = |id: &str| {
        engine
            .rules()
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("unknown rule {id}"))
            .status
    };
    let score: i64 = d.hits.iter().map(|h| h.weight).sum();
    assert_eq!(d.score, score, "score is the sum of hit weights");
    let o = engine.outcomes();
    let expected = if d.score >= o.refer {
        Outcome::Refer
    } else if d.score >= o.review {
        Outcome::Review
    } else {
        Outcome::Clear
    };
    assert_eq!(d.outcome, expected);
    for h in &d.hits {
        assert_eq!(status(&h.rule), RuleStatus::Active, "{}", h.rule);
        let info = engine.rules().iter().find(|r| r.id == h.rule).unwrap();
        assert_eq!(h.weight, info.weight);
    }
    for h in &d.shadow_hits {
        assert_eq!(status(&h.rule), RuleStatus::Shadow, "{}", h.rule);
    }
    let mut paths = BTreeSet::new();
    schema_paths(&engine.schema().root, &mut paths);
    let hit_ids: BTreeSet<&str> = d
        .hits
        .iter()
        .chain(&d.shadow_hits)
        .map(|h| h.rule.as_str())
        .collect();
    assert_eq!(hit_ids.len(), d.hits.len() + d.shadow_hits.len());
    let mut seen = BTreeSet::new();
    for inc in &d.incomplete {
        assert!(seen.insert(inc.rule.as_str()), "rule listed twice");
        assert!(
            !hit_ids.contains(inc.rule.as_str()),
            "{} hit and incomplete",
            inc.rule
        );
        assert_ne!(status(&inc.rule), RuleStatus::Disabled);
        for m in &inc.missing {
            assert!(paths.contains(m), "missing path {m} is not a schema path");
        }
        let mut sorted = inc.missing.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, inc.missing, "missing paths sorted, unique");
        // Either missing data or another error, never neither.
        assert_eq!(inc.missing.is_empty(), inc.error.is_some(), "{inc:?}");
    }
    assert!(!hit_ids.contains("r_disabled"));
    assert!(!seen.contains("r_disabled"));
    // Rule order: pack order.
    let order: Vec<&str> = engine.rules().iter().map(|r| r.id.as_str()).collect();
    let pos = |id: &str| order.iter().position(|x| *x == id).unwrap();
    for list in [&d.hits, &d.shadow_hits] {
        assert!(list.windows(2).all(|w| pos(&w[0].rule) < pos(&w[1].rule)));
    }
    assert!(d
        .incomplete
        .windows(2)
        .all(|w| pos(&w[0].rule) < pos(&w[1].rule)));
    assert_eq!(d.pack, *engine.pack_ref());
}

// ---------------------------------------------------------------- generators

fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => ".{0,12}",
        1 => Just(String::new()),
        1 => Just("Annabel".to_string()),
        1 => Just("urgent: call".to_string()),
        1 => Just("A".repeat(20_000)),
        1 => Just("\u{0}\u{FEFF}\u{1F600}e\u{301}".to_string()),
        1 => Just("vip".to_string()),
        1 => Just("KH".to_string()),
    ]
}

fn any_number() -> impl Strategy<Value = J> {
    prop_oneof![
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(J::Null, J::Number)),
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        Just(json!(5)),
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(-0.0)),
        Just(json!(1e308)),
        Just(json!(5e-324)),
        Just(json!(3.0)),
    ]
}

/// Arbitrary JSON, nested a few levels.
fn any_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any_number(),
        odd_string().prop_map(J::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(J::Array),
            btree_map("[a-z]{0,6}", inner, 0..5).prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    })
}

/// A value nested `n` levels deep in arrays or objects.
fn deep_json() -> impl Strategy<Value = J> {
    (0usize..80, any::<bool>(), any_json()).prop_map(|(n, arrays, core)| {
        let mut v = core;
        for _ in 0..n {
            v = if arrays {
                J::Array(vec![v])
            } else {
                json!({ "a": v, "agent": true })
            };
        }
        v
    })
}

fn valid_date() -> impl Strategy<Value = String> {
    prop_oneof![
        (1i32..10_000, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        Just("2024-02-29".to_string()),
        Just("1970-01-01".to_string()),
    ]
}

fn valid_timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        (1i32..10_000, 1u32..13, 1u32..29, 0u32..24, 0u32..60)
            .prop_map(|(y, mo, d, h, mi)| { format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00Z") }),
        Just("2024-06-01T12:00:00+07:00".to_string()),
        Just("9999-12-31T23:59:59.999999999Z".to_string()),
        Just("0001-01-01T00:00:00-05:00".to_string()),
    ]
}

fn date_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0i32..10_000, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => Just("2020-02-30".to_string()),
        1 => Just("2024-02-29".to_string()),
        1 => Just("0000-01-01".to_string()),
        1 => Just("-0001-01-01".to_string()),
        1 => Just("2020-1-1".to_string()),
        1 => Just("2020-01-01T00:00:00Z".to_string()),
        1 => ".{0,10}",
    ]
}

fn timestamp_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0i32..10_000, 1u32..13, 1u32..29, 0u32..24, 0u32..60).prop_map(|(y, mo, d, h, mi)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00Z")
        }),
        1 => Just("2024-06-01T12:00:00+07:00".to_string()),
        1 => Just("9999-12-31T23:59:59.999999999Z".to_string()),
        1 => Just("0000-01-01T00:00:00Z".to_string()),
        1 => Just("2024-06-01T24:00:00Z".to_string()),
        1 => Just("2024-06-01".to_string()),
        1 => ".{0,10}",
    ]
}

fn leg(valid: bool) -> impl Strategy<Value = J> {
    let modes = if valid {
        prop_oneof![Just("air"), Just("sea"), Just("land")].boxed()
    } else {
        prop_oneof![Just("air"), Just("sea"), Just("land"), Just("boat")].boxed()
    };
    (
        proptest::option::of(prop_oneof![Just("KH"), Just("MY"), Just("LA")]),
        proptest::option::of(modes),
        proptest::option::of(prop_oneof![any::<i64>(), 0i64..60]),
        any::<bool>(),
    )
        .prop_map(|(c, m, d, extra)| {
            let mut o = Map::new();
            if let Some(c) = c {
                o.insert("country".into(), json!(c));
            }
            if let Some(m) = m {
                o.insert("mode".into(), json!(m));
            }
            if let Some(d) = d {
                o.insert("days".into(), json!(d));
            }
            if extra {
                o.insert("unknown".into(), json!({"deep": [1, 2, {"x": null}]}));
            }
            J::Object(o)
        })
}

fn interview() -> impl Strategy<Value = J> {
    (
        proptest::option::of(any::<bool>()),
        proptest::option::of(odd_string()),
        proptest::option::of(proptest::option::of(odd_string())),
    )
        .prop_map(|(agent, notes, contact)| {
            let mut o = Map::new();
            if let Some(a) = agent {
                o.insert("agent".into(), json!(a));
            }
            if let Some(n) = notes {
                o.insert("notes".into(), json!(n));
            }
            match contact {
                None => {}
                Some(None) => {
                    o.insert("contact".into(), json!({}));
                }
                Some(Some(p)) => {
                    o.insert("contact".into(), json!({ "phone": p }));
                }
            }
            J::Object(o)
        })
}

/// One field's value: absent (`None`), null, right type, or (if `wrong`) anything at all.
fn field(good: BoxedStrategy<J>, wrong: bool) -> BoxedStrategy<Option<J>> {
    if wrong {
        prop_oneof![
            2 => Just(None),
            1 => Just(Some(J::Null)),
            7 => good.prop_map(Some),
            1 => any_json().prop_map(Some),
            1 => deep_json().prop_map(Some),
        ]
        .boxed()
    } else {
        prop_oneof![
            2 => Just(None),
            1 => Just(Some(J::Null)),
            7 => good.prop_map(Some),
        ]
        .boxed()
    }
}

fn record(wrong: bool) -> impl Strategy<Value = J> {
    let (dates, timestamps, channels) = if wrong {
        (
            date_string().boxed(),
            timestamp_string().boxed(),
            prop_oneof![Just("web"), Just("agent"), Just("walk_in"), Just("AGENT")].boxed(),
        )
    } else {
        (
            valid_date().boxed(),
            valid_timestamp().boxed(),
            prop_oneof![Just("web"), Just("agent"), Just("walk_in")].boxed(),
        )
    };
    let fields: Vec<(&'static str, BoxedStrategy<Option<J>>)> = vec![
        (
            "name",
            field(odd_string().prop_map(J::String).boxed(), wrong),
        ),
        (
            "count",
            field(
                prop_oneof![any::<i64>(), -20i64..20]
                    .prop_map(J::from)
                    .boxed(),
                wrong,
            ),
        ),
        ("amount", field(any_number().boxed(), wrong)),
        (
            "flag",
            field(any::<bool>().prop_map(J::Bool).boxed(), wrong),
        ),
        (
            "birth_date",
            field(dates.prop_map(J::String).boxed(), wrong),
        ),
        (
            "seen_at",
            field(timestamps.prop_map(J::String).boxed(), wrong),
        ),
        ("channel", field(channels.prop_map(J::from).boxed(), wrong)),
        (
            "tags",
            field(
                vec(odd_string().prop_map(J::String), 0..6)
                    .prop_map(J::Array)
                    .boxed(),
                wrong,
            ),
        ),
        (
            "legs",
            field(vec(leg(!wrong), 0..5).prop_map(J::Array).boxed(), wrong),
        ),
        ("interview", field(interview().boxed(), wrong)),
        (
            "x",
            field(
                prop_oneof![Just(1i64), any::<i64>()]
                    .prop_map(J::from)
                    .boxed(),
                wrong,
            ),
        ),
        (
            "sex",
            field(
                prop_oneof![Just("f"), Just("m")].prop_map(J::from).boxed(),
                wrong,
            ),
        ),
    ];
    let (names, strategies): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    let extra = if wrong {
        btree_map("[a-z_]{1,8}", any_json(), 0..3).boxed()
    } else {
        Just(Default::default()).boxed()
    };
    (strategies, extra).prop_map(move |(values, extra)| {
        let mut o = Map::new();
        for (k, v) in extra {
            o.insert(k, v);
        }
        for (name, v) in names.iter().zip(values) {
            if let Some(v) = v {
                o.insert((*name).to_string(), v);
            }
        }
        J::Object(o)
    })
}

fn any_record() -> impl Strategy<Value = J> {
    prop_oneof![
        6 => record(false),
        6 => record(true),
        1 => any_json(),
        1 => deep_json(),
    ]
}

const RECORD_ERROR_CODES: &[&str] = &[
    "record.syntax",
    "record.not_object",
    "record.type_mismatch",
    "record.unknown_field",
    "record.invalid_value",
    "record.too_large",
];

// ---------------------------------------------------------------- (a) never panics

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn screening_never_panics_and_decisions_are_coherent(v in any_record()) {
        let engine = engine();
        match engine.screen_value(&v) {
            Ok(d) => {
                check_decision(&engine, &d);
                let record = engine.decode_value(&v, Default::default()).unwrap();
                let explanation = engine.explain(&record);
                prop_assert_eq!(&explanation.decision, &d);
                prop_assert_eq!(explanation.rules.len(), engine.rules().len());
            }
            Err(e) => {
                prop_assert!(RECORD_ERROR_CODES.contains(&e.code), "{:?}", e);
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn well_typed_records_always_decode(v in record(false)) {
        let engine = engine();
        let d = engine.screen_value(&v);
        prop_assert!(d.is_ok(), "{:?} for {}", d, v);
        check_decision(&engine, &d.unwrap());
    }

    // ------------------------------------------------------------ (c) determinism

    #[test]
    fn screening_is_deterministic(v in any_record()) {
        let engine = engine();
        let a = engine.screen_value(&v);
        let b = engine.screen_value(&v);
        prop_assert_eq!(&a, &b);
        let text = serde_json::to_string(&v).unwrap();
        let c = engine.screen_json(&text);
        prop_assert_eq!(&a, &c);
        // A second engine compiled from the same pack decides the same.
        let other = compile_engine();
        prop_assert_eq!(&a, &other.screen_json(&text));
        if let (Ok(a), Ok(c)) = (&a, &c) {
            prop_assert_eq!(a.to_json(), c.to_json());
        }
    }

    // ------------------------------------------------------------ (d) missing is not false

    #[test]
    fn missing_is_not_false(v in record(false), null in any::<bool>()) {
        let engine = engine();
        let mut v = v;
        let obj = v.as_object_mut().unwrap();
        if null {
            obj.insert("x".into(), J::Null);
        } else {
            obj.remove("x");
        }
        let d = engine.screen_value(&v).unwrap();
        for id in ["r_x_eq", "r_x_not"] {
            let inc = d.incomplete.iter().find(|i| i.rule == id);
            prop_assert!(inc.is_some(), "{} not incomplete", id);
            let inc = inc.unwrap();
            prop_assert_eq!(&inc.missing, &vec!["x".to_string()]);
            prop_assert_eq!(&inc.error, &None);
            prop_assert!(d.hits.iter().chain(&d.shadow_hits).all(|h| h.rule != id));
        }
        check_decision(&engine, &d);
    }
}

#[test]
fn missing_x_with_everything_else_absent() {
    let engine = engine();
    let d = engine.screen_json(r#"{"name": "Bob"}"#).unwrap();
    let x: Vec<_> = d
        .incomplete
        .iter()
        .filter(|i| i.rule.starts_with("r_x"))
        .map(|i| (i.rule.as_str(), i.missing.clone()))
        .collect();
    assert_eq!(
        x,
        [
            ("r_x_eq", vec!["x".to_string()]),
            ("r_x_not", vec!["x".to_string()])
        ]
    );
    // With x present both are decided.
    let d = engine.screen_json(r#"{"name": "Bob", "x": 1}"#).unwrap();
    assert!(d.hits.iter().any(|h| h.rule == "r_x_eq"));
    assert!(d.incomplete.iter().all(|i| !i.rule.starts_with("r_x")));
    let d = engine.screen_json(r#"{"name": "Bob", "x": 2}"#).unwrap();
    assert!(d.hits.iter().any(|h| h.rule == "r_x_not"));
}

#[test]
fn runtime_errors_are_incomplete_with_an_error() {
    let engine = engine();
    let d = engine
        .screen_json(r#"{"name": "Bob", "count": 5, "x": 1}"#)
        .unwrap();
    let div = d.incomplete.iter().find(|i| i.rule == "r_div").unwrap();
    assert!(div.missing.is_empty());
    assert_eq!(div.error.as_deref(), Some("division by zero"));
    let d = engine
        .screen_json(r#"{"name": "Bob", "count": 9223372036854775807, "x": 1}"#)
        .unwrap();
    let ovf = d
        .incomplete
        .iter()
        .find(|i| i.rule == "r_overflow")
        .unwrap();
    assert!(ovf.missing.is_empty());
    assert!(ovf.error.is_some());
    // r_count hit; r_combo needs r_flag, whose `flag` is missing.
    let combo = d.incomplete.iter().find(|i| i.rule == "r_combo").unwrap();
    assert_eq!(combo.missing, ["flag"]);
    check_decision(&engine, &d);
}

// ---------------------------------------------------------------- (b) && / || commutativity

#[derive(Debug, Clone)]
enum E {
    True,
    False,
    /// A runtime error.
    Err,
    /// A read of an absent record field.
    Missing,
    /// The bool variable `x`.
    X,
    Not(Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
}

impl E {
    fn src(&self) -> String {
        match self {
            E::True => "true".into(),
            E::False => "false".into(),
            E::Err => "(1 / 0 == 1)".into(),
            E::Missing => "flag".into(),
            E::X => "x".into(),
            E::Not(a) => format!("!({})", a.src()),
            E::And(a, b) => format!("({} && {})", a.src(), b.src()),
            E::Or(a, b) => format!("({} || {})", a.src(), b.src()),
        }
    }

    /// CEL's three-valued logic: `None` is an error.
    fn model(&self, x: bool) -> Option<bool> {
        match self {
            E::True => Some(true),
            E::False => Some(false),
            E::Err | E::Missing => None,
            E::X => Some(x),
            E::Not(a) => a.model(x).map(|b| !b),
            E::And(a, b) => match (a.model(x), b.model(x)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            E::Or(a, b) => match (a.model(x), b.model(x)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        }
    }
}

fn expr() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![
        Just(E::True),
        Just(E::False),
        Just(E::Err),
        Just(E::Missing),
        Just(E::X),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| E::Not(Box::new(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| E::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| E::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// Program environment: the props schema (so `flag` is a field, absent at run time) and `x`.
fn logic_env() -> Env {
    Env {
        root: Some(ENGINE.schema().root.clone()),
        vars: vec![("x".into(), Type::Bool)],
        ..Env::default()
    }
}

fn class(env: &Env, src: &str, x: bool) -> Option<bool> {
    let p = Program::compile(src, env).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    match p.eval(&[Value::Bool(x)]) {
        Ok(Value::Bool(b)) => Some(b),
        Ok(other) => panic!("{src} gave {other:?}"),
        Err(_) => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn and_or_commute_with_errors(a in expr(), b in expr(), x in any::<bool>()) {
        let env = logic_env();
        for op in ["&&", "||"] {
            let ab = class(&env, &format!("({}) {op} ({})", a.src(), b.src()), x);
            let ba = class(&env, &format!("({}) {op} ({})", b.src(), a.src()), x);
            prop_assert_eq!(ab, ba, "{} {} {}", a.src(), op, b.src());
        }
        let and = E::And(Box::new(a.clone()), Box::new(b.clone()));
        prop_assert_eq!(class(&env, &and.src(), x), and.model(x), "{}", and.src());
        let or = E::Or(Box::new(a), Box::new(b));
        prop_assert_eq!(class(&env, &or.src(), x), or.model(x), "{}", or.src());
    }
}

#[test]
fn absorption_in_both_orders() {
    let env = logic_env();
    for err in ["(1 / 0 == 1)", "flag", "((x || !x) && 1 / 0 == 1)"] {
        for x in [true, false] {
            for (src, want) in [
                (format!("false && {err}"), Some(false)),
                (format!("{err} && false"), Some(false)),
                (format!("true || {err}"), Some(true)),
                (format!("{err} || true"), Some(true)),
                (format!("true && {err}"), None),
                (format!("{err} && true"), None),
                (format!("false || {err}"), None),
                (format!("{err} || false"), None),
            ] {
                assert_eq!(class(&env, &src, x), want, "{src} with x = {x}");
            }
        }
    }
}

/// The same through the engine: a missing field absorbed by `false` is a miss, not
/// incomplete; not absorbed, it is incomplete with its path.
#[test]
fn absorption_through_the_engine() {
    let schema =
        "[field.m]\ntype = \"bool\"\n[field.f]\ntype = \"bool\"\n[field.n]\ntype = \"int\"\n";
    let cases = [
        ("f && m", "miss", vec![]),
        ("m && f", "miss", vec![]),
        ("!f || m", "hit", vec![]),
        ("m || !f", "hit", vec![]),
        ("f || m", "unknown", vec!["m"]),
        ("m || f", "unknown", vec!["m"]),
        ("!f && m", "unknown", vec!["m"]),
        ("f && 1 / n == 1", "miss", vec![]),
        ("1 / n == 1 && f", "miss", vec![]),
        ("!f || 1 / n == 1", "hit", vec![]),
        ("1 / n == 1 || !f", "hit", vec![]),
    ];
    for (when, want, missing) in cases {
        let pack = common::pack_header("l", "L", 1, 2) + &common::rule_toml("r", "R", 1, when, "r");
        let engine = common::compile(&pack, schema);
        let record = engine
            .decode_json(r#"{"f": false, "n": 0}"#, Default::default())
            .unwrap();
        let ex = engine.explain(&record);
        let got = match &ex.rules[0].result {
            RuleResult::Hit => "hit",
            RuleResult::Miss => "miss",
            RuleResult::Unknown { missing: m, .. } => {
                assert_eq!(m, &missing, "{when}");
                "unknown"
            }
            RuleResult::Disabled => "disabled",
        };
        assert_eq!(got, want, "{when}");
        let d = engine.screen(&record);
        assert_eq!(d.incomplete.len(), usize::from(want == "unknown"), "{when}");
        assert_eq!(d.hits.len(), usize::from(want == "hit"), "{when}");
    }
}

/// Guards against vacuous properties: the generator yields records that decode and fire
/// rules, records that are incomplete, and records that are rejected.
#[test]
fn generator_covers_every_kind_of_result() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let engine = engine();
    let mut runner = TestRunner::deterministic();
    let strategy = any_record();
    let (mut ok, mut err, mut hits, mut shadow, mut incomplete, mut errors) = (0, 0, 0, 0, 0, 0);
    for _ in 0..400 {
        let v = strategy.new_tree(&mut runner).unwrap().current();
        match engine.screen_value(&v) {
            Ok(d) => {
                ok += 1;
                hits += usize::from(!d.hits.is_empty());
                shadow += usize::from(!d.shadow_hits.is_empty());
                incomplete += usize::from(!d.incomplete.is_empty());
                errors += usize::from(d.incomplete.iter().any(|i| i.error.is_some()));
            }
            Err(_) => err += 1,
        }
    }
    assert!(ok >= 100, "{ok} decoded");
    assert!(err >= 40, "{err} rejected");
    assert!(
        hits >= 20 && shadow >= 5 && incomplete >= 50 && errors >= 5,
        "hits {hits}, shadow {shadow}, incomplete {incomplete}, runtime errors {errors}"
    );
}

/// The value of a constant expression, or `None` for an error.
fn eval_const(src: &str) -> Option<Value> {
    let p = Program::compile(src, &Env::default()).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    p.eval(&[]).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Two-variable comprehensions over a list agree with their one-variable forms (errors
    /// included: `10 / v` fails on a zero item), and bind the index of each item.
    #[test]
    fn two_variable_comprehensions_agree_with_one_variable_ones(
        items in vec(-3i64..4, 0..6),
        k in -3i64..4,
    ) {
        let list = format!(
            "[{}]",
            items.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        );
        let pairs = [
            (format!("{list}.exists(i, v, 10 / v > {k})"), format!("{list}.exists(v, 10 / v > {k})")),
            (format!("{list}.all(i, v, 10 / v > {k})"), format!("{list}.all(v, 10 / v > {k})")),
            (format!("{list}.existsOne(i, v, v > {k})"), format!("{list}.exists_one(v, v > {k})")),
            (format!("{list}.transformList(i, v, v * 2)"), format!("{list}.map(v, v * 2)")),
            (format!("{list}.transformList(i, v, v > {k}, v)"), format!("{list}.filter(v, v > {k})")),
            (format!("{list}.transformMap(i, v, v).transformList(j, w, w)"), list.clone()),
            (format!("{list}.all(i, v, {list}[i] == v)"), "true".to_string()),
            (
                format!("{list}.transformList(i, v, i)"),
                format!("[{}]", (0..items.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")),
            ),
        ];
        for (two, one) in pairs {
            prop_assert_eq!(eval_const(&two), eval_const(&one), "{} vs {}", two, one);
        }
    }
}

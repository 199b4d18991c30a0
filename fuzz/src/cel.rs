//! Target `cel`: the input is the text of one CEL expression. It is compiled as a standalone
//! program (strict and gradual typing) and evaluated with fixed variables, then used as a
//! rule condition and as a derived value of a fixed pack, and screened against fixed records.

use std::sync::OnceLock;

use saring::cel::Env;
use saring::cel::Program;
use saring::cel::{Type, Value};
use saring::{DecodeOptions, Engine, Pack, Record};

const SCHEMA: &str = r#"
[field.name]
type = "string"
required = true
[field.passport_name]
type = "string"
[field.age]
type = "int"
required = true
[field.salary]
type = "float"
[field.return_ticket]
type = "bool"
required = true
[field.birth_date]
type = "date"
[field.departed_at]
type = "timestamp"
[field.purpose]
type = "enum"
values = ["tourism", "work", "family_visit"]
required = true
[field.tags]
type = "list"
items = "string"
[field.counts]
type = "list"
items = "int"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
required = true
[field.legs.days]
type = "int"
[field.legs.religion]
type = "string"
protected = true
[field.sponsor]
type = "object"
[field.sponsor.name]
type = "string"
required = true
[field.sponsor.applications]
type = "int"
[field.religion]
type = "string"
protected = true
[field.sex]
type = "enum"
values = ["f", "m"]
monitored = true
"#;

const PACK: &str = r#"
[pack]
id = "fuzz-cel"
version = "1"
title = "Fuzzed expression"
schema = "schema.toml"
[outcomes]
review = 10
refer = 20
[lists]
hotspot = ["KH", "MM", "LA"]
limits = [1, 5, 30]
[derive]
fz = "name"
[[rule]]
id = "fuzzed"
title = "The fuzzed condition"
weight = 10
when = "true"
reason = "Name {name}, passport {passport_name}, sponsor {sponsor.name}, derived {fz}"
remedy = "none"
uses_monitored = { why = "fuzzing may read monitored fields", references = ["fuzz harness"], approved_by = "fuzz harness" }
[[rule]]
id = "reads_derived"
title = "Reads the fuzzed derived value"
weight = 5
when = "[fz].size() == 1 && rules.fuzzed"
reason = "Derived {fz}"
uses_monitored = { why = "fuzzing may read monitored fields", references = ["fuzz harness"], approved_by = "fuzz harness" }
"#;

const RECORDS: [&str; 3] = [
    r#"{"name": "Siti Aminah", "passport_name": "SITI AMINAH", "age": 27, "salary": 1200.5,
        "return_ticket": false, "birth_date": "1998-02-03",
        "departed_at": "2025-05-01T10:00:00Z", "purpose": "work",
        "tags": ["agent", "KH"], "counts": [1, 2, 3],
        "legs": [{"country": "MY", "days": 2, "religion": "x"}, {"country": "KH"}],
        "sponsor": {"name": "PT Contoh", "applications": 40}, "religion": "x", "sex": "f"}"#,
    r#"{"name": "", "age": -1, "return_ticket": true, "purpose": "tourism", "legs": []}"#,
    r#"{}"#,
];

struct Fixture {
    pack: Pack,
    records: Vec<Record>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pack = match Pack::from_toml_str(PACK, SCHEMA) {
            Ok(pack) => pack,
            Err(e) => panic!("the fixed fuzz pack must load: {}", e.render()),
        };
        let engine = match Engine::compile(&pack) {
            Ok(engine) => engine,
            Err(e) => panic!("the fixed fuzz pack must compile: {}", e.render()),
        };
        let records = RECORDS
            .iter()
            .map(|r| match engine.decode_json(r, DecodeOptions::default()) {
                Ok(record) => record,
                Err(e) => panic!("the fixed fuzz record must decode: {e}"),
            })
            .collect();
        Fixture { pack, records }
    })
}

fn env(lenient: bool) -> (Env, Vec<Value>) {
    let env = Env {
        vars: vec![
            ("x".into(), Type::Int),
            ("u".into(), Type::Uint),
            ("d".into(), Type::Double),
            ("s".into(), Type::String),
            ("b".into(), Type::Bool),
            ("l".into(), Type::List(Box::new(Type::Int))),
            ("v".into(), Type::Dyn),
        ],
        lenient,
        ..Env::default()
    };
    let values = vec![
        Value::Int(-7),
        Value::Uint(7),
        Value::Double(2.5),
        Value::string("Siti Aminah"),
        Value::Bool(true),
        Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
        Value::string("dyn"),
    ];
    (env, values)
}

/// Runs one expression text.
pub fn run(data: &[u8]) {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    for lenient in [false, true] {
        let (env, values) = env(lenient);
        if let Ok(program) = Program::compile(expr, &env) {
            let _ = program.eval(&values);
        }
    }
    let fixture = fixture();
    // The expression as a rule condition, and as a derived value read by another rule.
    let mut as_rule = fixture.pack.clone();
    as_rule.rules[0].when.text = expr.to_string();
    let mut as_derived = fixture.pack.clone();
    as_derived.derive[0].expr.text = expr.to_string();
    for pack in [as_rule, as_derived] {
        match Engine::compile(&pack) {
            Ok(engine) => {
                for record in &fixture.records {
                    crate::screen_all_ways(&engine, record);
                }
            }
            Err(e) => {
                let _ = e.render();
            }
        }
    }
}

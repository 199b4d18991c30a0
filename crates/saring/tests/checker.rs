//! Type checking of CEL expressions: `Program::compile` for plain CEL and `Engine::compile`
//! for packs (names, types, protected/monitored policy, rule references, regexes, limits).

use std::collections::BTreeMap;

use saring::cel::Env;
use saring::cel::Program;
use saring::cel::{Type, Value};
use saring::limits::{MAX_EXPR_DEPTH, MAX_EXPR_LEN};
use saring::{Diagnostic, Engine, Outcome, Pack};

mod common;

const SCHEMA: &str = r#"
[field.destination]
type = "string"
required = true
[field.count]
type = "int"
[field.amount]
type = "float"
[field.flag]
type = "bool"
[field.tags]
type = "list"
items = "string"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
[field.legs.religion]
type = "string"
protected = true
[field.interview]
type = "object"
[field.interview.agent]
type = "bool"
[field.interview.faith]
type = "string"
protected = true
[field.religion]
type = "string"
protected = true
[field.sex]
type = "enum"
values = ["f", "m", "x"]
monitored = true
"#;

fn pack_text(body: &str) -> String {
    format!(
        "{}[lists]\nhotspot = [\"KH\", \"MM\"]\n{body}",
        common::pack_header("t", "T", 10, 20)
    )
}

fn rule_named(id: &str, when: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\ntitle = \"R\"\nweight = 1\nwhen = '''{when}'''\nreason = \"x\"\n"
    )
}

fn rule(when: &str) -> String {
    rule_named("r", when)
}

fn compile(body: &str) -> Result<Engine, saring::PackError> {
    Engine::compile(&Pack::from_toml_str(&pack_text(body), SCHEMA).expect("pack loads"))
}

/// The error diagnostics of a pack that must fail to compile.
fn errors(body: &str) -> Vec<Diagnostic> {
    match compile(body) {
        Ok(_) => panic!("pack compiled, expected errors:\n{body}"),
        Err(e) => e.errors().cloned().collect(),
    }
}

/// The single error of a pack that must fail with exactly one.
fn error(body: &str) -> Diagnostic {
    let errs = errors(body);
    assert_eq!(errs.len(), 1, "expected one error, got {errs:#?}");
    errs.into_iter().next().unwrap()
}

fn codes(errs: &[Diagnostic]) -> Vec<&'static str> {
    errs.iter().map(|d| d.code.as_str()).collect()
}

// The rule's `when` starts at line 15, column 11 of the generated pack.toml.
const WHEN_LINE: u32 = 15;
const WHEN_COL: u32 = 11;

// ---------------------------------------------------------------- names

#[test]
fn unknown_field_with_did_you_mean() {
    let d = error(&rule("destnation == 'KH'"));
    assert_eq!(d.code, "pack.unknown_field");
    assert_eq!(d.message, "the record has no field `destnation`");
    assert_eq!(d.help.as_deref(), Some("did you mean `destination`?"));
    assert_eq!(d.rule.as_deref(), Some("r"));
    assert_eq!(d.file.as_deref(), Some("pack.toml"));
    assert_eq!((d.line, d.column), (Some(WHEN_LINE), Some(WHEN_COL)));
}

#[test]
fn unknown_field_without_close_candidate_has_no_help() {
    let d = error(&rule("zzzzzz == 1"));
    assert_eq!(d.code, "pack.unknown_field");
    assert_eq!(d.message, "the record has no field `zzzzzz`");
    assert_eq!(d.help, None);
}

#[test]
fn nested_unknown_field() {
    let d = error(&rule("interview.agnt"));
    assert_eq!(d.code, "pack.unknown_field");
    assert_eq!(d.message, "`interview` has no field `agnt`");
    assert_eq!(d.help.as_deref(), Some("did you mean `agent`?"));
}

#[test]
fn unknown_field_of_list_item() {
    let d = error(&rule("legs.exists(l, l.contry == 'KH')"));
    assert_eq!(d.code, "pack.unknown_field");
    assert_eq!(d.help.as_deref(), Some("did you mean `country`?"));
}

#[test]
fn unknown_name_in_plain_cel() {
    let env = Env {
        vars: vec![("amount".into(), Type::Int)],
        ..Env::default()
    };
    let errs = Program::compile("amont > 1", &env).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, "cel.unknown_name");
    assert_eq!(errs[0].message, "unknown name `amont`");
    assert_eq!(errs[0].help.as_deref(), Some("did you mean `amount`?"));
    assert_eq!((errs[0].span.start, errs[0].span.end), (0, 5));
}

#[test]
fn every_error_is_collected() {
    let body = format!(
        "{}{}",
        rule_named("a", "destnation == 'KH'"),
        rule_named("b", "!5")
    );
    let errs = errors(&body);
    assert_eq!(codes(&errs), ["pack.unknown_field", "cel.type_mismatch"]);
    assert_eq!(errs[0].rule.as_deref(), Some("a"));
    assert_eq!(errs[1].rule.as_deref(), Some("b"));
}

// ---------------------------------------------------------------- types

#[test]
fn string_compared_with_int() {
    let d = error(&rule("destination > 5"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "no matching overload for `string > int`");
    assert_eq!((d.line, d.column), (Some(WHEN_LINE), Some(WHEN_COL)));
}

#[test]
fn string_plus_int() {
    let d = error(&rule("\"a\" + 1 == 'a'"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "no matching overload for `string + int`");
}

#[test]
fn not_of_int() {
    let d = error(&rule("!5"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "no matching overload for `!int`");
}

#[test]
fn list_element_types() {
    // `tags` is a list of strings: its items do not compare with ints.
    let d = error(&rule("tags.exists(t, t == 1)"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "no matching overload for `string == int`");
    assert_eq!(d.column, Some(WHEN_COL + 15));
    // A literal list of ints.
    let d = error(&rule("[1, 2].exists(t, t == 'a')"));
    assert_eq!(d.message, "no matching overload for `int == string`");
    // A named list of strings cannot contain an int.
    let d = error(&rule("count in hotspot"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(
        d.message,
        "`hotspot` is a list of string, it cannot contain a int"
    );
}

#[test]
fn condition_must_be_bool() {
    let d = error(&rule("count"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "the condition must be bool, found int");
    assert_eq!(
        d.help.as_deref(),
        Some("compare the value, e.g. `x > 0` or `x == \"value\"`")
    );
}

#[test]
fn object_is_not_a_value() {
    let d = error(&rule("interview == 1"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "object `interview` cannot be used as a value");
}

#[test]
fn plain_cel_type_errors() {
    let env = Env {
        vars: vec![("x".into(), Type::Int), ("s".into(), Type::String)],
        ..Env::default()
    };
    let errs = Program::compile("x + s", &env).unwrap_err();
    assert_eq!(errs[0].code, "cel.type_mismatch");
    assert_eq!(errs[0].message, "no matching overload for `int + string`");
    let p = Program::compile("x + size(s)", &env).unwrap();
    assert!(matches!(p.result_type(), Type::Int));
    assert_eq!(
        p.eval(&[Value::Int(2), Value::string("abc")]),
        Ok(Value::Int(5))
    );
}

#[test]
fn well_typed_rules_compile() {
    let e = compile(&format!(
        "{}{}{}",
        rule_named("a", "destination in hotspot && count > 2 && amount >= 1.5"),
        rule_named("b", "tags.exists(t, t.startsWith('x')) || interview.agent"),
        rule_named("c", "legs.all(l, l.country != destination) && !flag"),
    ))
    .unwrap();
    let ids: Vec<&str> = e.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(e.rules().iter().all(|r| r.reads_monitored.is_empty()));
}

// ---------------------------------------------------------------- protected fields

const PROTECTED_MSG: &str =
    "field `religion` is protected and cannot be read by rules or derived values";
const PROTECTED_HELP: &str = "protected attributes are never risk factors; remove this condition";

#[test]
fn protected_field_in_rule() {
    let d = error(&rule("religion == 'x'"));
    assert_eq!(d.code, "pack.protected_field");
    assert_eq!(d.message, PROTECTED_MSG);
    assert_eq!(d.help.as_deref(), Some(PROTECTED_HELP));
    assert_eq!((d.line, d.column), (Some(WHEN_LINE), Some(WHEN_COL)));
}

#[test]
fn protected_nested_field_in_rule() {
    let d = error(&rule("interview.faith == 'x'"));
    assert_eq!(d.code, "pack.protected_field");
    assert_eq!(
        d.message,
        "field `interview.faith` is protected and cannot be read by rules or derived values"
    );
}

#[test]
fn protected_field_in_derived_value() {
    let d = error(&format!("[derive]\nd = \"religion\"\n{}", rule("d == 'x'")));
    assert_eq!(d.code, "pack.protected_field");
    assert_eq!(d.message, PROTECTED_MSG);
    assert_eq!(d.rule, None);
    assert_eq!((d.line, d.column), (Some(12), Some(6)));
}

#[test]
fn protected_field_inside_macro_over_list_of_objects() {
    let d = error(&rule("legs.exists(l, l.religion == 'x')"));
    assert_eq!(d.code, "pack.protected_field");
    assert_eq!(
        d.message,
        "field `legs[].religion` is protected and cannot be read by rules or derived values"
    );
    assert_eq!(d.column, Some(WHEN_COL + 15));
    // Also through map() and filter().
    let d = error(&rule("size(legs.map(l, l.religion)) > 0"));
    assert_eq!(d.code, "pack.protected_field");
    let d = error(&rule("size(legs.filter(l, has(l.religion))) > 0"));
    assert_eq!(d.code, "pack.protected_field");
}

#[test]
fn protected_field_in_has() {
    let d = error(&rule("has(record.religion)"));
    assert_eq!(d.code, "pack.protected_field");
    assert_eq!(d.message, PROTECTED_MSG);
    let d = error(&rule("has(interview.faith)"));
    assert_eq!(d.code, "pack.protected_field");
}

#[test]
fn protected_field_in_reason_placeholder() {
    for placeholder in ["religion", "interview.faith"] {
        let body = format!(
            "[[rule]]\nid = \"r\"\ntitle = \"R\"\nweight = 1\nwhen = 'true'\nreason = \"about {{{placeholder}}}\"\n"
        );
        let d = error(&body);
        assert_eq!(d.code, "pack.protected_field");
        assert_eq!(
            d.message,
            format!("reason shows protected field `{placeholder}`")
        );
        assert_eq!(
            d.help.as_deref(),
            Some("protected attributes never appear in reasons")
        );
        assert_eq!(d.rule.as_deref(), Some("r"));
    }
}

// ---------------------------------------------------------------- monitored fields

const MONITORED_MSG: &str = "rule `r` reads monitored field `sex` without a justification";

#[test]
fn monitored_field_without_justification() {
    let d = error(&rule("sex == 'f'"));
    assert_eq!(d.code, "pack.monitored_field");
    assert_eq!(d.message, MONITORED_MSG);
    assert_eq!(
        d.help.as_deref(),
        Some("monitored fields are for fairness audits; add `uses_monitored = { why = \"...\", references = [\"...\"], approved_by = \"...\" }` or remove the condition")
    );
}

#[test]
fn monitored_field_in_has_needs_justification() {
    let d = error(&rule("has(record.sex)"));
    assert_eq!(d.code, "pack.monitored_field");
    assert_eq!(d.message, MONITORED_MSG);
}

/// A complete `uses_monitored` table.
const JUSTIFIED: &str = "{ why = \"legal eligibility: the minimum age for the purpose\", \
    references = [\"synthetic statute art. 5\"], approved_by = \"test DPO\" }";

#[test]
fn monitored_field_with_justification() {
    let body = format!(
        "{}uses_monitored = {JUSTIFIED}\n{}",
        rule_named("r", "sex == 'f'"),
        rule_named("s", "count > 1")
    );
    let e = compile(&body).unwrap();
    assert_eq!(e.rules()[0].reads_monitored, ["sex"]);
    assert!(e.rules()[1].reads_monitored.is_empty());
    let d = e
        .screen_json(r#"{"destination": "KH", "sex": "f"}"#)
        .unwrap();
    assert_eq!(d.hits.len(), 1);
    assert_eq!(d.hits[0].rule, "r");
}

#[test]
fn monitored_field_through_derived_value() {
    let d = error(&format!("[derive]\nd = \"sex == 'f'\"\n{}", rule("d")));
    assert_eq!(d.code, "pack.monitored_field");
    assert_eq!(d.message, MONITORED_MSG);
    assert_eq!(d.line, Some(17));
    // Through a chain of derived values.
    let d = error(&format!(
        "[derive]\nd = \"sex\"\ne = \"d == 'f'\"\n{}",
        rule("e")
    ));
    assert_eq!(d.code, "pack.monitored_field");
    assert_eq!(d.message, MONITORED_MSG);
    // With a justification it is allowed and reported.
    let e = compile(&format!(
        "[derive]\nd = \"sex\"\ne = \"d == 'f'\"\n{}uses_monitored = {JUSTIFIED}\n",
        rule("e")
    ))
    .unwrap();
    assert_eq!(e.rules()[0].reads_monitored, ["sex"]);
}

// ---------------------------------------------------------------- rule references

#[test]
fn unknown_rule_reference() {
    let body = format!(
        "{}{}",
        rule_named("high_count", "count > 1"),
        rule_named("r", "rules.high_cont")
    );
    let d = error(&body);
    assert_eq!(d.code, "pack.unknown_rule");
    assert_eq!(d.message, "there is no rule `high_cont`");
    assert_eq!(d.help.as_deref(), Some("did you mean `high_count`?"));
}

#[test]
fn self_reference() {
    let d = error(&rule("rules.r"));
    assert_eq!(d.code, "pack.rule_cycle");
    assert_eq!(d.message, "rules refer to each other in a cycle: `r` → `r`");
    assert_eq!(
        d.help.as_deref(),
        Some("a rule may use `rules.<id>` only of rules that do not depend on it")
    );
}

#[test]
fn cycle_between_rules() {
    let body = format!(
        "{}{}{}",
        rule_named("a", "rules.b && flag"),
        rule_named("b", "rules.c || count > 1"),
        rule_named("c", "rules.a")
    );
    let d = error(&body);
    assert_eq!(d.code, "pack.rule_cycle");
    assert_eq!(
        d.message,
        "rules refer to each other in a cycle: `a` → `b` → `c` → `a`"
    );
    assert_eq!(d.rule.as_deref(), Some("a"));
}

#[test]
fn reference_to_disabled_rule() {
    let body = format!(
        "{}status = \"disabled\"\n{}",
        rule_named("old", "flag"),
        rule_named("r", "rules.old")
    );
    let d = error(&body);
    assert_eq!(d.code, "pack.disabled_reference");
    assert_eq!(d.message, "rule `r` refers to disabled rule `old`");
    // A shadow rule may be referenced.
    let body = format!(
        "{}status = \"shadow\"\n{}",
        rule_named("old", "flag"),
        rule_named("r", "rules.old")
    );
    assert!(compile(&body).is_ok());
}

#[test]
fn rules_namespace_is_not_a_value() {
    let d = error(&format!(
        "{}{}",
        rule_named("a", "flag"),
        rule("rules == 1")
    ));
    assert_eq!(d.code, "cel.type_mismatch");
    assert_eq!(d.message, "`rules` cannot be used as a value");
}

// ---------------------------------------------------------------- regexes

#[test]
fn bad_regex() {
    let d = error(&rule("destination.matches('(')"));
    assert_eq!(d.code, "cel.bad_regex");
    assert_eq!(
        d.message,
        "invalid regular expression `(`: error: unclosed group"
    );
    // Placed on the pattern argument.
    assert_eq!(d.column, Some(WHEN_COL + 20));
    let d = error(&rule("destination.matches('[a-')"));
    assert_eq!(d.code, "cel.bad_regex");
}

#[test]
fn oversized_regex_is_rejected() {
    // Compiles to far more than MAX_REGEX_SIZE.
    let d = error(&rule("destination.matches('(\\\\w{100}){100}')"));
    assert_eq!(d.code, "cel.bad_regex");
}

#[test]
fn good_regex_matches() {
    let e = compile(&rule("destination.matches('^K[A-Z]$')")).unwrap();
    assert_eq!(
        e.screen_json(r#"{"destination":"KH"}"#).unwrap().hits.len(),
        1
    );
    assert_eq!(
        e.screen_json(r#"{"destination":"MY"}"#).unwrap().hits.len(),
        0
    );
}

// ---------------------------------------------------------------- named lists, folding

#[test]
fn large_named_list_is_a_set() {
    let items: Vec<String> = (0..100_000).map(|i| format!("C{i:06}")).collect();
    let mut files = BTreeMap::new();
    files.insert(
        "pack.toml".to_string(),
        format!(
            "{}[lists]\nbig = {{ file = \"lists/big.txt\" }}\n{}",
            common::pack_header("t", "T", 1, 2),
            common::rule_toml("r", "R", 1, "destination in big", "x")
        ),
    );
    files.insert("schema.toml".to_string(), SCHEMA.to_string());
    files.insert("lists/big.txt".to_string(), items.join("\n"));
    let e = Engine::compile(&Pack::from_files(files, "pack.toml").unwrap()).unwrap();
    let start = std::time::Instant::now();
    let mut hits = 0;
    for i in (0..200_000).step_by(97) {
        let d = e
            .screen_json(&format!(r#"{{"destination":"C{i:06}"}}"#))
            .unwrap();
        hits += d.hits.len();
    }
    // 0, 97, ... below 100,000 are in the list: 1031 of them.
    assert_eq!(hits, 1031);
    // ~2,000 lookups in a 100,000-item list: a linear scan would take far longer.
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let d = e.screen_json(r#"{"destination":"C099999"}"#).unwrap();
    assert_eq!(d.outcome, Outcome::Review);
    let d = e.screen_json(r#"{"destination":"C100000"}"#).unwrap();
    assert_eq!(d.outcome, Outcome::Clear);
}

#[test]
fn constant_expressions_fold() {
    let env = Env::default();
    let p = Program::compile("1 + 2 == 3", &env).unwrap();
    assert!(matches!(p.result_type(), Type::Bool));
    assert_eq!(p.eval(&[]), Ok(Value::Bool(true)));
    let p = Program::compile("'ab' + 'c' == 'abc' && [1, 2][1] == 2", &env).unwrap();
    assert_eq!(p.eval(&[]), Ok(Value::Bool(true)));
    // Constants that fail are kept and fail at run time, not at compile time.
    let p = Program::compile("1 / 0 == 1", &env).unwrap();
    assert!(p.eval(&[]).is_err());
    // In a pack, a constant rule fires on every record and reads nothing.
    let e = compile(&rule("1 + 2 == 3")).unwrap();
    let d = e.screen_json("{}").unwrap();
    assert_eq!(d.hits.len(), 1);
    assert!(d.hits[0].evidence.is_empty());
    assert!(d.incomplete.is_empty());
    let e = compile(&rule("9223372036854775807 + 1 > 0")).unwrap();
    let d = e.screen_json("{}").unwrap();
    assert_eq!(d.incomplete.len(), 1);
    assert_eq!(d.incomplete[0].missing, Vec::<String>::new());
    assert!(d.incomplete[0].error.is_some());
}

// ---------------------------------------------------------------- limits

fn compile_code(src: &str) -> &'static str {
    match Program::compile(src, &Env::default()) {
        Ok(_) => "ok",
        Err(e) => e[0].code.as_str(),
    }
}

#[test]
fn too_long() {
    let src = format!("{}1 == 1", "1 + ".repeat(MAX_EXPR_LEN / 4));
    assert!(src.len() > MAX_EXPR_LEN);
    let errs = Program::compile(&src, &Env::default()).unwrap_err();
    assert_eq!(errs[0].code, "cel.too_long");
    assert_eq!(
        errs[0].message,
        format!(
            "expression is {} bytes long, the limit is {MAX_EXPR_LEN} bytes",
            src.len()
        )
    );
    // Through a pack too.
    let d = error(&rule(&format!("{}true", "!!".repeat(MAX_EXPR_LEN / 2))));
    assert_eq!(d.code, "cel.too_long");
}

#[test]
fn too_deep() {
    let limit_msg =
        format!("expression is nested too deeply, the limit is {MAX_EXPR_DEPTH} levels");
    let over = MAX_EXPR_DEPTH + 1;
    for src in [
        format!("{}true", "!".repeat(over)),
        format!("{}1{}", "(".repeat(over), ")".repeat(over)),
        format!("{}1{}", "[".repeat(over), "]".repeat(over)),
        format!("a{}", ".b".repeat(over)),
        vec!["1"; over + 1].join(" + "),
    ] {
        let errs = Program::compile(&src, &Env::default()).unwrap_err();
        assert_eq!(errs[0].code, "cel.too_deep", "{src}");
        assert_eq!(errs[0].message, limit_msg);
    }
    // Shallow enough is fine.
    assert_eq!(compile_code(&format!("{}true", "!".repeat(32))), "ok");
    assert_eq!(
        compile_code(&format!("{}1{}", "[".repeat(32), "]".repeat(32))),
        "ok"
    );
}

#[test]
fn huge_nesting_does_not_overflow_the_stack() {
    // Under the length limit: rejected as too deep.
    let n = 8_000;
    for src in [
        format!("{}true", "!".repeat(10_000)),
        format!("a{}", ".b".repeat(n)),
        format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        format!("{}1", "-".repeat(10_000)),
    ] {
        assert!(src.len() <= MAX_EXPR_LEN);
        assert_eq!(compile_code(&src), "cel.too_deep", "{}", &src[..10]);
    }
    // 10,000-element chains and lists exceed the length limit first.
    for src in [
        format!("a{}", ".b".repeat(10_000)),
        format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{}true", "!".repeat(20_000)),
    ] {
        assert_eq!(compile_code(&src), "cel.too_long", "{}", &src[..10]);
    }
    // And through a pack.
    let d = error(&rule(&format!("{}flag", "!".repeat(10_000))));
    assert_eq!(d.code, "cel.too_deep");
    let d = error(&rule(&format!(
        "{}flag{}",
        "[".repeat(8_000),
        "]".repeat(8_000)
    )));
    assert_eq!(d.code, "cel.too_deep");
}

#[test]
fn long_flat_disjunction_is_balanced() {
    // 1,000 `||` terms are far over the depth limit as a chain, but `&&`/`||` are balanced.
    let src = (0..1000)
        .map(|i| format!("x == {i}"))
        .collect::<Vec<_>>()
        .join(" || ");
    assert!(src.len() < MAX_EXPR_LEN);
    let env = Env {
        vars: vec![("x".into(), Type::Int)],
        ..Env::default()
    };
    let p = Program::compile(&src, &env).unwrap();
    assert_eq!(p.eval(&[Value::Int(999)]), Ok(Value::Bool(true)));
    assert_eq!(p.eval(&[Value::Int(1000)]), Ok(Value::Bool(false)));
}

/// A list item holding a protected field may be read field by field, counted and indexed,
/// but never used whole (it would carry the protected value into a comparison or result).
#[test]
fn list_items_with_protected_fields_are_only_read_field_by_field() {
    let schema = r#"
[field.companions]
type = "list"
items = "object"
[field.companions.name]
type = "string"
[field.companions.ethnicity]
type = "string"
protected = true
"#;
    let pack = |when: &str| {
        format!(
            "[pack]\nid = \"p\"\nversion = \"1\"\ntitle = \"t\"\n[outcomes]\nreview = 1\nrefer = 2\n\
             [[rule]]\nid = \"r\"\ntitle = \"t\"\nweight = 1\nwhen = '{when}'\nreason = \"r\"\n"
        )
    };
    let compile = |when: &str| {
        saring::Pack::from_toml_str(&pack(when), schema).and_then(|p| saring::Engine::compile(&p))
    };
    for ok in [
        r#"companions.exists(c, c.name == "x")"#,
        r#"size(companions) > 2"#,
        r#"companions[0].name == "x""#,
    ] {
        assert!(compile(ok).is_ok(), "{ok} should compile");
    }
    for bad in [
        r#"companions.exists(c, c == {"name": "x"})"#,
        r#"companions.map(c, c).size() > 0"#,
        r#"companions[0] == {"name": "x"}"#,
        r#"companions.exists(c, c.ethnicity == "x")"#,
        // The number of keys of an item would reveal whether its protected value is present.
        r#"companions.exists(c, size(c) > 1)"#,
        r#"companions.map(c, size(c)).exists(n, n > 1)"#,
        r#"size(companions[0]) > 1"#,
        r#"companions.exists(c, string(c) == "x")"#,
        r#"companions.exists(c, c.exists(k, k == "ethnicity"))"#,
    ] {
        let err = compile(bad)
            .err()
            .unwrap_or_else(|| panic!("{bad} should not compile"));
        assert_eq!(err.diagnostics[0].code, "pack.protected_field", "{bad}");
    }
}

/// An optional field read without `has()` compiles, with a warning that records without it
/// make the rule incomplete; a `has()` test of the field (or `required = true`) silences it.
#[test]
fn optional_fields_read_without_has_are_warned_about() {
    let schema = "[field.recruiter]\ntype = \"string\"\n[field.destination]\ntype = \"string\"\nrequired = true\n";
    let pack = |when: &str| {
        format!(
            "[pack]\nid = \"p\"\nversion = \"1\"\ntitle = \"t\"\n[outcomes]\nreview = 1\nrefer = 2\n\
             [[rule]]\nid = \"r\"\ntitle = \"t\"\nweight = 1\nwhen = '{when}'\nreason = \"r\"\n"
        )
    };
    let warnings = |when: &str| -> Vec<(String, String)> {
        let engine = saring::Pack::from_toml_str(&pack(when), schema)
            .and_then(|p| saring::Engine::compile(&p))
            .unwrap_or_else(|e| panic!("{}", e.render()));
        engine
            .warnings()
            .iter()
            .map(|d| (d.code.to_string(), d.message.clone()))
            .collect()
    };
    assert_eq!(
        warnings(r#"recruiter == "x""#),
        vec![(
            "pack.unguarded_optional".to_string(),
            "rule `r` reads optional field `recruiter` without `has()`: records without it list the rule as incomplete".to_string()
        )]
    );
    assert!(warnings(r#"has(record.recruiter) && recruiter == "x""#).is_empty());
    assert!(warnings(r#"destination == "KH""#).is_empty());
}

/// A field read through an optional object is warned about like an optional field, unless a
/// `has()` covers the deepest optional step of its path.
#[test]
fn fields_inside_optional_objects_read_without_has_are_warned_about() {
    let schema = "[field.job_offer]\ntype = \"object\"\n\
                  [field.job_offer.source]\ntype = \"string\"\nrequired = true\n\
                  [field.job_offer.salary]\ntype = \"float\"\n\
                  [field.interview]\ntype = \"object\"\nrequired = true\n\
                  [field.interview.note]\ntype = \"string\"\n\
                  [field.interview.agent]\ntype = \"bool\"\nrequired = true\n";
    let unguarded = |when: &str| -> Vec<String> {
        let pack = format!(
            "[pack]\nid = \"p\"\nversion = \"1\"\ntitle = \"t\"\n[outcomes]\nreview = 1\nrefer = 2\n\
             [[rule]]\nid = \"r\"\ntitle = \"t\"\nweight = 1\nwhen = '{when}'\nreason = \"r\"\n"
        );
        let engine = saring::Pack::from_toml_str(&pack, schema)
            .and_then(|p| saring::Engine::compile(&p))
            .unwrap_or_else(|e| panic!("{}", e.render()));
        engine
            .warnings()
            .iter()
            .filter(|d| d.code == "pack.unguarded_optional")
            .map(|d| format!("{} | {}", d.message, d.help.as_deref().unwrap_or("")))
            .collect()
    };
    assert_eq!(
        unguarded(r#"job_offer.source == "social_media""#),
        [
            "rule `r` reads optional field `job_offer.source` without `has()`: records without it \
          list the rule as incomplete | if absence is meaningful, test it \
          (`has(record.job_offer) && ...`) or read it with `.?` \
          (`record.?job_offer.?source.orValue(...)`); if every record has it, mark it \
          `required = true`"
        ]
    );
    assert!(unguarded(r#"has(record.job_offer) && job_offer.source == "x""#).is_empty());
    assert!(unguarded(r#"has(job_offer.source) && job_offer.source == "x""#).is_empty());
    assert_eq!(unguarded(r#"record.job_offer.source == "x""#).len(), 1);
    // An optional field of an optional object needs its own test, not only the object's.
    assert_eq!(
        unguarded(r#"has(record.job_offer) && job_offer.salary > 1.0"#).len(),
        1
    );
    assert!(unguarded(r#"has(job_offer.salary) && job_offer.salary > 1.0"#).is_empty());
    // Inside a required object only optional fields count, as before.
    assert!(unguarded(r#"interview.agent"#).is_empty());
    assert_eq!(unguarded(r#"interview.note == "x""#).len(), 1);
}

// ---------------------------------------------------------------- enum literals

const ENUM_SCHEMA: &str = r#"
[field.purpose]
type = "enum"
values = ["tourism", "work", "study"]
required = true
[field.docs]
type = "list"
items = "enum"
values = ["passport", "visa", "contract"]
[field.job]
type = "object"
[field.job.role]
type = "enum"
values = ["recruiter", "worker"]
[field.legs]
type = "list"
items = "object"
[field.legs.mode]
type = "enum"
values = ["air", "sea", "land"]
[field.note]
type = "string"
"#;

/// Compiles a pack over [`ENUM_SCHEMA`] with `lists` (a `[lists]` table body, with
/// `lists/roles.txt` holding `roles_file`) and one rule `r`.
fn enum_compile(lists: &str, roles_file: &str, when: &str) -> Result<Engine, saring::PackError> {
    let mut files = BTreeMap::new();
    files.insert(
        "pack.toml".to_string(),
        format!(
            "{}[lists]\n{lists}\n{}",
            common::pack_header("t", "T", 10, 20),
            rule(when)
        ),
    );
    files.insert("schema.toml".to_string(), ENUM_SCHEMA.to_string());
    files.insert("lists/roles.txt".to_string(), roles_file.to_string());
    Engine::compile(&Pack::from_files(files, "pack.toml")?)
}

/// `(code, message, help, column)` of each error of an enum pack that must fail.
fn enum_errors(lists: &str, when: &str) -> Vec<(&'static str, String, Option<String>, u32)> {
    match enum_compile(lists, "recruiter\n", when) {
        Ok(_) => panic!("pack compiled, expected errors: {when}"),
        Err(e) => e
            .errors()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.message.clone(),
                    d.help.clone(),
                    d.column.unwrap(),
                )
            })
            .collect(),
    }
}

const PURPOSE_VALUES: &str = "(one of `tourism`, `work`, `study`)";

#[test]
fn enum_literal_outside_values_is_an_error() {
    // `when = '''` puts the expression at column 11 (0-based offset + 11).
    let errs = enum_errors("", "purpose == 'toursim'");
    assert_eq!(
        errs,
        [(
            "cel.unknown_enum_value",
            format!("`toursim` is not a value of enum field `purpose` {PURPOSE_VALUES}"),
            Some("did you mean `tourism`?".to_string()),
            11 + 11
        )]
    );
    // Literal first, `!=`, double quotes.
    let errs = enum_errors("", "'wrok' != purpose");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "cel.unknown_enum_value");
    assert_eq!(errs[0].2.as_deref(), Some("did you mean `work`?"));
    assert_eq!(errs[0].3, 11);
    let errs = enum_errors("", "purpose != \"Study\"");
    assert_eq!(errs[0].2.as_deref(), Some("did you mean `study`?"));
    // No close value: no help, the values are in the message.
    let errs = enum_errors("", "purpose == 'zzz'");
    assert_eq!(
        errs,
        [(
            "cel.unknown_enum_value",
            format!("`zzz` is not a value of enum field `purpose` {PURPOSE_VALUES}"),
            None,
            22
        )]
    );
}

#[test]
fn enum_literal_in_nested_objects_and_list_items() {
    let errs = enum_errors("", "job.role == 'recruter'");
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].1,
        "`recruter` is not a value of enum field `job.role` (one of `recruiter`, `worker`)"
    );
    assert_eq!(errs[0].2.as_deref(), Some("did you mean `recruiter`?"));
    assert_eq!(errs[0].3, 11 + 12);
    let errs = enum_errors("", "legs.exists(l, l.mode == 'aír')");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "cel.unknown_enum_value");
    assert!(
        errs[0].1.contains("enum field `legs[].mode`"),
        "{}",
        errs[0].1
    );
    // A list of an enum: `'lit' in field`, and its items in a comprehension.
    let errs = enum_errors("", "'viza' in docs");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].2.as_deref(), Some("did you mean `visa`?"));
    assert_eq!(errs[0].3, 11);
    let errs = enum_errors("", "docs.exists(d, d == 'contrat' || d in ['pasport'])");
    let got: Vec<(&str, Option<&str>, u32)> = errs
        .iter()
        .map(|(c, _, h, col)| (*c, h.as_deref(), *col))
        .collect();
    assert_eq!(
        got,
        [
            (
                "cel.unknown_enum_value",
                Some("did you mean `contract`?"),
                11 + 20
            ),
            (
                "cel.unknown_enum_value",
                Some("did you mean `passport`?"),
                11 + 39
            ),
        ]
    );
    assert!(errs[0].1.contains("enum field `docs`"), "{}", errs[0].1);
}

#[test]
fn every_bad_item_of_an_in_list_literal_is_reported() {
    let errs = enum_errors("", "purpose in ['work', 'toursim', 'studdy']");
    let got: Vec<(&str, Option<&str>, u32)> = errs
        .iter()
        .map(|(c, _, h, col)| (*c, h.as_deref(), *col))
        .collect();
    assert_eq!(
        got,
        [
            (
                "cel.unknown_enum_value",
                Some("did you mean `tourism`?"),
                11 + 20
            ),
            (
                "cel.unknown_enum_value",
                Some("did you mean `study`?"),
                11 + 31
            ),
        ]
    );
}

#[test]
fn named_list_entries_outside_the_enum_are_errors() {
    // Inline list.
    let errs = enum_errors("roles = [\"recruiter\", \"recruter\"]", "job.role in roles");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "cel.unknown_enum_value");
    assert_eq!(
        errs[0].1,
        "list `roles` holds `recruter`, which is not a value of enum field `job.role` \
         (one of `recruiter`, `worker`)"
    );
    assert_eq!(errs[0].2.as_deref(), Some("did you mean `recruiter`?"));
    // The span is the list's name in the expression.
    assert_eq!(errs[0].3, 11 + 12);
    // A list file.
    let Err(e) = enum_compile(
        "roles = { file = \"lists/roles.txt\" }",
        "# roles\nworker\nrecruter\nwrker\n",
        "job.role in roles",
    ) else {
        panic!("a list file with `recruter` compiled");
    };
    let helps: Vec<Option<&str>> = e.errors().map(|d| d.help.as_deref()).collect();
    assert_eq!(
        helps,
        [
            Some("did you mean `recruiter`?"),
            Some("did you mean `worker`?")
        ]
    );
    // Many bad entries: five reported one by one, then a count.
    let many: Vec<String> = (0..8).map(|i| format!("\"bad{i}\"")).collect();
    let errs = enum_errors(
        &format!("roles = [{}]", many.join(", ")),
        "job.role in roles",
    );
    assert_eq!(errs.len(), 6);
    assert_eq!(
        errs[5].1,
        "list `roles` holds 3 more entries that are not values of enum field `job.role`"
    );
}

#[test]
fn enum_values_and_other_strings_still_compile() {
    for when in [
        "purpose == 'tourism'",
        "'work' != purpose",
        "purpose in ['work', 'study']",
        "job.role in roles",
        "'visa' in docs",
        "legs.exists(l, l.mode == 'sea')",
        "docs.exists(d, d == 'visa')",
        "docs.exists(d, d != 'visa' && d == note)",
        // The variable of a comprehension over something else is not an enum.
        "[docs].exists(d, d == ['x'])",
        "['x'].exists(docs, docs == 'x')",
        "docs.map(d, d + 'x').exists(d, d == 'visax')",
        // Not enum fields: anything goes.
        "note == 'toursim'",
        "note in roles",
        "'recruter' in ['a']",
        // Comparing two enum values, or an enum with a computed string, is not checked.
        "purpose == note",
        "purpose == note + 'x'",
    ] {
        if let Err(e) = enum_compile("roles = [\"recruiter\", \"worker\"]", "", when) {
            panic!("{when}: {}", e.render());
        }
    }
}

#[test]
fn record_value_outside_the_enum_has_did_you_mean() {
    let e = enum_compile("", "", "purpose == 'work'").expect("compiles");
    let d = e.screen_json(r#"{"purpose": "wrok"}"#).expect("screens");
    assert!(d.hits.is_empty());
    assert_eq!(d.incomplete.len(), 1);
    assert_eq!(
        d.incomplete[0].error.as_deref(),
        Some("field `purpose`: `wrok` is not one of `tourism`, `work`, `study` (did you mean `work`?)")
    );
}

// ---------------------------------------------------------------- two-variable comprehensions

/// The static type of a plain CEL expression.
fn type_of(expr: &str) -> String {
    match Program::compile(expr, &Env::default()) {
        Ok(p) => p.result_type().to_string(),
        Err(e) => panic!("`{expr}` failed to compile: {e:?}"),
    }
}

#[test]
fn two_variable_comprehensions_are_typed() {
    assert_eq!(type_of("[1, 2].all(i, v, i < v)"), "bool");
    assert_eq!(type_of("{'a': 1}.existsOne(k, v, v == 1)"), "bool");
    assert_eq!(type_of("['a'].transformList(i, v, i)"), "list(int)");
    assert_eq!(type_of("['a'].transformList(i, v, v)"), "list(string)");
    assert_eq!(type_of("{'a': 1}.transformList(k, v, k)"), "list(string)");
    assert_eq!(
        type_of("['a'].transformMap(i, v, i > 0, v + '!')"),
        "map(int, string)"
    );
    assert_eq!(
        type_of("{'a': 1}.transformMap(k, v, double(v))"),
        "map(string, double)"
    );
    assert_eq!(
        type_of("{'a': 1}.transformMapEntry(k, v, {v: k})"),
        "map(int, string)"
    );
    // The variables are typed: an item is a string, not an int.
    let errs = Program::compile("['a'].exists(i, v, v > 1)", &Env::default()).unwrap_err();
    assert_eq!(errs[0].code, "cel.type_mismatch");
    // Over `dyn` everything is `dyn`.
    assert_eq!(type_of("dyn([1]).transformList(i, v, v)"), "list(dyn)");
}

#[test]
fn two_variable_comprehension_check_errors() {
    let first = |expr: &str| {
        let errs = Program::compile(expr, &Env::default()).unwrap_err();
        (
            errs[0].code.as_str(),
            errs[0].message.clone(),
            errs[0].span.start,
        )
    };
    assert_eq!(
        first("1.all(i, v, true)"),
        (
            "cel.type_mismatch",
            "`all` needs a list or map, found int".to_string(),
            0
        )
    );
    assert_eq!(
        first("[1].transformMapEntry(i, v, [v])"),
        (
            "cel.type_mismatch",
            "the transform of `transformMapEntry` must be a map (the entry to insert), found list(int)"
                .to_string(),
            28
        )
    );
    assert_eq!(
        first("[1].transformList(i, v, v, v)"),
        (
            "cel.type_mismatch",
            "the predicate of `transformList` must be bool, found int".to_string(),
            24
        )
    );
    assert_eq!(
        first("[1].all(i, i, true)"),
        (
            "cel.syntax",
            "duplicate variable name `i` in `all`".to_string(),
            11
        )
    );
    // The variables are scoped to the comprehension.
    assert_eq!(first("[1].all(i, v, true) && v").0, "cel.unknown_name");
}

#[test]
fn two_variable_comprehensions_over_record_lists() {
    // The item variable of a list of objects is typed by the schema.
    let d = error(&rule("legs.exists(i, l, i > 0 && l.contry == 'KH')"));
    assert_eq!(d.code, "pack.unknown_field");
    assert_eq!(d.help.as_deref(), Some("did you mean `country`?"));
    // The protected-field policy applies to it as to `legs.exists(l, ...)`.
    let d = error(&rule("legs.exists(i, l, l.religion == 'x')"));
    assert_eq!(d.code, "pack.protected_field");
    // The index is an int.
    let d = error(&rule("legs.exists(i, l, i == 'first')"));
    assert_eq!(d.code, "cel.type_mismatch");
    assert!(compile(&rule("legs.exists(i, l, i > 0 && l.country in hotspot)")).is_ok());
}

#[test]
fn enum_items_of_two_variable_comprehensions_are_checked() {
    let errs = enum_errors("", "docs.exists(i, d, i == 0 && d == 'viza')");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "cel.unknown_enum_value");
    assert_eq!(errs[0].2.as_deref(), Some("did you mean `visa`?"));
    assert_eq!(errs[0].3, 11 + 33);
}

// ---------------------------------------------------------------- lists extension

#[test]
fn lists_extension_is_typed() {
    assert_eq!(type_of("lists.range(3)"), "list(int)");
    assert_eq!(type_of("lists.range(3).reverse()"), "list(int)");
    assert_eq!(type_of("'abc'.reverse()"), "string");
    assert_eq!(type_of("['b', 'a'].sort()"), "list(string)");
    assert_eq!(type_of("[[1], [2]].flatten()"), "list(int)");
    assert_eq!(type_of("[1, [2]].flatten(2)"), "list(dyn)");
    assert_eq!(type_of("[1.5, 2.5].slice(0, 1)"), "list(double)");
    assert_eq!(type_of("[true].distinct()"), "list(bool)");
    assert_eq!(
        type_of("[{'k': 1}].sortBy(m, m.k)"),
        "list(map(string, int))"
    );
    let first = |expr: &str| {
        let errs = Program::compile(expr, &Env::default()).unwrap_err();
        (errs[0].code.as_str(), errs[0].message.clone())
    };
    assert_eq!(
        first("[1, 2].flatten()"),
        (
            "cel.no_overload",
            "no matching overload for `flatten(list(int))`".to_string()
        )
    );
    assert_eq!(
        first("[[1]].sort()"),
        (
            "cel.no_overload",
            "no matching overload for `sort(list(list(int)))`".to_string()
        )
    );
    assert_eq!(
        first("[1].slice(0, '1')"),
        (
            "cel.no_overload",
            "no matching overload for `slice(list(int), int, string)`".to_string()
        )
    );
    assert_eq!(
        first("[1].sortBy(x, [x])"),
        (
            "cel.type_mismatch",
            "the key of `sortBy` must be a comparable value (int, uint, double, bool, duration, timestamp, string or bytes), found list(int)".to_string()
        )
    );
    assert_eq!(
        first("{'a': 1}.sortBy(k, k)"),
        (
            "cel.type_mismatch",
            "`sortBy` needs a list, found map(string, int)".to_string()
        )
    );
}

#[test]
fn sort_by_over_record_lists() {
    // The key of a list of objects is typed by the schema.
    let d = error(&rule("legs.sortBy(l, l.contry)[0].country == 'KH'"));
    assert_eq!(d.code, "pack.unknown_field");
    assert!(compile(&rule("legs.sortBy(l, l.country)[0].country in hotspot")).is_ok());
    assert!(compile(&rule("tags.distinct().sort().slice(0, 1) == ['a']")).is_ok());
}

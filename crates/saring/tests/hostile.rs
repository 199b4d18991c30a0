//! Hostile packs and records (issue 15): every case must end in a clean result or a clean
//! error within a time bound enforced here (a case that takes longer fails), never a panic,
//! a hang or unbounded memory.

mod common;

use std::fmt::Write as _;

use saring::limits::{MAX_DERIVED, MAX_PACK_ERRORS};
use saring::{Engine, Outcome, Pack};

use common::within_bound;

const SCHEMA: &str = "[field.name]\ntype = \"string\"\nrequired = true\n\
                      [field.other_name]\ntype = \"string\"\nrequired = true\n\
                      [field.age]\ntype = \"int\"\nrequired = true\n";

fn header() -> String {
    common::pack_header("hostile", "Hostile", 10, 20)
}

/// 10,000 similar rules (the `MAX_RULES` limit) load and compile in linear time.
#[test]
fn ten_thousand_similar_rules_load_and_compile_quickly() {
    let mut pack = header();
    for i in 0..10_000 {
        let _ = write!(
            pack,
            "[[rule]]\nid = \"rule_{i}\"\ntitle = \"Rule {i}\"\nweight = 1\n\
             when = \"age > {i} && name.startsWith('x{i}')\"\nreason = \"age {{age}}\"\n\
             references = [\"synthetic\"]\n"
        );
    }
    let engine = within_bound("10,000 rules", move || {
        Engine::compile(&Pack::from_toml_str(&pack, SCHEMA).expect("loads")).expect("compiles")
    });
    assert_eq!(engine.rules().len(), 10_000);
    let decision = engine
        .screen_json(r#"{"name": "x5", "other_name": "", "age": 6}"#)
        .expect("screens");
    // Only rule_5 has both `age > i` (i < 6) and the prefix `x{i}` of `x5`.
    assert_eq!(
        decision
            .hits
            .iter()
            .map(|h| h.rule.as_str())
            .collect::<Vec<_>>(),
        ["rule_5"]
    );
}

/// A warning for each of 10,000 rules is placed at its line (every span located): linear.
#[test]
fn ten_thousand_rule_warnings_are_located_quickly() {
    let schema = format!("{SCHEMA}[field.nickname]\ntype = \"string\"\n");
    let mut pack = header();
    for i in 0..10_000 {
        let _ = write!(
            pack,
            "[[rule]]\nid = \"rule_{i}\"\ntitle = \"Rule {i}\"\nweight = 1\n\
             when = \"nickname == 'n{i}'\"\nreason = \"r\"\nreferences = [\"synthetic\"]\n"
        );
    }
    let engine = within_bound("10,000 rule warnings", move || {
        let pack = Pack::from_toml_str(&pack, &schema).expect("loads");
        Engine::compile(&pack).expect("compiles with warnings")
    });
    let warnings = engine.warnings();
    assert_eq!(warnings.len(), 10_000);
    assert!(warnings.iter().all(|w| w.code == "pack.unguarded_optional"));
    // Rule i starts on line 9 + 7 i (8 header lines); `when` is its fifth line, and its
    // text starts after `when = "`.
    let last = warnings
        .iter()
        .find(|d| d.rule.as_deref() == Some("rule_9999"))
        .expect("rule_9999 has a warning");
    assert_eq!(last.line, Some(9 + 7 * 9999 + 4));
    assert_eq!(last.column, Some(9));
}

/// A chain of 10,000 rules, each referring to the one before, compiles and screens without
/// quadratic work or deep recursion.
#[test]
fn ten_thousand_rule_reference_chain_is_linear() {
    let mut pack = header();
    for i in 0..10_000 {
        let when = if i == 0 {
            "age > 17".to_string()
        } else {
            format!("rules.rule_{} && name != 'n{i}'", i - 1)
        };
        let _ = write!(
            pack,
            "[[rule]]\nid = \"rule_{i}\"\ntitle = \"Rule {i}\"\nweight = 0\n\
             when = \"{when}\"\nreason = \"r\"\n"
        );
    }
    let (engine, decision) = within_bound("10,000-rule chain", move || {
        let engine =
            Engine::compile(&Pack::from_toml_str(&pack, SCHEMA).expect("loads")).expect("compiles");
        let decision = engine
            .screen_json(r#"{"name": "n5000", "other_name": "", "age": 30}"#)
            .expect("screens");
        (engine, decision)
    });
    assert_eq!(engine.rules().len(), 10_000);
    // rule_0..rule_4999 fire; rule_5000 reads name == 'n5000' and stops the chain.
    assert_eq!(decision.hits.len(), 5000);
    assert_eq!(decision.outcome, Outcome::Clear);
    let last = decision.hits.last().expect("hits");
    assert_eq!(last.rule, "rule_4999");
    assert_eq!(
        last.evidence.keys().collect::<Vec<_>>(),
        ["age", "name"],
        "a combination rule's evidence includes what its chain read"
    );
}

/// 10,000 references to rules that do not exist: errors stop at `MAX_PACK_ERRORS`, each
/// with a suggestion search bounded in cost.
#[test]
fn ten_thousand_unknown_rule_references_fail_quickly() {
    let mut pack = header();
    for i in 0..10_000 {
        let _ = write!(
            pack,
            "[[rule]]\nid = \"rule_{i}\"\ntitle = \"Rule {i}\"\nweight = 1\n\
             when = \"rules.rule_x{i}\"\nreason = \"r\"\n"
        );
    }
    let err = within_bound("10,000 unknown rule references", move || {
        let pack = Pack::from_toml_str(&pack, SCHEMA).expect("loads");
        Engine::compile(&pack).expect_err("unknown rules")
    });
    let errors: Vec<_> = err.errors().collect();
    assert_eq!(errors.len(), MAX_PACK_ERRORS + 1);
    assert!(errors[..MAX_PACK_ERRORS]
        .iter()
        .all(|d| d.code == "pack.unknown_rule"));
    assert_eq!(errors[0].message, "there is no rule `rule_x0`");
    let last = errors[MAX_PACK_ERRORS];
    assert_eq!(last.code, "pack.too_many_errors");
    assert_eq!(
        last.message,
        format!("more than {MAX_PACK_ERRORS} errors: rules from `rule_1000` on were not checked")
    );
}

/// A chain of `MAX_DERIVED` derived values, each reading the one before and a field, compiles
/// quickly; one more is a load error.
#[test]
fn derived_values_are_bounded_in_number() {
    let derive = |n: usize| {
        let mut pack = header();
        pack.push_str("[derive]\nd_0 = \"age\"\n");
        for i in 1..n {
            let _ = writeln!(pack, "d_{i} = \"d_{} + age\"", i - 1);
        }
        pack.push_str(&common::rule_toml(
            "last",
            "Last",
            10,
            &format!("d_{} > 0", n - 1),
            "r",
        ));
        pack
    };
    let at_limit = derive(MAX_DERIVED);
    let decision = within_bound("a chain of derived values", move || {
        let engine = Engine::compile(&Pack::from_toml_str(&at_limit, SCHEMA).expect("loads"))
            .expect("compiles");
        engine
            .screen_json(r#"{"name": "a", "other_name": "b", "age": 2}"#)
            .expect("screens")
    });
    assert_eq!(decision.score, 10);
    assert_eq!(decision.hits[0].evidence["d_999"], 2000);
    let over = derive(MAX_DERIVED + 1);
    let err = Pack::from_toml_str(&over, SCHEMA).expect_err("too many derived values");
    let e = err.errors().next().expect("an error");
    assert_eq!(e.code, "pack.limit");
    assert_eq!(
        e.message,
        format!(
            "the pack has {} derived values, more than the limit of {MAX_DERIVED}",
            MAX_DERIVED + 1
        )
    );
}

//! The cost limit (issue 15): a static estimate per expression at load, a runtime budget per
//! record, and bounded value sizes. Each case also runs under a time bound (`common::within_bound`), so a regression
//! to the unbounded behaviour (out of memory, minutes per record) fails here.

mod common;

use std::fmt::Write as _;

use saring::limits::{CostLimits, DEFAULT_STATIC_COST, MAX_RECORD_LIST_ITEMS};
use saring::{Decision, Engine, Pack, PackError};

use common::within_bound;

const SCHEMA: &str = "[field.name]\ntype = \"string\"\nrequired = true\n\
                      [field.age]\ntype = \"int\"\nrequired = true\n\
                      [field.tags]\ntype = \"list\"\nitems = \"string\"\n\
                      [field.codes]\ntype = \"list\"\nitems = \"int\"\nmax_items = 4000\n\
                      [field.legs]\ntype = \"list\"\nitems = \"object\"\nmax_items = 1000\n\
                      [field.legs.stops]\ntype = \"list\"\nitems = \"string\"\nmax_items = 1000\n";

/// A pack with the given rules (`(id, when)`) and derived values, plus a cheap rule `adult`.
fn pack(derive: &str, rules: &[(&str, &str)]) -> String {
    let mut pack = common::pack_header("cost", "Cost", 10, 20);
    if !derive.is_empty() {
        let _ = write!(pack, "[derive]\n{derive}");
    }
    for (id, when) in rules.iter().chain([&("adult", "age >= 18")]) {
        pack.push_str(&common::rule_toml(id, id, 10, when, "r"));
    }
    pack
}

fn compile(pack: &str, limits: CostLimits) -> Result<Engine, PackError> {
    Engine::compile_with_limits(&Pack::from_toml_str(pack, SCHEMA).expect("loads"), limits)
}

fn screen(engine: Engine, record: String) -> Decision {
    within_bound("screen", move || {
        engine.screen_json(&record).expect("screens")
    })
}

/// The `error` of incomplete rule `rule`.
fn error_of(d: &Decision, rule: &str) -> String {
    d.incomplete
        .iter()
        .find(|i| i.rule == rule)
        .and_then(|i| i.error.clone())
        .unwrap_or_else(|| panic!("`{rule}` is not incomplete with an error: {d:?}"))
}

fn hit_ids(d: &Decision) -> Vec<&str> {
    d.hits.iter().map(|h| h.rule.as_str()).collect()
}

#[test]
fn three_nested_comprehensions_over_long_lists_do_not_load() {
    let when = "legs.exists(a, legs.exists(b, legs.exists(c, a.stops == c.stops)))";
    let err = compile(&pack("", &[("nested", when)]), CostLimits::default())
        .expect_err("over the static limit");
    let e = err.errors().next().expect("an error");
    assert_eq!(e.code, "pack.cost_limit");
    assert_eq!(e.rule.as_deref(), Some("nested"));
    // Three levels of 1,000 items: about 1000³ × the innermost predicate.
    assert!(
        e.message.starts_with(
            "the condition of rule `nested` may cost up to 6003003002 units per record, \
             more than the limit of 100000000"
        ),
        "{}",
        e.message
    );
    assert!(e.help.as_deref().unwrap_or("").contains("max_items"));
}

#[test]
fn a_comprehension_over_a_named_list_squared_does_not_load() {
    let mut pack = pack(
        "",
        &[("squared", "big.exists(h, big.exists(k, h == k + name))")],
    );
    pack.push_str("[lists]\nbig = [");
    for i in 0..20_000 {
        let _ = write!(pack, "\"n{i}\",");
    }
    pack.push_str("]\n");
    let err = compile(&pack, CostLimits::default()).expect_err("over the static limit");
    assert_eq!(
        err.errors().next().map(|e| e.code.as_str()),
        Some("pack.cost_limit")
    );
    // One level over the same list loads and screens.
    let single = pack.replace(
        "big.exists(h, big.exists(k, h == k + name))",
        "big.exists(h, h == name)",
    );
    let engine = compile(&single, CostLimits::default()).expect("one level loads");
    let d = screen(engine, r#"{"name": "n19999", "age": 30}"#.to_string());
    assert_eq!(hit_ids(&d), ["squared", "adult"]);
}

#[test]
fn unbounded_record_lists_count_at_the_default_bound() {
    // `tags` declares no `max_items`: two levels over it are 10,000² iterations.
    let when = "tags.exists(a, tags.exists(b, a == b + name))";
    let err = compile(&pack("", &[("pairs", when)]), CostLimits::default())
        .expect_err("over the static limit");
    let e = err.errors().next().expect("an error");
    assert_eq!(e.code, "pack.cost_limit");
    assert!(e
        .message
        .contains(&format!("more than the limit of {DEFAULT_STATIC_COST}")));
    // A higher static limit lets it load; the runtime budget then stops it per record.
    let limits = CostLimits {
        static_cost: u64::MAX,
        runtime_cost: 100_000,
    };
    let engine = compile(&pack("", &[("pairs", when)]), limits).expect("loads");
    let tags: Vec<String> = (0..2000).map(|i| format!("\"t{i}\"")).collect();
    let record = format!(
        r#"{{"name": "x", "age": 30, "tags": [{}]}}"#,
        tags.join(",")
    );
    let d = screen(engine, record);
    assert!(
        error_of(&d, "pairs").starts_with(
            "cost_exceeded: evaluating this record needs more than its budget of 100000 cost units"
        ),
        "{d:?}"
    );
    // The cheap rule is still decided.
    assert_eq!(hit_ids(&d), ["adult"]);
}

#[test]
fn the_runtime_budget_stops_a_costly_record_and_spares_cheap_ones() {
    // Static: 4000 × (1 + 4000 × 5 + 2) + 2 ≈ 8e7, under the default limit; at run time
    // 4000² iterations are over a budget of a million units.
    let when = "codes.exists(a, codes.exists(b, a + b == 1))";
    let limits = CostLimits {
        runtime_cost: 1_000_000,
        ..CostLimits::default()
    };
    let engine = compile(&pack("", &[("pair", when)]), limits).expect("loads");
    assert_eq!(engine.limits(), limits);
    let codes: Vec<String> = (0..4000).map(|i| (i * 2).to_string()).collect();
    let costly = format!(
        r#"{{"name": "x", "age": 30, "codes": [{}]}}"#,
        codes.join(",")
    );
    let d = screen(engine.clone(), costly);
    assert!(error_of(&d, "pair").starts_with("cost_exceeded:"), "{d:?}");
    assert_eq!(hit_ids(&d), ["adult"]);
    // A short list is screened normally.
    let d = screen(
        engine,
        r#"{"name": "x", "age": 30, "codes": [0, 1]}"#.to_string(),
    );
    assert_eq!(hit_ids(&d), ["pair", "adult"]);
}

#[test]
fn repeated_replace_is_refused_before_it_allocates() {
    let mut expr = "name".to_string();
    for _ in 0..10 {
        expr = format!("{expr}.replace('a', 'aaaaaaaaaa')");
    }
    let when = format!("{expr}.size() > 0");
    let engine = compile(&pack("", &[("grow", &when)]), CostLimits::default()).expect("loads");
    let d = screen(engine, r#"{"name": "aaaaaaaaaa", "age": 30}"#.to_string());
    let error = error_of(&d, "grow");
    assert!(
        error.starts_with("value_too_large: the value would be ")
            || error.starts_with("cost_exceeded:"),
        "{error}"
    );
    assert_eq!(hit_ids(&d), ["adult"]);
}

#[test]
fn a_chain_of_doubling_derived_values_is_bounded() {
    let mut derive = "d_0 = \"name\"\n".to_string();
    for i in 1..40 {
        let _ = writeln!(derive, "d_{i} = \"d_{} + d_{}\"", i - 1, i - 1);
    }
    // Read by a rule: refused at the value-size limit.
    let engine = compile(
        &pack(&derive, &[("long", "d_39.size() > 0")]),
        CostLimits::default(),
    )
    .expect("loads");
    let d = screen(engine, r#"{"name": "abcdefgh", "age": 30}"#.to_string());
    let error = error_of(&d, "long");
    assert!(
        error.starts_with("value_too_large:") || error.starts_with("cost_exceeded:"),
        "{error}"
    );
    // Read by no rule: never computed (derived values are lazy).
    let engine = compile(&pack(&derive, &[]), CostLimits::default()).expect("loads");
    let d = screen(engine, r#"{"name": "abcdefgh", "age": 30}"#.to_string());
    assert_eq!(hit_ids(&d), ["adult"]);
    assert!(d.incomplete.is_empty());
}

#[test]
fn a_list_longer_than_max_items_is_an_invalid_field() {
    let engine = compile(
        &pack("", &[("coded", "codes.exists(c, c == 7)")]),
        CostLimits::default(),
    )
    .expect("loads");
    let codes: Vec<String> = (0..4001).map(|i| i.to_string()).collect();
    let d = screen(
        engine.clone(),
        format!(
            r#"{{"name": "x", "age": 30, "codes": [{}]}}"#,
            codes.join(",")
        ),
    );
    assert_eq!(d.invalid.len(), 1, "{d:?}");
    assert_eq!(d.invalid[0].code, "record.too_many_items");
    assert_eq!(d.invalid[0].path, "codes");
    assert_eq!(
        d.invalid[0].message,
        "list `codes` has 4001 items, more than the limit of 4000 (`max_items` in the schema)"
    );
    assert_eq!(
        d.incomplete
            .iter()
            .map(|i| i.rule.as_str())
            .collect::<Vec<_>>(),
        ["coded"]
    );
    assert_eq!(hit_ids(&d), ["adult"]);
    // An undeclared list is bounded by the default.
    let engine = compile(
        &pack("", &[("tagged", "tags.exists(t, t == 'x')")]),
        CostLimits::default(),
    )
    .expect("loads");
    let tags = vec!["\"y\""; MAX_RECORD_LIST_ITEMS + 1].join(",");
    let d = screen(
        engine,
        format!(r#"{{"name": "x", "age": 30, "tags": [{tags}]}}"#),
    );
    assert_eq!(d.invalid[0].code, "record.too_many_items");
}

#[test]
fn max_items_must_be_a_positive_count_on_a_list() {
    let pack_text = pack("", &[]);
    for (schema, message) in [
        (
            "[field.name]\ntype = \"string\"\nmax_items = 3\n[field.age]\ntype = \"int\"\n",
            "key `max_items` does not apply to field `name`",
        ),
        (
            "[field.name]\ntype = \"list\"\nitems = \"string\"\nmax_items = 0\n[field.age]\ntype = \"int\"\n",
            "`max_items` of field `name` is 0",
        ),
    ] {
        let err = Pack::from_toml_str(&pack_text, schema).expect_err("refused");
        let messages: Vec<String> = err.errors().map(|e| e.message.clone()).collect();
        assert!(messages.iter().any(|m| m == message), "{messages:?}");
    }
}

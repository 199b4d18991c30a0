//! Two-variable comprehensions (cel-go's `TwoVarComprehensions`) in packs: what they decide
//! over records, and how they follow saring's missing-data rule (an absent field makes a
//! rule incomplete unless the comprehension is decided without it, exactly as the
//! one-variable macros do).

use saring::Engine;

mod common;

const SCHEMA: &str = r#"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
required = true
[field.legs.days]
type = "int"
[field.docs]
type = "list"
items = "string"
"#;

fn engine(rules: &[(&str, &str)]) -> Engine {
    let mut pack = format!(
        "{}[lists]\nhotspot = [\"KH\", \"MM\"]\n[derive]\nroute = \"legs.transformList(i, l, string(i) + ':' + l.country)\"\n",
        common::pack_header("c", "C", 1, 100)
    );
    for (id, when) in rules {
        pack.push_str(&common::rule_toml(id, "T", 1, when, "{route}"));
    }
    common::compile(&pack, SCHEMA)
}

/// (hits, incomplete rules with their missing paths) of one record.
fn screen(e: &Engine, record: serde_json::Value) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let d = e.screen_value(&record).expect("record decodes");
    (
        d.hits.iter().map(|h| h.rule.clone()).collect(),
        d.incomplete
            .iter()
            .map(|i| (i.rule.clone(), i.missing.clone()))
            .collect(),
    )
}

#[test]
fn index_and_item_are_bound() {
    let e = engine(&[
        (
            "later_hotspot",
            "legs.exists(i, l, i > 0 && l.country in hotspot)",
        ),
        (
            "first_hotspot",
            "legs.exists(i, l, i == 0 && l.country in hotspot)",
        ),
        ("one_hotspot", "legs.existsOne(i, l, l.country in hotspot)"),
        (
            "ordered",
            "legs.all(i, l, i == 0 || l.country != legs[i - 1].country)",
        ),
    ]);
    let record = serde_json::json!({"legs": [{"country": "TH"}, {"country": "KH"}]});
    let (hits, incomplete) = screen(&e, record);
    assert_eq!(hits, ["later_hotspot", "one_hotspot", "ordered"]);
    assert!(incomplete.is_empty());
    let record = serde_json::json!({"legs": [{"country": "KH"}, {"country": "KH"}]});
    let (hits, _) = screen(&e, record);
    assert_eq!(hits, ["later_hotspot", "first_hotspot"]);
}

#[test]
fn a_missing_field_makes_the_rule_incomplete_unless_decided_without_it() {
    let e = engine(&[
        ("long", "legs.exists(i, l, l.days > 30)"),
        ("all_short", "legs.all(i, l, l.days < 30)"),
        (
            "long_stays",
            "size(legs.transformMap(i, l, l.days > 30, l.country)) > 0",
        ),
    ]);
    // The second leg has no `days`.
    let partial = serde_json::json!({"legs": [{"country": "TH", "days": 3}, {"country": "KH"}]});
    let (hits, incomplete) = screen(&e, partial);
    assert!(hits.is_empty(), "{hits:?}");
    let missing = vec!["legs[].days".to_string()];
    assert_eq!(
        incomplete,
        [
            ("long".to_string(), missing.clone()),
            ("all_short".to_string(), missing.clone()),
            ("long_stays".to_string(), missing),
        ]
    );
    // A decisive item wins over the missing value, before or after it.
    let decided = serde_json::json!({"legs": [{"country": "KH"}, {"country": "TH", "days": 40}]});
    let (hits, incomplete) = screen(&e, decided);
    assert_eq!(hits, ["long"]);
    assert_eq!(
        incomplete
            .iter()
            .map(|(r, _)| r.as_str())
            .collect::<Vec<_>>(),
        ["long_stays"]
    );
    // `all` is decided by a false item, whatever its position.
    let decided = serde_json::json!({"legs": [{"country": "KH"}, {"country": "TH", "days": 40}]});
    let d = e.screen_value(&decided).expect("record decodes");
    assert!(d.incomplete.iter().all(|i| i.rule != "all_short"));
}

#[test]
fn transforms_build_values_that_rules_and_reasons_use() {
    let e = engine(&[
        ("route_seen", "route == ['0:TH', '1:KH']"),
        (
            "by_country",
            "legs.transformMapEntry(i, l, {l.country: i})['KH'] == 1",
        ),
        (
            "docs_indexed",
            "docs.transformMap(i, d, d.upperAscii()) == {0: 'VISA', 1: 'CONTRACT'}",
        ),
    ]);
    let record = serde_json::json!({
        "legs": [{"country": "TH"}, {"country": "KH"}],
        "docs": ["visa", "contract"],
    });
    let d = e.screen_value(&record).expect("record decodes");
    let hits: Vec<(&str, &str)> = d
        .hits
        .iter()
        .map(|h| (h.rule.as_str(), h.reason.as_str()))
        .collect();
    assert_eq!(
        hits,
        [
            ("route_seen", "[0:TH, 1:KH]"),
            ("by_country", "[0:TH, 1:KH]"),
            ("docs_indexed", "[0:TH, 1:KH]"),
        ]
    );
    // A repeated entry key is a runtime error (the rule is incomplete with it), as in cel-go.
    let record = serde_json::json!({"legs": [{"country": "KH"}, {"country": "KH"}], "docs": []});
    let d = e.screen_value(&record).expect("record decodes");
    let error = d
        .incomplete
        .iter()
        .find(|i| i.rule == "by_country")
        .and_then(|i| i.error.clone());
    assert_eq!(
        error.as_deref(),
        Some("insert failed: key KH already exists")
    );
}

#[test]
fn lists_extension_over_record_lists() {
    let e = engine(&[
        (
            "first_by_name",
            "legs.sortBy(l, l.country)[0].country == 'KH'",
        ),
        (
            "repeated",
            "size(legs.transformList(i, l, l.country).distinct()) < size(legs)",
        ),
        ("longest", "legs.sortBy(l, -l.days)[0].country in hotspot"),
        (
            "later_legs",
            "legs.slice(1, size(legs)).exists(l, l.country in hotspot)",
        ),
    ]);
    let record = serde_json::json!({"legs": [
        {"country": "TH", "days": 2}, {"country": "KH", "days": 40}, {"country": "TH", "days": 1}
    ]});
    let (hits, incomplete) = screen(&e, record);
    assert_eq!(hits, ["first_by_name", "repeated", "longest", "later_legs"]);
    assert!(incomplete.is_empty());
    // A sort key that needs a missing field makes the rule incomplete with its path.
    let record = serde_json::json!({"legs": [{"country": "TH", "days": 2}, {"country": "KH"}]});
    let (_, incomplete) = screen(&e, record);
    assert_eq!(
        incomplete,
        [("longest".to_string(), vec!["legs[].days".to_string()])]
    );
    // Slicing past the end is an error naming the list's length, as in cel-go.
    let e = engine(&[("bad", "legs.slice(0, 5) == []")]);
    let d = e
        .screen_value(&serde_json::json!({"legs": [{"country": "TH"}]}))
        .expect("record decodes");
    assert_eq!(
        d.incomplete[0].error.as_deref(),
        Some("cannot slice(0, 5), list is length 1")
    );
}

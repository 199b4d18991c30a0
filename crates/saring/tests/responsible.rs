//! Responsible screening on the decision side: monitored-use justifications and their
//! register, proxy reads of fields that `encode` personal attributes, indicator families and
//! caps, `max_score` and the `incomplete` outcome with its questions, per-language texts.

use std::collections::BTreeMap;

use proptest::prelude::*;
use saring::backtest::{Backtest, BacktestConfig};
use saring::{Diagnostic, Engine, Outcome, Pack, PackError};
use serde_json::json;

const SCHEMA: &str = r#"
[field.destination]
type = "string"
required = true
question = { en = "Where are you going?", id = "Anda akan pergi ke mana?" }
[field.return_ticket]
type = "bool"
required = true
question = { en = "Do you have a return ticket?", id = "Apakah Anda punya tiket pulang?" }
[field.overland]
type = "bool"
required = true
description = "Officer: an overland leg was declared"
[field.paid_by]
type = "enum"
values = ["self", "recruiter"]
required = true
[field.agent]
type = "bool"
required = true
[field.nik]
type = "string"
required = true
encodes = ["sex", "birth_date"]
[field.other_nik]
type = "string"
[field.members]
type = "list"
items = "object"
[field.members.nik]
type = "string"
encodes = ["sex", "birth_date"]
[field.members.name]
type = "string"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
[field.sex]
type = "enum"
values = ["f", "m"]
required = true
monitored = true
[field.birth_date]
type = "date"
monitored = true
[field.event_date]
type = "date"
"#;

const JUSTIFIED: &str = r#"uses_monitored = { why = "legal eligibility: the minimum age for migrant work is eighteen", references = ["synthetic statute art. 5"], approved_by = "test data-protection officer" }"#;

fn header(outcomes: &str, meta: &str) -> String {
    format!(
        "[pack]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\nschema = \"schema.toml\"\n{meta}\n\
         [outcomes]\nreview = 30\nrefer = 60\n{outcomes}\n[lists]\nhub = [\"KH\", \"MM\"]\n\
         watch = [\"3201054512990003\"]\n"
    )
}

fn rule(id: &str, weight: i64, when: &str, extra: &str) -> String {
    format!(
        "\n[[rule]]\nid = \"{id}\"\ntitle = \"Rule {id}\"\nweight = {weight}\nwhen = '''{when}'''\n\
         reason = \"reason {id}\"\nremedy = \"remedy {id}\"\nreferences = [\"t\"]\n{extra}\n"
    )
}

fn load(pack: &str) -> Result<Pack, PackError> {
    Pack::from_toml_str(pack, SCHEMA)
}

fn compile(pack: &str) -> Engine {
    let pack = load(pack).unwrap_or_else(|e| panic!("{}", e.render()));
    Engine::compile(&pack).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The error diagnostics of a pack that must not load or compile.
fn errors(pack: &str) -> Vec<Diagnostic> {
    let err = match load(pack).and_then(|p| Engine::compile(&p)) {
        Ok(_) => panic!("pack unexpectedly loaded:\n{pack}"),
        Err(e) => e,
    };
    err.errors().cloned().collect()
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

fn proxy_warnings(engine: &Engine) -> Vec<String> {
    engine
        .warnings()
        .iter()
        .filter(|d| d.code == "pack.proxy_field")
        .map(|d| d.message.clone())
        .collect()
}

// ---------------------------------------------------------------- uses_monitored

#[test]
fn a_plain_string_justification_is_an_error_showing_the_table_form() {
    let d = errors(&format!(
        "{}{}",
        header("", ""),
        rule("r", 10, "sex == 'f'", "uses_monitored = \"because\"")
    ));
    assert_eq!(codes(&d), ["pack.monitored_justification"]);
    assert_eq!(
        d[0].message,
        "`uses_monitored` of rule `r` must be a table, found a plain string (`because`)"
    );
    assert!(d[0]
        .help
        .as_deref()
        .is_some_and(|h| h.contains("uses_monitored = { why = ") && h.contains("approved_by")));
}

#[test]
fn placeholder_justifications_are_rejected() {
    for why in [
        "because",
        "x",
        "todo",
        "legal reason",
        "TODO: write the legal basis later",
        "n/a",
        "because because because",
    ] {
        let extra = format!(
            "uses_monitored = {{ why = \"{why}\", references = [\"t\"], approved_by = \"DPO\" }}"
        );
        let d = errors(&format!(
            "{}{}",
            header("", ""),
            rule("r", 10, "sex == 'f'", &extra)
        ));
        assert_eq!(codes(&d), ["pack.monitored_justification"], "{why}");
        assert_eq!(
            d[0].message,
            format!("`why = \"{why}\"` of rule `r` is not a justification"),
            "{why}"
        );
    }
}

#[test]
fn a_justification_needs_a_reference_and_an_approver() {
    let why = "why = \"legal eligibility: the minimum age for migrant work\"";
    let d = errors(&format!(
        "{}{}",
        header("", ""),
        rule(
            "r",
            10,
            "sex == 'f'",
            &format!("uses_monitored = {{ {why}, references = [] }}")
        )
    ));
    let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "missing key `approved_by` in `uses_monitored` of rule `r`",
            "`uses_monitored` of rule `r` cites no reference",
        ]
    );
    let d = errors(&format!(
        "{}{}",
        header("", ""),
        rule(
            "r",
            10,
            "sex == 'f'",
            &format!("uses_monitored = {{ {why}, references = [\"t\"], approved_by = \"tbd\" }}")
        )
    ));
    assert_eq!(
        d[0].message,
        "`uses_monitored` of rule `r` has no approver (`approved_by = \"tbd\"`)"
    );
}

proptest! {
    /// Any justification of at most two words is a placeholder, whatever the words.
    #[test]
    fn two_words_never_justify(a in "[A-Za-z]{1,12}", b in proptest::option::of("[A-Za-z]{1,12}")) {
        let why = match &b { Some(b) => format!("{a} {b}"), None => a.clone() };
        let extra = format!(
            "uses_monitored = {{ why = \"{why}\", references = [\"t\"], approved_by = \"DPO\" }}"
        );
        let d = errors(&format!("{}{}", header("", ""), rule("r", 10, "sex == 'f'", &extra)));
        prop_assert_eq!(codes(&d), vec!["pack.monitored_justification"]);
    }
}

#[test]
fn the_monitored_register_lists_every_use_with_its_justification() {
    let engine = compile(&format!(
        "{}[derive]\nage = \"years_between(birth_date, event_date)\"\n{}{}{}",
        header("", ""),
        rule("minor", 40, "age < 18", JUSTIFIED),
        rule("plain", 10, "!return_ticket", ""),
        rule("by_sex", 0, "sex == 'f' && !return_ticket", JUSTIFIED),
    ));
    let register = engine.monitored_register();
    let rules: Vec<(&str, Vec<String>)> = register
        .iter()
        .map(|u| (u.rule.as_str(), u.fields.clone()))
        .collect();
    assert_eq!(
        rules,
        [
            ("minor", vec!["birth_date".to_string()]),
            ("by_sex", vec!["sex".to_string()]),
        ]
    );
    for u in register {
        assert_eq!(
            u.why,
            "legal eligibility: the minimum age for migrant work is eighteen"
        );
        assert_eq!(u.references, ["synthetic statute art. 5"]);
        assert_eq!(u.approved_by, "test data-protection officer");
    }
    let json = serde_json::to_value(&register[0]).expect("json");
    assert_eq!(json["approved_by"], "test data-protection officer");
}

// ---------------------------------------------------------------- encodes: proxy reads

fn proxies_of(when: &str) -> Vec<String> {
    proxy_warnings(&compile(&format!(
        "{}{}",
        header("", ""),
        rule("r", 10, when, "")
    )))
}

#[test]
fn the_nik_digits_rule_is_caught() {
    assert_eq!(
        proxies_of("int(nik.substring(6, 8)) > 40"),
        ["rule `r` reads `nik`, which encodes `sex`, `birth_date`, through `substring()`"]
    );
}

#[test]
fn taking_the_value_apart_is_a_proxy_read() {
    for (when, how) in [
        ("int(nik) > 3200000000000000", "`int()`"),
        ("nik.startsWith('32')", "`startsWith()`"),
        ("nik.endsWith('0003')", "`endsWith()`"),
        ("nik.contains('45')", "`contains()`"),
        ("nik > '3300'", "`>`"),
        (
            "nik.matches('^.{6}[4-7]')",
            "`matches()` with a pattern that is not an anchored literal (`^...$`)",
        ),
        ("record.nik.trim().substring(0, 2) == '32'", "`substring()`"),
        (
            "(agent ? nik : '').substring(6, 8) == '45'",
            "`substring()`",
        ),
        (
            "members.exists(m, m.nik.substring(6, 8) == '45')",
            "`substring()`",
        ),
        // The item of a two-variable comprehension is the list item.
        (
            "members.exists(i, m, i > 0 && m.nik.substring(6, 8) == '45')",
            "`substring()`",
        ),
        (
            "members.transformList(i, m, m.nik).exists(n, n.startsWith('32'))",
            "`startsWith()`",
        ),
        (
            "members.transformList(i, m, m.nik).sortBy(n, n.size()).exists(n, n.endsWith('3'))",
            "`endsWith()`",
        ),
        ("members.sortBy(m, m.nik)[0].name == 'a'", "`sortBy()`"),
        (
            "members.transformList(i, m, m.nik).sort()[0] == ''",
            "`sort()`",
        ),
        ("nik.split('').size() > 3", "`split()`"),
    ] {
        let found = proxies_of(when);
        assert_eq!(found.len(), 1, "{when}: {found:?}");
        assert!(
            found[0].ends_with(&format!("through {how}")),
            "{when}: {found:?}"
        );
    }
}

#[test]
fn whole_value_checks_are_allowed() {
    for when in [
        "!nik.matches('^[0-9]{6}(0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{6}$')",
        "matches(nik, '^[0-9]{16}$')",
        "size(nik) != 16 || nik.size() != 16",
        "nik in watch",
        "has(record.other_nik) && nik != other_nik",
        "nik.trim() == '3201054512990003'",
        "members.exists(m, has(m.nik) && m.nik == nik)",
        // A macro variable named like the field is not the field.
        "legs.exists(nik, nik.country == 'KH')",
        "members.exists(i, m, has(m.nik) && m.nik == nik)",
        "members.exists(nik, m, nik > 0 && m.nik in watch)",
    ] {
        assert_eq!(proxies_of(when), Vec::<String>::new(), "{when}");
    }
}

#[test]
fn a_derived_value_that_takes_the_nik_apart_is_reported_with_the_rules_reading_it() {
    let engine = compile(&format!(
        "{}[derive]\nnik_day = \"int(nik.substring(6, 8))\"\nwhole = \"nik.trim()\"\n{}{}",
        header("", ""),
        rule("by_day", 10, "nik_day > 40", ""),
        rule("by_alias", 10, "whole.substring(0, 2) == '32'", ""),
    ));
    assert_eq!(
        proxy_warnings(&engine),
        [
            "derived value `nik_day` reads `nik`, which encodes `sex`, `birth_date`, through `substring()`",
            "rule `by_day` reads derived value `nik_day`, which takes apart `nik` (it encodes `sex`, `birth_date`)",
            "rule `by_alias` reads `nik`, which encodes `sex`, `birth_date`, through `substring()`",
        ]
    );
    let d = engine
        .warnings()
        .iter()
        .find(|d| d.rule.as_deref() == Some("by_day"))
        .expect("warning on the rule");
    assert!(d
        .help
        .as_deref()
        .is_some_and(|h| h.contains("matches('^...$')")));
    assert!(d.line.is_some() && d.column.is_some());
}

// ---------------------------------------------------------------- families

fn families_pack(outcomes: &str) -> String {
    format!(
        "{}{}{}{}{}",
        header(outcomes, ""),
        rule("hub", 20, "destination in hub", "family = \"itinerary\""),
        rule("one_way", 25, "!return_ticket", "family = \"itinerary\""),
        rule("overland", 35, "overland", "family = \"itinerary\""),
        rule(
            "recruiter",
            35,
            "paid_by == 'recruiter'",
            "family = \"recruitment\""
        ),
    )
}

fn record(extra: serde_json::Value) -> serde_json::Value {
    let mut r = json!({
        "destination": "JP", "return_ticket": true, "overland": false, "paid_by": "self",
        "agent": false, "nik": "3201054512990003", "sex": "f"
    });
    if let (Some(r), Some(extra)) = (r.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                r.remove(k);
            } else {
                r.insert(k.clone(), v.clone());
            }
        }
    }
    r
}

#[test]
fn a_family_adds_at_most_its_cap_and_refer_needs_two_families() {
    let engine = compile(&families_pack(
        "family_cap = { itinerary = 40 }\nrefer_min_families = 2",
    ));
    let d = engine
        .screen_value(&record(
            json!({"destination": "KH", "return_ticket": false, "overland": true}),
        ))
        .unwrap();
    assert_eq!(
        (d.outcome, d.score, d.families.clone()),
        (
            Outcome::Review,
            40,
            BTreeMap::from([("itinerary".to_string(), 40)])
        )
    );
    assert_eq!(d.hits.len(), 3, "every hit is still listed");
    let d = engine
        .screen_value(&record(
            json!({"destination": "KH", "return_ticket": false, "paid_by": "recruiter"}),
        ))
        .unwrap();
    assert_eq!((d.outcome, d.score), (Outcome::Refer, 75));
    // Without the family requirement the capped score alone decides.
    let uncapped = compile(&families_pack(""));
    let d = uncapped
        .screen_value(&record(
            json!({"destination": "KH", "return_ticket": false, "overland": true}),
        ))
        .unwrap();
    assert_eq!((d.outcome, d.score), (Outcome::Refer, 80));
}

#[test]
fn family_configuration_errors() {
    let d = errors(&families_pack("family_cap = { itinerery = 40 }"));
    assert_eq!(codes(&d), ["pack.unknown_family"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `itinerary`?"));
    let d = errors(&families_pack("family_cap = { itinerary = 0 }"));
    assert_eq!(d[0].message, "the cap of family `itinerary` is 0");
    let d = errors(&families_pack("refer_min_families = 3"));
    assert_eq!(
        d[0].message,
        "`refer` needs hits from 3 families, but the rules declare 2"
    );
    let d = errors(&format!(
        "{}{}",
        families_pack("refer_min_families = 2"),
        rule("no_family", 10, "agent", "")
    ));
    assert_eq!(codes(&d), ["pack.missing_family"]);
    assert_eq!(d[0].rule.as_deref(), Some("no_family"));
    let d = errors(&format!(
        "{}{}",
        families_pack(""),
        rule("bad", 10, "agent", "family = \"two words\"")
    ));
    assert_eq!(codes(&d), ["pack.invalid_name"]);
}

// ---------------------------------------------------------------- max_score, incomplete

#[test]
fn max_score_and_the_incomplete_outcome() {
    let report = compile(&families_pack("family_cap = { itinerary = 40 }"));
    let outcome = compile(&families_pack(
        "family_cap = { itinerary = 40 }\nincomplete = \"outcome\"",
    ));
    let missing = record(json!({"return_ticket": null, "paid_by": null}));
    let d = report.screen_value(&missing).unwrap();
    assert_eq!((d.outcome, d.score, d.max_score), (Outcome::Clear, 0, 60));
    let d = outcome.screen_value(&missing).unwrap();
    assert_eq!(
        (d.outcome, d.score, d.max_score),
        (Outcome::Incomplete, 0, 60)
    );
    assert_eq!(d.outcome.as_str(), "incomplete");
    let questions: Vec<(&str, Vec<String>)> = d
        .questions
        .iter()
        .map(|q| (q.question.as_str(), q.fields.clone()))
        .collect();
    assert_eq!(
        questions,
        [
            (
                "Do you have a return ticket?",
                vec!["return_ticket".to_string()]
            ),
            ("paid_by", vec!["paid_by".to_string()]),
        ]
    );
    // The unexplained summary agrees.
    let rec = outcome.decode_value(&missing, Default::default()).unwrap();
    let s = outcome.screen_summary(&rec);
    assert_eq!(
        (s.outcome, s.score, s.max_score),
        (Outcome::Incomplete, 0, 60)
    );
    // A field without a question is asked by its description.
    let d = outcome
        .screen_value(&record(json!({"overland": null})))
        .unwrap();
    assert_eq!((d.outcome, d.max_score), (Outcome::Incomplete, 35));
    assert_eq!(
        d.questions[0].question,
        "Officer: an overland leg was declared"
    );
    // Missing data that cannot reach review leaves a clear (with its question).
    let d = outcome
        .screen_value(&record(json!({"destination": null})))
        .unwrap();
    assert_eq!((d.outcome, d.max_score), (Outcome::Clear, 20));
    assert_eq!(d.questions[0].question, "Where are you going?");
    // Ordered for "needs attention": flagged means review or above.
    assert!(Outcome::Clear < Outcome::Incomplete && Outcome::Incomplete < Outcome::Review);
    assert_eq!(
        serde_json::to_value(d.outcome).unwrap(),
        json!("clear"),
        "outcomes serialise lowercase"
    );
}

#[test]
fn shadow_rules_ask_no_questions_and_add_nothing_to_max_score() {
    let engine = compile(&format!(
        "{}{}",
        header("incomplete = \"outcome\"", ""),
        rule("shadow", 50, "!return_ticket", "status = \"shadow\""),
    ));
    let d = engine
        .screen_value(&record(json!({"return_ticket": null})))
        .unwrap();
    assert_eq!((d.outcome, d.max_score), (Outcome::Clear, 0));
    assert_eq!(d.incomplete.len(), 1);
    assert!(d.questions.is_empty());
}

#[test]
fn the_backtest_counts_incomplete_as_not_flagged_and_rescores_with_caps() {
    let engine = compile(&families_pack(
        "family_cap = { itinerary = 40 }\nincomplete = \"outcome\"",
    ));
    let mut bt = Backtest::new(BacktestConfig::from_pack(engine.pack()));
    let rows = [
        (json!({"destination": "KH", "return_ticket": false}), true), // itinerary 45 → 40
        (json!({"return_ticket": null, "paid_by": null}), true),      // incomplete
        (json!({}), false),                                           // clear
    ];
    for (extra, label) in rows {
        let d = engine.screen_value(&record(extra)).unwrap();
        bt.add(&d, label, &[]);
    }
    let r = bt.finish();
    assert_eq!(
        (
            r.outcomes.clear,
            r.outcomes.incomplete,
            r.outcomes.review,
            r.outcomes.refer
        ),
        (1, 1, 1, 0)
    );
    assert_eq!((r.thresholds[0].tp, r.thresholds[0].fn_), (1, 1));
    // Without `hub` the record still scores 25 (< 30) under the cap: hub's removal loses the
    // review, as does one_way's; either rule alone is marginal.
    let by_rule: BTreeMap<&str, Option<i64>> = r
        .rules
        .iter()
        .map(|m| (m.rule.as_str(), m.marginal_flags))
        .collect();
    assert_eq!(by_rule["hub"], Some(1));
    assert_eq!(by_rule["one_way"], Some(1));
}

// ---------------------------------------------------------------- languages

const LANGS: &str = "languages = [\"id\", \"en\"]\ndefault_language = \"en\"";

fn bilingual_pack() -> String {
    format!(
        "{}\n[[rule]]\nid = \"one_way\"\ntitle = {{ en = \"One way to a hub\", id = \"Sekali jalan ke pusat penipuan\" }}\n\
         weight = 30\nwhen = \"destination in hub && !return_ticket\"\nreferences = [\"t\"]\n\
         reason = {{ en = \"No return ticket to {{destination}}\", id = \"Tidak ada tiket pulang ke {{destination}}\" }}\n\
         remedy = {{ en = \"Show a return ticket\", id = \"Tunjukkan tiket pulang\" }}\n",
        header("incomplete = \"outcome\"", LANGS)
    )
}

#[test]
fn texts_render_in_the_engine_language() {
    let en = compile(&bilingual_pack());
    assert_eq!(en.language(), Some("en"));
    assert_eq!(en.languages(), ["id", "en"]);
    let id = en.with_language("id").unwrap();
    let rec = record(json!({"destination": "KH", "return_ticket": false}));
    let (d_en, d_id) = (
        en.screen_value(&rec).unwrap(),
        id.screen_value(&rec).unwrap(),
    );
    assert_eq!(d_en.hits[0].reason, "No return ticket to KH");
    assert_eq!(d_id.hits[0].reason, "Tidak ada tiket pulang ke KH");
    assert_eq!(
        d_id.hits[0].remedy.as_deref(),
        Some("Tunjukkan tiket pulang")
    );
    assert_eq!(id.rules()[0].title, "Sekali jalan ke pusat penipuan");
    assert_eq!(en.rules()[0].title, "One way to a hub");
    let x = id.explain(&id.decode_value(&rec, Default::default()).unwrap());
    assert_eq!(x.rules[0].title, "Sekali jalan ke pusat penipuan");
    assert_eq!(x.rules[0].reason, "Tidak ada tiket pulang ke KH");
    // Scores do not depend on the language.
    assert_eq!((d_en.outcome, d_en.score), (d_id.outcome, d_id.score));
    let missing = record(json!({"return_ticket": null, "destination": "KH"}));
    assert_eq!(
        id.screen_value(&missing).unwrap().questions[0].question,
        "Apakah Anda punya tiket pulang?"
    );
}

#[test]
fn unknown_languages_are_errors() {
    let en = compile(&bilingual_pack());
    let e = en.with_language("fr").unwrap_err();
    assert_eq!(e.code, "pack.unknown_language");
    assert_eq!(
        e.to_string(),
        "the pack has no texts in `fr`; its languages are `id`, `en`"
    );
    let plain = compile(&families_pack(""));
    assert_eq!(plain.language(), None);
    assert!(plain
        .with_language("id")
        .unwrap_err()
        .to_string()
        .starts_with("the pack declares no languages"));
    let d = errors(&format!(
        "{}{}",
        header(
            "",
            "languages = [\"id\", \"en\"]\ndefault_language = \"de\""
        ),
        rule("r", 10, "agent", "")
    ));
    assert_eq!(codes(&d), ["pack.unknown_language"]);
    let d = errors(&format!(
        "{}{}",
        header("", ""),
        rule("r", 10, "agent", "question = { id = \"Ada agen?\" }")
    ));
    assert_eq!(codes(&d), ["pack.unknown_language"]);
    assert_eq!(
        d[0].help.as_deref(),
        Some("declare the languages in `[pack]`: `languages = [\"id\"]`")
    );
    let d = errors(&format!(
        "{}{}",
        header("", "languages = [\"id\", \"Indonesian\"]"),
        rule("r", 10, "agent", "")
    ));
    assert_eq!(d[0].message, "`Indonesian` is not a language code");
}

#[test]
fn a_missing_language_is_a_warning_naming_it() {
    let pack = load(&format!(
        "{}{}",
        header("", LANGS),
        rule("r", 10, "agent", "").replace(
            "reason = \"reason r\"",
            "reason = { en = \"An agent\", id = \"Ada agen\" }"
        )
    ))
    .unwrap();
    let warnings: Vec<&str> = pack
        .warnings
        .iter()
        .filter(|d| d.code == "pack.missing_language")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        warnings,
        ["the `remedy` of rule `r` is one text for all languages; the pack declares `id`, `en`"]
    );
}

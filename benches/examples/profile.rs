//! A loop for profilers (`perf record`, callgrind): screens the benchmark records over and
//! over. `cargo run --release -p saring-benches --example profile -- MODE [N]`, MODE one of
//! `decoded` (`screen` on decoded records), `summary` (`screen_summary`), `json`
//! (`screen_json`), `decode` (`decode_json`), `handwritten` (the hand-written `if`s on
//! pre-parsed structs), `handwritten_e2e` (serde struct + `if`s from the JSON line), `per_rule`,
//! `per_rule_eval`. N rounds over 1,000 records (default 200).

use std::hint::black_box;

use saring::DecodeOptions;
use saring::{Engine, Pack, Record};
use saring_benches::data::{departures, json_lines};
use saring_benches::handwritten;
use saring_benches::pack::{engine, pack_toml_with, RuleSpec, RULES, SCHEMA_TOML};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "decoded".to_string());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let engine = engine().unwrap_or_else(|e| panic!("{e:?}"));
    let lines = json_lines(1_000);
    let records: Vec<_> = saring_benches::data::decode_all(&engine, &lines);
    if mode == "per_rule" || mode == "per_rule_eval" {
        per_rule(&lines, rounds, mode == "per_rule_eval");
        return;
    }
    // Parsed once outside the loop, as `records` is (what `handwritten_eval` times).
    let structs = departures(lines.len());
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        match mode.as_str() {
            "handwritten" => structs.iter().for_each(|d| {
                black_box(handwritten::screen(black_box(d)));
            }),
            "handwritten_e2e" => lines.iter().for_each(|l| {
                black_box(handwritten::screen_json(l).ok());
            }),
            "json" => lines.iter().for_each(|l| {
                black_box(engine.screen_json(l).ok());
            }),
            "summary" => records.iter().for_each(|r| {
                black_box(engine.screen_summary(r));
            }),
            "decode" => lines.iter().for_each(|l| {
                black_box(engine.decode_json(l, DecodeOptions::default()).ok());
            }),
            _ => records.iter().for_each(|r| {
                black_box(engine.screen(r));
            }),
        }
    }
    let per = start.elapsed() / (rounds * lines.len()) as u32;
    eprintln!("{mode}: {per:?} per record");
}

/// Time of `screen` with a pack of the given rules.
fn time_pack(lines: &[String], rules: &[RuleSpec], rounds: usize) -> std::time::Duration {
    let pack = Pack::from_toml_str(&pack_toml_with(rules), SCHEMA_TOML)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let engine = Engine::compile(&pack).unwrap_or_else(|e| panic!("{e:?}"));
    let records: Vec<Record> = saring_benches::data::decode_all(&engine, lines);
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        records.iter().for_each(|r| {
            black_box(engine.screen(r));
        });
    }
    start.elapsed() / (rounds * records.len()) as u32
}

/// Screens with a pack of one trivial rule, then adds each rule alone to it. With
/// `eval_only`, each condition becomes `(when) && false`: evaluated, never a hit or incomplete.
fn per_rule(lines: &[String], rounds: usize, eval_only: bool) {
    let mut base_rule = RULES[1];
    base_rule.id = "base";
    base_rule.when = "false";
    let base = time_pack(lines, &[base_rule], rounds);
    eprintln!("{:<28} {base:>10.2?}", "(one rule `false`)");
    let mut total = std::time::Duration::ZERO;
    for (i, rule) in RULES.iter().enumerate() {
        let mut rule = *rule;
        if eval_only {
            rule.when = Box::leak(format!("({}) && false", rule.when).into_boxed_str());
        }
        let rules: Vec<RuleSpec> = if i == 24 {
            vec![base_rule, RULES[0], RULES[1], rule]
        } else {
            vec![base_rule, rule]
        };
        let t = time_pack(lines, &rules, rounds);
        eprintln!(
            "{:<28} {:>10.2?} (+{:.2?})",
            rule.id,
            t,
            t.saturating_sub(base)
        );
        total += t.saturating_sub(base);
    }
    eprintln!("sum of the increments: {total:.2?}");
}

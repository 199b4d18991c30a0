//! The engine and the handwritten baseline must agree, or the comparison means nothing.

use crate::data::{departures, json_lines};
use crate::handwritten::{self, HandDecision};
use crate::pack::{engine, RULES};
use saring::Outcome;

#[test]
fn generator_is_deterministic() {
    assert_eq!(json_lines(50), json_lines(50));
}

#[test]
fn pack_has_25_rules_and_compiles() {
    let engine = engine().unwrap_or_else(|e| panic!("pack does not compile: {e:?}"));
    assert_eq!(engine.rules().len(), 25);
    assert_eq!(RULES.len(), 25);
}

#[test]
fn handwritten_agrees_with_engine() {
    let engine = engine().unwrap_or_else(|e| panic!("pack does not compile: {e:?}"));
    let records = departures(2_000);
    let lines = json_lines(2_000);
    let mut fired = [0usize; 25];
    let mut incomplete_records = 0;
    // clear, review, refer (the bench pack has no `incomplete` outcome).
    let mut outcomes = [0usize; 3];
    for (i, (record, line)) in records.iter().zip(&lines).enumerate() {
        let hand = handwritten::screen(record);
        assert_eq!(
            handwritten::screen_json(line).ok(),
            Some(hand),
            "record {i}"
        );
        let decision = engine
            .screen_json(line)
            .unwrap_or_else(|e| panic!("record {i} does not decode: {e:?}\n{line}"));
        let ids = |hits: &[saring::Hit]| hits.iter().map(|h| h.rule.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&decision.hits),
            HandDecision::ids(hand.hits),
            "hits of record {i}: {line}\nincomplete: {:?}",
            decision.incomplete
        );
        assert_eq!(
            ids(&decision.shadow_hits),
            HandDecision::ids(hand.shadow_hits),
            "shadow hits of record {i}: {line}"
        );
        assert_eq!(decision.score, hand.score, "score of record {i}");
        assert_eq!(decision.outcome, hand.outcome, "outcome of record {i}");
        for (n, count) in fired.iter_mut().enumerate() {
            if (hand.hits | hand.shadow_hits) & (1 << n) != 0 {
                *count += 1;
            }
        }
        incomplete_records += usize::from(!decision.incomplete.is_empty());
        outcomes[match hand.outcome {
            Outcome::Clear | Outcome::Incomplete => 0,
            Outcome::Review => 1,
            Outcome::Refer => 2,
        }] += 1;
    }
    // The data must exercise every rule and every outcome, and missing data must occur.
    for (rule, count) in RULES.iter().zip(fired) {
        assert!(count > 0, "rule {} never fires", rule.id);
    }
    assert!(outcomes.iter().all(|&n| n > 0), "outcomes {outcomes:?}");
    assert!(incomplete_records > 0);
    eprintln!("fired per rule: {fired:?}; outcomes {outcomes:?}; {incomplete_records} records with incomplete rules");
}

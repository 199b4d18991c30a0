//! Harnesses of saring's fuzz targets. Each module turns fuzzer bytes into one kind of
//! untrusted input and runs it through the library's public API, checking what must hold
//! for any input: no panic, and the different ways of screening one record agree.
//!
//! `fuzz_targets/*.rs` are one-line wrappers around these functions.

pub mod aggregates;
pub mod bundle;
pub mod cel;
pub mod columnar;
pub mod pack;
pub mod record;

use saring::{Decision, Engine, Record};

/// Screens `record` every way the engine offers and checks that the ways agree: the full
/// decision, the explanation's decision and the summary (outcome, score, counts).
pub fn screen_all_ways(engine: &Engine, record: &Record) -> Decision {
    let decision = engine.screen(record);
    let json = decision.to_json();
    let explained = engine.explain(record);
    assert_eq!(
        explained.decision.to_json(),
        json,
        "explain() and screen() disagree"
    );
    let summary = engine.screen_summary(record);
    assert_eq!(summary.outcome, decision.outcome, "summary outcome differs");
    assert_eq!(summary.score, decision.score, "summary score differs");
    assert_eq!(
        summary.hits.len(),
        decision.hits.len(),
        "summary hits differ"
    );
    assert_eq!(
        summary.incomplete.len(),
        decision.incomplete.len(),
        "summary incomplete differ"
    );
    assert_eq!(
        engine.screen(record).to_json(),
        json,
        "screening is not deterministic"
    );
    decision
}

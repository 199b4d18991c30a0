//! `saring test`: run every `[[rule.example]]` of every pack given (default: all of
//! `rules/`).

use std::path::{Path, PathBuf};

use saring::engine::RuleResult;
use saring::pack::{Example, Expectation, RuleStatus};
use saring::{DecodeOptions, Engine, Pack};

use crate::exit::{Code, FINDINGS, OK};
use crate::packs;

/// Arguments of `saring test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack files or directories (directories are searched for packs; default: `rules`).
    paths: Vec<PathBuf>,
    /// Print a line for every passing example too.
    #[arg(long, short = 'v')]
    verbose: bool,
}

#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Runs the examples; the last line is exactly `N passed, M failed`; exit 1 on a failure.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        args.paths
    };
    let mut files = Vec::new();
    for root in &roots {
        files.extend(packs::discover(root)?);
    }
    let mut tally = Tally::default();
    for file in &files {
        test_pack(file, args.verbose, &mut tally);
    }
    if tally.skipped > 0 {
        println!(
            "note: {} example{} of disabled rules skipped",
            tally.skipped,
            packs::plural(tally.skipped)
        );
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed > 0 { FINDINGS } else { OK })
}

fn test_pack(path: &Path, verbose: bool, tally: &mut Tally) {
    let loaded = Pack::load(path).and_then(|p| Engine::compile(&p).map(|e| (p, e)));
    let (pack, engine) = match loaded {
        Ok(x) => x,
        Err(e) => {
            println!("FAIL {}: the pack does not load", path.display());
            println!("{}", packs::render_error(path, &e));
            tally.failed += 1;
            return;
        }
    };
    let before = (tally.passed, tally.failed);
    for rule in &pack.rules {
        for (i, example) in rule.examples.iter().enumerate() {
            if rule.status == RuleStatus::Disabled {
                tally.skipped += 1;
                continue;
            }
            let label = format!(
                "{} / {} example {}{}",
                pack.meta.id,
                rule.id,
                i + 1,
                example
                    .location
                    .as_ref()
                    .map(|l| format!(" ({}:{}:{})", l.file, l.line, l.column))
                    .unwrap_or_default()
            );
            match run_example(&engine, &rule.id, example) {
                Ok(()) => {
                    tally.passed += 1;
                    if verbose {
                        println!("ok   {label}");
                    }
                }
                Err(actual) => {
                    tally.failed += 1;
                    println!("FAIL {label}");
                    println!("  record:   {}", example.record);
                    println!("  expected: {}", expectation(example.expect));
                    println!("  actual:   {actual}");
                }
            }
        }
    }
    println!(
        "{}: {} passed, {} failed",
        path.display(),
        tally.passed - before.0,
        tally.failed - before.1
    );
}

fn expectation(e: Expectation) -> &'static str {
    match e {
        Expectation::Hit => "hit",
        Expectation::Miss => "miss",
        Expectation::Incomplete => "incomplete",
    }
}

/// `Ok` when the rule did what the example expects; otherwise a description of what it did.
fn run_example(engine: &Engine, rule: &str, example: &Example) -> Result<(), String> {
    let decode = |value: &serde_json::Value| {
        engine
            .decode_value(value, DecodeOptions::STRICT)
            .map_err(|e| {
                format!(
                    "the record does not fit the schema: {}",
                    crate::output::error_text(&e)
                )
            })
    };
    let mut records = example
        .history
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>, _>>()?;
    records.push(decode(&example.record)?);
    // With windowed aggregates, the example's record is the last of one batch.
    engine.aggregate_batch(&mut records);
    let record = records.pop().ok_or("no record")?;
    let explanation = engine.explain(&record);
    let Some(found) = explanation.rules.iter().find(|r| r.rule == rule) else {
        return Err(format!("rule `{rule}` is not in the explanation"));
    };
    let (actual, detail) = match &found.result {
        RuleResult::Hit => (Expectation::Hit, String::new()),
        RuleResult::Miss => (Expectation::Miss, String::new()),
        RuleResult::Unknown { missing, error } => (
            Expectation::Incomplete,
            match error {
                Some(e) => format!(" (error: {e})"),
                None => format!(" (missing: {})", missing.join(", ")),
            },
        ),
        RuleResult::Disabled => return Err("disabled".to_string()),
    };
    if actual == example.expect {
        return Ok(());
    }
    let evidence = serde_json::to_string(&found.evidence).unwrap_or_default();
    Err(format!(
        "{}{detail}; evidence {evidence}",
        expectation(actual)
    ))
}

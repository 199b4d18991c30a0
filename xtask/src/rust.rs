//! Rust part of `cargo xtask test`: formatting, clippy, the test suites of the default
//! workspace members and a short run of every fuzz target (the bindings are checked by their
//! own steps, which set up their toolchains first).

use crate::util::{cargo, Step};

/// Runs `cargo fmt --check`, `cargo clippy -D warnings` and `cargo test`.
pub fn test() -> Result<(), String> {
    let step = Step::start("rust: cargo fmt --check");
    step.run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    step.done();

    let step = Step::start("rust: cargo clippy (default members)");
    step.run(cargo().args(["clippy", "-j2", "--all-targets", "--", "-D", "warnings"]))?;
    step.done();

    // The core's `arrow` feature (the Python binding's frames) is off in the default members.
    let step = Step::start("rust: cargo clippy -p saring --features arrow");
    step.run(cargo().args([
        "clippy",
        "-j2",
        "-p",
        "saring",
        "--features",
        "arrow",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    step.done();

    let step = Step::start("rust: cargo test (default members)");
    step.run(cargo().args(["test", "-j2"]))?;
    step.done();

    let step = Step::start("rust: cargo test -p saring --features arrow (columnar)");
    step.run(cargo().args([
        "test",
        "-j2",
        "-p",
        "saring",
        "--features",
        "arrow",
        "--lib",
        "--test",
        "columnar",
    ]))?;
    step.run(cargo().args([
        "test",
        "-j2",
        "-p",
        "saring",
        "--features",
        "arrow",
        "--doc",
        "columnar",
    ]))?;
    step.done();

    // The shared corpora again, with their counts printed: CEL conformance (pass count and
    // deliberate skips), screening goldens and diagnostic snapshots.
    let step = Step::start("rust: conformance corpora (counts)");
    step.run(cargo().args([
        "test",
        "-j2",
        "-q",
        "-p",
        "saring-conformance",
        "--",
        "--nocapture",
    ]))?;
    step.done();

    let step = Step::start("rust: saring test (inline examples of every pack in rules/)");
    step.run(cargo().args(["run", "-j2", "-q", "-p", "saring-cli", "--", "test"]))?;
    step.done();

    // Every fuzz target built and run briefly from its seeds (fuzz/, cargo-fuzz).
    crate::fuzz::smoke()?;
    Ok(())
}

//! Rust part of `cargo xtask test`: formatting, clippy and the test suites of the default
//! workspace members (the bindings are checked by their own steps, which set up their
//! toolchains first).

use crate::util::{cargo, Step};

/// Runs `cargo fmt --check`, `cargo clippy -D warnings` and `cargo test`.
pub fn test() -> Result<(), String> {
    let step = Step::start("rust: cargo fmt --check");
    step.run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    step.done();

    let step = Step::start("rust: cargo clippy (default members)");
    step.run(cargo().args(["clippy", "-j2", "--all-targets", "--", "-D", "warnings"]))?;
    step.done();

    let step = Step::start("rust: cargo test (default members)");
    step.run(cargo().args(["test", "-j2"]))?;
    step.done();
    Ok(())
}

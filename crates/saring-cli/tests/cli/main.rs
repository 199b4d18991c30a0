//! Integration tests of the `saring` binary: one test binary, one module per subcommand.
//!
//! Fixtures are written to temporary directories (see `fixture`); golden files live in
//! `tests/golden/` (regenerate them with `SARING_BLESS=1 cargo test -p saring-cli --test cli`).

mod backtest;
mod check;
mod diff;
mod explain;
mod fixture;
mod report;
mod screen;
mod synth;
mod test_cmd;

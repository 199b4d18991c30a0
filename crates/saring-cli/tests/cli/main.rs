//! Integration tests of the `saring` binary: one test binary, one module per subcommand.
//!
//! Fixtures are written to temporary directories (see `fixture`); golden files live in
//! `tests/golden/` (regenerate them with `SARING_BLESS=1 cargo test -p saring-cli --test cli`).

mod aggregates;
mod backtest;
mod check;
mod csv_input;
mod diff;
mod explain;
mod fixture;
mod hostile;
mod report;
mod responsible;
mod screen;
mod synth;
mod test_cmd;
mod trust;

//! One module per subcommand: its clap arguments and its `run`.

pub mod audit;
pub mod backtest;
pub mod bundle;
pub mod check;
pub mod check_against;
pub mod diff;
pub mod diff_labels;
pub mod explain;
pub mod keygen;
pub mod report;
pub mod screen;
pub mod synth;
pub mod test;

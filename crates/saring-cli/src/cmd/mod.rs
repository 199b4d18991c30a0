//! One module per subcommand: its clap arguments and its `run`.

pub mod backtest;
pub mod check;
pub mod diff;
pub mod diff_labels;
pub mod explain;
pub mod report;
pub mod screen;
pub mod synth;
pub mod test;

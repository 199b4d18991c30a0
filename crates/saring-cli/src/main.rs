//! `saring`: screen records with a rule pack, check and test packs, explain a decision,
//! back-test against labelled history, compare two packs, and generate synthetic data.

mod batch;
mod cmd;
mod decision_log;
mod doc;
mod exit;
mod grouping;
mod html;
mod input;
mod output;
mod packs;
mod records_csv;
mod report;
mod runinfo;
mod summary;
mod synth;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: decoding and screening allocate many small
/// values, and with windowed aggregates the whole input's rows and history stay live, where
/// glibc's free lists cost a quarter of the run (see `benches/README.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, shown by `saring --help` and in the README.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  findings: `check` found errors (or warnings, with --deny-warnings), `test` had
     failures, `backtest`/`report dpia --fail-on-disparity` found a disparity
  2  usage or input error: bad arguments (a misspelt --label/--by column), a pack that does
     not load (for `check`: no pack found, or its files cannot be read), unreadable input
  3  `screen`/`backtest`/`diff`: every row was processed, but some rows were bad
     (each is reported with its row number)
`bundle verify` and `audit verify` exit 1 when the bundle or log does not verify.";

#[derive(Debug, Parser)]
#[command(
    name = "saring",
    version,
    about = "Rule-based risk screening: explained clear / review / refer recommendations for \
             human review",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Screen records (JSONL, CSV, JSON array or stdin) and write one decision per row.
    #[command(after_help = EXIT_CODES)]
    Screen(cmd::screen::Args),
    /// Load and compile a pack; print every diagnostic and warning.
    #[command(after_help = EXIT_CODES)]
    Check(cmd::check::Args),
    /// Run every `[[rule.example]]` of one or more packs.
    #[command(after_help = EXIT_CODES)]
    Test(cmd::test::Args),
    /// Explain one record: every rule, fired, not fired or unknown, with evidence.
    #[command(after_help = EXIT_CODES)]
    Explain(cmd::explain::Args),
    /// Back-test a pack against labelled records: confusion matrices, per-rule metrics,
    /// score sweep and flag rates per monitored group.
    #[command(after_help = EXIT_CODES)]
    Backtest(cmd::backtest::Args),
    /// Compare two packs on the same records (champion / challenger).
    #[command(after_help = EXIT_CODES)]
    Diff(cmd::diff::Args),
    /// Generate deterministic labelled synthetic records.
    #[command(after_help = EXIT_CODES)]
    Synth(cmd::synth::Args),
    /// Build, sign and verify pack bundles (one signed file per pack, for exchange).
    #[command(after_help = EXIT_CODES)]
    Bundle(cmd::bundle::Args),
    /// Write an Ed25519 key pair (NAME.key, NAME.pub) for signing bundles and log anchors.
    #[command(after_help = EXIT_CODES)]
    Keygen(cmd::keygen::Args),
    /// Verify, review, label and repair a decision log written by `screen --log`.
    #[command(after_help = EXIT_CODES)]
    Audit(cmd::audit::Args),
    /// Reports for governance: `report dpia`, the DPIA annex of a pack.
    #[command(after_help = EXIT_CODES)]
    Report(cmd::report::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Screen(a) => cmd::screen::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Test(a) => cmd::test::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Backtest(a) => cmd::backtest::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Synth(a) => cmd::synth::run(a),
        Command::Bundle(a) => cmd::bundle::run(a),
        Command::Keygen(a) => cmd::keygen::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Report(a) => cmd::report::run(a),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => exit::report(&e),
    }
}

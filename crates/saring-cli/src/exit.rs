//! Exit codes and the error type that carries one.

use std::io::Write;
use std::process::ExitCode;

/// Everything went well.
pub const OK: Code = Code(0);
/// Findings: `check` errors, `test` failures.
pub const FINDINGS: Code = Code(1);
/// Usage or input error.
pub const USAGE: Code = Code(2);
/// Some rows were bad (each reported), the rest processed.
pub const BAD_ROWS: Code = Code(3);

/// A process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub u8);

impl From<Code> for ExitCode {
    fn from(c: Code) -> ExitCode {
        ExitCode::from(c.0)
    }
}

/// An error that has already been explained to the user (e.g. rendered pack diagnostics)
/// and only needs its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Text to print on stderr (may be empty).
    pub message: String,
    /// Exit code.
    pub code: Code,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// A usage or input error (exit 2) with a message.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure {
        message: message.into(),
        code: USAGE,
    }
    .into()
}

/// Prints an error on stderr and returns its exit code. A closed stdout (`saring screen
/// ... | head`) is not an error.
pub fn report(e: &anyhow::Error) -> ExitCode {
    if e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return OK.into();
    }
    let mut err = std::io::stderr().lock();
    if let Some(f) = e.downcast_ref::<Failure>() {
        if !f.message.is_empty() {
            let _ = writeln!(err, "{}", f.message.trim_end());
        }
        return f.code.into();
    }
    let _ = writeln!(err, "error: {e:#}");
    USAGE.into()
}

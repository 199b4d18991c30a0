//! The library's error types: [`PackError`] for packs that cannot be loaded or compiled, and
//! [`RecordError`] for records that do not fit the schema.

use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::pack::SourceFiles;

/// A pack could not be loaded or compiled. Holds every diagnostic of every file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", summary(.diagnostics))]
pub struct PackError {
    /// All diagnostics (errors first, then warnings), in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The pack's source files, for rendering.
    pub sources: Arc<SourceFiles>,
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    match errors.as_slice() {
        [] => "pack could not be loaded".to_string(),
        [one] => format!("{}: {}", one.code, one.message),
        [first, ..] => format!(
            "{}: {} (and {} more errors)",
            first.code,
            first.message,
            errors.len() - 1
        ),
    }
}

impl PackError {
    /// A pack error from diagnostics.
    pub fn new(diagnostics: Vec<Diagnostic>, sources: Arc<SourceFiles>) -> PackError {
        PackError {
            diagnostics,
            sources,
        }
    }

    /// Only the error diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Renders all diagnostics like rustc: the source line, a caret under the span, and help.
    pub fn render(&self) -> String {
        crate::render::render_all(&self.diagnostics, &self.sources)
    }
}

/// A record does not fit the pack's schema (or is not valid JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct RecordError {
    /// Stable code: `record.syntax`, `record.not_object`, `record.type_mismatch`,
    /// `record.unknown_field`, `record.invalid_value`, `record.too_large`.
    pub code: &'static str,
    /// Dotted path of the offending field, when there is one (`interview.agent_present`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Human message naming the field.
    pub message: String,
}

impl RecordError {
    /// A record error with a code, optional path, and message.
    pub fn new(
        code: &'static str,
        path: Option<String>,
        message: impl Into<String>,
    ) -> RecordError {
        RecordError {
            code,
            path,
            message: message.into(),
        }
    }
}

/// A decision was asked for in a language the pack has no texts in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct LanguageError {
    /// Always `pack.unknown_language`.
    pub code: &'static str,
    /// The language asked for.
    pub requested: String,
    /// The languages the pack declares (empty: its texts are in one language).
    pub available: Vec<String>,
    /// Human message naming both.
    pub message: String,
}

impl LanguageError {
    /// The error for `requested` against the pack's declared languages.
    pub fn new(requested: &str, available: &[String]) -> LanguageError {
        let message = if available.is_empty() {
            format!(
                "the pack declares no languages, so it has no `{requested}` texts; leave out the language"
            )
        } else {
            let names: Vec<String> = available.iter().map(|l| format!("`{l}`")).collect();
            format!(
                "the pack has no texts in `{requested}`; its languages are {}",
                names.join(", ")
            )
        };
        LanguageError {
            code: "pack.unknown_language",
            requested: requested.to_string(),
            available: available.to_vec(),
            message,
        }
    }
}

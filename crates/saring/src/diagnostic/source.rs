//! [`SourceError`]: a problem in one piece of source text, before it is placed in its file.

use super::Code;
use crate::cel::Span;

/// A problem found in one piece of source text before anything runs — a CEL expression that
/// does not parse or type-check, a reason template with a bad placeholder: its stable code,
/// message, help and byte span in that text. Parse, check and template errors are all this
/// type ([`crate::cel::CheckError`] and the parser's and templates' errors are names for
/// it); the pack loader turns it into a [`Diagnostic`](super::Diagnostic) placed in its file.
///
/// ```
/// let errors = saring::cel::Program::compile("1 +", &saring::cel::Env::default()).unwrap_err();
/// assert_eq!(errors[0].code, saring::Code::CelSyntax);
/// assert!(errors[0].span.start <= 3 && !errors[0].help().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    /// Stable code (`cel.syntax`, `cel.type_mismatch`, `pack.unknown_field`,
    /// `pack.bad_placeholder`, ...).
    pub code: Code,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// What to do about it, when there is more to say than the code's default help.
    pub help: Option<String>,
    /// Where, in bytes of the source text.
    pub span: Span,
}

impl SourceError {
    /// An error with its code, place, message and specific help.
    pub(crate) fn new(
        code: Code,
        span: Span,
        message: impl Into<String>,
        help: Option<String>,
    ) -> SourceError {
        SourceError {
            code,
            message: message.into(),
            help,
            span,
        }
    }

    /// The help to show: its own, else the code's default.
    pub fn help(&self) -> &str {
        self.help.as_deref().unwrap_or(self.code.default_help())
    }
}

//! CEL parser.

use crate::cel::ast::{Expr, Span};

/// A syntax error with the span it concerns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Stable code: `cel.syntax`, `cel.too_deep`, `cel.too_long`.
    pub code: &'static str,
    /// Lowercase message.
    pub message: String,
    /// Where, in bytes of the expression source.
    pub span: Span,
}

/// Parses a CEL expression.
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    Err(ParseError {
        code: "cel.syntax",
        message: format!("parser not implemented: `{source}`"),
        span: Span::default(),
    })
}

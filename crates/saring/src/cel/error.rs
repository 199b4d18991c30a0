//! Evaluation errors: CEL runtime errors, and the "absent field" error behind the
//! missing-data rule.

use std::sync::Arc;

/// Why an expression could not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A record field the expression needs is absent. A rule that fails with this is
    /// *incomplete*, never a hit and never a silent "no".
    #[error("field `{0}` is missing")]
    Missing(Arc<str>),
    /// Any other CEL runtime error (no matching overload, division by zero, overflow, ...).
    #[error("{0}")]
    Runtime(Arc<str>),
}

impl EvalError {
    /// A runtime error with the given message.
    pub fn msg(message: impl Into<String>) -> EvalError {
        EvalError::Runtime(Arc::from(message.into()))
    }

    /// The standard "no such overload" error for a function applied to the given values.
    pub fn no_overload<'v, V>(function: &str, args: impl IntoIterator<Item = &'v V>) -> EvalError
    where
        V: std::borrow::Borrow<crate::cel::Value> + 'v,
    {
        let types: Vec<&str> = args.into_iter().map(|a| a.borrow().type_name()).collect();
        EvalError::msg(format!(
            "no such overload: {function}({})",
            types.join(", ")
        ))
    }
}

/// Result of evaluating an expression or a builtin.
pub type EvalResult = Result<crate::cel::Value, EvalError>;

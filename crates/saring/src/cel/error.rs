//! Evaluation errors: CEL runtime errors (each with a kind and, once it has left the node
//! that raised it, the span of that node), and the "absent field" error behind the
//! missing-data rule.

use std::sync::Arc;

use crate::cel::ast::Span;

/// What kind of runtime error an expression met. The codes ([`RuntimeErrorKind::code`]) are
/// stable and follow cel-go's / cel-spec's error categories where one applies.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuntimeErrorKind {
    /// No overload of a function or operator for the argument types (`no_overload`).
    NoOverload,
    /// Integer division by zero (`division_by_zero`).
    DivisionByZero,
    /// Integer modulus by zero (`modulus_by_zero`).
    ModulusByZero,
    /// An int, uint, timestamp or duration out of range (`overflow`).
    Overflow,
    /// A list index out of range (`index_out_of_range`).
    IndexOutOfRange,
    /// A map key that is not there (`no_such_key`).
    NoSuchKey,
    /// A field selected from a value that has no fields (`no_such_field`).
    NoSuchField,
    /// A bad argument: a regular expression that does not compile, a bad format string, an
    /// unparsable timestamp or duration, an unknown time zone, ... (`invalid_argument`).
    InvalidArgument,
    /// A conversion that cannot be made (`int("x")`, `bool("maybe")`, bytes that are not
    /// UTF-8) (`type_conversion`).
    TypeConversion,
    /// A value of the wrong type where the operation needs a specific one: a condition that
    /// is not a bool, a map key of an unsupported type, ... (`type_mismatch`).
    TypeMismatch,
    /// A repeated map key (`duplicate_key`).
    DuplicateKey,
    /// `.value()` of `optional.none()` (`optional_none`).
    OptionalNone,
    /// A cost or size limit reached (`limit`).
    Limit,
    /// A record field whose input did not fit the schema (`invalid_field`).
    InvalidField,
    /// A windowed aggregate that could not be computed (`aggregate`).
    Aggregate,
    /// A name that could not be resolved (`undeclared_reference`).
    UndeclaredReference,
    /// An internal inconsistency of the evaluator (`internal`).
    Internal,
}

impl RuntimeErrorKind {
    /// The kind's stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            RuntimeErrorKind::NoOverload => "no_overload",
            RuntimeErrorKind::DivisionByZero => "division_by_zero",
            RuntimeErrorKind::ModulusByZero => "modulus_by_zero",
            RuntimeErrorKind::Overflow => "overflow",
            RuntimeErrorKind::IndexOutOfRange => "index_out_of_range",
            RuntimeErrorKind::NoSuchKey => "no_such_key",
            RuntimeErrorKind::NoSuchField => "no_such_field",
            RuntimeErrorKind::InvalidArgument => "invalid_argument",
            RuntimeErrorKind::TypeConversion => "type_conversion",
            RuntimeErrorKind::TypeMismatch => "type_mismatch",
            RuntimeErrorKind::DuplicateKey => "duplicate_key",
            RuntimeErrorKind::OptionalNone => "optional_none",
            RuntimeErrorKind::Limit => "limit",
            RuntimeErrorKind::InvalidField => "invalid_field",
            RuntimeErrorKind::Aggregate => "aggregate",
            RuntimeErrorKind::UndeclaredReference => "undeclared_reference",
            RuntimeErrorKind::Internal => "internal",
        }
    }

    /// Every kind (for tests and documentation).
    pub const ALL: [RuntimeErrorKind; 17] = [
        RuntimeErrorKind::NoOverload,
        RuntimeErrorKind::DivisionByZero,
        RuntimeErrorKind::ModulusByZero,
        RuntimeErrorKind::Overflow,
        RuntimeErrorKind::IndexOutOfRange,
        RuntimeErrorKind::NoSuchKey,
        RuntimeErrorKind::NoSuchField,
        RuntimeErrorKind::InvalidArgument,
        RuntimeErrorKind::TypeConversion,
        RuntimeErrorKind::TypeMismatch,
        RuntimeErrorKind::DuplicateKey,
        RuntimeErrorKind::OptionalNone,
        RuntimeErrorKind::Limit,
        RuntimeErrorKind::InvalidField,
        RuntimeErrorKind::Aggregate,
        RuntimeErrorKind::UndeclaredReference,
        RuntimeErrorKind::Internal,
    ];
}

impl std::fmt::Display for RuntimeErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    kind: RuntimeErrorKind,
    message: Arc<str>,
    /// The site ([`crate::cel::ir::Site`]) of the innermost node it left.
    site: Option<u32>,
    span: Option<Span>,
}

/// A CEL runtime error: its kind, its message and (once known) the span of the expression
/// node that raised it. One pointer wide, so results carrying it stay small; cheap to clone
/// only on the error path.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError(Box<Inner>);

impl RuntimeError {
    /// An error of the given kind with its message (no span yet).
    #[cold]
    pub fn new(kind: RuntimeErrorKind, message: impl Into<Arc<str>>) -> RuntimeError {
        RuntimeError(Box::new(Inner {
            kind,
            message: message.into(),
            site: None,
            span: None,
        }))
    }

    /// The error's kind.
    pub fn kind(&self) -> RuntimeErrorKind {
        self.0.kind
    }

    /// The message (as cel-go words it where there is a counterpart).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The shared message.
    pub fn message_arc(&self) -> &Arc<str> {
        &self.0.message
    }

    /// Byte range, in the expression's source, of the node (call, operator, index, select,
    /// comprehension) whose evaluation raised the error, or failed because of it: the
    /// innermost such node the error left. `None` when the error left none (e.g. a condition
    /// that is not a bool).
    pub fn span(&self) -> Option<Span> {
        self.0.span
    }

    /// The error as it leaves the node at `site`: the site is recorded unless the error
    /// has one already (the innermost node wins).
    #[cold]
    #[inline(never)]
    pub(crate) fn at(mut self, site: u32) -> RuntimeError {
        if self.0.site.is_none() {
            self.0.site = Some(site);
        }
        self
    }

    /// The site of the innermost node the error left.
    pub(crate) fn site(&self) -> Option<u32> {
        self.0.site
    }

    /// The error with its span (resolved from its site by the owner of the site table).
    pub(crate) fn with_span(mut self, span: Option<Span>) -> RuntimeError {
        self.0.span = span;
        self
    }
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for RuntimeError {}

/// Why an expression could not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A record field the expression needs is absent. A rule that fails with this is
    /// *incomplete*, never a hit and never a silent "no".
    #[error("field `{0}` is missing")]
    Missing(Arc<str>),
    /// Any other CEL runtime error (no matching overload, division by zero, overflow, ...).
    #[error("{0}")]
    Runtime(RuntimeError),
}

impl EvalError {
    /// A runtime error of the given kind with the given message.
    #[cold]
    pub fn new(kind: RuntimeErrorKind, message: impl Into<String>) -> EvalError {
        EvalError::Runtime(RuntimeError::new(kind, message.into()))
    }

    /// A runtime error with the given message, of kind [`RuntimeErrorKind::InvalidArgument`].
    #[cold]
    pub fn invalid(message: impl Into<String>) -> EvalError {
        EvalError::new(RuntimeErrorKind::InvalidArgument, message)
    }

    /// An [`RuntimeErrorKind::Overflow`] error.
    #[cold]
    pub fn overflow(message: impl Into<String>) -> EvalError {
        EvalError::new(RuntimeErrorKind::Overflow, message)
    }

    /// The runtime error's kind (`None` for missing data).
    pub fn kind(&self) -> Option<RuntimeErrorKind> {
        match self {
            EvalError::Missing(_) => None,
            EvalError::Runtime(e) => Some(e.kind()),
        }
    }

    /// The standard "no such overload" error for a function applied to the given values.
    #[cold]
    pub fn no_overload<'v, V>(function: &str, args: impl IntoIterator<Item = &'v V>) -> EvalError
    where
        V: std::borrow::Borrow<crate::cel::Value> + 'v,
    {
        let types: Vec<&str> = args.into_iter().map(|a| a.borrow().type_name()).collect();
        EvalError::new(
            RuntimeErrorKind::NoOverload,
            format!("no such overload: {function}({})", types.join(", ")),
        )
    }
}

/// Result of evaluating an expression or a builtin.
pub type EvalResult = Result<crate::cel::Value, EvalError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for k in RuntimeErrorKind::ALL {
            let c = k.code();
            assert!(
                c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c}"
            );
            assert!(seen.insert(c), "{c} twice");
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(c));
        }
    }

    #[test]
    fn innermost_span_wins() {
        let e = RuntimeError::new(RuntimeErrorKind::DivisionByZero, "division by zero")
            .at(3)
            .at(1);
        assert_eq!(e.site(), Some(3));
        assert_eq!(e.span(), None);
        assert_eq!(e.to_string(), "division by zero");
        assert!(std::mem::size_of::<EvalError>() <= 24);
    }
}

//! The builtin-function table: one entry per CEL function, serving both the type checker
//! (`check`) and the evaluator (`eval`). Operators live in [`crate::cel::ops`].

use crate::cel::error::EvalResult;
use crate::cel::types::Type;
use crate::cel::value::Value;

/// How a builtin may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStyle {
    /// `f(a, b)` only.
    Global,
    /// `a.f(b)` only (the receiver is passed as the first argument).
    Method,
    /// Either form.
    Both,
}

/// One builtin function.
pub struct Builtin {
    /// Name as written in CEL (`size`, `startsWith`, `years_between`, `math.greatest`).
    pub name: &'static str,
    /// Call forms accepted.
    pub style: CallStyle,
    /// Accepted argument counts (receiver included for methods).
    pub arity: &'static [usize],
    /// Static typing: the result type for these argument types, or a message saying why they
    /// do not fit. Receives `Type::Dyn` for arguments not known statically.
    pub check: fn(&[Type]) -> Result<Type, String>,
    /// Evaluation over already evaluated arguments (receiver first for methods).
    pub eval: fn(&[Value]) -> EvalResult,
}

/// All builtins, in one table.
pub fn builtins() -> &'static [Builtin] {
    &[]
}

/// Finds a builtin by name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    builtins().iter().find(|b| b.name == name)
}

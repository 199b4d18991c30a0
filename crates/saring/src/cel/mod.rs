//! saring's implementation of the Common Expression Language.
//!
//! The pipeline runs one way, after cel-go's split: `lexer` and `parser` (source → AST),
//! `resolve` (names → bindings, the only resolver), `typecheck` (typed tree; record accesses
//! shown to the pack's policy), `plan` (typed tree → specialised nodes), `eval` (nodes over a
//! record). The public surface is [`Program`] and [`Env`] for plain CEL, [`Type`], [`Value`],
//! [`MapValue`] and [`EvalError`]; the engine drives the same stages for packs.

pub(crate) mod ast;
pub(crate) mod cost;
pub(crate) mod error;
pub(crate) mod eval;
pub(crate) mod functions;
pub(crate) mod ir;
pub(crate) mod lexer;
pub(crate) mod ops;
pub(crate) mod parser;
pub(crate) mod plan;
pub(crate) mod printer;
mod program;
pub(crate) mod resolve;
pub(crate) mod typecheck;
pub(crate) mod types;
pub(crate) mod value;

pub use ast::Span;
pub use error::{EvalError, EvalResult, RuntimeError, RuntimeErrorKind};
pub use program::Program;
pub use resolve::{Env, ListBinding};
pub use typecheck::CheckError;
pub use types::Type;
pub use value::{MapValue, Value};

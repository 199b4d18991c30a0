//! saring's implementation of the Common Expression Language: lexer, parser, AST, printer,
//! type checker, compiler to IR, and evaluator.

pub mod ast;
pub mod check;
pub mod compile;
pub mod error;
pub mod eval;
pub mod functions;
pub mod ir;
pub mod lexer;
pub mod ops;
pub mod parser;
pub mod printer;
pub mod program;
pub mod types;
pub mod value;

pub use error::{EvalError, EvalResult};
pub use types::Type;
pub use value::{MapValue, Value};

//! A standalone CEL program: parse, check and compile one expression against an environment,
//! then evaluate it over variables. This is how saring runs the CEL conformance suite, and
//! how embedders can evaluate plain CEL without a pack.

use crate::cel::check::{check, CheckError, Env};
use crate::cel::eval::{eval, Activation, Frame};
use crate::cel::ir::Node;
use crate::cel::parser::parse;
use crate::cel::types::Type;
use crate::cel::{EvalResult, Value};

/// A compiled expression.
#[derive(Debug)]
pub struct Program {
    node: Node,
    ty: Type,
}

impl Program {
    /// Parses, checks and compiles `source`. Errors carry codes and spans.
    ///
    /// ```
    /// use saring::cel::{check::Env, program::Program, Type, Value};
    ///
    /// let env = Env { vars: vec![("x".into(), Type::Int)], ..Env::default() };
    /// let program = Program::compile("[1, 2, 3].exists(i, i > x)", &env).unwrap();
    /// assert_eq!(program.eval(&[Value::Int(2)]), Ok(Value::Bool(true)));
    /// ```
    pub fn compile(source: &str, env: &Env) -> Result<Program, Vec<CheckError>> {
        let ast = parse(source).map_err(|e| {
            vec![CheckError {
                code: e.code,
                message: e.message,
                help: None,
                span: e.span,
            }]
        })?;
        let checked = check(&ast, env);
        if checked.errors.is_empty() {
            Ok(Program {
                node: checked.node,
                ty: checked.ty,
            })
        } else {
            Err(checked.errors)
        }
    }

    /// The static type of the expression.
    pub fn result_type(&self) -> &Type {
        &self.ty
    }

    /// Evaluates the program with the given variable values (in the order of `Env::vars`).
    pub fn eval(&self, vars: &[Value]) -> EvalResult {
        let act = Activation {
            record: None,
            vars,
            derived: &[],
            rules: &[],
            failures: &[],
        };
        eval(&self.node, &act, &mut Frame::default())
    }
}

//! A standalone CEL program: parse, check and plan one expression against an environment,
//! then evaluate it over variables. This is how saring runs the CEL conformance suite, and
//! how embedders can evaluate plain CEL without a pack.

use crate::cel::eval::{eval, Ctx, Fail, Frame};
use crate::cel::ir::{Node, Paths, Sites};
use crate::cel::parser::parse;
use crate::cel::plan::plan;
use crate::cel::resolve::Env;
use crate::cel::typecheck::{typecheck, AllowAll, CheckError};
use crate::cel::types::Type;
use crate::cel::{EvalError, EvalResult, Value};

/// A compiled expression.
#[derive(Debug)]
pub struct Program {
    node: Node,
    ty: Type,
    paths: Paths,
    /// Source spans of the nodes an error can leave (see [`crate::cel::ir::Site`]).
    sites: Sites,
}

impl Program {
    /// Parses, checks and compiles `source`. Errors carry codes and spans.
    ///
    /// ```
    /// use saring::cel::{Env, Program, Type, Value};
    ///
    /// let env = Env { vars: vec![("x".into(), Type::Int)], ..Env::default() };
    /// let program = Program::compile("[1, 2, 3].exists(i, i > x)", &env).unwrap();
    /// assert_eq!(program.eval(&[Value::Int(2)]), Ok(Value::Bool(true)));
    /// ```
    pub fn compile(source: &str, env: &Env) -> Result<Program, Vec<CheckError>> {
        let ast =
            parse(source).map_err(|e| vec![CheckError::new(e.code, e.span, e.message, None)])?;
        let typed = typecheck(&ast, env, &mut AllowAll);
        let mut paths = Paths::default();
        let mut sites = Sites::default();
        let planned = plan(&typed.expr, env, &mut paths, &mut sites);
        let mut errors = typed.errors;
        match planned {
            Ok(node) if errors.is_empty() => Ok(Program {
                node,
                ty: typed.expr.ty,
                paths,
                sites,
            }),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// The static type of the expression.
    pub fn result_type(&self) -> &Type {
        &self.ty
    }

    /// Evaluates the program with the given variable values (in the order of `Env::vars`).
    /// A runtime error has a kind and the span of the node it was raised in:
    ///
    /// ```
    /// use saring::cel::{Env, EvalError, Program, RuntimeErrorKind, Span, Type, Value};
    ///
    /// let env = Env { vars: vec![("a".into(), Type::Int), ("b".into(), Type::Int)], ..Env::default() };
    /// let program = Program::compile("a / b > 1", &env).unwrap();
    /// let Err(EvalError::Runtime(e)) = program.eval(&[Value::Int(4), Value::Int(0)]) else {
    ///     panic!("expected a runtime error")
    /// };
    /// assert_eq!(e.kind(), RuntimeErrorKind::DivisionByZero);
    /// assert_eq!(e.kind().code(), "division_by_zero");
    /// assert_eq!(e.span(), Some(Span::new(0, 5)));
    /// ```
    pub fn eval(&self, vars: &[Value]) -> EvalResult {
        let cx = Ctx {
            vars,
            ..Ctx::empty()
        };
        let mut frame = Frame::default();
        eval(&self.node, &cx, &mut frame).map_err(|fail| match fail {
            Fail::Error(e) => {
                let span = e.site().and_then(|s| self.sites.span(s));
                EvalError::Runtime(e.with_span(span))
            }
            Fail::Missing => {
                let path = frame
                    .missing
                    .iter()
                    .next()
                    .map(|id| self.paths.name(id).clone());
                EvalError::Missing(path.unwrap_or_else(|| "?".into()))
            }
        })
    }
}

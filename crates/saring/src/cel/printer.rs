//! Prints an AST back to CEL source.
//!
//! The output parses back to an equal tree (spans aside): parentheses are added only where
//! precedence requires them (and around nested `&&`/`||`, whose chains the parser
//! balances), strings and bytes are escaped, doubles are printed in their shortest
//! round-tripping form (`1.0`, `1e300`). NaN and the infinities have no literal form; they
//! print as `double("NaN")`, `double("Infinity")` and `double("-Infinity")`.

use crate::cel::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};
use crate::cel::lexer::{is_identifier, is_quoted_ident_char};
use std::fmt::Write as _;

/// Prints an expression as CEL source that parses back to the same AST.
pub fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

/// Precedence levels, loosest first.
const COND: u8 = 1;
const OR: u8 = 2;
const AND: u8 = 3;
const REL: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const UNARY: u8 = 7;
const PRIMARY: u8 = 8;

fn binary_prec(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In => REL,
        BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => MUL,
    }
}

fn prec(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Conditional { .. } => COND,
        ExprKind::Binary { op, .. } => binary_prec(*op),
        ExprKind::Unary { .. } => UNARY,
        ExprKind::Literal(Literal::Int(v)) if *v < 0 => UNARY,
        ExprKind::Literal(Literal::Double(v)) if v.is_sign_negative() || !v.is_finite() => UNARY,
        _ => PRIMARY,
    }
}

/// Writes `expr`, in parentheses when its precedence is below `min`.
fn write_operand(out: &mut String, expr: &Expr, min: u8) {
    if prec(expr) < min {
        out.push('(');
        write_expr(out, expr);
        out.push(')');
    } else {
        write_expr(out, expr);
    }
}

fn write_list(out: &mut String, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item);
    }
}

fn write_field(out: &mut String, name: &str) {
    if is_identifier(name) || !name.chars().all(is_quoted_ident_char) || name.is_empty() {
        out.push_str(name);
    } else {
        out.push('`');
        out.push_str(name);
        out.push('`');
    }
}

fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Literal(lit) => write_literal(out, lit),
        ExprKind::Ident { name, leading_dot } => {
            if *leading_dot {
                out.push('.');
            }
            out.push_str(name);
        }
        ExprKind::Select { operand, field } => {
            write_operand(out, operand, PRIMARY);
            out.push('.');
            write_field(out, field);
        }
        ExprKind::OptSelect { operand, field } => {
            write_operand(out, operand, PRIMARY);
            out.push_str(".?");
            write_field(out, field);
        }
        ExprKind::OptIndex { operand, index } => {
            write_operand(out, operand, PRIMARY);
            out.push_str("[?");
            write_expr(out, index);
            out.push(']');
        }
        ExprKind::OptEntry(inner) => {
            out.push('?');
            write_expr(out, inner);
        }
        ExprKind::Has { operand, field } => {
            out.push_str("has(");
            write_operand(out, operand, PRIMARY);
            out.push('.');
            write_field(out, field);
            out.push(')');
        }
        ExprKind::Index { operand, index } => {
            write_operand(out, operand, PRIMARY);
            out.push('[');
            write_expr(out, index);
            out.push(']');
        }
        ExprKind::Call {
            target,
            function,
            args,
        } => {
            if let Some(target) = target {
                write_operand(out, target, PRIMARY);
                out.push('.');
            }
            out.push_str(function);
            out.push('(');
            write_list(out, args);
            out.push(')');
        }
        ExprKind::Unary { op, operand } => {
            let mut inner = String::new();
            write_operand(&mut inner, operand, UNARY);
            out.push(match op {
                UnaryOp::Not => '!',
                UnaryOp::Neg => '-',
            });
            // `-` directly before a number would fold into the literal: keep it apart.
            let starts_with_number = inner.starts_with(|c: char| c.is_ascii_digit());
            if *op == UnaryOp::Neg && starts_with_number {
                out.push('(');
                out.push_str(&inner);
                out.push(')');
            } else {
                out.push_str(&inner);
            }
        }
        ExprKind::Binary { op, left, right } => {
            let p = binary_prec(*op);
            // `&&`/`||` chains are rebalanced by the parser: parenthesise nested ones.
            let left_min = if matches!(op, BinaryOp::And | BinaryOp::Or) {
                p + 1
            } else {
                p
            };
            write_operand(out, left, left_min);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_operand(out, right, p + 1);
        }
        ExprKind::Conditional {
            cond,
            then,
            otherwise,
        } => {
            write_operand(out, cond, OR);
            out.push_str(" ? ");
            write_operand(out, then, OR);
            out.push_str(" : ");
            write_operand(out, otherwise, COND);
        }
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items);
            out.push(']');
        }
        ExprKind::Map(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, key);
                out.push_str(": ");
                write_expr(out, value);
            }
            out.push('}');
        }
        ExprKind::Struct { type_name, fields } => {
            out.push_str(type_name);
            out.push('{');
            for (i, (field, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match &value.kind {
                    ExprKind::OptEntry(inner) => {
                        out.push('?');
                        write_field(out, field);
                        out.push_str(": ");
                        write_expr(out, inner);
                    }
                    _ => {
                        write_field(out, field);
                        out.push_str(": ");
                        write_expr(out, value);
                    }
                }
            }
            out.push('}');
        }
        ExprKind::Macro {
            kind,
            target,
            var,
            var2,
            args,
        } => {
            write_operand(out, target, PRIMARY);
            out.push('.');
            out.push_str(kind.name());
            out.push('(');
            out.push_str(var);
            if let Some(v) = var2 {
                out.push_str(", ");
                out.push_str(v);
            }
            for arg in args {
                out.push_str(", ");
                write_expr(out, arg);
            }
            out.push(')');
        }
    }
}

fn write_literal(out: &mut String, lit: &Literal) {
    match lit {
        Literal::Null => out.push_str("null"),
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Literal::Uint(v) => {
            let _ = write!(out, "{v}u");
        }
        Literal::Double(v) => write_double(out, *v),
        Literal::String(s) => write_string(out, s),
        Literal::Bytes(b) => write_bytes(out, b),
    }
}

/// Shortest form that reads back as the same double: Rust's `Debug` output (`1.0`, `0.1`,
/// `1e300`, `1e-7`) is valid CEL double syntax.
fn write_double(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("double(\"NaN\")");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 {
            "double(\"Infinity\")"
        } else {
            "double(\"-Infinity\")"
        });
    } else {
        let _ = write!(out, "{v:?}");
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_bytes(out: &mut String, bytes: &[u8]) {
    out.push_str("b\"");
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::parser::parse;

    fn reprint(src: &str) -> String {
        match parse(src) {
            Ok(e) => print(&e),
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    #[test]
    fn minimal_parentheses() {
        assert_eq!(reprint("a+b*c"), "a + b * c");
        assert_eq!(reprint("(a+b)*c"), "(a + b) * c");
        assert_eq!(reprint("a-(b-c)"), "a - (b - c)");
        assert_eq!(reprint("a-b-c"), "a - b - c");
        assert_eq!(reprint("!x && y"), "!x && y");
        assert_eq!(reprint("!(x && y)"), "!(x && y)");
        assert_eq!(reprint("a ? b : c ? d : e"), "a ? b : c ? d : e");
        assert_eq!(reprint("(a ? b : c) ? d : e"), "(a ? b : c) ? d : e");
        assert_eq!(reprint("(a || b).c"), "(a || b).c");
        assert_eq!(reprint("x in [1, 2,]"), "x in [1, 2]");
        assert_eq!(reprint("a || b || c"), "(a || b) || c");
        assert_eq!(reprint("a && (b || c)"), "a && (b || c)");
    }

    #[test]
    fn numbers() {
        assert_eq!(reprint("-9223372036854775808"), "-9223372036854775808");
        assert_eq!(reprint("-(5)"), "-(5)");
        assert_eq!(reprint("--5"), "--5");
        assert_eq!(reprint("-(5.0).x"), "-(5.0.x)");
        assert_eq!(reprint("(-5).x"), "(-5).x");
        assert_eq!(reprint("a - -5"), "a - -5");
        assert_eq!(reprint("-(1u)"), "-(1u)");
        assert_eq!(
            reprint("1.0 + 1e300 + .5 + 1e-7"),
            "1.0 + 1e300 + 0.5 + 1e-7"
        );
        assert_eq!(reprint("0x10u"), "16u");
    }

    #[test]
    fn non_finite_doubles() {
        let e = Expr {
            kind: ExprKind::Literal(Literal::Double(f64::NAN)),
            span: Default::default(),
        };
        assert_eq!(print(&e), "double(\"NaN\")");
        let e = Expr {
            kind: ExprKind::Literal(Literal::Double(f64::NEG_INFINITY)),
            span: Default::default(),
        };
        assert_eq!(print(&e), "double(\"-Infinity\")");
    }

    #[test]
    fn strings_and_bytes() {
        assert_eq!(reprint(r#"'a"b\\c\n\x01é'"#), r#""a\"b\\c\n\x01é""#);
        assert_eq!(reprint(r"b'\xff\x00a\''"), r#"b"\xff\x00a'""#);
        assert_eq!(reprint("'\u{85}'"), "\"\\u0085\"");
    }

    #[test]
    fn fields_structs_macros() {
        assert_eq!(reprint("m.`content-type`"), "m.`content-type`");
        assert_eq!(reprint("m.`in`"), "m.`in`");
        assert_eq!(reprint("m.as"), "m.as");
        assert_eq!(reprint(".a.b.T{x: 1, `y-z`: 2,}"), ".a.b.T{x: 1, `y-z`: 2}");
        assert_eq!(reprint("has(a.b)"), "has(a.b)");
        assert_eq!(reprint("l.map(x, x > 0, x * 2)"), "l.map(x, x > 0, x * 2)");
        assert_eq!(reprint("{'a': 1}[.k]"), "{\"a\": 1}[.k]");
        assert_eq!(reprint("math.greatest(1, 2)"), "math.greatest(1, 2)");
    }
}

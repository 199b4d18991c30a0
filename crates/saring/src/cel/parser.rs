//! CEL parser: recursive descent with one token of lookahead, producing [`Expr`] trees with
//! a byte span on every node.
//!
//! Grammar (CEL language definition, `doc/langdef.md`):
//!
//! ```text
//! Expr           = ConditionalOr ["?" ConditionalOr ":" Expr] ;
//! ConditionalOr  = [ConditionalOr "||"] ConditionalAnd ;
//! ConditionalAnd = [ConditionalAnd "&&"] Relation ;
//! Relation       = [Relation Relop] Addition ;          Relop = < <= >= > == != in
//! Addition       = [Addition ("+" | "-")] Multiplication ;
//! Multiplication = [Multiplication ("*" | "/" | "%")] Unary ;
//! Unary          = Member | "!" {"!"} Member | "-" {"-"} Member ;
//! Member         = Primary | Member "." SELECTOR ["(" [ExprList] ")"] | Member "[" Expr "]" ;
//! Primary        = ["."] IDENT ["(" [ExprList] ")"] | ["."] IDENT {"." IDENT} "{" [FieldInits] [","] "}"
//!                | "(" Expr ")" | "[" [ExprList] [","] "]" | "{" [MapInits] [","] "}" | LITERAL ;
//! ```
//!
//! Notes on the tree built:
//! - `&&` and `||` chains are built as balanced trees (as cel-go does): the operators are
//!   associative and commutative in CEL, and balancing keeps long disjunctions shallow.
//! - `-` directly before an int or double literal folds into the literal, so
//!   `-9223372036854775808` is `Int(i64::MIN)`; `-1u` is an error.
//! - The macros `has(a.b)`, `e.all(x, p)`, `e.exists(x, p)`, `e.exists_one(x, p)`,
//!   `e.filter(x, p)`, `e.map(x, t)` and `e.map(x, p, t)`, and cel-go's two-variable
//!   comprehensions `e.all(i, v, p)`, `e.exists(i, v, p)`, `e.existsOne(i, v, p)` (or
//!   `exists_one`), `e.transformList(i, v, [p,] t)`, `e.transformMap(k, v, [p,] t)` and
//!   `e.transformMapEntry(k, v, [p,] t)`, and the lists extension's `e.sortBy(x, key)` become [`ExprKind::Has`] and
//!   [`ExprKind::Macro`]; other calls stay [`ExprKind::Call`] (a call whose target is a chain
//!   of identifiers may be a qualified function name such as `math.greatest`: the checker
//!   decides).
//! - Limits: the source may be at most [`MAX_EXPR_LEN`] bytes (`cel.too_long`); both the
//!   parser's nesting (parentheses included) and the height of the resulting tree are at
//!   most [`MAX_EXPR_DEPTH`] (`cel.too_deep`), so later passes may recurse over the tree.

use crate::cel::ast::{BinaryOp, Expr, ExprKind, Literal, MacroKind, Span, UnaryOp};
use crate::cel::lexer::{is_reserved, Lexer, Token, TokenKind};
use crate::diagnostic::{Code, SourceError};
use crate::limits::{MAX_EXPR_DEPTH, MAX_EXPR_LEN};

/// A syntax error with the span it concerns (the one [`SourceError`] type of parse, check and
/// template errors): `cel.syntax`, `cel.too_deep` or `cel.too_long`.
pub type ParseError = SourceError;

impl ParseError {
    #[cold]
    fn syntax(message: String, span: Span) -> Box<ParseError> {
        Box::new(ParseError::new(Code::CelSyntax, span, message, None))
    }
}

/// Parses a CEL expression, within the limits of [`crate::limits`].
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    parse_with_limits(source, MAX_EXPR_LEN, MAX_EXPR_DEPTH)
}

/// Parses a CEL expression with explicit limits: at most `max_len` bytes of source, and at
/// most `max_depth` levels of nesting.
pub fn parse_with_limits(
    source: &str,
    max_len: usize,
    max_depth: usize,
) -> Result<Expr, ParseError> {
    if source.len() > max_len {
        return Err(ParseError::new(
            Code::CelTooLong,
            Span::new(0, source.len()),
            format!(
                "expression is {} bytes long, the limit is {max_len} bytes",
                source.len()
            ),
            None,
        ));
    }
    let mut parser = Parser::new(source, max_depth).map_err(|e| *e)?;
    let node = parser.expr().map_err(|e| *e)?;
    if parser.tok.kind != TokenKind::Eof {
        return Err(*parser.unexpected("an operator or the end of the expression"));
    }
    Ok(*node.expr)
}

/// Errors are boxed inside the parser: it keeps the values moved around (and so the stack
/// frames of unoptimised builds) small.
type PResult<T> = Result<T, Box<ParseError>>;

/// A parsed subtree and its height (a leaf has height 1).
struct Node {
    expr: Box<Expr>,
    height: usize,
}

impl Node {
    fn span(&self) -> Span {
        self.expr.span
    }
}

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    tok: Token,
    nesting: usize,
    max_depth: usize,
}

fn boxed(node: Node) -> Box<Expr> {
    node.expr
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, max_depth: usize) -> PResult<Parser<'a>> {
        let mut lexer = Lexer::new(src);
        let tok = lexer.next_token().map_err(Box::new)?;
        Ok(Parser {
            src,
            lexer,
            tok,
            nesting: 0,
            max_depth,
        })
    }

    /// Consumes the current token and returns it.
    fn bump(&mut self) -> PResult<Token> {
        let next = self.lexer.next_token().map_err(Box::new)?;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    fn text(&self, span: Span) -> &'a str {
        self.src
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    #[cold]
    #[inline(never)]
    fn describe(&self, tok: &Token) -> String {
        if tok.kind == TokenKind::Eof {
            return "end of input".to_string();
        }
        let text = self.text(tok.span);
        let mut shown: String = text.chars().take(32).collect();
        if shown.len() < text.len() {
            shown.push_str("...");
        }
        format!("token `{shown}`")
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, expected: &str) -> Box<ParseError> {
        ParseError::syntax(
            format!(
                "unexpected {}, expected {expected}",
                self.describe(&self.tok)
            ),
            self.tok.span,
        )
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self, span: Span) -> Box<ParseError> {
        Box::new(ParseError::new(
            Code::CelTooDeep,
            span,
            format!(
                "expression is nested too deeply, the limit is {} levels",
                self.max_depth
            ),
            None,
        ))
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> PResult<Span> {
        if self.tok.kind == kind {
            Ok(self.bump()?.span)
        } else {
            Err(self.unexpected(what))
        }
    }

    /// Builds a node whose deepest child has height `child_height`.
    fn node(&self, kind: ExprKind, span: Span, child_height: usize) -> PResult<Node> {
        let height = child_height + 1;
        if height > self.max_depth {
            return Err(self.too_deep(span));
        }
        Ok(Node {
            expr: Box::new(Expr { kind, span }),
            height,
        })
    }

    fn leaf(&self, kind: ExprKind, span: Span) -> PResult<Node> {
        self.node(kind, span, 0)
    }

    // The functions on the recursive path (`expr` → `conditional` → `binary_level` →
    // `unary` → `member` → `primary` → `paren`/`list`/`map_literal`/`call_args`/... →
    // `expr`) are kept small: node building and error formatting live in separate
    // `#[inline(never)]` helpers, so that even unoptimised builds use little stack per
    // nesting level.

    /// `Expr`: every recursion of the parser passes through here.
    fn expr(&mut self) -> PResult<Node> {
        self.nesting += 1;
        if self.nesting > self.max_depth {
            return Err(self.too_deep(self.tok.span));
        }
        let result = self.conditional();
        self.nesting -= 1;
        result
    }

    fn conditional(&mut self) -> PResult<Node> {
        let cond = self.binary_level(0)?;
        if self.tok.kind != TokenKind::Question {
            return Ok(cond);
        }
        self.bump()?;
        let then = self.binary_level(0)?;
        self.expect(TokenKind::Colon, "`:`")?;
        let otherwise = self.expr()?;
        self.make_conditional(cond, then, otherwise)
    }

    #[inline(never)]
    fn make_conditional(&self, cond: Node, then: Node, otherwise: Node) -> PResult<Node> {
        let span = cond.span().to(otherwise.span());
        let height = cond.height.max(then.height).max(otherwise.height);
        self.node(
            ExprKind::Conditional {
                cond: boxed(cond),
                then: boxed(then),
                otherwise: boxed(otherwise),
            },
            span,
            height,
        )
    }

    /// Binary operators by precedence level: 0 `||`, 1 `&&`, 2 relations, 3 `+ -`,
    /// 4 `* / %`; level 5 is unary.
    fn binary_level(&mut self, level: u8) -> PResult<Node> {
        if level >= 5 {
            return self.unary();
        }
        let first = self.binary_level(level + 1)?;
        let Some(op) = binary_op(&self.tok.kind, level) else {
            return Ok(first);
        };
        if level <= 1 {
            return self.logical_chain(level, first);
        }
        let mut left = first;
        let mut op = op;
        loop {
            self.bump()?;
            let right = self.binary_level(level + 1)?;
            left = self.binary(op, left, right)?;
            match binary_op(&self.tok.kind, level) {
                Some(next) => op = next,
                None => return Ok(left),
            }
        }
    }

    /// The rest of a `||` or `&&` chain after its first operand, built balanced.
    fn logical_chain(&mut self, level: u8, first: Node) -> PResult<Node> {
        let mut operands = vec![first];
        while binary_op(&self.tok.kind, level).is_some() {
            self.bump()?;
            operands.push(self.binary_level(level + 1)?);
        }
        let op = if level == 0 {
            BinaryOp::Or
        } else {
            BinaryOp::And
        };
        self.balance(op, operands)
    }

    #[inline(never)]
    fn balance(&self, op: BinaryOp, mut operands: Vec<Node>) -> PResult<Node> {
        while operands.len() > 1 {
            let mut next = Vec::with_capacity(operands.len().div_ceil(2));
            let mut items = operands.into_iter();
            while let Some(left) = items.next() {
                match items.next() {
                    Some(right) => next.push(self.binary(op, left, right)?),
                    None => next.push(left),
                }
            }
            operands = next;
        }
        operands
            .pop()
            .ok_or_else(|| self.unexpected("an expression"))
    }

    #[inline(never)]
    fn binary(&self, op: BinaryOp, left: Node, right: Node) -> PResult<Node> {
        let span = left.span().to(right.span());
        let height = left.height.max(right.height);
        self.node(
            ExprKind::Binary {
                op,
                left: boxed(left),
                right: boxed(right),
            },
            span,
            height,
        )
    }

    /// Unary operators, collected iteratively (no recursion per operator).
    fn unary(&mut self) -> PResult<Node> {
        if !matches!(self.tok.kind, TokenKind::Bang | TokenKind::Minus) {
            return self.member(None);
        }
        let mut ops = self.unary_ops()?;
        let negate = self.negated_literal(&mut ops)?;
        let operand = self.member(negate)?;
        self.wrap_unary(ops, operand)
    }

    #[inline(never)]
    fn unary_ops(&mut self) -> PResult<Vec<(UnaryOp, Span)>> {
        let mut ops = Vec::new();
        loop {
            let op = match self.tok.kind {
                TokenKind::Bang => UnaryOp::Not,
                TokenKind::Minus => UnaryOp::Neg,
                _ => return Ok(ops),
            };
            if ops.len() >= self.max_depth {
                return Err(self.too_deep(self.tok.span));
            }
            ops.push((op, self.tok.span));
            self.bump()?;
        }
    }

    /// When the last operator is `-` and a number follows, removes that `-` and returns its
    /// span: the literal is negated (folded) instead.
    #[inline(never)]
    fn negated_literal(&self, ops: &mut Vec<(UnaryOp, Span)>) -> PResult<Option<Span>> {
        let Some(&(UnaryOp::Neg, minus)) = ops.last() else {
            return Ok(None);
        };
        match self.tok.kind {
            TokenKind::Int(_) | TokenKind::Double(_) => {
                ops.pop();
                Ok(Some(minus))
            }
            TokenKind::Uint(_) => Err(ParseError::syntax(
                format!(
                    "a uint literal cannot be negated: `{}`",
                    self.text(self.tok.span)
                ),
                minus.to(self.tok.span),
            )),
            _ => Ok(None),
        }
    }

    #[inline(never)]
    fn wrap_unary(&self, mut ops: Vec<(UnaryOp, Span)>, mut operand: Node) -> PResult<Node> {
        while let Some((op, span)) = ops.pop() {
            let span = span.to(operand.span());
            let height = operand.height;
            operand = self.node(
                ExprKind::Unary {
                    op,
                    operand: boxed(operand),
                },
                span,
                height,
            )?;
        }
        Ok(operand)
    }

    /// A field or method name after `.`: an identifier (reserved words allowed) or a
    /// backtick-quoted name. Returns the name and whether it was quoted.
    #[inline(never)]
    fn selector(&mut self) -> PResult<(String, Span, bool)> {
        match &self.tok.kind {
            TokenKind::Ident => {
                let tok = self.bump()?;
                Ok((self.text(tok.span).to_string(), tok.span, false))
            }
            TokenKind::QuotedIdent(name) => {
                let name = name.clone();
                let tok = self.bump()?;
                Ok((name, tok.span, true))
            }
            _ => Err(self.unexpected("a field name")),
        }
    }

    /// Postfix chains: `.field`, `.method(args)`, `[index]`, and `Name{...}` after a
    /// qualified name.
    fn member(&mut self, negate: Option<Span>) -> PResult<Node> {
        let (mut node, mut name) = self.primary(negate)?;
        loop {
            node = match self.tok.kind {
                TokenKind::Dot => self.postfix_dot(node, &mut name)?,
                TokenKind::LBracket => {
                    name = None;
                    self.postfix_index(node)?
                }
                TokenKind::LBrace if name.is_some() => self.struct_fields(node, &mut name)?,
                _ => return Ok(node),
            };
        }
    }

    /// `.field` or `.method(args)`; extends `name` when the chain is still a qualified name.
    fn postfix_dot(&mut self, node: Node, name: &mut Option<String>) -> PResult<Node> {
        self.bump()?;
        if self.tok.kind == TokenKind::Question {
            // `operand.?field` (optional values): no method call may follow the name.
            self.bump()?;
            *name = None;
            let (field, field_span, _) = self.selector()?;
            let span = node.span().to(field_span);
            let height = node.height;
            return self.node(
                ExprKind::OptSelect {
                    operand: boxed(node),
                    field,
                },
                span,
                height,
            );
        }
        let (field, field_span, quoted) = self.selector()?;
        if !quoted && self.tok.kind == TokenKind::LParen {
            *name = None;
            self.bump()?;
            let (args, close) = self.call_args()?;
            return self.method_call(node, field, args, close);
        }
        self.make_select(node, field, field_span, quoted, name)
    }

    #[inline(never)]
    fn make_select(
        &self,
        node: Node,
        field: String,
        field_span: Span,
        quoted: bool,
        name: &mut Option<String>,
    ) -> PResult<Node> {
        *name = match name.take() {
            Some(prefix) if !quoted => Some(format!("{prefix}.{field}")),
            _ => None,
        };
        let span = node.span().to(field_span);
        let height = node.height;
        self.node(
            ExprKind::Select {
                operand: boxed(node),
                field,
            },
            span,
            height,
        )
    }

    fn postfix_index(&mut self, node: Node) -> PResult<Node> {
        self.bump()?;
        // `operand[?index]` (optional values).
        let optional = self.tok.kind == TokenKind::Question;
        if optional {
            self.bump()?;
        }
        let index = self.expr()?;
        let close = self.expect(TokenKind::RBracket, "`]`")?;
        self.make_index(node, index, close, optional)
    }

    #[inline(never)]
    fn make_index(&self, node: Node, index: Node, close: Span, optional: bool) -> PResult<Node> {
        let span = node.span().to(close);
        let height = node.height.max(index.height);
        let (operand, index) = (boxed(node), boxed(index));
        let kind = if optional {
            ExprKind::OptIndex { operand, index }
        } else {
            ExprKind::Index { operand, index }
        };
        self.node(kind, span, height)
    }

    /// A list item or map key, optional when marked `?` (`[?x]`, `{?k: v}`).
    fn entry(&mut self) -> PResult<Node> {
        if self.tok.kind != TokenKind::Question {
            return self.expr();
        }
        let mark = self.bump()?.span;
        let inner = self.expr()?;
        let span = mark.to(inner.span());
        let height = inner.height;
        self.node(ExprKind::OptEntry(boxed(inner)), span, height)
    }

    /// Returns the primary expression and, when it is a plain (possibly leading-dot)
    /// identifier, its name (the start of a possible message type name).
    fn primary(&mut self, negate: Option<Span>) -> PResult<(Node, Option<String>)> {
        match self.tok.kind {
            TokenKind::Dot | TokenKind::Ident => self.ident_or_call(),
            TokenKind::LParen => Ok((self.paren()?, None)),
            TokenKind::LBracket => Ok((self.list()?, None)),
            TokenKind::LBrace => Ok((self.map_literal()?, None)),
            _ => Ok((self.literal(negate)?, None)),
        }
    }

    /// A literal token (negated when `negate` holds the span of a folded `-`).
    #[inline(never)]
    fn literal(&mut self, negate: Option<Span>) -> PResult<Node> {
        let tok_span = self.tok.span;
        let span = negate.map_or(tok_span, |minus| minus.to(tok_span));
        let value = match &self.tok.kind {
            TokenKind::Int(magnitude) => {
                let value = match negate {
                    Some(_) if *magnitude == 1 << 63 => Some(i64::MIN),
                    Some(_) => i64::try_from(*magnitude).ok().map(|v| -v),
                    None => i64::try_from(*magnitude).ok(),
                };
                match value {
                    Some(v) => Literal::Int(v),
                    None => {
                        return Err(ParseError::syntax(
                            format!("integer literal `{}` is out of range", self.text(span)),
                            span,
                        ))
                    }
                }
            }
            TokenKind::Double(v) if negate.is_some() => Literal::Double(-*v),
            TokenKind::Double(v) => Literal::Double(*v),
            TokenKind::Uint(v) => Literal::Uint(*v),
            TokenKind::String(_) | TokenKind::Bytes(_) => {
                let tok = self.bump()?;
                let value = match tok.kind {
                    TokenKind::String(s) => Literal::String(s),
                    TokenKind::Bytes(b) => Literal::Bytes(b),
                    _ => Literal::Null,
                };
                return self.leaf(ExprKind::Literal(value), span);
            }
            TokenKind::True => Literal::Bool(true),
            TokenKind::False => Literal::Bool(false),
            TokenKind::Null => Literal::Null,
            TokenKind::QuotedIdent(_) => {
                return Err(ParseError::syntax(
                    format!(
                        "quoted identifier {} is only allowed after `.` or as a message field name",
                        self.text(tok_span)
                    ),
                    tok_span,
                ))
            }
            _ => return Err(self.unexpected("an expression")),
        };
        self.bump()?;
        self.leaf(ExprKind::Literal(value), span)
    }

    /// `( Expr )`: the node's span is widened to include the parentheses.
    fn paren(&mut self) -> PResult<Node> {
        let open = self.bump()?.span;
        let mut inner = self.expr()?;
        let close = self.expect(TokenKind::RParen, "`)`")?;
        inner.expr.span = open.to(close);
        Ok(inner)
    }

    /// `[a, b,]`
    fn list(&mut self) -> PResult<Node> {
        let open = self.bump()?.span;
        let mut items = Vec::new();
        loop {
            if self.tok.kind == TokenKind::RBracket {
                break;
            }
            items.push(self.entry()?);
            if !self.list_separator(TokenKind::RBracket, "`,` or `]`")? {
                break;
            }
        }
        let close = self.expect(TokenKind::RBracket, "`]`")?;
        let height = max_height(items.iter());
        let items = items.into_iter().map(|n| *n.expr).collect();
        self.node(ExprKind::List(items), open.to(close), height)
    }

    /// After an element: consumes a `,` (returning true), accepts the closing token without
    /// consuming it (returning false), or fails.
    #[inline(never)]
    fn list_separator(&mut self, close: TokenKind, expected: &str) -> PResult<bool> {
        if self.tok.kind == TokenKind::Comma {
            self.bump()?;
            Ok(true)
        } else if self.tok.kind == close {
            Ok(false)
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// `{k: v, ...}`
    fn map_literal(&mut self) -> PResult<Node> {
        let open = self.bump()?.span;
        let mut entries = Vec::new();
        loop {
            if self.tok.kind == TokenKind::RBrace {
                break;
            }
            let key = self.entry()?;
            self.expect(TokenKind::Colon, "`:`")?;
            let value = self.expr()?;
            entries.push((key, value));
            if !self.list_separator(TokenKind::RBrace, "`,` or `}`")? {
                break;
            }
        }
        let close = self.expect(TokenKind::RBrace, "`}`")?;
        let height = max_height(entries.iter().flat_map(|(k, v)| [k, v]));
        let entries = entries
            .into_iter()
            .map(|(k, v)| (*k.expr, *v.expr))
            .collect();
        self.node(ExprKind::Map(entries), open.to(close), height)
    }

    /// `["."] IDENT` or `["."] IDENT "(" args ")"` (including the `has` macro).
    fn ident_or_call(&mut self) -> PResult<(Node, Option<String>)> {
        let (name, span, leading_dot) = self.ident_head()?;
        if self.tok.kind != TokenKind::LParen {
            return self.make_ident(name, span, leading_dot);
        }
        self.bump()?;
        let (args, close) = self.call_args()?;
        let node = self.global_call(name, leading_dot, args, span.to(close))?;
        Ok((node, None))
    }

    #[inline(never)]
    fn ident_head(&mut self) -> PResult<(String, Span, bool)> {
        let start = self.tok.span;
        let leading_dot = self.tok.kind == TokenKind::Dot;
        if leading_dot {
            self.bump()?;
        }
        if self.tok.kind != TokenKind::Ident {
            return Err(self.unexpected("an identifier"));
        }
        let ident = self.bump()?;
        let name = self.text(ident.span).to_string();
        if is_reserved(&name) {
            return Err(ParseError::syntax(
                format!("`{name}` is a reserved word and cannot be used as an identifier"),
                ident.span,
            ));
        }
        Ok((name, start.to(ident.span), leading_dot))
    }

    #[inline(never)]
    fn make_ident(
        &self,
        name: String,
        span: Span,
        leading_dot: bool,
    ) -> PResult<(Node, Option<String>)> {
        let qualified = if leading_dot {
            format!(".{name}")
        } else {
            name.clone()
        };
        let node = self.leaf(ExprKind::Ident { name, leading_dot }, span)?;
        Ok((node, Some(qualified)))
    }

    /// A call without a receiver: `f(args)`, `.f(args)` or the `has(a.b)` macro.
    #[inline(never)]
    fn global_call(
        &self,
        name: String,
        leading_dot: bool,
        mut args: Vec<Node>,
        span: Span,
    ) -> PResult<Node> {
        if !leading_dot && name == "has" && args.len() == 1 {
            let arg = args.pop().ok_or_else(|| self.unexpected("an argument"))?;
            let height = arg.height;
            let Expr {
                kind,
                span: arg_span,
            } = *arg.expr;
            return match kind {
                ExprKind::Select { operand, field } => {
                    self.node(ExprKind::Has { operand, field }, span, height)
                }
                _ => Err(ParseError::syntax(
                    "invalid argument to `has`: expected a field selection such as `has(a.b)` \
                     (for a top-level field write `has(record.field)`)"
                        .to_string(),
                    arg_span,
                )),
            };
        }
        let function = if leading_dot {
            format!(".{name}")
        } else {
            name
        };
        let height = max_height(args.iter());
        let args = args.into_iter().map(|a| *a.expr).collect();
        self.node(
            ExprKind::Call {
                target: None,
                function,
                args,
            },
            span,
            height,
        )
    }

    /// Arguments after `(`, up to and including `)`; no trailing comma.
    fn call_args(&mut self) -> PResult<(Vec<Node>, Span)> {
        let mut args = Vec::new();
        if self.tok.kind != TokenKind::RParen {
            loop {
                args.push(self.expr()?);
                if !self.list_separator(TokenKind::RParen, "`,` or `)`")? {
                    break;
                }
            }
        }
        let close = self.expect(TokenKind::RParen, "`)`")?;
        Ok((args, close))
    }

    /// `target.name(args)`: a comprehension macro or a method call.
    #[inline(never)]
    fn method_call(
        &self,
        target: Node,
        function: String,
        args: Vec<Node>,
        close: Span,
    ) -> PResult<Node> {
        let span = target.span().to(close);
        // (macro, number of variables); cel-go's two-variable comprehensions take one more
        // argument than their one-variable forms.
        let kind = match (function.as_str(), args.len()) {
            ("all", 2) => Some((MacroKind::All, 1)),
            ("exists", 2) => Some((MacroKind::Exists, 1)),
            ("exists_one", 2) => Some((MacroKind::ExistsOne, 1)),
            ("filter", 2) => Some((MacroKind::Filter, 1)),
            ("map", 2 | 3) => Some((MacroKind::Map, 1)),
            ("sortBy", 2) => Some((MacroKind::SortBy, 1)),
            ("optMap", 2) => Some((MacroKind::OptMap, 1)),
            ("optFlatMap", 2) => Some((MacroKind::OptFlatMap, 1)),
            ("all", 3) => Some((MacroKind::All, 2)),
            ("exists", 3) => Some((MacroKind::Exists, 2)),
            ("exists_one" | "existsOne", 3) => Some((MacroKind::ExistsOne, 2)),
            ("transformList", 3 | 4) => Some((MacroKind::TransformList, 2)),
            ("transformMap", 3 | 4) => Some((MacroKind::TransformMap, 2)),
            ("transformMapEntry", 3 | 4) => Some((MacroKind::TransformMapEntry, 2)),
            _ => None,
        };
        let height = max_height(args.iter()).max(target.height);
        if let Some((kind, vars)) = kind {
            let mut args: Vec<Expr> = args.into_iter().map(|a| *a.expr).collect();
            let rest = args.split_off(vars);
            let mut names = Vec::with_capacity(vars);
            for (i, first) in args.into_iter().enumerate() {
                let which = match (vars, i) {
                    (1, _) => "first argument of `{f}` must be a simple identifier (the iteration variable)",
                    (_, 0) => "first argument of `{f}` must be a simple identifier (the index or key variable)",
                    _ => "second argument of `{f}` must be a simple identifier (the value variable)",
                };
                match first.kind {
                    ExprKind::Ident {
                        name,
                        leading_dot: false,
                    } => {
                        if names.contains(&name) {
                            return Err(ParseError::syntax(
                                format!("duplicate variable name `{name}` in `{function}`"),
                                first.span,
                            ));
                        }
                        names.push(name);
                    }
                    _ => {
                        return Err(ParseError::syntax(
                            format!("the {}", which.replace("{f}", &function)),
                            first.span,
                        ))
                    }
                }
            }
            let mut names = names.into_iter();
            let var = names.next().unwrap_or_default();
            let var2 = names.next();
            return self.node(
                ExprKind::Macro {
                    kind,
                    target: boxed(target),
                    var,
                    var2,
                    args: rest,
                },
                span,
                height,
            );
        }
        self.node(
            ExprKind::Call {
                target: Some(boxed(target)),
                function,
                args: args.into_iter().map(|a| *a.expr).collect(),
            },
            span,
            height,
        )
    }

    /// `Name{field: value, ...}`; the current token is `{` and `name` the type name.
    fn struct_fields(&mut self, node: Node, name: &mut Option<String>) -> PResult<Node> {
        let type_name = name.take().unwrap_or_default();
        self.bump()?;
        let mut fields = Vec::new();
        loop {
            if self.tok.kind == TokenKind::RBrace {
                break;
            }
            // `?field: value` (an optional field, its value an optional) keeps the value as an
            // optional entry.
            let mark = (self.tok.kind == TokenKind::Question)
                .then(|| self.bump().map(|t| t.span))
                .transpose()?;
            let field = self.field_name()?;
            let mut value = self.expr()?;
            if let Some(mark) = mark {
                let span = mark.to(value.span());
                let height = value.height;
                value = self.node(ExprKind::OptEntry(boxed(value)), span, height)?;
            }
            fields.push((field, value));
            if !self.list_separator(TokenKind::RBrace, "`,` or `}`")? {
                break;
            }
        }
        let close = self.expect(TokenKind::RBrace, "`}`")?;
        let height = max_height(fields.iter().map(|(_, v)| v));
        let fields = fields.into_iter().map(|(f, v)| (f, *v.expr)).collect();
        self.node(
            ExprKind::Struct { type_name, fields },
            node.span().to(close),
            height,
        )
    }

    /// A message field initialiser's name and its `:`.
    #[inline(never)]
    fn field_name(&mut self) -> PResult<String> {
        let field = match &self.tok.kind {
            TokenKind::Ident => {
                let tok = self.bump()?;
                self.text(tok.span).to_string()
            }
            TokenKind::QuotedIdent(name) => {
                let name = name.clone();
                self.bump()?;
                name
            }
            _ => return Err(self.unexpected("a field name or `}`")),
        };
        self.expect(TokenKind::Colon, "`:`")?;
        Ok(field)
    }
}

/// The binary operator `kind` stands for at precedence `level` (see `binary_level`).
fn binary_op(kind: &TokenKind, level: u8) -> Option<BinaryOp> {
    Some(match (level, kind) {
        (0, TokenKind::OrOr) => BinaryOp::Or,
        (1, TokenKind::AndAnd) => BinaryOp::And,
        (2, TokenKind::Lt) => BinaryOp::Lt,
        (2, TokenKind::Le) => BinaryOp::Le,
        (2, TokenKind::Gt) => BinaryOp::Gt,
        (2, TokenKind::Ge) => BinaryOp::Ge,
        (2, TokenKind::EqEq) => BinaryOp::Eq,
        (2, TokenKind::Ne) => BinaryOp::Ne,
        (2, TokenKind::In) => BinaryOp::In,
        (3, TokenKind::Plus) => BinaryOp::Add,
        (3, TokenKind::Minus) => BinaryOp::Sub,
        (4, TokenKind::Star) => BinaryOp::Mul,
        (4, TokenKind::Slash) => BinaryOp::Div,
        (4, TokenKind::Percent) => BinaryOp::Rem,
        _ => return None,
    })
}

fn max_height<'n>(nodes: impl Iterator<Item = &'n Node>) -> usize {
    nodes.map(|n| n.height).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::printer::print;
    use proptest::prelude::*;

    fn e(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }
    fn b(kind: ExprKind) -> Box<Expr> {
        Box::new(e(kind))
    }
    fn id(name: &str) -> ExprKind {
        ExprKind::Ident {
            name: name.into(),
            leading_dot: false,
        }
    }
    fn int(v: i64) -> ExprKind {
        ExprKind::Literal(Literal::Int(v))
    }
    fn bin(op: BinaryOp, l: ExprKind, r: ExprKind) -> ExprKind {
        ExprKind::Binary {
            op,
            left: b(l),
            right: b(r),
        }
    }
    fn sel(operand: ExprKind, field: &str) -> ExprKind {
        ExprKind::Select {
            operand: b(operand),
            field: field.into(),
        }
    }
    fn call(target: Option<ExprKind>, function: &str, args: Vec<ExprKind>) -> ExprKind {
        ExprKind::Call {
            target: target.map(b),
            function: function.into(),
            args: args.into_iter().map(e).collect(),
        }
    }
    fn unary(op: UnaryOp, operand: ExprKind) -> ExprKind {
        ExprKind::Unary {
            op,
            operand: b(operand),
        }
    }

    fn ok(src: &str) -> Expr {
        match parse(src) {
            Ok(x) => x,
            Err(err) => panic!("{src:?} failed: {err:?}"),
        }
    }
    fn kind(src: &str) -> ExprKind {
        ok(src).kind
    }
    fn err(src: &str) -> ParseError {
        match parse(src) {
            Ok(x) => panic!("{src:?} parsed as {x:?}"),
            Err(err) => err,
        }
    }

    #[test]
    fn literals() {
        assert_eq!(kind("null"), ExprKind::Literal(Literal::Null));
        assert_eq!(kind("true"), ExprKind::Literal(Literal::Bool(true)));
        assert_eq!(kind("false"), ExprKind::Literal(Literal::Bool(false)));
        assert_eq!(kind("42"), int(42));
        assert_eq!(kind("0x2A"), int(42));
        assert_eq!(kind("42u"), ExprKind::Literal(Literal::Uint(42)));
        assert_eq!(kind("2.5"), ExprKind::Literal(Literal::Double(2.5)));
        assert_eq!(kind("'s'"), ExprKind::Literal(Literal::String("s".into())));
        assert_eq!(
            kind("b's'"),
            ExprKind::Literal(Literal::Bytes(b"s".to_vec()))
        );
        assert_eq!(kind("9223372036854775807"), int(i64::MAX));
    }

    #[test]
    fn negative_literals_fold() {
        assert_eq!(kind("-9223372036854775808"), int(i64::MIN));
        assert_eq!(kind("-0x8000000000000000"), int(i64::MIN));
        assert_eq!(kind("-5"), int(-5));
        assert_eq!(kind("-2.5"), ExprKind::Literal(Literal::Double(-2.5)));
        assert_eq!(kind("--5"), unary(UnaryOp::Neg, int(-5)));
        assert_eq!(kind("!-5"), unary(UnaryOp::Not, int(-5)));
        assert_eq!(kind("-(5)"), unary(UnaryOp::Neg, int(5)));
        assert_eq!(kind("-x"), unary(UnaryOp::Neg, id("x")));
        assert_eq!(kind("-5.abs()"), call(Some(int(-5)), "abs", vec![]));
        assert_eq!(kind("1 - 1"), bin(BinaryOp::Sub, int(1), int(1)));
        let span = ok("  -5").span;
        assert_eq!(span, Span::new(2, 4));
    }

    #[test]
    fn literal_range_errors() {
        let x = err("9223372036854775808");
        assert_eq!(x.code, Code::CelSyntax);
        assert_eq!(
            x.message,
            "integer literal `9223372036854775808` is out of range"
        );
        assert_eq!(x.span, Span::new(0, 19));
        let x = err("1 + -9223372036854775809");
        assert_eq!(x.span, Span::new(4, 24));
        let x = err("-1u");
        assert_eq!(x.message, "a uint literal cannot be negated: `1u`");
        assert_eq!(x.span, Span::new(0, 3));
        assert_eq!(
            kind("-(1u)"),
            unary(UnaryOp::Neg, ExprKind::Literal(Literal::Uint(1)))
        );
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(
            kind("a + b * c"),
            bin(BinaryOp::Add, id("a"), bin(BinaryOp::Mul, id("b"), id("c")))
        );
        assert_eq!(
            kind("a - b - c"),
            bin(BinaryOp::Sub, bin(BinaryOp::Sub, id("a"), id("b")), id("c"))
        );
        assert_eq!(
            kind("a < b == c in d"),
            bin(
                BinaryOp::In,
                bin(BinaryOp::Eq, bin(BinaryOp::Lt, id("a"), id("b")), id("c")),
                id("d")
            )
        );
        assert_eq!(
            kind("a || b && c"),
            bin(BinaryOp::Or, id("a"), bin(BinaryOp::And, id("b"), id("c")))
        );
        assert_eq!(
            kind("!a && -b % c"),
            bin(
                BinaryOp::And,
                unary(UnaryOp::Not, id("a")),
                bin(BinaryOp::Rem, unary(UnaryOp::Neg, id("b")), id("c"))
            )
        );
        assert_eq!(
            kind("a <= b != c >= d > e / f"),
            bin(
                BinaryOp::Gt,
                bin(
                    BinaryOp::Ge,
                    bin(BinaryOp::Ne, bin(BinaryOp::Le, id("a"), id("b")), id("c")),
                    id("d")
                ),
                bin(BinaryOp::Div, id("e"), id("f"))
            )
        );
        assert_eq!(kind("((a))"), id("a"));
        assert_eq!(ok(" (a) ").span, Span::new(1, 4));
    }

    #[test]
    fn logical_chains_are_balanced() {
        let or = |l, r| bin(BinaryOp::Or, l, r);
        assert_eq!(
            kind("a || b || c || d"),
            or(or(id("a"), id("b")), or(id("c"), id("d")))
        );
        assert_eq!(kind("a || b || c"), or(or(id("a"), id("b")), id("c")));
        let and = |l, r| bin(BinaryOp::And, l, r);
        assert_eq!(
            kind("a && b && c && d && e"),
            and(and(and(id("a"), id("b")), and(id("c"), id("d"))), id("e"))
        );
        // A long disjunction stays shallow: 1000 terms fit the depth limit.
        let long = vec!["x == 1"; 1000].join(" || ");
        assert!(parse(&long).is_ok());
    }

    #[test]
    fn conditional() {
        let cond = |c, t, o| ExprKind::Conditional {
            cond: b(c),
            then: b(t),
            otherwise: b(o),
        };
        assert_eq!(
            kind("a ? b : c ? d : e"),
            cond(id("a"), id("b"), cond(id("c"), id("d"), id("e")))
        );
        assert_eq!(
            kind("a || b ? c + 1 : d"),
            cond(
                bin(BinaryOp::Or, id("a"), id("b")),
                bin(BinaryOp::Add, id("c"), int(1)),
                id("d")
            )
        );
        let x = err("a ? b ? c : d : e");
        assert_eq!(x.message, "unexpected token `?`, expected `:`");
        assert_eq!(x.span, Span::new(6, 7));
    }

    #[test]
    fn optional_syntax() {
        assert_eq!(
            kind("a.?b.c"),
            sel(
                ExprKind::OptSelect {
                    operand: b(id("a")),
                    field: "b".into()
                },
                "c"
            )
        );
        assert_eq!(
            kind("m[?k]"),
            ExprKind::OptIndex {
                operand: b(id("m")),
                index: b(id("k"))
            }
        );
        assert_eq!(
            kind("[a, ?b]"),
            ExprKind::List(vec![e(id("a")), e(ExprKind::OptEntry(b(id("b"))))])
        );
        assert_eq!(
            kind("{?'k': v}"),
            ExprKind::Map(vec![(
                e(ExprKind::OptEntry(b(ExprKind::Literal(Literal::String(
                    "k".into()
                ))))),
                e(id("v"))
            )])
        );
        // A ternary inside a list is not an optional entry.
        assert!(
            matches!(kind("[a ? b : c]"), ExprKind::List(items) if matches!(items[0].kind, ExprKind::Conditional { .. }))
        );
        assert!(matches!(
            kind("x.optMap(v, v + 1)"),
            ExprKind::Macro { kind: MacroKind::OptMap, ref var, .. } if var == "v"
        ));
        assert!(matches!(
            kind("x.optFlatMap(v, v.?y)"),
            ExprKind::Macro {
                kind: MacroKind::OptFlatMap,
                ..
            }
        ));
        // Printing round-trips.
        for src in [
            "a.?b.?c",
            "m[?k + 1]",
            "[?a, b]",
            r#"{?"k": v, "j": w}"#,
            "T{?f: x}",
        ] {
            let ast = ok(src);
            assert_eq!(print(&ast), src);
            assert_eq!(parse(&print(&ast)).ok(), Some(ast));
        }
        // No method call after `.?`; `.?` needs a field name.
        assert!(parse("a.?b()").is_err());
        assert!(parse("a.?").is_err());
        assert!(parse("a[?]").is_err());
        assert_eq!(
            err("x.optMap(1, 2)").message,
            "the first argument of `optMap` must be a simple identifier (the iteration variable)"
        );
    }

    #[test]
    fn members_calls_index() {
        assert_eq!(kind("a.b.c"), sel(sel(id("a"), "b"), "c"));
        assert_eq!(
            kind(".a.b"),
            sel(
                ExprKind::Ident {
                    name: "a".into(),
                    leading_dot: true
                },
                "b"
            )
        );
        assert_eq!(kind("size(x)"), call(None, "size", vec![id("x")]));
        assert_eq!(kind("f()"), call(None, "f", vec![]));
        assert_eq!(kind(".f(1)"), call(None, ".f", vec![int(1)]));
        assert_eq!(
            kind("x.startsWith('a')"),
            call(
                Some(id("x")),
                "startsWith",
                vec![ExprKind::Literal(Literal::String("a".into()))]
            )
        );
        assert_eq!(
            kind("math.greatest(1, 2)"),
            call(Some(id("math")), "greatest", vec![int(1), int(2)])
        );
        assert_eq!(
            kind("a[0][k]"),
            ExprKind::Index {
                operand: b(ExprKind::Index {
                    operand: b(id("a")),
                    index: b(int(0)),
                }),
                index: b(id("k")),
            }
        );
        assert_eq!(kind("m.`a-b`"), sel(id("m"), "a-b"));
        assert_eq!(kind("m.as"), sel(id("m"), "as"));
        assert_eq!(
            kind("a.while() || true"),
            bin(
                BinaryOp::Or,
                call(Some(id("a")), "while", vec![]),
                ExprKind::Literal(Literal::Bool(true))
            )
        );
        let x = ok("ab.cd(1)[2]");
        assert_eq!(x.span, Span::new(0, 11));
        match x.kind {
            ExprKind::Index { operand, .. } => assert_eq!(operand.span, Span::new(0, 8)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lists_maps_structs() {
        assert_eq!(kind("[]"), ExprKind::List(vec![]));
        assert_eq!(kind("[1, 2,]"), ExprKind::List(vec![e(int(1)), e(int(2))]));
        assert_eq!(kind("{}"), ExprKind::Map(vec![]));
        assert_eq!(
            kind("{'a': 1, 2: x,}"),
            ExprKind::Map(vec![
                (e(ExprKind::Literal(Literal::String("a".into()))), e(int(1))),
                (e(int(2)), e(id("x"))),
            ])
        );
        assert_eq!(
            kind("a.b.T{x: 1, `y-z`: 2, as: 3,}"),
            ExprKind::Struct {
                type_name: "a.b.T".into(),
                fields: vec![
                    ("x".into(), e(int(1))),
                    ("y-z".into(), e(int(2))),
                    ("as".into(), e(int(3)))
                ],
            }
        );
        assert_eq!(
            kind(".T{}.f"),
            sel(
                ExprKind::Struct {
                    type_name: ".T".into(),
                    fields: vec![]
                },
                "f"
            )
        );
        assert_eq!(ok("x + T{a: 1}").span, Span::new(0, 11));
        assert_eq!(
            err("(T){}").message,
            "unexpected token `{`, expected an operator or the end of the expression"
        );
        assert_eq!(
            err("[,]").message,
            "unexpected token `,`, expected an expression"
        );
        assert_eq!(
            err("[1 2]").message,
            "unexpected token `2`, expected `,` or `]`"
        );
        assert_eq!(err("{1 2}").message, "unexpected token `2`, expected `:`");
        assert_eq!(
            err("f(1,)").message,
            "unexpected token `)`, expected an expression"
        );
        assert_eq!(
            err("T{1: 2}").message,
            "unexpected token `1`, expected a field name or `}`"
        );
    }

    #[test]
    fn macros() {
        assert_eq!(
            kind("has(a.b)"),
            ExprKind::Has {
                operand: b(id("a")),
                field: "b".into()
            }
        );
        let x = err("has(a)");
        assert_eq!(
            x.message,
            "invalid argument to `has`: expected a field selection such as `has(a.b)` (for a top-level field write `has(record.field)`)"
        );
        assert_eq!(x.span, Span::new(4, 5));
        assert_eq!(kind("has(a, b)"), call(None, "has", vec![id("a"), id("b")]));
        for (name, mk) in [
            ("all", MacroKind::All),
            ("exists", MacroKind::Exists),
            ("exists_one", MacroKind::ExistsOne),
            ("filter", MacroKind::Filter),
            ("map", MacroKind::Map),
            ("sortBy", MacroKind::SortBy),
        ] {
            assert_eq!(
                kind(&format!("l.{name}(x, x > 0)")),
                ExprKind::Macro {
                    kind: mk,
                    target: b(id("l")),
                    var: "x".into(),
                    var2: None,
                    args: vec![e(bin(BinaryOp::Gt, id("x"), int(0)))],
                }
            );
        }
        assert_eq!(
            kind("l.map(x, p, t)"),
            ExprKind::Macro {
                kind: MacroKind::Map,
                target: b(id("l")),
                var: "x".into(),
                var2: None,
                args: vec![e(id("p")), e(id("t"))],
            }
        );
        for (name, mk) in [
            ("all", MacroKind::All),
            ("exists", MacroKind::Exists),
            ("exists_one", MacroKind::ExistsOne),
            ("existsOne", MacroKind::ExistsOne),
            ("transformList", MacroKind::TransformList),
            ("transformMap", MacroKind::TransformMap),
            ("transformMapEntry", MacroKind::TransformMapEntry),
        ] {
            assert_eq!(
                kind(&format!("l.{name}(i, v, p)")),
                ExprKind::Macro {
                    kind: mk,
                    target: b(id("l")),
                    var: "i".into(),
                    var2: Some("v".into()),
                    args: vec![e(id("p"))],
                }
            );
        }
        assert_eq!(
            kind("m.transformMap(k, v, p, t)"),
            ExprKind::Macro {
                kind: MacroKind::TransformMap,
                target: b(id("m")),
                var: "k".into(),
                var2: Some("v".into()),
                args: vec![e(id("p")), e(id("t"))],
            }
        );
        // `existsOne` and `transformList` with too few arguments are plain method calls.
        assert_eq!(
            kind("l.existsOne(x, p)"),
            call(Some(id("l")), "existsOne", vec![id("x"), id("p")])
        );
        let x = err("l.all(i, i, true)");
        assert_eq!(x.message, "duplicate variable name `i` in `all`");
        assert_eq!(x.span, Span::new(9, 10));
        let x = err("l.exists(i, v.w, true)");
        assert_eq!(
            x.message,
            "the second argument of `exists` must be a simple identifier (the value variable)"
        );
        assert_eq!(x.span, Span::new(12, 15));
        let x = err("l.transformList(i.j, v, v)");
        assert_eq!(
            x.message,
            "the first argument of `transformList` must be a simple identifier (the index or key variable)"
        );
        assert_eq!(kind("l.all(x)"), call(Some(id("l")), "all", vec![id("x")]));
        let x = err("l.all(x.y, true)");
        assert_eq!(
            x.message,
            "the first argument of `all` must be a simple identifier (the iteration variable)"
        );
        assert_eq!(x.span, Span::new(6, 9));
        assert_eq!(err("l.exists(.x, true)").code, Code::CelSyntax);
    }

    #[test]
    fn syntax_errors() {
        let x = err("a + ");
        assert_eq!(x.message, "unexpected end of input, expected an expression");
        assert_eq!(x.span, Span::new(4, 4));
        let x = err("(a + b");
        assert_eq!(x.message, "unexpected end of input, expected `)`");
        let x = err("a b");
        assert_eq!(
            x.message,
            "unexpected token `b`, expected an operator or the end of the expression"
        );
        assert_eq!(x.span, Span::new(2, 3));
        let x = err("f(a))");
        assert_eq!(x.span, Span::new(4, 5));
        let x = err("as + 1");
        assert_eq!(
            x.message,
            "`as` is a reserved word and cannot be used as an identifier"
        );
        assert_eq!(x.span, Span::new(0, 2));
        assert_eq!(err("while(1)").code, Code::CelSyntax);
        assert_eq!(
            err("a.true").message,
            "unexpected token `true`, expected a field name"
        );
        assert_eq!(
            err("").message,
            "unexpected end of input, expected an expression"
        );
        assert_eq!(err("`a`").code, Code::CelSyntax);
        assert_eq!(
            err("a = 1").message,
            "unexpected character `=`, did you mean `==`?"
        );
        // The first error wins: a bad character after a syntax error is not reported.
        assert_eq!(err("a b #").span, Span::new(2, 3));
    }

    #[test]
    fn limits() {
        let x = err(&"a".repeat(MAX_EXPR_LEN + 1));
        assert_eq!(x.code, Code::CelTooLong);
        assert_eq!(
            x.message,
            "expression is 16385 bytes long, the limit is 16384 bytes"
        );
        assert!(parse(&format!("{}1{}", "(".repeat(40), ")".repeat(40))).is_ok());
        for deep in [
            format!("{}1{}", "(".repeat(65), ")".repeat(65)),
            format!("{}1{}", "[".repeat(65), "]".repeat(65)),
            format!("{}1", "-".repeat(100)),
            format!("{}true", "!".repeat(100)),
            format!("a{}", ".b".repeat(100)),
            format!("a{}", "[0]".repeat(100)),
            vec!["1"; 100].join(" + "),
            format!("{}x", "a ? b : ".repeat(100)),
            format!("{}1{}", "f(".repeat(100), ")".repeat(100)),
            format!("{}1{}", "{1: ".repeat(100), "}".repeat(100)),
        ] {
            let x = err(&deep);
            assert_eq!(x.code, Code::CelTooDeep, "{deep}");
            assert_eq!(
                x.message,
                "expression is nested too deeply, the limit is 64 levels"
            );
        }
        let x = err(&"(".repeat(16000));
        assert_eq!(x.code, Code::CelTooDeep);
        assert_eq!(x.span, Span::new(64, 65));
    }

    #[test]
    fn no_stack_overflow_without_length_limit() {
        for src in [
            "(".repeat(100_000),
            "-".repeat(100_000),
            "!".repeat(100_000),
            "[".repeat(100_000),
            "{".repeat(100_000),
            "f(".repeat(100_000),
            format!("a{}", ".b".repeat(100_000)),
            format!("a{}", "[0]".repeat(100_000)),
            vec!["1"; 100_000].join("+"),
            "a ? b : ".repeat(100_000),
        ] {
            match parse_with_limits(&src, usize::MAX, MAX_EXPR_DEPTH) {
                Err(x) => assert_eq!(x.code, Code::CelTooDeep, "{}", &src[..20]),
                Ok(_) => panic!("parsed {}", &src[..20]),
            }
        }
    }

    /// Reads the CEL conformance files (`tests/cel-conformance/`) and parses every expression.
    #[test]
    fn conformance_expressions_parse() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cel-conformance");
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("conformance corpus {} missing: {e}", dir.display()));
        let mut files: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let (mut total, mut failed) = (0, Vec::new());
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("?")
                .to_string();
            let sections = json["section"].as_array().cloned().unwrap_or_default();
            for section in sections {
                for test in section["test"].as_array().cloned().unwrap_or_default() {
                    let Some(expr) = test["expr"].as_str() else {
                        continue;
                    };
                    total += 1;
                    match parse(expr) {
                        Ok(ast) => {
                            // Printing and re-parsing gives the same tree.
                            let printed = print(&ast);
                            assert_eq!(parse(&printed).ok(), Some(ast), "{printed}");
                        }
                        Err(x) => failed.push(format!(
                            "{file} {}/{}: {expr} -> {}",
                            section["name"], test["name"], x.message
                        )),
                    }
                }
            }
        }
        eprintln!(
            "{} of {total} conformance expressions parse",
            total - failed.len()
        );
        assert!(total > 1000, "only {total} expressions found");
        assert_eq!(failed, Vec::<String>::new());
    }

    const NAMES: &[&str] = &["a", "b", "x", "size", "_y", "as_", "has", "all"];
    const FIELDS: &[&str] = &["f", "as", "in", "content-type", "while", "x_1"];
    const FUNCS: &[&str] = &["f", "size", "startsWith", ".g", "int"];

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(NAMES).prop_map(str::to_string)
    }
    fn field() -> impl Strategy<Value = String> {
        prop::sample::select(FIELDS).prop_map(str::to_string)
    }

    fn literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            Just(Literal::Null),
            any::<bool>().prop_map(Literal::Bool),
            any::<i64>().prop_map(Literal::Int),
            any::<u64>().prop_map(Literal::Uint),
            any::<f64>()
                .prop_filter("finite", |v| v.is_finite())
                .prop_map(Literal::Double),
            any::<String>().prop_map(Literal::String),
            any::<Vec<u8>>().prop_map(Literal::Bytes),
        ]
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            literal().prop_map(ExprKind::Literal),
            (name(), any::<bool>())
                .prop_map(|(name, leading_dot)| ExprKind::Ident { name, leading_dot }),
        ]
        .prop_map(e);
        leaf.prop_recursive(6, 48, 4, |inner| {
            let bx = inner.clone().prop_map(Box::new);
            let unop = prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)];
            let binop = prop::sample::select(vec![
                BinaryOp::And,
                BinaryOp::Or,
                BinaryOp::Add,
                BinaryOp::Sub,
                BinaryOp::Mul,
                BinaryOp::Div,
                BinaryOp::Rem,
                BinaryOp::Eq,
                BinaryOp::Ne,
                BinaryOp::Lt,
                BinaryOp::Le,
                BinaryOp::Gt,
                BinaryOp::Ge,
                BinaryOp::In,
            ]);
            let macro_kind = prop::sample::select(vec![
                MacroKind::All,
                MacroKind::Exists,
                MacroKind::ExistsOne,
                MacroKind::Map,
                MacroKind::Filter,
                MacroKind::TransformList,
                MacroKind::TransformMap,
                MacroKind::TransformMapEntry,
                MacroKind::SortBy,
                MacroKind::OptMap,
                MacroKind::OptFlatMap,
            ]);
            // An item of a list literal, or a key of a map literal: optional or not.
            let entry = (any::<bool>(), inner.clone()).prop_map(|(optional, e)| {
                if optional {
                    Expr {
                        span: e.span,
                        kind: ExprKind::OptEntry(Box::new(e)),
                    }
                } else {
                    e
                }
            });
            prop_oneof![
                (bx.clone(), field())
                    .prop_map(|(operand, field)| ExprKind::Select { operand, field }),
                (bx.clone(), field())
                    .prop_map(|(operand, field)| ExprKind::OptSelect { operand, field }),
                (bx.clone(), bx.clone())
                    .prop_map(|(operand, index)| ExprKind::OptIndex { operand, index }),
                prop::collection::vec(entry.clone(), 0..4).prop_map(ExprKind::List),
                prop::collection::vec((entry, inner.clone()), 0..3).prop_map(ExprKind::Map),
                (bx.clone(), field()).prop_map(|(operand, field)| ExprKind::Has { operand, field }),
                (bx.clone(), bx.clone())
                    .prop_map(|(operand, index)| ExprKind::Index { operand, index }),
                (
                    prop::option::of(bx.clone()),
                    prop::sample::select(FUNCS),
                    prop::collection::vec(inner.clone(), 0..3)
                )
                    .prop_filter("method names have no leading dot", |(t, f, _)| {
                        t.is_none() || !f.starts_with('.')
                    })
                    .prop_map(|(target, function, args)| ExprKind::Call {
                        target,
                        function: function.to_string(),
                        args
                    }),
                (unop, bx.clone()).prop_map(|(op, operand)| ExprKind::Unary { op, operand }),
                (binop, bx.clone(), bx.clone()).prop_map(|(op, left, right)| ExprKind::Binary {
                    op,
                    left,
                    right
                }),
                (bx.clone(), bx.clone(), bx.clone()).prop_map(|(cond, then, otherwise)| {
                    ExprKind::Conditional {
                        cond,
                        then,
                        otherwise,
                    }
                }),
                prop::collection::vec(inner.clone(), 0..4).prop_map(ExprKind::List),
                prop::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(ExprKind::Map),
                (
                    prop::sample::select(vec!["T", "a.b.T", ".T", ".a.T"]),
                    prop::collection::vec((field(), inner.clone()), 0..3)
                )
                    .prop_map(|(t, fields)| ExprKind::Struct {
                        type_name: t.to_string(),
                        fields
                    }),
                (
                    macro_kind,
                    bx,
                    name(),
                    prop::option::of(name()),
                    prop::collection::vec(inner, 1..3)
                )
                    .prop_map(|(kind, target, var, var2, mut args)| {
                        let two_only = matches!(
                            kind,
                            MacroKind::TransformList
                                | MacroKind::TransformMap
                                | MacroKind::TransformMapEntry
                        );
                        let one_only = matches!(
                            kind,
                            MacroKind::Map
                                | MacroKind::Filter
                                | MacroKind::SortBy
                                | MacroKind::OptMap
                                | MacroKind::OptFlatMap
                        );
                        let var2 = match var2 {
                            _ if one_only => None,
                            Some(v) if v != var => Some(v),
                            _ if two_only => Some(format!("{var}2")),
                            _ => None,
                        };
                        let filter_allowed = kind == MacroKind::Map || two_only;
                        if !filter_allowed {
                            args.truncate(1);
                        }
                        ExprKind::Macro {
                            kind,
                            target,
                            var,
                            var2,
                            args,
                        }
                    }),
            ]
            .prop_map(e)
        })
    }

    const TOKENS: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ".",
        ",",
        ":",
        "?",
        "+",
        "-",
        "*",
        "/",
        "%",
        "!",
        "<",
        "<=",
        ">",
        ">=",
        "==",
        "!=",
        "&&",
        "||",
        "in",
        "a",
        "b.c",
        "has",
        "all",
        "map",
        "1",
        "1u",
        "1.5",
        "'s'",
        "b'x'",
        "r'\\'",
        "'''t'''",
        "true",
        "null",
        "`q-x`",
        "as",
        "0x",
        "\"",
        "\\",
        "//",
        "\n",
        "-9223372036854775808",
        "9223372036854775808",
        "é",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn parse_never_panics_on_strings(src in any::<String>()) {
            let _ = parse(&src);
        }

        #[test]
        fn parse_never_panics_on_tokens(
            toks in prop::collection::vec(prop::sample::select(TOKENS), 0..40),
            sep in prop::sample::select(vec!["", " "]),
        ) {
            let src = toks.join(sep);
            if let Ok(ast) = parse(&src) {
                let printed = print(&ast);
                prop_assert_eq!(parse(&printed).ok(), Some(ast), "{}", printed);
            } else if let Err(x) = parse(&src) {
                prop_assert!(x.span.start <= x.span.end && (x.span.end as usize) <= src.len());
                prop_assert!(src.is_char_boundary(x.span.start as usize));
                prop_assert!(src.is_char_boundary(x.span.end as usize));
            }
        }

        #[test]
        fn print_then_parse_round_trips(ast in arb_expr()) {
            let printed = print(&ast);
            match parse(&printed) {
                Ok(back) => prop_assert_eq!(back, ast, "{}", printed),
                Err(x) => prop_assert!(false, "{} failed to parse: {:?}", printed, x),
            }
        }
    }
}

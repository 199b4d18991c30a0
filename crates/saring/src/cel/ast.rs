//! The CEL abstract syntax tree. Every node carries the byte span of its source text.

use std::fmt;

/// A byte range `start..end` into the expression source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte of the node.
    pub start: u32,
    /// One past the last byte of the node.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// An expression node: what it is and where it came from.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The node itself.
    pub kind: ExprKind,
    /// Where the node is in the source.
    pub span: Span,
}

/// Structural equality that ignores spans (used by the printer/parser round-trip tests).
impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// A literal constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// `42`, `-7`, `0x2A`
    Int(i64),
    /// `42u`
    Uint(u64),
    /// `1.5`, `1e3`
    Double(f64),
    /// `"text"`, `r'raw'`, `'''multi'''`
    String(String),
    /// `b"bytes"`
    Bytes(Vec<u8>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!x`
    Not,
    /// `-x`
    Neg,
}

/// Binary operators (logical `&&`/`||` included; they have CEL's error-absorbing semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
}

impl BinaryOp {
    /// The operator as written in CEL source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
        }
    }
}

/// The comprehension macros of CEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroKind {
    /// `list.all(x, pred)`
    All,
    /// `list.exists(x, pred)`
    Exists,
    /// `list.exists_one(x, pred)`
    ExistsOne,
    /// `list.map(x, expr)` or `list.map(x, pred, expr)`
    Map,
    /// `list.filter(x, pred)`
    Filter,
    /// `e.transformList(i, v, expr)` or `e.transformList(i, v, filter, expr)` (two variables)
    TransformList,
    /// `e.transformMap(k, v, expr)` or `e.transformMap(k, v, filter, expr)` (two variables)
    TransformMap,
    /// `e.transformMapEntry(k, v, {key: value})`, with an optional filter (two variables)
    TransformMapEntry,
    /// `list.sortBy(x, key)`: the items ordered by their keys (the lists extension)
    SortBy,
    /// `opt.optMap(x, expr)`: `optional.of(expr)` with `x` bound to the optional's value, or
    /// `optional.none()` when it has none (optional values)
    OptMap,
    /// `opt.optFlatMap(x, expr)`: like `optMap`, but `expr` is itself an optional
    OptFlatMap,
}

impl MacroKind {
    /// The macro's name as written in CEL source.
    pub fn name(self) -> &'static str {
        match self {
            MacroKind::All => "all",
            MacroKind::Exists => "exists",
            MacroKind::ExistsOne => "exists_one",
            MacroKind::Map => "map",
            MacroKind::Filter => "filter",
            MacroKind::TransformList => "transformList",
            MacroKind::TransformMap => "transformMap",
            MacroKind::TransformMapEntry => "transformMapEntry",
            MacroKind::SortBy => "sortBy",
            MacroKind::OptMap => "optMap",
            MacroKind::OptFlatMap => "optFlatMap",
        }
    }
}

/// The kinds of expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal constant.
    Literal(Literal),
    /// A (possibly leading-dot) identifier: `destination`, `.x`.
    Ident {
        /// The identifier.
        name: String,
        /// Written with a leading dot (`.x`, root-scope resolution).
        leading_dot: bool,
    },
    /// Field selection `operand.field`.
    Select {
        /// The expression before the dot.
        operand: Box<Expr>,
        /// The field name.
        field: String,
    },
    /// Optional field selection `operand.?field`: `optional.of(operand.field)` when the field
    /// is present, else `optional.none()` (an absent field is not missing data here).
    OptSelect {
        /// The expression before the `.?`.
        operand: Box<Expr>,
        /// The field name.
        field: String,
    },
    /// Optional indexing `operand[?index]`: `optional.of(operand[index])` when the key or
    /// index is there, else `optional.none()`.
    OptIndex {
        /// The indexed list or map.
        operand: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// An optional entry of a list or map literal, `[?x]` / `{?k: v}`: the marked item (or
    /// the key of the marked entry). Its value must be an optional; the entry is left out
    /// when it has none. Only the parser makes these, directly inside a list or a map key.
    OptEntry(Box<Expr>),
    /// The `has(operand.field)` macro: field presence test.
    Has {
        /// The expression before the dot.
        operand: Box<Expr>,
        /// The field name tested.
        field: String,
    },
    /// `operand[index]`
    Index {
        /// The indexed list or map.
        operand: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// A function or method call: `size(x)`, `x.startsWith("a")`.
    Call {
        /// The receiver for method-style calls.
        target: Option<Box<Expr>>,
        /// Function name (may be qualified, e.g. `math.greatest`).
        function: String,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// A unary operator.
    Unary {
        /// Which operator.
        op: UnaryOp,
        /// Its operand.
        operand: Box<Expr>,
    },
    /// A binary operator.
    Binary {
        /// Which operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `cond ? then : otherwise`
    Conditional {
        /// The condition.
        cond: Box<Expr>,
        /// Value when true.
        then: Box<Expr>,
        /// Value when false.
        otherwise: Box<Expr>,
    },
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `{k: v, ...}`
    Map(Vec<(Expr, Expr)>),
    /// Message construction `Name{field: value}` (parsed, rejected by the checker: saring has no
    /// protobuf message types).
    Struct {
        /// The message type name.
        type_name: String,
        /// Field initialisers.
        fields: Vec<(String, Expr)>,
    },
    /// A comprehension macro: `target.kind(var, args...)`, or with two variables
    /// `target.kind(var, var2, args...)` (cel-go's two-variable comprehensions).
    Macro {
        /// Which macro.
        kind: MacroKind,
        /// The list or map iterated over.
        target: Box<Expr>,
        /// The iteration variable (with two variables: the list index or the map key).
        var: String,
        /// The second variable of a two-variable comprehension: the list item or map value.
        var2: Option<String>,
        /// One argument (predicate or transform), or two (filter and transform) for the
        /// three-argument `map` and the four-argument `transformList` / `transformMap` /
        /// `transformMapEntry`.
        args: Vec<Expr>,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::cel::printer::print(self))
    }
}

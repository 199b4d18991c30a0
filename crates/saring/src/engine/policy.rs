//! Policy over what rules read, beyond the protected/monitored checks of compilation:
//!
//! - **proxy reads** (`pack.proxy_field` warnings): a schema field declared with
//!   `encodes = ["sex", "birth_date"]` (an identity number whose digits carry them) may be
//!   read only as a whole value. Allowed: a format check `matches()` with an anchored
//!   (`^...$`) literal pattern, `size()`, `has()`, `==` / `!=`, membership `in` a list, and
//!   the whole-value conversions `string()`, `lowerAscii()`, `upperAscii()`, `trim()`.
//!   Anything else that takes the value apart — `substring()`, indexing, `int()`,
//!   `startsWith()`, ordering comparisons (`sort()` and `sortBy()` included), arithmetic, any
//!   other function — decodes what the field encodes and is reported, in rules and derived
//!   values alike; a rule reading a derived value that does so is reported too. A regular
//!   expression that singles out digit positions can still be a proxy: the back-test's
//!   per-rule disparity is the empirical check this static one cannot replace.
//! - **the monitored register**: every rule that reads a monitored field, with the fields
//!   and its recorded justification ([`MonitoredUse`]).
//!
//! The proxy check is a visitor over the parsed AST, resolving names the way the checker
//! does (macro variables, derived values, lists, `record.`, schema fields), so it runs on
//! packs that already compiled.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::cel::ast::{BinaryOp, Expr, ExprKind, Literal, Span, UnaryOp};
use crate::cel::parser::parse;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::RuleInfo;
use crate::pack::{Expression, Pack};
use crate::schema::{Field, FieldKind, ObjectType};

/// One entry of the monitored register: a rule that reads monitored fields, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoredUse {
    /// Rule id.
    pub rule: String,
    /// The monitored fields it reads (directly or through derived values).
    pub fields: Vec<String>,
    /// The justification (`uses_monitored.why`).
    pub why: String,
    /// Its legal basis or sources.
    pub references: Vec<String>,
    /// Who approved the use.
    pub approved_by: String,
}

/// The monitored register of a compiled pack, in rule order.
pub(crate) fn monitored_register(pack: &Pack, infos: &[RuleInfo]) -> Vec<MonitoredUse> {
    infos
        .iter()
        .filter(|info| !info.reads_monitored.is_empty())
        .filter_map(|info| {
            let rule = pack.rules.iter().find(|r| r.id == info.id)?;
            let j = rule.uses_monitored.as_ref()?;
            Some(MonitoredUse {
                rule: info.id.clone(),
                fields: info.reads_monitored.clone(),
                why: j.why.clone(),
                references: j.references.clone(),
                approved_by: j.approved_by.clone(),
            })
        })
        .collect()
}

/// An encoded value an expression passes on whole: which field it is, what it encodes, and
/// through which derived value it came (if any).
#[derive(Debug, Clone)]
struct Carrier {
    field: Arc<str>,
    encodes: Arc<[String]>,
}

/// What a name in scope stands for.
#[derive(Debug, Clone)]
enum Local {
    /// A macro variable holding an encoded value.
    Carrier(Carrier),
    /// A macro variable holding a list item object.
    Item(Arc<ObjectType>),
    /// Anything else.
    Other,
}

/// A resolved operand: an object to select from, a field, or nothing of interest.
enum Resolved {
    Object(Arc<ObjectType>),
    Field(Field),
    Carrier(Carrier),
    Other,
}

/// Functions that pass an encoded value on whole (it stays encoded).
const PASS_THROUGH: &[&str] = &[
    "string",
    "lowerAscii",
    "upperAscii",
    "trim",
    // Optional values carry the value whole.
    "value",
    "orValue",
    "or",
    "optional.of",
    "optional.ofNonZeroValue",
];

/// What a derived value is, for the expressions that read it.
#[derive(Debug, Clone)]
enum DerivedKind {
    /// Its value is an encoded field, whole.
    Carrier(Carrier),
    /// It takes an encoded field apart (already reported at the derived value).
    Proxy(Carrier),
    /// Neither.
    Plain,
}

/// One proxy use found in an expression.
struct Finding {
    carrier: Carrier,
    how: String,
    span: Span,
}

struct Visitor<'a> {
    root: &'a Arc<ObjectType>,
    lists: &'a [String],
    derived: &'a BTreeMap<String, DerivedKind>,
    locals: Vec<(String, Local)>,
    findings: Vec<Finding>,
    /// Tainted derived values read, with the span of the read.
    proxies_read: Vec<(String, Carrier, Span)>,
}

fn carrier_of(field: &Field) -> Option<Carrier> {
    (!field.encodes.is_empty()).then(|| Carrier {
        field: Arc::from(field.path.as_str()),
        encodes: field.encodes.clone().into(),
    })
}

impl Visitor<'_> {
    fn resolve_ident(&mut self, name: &str, span: Span) -> Resolved {
        if let Some((_, local)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return match local {
                Local::Carrier(c) => Resolved::Carrier(c.clone()),
                Local::Item(obj) => Resolved::Object(obj.clone()),
                Local::Other => Resolved::Other,
            };
        }
        if let Some(kind) = self.derived.get(name) {
            return match kind {
                DerivedKind::Carrier(c) => Resolved::Carrier(c.clone()),
                DerivedKind::Proxy(c) => {
                    self.proxies_read.push((name.to_string(), c.clone(), span));
                    Resolved::Other
                }
                DerivedKind::Plain => Resolved::Other,
            };
        }
        if self.lists.iter().any(|l| l == name) || name == "rules" {
            return Resolved::Other;
        }
        if let Some(f) = self.root.field(name) {
            return Resolved::Field(f.clone());
        }
        if name == "record" {
            return Resolved::Object(self.root.clone());
        }
        Resolved::Other
    }

    /// Resolves identifiers and field selections; other expressions are visited.
    fn resolve(&mut self, e: &Expr) -> Resolved {
        match &e.kind {
            ExprKind::Ident { name, .. } => self.resolve_ident(name, e.span),
            ExprKind::Select { operand, field } | ExprKind::OptSelect { operand, field } => {
                match self.resolve(operand) {
                    Resolved::Object(obj) => match obj.field(field) {
                        Some(f) => Resolved::Field(f.clone()),
                        None => Resolved::Other,
                    },
                    Resolved::Field(f) => match &f.kind {
                        FieldKind::Object(obj) => match obj.field(field) {
                            Some(child) => Resolved::Field(child.clone()),
                            None => Resolved::Other,
                        },
                        _ => Resolved::Other,
                    },
                    Resolved::Carrier(c) => {
                        self.report(c, format!("`.{field}`"), e.span);
                        Resolved::Other
                    }
                    Resolved::Other => Resolved::Other,
                }
            }
            _ => match self.visit(e) {
                Some(c) => Resolved::Carrier(c),
                None => Resolved::Other,
            },
        }
    }

    fn report(&mut self, carrier: Carrier, how: String, span: Span) {
        self.findings.push(Finding { carrier, how, span });
    }

    /// Visits an expression; returns the encoded value it evaluates to whole, if any.
    fn visit(&mut self, e: &Expr) -> Option<Carrier> {
        match &e.kind {
            ExprKind::Literal(_) => None,
            ExprKind::Ident { .. } | ExprKind::Select { .. } | ExprKind::OptSelect { .. } => {
                match self.resolve(e) {
                    Resolved::Field(f) => carrier_of(&f),
                    Resolved::Carrier(c) => Some(c),
                    _ => None,
                }
            }
            // A presence test reads no value.
            ExprKind::Has { .. } => None,
            // An optional entry of a list or map literal carries its value whole.
            ExprKind::OptEntry(inner) => self.visit(inner),
            ExprKind::Index { operand, index } | ExprKind::OptIndex { operand, index } => {
                self.visit(index);
                if let Some(c) = self.visit(operand) {
                    self.report(c, "indexing (`[...]`)".to_string(), e.span);
                }
                None
            }
            ExprKind::Call {
                target,
                function,
                args,
            } => self.call(e, target.as_deref(), function, args),
            ExprKind::Unary { op, operand } => {
                let c = self.visit(operand);
                if let (Some(c), UnaryOp::Neg) = (c, op) {
                    self.report(c, "arithmetic (`-`)".to_string(), e.span);
                }
                None
            }
            ExprKind::Binary { op, left, right } => {
                let (l, r) = (self.visit(left), self.visit(right));
                match op {
                    BinaryOp::And | BinaryOp::Or => None,
                    // Whole-value comparisons and list membership.
                    BinaryOp::Eq | BinaryOp::Ne => None,
                    BinaryOp::In => {
                        if let Some(c) = r {
                            self.report(
                                c,
                                "`in` (a substring or element test)".to_string(),
                                e.span,
                            );
                        }
                        None
                    }
                    // Concatenation keeps the value whole.
                    BinaryOp::Add if l.is_some() || r.is_some() => l.or(r),
                    _ => {
                        for c in [l, r].into_iter().flatten() {
                            self.report(c, format!("`{}`", op.symbol()), e.span);
                        }
                        None
                    }
                }
            }
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => {
                self.visit(cond);
                let (a, b) = (self.visit(then), self.visit(otherwise));
                a.or(b)
            }
            ExprKind::List(items) => {
                let mut found = None;
                for item in items {
                    found = self.visit(item).or(found);
                }
                found
            }
            ExprKind::Map(entries) => {
                let mut found = None;
                for (k, v) in entries {
                    found = self.visit(k).or(found);
                    found = self.visit(v).or(found);
                }
                found
            }
            ExprKind::Struct { fields, .. } => {
                for (_, v) in fields {
                    self.visit(v);
                }
                None
            }
            ExprKind::Macro {
                kind,
                target,
                var,
                var2,
                args,
            } => {
                let local = match self.resolve(target) {
                    Resolved::Carrier(c) => Local::Carrier(c),
                    Resolved::Field(f) => match (&f.kind, carrier_of(&f)) {
                        (_, Some(c)) => Local::Carrier(c),
                        (FieldKind::List(item), None) => match &**item {
                            FieldKind::Object(obj) => Local::Item(obj.clone()),
                            _ => Local::Other,
                        },
                        _ => Local::Other,
                    },
                    _ => Local::Other,
                };
                let iterates_carrier = match &local {
                    Local::Carrier(c) => Some(c.clone()),
                    _ => None,
                };
                // With two variables the first is the index (or key), the second the item.
                let scoped = match var2 {
                    Some(v) => vec![(var.clone(), Local::Other), (v.clone(), local)],
                    None => vec![(var.clone(), local)],
                };
                let pushed = scoped.len();
                self.locals.extend(scoped);
                let mut last = None;
                for a in args {
                    last = self.visit(a);
                }
                self.locals.truncate(self.locals.len() - pushed);
                use crate::cel::ast::MacroKind;
                // Sorting by an encoded value orders by it, as `<` does.
                if let (MacroKind::SortBy, Some(c)) = (kind, &last) {
                    self.report(c.clone(), "`sortBy()`".into(), e.span);
                }
                match kind {
                    MacroKind::Map
                    | MacroKind::TransformList
                    | MacroKind::TransformMap
                    | MacroKind::TransformMapEntry
                    | MacroKind::OptMap
                    | MacroKind::OptFlatMap => last,
                    MacroKind::Filter | MacroKind::SortBy => iterates_carrier,
                    _ => None,
                }
            }
        }
    }

    fn call(
        &mut self,
        e: &Expr,
        target: Option<&Expr>,
        function: &str,
        args: &[Expr],
    ) -> Option<Carrier> {
        // The value the function works on: the receiver, or the first argument.
        let (subject, rest): (Option<Carrier>, &[Expr]) = match target {
            Some(t) => (self.visit(t), args),
            None => match args.split_first() {
                Some((first, rest)) => (self.visit(first), rest),
                None => (None, args),
            },
        };
        let rest_carrier: Vec<Carrier> = rest.iter().filter_map(|a| self.visit(a)).collect();
        for c in rest_carrier {
            self.report(c, format!("`{function}()`"), e.span);
        }
        let c = subject?;
        match function {
            "size" | "hasValue" => None,
            "matches" if rest.first().is_some_and(is_anchored_literal) => None,
            "matches" => {
                self.report(
                    c,
                    "`matches()` with a pattern that is not an anchored literal (`^...$`)"
                        .to_string(),
                    e.span,
                );
                None
            }
            f if PASS_THROUGH.contains(&f) => Some(c),
            f => {
                self.report(c, format!("`{f}()`"), e.span);
                None
            }
        }
    }
}

/// A string literal pattern anchored at both ends: a whole-value format check.
fn is_anchored_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(Literal::String(p)) => {
            p.starts_with('^') && p.ends_with('$') && !p.ends_with("\\$")
        }
        _ => false,
    }
}

fn place(pack: &Pack, expr: &Expression, span: Span, d: Diagnostic) -> Diagnostic {
    let start = expr.offset + span.start as usize;
    let end = expr.offset + (span.end as usize).max(span.start as usize + 1);
    d.at(&pack.sources.locate(&expr.file, (start, end)))
}

const PROXY_HELP: &str = "a field that encodes personal attributes may only be checked as a \
    whole value: `matches('^...$')` (a format check), `size()`, `==`, `!=`, `in` a list or \
    `has()`; if an attribute is truly needed, capture it upstream as a `monitored` field and \
    justify it with `uses_monitored`";

fn encodes_list(c: &Carrier) -> String {
    c.encodes
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pack.proxy_field` warnings for every rule and derived value of a compiled pack.
pub(crate) fn proxy_warnings(pack: &Pack) -> Vec<Diagnostic> {
    fn any_encoded(obj: &ObjectType) -> bool {
        obj.fields.iter().any(|f| {
            !f.encodes.is_empty()
                || match &f.kind {
                    FieldKind::Object(o) => any_encoded(o),
                    FieldKind::List(item) => {
                        matches!(&**item, FieldKind::Object(o) if any_encoded(o))
                    }
                    _ => false,
                }
        })
    }
    if !any_encoded(&pack.schema.root) {
        return Vec::new();
    }
    let lists: Vec<String> = pack.lists.iter().map(|l| l.name.clone()).collect();
    let mut derived: BTreeMap<String, DerivedKind> = BTreeMap::new();
    let mut out = Vec::new();
    let visit = |expr: &Expression, derived: &BTreeMap<String, DerivedKind>| {
        let ast = parse(&expr.text).ok()?;
        let mut v = Visitor {
            root: &pack.schema.root,
            lists: &lists,
            derived,
            locals: Vec::new(),
            findings: Vec::new(),
            proxies_read: Vec::new(),
        };
        let whole = v.visit(&ast);
        Some((whole, v.findings, v.proxies_read))
    };
    for d in &pack.derive {
        let Some((whole, findings, read)) = visit(&d.expr, &derived) else {
            derived.insert(d.name.clone(), DerivedKind::Plain);
            continue;
        };
        let mut kind = match whole {
            Some(c) => DerivedKind::Carrier(c),
            None => DerivedKind::Plain,
        };
        for f in &findings {
            let diag = Diagnostic::warning(
                Code::PackProxyField,
                format!(
                    "derived value `{}` reads `{}`, which encodes {}, through {}",
                    d.name,
                    f.carrier.field,
                    encodes_list(&f.carrier),
                    f.how
                ),
            )
            .with_help(PROXY_HELP);
            out.push(place(pack, &d.expr, f.span, diag));
        }
        if let Some(f) = findings.into_iter().next() {
            kind = DerivedKind::Proxy(f.carrier);
        } else if let Some((_, c, _)) = read.into_iter().next() {
            kind = DerivedKind::Proxy(c);
        }
        derived.insert(d.name.clone(), kind);
    }
    for rule in &pack.rules {
        let Some((_, findings, read)) = visit(&rule.when, &derived) else {
            continue;
        };
        for f in findings {
            let diag = Diagnostic::warning(
                Code::PackProxyField,
                format!(
                    "rule `{}` reads `{}`, which encodes {}, through {}",
                    rule.id,
                    f.carrier.field,
                    encodes_list(&f.carrier),
                    f.how
                ),
            )
            .with_help(PROXY_HELP)
            .with_rule(rule.id.clone());
            out.push(place(pack, &rule.when, f.span, diag));
        }
        for (name, c, span) in read {
            let diag = Diagnostic::warning(
                Code::PackProxyField,
                format!(
                    "rule `{}` reads derived value `{name}`, which takes apart `{}` (it encodes {})",
                    rule.id,
                    c.field,
                    encodes_list(&c)
                ),
            )
            .with_help(PROXY_HELP)
            .with_rule(rule.id.clone());
            out.push(place(pack, &rule.when, span, diag));
        }
    }
    out
}

/// `pack.example_unknown_field`: examples whose record (or history) holds a field the schema
/// does not declare. `saring test` refuses such an example; `saring check` warns.
#[cfg(feature = "toml")]
pub(crate) fn example_warnings(pack: &Pack) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in &pack.rules {
        for (n, example) in rule.examples.iter().enumerate() {
            let records = example
                .history
                .iter()
                .chain(std::iter::once(&example.record));
            let mut ignored: Vec<String> = Vec::new();
            for record in records {
                if let Ok(decoded) = crate::record::decode_value(
                    &pack.schema,
                    record,
                    crate::record::DecodeOptions::REPORT,
                ) {
                    ignored.extend(decoded.ignored_fields().map(str::to_string));
                }
            }
            if ignored.is_empty() {
                continue;
            }
            // A field in both the record and its history is named once.
            ignored.sort_unstable();
            ignored.dedup();
            let names: Vec<String> = ignored.iter().map(|p| format!("`{p}`")).collect();
            let mut d = Diagnostic::warning(
                Code::PackExampleUnknownField,
                format!(
                    "example {} of rule `{}` holds {} the schema does not declare: {}",
                    n + 1,
                    rule.id,
                    if ignored.len() == 1 {
                        "a field"
                    } else {
                        "fields"
                    },
                    names.join(", ")
                ),
            )
            .with_rule(rule.id.clone());
            if let Some(location) = &example.location {
                d = d.at(location);
            }
            out.push(d);
        }
    }
    out
}

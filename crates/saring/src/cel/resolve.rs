//! Name resolution: the one place that says what a name means. The type checker, the
//! did-you-mean candidates of its errors and reason templates all ask [`Scope`].
//!
//! Resolution order for a plain identifier: comprehension variables (innermost first, unless
//! written with a leading dot), external variables, derived values, named constants, named
//! lists, the `rules` namespace, record fields, `record` (the record itself), type names.

use std::sync::Arc;

use crate::cel::ir::ValueSet;
use crate::cel::types::Type;
use crate::cel::value::Value;
use crate::schema::{Field, FieldKind, ObjectType};

/// A named list visible to expressions.
#[derive(Debug, Clone)]
pub struct ListBinding {
    pub(crate) name: String,
    /// Prebuilt membership set.
    pub(crate) set: Arc<ValueSet>,
    /// The list as a value (for uses other than `in`).
    pub(crate) value: Value,
    /// Element type.
    pub(crate) elem: Type,
}

impl ListBinding {
    /// A named list of the given items (strings or numbers).
    pub fn new(name: impl Into<String>, items: Vec<Value>) -> ListBinding {
        let elem = list_elem_type(&items);
        let set = Arc::new(ValueSet::new(&items));
        ListBinding {
            name: name.into(),
            set,
            value: Value::List(items.into()),
            elem,
        }
    }

    /// The list's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The static type of a named constant's value.
pub(crate) fn constant_type(v: &Value) -> Type {
    match v {
        Value::String(_) => Type::String,
        Value::Int(_) => Type::Int,
        Value::Uint(_) => Type::Uint,
        Value::Double(_) => Type::Double,
        Value::Bool(_) => Type::Bool,
        _ => Type::Dyn,
    }
}

/// The element type of a list of constants: one kind, `double` for mixed numbers, else `dyn`.
fn list_elem_type(items: &[Value]) -> Type {
    let mut t: Option<Type> = None;
    for v in items {
        let vt = constant_type(v);
        t = Some(match t {
            None => vt,
            Some(p) if std::mem::discriminant(&p) == std::mem::discriminant(&vt) => p,
            Some(p) if p.is_numeric() && vt.is_numeric() => Type::Double,
            Some(_) => Type::Dyn,
        });
    }
    t.unwrap_or(Type::Dyn)
}

/// Everything a checked expression may refer to.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// The record schema root, if any.
    pub root: Option<Arc<ObjectType>>,
    /// External variables (index = position).
    pub vars: Vec<(String, Type)>,
    /// Named constants (`[constants]`): literals to the checker and planner.
    pub constants: Vec<(String, Value)>,
    /// Named lists.
    pub lists: Vec<ListBinding>,
    /// Derived values visible to this expression (index = position).
    pub derived: Vec<(String, Type)>,
    /// Rule ids that `rules.<id>` may name (index = position).
    pub rules: Vec<String>,
    /// Windowed aggregates that `agg.<name>` may name, with their types (index = position).
    pub aggregates: Vec<(String, Type)>,
    /// Position of every id of `rules`, for lookups in constant time in packs with thousands
    /// of rules ([`Env::set_rules`] fills both; when it is out of step with `rules`, names
    /// are looked up by a scan of `rules`).
    pub rule_positions: rustc_hash::FxHashMap<String, u32>,
    /// Gradual mode: type errors are not reported; operators dispatch at run time.
    pub lenient: bool,
}

impl Env {
    /// Sets the rule ids that `rules.<id>` may name, with their lookup index.
    pub fn set_rules(&mut self, ids: Vec<String>) {
        self.rule_positions = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        self.rules = ids;
    }

    /// The position of rule `id` in `rules`.
    pub(crate) fn rule_position(&self, id: &str) -> Option<usize> {
        if self.rule_positions.len() == self.rules.len() {
            self.rule_positions.get(id).map(|&i| i as usize)
        } else {
            self.rules.iter().position(|r| r == id)
        }
    }
}

/// The type names CEL knows as identifiers (`int`, `google.protobuf.Timestamp`, ...).
pub(crate) const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional_type",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
];

/// What a name denotes.
#[derive(Debug, Clone)]
pub(crate) enum Binding<'e> {
    /// A comprehension variable (index = depth).
    Local(u32),
    /// An external variable.
    Var(u32),
    /// A derived value.
    Derived(u32),
    /// A windowed aggregate (`agg.<name>`, as a template path).
    Aggregate(u32),
    /// A named constant.
    Const(u32),
    /// A named list.
    List(u32),
    /// A record field (at the root or inside a slot-addressed object).
    Field(&'e Field),
    /// A slot-addressed schema object (`interview`): only its fields can be read.
    Object(&'e Field, &'e Arc<ObjectType>),
    /// `record`: the record itself (for `has(record.field)`).
    Record(&'e Arc<ObjectType>),
    /// The `rules` namespace.
    Rules,
    /// The `agg` namespace (windowed aggregates).
    Aggregates,
    /// A type name used as a value.
    TypeName(&'static str),
}

/// The names in scope at one point of an expression: the environment plus the comprehension
/// variables around that point.
pub(crate) struct Scope<'e> {
    env: &'e Env,
    locals: Vec<(String, Type)>,
}

impl<'e> Scope<'e> {
    pub(crate) fn new(env: &'e Env) -> Scope<'e> {
        Scope {
            env,
            locals: Vec::new(),
        }
    }

    pub(crate) fn env(&self) -> &'e Env {
        self.env
    }

    /// Enters a comprehension: `name` is bound at the returned depth index.
    pub(crate) fn push_local(&mut self, name: &str, ty: Type) -> u32 {
        self.locals.push((name.to_string(), ty));
        (self.locals.len() - 1) as u32
    }

    /// Leaves the innermost comprehension variable.
    pub(crate) fn pop_local(&mut self) {
        self.locals.pop();
    }

    /// The type of a comprehension variable.
    pub(crate) fn local_type(&self, index: u32) -> Type {
        self.locals
            .get(index as usize)
            .map_or(Type::Dyn, |(_, t)| t.clone())
    }

    /// What an identifier means, if anything.
    pub(crate) fn lookup(&self, name: &str, leading_dot: bool) -> Option<Binding<'e>> {
        let env = self.env;
        if !leading_dot {
            if let Some(i) = self.locals.iter().rposition(|(n, _)| n == name) {
                return Some(Binding::Local(i as u32));
            }
        }
        if let Some(i) = env.vars.iter().position(|(n, _)| n == name) {
            return Some(Binding::Var(i as u32));
        }
        if let Some(i) = env.derived.iter().position(|(n, _)| n == name) {
            return Some(Binding::Derived(i as u32));
        }
        if let Some(i) = env.constants.iter().position(|(n, _)| n == name) {
            return Some(Binding::Const(i as u32));
        }
        if let Some(i) = env.lists.iter().position(|l| l.name == name) {
            return Some(Binding::List(i as u32));
        }
        if name == "rules" && !env.rules.is_empty() {
            return Some(Binding::Rules);
        }
        if name == crate::pack::AGGREGATE_NAMESPACE && !env.aggregates.is_empty() {
            return Some(Binding::Aggregates);
        }
        if let Some(root) = &env.root {
            if let Some(f) = root.field(name) {
                return Some(field_binding(f));
            }
            if name == "record" {
                return Some(Binding::Record(root));
            }
        }
        TYPE_NAMES
            .iter()
            .find(|t| **t == name)
            .map(|t| Binding::TypeName(t))
    }

    /// A qualified name written as a select chain (`google.protobuf.Timestamp`, or a variable
    /// declared with dots): variables first, then type names, which only count when the
    /// chain's first identifier means nothing else.
    pub(crate) fn lookup_qualified(&self, full: &str, head_bound: bool) -> Option<Binding<'e>> {
        if !head_bound {
            if let Some(t) = TYPE_NAMES.iter().find(|t| **t == full) {
                return Some(Binding::TypeName(t));
            }
        }
        self.env
            .vars
            .iter()
            .position(|(n, _)| n == full)
            .map(|i| Binding::Var(i as u32))
    }

    /// Whether an identifier is bound to something other than a type name.
    pub(crate) fn is_bound(&self, name: &str) -> bool {
        !matches!(self.lookup(name, false), None | Some(Binding::TypeName(_)))
    }

    /// The names an unknown identifier may have been meant as (for did-you-mean).
    pub(crate) fn candidates(&self) -> Vec<&str> {
        let env = self.env;
        let mut out: Vec<&str> = self.locals.iter().map(|(n, _)| n.as_str()).collect();
        out.extend(env.vars.iter().map(|(n, _)| n.as_str()));
        out.extend(env.derived.iter().map(|(n, _)| n.as_str()));
        out.extend(env.constants.iter().map(|(n, _)| n.as_str()));
        out.extend(env.lists.iter().map(|l| l.name.as_str()));
        if let Some(root) = &env.root {
            out.extend(root.fields.iter().map(|f| f.name.as_str()));
        }
        out
    }

    /// A dotted path as written in a reason template (`destination`, `job.title`, a derived
    /// value's or constant's name): the field, derived value or constant it names.
    pub(crate) fn lookup_path(&self, path: &str) -> Option<Binding<'e>> {
        if let Some(i) = self.env.derived.iter().position(|(n, _)| n == path) {
            return Some(Binding::Derived(i as u32));
        }
        if let Some(i) = self.env.constants.iter().position(|(n, _)| n == path) {
            return Some(Binding::Const(i as u32));
        }
        if let Some(i) = self.aggregate_path(path) {
            return Some(Binding::Aggregate(i));
        }
        let mut obj: &'e Arc<ObjectType> = self.env.root.as_ref()?;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let field = obj.field(part)?;
            if parts.peek().is_none() {
                return Some(field_binding(field));
            }
            match &field.kind {
                FieldKind::Object(child) if !child.in_list => obj = child,
                _ => return None,
            }
        }
        None
    }

    /// Every dotted path a template may name (for did-you-mean).
    pub(crate) fn path_candidates(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(root) = &self.env.root {
            fn walk(obj: &ObjectType, out: &mut Vec<String>) {
                for f in &obj.fields {
                    if f.slot.is_some() {
                        out.push(f.path.clone());
                    }
                    if let FieldKind::Object(child) = &f.kind {
                        if !child.in_list {
                            walk(child, out);
                        }
                    }
                }
            }
            walk(root, &mut out);
        }
        out.extend(self.env.derived.iter().map(|(n, _)| n.clone()));
        out.extend(self.env.constants.iter().map(|(n, _)| n.clone()));
        let ns = crate::pack::AGGREGATE_NAMESPACE;
        out.extend(self.env.aggregates.iter().map(|(n, _)| format!("{ns}.{n}")));
        out
    }

    /// The aggregate a template path `agg.<name>` names.
    fn aggregate_path(&self, path: &str) -> Option<u32> {
        let name = path
            .strip_prefix(crate::pack::AGGREGATE_NAMESPACE)?
            .strip_prefix('.')?;
        self.env
            .aggregates
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| i as u32)
    }
}

/// A field seen as a name: slot-addressed objects are namespaces, everything else a field.
fn field_binding(f: &Field) -> Binding<'_> {
    match &f.kind {
        FieldKind::Object(o) if !o.in_list => Binding::Object(f, o),
        _ => Binding::Field(f),
    }
}

/// The static type of a schema field kind.
pub(crate) fn field_type(kind: &FieldKind) -> Type {
    match kind {
        FieldKind::String | FieldKind::Enum(_) => Type::String,
        FieldKind::Int => Type::Int,
        FieldKind::Float => Type::Double,
        FieldKind::Bool => Type::Bool,
        FieldKind::Date | FieldKind::Timestamp => Type::Timestamp,
        FieldKind::List(item) => Type::List(Box::new(field_type(item))),
        FieldKind::Object(o) => Type::Object(o.clone()),
    }
}

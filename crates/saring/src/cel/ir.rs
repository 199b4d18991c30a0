//! The planned form of a CEL expression, evaluated by [`crate::cel::eval`]: names resolved
//! to record slots, list sets, derived values and rule results; constants folded; regexes
//! compiled; and the common shapes specialised by static type (a string slot tested against
//! a set, an integer slot compared with a constant, ...), with the generic nodes as the
//! fallback for everything typed `dyn`.

use std::sync::Arc;

use crate::cel::functions::strings::Regex;
use rustc_hash::FxHashSet;

use crate::cel::ast::{BinaryOp, MacroKind, Span};
use crate::cel::functions::Builtin;
use crate::cel::value::Value;

/// Lists up to this size are scanned; larger ones are hashed.
const SCAN_LIMIT: usize = 8;

/// A set of values for `x in list`: strings hashed (or scanned, for short lists), other values
/// compared with CEL equality. The keys come from the pack, so a fast non-keyed hash is safe.
#[derive(Debug, Default)]
pub struct ValueSet {
    strings: FxHashSet<Box<str>>,
    short: Vec<Box<str>>,
    others: Vec<Value>,
}

impl ValueSet {
    /// Builds a set from list items.
    pub fn new(items: &[Value]) -> ValueSet {
        let mut set = ValueSet::default();
        for item in items {
            match item {
                Value::String(s) => {
                    set.strings.insert(Box::from(&**s));
                }
                other => set.others.push(other.clone()),
            }
        }
        if set.strings.len() <= SCAN_LIMIT {
            set.short = set.strings.drain().collect();
        }
        set
    }

    /// Whether the set holds this string.
    #[inline]
    pub fn contains_str(&self, s: &str) -> bool {
        if self.strings.is_empty() {
            self.short.iter().any(|x| **x == *s)
        } else {
            self.strings.contains(s)
        }
    }

    /// The strings in the set.
    #[cfg(feature = "arrow")]
    pub(crate) fn strings(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().chain(&self.short).map(|s| &**s)
    }

    /// CEL membership: `value in list`.
    pub fn contains(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => self.contains_str(s),
            other => self.others.iter().any(|v| v.cel_eq(other)),
        }
    }
}

/// A record slot and the id of its path (for missing-data reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlotRef {
    pub slot: u32,
    pub path: u32,
}

/// A comparison operator of a specialised node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub(crate) fn of(op: BinaryOp) -> Option<Cmp> {
        Some(match op {
            BinaryOp::Eq => Cmp::Eq,
            BinaryOp::Ne => Cmp::Ne,
            BinaryOp::Lt => Cmp::Lt,
            BinaryOp::Le => Cmp::Le,
            BinaryOp::Gt => Cmp::Gt,
            BinaryOp::Ge => Cmp::Ge,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`k < x` is `x > k`).
    pub(crate) fn flip(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            other => other,
        }
    }

    pub(crate) fn op(self) -> BinaryOp {
        match self {
            Cmp::Eq => BinaryOp::Eq,
            Cmp::Ne => BinaryOp::Ne,
            Cmp::Lt => BinaryOp::Lt,
            Cmp::Le => BinaryOp::Le,
            Cmp::Gt => BinaryOp::Gt,
            Cmp::Ge => BinaryOp::Ge,
        }
    }

    /// Applies the operator to an ordering (`None`: unordered, a NaN was involved).
    #[inline]
    pub(crate) fn test(self, ord: Option<std::cmp::Ordering>) -> bool {
        use std::cmp::Ordering::*;
        match (self, ord) {
            (Cmp::Ne, None) => true,
            (_, None) => false,
            (Cmp::Eq, Some(o)) => o == Equal,
            (Cmp::Ne, Some(o)) => o != Equal,
            (Cmp::Lt, Some(o)) => o == Less,
            (Cmp::Le, Some(o)) => o != Greater,
            (Cmp::Gt, Some(o)) => o == Greater,
            (Cmp::Ge, Some(o)) => o != Less,
        }
    }
}

/// A string test with a constant argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrTest {
    Contains,
    StartsWith,
    EndsWith,
}

impl StrTest {
    pub(crate) fn of(name: &str) -> Option<StrTest> {
        Some(match name {
            "contains" => StrTest::Contains,
            "startsWith" => StrTest::StartsWith,
            "endsWith" => StrTest::EndsWith,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            StrTest::Contains => "contains",
            StrTest::StartsWith => "startsWith",
            StrTest::EndsWith => "endsWith",
        }
    }

    #[inline]
    pub(crate) fn test(self, s: &str, arg: &str) -> bool {
        match self {
            StrTest::Contains => s.contains(arg),
            StrTest::StartsWith => s.starts_with(arg),
            StrTest::EndsWith => s.ends_with(arg),
        }
    }
}

/// One planned node.
#[derive(Debug)]
pub(crate) enum Node {
    // ---- values ---------------------------------------------------------------------------
    /// A constant.
    Const(Value),
    /// A name or function that could not be resolved in lenient mode: an error at run time.
    Unbound(Arc<str>),
    /// A record slot; absent means missing data.
    Slot(SlotRef),
    /// An external variable by index.
    Var(u32),
    /// A derived value by index (computed on first read).
    Derived(u32),
    /// A comprehension variable by depth index.
    Local(u32),
    /// `-x`
    Neg(Box<Node>, Site),
    /// `c ? a : b`
    Cond(Box<[Node; 3]>),
    /// Arithmetic, comparison and `in` over values.
    Binary(BinaryOp, Box<[Node; 2]>, Site),
    /// Field of a map value at run time (list items, dynamic maps); `path` is the schema path
    /// id for missing-data reports, when the field is a schema field. The operand is boxed
    /// with the select's site and the path (so that the node stays four words).
    Select {
        operand: Box<(Node, Site, Option<u32>)>,
        field: Arc<str>,
    },
    /// `a[i]`
    Index(Box<[Node; 2]>, Site),
    /// A record slot read through `.?`: an optional, `optional.none()` when absent (never
    /// missing data).
    OptSlot(SlotRef),
    /// `a.?f` of a map value (or `a.f` of an optional): an optional of the field.
    OptSelect(Box<Node>, Arc<str>),
    /// `a[?i]` (or `a[i]` of an optional): an optional of the item.
    OptIndex(Box<[Node; 2]>),
    /// `a.orValue(d)` (`or_value`) or `a.or(b)`: the alternative is evaluated only when `a`
    /// has no value.
    OptOr {
        or_value: bool,
        operands: Box<[Node; 2]>,
    },
    /// A list literal with optional items (`[a, ?b]`): each with whether it is optional.
    MakeListOpt(Box<[(Node, bool)]>),
    /// A map literal with optional entries (`{?k: v}`): each with whether it is optional.
    MakeMapOpt(Box<[(Node, Node, bool)]>),
    /// A builtin call.
    Call(&'static Builtin, Box<[Node]>, Site),
    /// A list literal with non-constant items.
    MakeList(Box<[Node]>),
    /// A map literal with non-constant entries.
    MakeMap(Box<[(Node, Node)]>),
    /// A comprehension macro.
    Comprehension(Box<Comprehension>),

    // ---- booleans -------------------------------------------------------------------------
    /// `has()` of a slot field: whether it is present.
    Present(u32),
    /// `has(m.f)` over a map value.
    HasField(Box<Node>, Arc<str>),
    /// Another rule's result by index.
    RuleRef(u32),
    /// A windowed aggregate's value for the record (`agg.<name>`), by index.
    Aggregate(u32),
    /// `!x`
    Not(Box<Node>),
    /// `a && b && ...` with CEL's commutative error absorption (operands in source order).
    And(Box<[Node]>),
    /// `a || b || ...`
    Or(Box<[Node]>),
    /// Membership in a prebuilt set.
    InSet(Box<Node>, Arc<ValueSet>),
    /// `s.matches(re)` with the pattern compiled once.
    Matches(Box<Node>, Arc<Regex>),

    // ---- typed: operands known statically to be strings or numbers ----------------------
    /// `lowerAscii()`, `upperAscii()` or `trim()` of a string: evaluated as a borrowed view
    /// where the consumer is a string operation.
    StrMap(StrMap, Box<Node>),
    /// A string in a set (`destination in hotspot`, `l.country in hotspot`).
    StrInSet(Box<Node>, Arc<ValueSet>),
    /// Two strings compared (`==`, `!=`, `<`, ...).
    StrCmp(Cmp, Box<[Node; 2]>),
    /// `a.contains(b)`, `a.startsWith(b)`, `a.endsWith(b)` of two strings.
    StrTest(StrTest, Box<[Node; 2]>),
    /// `list.exists(k, s.test(k))` (or `all`) over a constant, non-empty list of strings,
    /// with a subject `s` that does not depend on `k`: `s` is evaluated once.
    AnyStrTest(Box<AnyStrTest>),
    /// An int compared with an int constant.
    IntCmp {
        operand: Box<Node>,
        op: Cmp,
        value: i64,
    },
    /// A double compared with a double constant (or an int constant exactly representable
    /// as a double).
    DoubleCmp {
        operand: Box<Node>,
        op: Cmp,
        value: f64,
    },
}

/// A string-to-string function with a borrowed fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrMap {
    Lower,
    Upper,
    Trim,
}

impl StrMap {
    pub(crate) fn of(name: &str) -> Option<StrMap> {
        Some(match name {
            "lowerAscii" => StrMap::Lower,
            "upperAscii" => StrMap::Upper,
            "trim" => StrMap::Trim,
            _ => return None,
        })
    }
}

/// The parts of [`Node::AnyStrTest`].
#[derive(Debug)]
pub(crate) struct AnyStrTest {
    /// The string tested against every item.
    pub subject: Node,
    /// The list's strings.
    pub items: Box<[Box<str>]>,
    pub test: StrTest,
    /// `all` (every item passes) rather than `exists`.
    pub all: bool,
    /// The comprehension itself, for a subject that is not a string at run time.
    pub generic: Node,
}

/// A derived value's planned expression and the derived values it reads (indices, each below
/// its own: a derived value sees only those declared before it).
#[derive(Debug)]
pub(crate) struct DerivedNode {
    pub node: Node,
    pub deps: Box<[u32]>,
}

/// A comprehension macro's parts.
#[derive(Debug)]
pub(crate) struct Comprehension {
    pub kind: MacroKind,
    /// The list or map iterated.
    pub range: Node,
    /// Local variable index of the iteration variable (with two variables, of the list
    /// index or map key; the item or value is `local + 1`).
    pub local: u32,
    /// A two-variable comprehension (cel-go's `TwoVarComprehensions`).
    pub two: bool,
    /// Predicate (all/exists/exists_one/filter), or the filter of the 3-argument map and the
    /// 4-argument transforms.
    pub predicate: Option<Node>,
    /// Transform (map, transformList, transformMap, transformMapEntry).
    pub transform: Option<Node>,
    /// Where the macro call is.
    pub site: Site,
}

/// The id of a node's place in the source ([`Sites`]): kept by the nodes an error can be
/// raised in (calls, operators, indexing, selects, comprehensions), and put into an error
/// (if it has none yet) only as it leaves such a node, so that success paths pay nothing.
pub(crate) type Site = u32;

/// The source spans of the [`Site`]s of one or more planned expressions, and which
/// expression each range of sites belongs to (an owner is whatever the caller numbers its
/// expressions by: a rule, a derived value, ...).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sites {
    spans: Vec<Span>,
    /// (first site, owner), by first site.
    owners: Vec<(u32, u32)>,
}

impl Sites {
    /// A new site for a node at `span`.
    pub(crate) fn add(&mut self, span: Span) -> Site {
        self.spans.push(span);
        (self.spans.len() - 1) as Site
    }

    /// Marks the sites added from now on as belonging to `owner`.
    pub(crate) fn begin(&mut self, owner: u32) {
        self.owners.push((self.spans.len() as u32, owner));
    }

    /// The span of a site.
    pub(crate) fn span(&self, site: Site) -> Option<Span> {
        self.spans.get(site as usize).copied()
    }

    /// The owner of a site (the last [`Sites::begin`] before it was added).
    pub(crate) fn owner(&self, site: Site) -> Option<u32> {
        let i = self.owners.partition_point(|&(first, _)| first <= site);
        i.checked_sub(1).map(|i| self.owners[i].1)
    }
}

/// Record paths by id: every path a missing-data report can name, sorted, so that a set of
/// ids read in order gives the paths in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Paths {
    names: Vec<Arc<str>>,
}

impl Paths {
    /// A table of the given paths (sorted and deduplicated here).
    pub(crate) fn new(mut names: Vec<Arc<str>>) -> Paths {
        names.sort();
        names.dedup();
        Paths { names }
    }

    /// The id of a path, adding it at the end if it is not in the table (ids then no longer
    /// sort like their paths: [`Paths::sorted`] sorts by name).
    pub(crate) fn id(&mut self, path: &Arc<str>) -> u32 {
        match self.names.binary_search(path) {
            Ok(i) => i as u32,
            Err(_) => match self.names.iter().position(|p| p == path) {
                Some(i) => i as u32,
                None => {
                    self.names.push(path.clone());
                    (self.names.len() - 1) as u32
                }
            },
        }
    }

    /// The path of an id.
    pub(crate) fn name(&self, id: u32) -> &Arc<str> {
        static UNKNOWN: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from("?"));
        self.names.get(id as usize).unwrap_or(&UNKNOWN)
    }

    /// The paths of a set of ids, sorted.
    pub(crate) fn sorted(&self, ids: &PathSet) -> Vec<Arc<str>> {
        let mut out: Vec<Arc<str>> = ids.iter().map(|i| self.name(i).clone()).collect();
        out.sort();
        out
    }
}

pub(crate) use crate::idset::IdSet as PathSet;

#[cfg(test)]
mod tests {
    use super::*;

    /// Sites cost no room: a node stays four words (the select keeps its site in its box).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn nodes_stay_small() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    #[test]
    fn site_owners() {
        let mut sites = Sites::default();
        sites.begin(7);
        let a = sites.add(Span::new(0, 3));
        sites.begin(9);
        let b = sites.add(Span::new(1, 2));
        let c = sites.add(Span::new(4, 5));
        assert_eq!(
            (sites.owner(a), sites.owner(b), sites.owner(c)),
            (Some(7), Some(9), Some(9))
        );
        assert_eq!(sites.span(b), Some(Span::new(1, 2)));
        assert_eq!(sites.span(99), None);
    }

    #[test]
    fn path_table_sorts() {
        let mut p = Paths::new(vec![Arc::from("b"), Arc::from("a"), Arc::from("c")]);
        assert_eq!(p.id(&Arc::from("a")), 0);
        assert_eq!(p.id(&Arc::from("c")), 2);
        let z = p.id(&Arc::from("0"));
        assert_eq!(z, 3);
        let mut set = PathSet::default();
        set.insert(z);
        set.insert(1);
        let names: Vec<String> = p.sorted(&set).iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["0", "b"]);
    }
}

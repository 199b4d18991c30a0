//! The record schema of a pack: field paths, types, presence rules and audit markers, with a
//! slot number for every field reachable without passing through a list.

use std::sync::Arc;

use crate::diagnostic::Location;
use crate::record::DecodePlan;

/// The type of a schema field.
#[derive(Debug, Clone)]
pub enum FieldKind {
    /// UTF-8 text.
    String,
    /// 64-bit signed integer.
    Int,
    /// 64-bit float (`double` in CEL).
    Float,
    /// `true` / `false`.
    Bool,
    /// A calendar date `YYYY-MM-DD` (a timestamp at midnight UTC in CEL).
    Date,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// A string restricted to the listed values.
    Enum(Arc<[String]>),
    /// A list of items of one kind.
    List(Box<FieldKind>),
    /// A nested object with its own fields.
    Object(Arc<ObjectType>),
}

/// A nested object (or the record root): its fields, in schema order.
#[derive(Debug)]
pub struct ObjectType {
    /// Dotted path of the object (`""` for the record root).
    pub path: String,
    /// Fields of the object.
    pub fields: Vec<Field>,
    /// True when this object is a list item (its fields have no slots; they are read from the
    /// item at run time).
    pub in_list: bool,
}

impl ObjectType {
    /// Finds a direct child field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Finds a field by dotted path below this object (`interview.agent_present`), through
    /// nested objects.
    pub(crate) fn field_at_path(&self, path: &str) -> Option<&Field> {
        let mut obj = self;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let field = obj.field(part)?;
            if parts.peek().is_none() {
                return Some(field);
            }
            match &field.kind {
                FieldKind::Object(child) => obj = child,
                _ => return None,
            }
        }
        None
    }

    /// Calls `f` on every field, depth first in declaration order, the fields of nested
    /// objects and of list items included.
    pub(crate) fn for_each_field(&self, f: &mut impl FnMut(&Field)) {
        for field in &self.fields {
            f(field);
            match &field.kind {
                FieldKind::Object(o) => o.for_each_field(f),
                FieldKind::List(item) => {
                    if let FieldKind::Object(o) = &**item {
                        o.for_each_field(f);
                    }
                }
                _ => {}
            }
        }
    }
}

/// One schema field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field's own name (`agent_present`).
    pub name: String,
    /// Full dotted path (`interview.agent_present`); list items use `legs[].country`.
    pub path: String,
    /// Its type.
    pub kind: FieldKind,
    /// Absence makes rules that read it incomplete and is reported as missing data.
    pub required: bool,
    /// Never readable by rules or derived values (religion, ethnicity, ...).
    pub protected: bool,
    /// Readable only with a `uses_monitored` justification; used for fairness audits.
    pub monitored: bool,
    /// Human description, if given.
    pub description: Option<String>,
    /// `encodes = ["sex", "birth_date"]`: attributes the value encodes (an identity number
    /// whose digits carry the birth date and sex). Reading such a field other than through a
    /// whole-value check is a proxy use (`pack.proxy_field`).
    pub encodes: Vec<String>,
    /// `question`: what to ask the person when the field is missing (per language or one
    /// text), listed in a decision's `questions`.
    pub question: Option<crate::pack::Text>,
    /// `max_items` of a list field: a longer list is an invalid field. `None`: the default
    /// bound [`crate::limits::MAX_RECORD_LIST_ITEMS`].
    pub max_items: Option<usize>,
    /// Slot index in a decoded record (`None` inside list items).
    pub slot: Option<u32>,
    /// Where the field is declared.
    pub location: Option<Location>,
}

/// A loaded schema with its slot table.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The record root object.
    pub root: Arc<ObjectType>,
    /// Slot table: for each slot, the field declared there (cloned, children omitted).
    pub slots: Vec<SlotInfo>,
    /// Decoding tables precomputed from `root` once (key match data, shared enum strings).
    pub(crate) decode_plan: Arc<DecodePlan>,
}

/// What a record slot holds.
#[derive(Debug, Clone)]
pub struct SlotInfo {
    /// Dotted path of the field.
    pub path: Arc<str>,
    /// Field type.
    pub kind: FieldKind,
    /// Whether absence is missing data.
    pub required: bool,
    /// Whether the field is monitored (audit grouping).
    pub monitored: bool,
    /// Whether the field is protected.
    pub protected: bool,
    /// The slot of the object this field is in (`None` at the record root).
    pub parent: Option<u32>,
}

impl Schema {
    /// Builds the slot table from an object tree whose fields already carry slot numbers
    /// assigned in depth-first order.
    pub fn new(root: Arc<ObjectType>) -> Schema {
        let mut slots = Vec::new();
        fn walk(obj: &ObjectType, parent: Option<u32>, slots: &mut Vec<SlotInfo>) {
            for f in &obj.fields {
                if let Some(slot) = f.slot {
                    debug_assert_eq!(slot as usize, slots.len());
                    slots.push(SlotInfo {
                        path: Arc::from(f.path.as_str()),
                        kind: f.kind.clone(),
                        required: f.required,
                        monitored: f.monitored,
                        protected: f.protected,
                        parent,
                    });
                }
                if let FieldKind::Object(child) = &f.kind {
                    walk(child, f.slot, slots);
                }
            }
        }
        walk(&root, None, &mut slots);
        let decode_plan = Arc::new(DecodePlan::new(&root));
        Schema {
            root,
            slots,
            decode_plan,
        }
    }

    /// Finds a field by dotted path (`interview.agent_present`).
    pub fn field(&self, path: &str) -> Option<&Field> {
        self.root.field_at_path(path)
    }

    /// Slot number of a dotted path, if the field has one.
    pub fn slot(&self, path: &str) -> Option<u32> {
        self.field(path).and_then(|f| f.slot)
    }
}

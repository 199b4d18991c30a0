//! The pack's data policy, applied to every record access the type checker shows it:
//! protected fields can never be read (nor a value holding one used whole), monitored fields
//! are noted (a rule reading one needs a justification), optional fields read without a
//! `has()` test are noted (records without them make the rule incomplete; a read through `.?`
//! counts as a test: absent is then `optional.none()`, not missing data), and the slots read
//! are the rule's evidence.

use crate::diagnostic::Code;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::cel::typecheck::{Access, CheckError};
use crate::cel::{Span, Type};
use crate::schema::{Field, FieldKind, ObjectType};

/// What one expression read, and the policy that refused what it may not read.
#[derive(Debug, Default)]
pub(crate) struct PackPolicy {
    /// Record slots read, with their paths (evidence).
    pub slots_read: BTreeSet<(u32, Arc<str>)>,
    /// Monitored field paths read.
    pub monitored: BTreeSet<String>,
    /// Optional (not `required`) slot fields read.
    optional_read: BTreeSet<String>,
    /// Optional slot-addressed objects read through (`job_offer` of `job_offer.source`).
    optional_objects: BTreeSet<String>,
    /// Fields whose presence is tested with `has()`.
    presence_tested: BTreeSet<String>,
}

/// The dotted prefixes of a path, shortest first, the path itself last
/// (`a.b.c` → `a`, `a.b`, `a.b.c`).
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('.')
        .map(move |(i, _)| &path[..i])
        .chain(std::iter::once(path))
}

const PROTECTED_HELP: &str = "protected attributes are never risk factors; remove this condition";

fn protected(field: &Field, span: Span) -> CheckError {
    CheckError::new(
        Code::PackProtectedField,
        span,
        format!(
            "field `{}` is protected and cannot be read by rules or derived values",
            field.path
        ),
        Some(PROTECTED_HELP.into()),
    )
}

impl PackPolicy {
    /// Fields read that a record may lack (optional ones, and any inside an optional object)
    /// without a `has()` test anywhere in the expression that covers the deepest optional
    /// step of their path (`has(record.job_offer)` covers a required `job_offer.source`,
    /// `has(job_offer.source)` covers both): records without them make the rule incomplete.
    ///
    /// Maps each such path to the `has()` that would guard it (its deepest optional step).
    pub fn optional_unguarded(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (_, path) in &self.slots_read {
            let optional = |p: &str| {
                if p.len() == path.len() {
                    self.optional_read.contains(p)
                } else {
                    self.optional_objects.contains(p)
                }
            };
            let deepest_optional = prefixes(path).filter(|p| optional(p)).last();
            let deepest_tested = prefixes(path)
                .filter(|p| self.presence_tested.contains(*p))
                .last();
            if let Some(need) = deepest_optional {
                if deepest_tested.is_none_or(|got| got.len() < need.len()) {
                    out.insert(path.to_string(), need.to_string());
                }
            }
        }
        out
    }
}

impl Access for PackPolicy {
    fn read(&mut self, field: &Field, span: Span) -> Result<(), CheckError> {
        if field.protected {
            return Err(protected(field, span));
        }
        if field.monitored {
            self.monitored.insert(field.path.clone());
        }
        let is_namespace = matches!(&field.kind, FieldKind::Object(o) if !o.in_list);
        if is_namespace && !field.required {
            self.optional_objects.insert(field.path.clone());
        }
        if let (Some(slot), false) = (field.slot, is_namespace) {
            if !field.required {
                self.optional_read.insert(field.path.clone());
            }
            self.slots_read
                .insert((slot, Arc::from(field.path.as_str())));
        }
        Ok(())
    }

    fn presence(&mut self, field: &Field, span: Span) -> Result<(), CheckError> {
        if field.protected {
            return Err(protected(field, span));
        }
        if field.monitored {
            self.monitored.insert(field.path.clone());
        }
        self.presence_tested.insert(field.path.clone());
        Ok(())
    }

    fn whole(&mut self, ty: &Type, span: Span) -> Result<(), CheckError> {
        match protected_inside(ty) {
            // A whole list item (or list of items) holding a protected field would carry it
            // into comparisons, strings or results: only its other fields may be read.
            Some(path) => Err(CheckError::new(
                Code::PackProtectedField,
                span,
                format!("this value contains protected field `{path}` and cannot be used whole"),
                Some(
                    "select the fields you need; protected attributes are never risk factors"
                        .into(),
                ),
            )),
            None => Ok(()),
        }
    }
}

/// The path of a protected field somewhere inside values of this type (objects and lists of
/// objects), if there is one.
fn protected_inside(t: &Type) -> Option<String> {
    fn walk(obj: &ObjectType) -> Option<String> {
        obj.fields.iter().find_map(|f| {
            if f.protected {
                return Some(f.path.clone());
            }
            match &f.kind {
                FieldKind::Object(o) => walk(o),
                FieldKind::List(item) => match &**item {
                    FieldKind::Object(o) => walk(o),
                    _ => None,
                },
                _ => None,
            }
        })
    }
    match t {
        Type::Object(o) => walk(o),
        Type::List(item) | Type::Optional(item) => protected_inside(item),
        _ => None,
    }
}

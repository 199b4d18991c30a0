//! Records: input decoded against the schema straight into slot-addressed values, so
//! evaluation never looks a field up by name.
//!
//! Every front door fills records through the same conversions ([`Scalar`] → value, one
//! table in `convert`): JSON text and values through a schema-driven serde seed
//! ([`decode_json`], [`decode_value`]), everything else (Python dicts, Arrow columns, CSV
//! cells) through a [`RecordBuilder`]. A value that does not fit its field makes only that
//! field invalid ([`Record::invalid`]): rules reading it are incomplete with the reason, the
//! rest of the record is screened. [`value_to_json`] / [`cel_to_json`] turn values back into
//! JSON for evidence.

mod convert;
pub(crate) use convert::parse_ymd;
mod decode;
mod to_json;

#[cfg(test)]
mod tests;

#[cfg(feature = "arrow")]
pub(crate) use convert::convert_scalar;
pub(crate) use convert::Shorten;
pub use convert::{Coercion, Scalar};
pub use decode::{convert_json_value, decode_json, decode_value};
pub(crate) use decode::{decode_json_only, decode_value_only, DecodePlan};
pub use to_json::{cel_to_json, value_to_json};

use crate::cel::Value;
use crate::error::RecordError;
use crate::schema::{FieldKind, Schema};

/// A decoded record: one optional value per schema slot (`None` = absent), and the fields
/// whose value did not fit the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub(crate) slots: Box<[Option<Value>]>,
    /// Slots whose input value did not fit, with why (slot order).
    pub(crate) invalid: Vec<(u32, RecordError)>,
    /// The pack's windowed aggregates for this record, by index; empty when it was screened
    /// without history (see [`crate::aggregate`]).
    pub(crate) facts: Vec<crate::aggregate::Fact>,
    /// Dotted paths of the input fields the schema does not declare, when decoded with
    /// [`UnknownFields::Report`].
    pub(crate) ignored: Vec<Box<str>>,
}

impl Record {
    /// An empty record (every field absent) with `len` slots.
    pub fn empty(len: usize) -> Record {
        Record {
            // `repeat_with` writes only the `None` tag per slot (no per-element clone).
            slots: std::iter::repeat_with(|| None).take(len).collect(),
            invalid: Vec::new(),
            facts: Vec::new(),
            ignored: Vec::new(),
        }
    }

    /// The value in a slot, `None` if absent (or invalid).
    #[inline]
    pub fn get(&self, slot: u32) -> Option<&Value> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Sets (or clears) a slot. Out-of-range slots are ignored.
    pub fn set(&mut self, slot: u32, value: Option<Value>) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = value;
            self.invalid.retain(|(i, _)| *i != slot);
        }
    }

    /// All slots in slot order (`None` = absent).
    pub fn slots(&self) -> &[Option<Value>] {
        &self.slots
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the record has no slots.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The fields whose value did not fit the schema (type mismatch, value outside an enum,
    /// malformed date, ...), in slot order, each once (the fields inside an invalid object
    /// share its error). Each is absent for the rules, which report it.
    pub fn invalid(&self) -> impl Iterator<Item = &RecordError> {
        self.invalid
            .iter()
            .enumerate()
            .filter(|(i, (_, e))| *i == 0 || self.invalid[*i - 1].1 != *e)
            .map(|(_, (_, e))| e)
    }

    /// The input fields the schema does not declare, as sorted dotted paths (`legs[1].carier`,
    /// `tiket`; the first [`crate::limits::MAX_IGNORED_FIELDS`]), when the record was decoded with
    /// [`UnknownFields::Report`]; empty otherwise. The rules never see them.
    pub fn ignored_fields(&self) -> impl Iterator<Item = &str> {
        self.ignored.iter().map(|p| &**p)
    }

    /// Why slot `slot` is invalid, if it is.
    #[inline]
    pub(crate) fn invalid_slot(&self, slot: u32) -> Option<&RecordError> {
        if self.invalid.is_empty() {
            return None;
        }
        self.invalid
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, e)| e)
    }

    /// Marks slots invalid; the fields inside an invalid object are invalid with it.
    pub(crate) fn set_invalid(&mut self, schema: &Schema, invalid: Vec<(u32, RecordError)>) {
        if invalid.is_empty() {
            return;
        }
        for (slot, error) in invalid {
            let Some(info) = schema.slots.get(slot as usize) else {
                continue;
            };
            if let Some(s) = self.slots.get_mut(slot as usize) {
                *s = None;
            }
            if matches!(info.kind, FieldKind::Object(_)) {
                let prefix = format!("{}.", info.path);
                for (i, child) in schema.slots.iter().enumerate() {
                    if child.path.starts_with(&prefix) {
                        if let Some(s) = self.slots.get_mut(i) {
                            *s = None;
                        }
                        self.invalid.push((i as u32, error.clone()));
                    }
                }
            }
            self.invalid.push((slot, error));
        }
        self.invalid.sort_by_key(|(s, _)| *s);
        self.invalid.dedup_by_key(|(s, _)| *s);
    }
}

/// Options for decoding records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// What to do with fields the schema does not declare (default: ignore them).
    pub unknown_fields: UnknownFields,
}

impl DecodeOptions {
    /// Rejects a record holding a field the schema does not declare (`record.unknown_field`).
    pub const STRICT: DecodeOptions = DecodeOptions {
        unknown_fields: UnknownFields::Reject,
    };
    /// Decodes a record holding undeclared fields, and names them in
    /// [`Record::ignored_fields`] (and so in the decision's `ignored_fields`).
    pub const REPORT: DecodeOptions = DecodeOptions {
        unknown_fields: UnknownFields::Report,
    };
}

/// What decoding does with a field the schema does not declare (a misspelt `tiket`, a column
/// another system added). Either way the rules never see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UnknownFields {
    /// Skip it silently (production screening: the schema is the contract).
    #[default]
    Ignore,
    /// Skip it and name it in [`Record::ignored_fields`] (at most
    /// [`crate::limits::MAX_IGNORED_FIELDS`] per record): for checking data against a pack.
    Report,
    /// Reject the whole record with `record.unknown_field` (with a did-you-mean).
    Reject,
}

impl UnknownFields {
    /// Every choice, in the order of their names in messages.
    pub const ALL: [UnknownFields; 3] = [
        UnknownFields::Ignore,
        UnknownFields::Report,
        UnknownFields::Reject,
    ];

    /// The option's name: `ignore`, `report` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownFields::Ignore => "ignore",
            UnknownFields::Report => "report",
            UnknownFields::Reject => "reject",
        }
    }

    /// The choice named `name` (`ignore`, `report`, `reject`), as front doors take it.
    pub fn from_name(name: &str) -> Option<UnknownFields> {
        UnknownFields::ALL.into_iter().find(|u| u.as_str() == name)
    }
}

/// Builds a record field by field, for front doors that do not read JSON (Python dicts,
/// Arrow columns, CSV cells): values convert through the same table as JSON decoding, a
/// value that does not fit makes its field invalid, and [`RecordBuilder::finish`] marks the
/// objects that hold a present field as present.
///
/// ```
/// use saring::record::{Coercion, RecordBuilder, Scalar};
/// # let pack = saring::Pack::from_toml_str(
/// #   "[pack]\nid=\"p\"\nversion=\"1\"\ntitle=\"t\"\n[outcomes]\nreview=1\nrefer=2\n",
/// #   "[field.age]\ntype=\"int\"\n[field.job]\ntype=\"object\"\n[field.job.title]\ntype=\"string\"\n")?;
/// let schema = &pack.schema;
/// let mut b = RecordBuilder::new(schema);
/// b.set(schema.slot("age").unwrap(), Scalar::Float(34.0), Coercion::FRAME);
/// b.set(schema.slot("job.title").unwrap(), Scalar::Str("Nurse"), Coercion::JSON);
/// let record = b.finish();
/// assert_eq!(record.get(schema.slot("age").unwrap()), Some(&saring::Value::Int(34)));
/// assert!(record.get(schema.slot("job").unwrap()).is_some()); // the object is present
/// # Ok::<(), saring::PackError>(())
/// ```
pub struct RecordBuilder<'s> {
    schema: &'s Schema,
    record: Record,
    invalid: Vec<(u32, RecordError)>,
}

impl<'s> RecordBuilder<'s> {
    /// A builder for a record of `schema` with every field absent.
    pub fn new(schema: &'s Schema) -> RecordBuilder<'s> {
        RecordBuilder {
            schema,
            record: Record::empty(schema.slots.len()),
            invalid: Vec::new(),
        }
    }

    /// Sets a scalar field from an input scalar, converted for the field's kind under
    /// `coercion`. `Scalar::Null` leaves it absent; a value that does not fit makes the field
    /// invalid. Object and list slots take no scalars (their fields, or [`Self::set_json`]).
    pub fn set(&mut self, slot: u32, value: Scalar<'_>, coercion: Coercion) {
        let Some(info) = self.schema.slots.get(slot as usize) else {
            return;
        };
        if info.protected {
            return;
        }
        let shared = self.schema.decode_plan.enum_values(slot);
        match convert::convert_scalar(&info.kind, shared, value, coercion) {
            Ok(v) => self.record.set(slot, v),
            Err(misfit) => {
                let path = info.path.to_string();
                let error = RecordError::new(
                    convert::misfit_code(&misfit),
                    Some(path.clone()),
                    convert::misfit_message(&info.kind, &path, &misfit),
                );
                self.invalid.push((slot, error));
            }
        }
    }

    /// Sets a field from a JSON value (lists, lists of objects), decoded exactly as in a
    /// JSON record.
    pub fn set_json(&mut self, slot: u32, value: &serde_json::Value) {
        let Some(info) = self.schema.slots.get(slot as usize) else {
            return;
        };
        if info.protected {
            return;
        }
        match convert_json_value(&info.kind, &info.path, value, DecodeOptions::default()) {
            Ok(v) => self.record.set(slot, v),
            Err(e) => self.invalid.push((slot, e)),
        }
    }

    /// Sets a field to a value already converted for its kind (`None`: absent).
    pub fn set_value(&mut self, slot: u32, value: Option<Value>) {
        let protected = self
            .schema
            .slots
            .get(slot as usize)
            .is_none_or(|i| i.protected);
        if !protected {
            self.record.set(slot, value);
        }
    }

    /// Marks a field invalid with the given reason.
    pub fn set_invalid(&mut self, slot: u32, error: RecordError) {
        self.invalid.push((slot, error));
    }

    /// Marks an object present (an empty object in the input).
    pub fn mark_present(&mut self, slot: u32) {
        self.record.set(slot, Some(Value::Bool(true)));
    }

    /// The record: every object holding a present (or invalid) field is present.
    pub fn finish(self) -> Record {
        let RecordBuilder {
            schema,
            mut record,
            invalid,
        } = self;
        for (i, info) in schema.slots.iter().enumerate().rev() {
            let present =
                record.slots[i].is_some() || invalid.iter().any(|(s, _)| *s as usize == i);
            if present {
                let mut parent = info.parent;
                while let Some(p) = parent {
                    let p = p as usize;
                    if record.slots[p].is_none() {
                        record.slots[p] = Some(Value::Bool(true));
                    }
                    parent = schema.slots[p].parent;
                }
            }
        }
        record.set_invalid(schema, invalid);
        record
    }
}

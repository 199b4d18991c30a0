//! Schema-driven decoding: JSON text (or a `serde_json::Value`) is deserialized straight into
//! record slots with a [`DeserializeSeed`] that walks the schema alongside the input.
//!
//! The text path and the value path run the *same* seed code: `serde_json::Deserializer` and
//! `&serde_json::Value` are both serde deserializers, so type conversion, error messages and
//! limits are identical by construction.
//!
//! Hot-path properties: slots are allocated once; keys are matched borrowed (no key `String`
//! is ever built) by a linear scan that starts after the previously matched field, so keys in
//! schema order match on the first comparison; no intermediate `serde_json::Value` is built;
//! field paths for error messages are a linked list on the stack, rendered only on error.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::cel::value::MapValue;
use crate::cel::Value;
use crate::error::RecordError;
use crate::limits::{
    MAX_IGNORED_FIELDS, MAX_RECORD_BYTES, MAX_RECORD_DEPTH, MAX_RECORD_LIST_ITEMS,
};
use crate::record::convert::{
    convert_scalar, kind_name, misfit_code, misfit_message, Coercion, Found, Misfit, Scalar,
};
use crate::schema::{Field, FieldKind, ObjectType, Schema};

use super::{DecodeOptions, Record, UnknownFields};

/// Decodes a JSON object text against the schema into a [`Record`].
///
/// * Known fields are converted to their schema type and stored in their slot; a nested
///   object's own slot holds `true` as a presence marker and its fields fill their own slots.
///   Lists become `Value::List`; objects inside lists become string-keyed `Value::Map`s
///   holding only the children that are present.
/// * JSON `null` means absent (the slot stays `None`; a `null` list *item* is a type mismatch).
/// * Unknown fields are skipped, named in [`Record::ignored_fields`] under
///   [`UnknownFields::Report`], or rejected with `record.unknown_field` under
///   [`UnknownFields::Reject`].
/// * A key that appears twice in one object is rejected (`record.syntax`, "duplicate field"):
///   parsers disagree on which copy wins, and a screening record must mean one thing.
/// * Text longer than [`MAX_RECORD_BYTES`] or nested deeper than [`MAX_RECORD_DEPTH`]
///   (unknown fields included) is `record.too_large`.
///
/// Errors carry a stable code (`record.syntax`, `record.not_object`, `record.type_mismatch`,
/// `record.invalid_value`, `record.unknown_field`, `record.too_large`) and, where there is
/// one, the dotted path of the field (`legs[2].country`).
pub fn decode_json(
    schema: &Schema,
    text: &str,
    options: DecodeOptions,
) -> Result<Record, RecordError> {
    decode_json_only(schema, text, options, None)
}

/// [`decode_json`] filling only the slots `only` marks (scalar fields and lists of scalars
/// outside it are skipped, unconverted; objects are always walked): a record this refuses is
/// exactly one [`decode_json`] refuses, since every record-level check (syntax, duplicate
/// keys, nesting, size, unknown fields) still sees the whole text.
pub(crate) fn decode_json_only(
    schema: &Schema,
    text: &str,
    options: DecodeOptions,
    only: Option<&[bool]>,
) -> Result<Record, RecordError> {
    if text.len() > MAX_RECORD_BYTES {
        return Err(RecordError::new(
            "record.too_large",
            None,
            format!(
                "record is {} bytes, more than the limit of {MAX_RECORD_BYTES}",
                text.len()
            ),
        ));
    }
    let mut record = Record::empty(schema.slots.len());
    let mut ctx = Ctx::new(&mut record.slots, options.unknown_fields);
    ctx.only = only;
    let mut de = serde_json::Deserializer::from_str(text);
    let result = RootSeed {
        ctx: &mut ctx,
        obj: &schema.root,
        plan: DecodePlan::root_of(schema),
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match result {
        Ok(()) => {
            let invalid = std::mem::take(&mut ctx.invalid);
            record.ignored = ctx.take_ignored();
            record.set_invalid(schema, invalid);
            Ok(record)
        }
        Err(e) => Err(ctx.into_error(&e)),
    }
}

/// Decodes a `serde_json::Value` against the schema into a [`Record`], with exactly the
/// semantics of [`decode_json`] (it runs the same code; only the byte-size limit does not
/// apply, and a value cannot hold duplicate keys).
pub fn decode_value(
    schema: &Schema,
    value: &serde_json::Value,
    options: DecodeOptions,
) -> Result<Record, RecordError> {
    decode_value_only(schema, value, options, None)
}

/// [`decode_value`] filling only the slots `only` marks (see [`decode_json_only`]).
pub(crate) fn decode_value_only(
    schema: &Schema,
    value: &serde_json::Value,
    options: DecodeOptions,
    only: Option<&[bool]>,
) -> Result<Record, RecordError> {
    let mut record = Record::empty(schema.slots.len());
    let mut ctx = Ctx::new(&mut record.slots, options.unknown_fields);
    ctx.only = only;
    let result = RootSeed {
        ctx: &mut ctx,
        obj: &schema.root,
        plan: DecodePlan::root_of(schema),
    }
    .deserialize(value);
    match result {
        Ok(()) => {
            let invalid = std::mem::take(&mut ctx.invalid);
            record.ignored = ctx.take_ignored();
            record.set_invalid(schema, invalid);
            Ok(record)
        }
        Err(e) => Err(ctx.into_error(&e)),
    }
}

/// Converts one JSON value to the runtime value of a field of kind `kind`, for front ends that
/// fill a record field by field (columnar input) with [`Record::set`].
///
/// `path` is the field's dotted path, used in error messages. `null` gives `Ok(None)`
/// (absent). Objects are returned as string-keyed `Value::Map`s (the form used for list
/// items); to fill a nested object's slots, set its leaf fields one by one and its own slot to
/// `Value::Bool(true)`. [`UnknownFields::Reject`] applies to unknown keys inside objects
/// (`Report` has no record to name them in, and ignores them).
pub fn convert_json_value(
    kind: &FieldKind,
    path: &str,
    value: &serde_json::Value,
    options: DecodeOptions,
) -> Result<Option<Value>, RecordError> {
    let mut no_slots: [Option<Value>; 0] = [];
    let mut ctx = Ctx::new(&mut no_slots, options.unknown_fields);
    let base = PathSeg::Base(path);
    let result = KindSeed {
        ctx: &mut ctx,
        kind,
        plan: &PLAIN,
        path: &base,
        depth: 1,
        into_slots: false,
        null_ok: true,
    }
    .deserialize(value);
    match (result, ctx.misfit.take()) {
        (Ok(_), Some(misfit)) => Err(misfit),
        (Ok(v), None) => Ok(v),
        (Err(e), _) => Err(ctx.into_error(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Precomputed decoding tables
// ---------------------------------------------------------------------------------------------

/// Decoding data derived once from a schema's object tree (in [`Schema::new`]): per object
/// field, its name as a shared string (the key of list-item maps); per enum field, its values
/// as shared strings. Decoding those clones an `Arc` instead of allocating.
///
/// The plan keeps the root it was built from; it is used only when that is still the schema's
/// root (the tree behind a shared `Arc<ObjectType>` cannot change), otherwise decoding falls
/// back to working from the schema alone, with the same results.
pub(crate) struct DecodePlan {
    root: Arc<ObjectType>,
    obj: ObjPlan,
    /// Per slot: an enum field's shared values (empty for other fields).
    slot_enums: Vec<Vec<Arc<str>>>,
}

impl fmt::Debug for DecodePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodePlan").finish_non_exhaustive()
    }
}

impl DecodePlan {
    pub(crate) fn new(root: &Arc<ObjectType>) -> DecodePlan {
        let obj = ObjPlan::new(root);
        let mut slot_enums = Vec::new();
        fn walk(obj: &ObjectType, plan: &ObjPlan, out: &mut Vec<Vec<Arc<str>>>) {
            for (i, f) in obj.fields.iter().enumerate() {
                let kind = plan.kind(i);
                if let Some(slot) = f.slot {
                    let slot = slot as usize;
                    if out.len() <= slot {
                        out.resize(slot + 1, Vec::new());
                    }
                    if let KindPlan::Enum(values) = kind {
                        out[slot] = values.clone();
                    }
                }
                if let (FieldKind::Object(child), KindPlan::Object(child_plan)) = (&f.kind, kind) {
                    if !child.in_list {
                        walk(child, child_plan, out);
                    }
                }
            }
        }
        walk(root, &obj, &mut slot_enums);
        DecodePlan {
            root: Arc::clone(root),
            obj,
            slot_enums,
        }
    }

    /// An enum slot's values as shared strings.
    pub(crate) fn enum_values(&self, slot: u32) -> Option<&[Arc<str>]> {
        self.slot_enums
            .get(slot as usize)
            .filter(|v| !v.is_empty())
            .map(Vec::as_slice)
    }

    /// The plan of `schema`'s root object, or the empty plan when it does not apply.
    fn root_of(schema: &Schema) -> &ObjPlan {
        let plan = &*schema.decode_plan;
        if Arc::ptr_eq(&plan.root, &schema.root) {
            &plan.obj
        } else {
            &EMPTY_OBJ
        }
    }
}

/// Plan of one object; `fields` is parallel to `ObjectType::fields` (or empty).
struct ObjPlan {
    fields: Vec<FieldPlan>,
}

struct FieldPlan {
    /// The field name, shared by every list-item map that holds the field.
    name: Arc<str>,
    kind: KindPlan,
}

enum KindPlan {
    /// Nothing precomputed.
    Plain,
    /// The enum's values, in schema order.
    Enum(Vec<Arc<str>>),
    /// A list's item plan and most items.
    List(Box<KindPlan>, usize),
    Object(ObjPlan),
}

static EMPTY_OBJ: ObjPlan = ObjPlan { fields: Vec::new() };
static PLAIN: KindPlan = KindPlan::Plain;

impl ObjPlan {
    fn new(obj: &ObjectType) -> ObjPlan {
        ObjPlan {
            fields: obj
                .fields
                .iter()
                .map(|f| FieldPlan {
                    name: Arc::from(f.name.as_str()),
                    kind: KindPlan::new(&f.kind, f.max_items),
                })
                .collect(),
        }
    }

    /// The kind plan of field `i` (plain when there is none).
    #[inline]
    fn kind(&self, i: usize) -> &KindPlan {
        self.fields.get(i).map_or(&PLAIN, |f| &f.kind)
    }
}

impl KindPlan {
    fn new(kind: &FieldKind, max_items: Option<usize>) -> KindPlan {
        match kind {
            FieldKind::Enum(values) => {
                KindPlan::Enum(values.iter().map(|v| Arc::from(v.as_str())).collect())
            }
            FieldKind::List(item) => KindPlan::List(
                Box::new(KindPlan::new(item, None)),
                max_items.unwrap_or(MAX_RECORD_LIST_ITEMS),
            ),
            FieldKind::Object(obj) => KindPlan::Object(ObjPlan::new(obj)),
            _ => KindPlan::Plain,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Context, paths, errors
// ---------------------------------------------------------------------------------------------

/// State shared by all seeds of one decode: the slots being filled, the fields whose value
/// did not fit, and the first error that rejects the whole record (serde errors can only
/// carry a string, so the structured error is kept here and the serde error is a
/// placeholder).
struct Ctx<'r> {
    slots: &'r mut [Option<Value>],
    /// The slots to fill, when not all (see [`decode_json_only`]).
    only: Option<&'r [bool]>,
    unknown: UnknownFields,
    /// Paths of the unknown fields met, under [`UnknownFields::Report`].
    ignored: Vec<Box<str>>,
    error: Option<RecordError>,
    /// Path of the innermost field whose value failed to parse (for `record.syntax`).
    syntax_path: Option<String>,
    /// Why the value just decoded does not fit its field (set by a seed that returned
    /// `None` for it; taken by the field's object, or passed up by a list or list item).
    misfit: Option<RecordError>,
    /// Slots whose value did not fit, with why.
    invalid: Vec<(u32, RecordError)>,
}

impl<'r> Ctx<'r> {
    fn new(slots: &'r mut [Option<Value>], unknown: UnknownFields) -> Ctx<'r> {
        Ctx {
            slots,
            only: None,
            unknown,
            ignored: Vec::new(),
            error: None,
            syntax_path: None,
            misfit: None,
            invalid: Vec::new(),
        }
    }

    /// The unknown fields' paths, sorted and each once (so that text and value decoding, whose
    /// key orders differ and whose values hold no repeated key, agree), cut to
    /// [`MAX_IGNORED_FIELDS`].
    fn take_ignored(&mut self) -> Vec<Box<str>> {
        let mut ignored = std::mem::take(&mut self.ignored);
        ignored.sort_unstable();
        // An unknown key given twice is one field (a parsed value keeps one of the two).
        ignored.dedup();
        ignored.truncate(MAX_IGNORED_FIELDS);
        ignored
    }

    /// True when `field` (of an object decoded into slots) is left out by `only`: a scalar or
    /// a list of scalars outside it (objects are walked for their keys' checks).
    #[inline]
    fn skips(&self, field: &Field) -> bool {
        fn flat(kind: &FieldKind) -> bool {
            match kind {
                FieldKind::Object(_) => false,
                FieldKind::List(item) => flat(item),
                _ => true,
            }
        }
        match (self.only, field.slot) {
            (Some(only), Some(slot)) => {
                !only.get(slot as usize).copied().unwrap_or(true) && flat(&field.kind)
            }
            _ => false,
        }
    }

    /// Notes that the value being decoded does not fit its field (the first reason wins) —
    /// only that field is invalid, the rest of the record decodes.
    #[cold]
    fn misfit(&mut self, error: RecordError) {
        if self.misfit.is_none() {
            self.misfit = Some(error);
        }
    }

    /// Records a semantic error (the first one wins) and returns the placeholder serde error.
    #[cold]
    fn fail<E: de::Error>(&mut self, error: RecordError) -> E {
        if self.error.is_none() {
            self.error = Some(error);
        }
        E::custom("record error")
    }

    /// Notes the innermost field path a serde-level error passed through.
    #[cold]
    fn note_syntax_path(&mut self, path: &PathSeg<'_>) {
        if self.error.is_none() && self.syntax_path.is_none() {
            self.syntax_path = Some(path.render());
        }
    }

    /// The error to report: the recorded semantic error, or a syntax error from serde_json
    /// (whose message includes the line and column for text input).
    fn into_error(self, e: &serde_json::Error) -> RecordError {
        if let Some(error) = self.error {
            return error;
        }
        RecordError::new(
            "record.syntax",
            self.syntax_path.filter(|p| !p.is_empty()),
            format!("invalid JSON: {e}"),
        )
    }
}

/// A field path as a linked list on the stack; rendered to `a.b[2].c` only on error.
#[derive(Clone, Copy)]
enum PathSeg<'a> {
    /// The start of the path (`""` for the record root).
    Base(&'a str),
    /// A named field below `parent`.
    Field(&'a PathSeg<'a>, &'a str),
    /// A list item below `parent`.
    Index(&'a PathSeg<'a>, usize),
}

impl PathSeg<'_> {
    fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            PathSeg::Base(base) => out.push_str(base),
            PathSeg::Field(parent, name) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathSeg::Index(parent, i) => {
                parent.write(out);
                let _ = write!(out, "[{i}]");
            }
        }
    }

    /// The rendered path, `None` when empty (the record root).
    fn some(&self) -> Option<String> {
        Some(self.render()).filter(|p| !p.is_empty())
    }
}

#[cold]
fn too_deep(path: &PathSeg<'_>) -> RecordError {
    RecordError::new(
        "record.too_large",
        path.some(),
        format!("record is nested deeper than the limit of {MAX_RECORD_DEPTH} levels"),
    )
}

/// The error of a list longer than its field allows.
#[cold]
fn too_many_items(path: &PathSeg<'_>, count: usize, max: usize) -> RecordError {
    let p = path.render();
    RecordError::new(
        "record.too_many_items",
        Some(p.clone()).filter(|p| !p.is_empty()),
        format!("list `{p}` has {count} items, more than the limit of {max} (`max_items` in the schema)"),
    )
}

/// The error of a value that does not fit its field.
#[cold]
fn misfit_error(kind: &FieldKind, path: &PathSeg<'_>, misfit: &Misfit<'_>) -> RecordError {
    let p = path.render();
    RecordError::new(
        misfit_code(misfit),
        Some(p.clone()).filter(|p| !p.is_empty()),
        misfit_message(kind, &p, misfit),
    )
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

/// The record root: must be an object; its fields go to their slots.
struct RootSeed<'c, 'r, 's> {
    ctx: &'c mut Ctx<'r>,
    obj: &'s ObjectType,
    plan: &'s ObjPlan,
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl RootSeed<'_, '_, '_> {
    #[cold]
    fn not_object<E: de::Error>(self, found: Found<'_>) -> E {
        self.ctx.fail(RecordError::new(
            "record.not_object",
            None,
            format!("a record must be a JSON object, found {found}"),
        ))
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let root = PathSeg::Base("");
        decode_object(self.ctx, self.obj, self.plan, &root, 1, true, map).map(|_| ())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.not_object(Found::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Err(self.not_object(Found::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        Err(self.not_object(Found::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        Err(self.not_object(Found::Int(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        Err(self.not_object(Found::Int(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        Err(self.not_object(Found::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        Err(self.not_object(Found::Str(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<(), A::Error> {
        Err(self.not_object(Found::Array))
    }
}

/// Which fields of one object have been seen (duplicate-key detection without allocating for
/// objects of up to 128 fields).
enum Seen {
    /// Bit `i % 64` of word `i / 64` (two 64-bit words: cheaper than `u128` shifts).
    Small([u64; 2]),
    Large(Vec<bool>),
}

impl Seen {
    fn new(len: usize) -> Seen {
        if len <= 128 {
            Seen::Small([0; 2])
        } else {
            Seen::Large(vec![false; len])
        }
    }

    /// Marks field `i`; false if it was already marked.
    #[inline]
    fn insert(&mut self, i: usize) -> bool {
        match self {
            Seen::Small(words) => {
                let word = &mut words[(i >> 6) & 1];
                let bit = 1u64 << (i & 63);
                let fresh = *word & bit == 0;
                *word |= bit;
                fresh
            }
            Seen::Large(v) => match v.get_mut(i) {
                Some(b) => !std::mem::replace(b, true),
                None => true,
            },
        }
    }
}

/// Decodes the entries of one object. With `into_slots`, field values go to their record slots
/// and the result is the presence marker `true`; otherwise the result is a `Value::Map`.
fn decode_object<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx<'_>,
    obj: &ObjectType,
    plan: &ObjPlan,
    path: &PathSeg<'_>,
    depth: usize,
    into_slots: bool,
    mut map: A,
) -> Result<Option<Value>, A::Error> {
    if depth > MAX_RECORD_DEPTH {
        return Err(ctx.fail(too_deep(path)));
    }
    let fields = obj.fields.as_slice();
    let mut seen = Seen::new(fields.len());
    let mut entries: Vec<(Value, Value)> = Vec::new();
    let mut hint = 0usize;
    let mut unknown_name: Option<String> = None;
    let mut item_misfit: Option<RecordError> = None;
    loop {
        let key = match map.next_key_seed(KeySeed {
            fields,
            hint,
            named: ctx.unknown != UnknownFields::Ignore,
            unknown_name: &mut unknown_name,
        }) {
            Ok(Some(key)) => key,
            Ok(None) => break,
            Err(e) => {
                ctx.note_syntax_path(path);
                return Err(e);
            }
        };
        let index = match key {
            Key::Field(i) => i,
            Key::Unknown => {
                if let Some(name) = unknown_name.take() {
                    match ctx.unknown {
                        UnknownFields::Reject => {
                            return Err(ctx.fail(unknown_field(obj, path, &name)))
                        }
                        _ => {
                            let child = PathSeg::Field(path, &name);
                            ctx.ignored.push(child.render().into_boxed_str());
                        }
                    }
                }
                if let Err(e) = map.next_value_seed(Skip {
                    ctx: &mut *ctx,
                    path,
                    depth: depth + 1,
                }) {
                    ctx.note_syntax_path(path);
                    return Err(e);
                }
                continue;
            }
        };
        let Some(field) = fields.get(index) else {
            continue;
        };
        hint = index + 1;
        let child = PathSeg::Field(path, &field.name);
        if !seen.insert(index) {
            return Err(ctx.fail(RecordError::new(
                "record.syntax",
                child.some(),
                format!("duplicate field `{}`", child.render()),
            )));
        }
        // A protected value is never kept: not in a slot, not inside a list item, so nothing
        // (`size()`, equality, strings, evidence) can ever depend on it or show it. A field
        // outside `only` is skipped the same way (the record-level checks still see it).
        if field.protected || (into_slots && ctx.skips(field)) {
            if let Err(e) = map.next_value_seed(Skip {
                ctx: &mut *ctx,
                path: &child,
                depth: depth + 1,
            }) {
                ctx.note_syntax_path(&child);
                return Err(e);
            }
            continue;
        }
        let value = match map.next_value_seed(KindSeed {
            ctx: &mut *ctx,
            kind: &field.kind,
            plan: plan.kind(index),
            path: &child,
            depth: depth + 1,
            into_slots,
            null_ok: true,
        }) {
            Ok(v) => v,
            Err(e) => {
                ctx.note_syntax_path(&child);
                return Err(e);
            }
        };
        if let Some(misfit) = ctx.misfit.take() {
            // Only this field is invalid (for a list item's field: the whole item, so the
            // list the item is in).
            match (into_slots, field.slot) {
                (true, Some(slot)) => ctx.invalid.push((slot, misfit)),
                (true, None) => {}
                (false, _) => {
                    item_misfit.get_or_insert(misfit);
                }
            }
            continue;
        }
        if let Some(value) = value {
            if into_slots {
                if let Some(slot) = field.slot.and_then(|s| ctx.slots.get_mut(s as usize)) {
                    *slot = Some(value);
                }
            } else {
                let name = match plan.fields.get(index) {
                    Some(f) => Arc::clone(&f.name),
                    None => Arc::from(field.name.as_str()),
                };
                entries.push((Value::String(name), value));
            }
        }
    }
    if let Some(misfit) = item_misfit {
        ctx.misfit(misfit);
        return Ok(None);
    }
    if into_slots {
        Ok(Some(Value::Bool(true)))
    } else {
        Ok(Some(Value::Map(Arc::new(MapValue { entries }))))
    }
}

#[cold]
fn unknown_field(obj: &ObjectType, path: &PathSeg<'_>, name: &str) -> RecordError {
    let child = PathSeg::Field(path, name);
    let p = child.render();
    let best = obj
        .fields
        .iter()
        .map(|f| (strsim::jaro_winkler(&f.name, name), &f.name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((_, n)) => format!(" (did you mean `{n}`?)"),
        None => String::new(),
    };
    RecordError::new(
        "record.unknown_field",
        Some(p.clone()),
        format!("unknown field `{p}`{hint}"),
    )
}

/// A key of an object: the index of a schema field, or unknown (when unknown fields are
/// reported or rejected, its name is left in [`KeySeed::unknown_name`]).
enum Key {
    Field(usize),
    Unknown,
}

/// Matches an object key against the fields, borrowed, starting the scan at `hint`.
struct KeySeed<'s, 'u> {
    fields: &'s [Field],
    hint: usize,
    /// Whether an unknown key's name is wanted.
    named: bool,
    /// Receives the name of an unknown key when `named` (kept out of [`Key`] so that the
    /// common result stays small).
    unknown_name: &'u mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_> {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        let start = self.hint.min(self.fields.len());
        let (before, after) = self.fields.split_at(start);
        if let Some(i) = after.iter().position(|f| f.name == key) {
            return Ok(Key::Field(start + i));
        }
        if let Some(i) = before.iter().position(|f| f.name == key) {
            return Ok(Key::Field(i));
        }
        if self.named {
            *self.unknown_name = Some(key.to_owned());
        }
        Ok(Key::Unknown)
    }
}

/// Skips an unknown value, enforcing the nesting limit (so the text and value paths agree).
struct Skip<'c, 'r, 'p> {
    ctx: &'c mut Ctx<'r>,
    path: &'p PathSeg<'p>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Skip<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.depth > MAX_RECORD_DEPTH {
            return Err(self.ctx.fail(too_deep(self.path)));
        }
        while seq
            .next_element_seed(Skip {
                ctx: &mut *self.ctx,
                path: self.path,
                depth: self.depth + 1,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.depth > MAX_RECORD_DEPTH {
            return Err(self.ctx.fail(too_deep(self.path)));
        }
        while map.next_key::<de::IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip {
                ctx: &mut *self.ctx,
                path: self.path,
                depth: self.depth + 1,
            })?;
        }
        Ok(())
    }
}

/// Decodes one value of a schema kind. `None` means JSON `null` (absent).
struct KindSeed<'c, 'r, 's, 'p> {
    ctx: &'c mut Ctx<'r>,
    kind: &'s FieldKind,
    /// Precomputed data for `kind` (or [`KindPlan::Plain`]).
    plan: &'s KindPlan,
    path: &'p PathSeg<'p>,
    /// Nesting depth of this value (the record root object is 1).
    depth: usize,
    /// Objects of this value fill record slots (outside lists) rather than building maps.
    into_slots: bool,
    /// `null` is allowed (fields) or a type mismatch (list items).
    null_ok: bool,
}

impl<'de> DeserializeSeed<'de> for KindSeed<'_, '_, '_, '_> {
    type Value = Option<Value>;

    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl KindSeed<'_, '_, '_, '_> {
    /// The field's value does not fit: noted, the field is left absent.
    #[cold]
    fn misfit(self, misfit: Misfit<'_>) -> Option<Value> {
        self.ctx.misfit(misfit_error(self.kind, self.path, &misfit));
        None
    }

    /// Converts a scalar through the one conversion table.
    #[inline]
    fn scalar(self, scalar: Scalar<'_>) -> Option<Value> {
        let shared = match self.plan {
            KindPlan::Enum(values) => Some(values.as_slice()),
            _ => None,
        };
        match convert_scalar(self.kind, shared, scalar, Coercion::JSON) {
            Ok(v) => v,
            Err(misfit) => self.misfit(misfit),
        }
    }

    /// Skips a container that does not fit the field (its contents still count towards the
    /// nesting limit), noting the misfit.
    fn skip_container<'de, A: SeqOrMap<'de>>(
        self,
        access: A,
        found: Found<'_>,
    ) -> Result<Option<Value>, A::Error> {
        if self.depth > MAX_RECORD_DEPTH {
            return Err(self.ctx.fail(too_deep(self.path)));
        }
        access.skip_all(&mut *self.ctx, self.path, self.depth)?;
        Ok(self.misfit(Misfit::Type(found)))
    }
}

/// Sequences and maps whose entries can be skipped.
trait SeqOrMap<'de> {
    type Error: de::Error;
    fn skip_all(
        self,
        ctx: &mut Ctx<'_>,
        path: &PathSeg<'_>,
        depth: usize,
    ) -> Result<(), Self::Error>;
}

struct Seq<A>(A);
struct Map<A>(A);

impl<'de, A: SeqAccess<'de>> SeqOrMap<'de> for Seq<A> {
    type Error = A::Error;
    fn skip_all(
        mut self,
        ctx: &mut Ctx<'_>,
        path: &PathSeg<'_>,
        depth: usize,
    ) -> Result<(), A::Error> {
        while self
            .0
            .next_element_seed(Skip {
                ctx: &mut *ctx,
                path,
                depth: depth + 1,
            })?
            .is_some()
        {}
        Ok(())
    }
}

impl<'de, A: MapAccess<'de>> SeqOrMap<'de> for Map<A> {
    type Error = A::Error;
    fn skip_all(
        mut self,
        ctx: &mut Ctx<'_>,
        path: &PathSeg<'_>,
        depth: usize,
    ) -> Result<(), A::Error> {
        while self.0.next_key::<de::IgnoredAny>()?.is_some() {
            self.0.next_value_seed(Skip {
                ctx: &mut *ctx,
                path,
                depth: depth + 1,
            })?;
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for KindSeed<'_, '_, '_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&kind_name(self.kind))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        if self.null_ok {
            Ok(None)
        } else {
            Ok(self.misfit(Misfit::Type(Found::Null)))
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<Value>, E> {
        self.visit_unit()
    }

    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(self.scalar(Scalar::Bool(v)))
    }

    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(self.scalar(Scalar::Int(v)))
    }

    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(self.scalar(Scalar::UInt(v)))
    }

    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(self.scalar(Scalar::Float(v)))
    }

    #[inline]
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<Value>, E> {
        Ok(self.scalar(Scalar::Str(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let FieldKind::List(item) = self.kind else {
            return self.skip_container(Seq(seq), Found::Array);
        };
        if self.depth > MAX_RECORD_DEPTH {
            return Err(self.ctx.fail(too_deep(self.path)));
        }
        let (item_plan, max_items) = match self.plan {
            KindPlan::List(p, max) => (&**p, *max),
            _ => (&PLAIN, MAX_RECORD_LIST_ITEMS),
        };
        let mut count = 0usize;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        let mut item_misfit: Option<RecordError> = None;
        loop {
            let child = PathSeg::Index(self.path, count);
            let next = seq.next_element_seed(KindSeed {
                ctx: &mut *self.ctx,
                kind: item,
                plan: item_plan,
                path: &child,
                depth: self.depth + 1,
                into_slots: false,
                null_ok: false,
            });
            if matches!(next, Ok(Some(_))) {
                count += 1;
            }
            match next {
                Ok(Some(Some(v))) if items.len() < max_items => items.push(v),
                // Past the limit the items are read (the text must be consumed) and dropped.
                Ok(Some(Some(_))) => {}
                // Only a misfit yields `None` for an item (`null_ok: false`): the whole list
                // is invalid; its remaining items are still read.
                Ok(Some(None)) => {
                    if let Some(m) = self.ctx.misfit.take() {
                        item_misfit.get_or_insert(m);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.ctx.note_syntax_path(&child);
                    return Err(e);
                }
            }
        }
        if let Some(m) = item_misfit {
            self.ctx.misfit(m);
            return Ok(None);
        }
        if count > max_items {
            self.ctx.misfit(too_many_items(self.path, count, max_items));
            return Ok(None);
        }
        Ok(Some(Value::List(items.into())))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        let FieldKind::Object(obj) = self.kind else {
            return self.skip_container(Map(map), Found::Object);
        };
        let plan = match self.plan {
            KindPlan::Object(p) => p,
            _ => &EMPTY_OBJ,
        };
        decode_object(
            self.ctx,
            obj,
            plan,
            self.path,
            self.depth,
            self.into_slots,
            map,
        )
    }
}

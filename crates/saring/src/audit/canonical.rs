//! The record as the log sees it: the input JSON without the schema's protected fields,
//! hashed in its RFC 8785 canonical form (sorted keys, no whitespace, ECMAScript numbers), so
//! that key order and formatting never change the hash.

use serde_json::Value;

use crate::schema::{FieldKind, ObjectType, Schema};

/// The RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. Integers keep all their
/// digits (RFC 8785 would round those above 2^53 to a double).
pub fn canonical_json(value: &Value) -> String {
    // A `serde_json::Value` always serialises (finite numbers, string keys).
    serde_jcs::to_string(value).unwrap_or_default()
}

/// `sha256:<hex>` of the canonical form of a JSON value.
pub fn canonical_hash(value: &Value) -> String {
    crate::bundle::sha256_text(canonical_json(value).as_bytes())
}

/// The input record as logged: a copy without the values of fields the schema marks
/// `protected` (they never reach a decision, nor the log).
pub fn logged_record(schema: &Schema, input: &Value) -> Value {
    let mut out = input.clone();
    strip(&schema.root, &mut out);
    out
}

fn strip(object: &ObjectType, value: &mut Value) {
    let Value::Object(map) = value else {
        return;
    };
    for field in &object.fields {
        if field.protected {
            map.remove(&field.name);
            continue;
        }
        if let Some(child) = map.get_mut(&field.name) {
            strip_kind(&field.kind, child);
        }
    }
}

fn strip_kind(kind: &FieldKind, value: &mut Value) {
    match (kind, value) {
        (FieldKind::Object(object), v) => strip(object, v),
        (FieldKind::List(item), Value::Array(items)) => {
            for v in items {
                strip_kind(item, v);
            }
        }
        _ => {}
    }
}

/// The hash the log records for an input record: the canonical hash of
/// [`logged_record`].
pub fn record_hash(schema: &Schema, input: &Value) -> String {
    canonical_hash(&logged_record(schema, input))
}

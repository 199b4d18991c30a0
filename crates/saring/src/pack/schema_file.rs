//! Schema files (`schema.toml` / `schema.json`): `[field.<name>]` tables → [`Schema`].

use std::sync::Arc;

use crate::diagnostic::{did_you_mean, Code};
use crate::pack::ctx::{check_duplicates, check_name, get, Reader};
use crate::pack::tree::{Entry, Kind, Node};
use crate::schema::{Field, FieldKind, ObjectType, Schema};

/// Keys a field table may hold (besides child fields of objects).
const FIELD_KEYS: &[&str] = &[
    "type",
    "required",
    "protected",
    "monitored",
    "description",
    "question",
    "encodes",
    "values",
    "items",
    "max_items",
];

/// The type names of the schema language.
const TYPES: &[&str] = &[
    "string",
    "int",
    "float",
    "bool",
    "date",
    "timestamp",
    "enum",
    "list",
    "object",
];

/// Builds the schema from a parsed schema file. Returns `None` when the file has errors;
/// the names of the top-level fields are returned either way (for name-clash checks).
pub(crate) fn build_schema(reader: &mut Reader<'_>, root: &Node) -> (Option<Schema>, Vec<String>) {
    check_duplicates(reader, root);
    let errors_before = reader.diags.list.len();
    let Some(entries) = root.entries() else {
        return (None, Vec::new());
    };
    reader.check_keys(entries, &["field"], "the schema file");
    let mut fields = Vec::new();
    let mut names = Vec::new();
    if let Some(field_entry) = get(entries, "field") {
        if let Some(field_entries) = reader.table(field_entry) {
            let mut next_slot = 0u32;
            names = field_entries.iter().map(|e| e.key.clone()).collect();
            fields = build_fields(reader, field_entries, "", false, &mut next_slot);
        }
    }
    let failed = reader.diags.list[errors_before..]
        .iter()
        .any(|d| d.is_error());
    if failed {
        return (None, names);
    }
    let root = ObjectType {
        path: String::new(),
        fields,
        in_list: false,
    };
    (Some(Schema::new(Arc::new(root))), names)
}

fn child_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

fn build_fields(
    reader: &mut Reader<'_>,
    entries: &[Entry],
    parent: &str,
    in_list: bool,
    next_slot: &mut u32,
) -> Vec<Field> {
    entries
        .iter()
        .filter_map(|e| build_field(reader, e, parent, in_list, next_slot))
        .collect()
}

/// The declared type of a field, before children are attached.
enum Declared {
    Scalar(FieldKind),
    Object,
    ListOf(Box<Declared>),
}

fn parse_type(
    reader: &mut Reader<'_>,
    name: &str,
    e: &Entry,
    values: Option<&Entry>,
    allow_list: bool,
) -> Option<Declared> {
    let t = reader.string(e)?;
    Some(match t.as_str() {
        "string" => Declared::Scalar(FieldKind::String),
        "int" => Declared::Scalar(FieldKind::Int),
        "float" => Declared::Scalar(FieldKind::Float),
        "bool" => Declared::Scalar(FieldKind::Bool),
        "date" => Declared::Scalar(FieldKind::Date),
        "timestamp" => Declared::Scalar(FieldKind::Timestamp),
        "object" => Declared::Object,
        "enum" => {
            let Some(values) = values else {
                reader.error_help(
                    Code::SchemaMissingKey,
                    format!("enum field `{name}` has no `values`"),
                    "add `values = [\"a\", \"b\"]`".to_string(),
                    e.value.span,
                );
                return None;
            };
            let values = reader.strings(values)?;
            Declared::Scalar(FieldKind::Enum(values.into()))
        }
        "list" if allow_list => Declared::ListOf(Box::new(Declared::Object)),
        "list" => {
            reader.error(
                Code::SchemaInvalidValue,
                "lists of lists are not supported".to_string(),
                e.value.span,
            );
            return None;
        }
        other => {
            let help = did_you_mean(other, TYPES.iter().copied()).unwrap_or_else(|| {
                format!(
                    "types: {}",
                    TYPES
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            reader.error_help(
                Code::SchemaUnknownType,
                format!("unknown type `{other}` for field `{name}`"),
                help,
                e.value.span,
            );
            return None;
        }
    })
}

fn build_field(
    reader: &mut Reader<'_>,
    e: &Entry,
    parent: &str,
    in_list: bool,
    next_slot: &mut u32,
) -> Option<Field> {
    let path = child_path(parent, &e.key);
    check_name(reader, &e.key, "field", e.key_span);
    let Some(entries) = e.value.entries() else {
        reader.error(
            Code::SchemaInvalidValue,
            format!(
                "field `{path}` must be a table with a `type`, found {}",
                e.value.type_name()
            ),
            e.value.span,
        );
        return None;
    };
    let location = reader.diags.sources.locate(&reader.file, e.key_span);
    let Some(type_entry) = get(entries, "type") else {
        reader.missing("type", &format!("field `{path}`"), e.key_span);
        return None;
    };
    let values = get(entries, "values");
    let items = get(entries, "items");
    let mut declared = parse_type(reader, &path, type_entry, values, true);
    if let Some(Declared::ListOf(_)) = declared {
        declared = match items {
            Some(items) => parse_type(reader, &path, items, values, false)
                .map(|d| Declared::ListOf(Box::new(d))),
            None => {
                reader.error_help(
                    Code::SchemaMissingKey,
                    format!("list field `{path}` has no `items`"),
                    "add `items = \"string\"` (or another type, or `\"object\"` with child fields)"
                        .to_string(),
                    type_entry.value.span,
                );
                None
            }
        };
    }
    let has_children = match &declared {
        Some(Declared::Object) => true,
        Some(Declared::ListOf(d)) => matches!(**d, Declared::Object),
        _ => false,
    };
    let is_enum = matches!(&declared, Some(Declared::Scalar(FieldKind::Enum(_))))
        || matches!(&declared, Some(Declared::ListOf(d)) if matches!(**d, Declared::Scalar(FieldKind::Enum(_))));
    let is_list = matches!(declared, Some(Declared::ListOf(_)));

    let mut required = false;
    let mut protected = false;
    let mut monitored = false;
    let mut description = None;
    let mut question = None;
    let mut encodes = Vec::new();
    let mut max_items = None;
    let mut children: Vec<&Entry> = Vec::new();
    for entry in entries {
        match entry.key.as_str() {
            "type" => {}
            "required" => required = reader.bool(entry).unwrap_or(false),
            "protected" => protected = reader.bool(entry).unwrap_or(false),
            "monitored" => monitored = reader.bool(entry).unwrap_or(false),
            "description" => description = reader.string(entry),
            // An object may have a child field named `question` (a table with a `type`).
            "question" if !(has_children && is_field_table(entry)) => question = reader.text(entry),
            "encodes" => encodes = reader.strings(entry).unwrap_or_default(),
            "values" if is_enum || declared.is_none() => {}
            "items" if is_list || declared.is_none() => {}
            "max_items" if is_list || declared.is_none() => {
                max_items = match reader.int(entry) {
                    Some(n) if (1..=crate::limits::MAX_LIST_ITEMS as i64).contains(&n) => {
                        Some(n as usize)
                    }
                    Some(n) => {
                        reader.error_help(
                            Code::SchemaInvalidValue,
                            format!("`max_items` of field `{path}` is {n}"),
                            format!("give a number from 1 to {}", crate::limits::MAX_LIST_ITEMS),
                            entry.value.span,
                        );
                        None
                    }
                    None => None,
                }
            }
            "values" | "items" | "max_items" => reader.error_help(
                Code::SchemaUnknownKey,
                format!("key `{}` does not apply to field `{path}`", entry.key),
                if entry.key == "values" {
                    "`values` is only for `enum` fields (or lists of enums)".to_string()
                } else {
                    format!("`{}` is only for `list` fields", entry.key)
                },
                entry.key_span,
            ),
            _ if has_children && matches!(entry.value.kind, Kind::Table(_)) => children.push(entry),
            _ if declared.is_none() && matches!(entry.value.kind, Kind::Table(_)) => {}
            _ => {
                let mut help = did_you_mean(&entry.key, FIELD_KEYS.iter().copied());
                if help.is_none() && matches!(entry.value.kind, Kind::Table(_)) {
                    help = Some(format!(
                        "only `object` fields (and lists of objects) have child fields; `{path}` is not one"
                    ));
                }
                match help {
                    Some(h) => reader.error_help(
                        Code::SchemaUnknownKey,
                        format!("unknown key `{}` in field `{path}`", entry.key),
                        h,
                        entry.key_span,
                    ),
                    None => reader.unknown_key(entry, FIELD_KEYS, &format!("field `{path}`")),
                }
            }
        }
    }
    let declared = declared?;
    let slot = if in_list {
        None
    } else {
        let s = *next_slot;
        *next_slot += 1;
        Some(s)
    };
    let child_entries: Vec<Entry> = children.into_iter().cloned().collect();
    let kind = match declared {
        Declared::Scalar(k) => k,
        Declared::Object => {
            let fields = build_fields(reader, &child_entries, &path, in_list, next_slot);
            FieldKind::Object(Arc::new(ObjectType {
                path: path.clone(),
                fields,
                in_list,
            }))
        }
        Declared::ListOf(item) => match *item {
            Declared::Scalar(k) => FieldKind::List(Box::new(k)),
            Declared::Object => {
                let item_path = format!("{path}[]");
                let fields = build_fields(reader, &child_entries, &item_path, true, next_slot);
                FieldKind::List(Box::new(FieldKind::Object(Arc::new(ObjectType {
                    path: item_path,
                    fields,
                    in_list: true,
                }))))
            }
            Declared::ListOf(_) => return None,
        },
    };
    Some(Field {
        name: e.key.clone(),
        path,
        kind,
        required,
        protected,
        monitored,
        description,
        encodes,
        question,
        max_items,
        slot,
        location: Some(location),
    })
}

/// Whether an entry is a child field declaration (a table with a `type`).
fn is_field_table(e: &Entry) -> bool {
    e.value.entries().is_some_and(|t| get(t, "type").is_some())
}

/// The schema as canonical JSON (for the pack digest).
pub(crate) fn schema_json(schema: &Schema) -> serde_json::Value {
    object_json(&schema.root)
}

fn object_json(obj: &ObjectType) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in &obj.fields {
        let mut field = serde_json::Map::new();
        field.insert("type".into(), kind_json(&f.kind));
        field.insert("required".into(), f.required.into());
        field.insert("protected".into(), f.protected.into());
        field.insert("monitored".into(), f.monitored.into());
        if let Some(d) = &f.description {
            field.insert("description".into(), d.clone().into());
        }
        // New keys enter the digest only when set, so older packs keep their digests.
        if !f.encodes.is_empty() {
            field.insert("encodes".into(), f.encodes.clone().into());
        }
        if let Some(q) = &f.question {
            field.insert("question".into(), q.to_json());
        }
        if let Some(n) = f.max_items {
            field.insert("max_items".into(), n.into());
        }
        map.insert(f.name.clone(), serde_json::Value::Object(field));
    }
    serde_json::Value::Object(map)
}

fn kind_json(kind: &FieldKind) -> serde_json::Value {
    match kind {
        FieldKind::String => "string".into(),
        FieldKind::Int => "int".into(),
        FieldKind::Float => "float".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Date => "date".into(),
        FieldKind::Timestamp => "timestamp".into(),
        FieldKind::Enum(values) => serde_json::json!({ "enum": values.to_vec() }),
        FieldKind::List(item) => serde_json::json!({ "list": kind_json(item) }),
        FieldKind::Object(obj) => serde_json::json!({ "object": object_json(obj) }),
    }
}

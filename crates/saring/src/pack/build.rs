//! Interpreting a parsed pack file: `[pack]`, `[outcomes]`, `[lists]`, `[derive]`, `[[rule]]`.

use std::collections::BTreeMap;

use crate::cel::Value;
use crate::diagnostic::Diagnostic;
use crate::limits::{MAX_DERIVED, MAX_LISTS, MAX_LIST_ITEMS, MAX_RULES, MAX_WEIGHT};
use crate::pack::ctx::{check_duplicates, check_name, get, Reader};
use crate::pack::load::FileSource;
use crate::pack::tree::{to_json, Entry, Kind, Node, Span};
use crate::pack::{
    Derived, Example, Expectation, Expression, NamedList, Outcomes, PackMeta, RecordIdField, Rule,
    RuleStatus, Sharing,
};
use crate::schema::{FieldKind, Schema};

/// The interpreted content of a pack file (everything but the schema).
pub(crate) struct PackParts {
    pub meta: PackMeta,
    pub outcomes: Outcomes,
    pub lists: Vec<NamedList>,
    pub derive: Vec<Derived>,
    pub rules: Vec<Rule>,
    /// `[pack] record_id` as written, with its span (resolved against the schema by
    /// [`resolve_record_id`]).
    pub record_id: Option<(String, Span)>,
}

const TOP_KEYS: &[&str] = &["pack", "outcomes", "lists", "derive", "rule"];
const META_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "schema",
    "description",
    "record_id",
];
const LIST_KEYS: &[&str] = &["file", "items", "sharing", "provenance", "expires"];
const OUTCOME_KEYS: &[&str] = &["review", "refer"];
const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "weight",
    "status",
    "when",
    "reason",
    "remedy",
    "references",
    "review_by",
    "uses_monitored",
    "example",
];
const EXAMPLE_KEYS: &[&str] = &["expect", "record"];

/// The schema file a pack names (`[pack] schema`), with the span of the reference.
pub(crate) fn schema_ref(root: &Node) -> (String, Option<Span>) {
    let entry = root
        .entries()
        .and_then(|e| get(e, "pack"))
        .and_then(|p| p.value.entries())
        .and_then(|e| get(e, "schema"));
    match entry.map(|e| &e.value) {
        Some(Node {
            kind: Kind::Str(s),
            span,
            ..
        }) => (s.clone(), Some(*span)),
        _ => ("schema.toml".to_string(), None),
    }
}

fn expression(reader: &Reader<'_>, e: &Entry, text: String) -> Expression {
    Expression {
        text,
        file: reader.file.clone(),
        offset: e.value.content,
    }
}

/// Interprets a pack file. `schema_names` are the schema's top-level field names.
pub(crate) fn build_pack(
    reader: &mut Reader<'_>,
    root: &Node,
    schema_names: &[String],
    files: &mut FileSource<'_>,
) -> Option<PackParts> {
    check_duplicates(reader, root);
    let entries = root.entries()?;
    reader.check_keys(entries, TOP_KEYS, "the pack file");

    let record_id = get(entries, "pack")
        .and_then(|e| e.value.entries())
        .and_then(|t| get(t, "record_id"))
        .and_then(|e| reader.string(e).map(|path| (path, e.value.span)));
    let meta = match get(entries, "pack") {
        Some(e) => reader.table(e).and_then(|t| meta(reader, t, e.key_span)),
        None => {
            reader.error_help(
                "pack.missing_key",
                "missing table `[pack]`".to_string(),
                "add `[pack]` with `id`, `version` and `title`".to_string(),
                (0, 0),
            );
            None
        }
    };
    let outcomes = match get(entries, "outcomes") {
        Some(e) => reader
            .table(e)
            .and_then(|t| outcomes(reader, t, e.key_span)),
        None => {
            reader.error_help(
                "pack.missing_key",
                "missing table `[outcomes]`".to_string(),
                "add `[outcomes]` with `review` and `refer` score thresholds".to_string(),
                (0, 0),
            );
            None
        }
    };

    // Names of lists and derived values, for clash checks: name → span of first use.
    let mut names: BTreeMap<String, Span> = BTreeMap::new();
    let lists = get(entries, "lists")
        .and_then(|e| reader.table(e))
        .map(|t| lists(reader, t, schema_names, &mut names, files))
        .unwrap_or_default();
    let derive = get(entries, "derive")
        .and_then(|e| reader.table(e))
        .map(|t| derive(reader, t, schema_names, &mut names))
        .unwrap_or_default();
    let rules = match get(entries, "rule") {
        Some(e) => rules(reader, e),
        None => Vec::new(),
    };
    Some(PackParts {
        meta: meta?,
        outcomes: outcomes?,
        lists,
        derive,
        rules,
        record_id,
    })
}

fn meta(reader: &mut Reader<'_>, t: &[Entry], span: Span) -> Option<PackMeta> {
    reader.check_keys(t, META_KEYS, "`[pack]`");
    let mut field = |key: &str| -> Option<String> {
        match get(t, key) {
            Some(e) => reader.string(e),
            None => {
                reader.missing(key, "`[pack]`", span);
                None
            }
        }
    };
    let id = field("id");
    let version = field("version");
    let title = field("title");
    let schema = match get(t, "schema") {
        Some(e) => reader.string(e),
        None => Some("schema.toml".to_string()),
    };
    let description = match get(t, "description") {
        Some(e) => Some(reader.string(e)?),
        None => None,
    };
    Some(PackMeta {
        id: id?,
        version: version?,
        title: title?,
        schema: schema?,
        description,
        record_id: None,
    })
}

fn outcomes(reader: &mut Reader<'_>, t: &[Entry], span: Span) -> Option<Outcomes> {
    reader.check_keys(t, OUTCOME_KEYS, "`[outcomes]`");
    let mut threshold = |key: &str| match get(t, key) {
        Some(e) => reader.int(e),
        None => {
            reader.missing(key, "`[outcomes]`", span);
            None
        }
    };
    let review = threshold("review");
    let refer = threshold("refer");
    let (review, refer) = (review?, refer?);
    if review > refer {
        let at = get(t, "review").map_or(span, |e| e.value.span);
        reader.error_help(
            "pack.invalid_value",
            format!("the `review` threshold ({review}) is above the `refer` threshold ({refer})"),
            "`review` must be less than or equal to `refer`".to_string(),
            at,
        );
        return None;
    }
    Some(Outcomes { review, refer })
}

/// Checks a list or derive name: identifier, no clash with schema fields or earlier names.
fn check_new_name(
    reader: &mut Reader<'_>,
    e: &Entry,
    what: &str,
    schema_names: &[String],
    names: &mut BTreeMap<String, Span>,
) {
    if !check_name(reader, &e.key, what, e.key_span) {
        return;
    }
    if schema_names.iter().any(|n| n == &e.key) {
        reader.error_help(
            "pack.name_clash",
            format!("{what} `{}` has the same name as a schema field", e.key),
            "rename it: a name must mean one thing in expressions".to_string(),
            e.key_span,
        );
    } else if e.key == "rules" {
        reader.error_help(
            "pack.name_clash",
            format!("{what} `rules` clashes with the `rules.<id>` references"),
            "rename it".to_string(),
            e.key_span,
        );
    } else if let Some(first) = names.get(&e.key).copied() {
        let line = reader.diags.sources.locate(&reader.file, first).line;
        reader.error_help(
            "pack.name_clash",
            format!("{what} `{}` is already defined", e.key),
            format!("the first definition is on line {line}"),
            e.key_span,
        );
    } else {
        names.insert(e.key.clone(), e.key_span);
    }
}

/// Reports `pack.limit` (at the first entry past the limit) when a table has more than
/// `limit` entries.
fn too_many(reader: &mut Reader<'_>, t: &[Entry], what: &str, limit: usize) -> bool {
    let Some(first_over) = t.get(limit) else {
        return false;
    };
    reader.error(
        "pack.limit",
        format!(
            "the pack has {} {what}, more than the limit of {limit}",
            t.len()
        ),
        first_over.key_span,
    );
    true
}

fn lists(
    reader: &mut Reader<'_>,
    t: &[Entry],
    schema_names: &[String],
    names: &mut BTreeMap<String, Span>,
    files: &mut FileSource<'_>,
) -> Vec<NamedList> {
    let mut out = Vec::new();
    if too_many(reader, t, "named lists", MAX_LISTS) {
        return out;
    }
    for e in t {
        check_new_name(reader, e, "list", schema_names, names);
        if let Some(list) = list(reader, e, files) {
            out.push(list);
        }
    }
    out
}

/// One `[lists]` entry: a plain array, or a table with `file` or `items` and the list's
/// metadata (`sharing`, `provenance`, `expires`).
fn list(reader: &mut Reader<'_>, e: &Entry, files: &mut FileSource<'_>) -> Option<NamedList> {
    let location = Some(reader.diags.sources.locate(&reader.file, e.key_span));
    let mut list = NamedList {
        name: e.key.clone(),
        items: Vec::new(),
        file: None,
        sharing: Sharing::default(),
        provenance: None,
        expires: None,
        location,
    };
    let entries = match &e.value.kind {
        Kind::Array(items) => {
            list.items = inline_items(reader, &e.key, items, e.key_span)?;
            return Some(list);
        }
        Kind::Table(entries) => entries,
        _ => {
            reader.wrong_type(e, "an array, `{ file = \"...\" }` or `{ items = [...] }`");
            return None;
        }
    };
    let what = format!("list `{}`", e.key);
    reader.check_keys(entries, LIST_KEYS, &what);
    let mut ok = true;
    if let Some(s) = get(entries, "sharing") {
        match reader.string(s) {
            Some(name) => match Sharing::parse(&name) {
                Some(sharing) => list.sharing = sharing,
                None => {
                    let help = crate::diagnostic::did_you_mean(
                        &name,
                        Sharing::ALL.iter().map(|s| s.as_str()),
                    )
                    .unwrap_or_else(|| "use `public`, `agency` or `restricted`".to_string());
                    reader.error_help(
                        "pack.invalid_value",
                        format!("unknown sharing class `{name}` of {what}"),
                        help,
                        s.value.span,
                    );
                    ok = false;
                }
            },
            None => ok = false,
        }
    }
    if let Some(p) = get(entries, "provenance") {
        list.provenance = reader.string(p);
        ok &= list.provenance.is_some();
    }
    if let Some(x) = get(entries, "expires") {
        list.expires = date(reader, x, "expires", "expires = 2026-12-31");
        ok &= list.expires.is_some();
    }
    match (get(entries, "file"), get(entries, "items")) {
        (Some(_), Some(items)) => {
            reader.error_help(
                "pack.invalid_value",
                format!("{what} has both `file` and `items`"),
                "give the items inline or in a file, not both".to_string(),
                items.key_span,
            );
            None
        }
        (None, None) => {
            reader.error_help(
                "pack.missing_key",
                format!("missing key `file` or `items` in {what}"),
                "write `{ file = \"lists/x.txt\" }` or `{ items = [...] }`".to_string(),
                e.key_span,
            );
            None
        }
        (None, Some(items)) => {
            let Kind::Array(values) = &items.value.kind else {
                reader.wrong_type(items, "an array of strings or numbers");
                return None;
            };
            list.items = inline_items(reader, &e.key, values, items.key_span)?;
            ok.then_some(list)
        }
        (Some(file_entry), None) => {
            let rel = reader.string(file_entry)?;
            let name = files.read(reader, &rel, file_entry.value.span)?;
            let text = reader.diags.text(&name);
            let items: Vec<Value> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(Value::string)
                .collect();
            if items.len() > MAX_LIST_ITEMS {
                reader.error(
                    "pack.limit",
                    format!(
                        "list `{}` (file `{name}`) has {} items, more than the limit of {MAX_LIST_ITEMS}",
                        e.key,
                        items.len()
                    ),
                    file_entry.value.span,
                );
                return None;
            }
            list.items = items;
            list.file = Some(name);
            ok.then_some(list)
        }
    }
}

/// The items of an inline list: strings or numbers.
fn inline_items(
    reader: &mut Reader<'_>,
    name: &str,
    items: &[Node],
    span: Span,
) -> Option<Vec<Value>> {
    if items.len() > MAX_LIST_ITEMS {
        reader.error(
            "pack.limit",
            format!(
                "list `{name}` has {} items, more than the limit of {MAX_LIST_ITEMS}",
                items.len()
            ),
            span,
        );
        return None;
    }
    let mut values = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match &item.kind {
            Kind::Str(s) => values.push(Value::string(s.as_str())),
            Kind::Int(i) => values.push(Value::Int(*i)),
            Kind::Float(f) => values.push(Value::Double(*f)),
            _ => {
                reader.error(
                    "pack.invalid_value",
                    format!(
                        "items of list `{name}` must be strings or numbers, found {}",
                        item.type_name()
                    ),
                    item.span,
                );
                ok = false;
            }
        }
    }
    ok.then_some(values)
}

/// Resolves `[pack] record_id` against the schema: it must name a field with a record slot
/// of type string or int, readable by rules (not protected). Reports `pack.record_id`.
pub(crate) fn resolve_record_id(reader: &mut Reader<'_>, parts: &mut PackParts, schema: &Schema) {
    let Some((path, span)) = parts.record_id.clone() else {
        return;
    };
    let problem = match schema.field(&path) {
        None => {
            let candidates: Vec<&str> = schema.slots.iter().map(|s| &*s.path).collect();
            let help = crate::diagnostic::did_you_mean(&path, candidates.iter().copied())
                .unwrap_or_else(|| {
                    "name a string or int field of the schema by its dotted path".to_string()
                });
            Some((
                format!("`record_id` names `{path}`, which is not a schema field"),
                help,
            ))
        }
        Some(f) if f.protected => Some((
            format!("`record_id` names the protected field `{path}`"),
            "a protected value never reaches a decision: name another field".to_string(),
        )),
        Some(f) => match (&f.kind, f.slot) {
            (FieldKind::String | FieldKind::Int, Some(slot)) => {
                parts.meta.record_id = Some(RecordIdField { path, slot });
                None
            }
            (FieldKind::String | FieldKind::Int, None) => Some((
                format!("`record_id` names `{path}`, a field inside a list"),
                "name a field outside lists: one value per record".to_string(),
            )),
            (kind, _) => Some((
                format!(
                    "`record_id` names `{path}` of type {}, not string or int",
                    kind_name(kind)
                ),
                "name a string or int field of the schema".to_string(),
            )),
        },
    };
    if let Some((message, help)) = problem {
        reader.error_help("pack.record_id", message, help, span);
    }
}

fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::String => "string",
        FieldKind::Int => "int",
        FieldKind::Float => "float",
        FieldKind::Bool => "bool",
        FieldKind::Date => "date",
        FieldKind::Timestamp => "timestamp",
        FieldKind::Enum(_) => "enum",
        FieldKind::List(_) => "list",
        FieldKind::Object(_) => "object",
    }
}

fn derive(
    reader: &mut Reader<'_>,
    t: &[Entry],
    schema_names: &[String],
    names: &mut BTreeMap<String, Span>,
) -> Vec<Derived> {
    let mut out = Vec::new();
    if too_many(reader, t, "derived values", MAX_DERIVED) {
        return out;
    }
    for e in t {
        check_new_name(reader, e, "derived value", schema_names, names);
        if let Some(text) = reader.string(e) {
            let expr = expression(reader, e, text);
            out.push(Derived {
                name: e.key.clone(),
                expr,
            });
        }
    }
    out
}

fn rules(reader: &mut Reader<'_>, e: &Entry) -> Vec<Rule> {
    let Kind::Array(items) = &e.value.kind else {
        reader.error_help(
            "pack.invalid_value",
            format!(
                "`rule` must be an array of tables, found {}",
                e.value.type_name()
            ),
            "write each rule as `[[rule]]`".to_string(),
            e.key_span,
        );
        return Vec::new();
    };
    if items.len() > MAX_RULES {
        reader.error(
            "pack.limit",
            format!(
                "the pack has {} rules, more than the limit of {MAX_RULES}",
                items.len()
            ),
            e.key_span,
        );
        return Vec::new();
    }
    let mut out: Vec<Rule> = Vec::new();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for item in items {
        let Some(entries) = item.entries() else {
            reader.error(
                "pack.invalid_value",
                format!("a rule must be a table, found {}", item.type_name()),
                item.span,
            );
            continue;
        };
        let head = item.head(reader.diags.text(&reader.file));
        if let Some(rule) = rule(reader, entries, head, &mut seen) {
            out.push(rule);
        }
    }
    out
}

fn rule(
    reader: &mut Reader<'_>,
    t: &[Entry],
    head: Span,
    seen: &mut BTreeMap<String, Span>,
) -> Option<Rule> {
    reader.check_keys(t, RULE_KEYS, "`[[rule]]`");
    let id_entry = get(t, "id");
    let id = match id_entry {
        Some(e) => reader.string(e),
        None => {
            reader.missing("id", "`[[rule]]`", head);
            None
        }
    };
    let rule_span = id_entry.map_or(head, |e| e.value.span);
    let mut id_ok = false;
    if let (Some(id), Some(e)) = (&id, id_entry) {
        id_ok = check_name(reader, id, "rule id", e.value.span);
        if id_ok {
            if let Some(first) = seen.get(id).copied() {
                let line = reader.diags.sources.locate(&reader.file, first).line;
                let file = reader.file.clone();
                reader.diags.push_at(
                    Diagnostic::error("pack.duplicate_rule", format!("duplicate rule id `{id}`"))
                        .with_help(format!("the first rule `{id}` is on line {line}"))
                        .with_rule(id.clone()),
                    &file,
                    e.value.span,
                );
                id_ok = false;
            } else {
                seen.insert(id.clone(), e.value.span);
            }
        }
    }
    let rule_label = id.clone().unwrap_or_default();
    let required = |reader: &mut Reader<'_>, key: &str| -> Option<&Entry> {
        let e = get(t, key);
        if e.is_none() {
            reader.missing(key, &format!("rule `{rule_label}`"), rule_span);
        }
        e
    };
    let title = required(reader, "title").and_then(|e| reader.string(e));
    let weight = required(reader, "weight").and_then(|e| {
        let weight = reader.int(e)?;
        if weight.unsigned_abs() > MAX_WEIGHT.unsigned_abs() {
            reader.error_help(
                "pack.limit",
                format!("weight `{weight}` of rule `{rule_label}` is outside -{MAX_WEIGHT}..={MAX_WEIGHT}"),
                "scores add weights up: keep them small (thresholds are usually tens)".to_string(),
                e.value.span,
            );
            return None;
        }
        Some(weight)
    });
    let when = required(reader, "when").and_then(|e| reader.string(e).map(|s| (e, s)));
    let when = when.map(|(e, s)| expression(reader, e, s));
    let status = match get(t, "status") {
        None => Some(RuleStatus::Active),
        Some(e) => match reader.string(e).as_deref() {
            Some("active") => Some(RuleStatus::Active),
            Some("shadow") => Some(RuleStatus::Shadow),
            Some("disabled") => Some(RuleStatus::Disabled),
            Some(other) => {
                let help = crate::diagnostic::did_you_mean(other, ["active", "shadow", "disabled"])
                    .unwrap_or_else(|| "use `active`, `shadow` or `disabled`".to_string());
                reader.error_help(
                    "pack.invalid_value",
                    format!("unknown rule status `{other}`"),
                    help,
                    e.value.span,
                );
                None
            }
            None => None,
        },
    };
    let optional_string = |reader: &mut Reader<'_>, key: &str| -> Result<Option<String>, ()> {
        match get(t, key) {
            Some(e) => reader.string(e).map(Some).ok_or(()),
            None => Ok(None),
        }
    };
    let reason = optional_string(reader, "reason");
    let remedy = optional_string(reader, "remedy");
    let uses_monitored = optional_string(reader, "uses_monitored");
    let references = match get(t, "references") {
        Some(e) => reader.strings(e).ok_or(()),
        None => Ok(Vec::new()),
    };
    let review_by = match get(t, "review_by") {
        None => Ok(None),
        Some(e) => review_date(reader, e).map(Some).ok_or(()),
    };
    let examples = match get(t, "example") {
        None => Ok(Vec::new()),
        Some(e) => examples(reader, e, &rule_label),
    };

    // Warnings (only for rules that are otherwise readable).
    let file = reader.file.clone();
    if id_ok {
        let rid = rule_label.clone();
        if matches!(&references, Ok(r) if r.is_empty()) {
            reader.diags.push_at(
                Diagnostic::warning(
                    "pack.no_references",
                    format!("rule `{rid}` has no `references`"),
                )
                .with_help("cite why the indicator is legitimate: `references = [\"...\"]`")
                .with_rule(rid.clone()),
                &file,
                rule_span,
            );
        }
        if matches!(&remedy, Ok(None)) {
            reader.diags.push_at(
                Diagnostic::warning("pack.no_remedy", format!("rule `{rid}` has no `remedy`"))
                    .with_help("say what would clear the flag: `remedy = \"...\"`")
                    .with_rule(rid.clone()),
                &file,
                rule_span,
            );
        }
        if matches!(&examples, Ok(x) if x.is_empty()) {
            reader.diags.push_at(
                Diagnostic::warning("pack.no_examples", format!("rule `{rid}` has no examples"))
                    .with_help(
                        "add `[[rule.example]]` tables with `expect = \"hit\"` and `\"miss\"`",
                    )
                    .with_rule(rid.clone()),
                &file,
                rule_span,
            );
        }
    }

    let title = title?;
    let reason = reason.ok()?.unwrap_or_else(|| title.clone());
    let location = Some(reader.diags.sources.locate(&reader.file, rule_span));
    Some(Rule {
        id: id?,
        title,
        weight: weight?,
        status: status?,
        when: when?,
        reason,
        remedy: remedy.ok()?,
        references: references.ok()?,
        review_by: review_by.ok()?,
        uses_monitored: uses_monitored.ok()?,
        examples: examples.ok()?,
        location,
    })
}

/// `review_by`: a TOML date or a `YYYY-MM-DD` string, kept as text.
fn review_date(reader: &mut Reader<'_>, e: &Entry) -> Option<String> {
    date(reader, e, "review_by", "review_by = 2026-05-01").map(|d| d.format("%Y-%m-%d").to_string())
}

/// A date: a TOML local date or a `YYYY-MM-DD` string (JSON packs).
fn date(reader: &mut Reader<'_>, e: &Entry, key: &str, example: &str) -> Option<chrono::NaiveDate> {
    let text = match &e.value.kind {
        Kind::Datetime {
            text,
            date_only: true,
        } => text.clone(),
        Kind::Str(s) => s.clone(),
        _ => String::new(),
    };
    if text.len() == 10 {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            return Some(d);
        }
    }
    reader.error_help(
        "pack.invalid_value",
        format!("`{key}` must be a date"),
        format!("write it as `{example}`"),
        e.value.span,
    );
    None
}

fn examples(reader: &mut Reader<'_>, e: &Entry, rule: &str) -> Result<Vec<Example>, ()> {
    let Kind::Array(items) = &e.value.kind else {
        reader.error_help(
            "pack.invalid_value",
            format!(
                "`example` must be an array of tables, found {}",
                e.value.type_name()
            ),
            "write each example as `[[rule.example]]`".to_string(),
            e.key_span,
        );
        return Err(());
    };
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        let text = reader.diags.text(&reader.file);
        let head = item.head(text);
        let Some(t) = item.entries() else {
            reader.error(
                "pack.invalid_value",
                format!("an example must be a table, found {}", item.type_name()),
                item.span,
            );
            ok = false;
            continue;
        };
        reader.check_keys(t, EXAMPLE_KEYS, "`[[rule.example]]`");
        let what = format!("an example of rule `{rule}`");
        let expect = match get(t, "expect") {
            None => {
                reader.missing("expect", &what, head);
                None
            }
            Some(x) => match reader.string(x).as_deref() {
                Some("hit") => Some(Expectation::Hit),
                Some("miss") => Some(Expectation::Miss),
                Some("incomplete") => Some(Expectation::Incomplete),
                Some(other) => {
                    reader.error_help(
                        "pack.invalid_value",
                        format!("unknown expectation `{other}`"),
                        "use `hit`, `miss` or `incomplete`".to_string(),
                        x.value.span,
                    );
                    None
                }
                None => None,
            },
        };
        let record = match get(t, "record") {
            None => {
                reader.missing("record", &what, head);
                None
            }
            Some(r) if !matches!(r.value.kind, Kind::Table(_)) => {
                reader.wrong_type(r, "a table (`record = { ... }`)");
                None
            }
            Some(r) => match to_json(&r.value) {
                Ok(v) => Some(v),
                Err(span) => {
                    reader.error(
                        "pack.invalid_value",
                        "record values must be finite numbers".to_string(),
                        span,
                    );
                    None
                }
            },
        };
        let location = Some(reader.diags.sources.locate(&reader.file, head));
        match (expect, record) {
            (Some(expect), Some(record)) => out.push(Example {
                expect,
                record,
                location,
            }),
            _ => ok = false,
        }
    }
    if ok {
        Ok(out)
    } else {
        Err(())
    }
}

//! Interpreting a parsed pack file: `[pack]`, `[outcomes]`, `[constants]`, `[lists]`,
//! `[derive]`, `[[rule]]`.

use std::collections::BTreeMap;

use crate::cel::Value;
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::{
    MAX_CONSTANTS, MAX_DERIVED, MAX_FAMILIES, MAX_LISTS, MAX_LIST_ITEMS, MAX_RULES, MAX_WEIGHT,
};
use crate::pack::ctx::{check_duplicates, check_name, get, Reader};
use crate::pack::load::FileSource;
use crate::pack::tree::{to_json, Entry, Kind, Node, Span};
use crate::pack::{
    Constant, Derived, Example, Expectation, Expression, IncompleteMode, MonitoredJustification,
    NamedList, Outcomes, PackMeta, RecordIdField, Rule, RuleStatus, Sharing, Text,
};
use crate::schema::{FieldKind, Schema};

/// The interpreted content of a pack file (everything but the schema).
pub(crate) struct PackParts {
    pub meta: PackMeta,
    pub outcomes: Outcomes,
    pub constants: Vec<Constant>,
    pub lists: Vec<NamedList>,
    pub derive: Vec<Derived>,
    pub aggregates: Vec<crate::pack::Aggregate>,
    pub rules: Vec<Rule>,
    /// `[pack] record_id` as written, with its span (resolved against the schema by
    /// [`resolve_record_id`]).
    pub record_id: Option<(String, Span)>,
}

const TOP_KEYS: &[&str] = &[
    "pack",
    "outcomes",
    "constants",
    "lists",
    "derive",
    "aggregate",
    "rule",
];
const META_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "schema",
    "description",
    "record_id",
    "languages",
    "default_language",
];
const LIST_KEYS: &[&str] = &["file", "items", "sharing", "provenance", "expires"];
const OUTCOME_KEYS: &[&str] = &[
    "review",
    "refer",
    "incomplete",
    "family_cap",
    "refer_min_families",
];
const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "weight",
    "status",
    "family",
    "when",
    "reason",
    "remedy",
    "question",
    "references",
    "review_by",
    "uses_monitored",
    "example",
];
const MONITORED_KEYS: &[&str] = &["why", "references", "approved_by"];
const EXAMPLE_KEYS: &[&str] = &["expect", "record", "history"];

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
                Code::PackMissingKey,
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
            .and_then(|t| outcomes(reader, t, e.key_span).map(|o| (o, t, e.key_span))),
        None => {
            reader.error_help(
                Code::PackMissingKey,
                "missing table `[outcomes]`".to_string(),
                "add `[outcomes]` with `review` and `refer` score thresholds".to_string(),
                (0, 0),
            );
            None
        }
    };

    // Names of constants, lists and derived values, for clash checks: name → span of first use.
    let mut names: BTreeMap<String, Span> = BTreeMap::new();
    let constants = get(entries, "constants")
        .and_then(|e| reader.table(e))
        .map(|t| constants(reader, t, schema_names, &mut names))
        .unwrap_or_default();
    let lists = get(entries, "lists")
        .and_then(|e| reader.table(e))
        .map(|t| lists(reader, t, schema_names, &mut names, files))
        .unwrap_or_default();
    let derive = get(entries, "derive")
        .and_then(|e| reader.table(e))
        .map(|t| derive(reader, t, schema_names, &mut names))
        .unwrap_or_default();
    let aggregates = match get(entries, "aggregate") {
        Some(e) => reader
            .table(e)
            .map(|t| {
                let found = super::aggregate::aggregates(reader, t);
                namespace_clash(reader, e, schema_names, &names, !found.is_empty());
                found
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let rules = match get(entries, "rule") {
        Some(e) => rules(reader, e),
        None => Vec::new(),
    };
    let outcomes = outcomes.map(|(o, t, span)| {
        check_families(reader, &o, t, span, &rules);
        o
    });
    Some(PackParts {
        meta: meta?,
        outcomes: outcomes?,
        constants,
        lists,
        derive,
        aggregates,
        rules,
        record_id,
    })
}

/// A pack with aggregates reads them as `agg.<name>`: no schema field, constant, list or
/// derived value may be called `agg`.
fn namespace_clash(
    reader: &mut Reader<'_>,
    e: &Entry,
    schema_names: &[String],
    names: &BTreeMap<String, Span>,
    has_aggregates: bool,
) {
    let ns = super::AGGREGATE_NAMESPACE;
    if !has_aggregates {
        return;
    }
    let what = if schema_names.iter().any(|n| n == ns) {
        "a schema field"
    } else if names.contains_key(ns) {
        "a constant, list or derived value"
    } else {
        return;
    };
    reader.error_help(
        Code::PackNameClash,
        format!(
            "{what} is called `{ns}`, the namespace rules read aggregates from (`{ns}.<name>`)"
        ),
        format!("rename the {what}"),
        e.key_span,
    );
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
    let languages = match get(t, "languages") {
        Some(e) => languages(reader, e)?,
        None => Vec::new(),
    };
    let default_language = match get(t, "default_language") {
        Some(e) => {
            let lang = reader.string(e)?;
            if !languages.contains(&lang) {
                let help = if languages.is_empty() {
                    format!("declare the languages first: `languages = [\"{lang}\"]`")
                } else {
                    crate::diagnostic::did_you_mean(&lang, languages.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("use one of {}", quoted(&languages)))
                };
                reader.error_help(
                    Code::PackUnknownLanguage,
                    format!("the default language `{lang}` is not among the pack's `languages`"),
                    help,
                    e.value.span,
                );
                return None;
            }
            Some(lang)
        }
        None => None,
    };
    Some(PackMeta {
        id: id?,
        version: version?,
        title: title?,
        schema: schema?,
        description,
        record_id: None,
        languages,
        default_language,
    })
}

/// `languages = ["id", "en"]`: distinct language codes (`[a-z]{2,3}`, optionally with a
/// `-REGION` subtag such as `pt-BR`).
fn languages(reader: &mut Reader<'_>, e: &Entry) -> Option<Vec<String>> {
    let list = reader.strings(e)?;
    let mut ok = true;
    for (i, lang) in list.iter().enumerate() {
        let valid = {
            let mut parts = lang.splitn(2, '-');
            let primary = parts.next().unwrap_or("");
            (2..=3).contains(&primary.len())
                && primary.bytes().all(|b| b.is_ascii_lowercase())
                && parts
                    .next()
                    .is_none_or(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric()))
        };
        if !valid {
            reader.error_help(
                Code::PackInvalidValue,
                format!("`{lang}` is not a language code"),
                "use lower-case ISO 639 codes such as `id` or `en`".to_string(),
                e.value.span,
            );
            ok = false;
        } else if list[..i].contains(lang) {
            reader.error(
                Code::PackInvalidValue,
                format!("language `{lang}` is listed twice"),
                e.value.span,
            );
            ok = false;
        }
    }
    ok.then_some(list)
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
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
    let incomplete = match get(t, "incomplete") {
        None => Some(IncompleteMode::Report),
        Some(e) => match reader.string(e).as_deref() {
            Some("report") => Some(IncompleteMode::Report),
            Some("outcome") => Some(IncompleteMode::Outcome),
            Some(other) => {
                let help = crate::diagnostic::did_you_mean(other, ["report", "outcome"])
                    .unwrap_or_else(|| {
                        "use `report` (keep the outcome, report `max_score`) or `outcome` \
                         (the outcome becomes `incomplete`)"
                            .to_string()
                    });
                reader.error_help(
                    Code::PackInvalidValue,
                    format!("unknown `incomplete` mode `{other}`"),
                    help,
                    e.value.span,
                );
                None
            }
            None => None,
        },
    };
    let family_cap = match get(t, "family_cap") {
        None => Some(BTreeMap::new()),
        Some(e) => family_caps(reader, e),
    };
    let refer_min_families = match get(t, "refer_min_families") {
        None => Some(0),
        Some(e) => match reader.int(e) {
            Some(n) if (0..=MAX_FAMILIES as i64).contains(&n) => Some(n as u32),
            Some(n) => {
                reader.error_help(
                    Code::PackInvalidValue,
                    format!("`refer_min_families` is {n}"),
                    format!("use a number of families from 0 to {MAX_FAMILIES}"),
                    e.value.span,
                );
                None
            }
            None => None,
        },
    };
    let (review, refer) = (review?, refer?);
    if review > refer {
        let at = get(t, "review").map_or(span, |e| e.value.span);
        reader.error_help(
            Code::PackInvalidValue,
            format!("the `review` threshold ({review}) is above the `refer` threshold ({refer})"),
            "`review` must be less than or equal to `refer`".to_string(),
            at,
        );
        return None;
    }
    Some(Outcomes {
        review,
        refer,
        incomplete: incomplete?,
        family_cap: family_cap?,
        refer_min_families: refer_min_families?,
    })
}

/// `family_cap = { itinerary = 40 }`: a positive cap per family name.
fn family_caps(reader: &mut Reader<'_>, e: &Entry) -> Option<BTreeMap<String, i64>> {
    let entries = reader.table(e)?;
    let mut out = BTreeMap::new();
    let mut ok = true;
    for cap in entries {
        ok &= check_name(reader, &cap.key, "family", cap.key_span);
        match reader.int(cap) {
            Some(n) if n > 0 => {
                out.insert(cap.key.clone(), n);
            }
            Some(n) => {
                reader.error_help(
                    Code::PackInvalidValue,
                    format!("the cap of family `{}` is {n}", cap.key),
                    "a cap is the most a family adds to the score: a positive number".to_string(),
                    cap.value.span,
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Checks `[outcomes]` against the rules' families: every capped family is declared by a
/// rule, and with `refer_min_families` every scored rule names its family and enough families
/// exist for `refer` to be reachable.
fn check_families(
    reader: &mut Reader<'_>,
    outcomes: &Outcomes,
    t: &[Entry],
    span: Span,
    rules: &[Rule],
) {
    let mut families: Vec<&str> = rules.iter().filter_map(|r| r.family.as_deref()).collect();
    families.sort_unstable();
    families.dedup();
    if families.len() > MAX_FAMILIES {
        reader.error(
            Code::PackLimit,
            format!(
                "the rules declare {} families, more than the limit of {MAX_FAMILIES}",
                families.len()
            ),
            span,
        );
    }
    if let Some(caps) = get(t, "family_cap").and_then(|e| e.value.entries()) {
        for cap in caps {
            if families.contains(&cap.key.as_str()) {
                continue;
            }
            let help = crate::diagnostic::did_you_mean(&cap.key, families.iter().copied())
                .unwrap_or_else(|| "set `family = \"...\"` on the rules of the family".to_string());
            reader.error_help(
                Code::PackUnknownFamily,
                format!(
                    "`family_cap` names family `{}`, which no rule declares",
                    cap.key
                ),
                help,
                cap.key_span,
            );
        }
    }
    let need = outcomes.refer_min_families as usize;
    if need < 2 {
        return;
    }
    let at = get(t, "refer_min_families").map_or(span, |e| e.value.span);
    let file = reader.file.clone();
    for rule in rules {
        if rule.family.is_none() && rule.status != RuleStatus::Disabled {
            let mut d = Diagnostic::error(
                Code::PackMissingFamily,
                format!(
                    "rule `{}` has no `family`, but `refer_min_families = {need}` counts families",
                    rule.id
                ),
            )
            .with_help(
                "add `family = \"...\"` (itinerary, documents, recruitment, ...) to the rule",
            )
            .with_rule(rule.id.clone());
            d = match &rule.location {
                Some(loc) => d.at(loc),
                None => {
                    let loc = reader.diags.sources.locate(&file, at);
                    d.at(&loc)
                }
            };
            reader.diags.list.push(d);
        }
    }
    if families.len() < need {
        reader.error_help(
            Code::PackInvalidValue,
            format!(
                "`refer` needs hits from {need} families, but the rules declare {}",
                families.len()
            ),
            "lower `refer_min_families` or assign the rules to more families".to_string(),
            at,
        );
    }
}

/// Checks a constant, list or derive name: identifier, no clash with schema fields or earlier names.
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
            Code::PackNameClash,
            format!("{what} `{}` has the same name as a schema field", e.key),
            "rename it: a name must mean one thing in expressions".to_string(),
            e.key_span,
        );
    } else if e.key == "rules" {
        reader.error_help(
            Code::PackNameClash,
            format!("{what} `rules` clashes with the `rules.<id>` references"),
            "rename it".to_string(),
            e.key_span,
        );
    } else if let Some(first) = names.get(&e.key).copied() {
        let line = reader.diags.sources.locate(&reader.file, first).line;
        reader.error_help(
            Code::PackNameClash,
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
        Code::PackLimit,
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
                        Code::PackInvalidValue,
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
                Code::PackInvalidValue,
                format!("{what} has both `file` and `items`"),
                "give the items inline or in a file, not both".to_string(),
                items.key_span,
            );
            None
        }
        (None, None) => {
            reader.error_help(
                Code::PackMissingKey,
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
                    Code::PackLimit,
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
            Code::PackLimit,
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
                    Code::PackInvalidValue,
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
        reader.error_help(Code::PackRecordId, message, help, span);
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

fn constants(
    reader: &mut Reader<'_>,
    t: &[Entry],
    schema_names: &[String],
    names: &mut BTreeMap<String, Span>,
) -> Vec<Constant> {
    let mut out = Vec::new();
    if too_many(reader, t, "constants", MAX_CONSTANTS) {
        return out;
    }
    for e in t {
        check_new_name(reader, e, "constant", schema_names, names);
        if let Some(c) = constant(reader, e) {
            out.push(c);
        }
    }
    out
}

/// One `[constants]` entry: a string, number or boolean, or `{ regex = "..." }` (a pattern
/// that must compile).
fn constant(reader: &mut Reader<'_>, e: &Entry) -> Option<Constant> {
    let (value, regex) = match &e.value.kind {
        Kind::Str(s) => (Value::string(s.as_str()), false),
        Kind::Int(i) => (Value::Int(*i), false),
        Kind::Float(f) => (Value::Double(*f), false),
        Kind::Bool(b) => (Value::Bool(*b), false),
        Kind::Table(entries) => {
            reader.check_keys(entries, &["regex"], &format!("constant `{}`", e.key));
            let Some(re) = get(entries, "regex") else {
                reader.missing("regex", &format!("constant `{}`", e.key), e.key_span);
                return None;
            };
            let pattern = reader.string(re)?;
            if !crate::capability::Capability::Regex.available() {
                reader.error_help(
                    Code::BuildUnavailable,
                    format!(
                        "constant `{}` is a regular expression, but this build of saring has no regular expressions",
                        e.key
                    ),
                    crate::capability::unavailable_help(crate::capability::Capability::Regex),
                    re.value.span,
                );
                return None;
            }
            if let Err(err) = crate::cel::functions::strings::build_regex(&pattern) {
                let text = err.to_string();
                let first = text
                    .lines()
                    .last()
                    .unwrap_or("invalid regular expression")
                    .trim()
                    .to_string();
                reader.error_help(
                    Code::CelBadRegex,
                    format!(
                        "invalid regular expression `{pattern}` in constant `{}`: {first}",
                        e.key
                    ),
                    "patterns use RE2 syntax; escape special characters with `\\\\`".to_string(),
                    re.value.span,
                );
                return None;
            }
            (Value::string(pattern), true)
        }
        _ => {
            reader.wrong_type(e, "a string, a number, a boolean or `{ regex = \"...\" }`");
            return None;
        }
    };
    Some(Constant {
        name: e.key.clone(),
        value,
        regex,
        location: Some(reader.diags.sources.locate(&reader.file, e.key_span)),
    })
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
            Code::PackInvalidValue,
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
            Code::PackLimit,
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
                Code::PackInvalidValue,
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
                    Diagnostic::error(Code::PackDuplicateRule, format!("duplicate rule id `{id}`"))
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
    let title = required(reader, "title").and_then(|e| reader.text(e));
    let weight = required(reader, "weight").and_then(|e| {
        let weight = reader.int(e)?;
        if weight.unsigned_abs() > MAX_WEIGHT.unsigned_abs() {
            reader.error_help(
                Code::PackLimit,
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
                    Code::PackInvalidValue,
                    format!("unknown rule status `{other}`"),
                    help,
                    e.value.span,
                );
                None
            }
            None => None,
        },
    };
    let optional_text = |reader: &mut Reader<'_>, key: &str| -> Result<Option<Text>, ()> {
        match get(t, key) {
            Some(e) => reader.text(e).map(Some).ok_or(()),
            None => Ok(None),
        }
    };
    let reason = optional_text(reader, "reason");
    let remedy = optional_text(reader, "remedy");
    let question = optional_text(reader, "question");
    let family = match get(t, "family") {
        None => Ok(None),
        Some(e) => match reader.string(e) {
            Some(f) if check_name(reader, &f, "family", e.value.span) => Ok(Some(f)),
            _ => Err(()),
        },
    };
    let uses_monitored = match get(t, "uses_monitored") {
        None => Ok(None),
        Some(e) => uses_monitored(reader, e, &rule_label).map(Some).ok_or(()),
    };
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
                    Code::PackNoReferences,
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
                Diagnostic::warning(Code::PackNoRemedy, format!("rule `{rid}` has no `remedy`"))
                    .with_help("say what would clear the flag: `remedy = \"...\"`")
                    .with_rule(rid.clone()),
                &file,
                rule_span,
            );
        }
        if matches!(&examples, Ok(x) if x.is_empty()) {
            reader.diags.push_at(
                Diagnostic::warning(
                    Code::PackNoExamples,
                    format!("rule `{rid}` has no examples"),
                )
                .with_help("add `[[rule.example]]` tables with `expect = \"hit\"` and `\"miss\"`")
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
        family: family.ok()?,
        when: when?,
        reason,
        remedy: remedy.ok()?,
        question: question.ok()?,
        references: references.ok()?,
        review_by: review_by.ok()?,
        uses_monitored: uses_monitored.ok()?,
        examples: examples.ok()?,
        location,
    })
}

/// Words that say nothing: a justification made only of these (or of two words or fewer), or
/// one containing a to-do marker, is a placeholder.
const PLACEHOLDER_WORDS: &[&str] = &[
    "because",
    "x",
    "xx",
    "xxx",
    "todo",
    "tbd",
    "fixme",
    "n/a",
    "na",
    "none",
    "-",
    "?",
    "...",
    "why",
    "reason",
    "justification",
    "placeholder",
    "test",
    "testing",
    "lorem",
    "ipsum",
    "needed",
    "required",
    "necessary",
    "ok",
    "yes",
];
const TODO_MARKERS: &[&str] = &["todo", "tbd", "fixme", "xxx", "lorem"];

/// Whether a `why` is a placeholder rather than a justification.
fn is_placeholder(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/' && c != '?')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.len() <= 2
        || words
            .iter()
            .all(|w| PLACEHOLDER_WORDS.contains(&w.as_str()))
        || words.iter().any(|w| TODO_MARKERS.contains(&w.as_str()))
}

const MONITORED_FORM: &str = "write `uses_monitored = { why = \"the legal basis and why no other \
    data would do\", references = [\"...\"], approved_by = \"who reviewed it\" }`";

/// `uses_monitored = { why, references, approved_by }`, each checked for substance.
fn uses_monitored(
    reader: &mut Reader<'_>,
    e: &Entry,
    rule: &str,
) -> Option<MonitoredJustification> {
    let code = Code::PackMonitoredJustification;
    let Some(t) = e.value.entries() else {
        let found = match &e.value.kind {
            Kind::Str(s) if s.chars().count() > 40 => {
                let head: String = s.chars().take(37).collect();
                format!("a plain string (`{head}...`)")
            }
            Kind::Str(s) => format!("a plain string (`{s}`)"),
            _ => e.value.type_name().to_string(),
        };
        reader.error_help(
            code,
            format!("`uses_monitored` of rule `{rule}` must be a table, found {found}"),
            MONITORED_FORM.to_string(),
            e.value.span,
        );
        return None;
    };
    reader.check_keys(t, MONITORED_KEYS, "`uses_monitored`");
    let what = format!("`uses_monitored` of rule `{rule}`");
    let mut ok = true;
    let why =
        match get(t, "why") {
            None => {
                reader.missing("why", &what, e.value.span);
                None
            }
            Some(w) => match reader.string(w) {
                Some(text) if is_placeholder(&text) => {
                    reader.error_help(
                    code,
                    format!("`why = \"{}\"` of rule `{rule}` is not a justification", text.trim()),
                    "say in a sentence which legal basis allows reading the monitored field and \
                     why the rule needs it"
                        .to_string(),
                    w.value.span,
                );
                    None
                }
                other => other,
            },
        };
    let references = match get(t, "references") {
        None => {
            reader.missing("references", &what, e.value.span);
            None
        }
        Some(r) => match reader.strings(r) {
            Some(list) if list.iter().all(|s| s.trim().is_empty()) => {
                reader.error_help(
                    code,
                    format!("{what} cites no reference"),
                    "cite at least one legal basis or source: `references = [\"UU 18/2017 art. 5\"]`"
                        .to_string(),
                    r.value.span,
                );
                None
            }
            other => other,
        },
    };
    let approved_by = match get(t, "approved_by") {
        None => {
            reader.missing("approved_by", &what, e.value.span);
            None
        }
        Some(a) => match reader.string(a) {
            Some(who) if who.trim().is_empty() || is_placeholder_name(&who) => {
                reader.error_help(
                    code,
                    format!("{what} has no approver (`approved_by = \"{}\"`)", who.trim()),
                    "name the person or body who reviewed the use (e.g. the data-protection officer)"
                        .to_string(),
                    a.value.span,
                );
                None
            }
            other => other,
        },
    };
    ok &= why.is_some() && references.is_some() && approved_by.is_some();
    ok.then(|| MonitoredJustification {
        why: why.unwrap_or_default(),
        references: references.unwrap_or_default(),
        approved_by: approved_by.unwrap_or_default(),
    })
}

/// An approver that names no one.
fn is_placeholder_name(who: &str) -> bool {
    let w = who.trim().to_lowercase();
    [
        "x", "xx", "xxx", "todo", "tbd", "-", "?", "n/a", "na", "none", "me", "nobody", "someone",
    ]
    .contains(&w.as_str())
}

/// `review_by`: a TOML date or a `YYYY-MM-DD` string.
fn review_date(reader: &mut Reader<'_>, e: &Entry) -> Option<String> {
    date(reader, e, "review_by", "review_by = 2026-05-01").map(|d| d.to_string())
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
        if let Some(d) = crate::record::parse_ymd(&text) {
            return Some(d);
        }
    }
    reader.error_help(
        Code::PackInvalidValue,
        format!("`{key}` must be a date"),
        format!("write it as `{example}`"),
        e.value.span,
    );
    None
}

fn examples(reader: &mut Reader<'_>, e: &Entry, rule: &str) -> Result<Vec<Example>, ()> {
    let Kind::Array(items) = &e.value.kind else {
        reader.error_help(
            Code::PackInvalidValue,
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
                Code::PackInvalidValue,
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
                        Code::PackInvalidValue,
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
                        Code::PackInvalidValue,
                        "record values must be finite numbers".to_string(),
                        span,
                    );
                    None
                }
            },
        };
        let history = match get(t, "history") {
            None => Some(Vec::new()),
            Some(h) => match &h.value.kind {
                Kind::Array(items) if items.iter().all(|i| matches!(i.kind, Kind::Table(_))) => {
                    items
                        .iter()
                        .map(|i| to_json(i).ok())
                        .collect::<Option<Vec<_>>>()
                }
                _ => {
                    reader.wrong_type(h, "an array of records (`history = [{ ... }, { ... }]`)");
                    None
                }
            },
        };
        let location = Some(reader.diags.sources.locate(&reader.file, head));
        match (expect, record, history) {
            (Some(expect), Some(record), Some(history)) => out.push(Example {
                expect,
                record,
                history,
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

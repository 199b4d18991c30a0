//! The pack digest: `sha256:<hex>` over a canonical JSON rendering of the pack's semantic
//! content (independent of key order, whitespace, comments, and TOML vs JSON).

use sha2::{Digest as _, Sha256};

use crate::cel::Value;
use crate::pack::build::PackParts;
use crate::pack::{schema_file, Expectation, IncompleteMode, RuleStatus};
use crate::schema::Schema;

fn item_json(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::Int(i) => (*i).into(),
        Value::Uint(u) => (*u).into(),
        Value::Double(d) => serde_json::Number::from_f64(*d)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Bool(b) => (*b).into(),
        other => serde_json::Value::String(format!("{other:?}")),
    }
}

/// The canonical content of a pack, as a JSON value.
pub(crate) fn canonical(parts: &PackParts, schema: &Schema) -> serde_json::Value {
    use serde_json::json;
    let lists: serde_json::Map<String, serde_json::Value> = parts
        .lists
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                json!({
                    "items": l.items.iter().map(item_json).collect::<Vec<_>>(),
                    "sharing": l.sharing.as_str(),
                    "provenance": l.provenance,
                    "expires": l.expires.map(|d| d.to_string()),
                }),
            )
        })
        .collect();
    let derive: serde_json::Map<String, serde_json::Value> = parts
        .derive
        .iter()
        .map(|d| (d.name.clone(), d.expr.text.clone().into()))
        .collect();
    let rules: Vec<serde_json::Value> = parts
        .rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.id,
                "title": r.title.to_json(),
                "weight": r.weight,
                "status": match r.status {
                    RuleStatus::Active => "active",
                    RuleStatus::Shadow => "shadow",
                    RuleStatus::Disabled => "disabled",
                },
                "when": r.when.text,
                "reason": r.reason.to_json(),
                "remedy": r.remedy.as_ref().map(|t| t.to_json()),
                "references": r.references,
                "review_by": r.review_by,
                "uses_monitored": r.uses_monitored,
                "examples": r.examples.iter().map(|x| {
                    let mut example = json!({
                        "expect": match x.expect {
                            Expectation::Hit => "hit",
                            Expectation::Miss => "miss",
                            Expectation::Incomplete => "incomplete",
                        },
                        "record": x.record,
                    });
                    if let (false, Some(map)) = (x.history.is_empty(), example.as_object_mut()) {
                        map.insert("history".into(), json!(x.history));
                    }
                    example
                }).collect::<Vec<_>>(),
            });
            // Keys added later enter the digest only when set, so older packs keep theirs.
            if let Some(map) = rule.as_object_mut() {
                if let Some(f) = &r.family {
                    map.insert("family".into(), f.clone().into());
                }
                if let Some(q) = &r.question {
                    map.insert("question".into(), q.to_json());
                }
            }
            rule
        })
        .collect();
    let o = &parts.outcomes;
    let mut outcomes = json!({ "review": o.review, "refer": o.refer });
    if let Some(map) = outcomes.as_object_mut() {
        if o.incomplete != IncompleteMode::Report {
            map.insert("incomplete".into(), json!(o.incomplete));
        }
        if !o.family_cap.is_empty() {
            map.insert("family_cap".into(), json!(o.family_cap));
        }
        if o.refer_min_families > 0 {
            map.insert("refer_min_families".into(), o.refer_min_families.into());
        }
    }
    let mut meta = json!({
        "id": parts.meta.id,
        "version": parts.meta.version,
        "title": parts.meta.title,
        "description": parts.meta.description,
        "record_id": parts.meta.record_id.as_ref().map(|r| r.path.as_str()),
    });
    if let Some(map) = meta.as_object_mut() {
        if !parts.meta.languages.is_empty() {
            map.insert("languages".into(), json!(parts.meta.languages));
        }
        if let Some(l) = &parts.meta.default_language {
            map.insert("default_language".into(), l.clone().into());
        }
    }
    let mut content = json!({
        "pack": meta,
        "outcomes": outcomes,
        "lists": lists,
        "derive": derive,
        "rules": rules,
        "schema": schema_file::schema_json(schema),
    });
    // `[constants]` came later: a pack without them keeps its digest.
    if let (false, Some(map)) = (parts.constants.is_empty(), content.as_object_mut()) {
        let constants: serde_json::Map<String, serde_json::Value> = parts
            .constants
            .iter()
            .map(|c| {
                let value = item_json(&c.value);
                let value = if c.regex {
                    json!({ "regex": value })
                } else {
                    value
                };
                (c.name.clone(), value)
            })
            .collect();
        map.insert("constants".into(), constants.into());
    }
    // `[aggregate]` came later still.
    if let (false, Some(map)) = (parts.aggregates.is_empty(), content.as_object_mut()) {
        let aggregates: serde_json::Map<String, serde_json::Value> = parts
            .aggregates
            .iter()
            .map(|a| {
                let mut body = json!({
                    "key": a.key.text,
                    "time": a.time.text,
                    "window": a.window.seconds,
                    "where": a.filter.as_ref().map(|f| f.text.as_str()),
                    "description": a.description,
                });
                if let Some(b) = body.as_object_mut() {
                    let measure = match &a.measure {
                        crate::pack::Measure::Count => json!(true),
                        crate::pack::Measure::CountDistinct(e) | crate::pack::Measure::Sum(e) => {
                            json!(e.text)
                        }
                    };
                    b.insert(a.measure.as_str().into(), measure);
                }
                (a.name.clone(), body)
            })
            .collect();
        map.insert("aggregate".into(), aggregates.into());
    }
    content
}

/// Writes JSON compactly with object keys sorted (whatever map order serde_json uses).
pub(crate) fn write_canonical(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(value) = map.get(*k) {
                    write_canonical(value, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `sha256:<hex>` of the canonical content.
pub(crate) fn digest(parts: &PackParts, schema: &Schema) -> String {
    let mut text = String::new();
    write_canonical(&canonical(parts, schema), &mut text);
    let hash = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

//! `saring check PATH --against OLD`: compare a pack with an earlier one (a bundle or pack
//! directory): a changelog of rules, lists, derived values, schema and thresholds, and a
//! finding when the content digest changed but `version` did not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use saring::pack::{LoadOptions, NamedList, Rule};
use saring::{Code, Diagnostic, Pack};
use serde::Serialize;

use crate::exit::{Failure, USAGE};
use crate::packs;

/// What changed between two packs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// Old and new version.
    pub version: (String, String),
    /// Old and new digest.
    pub digest: (String, String),
    /// Rules added (id), removed (id) and changed (id → what changed).
    pub rules_added: Vec<String>,
    /// Rules no longer in the pack.
    pub rules_removed: Vec<String>,
    /// Rules changed, with the aspects that changed.
    pub rules_changed: BTreeMap<String, Vec<String>>,
    /// Lists added, with their size.
    pub lists_added: BTreeMap<String, usize>,
    /// Lists removed, with their old size.
    pub lists_removed: BTreeMap<String, usize>,
    /// Lists changed: what changed (sizes, items, sharing, provenance, expiry).
    pub lists_changed: BTreeMap<String, Vec<String>>,
    /// Other changes (thresholds, derived values, schema fields, metadata).
    pub other: Vec<String>,
}

impl Changes {
    /// True when the digest changed but the version did not: the finding of `--against`.
    pub fn version_unchanged(&self) -> bool {
        self.digest.0 != self.digest.1 && self.version.0 == self.version.1
    }

    /// The finding as a diagnostic.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        self.version_unchanged().then(|| {
            Diagnostic::error(
                Code::Other("pack.version_unchanged"),
                format!(
                    "the content changed (digest `{}` → `{}`) but the version is still `{}`",
                    self.digest.0, self.digest.1, self.version.1
                ),
            )
            .with_help("bump `[pack] version`: decisions name the version, and two contents must never share one")
        })
    }

    /// The changelog as text.
    pub fn render(&self, old: &Path) -> String {
        let mut s = format!("changes against {}:\n", old.display());
        let (v0, v1) = &self.version;
        if v0 == v1 {
            s.push_str(&format!("  version {v1} (unchanged)\n"));
        } else {
            s.push_str(&format!("  version {v0} → {v1}\n"));
        }
        if self.digest.0 == self.digest.1 {
            s.push_str("  content unchanged (same digest)\n");
            return s;
        }
        s.push_str(&format!("  digest {} → {}\n", self.digest.0, self.digest.1));
        s.push_str(&format!(
            "  rules: {} added, {} removed, {} changed\n",
            self.rules_added.len(),
            self.rules_removed.len(),
            self.rules_changed.len()
        ));
        for r in &self.rules_added {
            s.push_str(&format!("    + {r}\n"));
        }
        for r in &self.rules_removed {
            s.push_str(&format!("    - {r}\n"));
        }
        for (r, what) in &self.rules_changed {
            s.push_str(&format!("    ~ {r}: {}\n", what.join("; ")));
        }
        s.push_str(&format!(
            "  lists: {} added, {} removed, {} changed\n",
            self.lists_added.len(),
            self.lists_removed.len(),
            self.lists_changed.len()
        ));
        for (l, n) in &self.lists_added {
            s.push_str(&format!("    + {l} ({n} items)\n"));
        }
        for (l, n) in &self.lists_removed {
            s.push_str(&format!("    - {l} ({n} items)\n"));
        }
        for (l, what) in &self.lists_changed {
            s.push_str(&format!("    ~ {l}: {}\n", what.join("; ")));
        }
        for o in &self.other {
            s.push_str(&format!("  {o}\n"));
        }
        s
    }
}

/// Loads the old pack (a bundle, file or directory; list expiry not checked: it is old).
pub fn load_old(path: &Path) -> anyhow::Result<Pack> {
    let options = LoadOptions {
        ignore_expiry: true,
        ..packs::load_options()?
    };
    Pack::load_with(path, &options).map_err(|e| {
        Failure {
            message: packs::render_error(path, &e),
            code: USAGE,
        }
        .into()
    })
}

/// A text as written: itself, or `lang: text` for each language.
fn text(t: &saring::pack::Text) -> String {
    match t {
        saring::pack::Text::Plain(s) => s.clone(),
        saring::pack::Text::PerLanguage(texts) => texts
            .iter()
            .map(|(l, t)| format!("{l}: {t}"))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

fn describe<T: std::fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

fn rule_changes(old: &Rule, new: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    if old.weight != new.weight {
        out.push(format!("weight {} → {}", old.weight, new.weight));
    }
    if old.status != new.status {
        out.push(format!(
            "status {} → {}",
            describe(&old.status).to_lowercase(),
            describe(&new.status).to_lowercase()
        ));
    }
    let aspects: [(&str, String, String); 8] = [
        ("title", text(&old.title), text(&new.title)),
        (
            "condition (`when`)",
            old.when.text.clone(),
            new.when.text.clone(),
        ),
        ("reason", text(&old.reason), text(&new.reason)),
        ("remedy", describe(&old.remedy), describe(&new.remedy)),
        (
            "references",
            describe(&old.references),
            describe(&new.references),
        ),
        (
            "review_by",
            describe(&old.review_by),
            describe(&new.review_by),
        ),
        (
            "uses_monitored",
            describe(&old.uses_monitored),
            describe(&new.uses_monitored),
        ),
        (
            "examples",
            describe(
                &old.examples
                    .iter()
                    .map(|x| (x.expect, &x.record))
                    .collect::<Vec<_>>(),
            ),
            describe(
                &new.examples
                    .iter()
                    .map(|x| (x.expect, &x.record))
                    .collect::<Vec<_>>(),
            ),
        ),
    ];
    for (name, a, b) in aspects {
        if a != b {
            out.push(format!("{name} changed"));
        }
    }
    out
}

fn item_set(l: &NamedList) -> BTreeSet<String> {
    l.items.iter().map(describe).collect()
}

fn list_changes(old: &NamedList, new: &NamedList) -> Vec<String> {
    let mut out = Vec::new();
    let (a, b) = (item_set(old), item_set(new));
    if a != b || old.items.len() != new.items.len() {
        let added = b.difference(&a).count();
        let removed = a.difference(&b).count();
        out.push(format!(
            "{} → {} items (+{added} −{removed})",
            old.items.len(),
            new.items.len()
        ));
    }
    if old.sharing != new.sharing {
        out.push(format!("sharing {} → {}", old.sharing, new.sharing));
    }
    if old.provenance != new.provenance {
        out.push("provenance changed".to_string());
    }
    if old.expires != new.expires {
        let show = |d: Option<chrono::NaiveDate>| d.map_or("none".to_string(), |d| d.to_string());
        out.push(format!(
            "expires {} → {}",
            show(old.expires),
            show(new.expires)
        ));
    }
    out
}

fn schema_fields(p: &Pack) -> BTreeMap<String, String> {
    p.schema
        .slots
        .iter()
        .map(|s| {
            (
                s.path.to_string(),
                format!(
                    "{:?} required={} monitored={} protected={}",
                    s.kind, s.required, s.monitored, s.protected
                ),
            )
        })
        .collect()
}

/// Compares `new` with `old`.
pub fn compare(old: &Pack, new: &Pack) -> Changes {
    let mut c = Changes {
        version: (old.meta.version.clone(), new.meta.version.clone()),
        digest: (old.digest.clone(), new.digest.clone()),
        ..Changes::default()
    };
    let old_rules: BTreeMap<&str, &Rule> = old.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_rules: BTreeMap<&str, &Rule> = new.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    for r in &new.rules {
        match old_rules.get(r.id.as_str()) {
            None => c.rules_added.push(r.id.clone()),
            Some(o) => {
                let what = rule_changes(o, r);
                if !what.is_empty() {
                    c.rules_changed.insert(r.id.clone(), what);
                }
            }
        }
    }
    c.rules_removed = old
        .rules
        .iter()
        .filter(|r| !new_rules.contains_key(r.id.as_str()))
        .map(|r| r.id.clone())
        .collect();
    let old_lists: BTreeMap<&str, &NamedList> =
        old.lists.iter().map(|l| (l.name.as_str(), l)).collect();
    let new_lists: BTreeMap<&str, &NamedList> =
        new.lists.iter().map(|l| (l.name.as_str(), l)).collect();
    for (name, l) in &new_lists {
        match old_lists.get(name) {
            None => {
                c.lists_added.insert(name.to_string(), l.items.len());
            }
            Some(o) => {
                let what = list_changes(o, l);
                if !what.is_empty() {
                    c.lists_changed.insert(name.to_string(), what);
                }
            }
        }
    }
    for (name, l) in &old_lists {
        if !new_lists.contains_key(name) {
            c.lists_removed.insert(name.to_string(), l.items.len());
        }
    }
    if old.outcomes != new.outcomes {
        c.other.push(format!(
            "thresholds: review {} → {}, refer {} → {}",
            old.outcomes.review, new.outcomes.review, old.outcomes.refer, new.outcomes.refer
        ));
    }
    let derived = |p: &Pack| -> BTreeMap<String, String> {
        p.derive
            .iter()
            .map(|d| (d.name.clone(), d.expr.text.clone()))
            .collect()
    };
    let (d0, d1) = (derived(old), derived(new));
    for (name, expr) in &d1 {
        match d0.get(name) {
            None => c.other.push(format!("derived value `{name}` added")),
            Some(e) if e != expr => c.other.push(format!("derived value `{name}` changed")),
            _ => {}
        }
    }
    for name in d0.keys().filter(|n| !d1.contains_key(*n)) {
        c.other.push(format!("derived value `{name}` removed"));
    }
    let (s0, s1) = (schema_fields(old), schema_fields(new));
    for (path, desc) in &s1 {
        match s0.get(path) {
            None => c.other.push(format!("schema field `{path}` added")),
            Some(d) if d != desc => c.other.push(format!("schema field `{path}` changed")),
            _ => {}
        }
    }
    for path in s0.keys().filter(|p| !s1.contains_key(*p)) {
        c.other.push(format!("schema field `{path}` removed"));
    }
    let meta = |p: &Pack| {
        (
            p.meta.id.clone(),
            p.meta.title.clone(),
            p.meta.description.clone(),
            p.meta.record_id.as_ref().map(|r| r.path.clone()),
        )
    };
    let (m0, m1) = (meta(old), meta(new));
    if m0.0 != m1.0 {
        c.other.push(format!("pack id `{}` → `{}`", m0.0, m1.0));
    }
    if m0.1 != m1.1 || m0.2 != m1.2 {
        c.other.push("title or description changed".to_string());
    }
    if m0.3 != m1.3 {
        c.other.push(format!("record_id {:?} → {:?}", m0.3, m1.3));
    }
    c
}

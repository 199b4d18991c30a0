//! `synth.toml` → [`Model`], checked against the pack schema.
//!
//! Every problem becomes a [`Diagnostic`] with a `synth.*` code, the file, line and column
//! of the offending key or value, and a help; all of them are collected before failing.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use saring::diagnostic::did_you_mean;
use saring::pack::SourceFiles;
use saring::schema::{Field, FieldKind};
use saring::{Code, Diagnostic, Schema};
use serde_json::{Map, Value};

use super::calendar::parse_day;
use super::eval::fit;
use super::model::{
    default_fields, Band, Case, Cond, DatePart, Kind, Model, Network, Piece, Ref, Scenario, Spec,
    Test, Variant,
};
use super::tree::{Node, Tv};

/// Names that conditions and references read besides fields.
const PSEUDO: [&str; 4] = ["label", "scenario", "variant", "network"];

/// The kind keys of a generator table.
const KINDS: [&str; 20] = [
    "value",
    "weights",
    "pick",
    "p",
    "int",
    "float",
    "bands",
    "date",
    "days_before",
    "days_after",
    "years_before",
    "date_part",
    "template",
    "copy",
    "lookup",
    "one_of",
    "cases",
    "subset",
    "sequence",
    "object",
];

/// Keys that go with a kind key.
const AUXILIARY: [&str; 8] = [
    "absent", "step", "from", "of", "add", "table", "map", "default",
];

/// Default window for dates: the year 2025.
pub(crate) const DEFAULT_DATES: (&str, &str) = ("2025-01-01", "2025-12-31");

/// What a generator must produce.
#[derive(Clone, Copy)]
enum Target<'s> {
    /// A value of a schema type.
    Kind(&'s FieldKind),
    /// A helper field: anything.
    Any,
}

/// Where a generator sits.
#[derive(Clone, Copy)]
struct Place<'k, 's> {
    target: Target<'k>,
    /// An object field outside lists: a generator without a kind builds it from its fields.
    compose: bool,
    /// Sibling names readable as `.name` (inside `object`).
    siblings: Option<&'s [String]>,
    /// No references at all (network keys are drawn once per cluster).
    ref_free: bool,
}

struct Parser<'a> {
    schema: &'a Schema,
    file: String,
    sources: SourceFiles,
    diags: Vec<Diagnostic>,
    scenario_names: Vec<String>,
    variant_names: Vec<String>,
    network_names: Vec<String>,
    hidden: HashSet<String>,
    tables: HashMap<String, Arc<Map<String, Value>>>,
    /// Where each field's first generator is written, for dependency errors.
    spans: HashMap<String, Range<usize>>,
}

/// Parses a model; `file` names it in diagnostics (`synth.toml`).
pub(crate) fn parse(
    root: &Node,
    text: &str,
    file: &str,
    schema: &Schema,
) -> Result<Model, (Vec<Diagnostic>, SourceFiles)> {
    let mut sources = SourceFiles::default();
    sources.insert(file, text);
    let mut p = Parser {
        schema,
        file: file.to_string(),
        sources,
        diags: Vec::new(),
        scenario_names: Vec::new(),
        variant_names: Vec::new(),
        network_names: Vec::new(),
        hidden: HashSet::new(),
        tables: HashMap::new(),
        spans: HashMap::new(),
    };
    let model = p.model(root);
    if p.diags.iter().any(Diagnostic::is_error) {
        return Err((p.diags, p.sources));
    }
    Ok(model)
}

/// A diagnostic for a syntax error of the file.
pub(crate) fn syntax_error(
    message: &str,
    span: Range<usize>,
    text: &str,
    file: &str,
) -> (Vec<Diagnostic>, SourceFiles) {
    let mut sources = SourceFiles::default();
    sources.insert(file, text);
    let location = sources.locate(file, (span.start, span.end));
    let d = Diagnostic::error(
        Code::Other("synth.syntax"),
        format!("invalid TOML: {}", message.trim().to_lowercase()),
    )
    .with_help("fix the TOML syntax at the marked place")
    .at(&location);
    (vec![d], sources)
}

fn num(node: &Node) -> Option<f64> {
    match node.value {
        Tv::Int(i) => Some(i as f64),
        Tv::Float(f) => Some(f),
        _ => None,
    }
}

fn int(node: &Node) -> Option<i64> {
    match node.value {
        Tv::Int(i) => Some(i),
        _ => None,
    }
}

fn string(node: &Node) -> Option<&str> {
    match &node.value {
        Tv::Str(s) => Some(s),
        _ => None,
    }
}

/// A short name of a schema type, for messages.
pub(crate) fn kind_name(kind: &FieldKind) -> String {
    match kind {
        FieldKind::String => "string".into(),
        FieldKind::Int => "int".into(),
        FieldKind::Float => "float".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Date => "date".into(),
        FieldKind::Timestamp => "timestamp".into(),
        FieldKind::Enum(_) => "enum".into(),
        FieldKind::List(item) => format!("list of {}", kind_name(item)),
        FieldKind::Object(_) => "object".into(),
    }
}

impl<'a> Parser<'a> {
    fn error(&mut self, code: &'static str, message: String, span: &Range<usize>, help: &str) {
        let location = self.sources.locate(&self.file, (span.start, span.end));
        self.diags.push(
            Diagnostic::error(Code::Other(code), message)
                .with_help(help)
                .at(&location),
        );
    }

    fn unknown_key(&mut self, key: &str, span: &Range<usize>, allowed: &[&str], what: &str) {
        let help = did_you_mean(key, allowed.iter().copied())
            .unwrap_or_else(|| format!("{what} takes: {}", allowed.join(", ")));
        self.error(
            "synth.unknown_key",
            format!("unknown key `{key}` in {what}"),
            span,
            &help,
        );
    }

    fn check_keys(&mut self, node: &Node, allowed: &[&str], what: &str) {
        for (k, span, _) in node.entries().unwrap_or(&[]) {
            if !allowed.contains(&k.as_str()) {
                self.unknown_key(k, span, allowed, what);
            }
        }
    }

    fn wrong_type(&mut self, key: &str, node: &Node, expected: &str) {
        self.error(
            "synth.wrong_type",
            format!("`{key}` must be {expected}, found {}", node.type_name()),
            &node.span,
            &format!("write `{key}` as {expected}"),
        );
    }

    fn probability(&mut self, key: &str, node: &Node) -> Option<f64> {
        match num(node) {
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            Some(p) => {
                self.error(
                    "synth.bad_range",
                    format!("`{key}` is a probability, but `{p}` is outside 0..1"),
                    &node.span,
                    "write a number between 0 and 1 (0.25 = 25%)",
                );
                None
            }
            None => {
                self.wrong_type(key, node, "a number between 0 and 1");
                None
            }
        }
    }

    fn weight(&mut self, key: &str, node: &Node) -> Option<f64> {
        match num(node) {
            Some(w) if w >= 0.0 && w.is_finite() => Some(w),
            _ => {
                self.wrong_type(key, node, "a number ≥ 0");
                None
            }
        }
    }

    fn day(&mut self, node: &Node) -> Option<i64> {
        let text = match &node.value {
            Tv::Str(s) | Tv::Date(s) => s.as_str(),
            _ => "",
        };
        let day = parse_day(text).filter(|_| text.len() == 10);
        if day.is_none() {
            self.error(
                "synth.invalid_value",
                format!("expected a date `YYYY-MM-DD`, found `{}`", node.to_json()),
                &node.span,
                "write a date such as 2025-01-31",
            );
        }
        day
    }

    fn day_pair(&mut self, key: &str, node: &Node) -> Option<(i64, i64)> {
        match &node.value {
            Tv::Array(items) if items.len() == 2 => {
                let (a, b) = (self.day(&items[0])?, self.day(&items[1])?);
                if a > b {
                    self.error(
                        "synth.bad_range",
                        format!("`{key}` ends before it starts"),
                        &node.span,
                        "write the earlier date first",
                    );
                    return None;
                }
                Some((a, b))
            }
            _ => {
                self.wrong_type(
                    key,
                    node,
                    "a pair of dates `[\"2025-01-01\", \"2025-12-31\"]`",
                );
                None
            }
        }
    }

    fn int_pair(&mut self, key: &str, node: &Node) -> Option<(i64, i64)> {
        if let Tv::Array(items) = &node.value {
            if let [a, b] = items.as_slice() {
                if let (Some(a), Some(b)) = (int(a), int(b)) {
                    if a <= b {
                        return Some((a, b));
                    }
                    self.error(
                        "synth.bad_range",
                        format!("`{key}` = [{a}, {b}]: the lower bound is above the upper one"),
                        &node.span,
                        "write `[lo, hi]` with lo ≤ hi",
                    );
                    return None;
                }
            }
        }
        self.wrong_type(key, node, "a pair of integers `[lo, hi]`");
        None
    }

    fn bands(&mut self, key: &str, node: &Node) -> Option<Vec<Band>> {
        let Tv::Array(items) = &node.value else {
            self.wrong_type(key, node, "an array of `[lo, hi, weight]`");
            return None;
        };
        let mut bands = Vec::new();
        for item in items {
            let band = match &item.value {
                Tv::Array(v) if v.len() == 3 => match (int(&v[0]), int(&v[1]), num(&v[2])) {
                    (Some(lo), Some(hi), Some(weight)) if lo <= hi && weight >= 0.0 => {
                        Some(Band { lo, hi, weight })
                    }
                    _ => None,
                },
                _ => None,
            };
            match band {
                Some(b) => bands.push(b),
                None => {
                    self.error(
                        "synth.wrong_type",
                        format!("a band of `{key}` must be `[lo, hi, weight]` with lo ≤ hi"),
                        &item.span,
                        "for example `[18, 24, 20]`: 18 to 24, weight 20",
                    );
                    return None;
                }
            }
        }
        if bands.iter().map(|b| b.weight).sum::<f64>() <= 0.0 {
            self.error(
                "synth.bad_range",
                format!("`{key}` has no band with a positive weight"),
                &node.span,
                "give at least one band a weight above 0",
            );
            return None;
        }
        Some(bands)
    }

    // ------------------------------------------------------------------ top level

    fn model(&mut self, root: &Node) -> Model {
        self.check_keys(
            root,
            &["model", "variant", "scenario", "field", "table", "network"],
            "synth.toml",
        );
        // Names first: conditions and references may mention any of them.
        for (key, names) in [
            ("scenario", &mut self.scenario_names),
            ("variant", &mut self.variant_names),
            ("network", &mut self.network_names),
        ] {
            if let Some(t) = root.get(key).and_then(Node::entries) {
                names.extend(t.iter().map(|(k, _, _)| k.clone()));
            }
        }
        self.collect_hidden(root);

        let mut model = Model {
            version: 1,
            doc: None,
            record_id: "record_id".into(),
            dates: (
                parse_day(DEFAULT_DATES.0).unwrap_or(0),
                parse_day(DEFAULT_DATES.1).unwrap_or(0),
            ),
            drop_required: 0.0,
            optional_absent: 0.2,
            block: 1000,
            variants: Vec::new(),
            scenarios: Vec::new(),
            fields: HashMap::new(),
            networks: Vec::new(),
            schema_only: false,
        };
        if let Some(m) = root.get("model") {
            self.model_table(m, &mut model);
        }
        if let Some(t) = root.get("table") {
            self.tables_(t);
        }
        if let Some(v) = root.get("variant") {
            self.variants(v, &mut model);
        }
        match root.get("scenario") {
            Some(s) => self.scenarios(s, &mut model),
            None => self.error(
                "synth.missing_key",
                "the model has no `[scenario.NAME]`".into(),
                &(0..0),
                "add at least one scenario with `label` and `weight`",
            ),
        }
        if let Some(f) = root.get("field") {
            model.fields = self.field_table(f, "[field]");
        }
        if let Some(n) = root.get("network") {
            self.networks(n, &mut model);
        }
        if !self.diags.iter().any(Diagnostic::is_error) {
            for problem in super::check::dependencies(&model, self.schema, &self.spans) {
                self.error(problem.code, problem.message, &problem.span, &problem.help);
            }
        }
        model
    }

    fn collect_hidden(&mut self, root: &Node) {
        let mut tables: Vec<&Node> = Vec::new();
        tables.extend(root.get("field"));
        for (_, _, s) in root.get("scenario").and_then(Node::entries).unwrap_or(&[]) {
            tables.extend(s.get("field"));
        }
        for (_, _, n) in root.get("network").and_then(Node::entries).unwrap_or(&[]) {
            tables.extend(n.get("field"));
        }
        for t in tables {
            for (k, _, _) in t.entries().unwrap_or(&[]) {
                if k.starts_with('_') {
                    self.hidden.insert(k.clone());
                }
            }
        }
    }

    fn model_table(&mut self, m: &Node, model: &mut Model) {
        self.check_keys(
            m,
            &[
                "version",
                "doc",
                "record_id",
                "dates",
                "drop_required",
                "optional_absent",
                "block",
            ],
            "[model]",
        );
        for (k, _, v) in m.entries().unwrap_or(&[]) {
            match k.as_str() {
                "version" => match int(v) {
                    Some(i) => model.version = i,
                    None => self.wrong_type(k, v, "an integer"),
                },
                "doc" => match string(v) {
                    Some(s) => model.doc = Some(s.to_string()),
                    None => self.wrong_type(k, v, "a string"),
                },
                "record_id" => {
                    match string(v) {
                        Some(s) => {
                            if self.field_of(s).is_none() && s.contains('.') {
                                self.error(
                                "synth.unknown_field",
                                format!("`record_id` names `{s}`, which the schema does not declare"),
                                &v.span,
                                "name a string field of the schema, or a top-level name",
                            );
                            }
                            model.record_id = s.to_string();
                        }
                        None => self.wrong_type(k, v, "a field path"),
                    }
                }
                "dates" => {
                    if let Some(d) = self.day_pair(k, v) {
                        model.dates = d;
                    }
                }
                "drop_required" => {
                    if let Some(p) = self.probability(k, v) {
                        model.drop_required = p;
                    }
                }
                "optional_absent" => {
                    if let Some(p) = self.probability(k, v) {
                        model.optional_absent = p;
                    }
                }
                "block" => match int(v) {
                    Some(b) if (10..=1_000_000).contains(&b) => model.block = b as u32,
                    _ => self.wrong_type(k, v, "an integer from 10 to 1000000"),
                },
                _ => {}
            }
        }
    }

    fn tables_(&mut self, t: &Node) {
        for (name, _, table) in t.entries().unwrap_or(&[]) {
            let Some(entries) = table.entries() else {
                self.wrong_type(&format!("table.{name}"), table, "a table of values");
                continue;
            };
            let map: Map<String, Value> = entries
                .iter()
                .map(|(k, _, v)| (k.clone(), v.to_json()))
                .collect();
            self.tables.insert(name.clone(), Arc::new(map));
        }
    }

    fn variants(&mut self, v: &Node, model: &mut Model) {
        for (name, span, t) in v.entries().unwrap_or(&[]) {
            self.check_keys(t, &["pack", "set", "default"], "a variant");
            let mut variant = Variant {
                name: name.clone(),
                pack: None,
                set: Vec::new(),
                default: false,
            };
            for (k, _, val) in t.entries().unwrap_or(&[]) {
                match k.as_str() {
                    "pack" => match string(val) {
                        Some(s) => variant.pack = Some(s.to_string()),
                        None => self.wrong_type(k, val, "a pack file name"),
                    },
                    "default" => match val.value {
                        Tv::Bool(b) => variant.default = b,
                        _ => self.wrong_type(k, val, "true or false"),
                    },
                    "set" => {
                        for (path, pspan, value) in val.entries().unwrap_or(&[]) {
                            let Some(field) = self.schema_field(path, pspan) else {
                                continue;
                            };
                            match fit(value.to_json(), &field.kind) {
                                Ok(v) => variant.set.push((path.clone(), v)),
                                Err(e) => self.error(
                                    "synth.invalid_value",
                                    format!("`{path}`: {e}"),
                                    &value.span,
                                    "give a value of the field's schema type",
                                ),
                            }
                        }
                    }
                    _ => {}
                }
            }
            if variant.default && model.variants.iter().any(|v| v.default) {
                self.error(
                    "synth.duplicate_default",
                    format!("variant `{name}` is a second default"),
                    span,
                    "mark one variant `default = true`",
                );
            }
            model.variants.push(variant);
        }
        if !model.variants.iter().any(|v| v.default) {
            if let Some(first) = model.variants.first_mut() {
                first.default = true;
            }
        }
    }

    fn scenarios(&mut self, s: &Node, model: &mut Model) {
        let Some(entries) = s.entries() else {
            self.wrong_type("scenario", s, "tables `[scenario.NAME]`");
            return;
        };
        for (name, span, t) in entries {
            if PSEUDO.contains(&name.as_str()) {
                self.error(
                    "synth.reserved_name",
                    format!("`{name}` cannot name a scenario"),
                    span,
                    "pick another name",
                );
            }
            self.check_keys(
                t,
                &["label", "weight", "description", "field"],
                "a scenario",
            );
            let label = match t.get("label").map(|n| &n.value) {
                Some(Tv::Bool(b)) => *b,
                _ => {
                    self.error(
                        "synth.missing_key",
                        format!("scenario `{name}` needs `label = true` or `label = false`"),
                        span,
                        "say whether records of this scenario are positives",
                    );
                    false
                }
            };
            let weight = match t.get("weight") {
                Some(w) => self.weight("weight", w).unwrap_or(0.0),
                None => {
                    self.error(
                        "synth.missing_key",
                        format!("scenario `{name}` needs a `weight`"),
                        span,
                        "give its relative probability, e.g. `weight = 2.5`",
                    );
                    0.0
                }
            };
            let description = t.get("description").and_then(string).map(str::to_string);
            let fields = match t.get("field") {
                Some(f) => self.field_table(f, &format!("scenario `{name}`")),
                None => HashMap::new(),
            };
            model.scenarios.push(Scenario {
                name: name.clone(),
                label,
                weight,
                description,
                fields,
            });
        }
        if model.scenarios.iter().map(|s| s.weight).sum::<f64>() <= 0.0 {
            self.error(
                "synth.bad_range",
                "no scenario has a positive weight".into(),
                &s.span,
                "give at least one scenario a weight above 0",
            );
        }
    }

    fn networks(&mut self, n: &Node, model: &mut Model) {
        for (name, span, t) in n.entries().unwrap_or(&[]) {
            self.check_keys(
                t,
                &[
                    "description",
                    "variants",
                    "clusters",
                    "size",
                    "window_days",
                    "time",
                    "start",
                    "scenarios",
                    "key",
                    "field",
                ],
                "a network",
            );
            let mut net = Network {
                name: name.clone(),
                description: t.get("description").and_then(string).map(str::to_string),
                variants: None,
                clusters: 1.0,
                size: (3, 6),
                window_days: 30,
                time: "event_date".into(),
                start: model.dates,
                scenarios: Vec::new(),
                keys: Vec::new(),
                fields: HashMap::new(),
            };
            if let Some(v) = t.get("variants") {
                let mut names = Vec::new();
                for item in match &v.value {
                    Tv::Array(items) => items.as_slice(),
                    _ => &[],
                } {
                    match string(item) {
                        Some(s) if self.variant_names.iter().any(|n| n == s) => {
                            names.push(s.to_string())
                        }
                        _ => {
                            let help = did_you_mean(
                                &item.to_json().to_string(),
                                self.variant_names.iter().map(String::as_str),
                            )
                            .unwrap_or_else(|| "name a `[variant.NAME]`".into());
                            self.error(
                                "synth.unknown_variant",
                                format!("`{}` is not a variant", item.to_json()),
                                &item.span,
                                &help,
                            );
                        }
                    }
                }
                net.variants = Some(names);
            }
            if let Some(c) = t.get("clusters") {
                net.clusters = self.weight("clusters", c).unwrap_or(0.0);
            }
            if let Some(s) = t.get("size") {
                match self.int_pair("size", s) {
                    Some((lo, hi)) if lo >= 1 && hi <= i64::from(model.block) / 4 => {
                        net.size = (lo, hi)
                    }
                    Some(_) => self.error(
                        "synth.bad_range",
                        format!(
                            "a cluster must have 1 to {} members (a quarter of `block`)",
                            model.block / 4
                        ),
                        &s.span,
                        "make `size` smaller or `[model] block` larger",
                    ),
                    None => {}
                }
            }
            if let Some(w) = t.get("window_days") {
                match int(w) {
                    Some(d) if (1..=3660).contains(&d) => net.window_days = d,
                    _ => self.wrong_type("window_days", w, "a number of days from 1 to 3660"),
                }
            }
            if let Some(tf) = t.get("time") {
                match string(tf) {
                    Some(s) => net.time = s.to_string(),
                    None => self.wrong_type("time", tf, "a date field path"),
                }
            }
            match self.field_of(&net.time) {
                Some(f) if matches!(f.kind, FieldKind::Date) => {}
                _ => self.error(
                    "synth.unknown_field",
                    format!(
                        "network time field `{}` is not a date field of the schema",
                        net.time
                    ),
                    t.get("time").map_or(span, |n| &n.span),
                    "set `time` to a date field (default `event_date`)",
                ),
            }
            net.start = match t.get("start") {
                Some(s) => self.day_pair("start", s).unwrap_or(model.dates),
                None => (
                    model.dates.0,
                    (model.dates.1 - net.window_days + 1).max(model.dates.0),
                ),
            };
            match t.get("scenarios").and_then(Node::entries) {
                Some(entries) => {
                    for (sname, sspan, w) in entries {
                        let w = self.weight(sname, w).unwrap_or(0.0);
                        match self.scenario_names.iter().position(|n| n == sname) {
                            Some(i) => net.scenarios.push((i, w)),
                            None => self.unknown_name("scenario", sname, sspan),
                        }
                    }
                }
                None => self.error(
                    "synth.missing_key",
                    format!("network `{name}` needs `scenarios = {{ NAME = weight, ... }}`"),
                    span,
                    "say which scenarios the members of a cluster follow",
                ),
            }
            if let Some(k) = t.get("key") {
                for (path, pspan, spec) in k.entries().unwrap_or(&[]) {
                    let Some(target) = self.field_target(path, pspan) else {
                        continue;
                    };
                    let place = Place {
                        target,
                        compose: false,
                        siblings: None,
                        ref_free: true,
                    };
                    self.spans
                        .entry(path.clone())
                        .or_insert_with(|| pspan.clone());
                    if let Some(s) = self.spec(spec, place, &[]) {
                        net.keys.push((path.clone(), s));
                    }
                }
            }
            if let Some(f) = t.get("field") {
                net.fields = self.field_table(f, &format!("network `{name}`"));
            }
            for path in net
                .keys
                .iter()
                .map(|(p, _)| p)
                .chain(net.fields.keys())
                .filter(|p| **p == net.time)
            {
                self.error(
                    "synth.reserved_name",
                    format!("network `{name}` sets its time field `{path}` itself"),
                    span,
                    "members' times come from the cluster window; remove it from `key`/`field`",
                );
            }
            model.networks.push(net);
        }
    }

    fn unknown_name(&mut self, what: &str, name: &str, span: &Range<usize>) {
        let names = match what {
            "scenario" => &self.scenario_names,
            "variant" => &self.variant_names,
            _ => &self.network_names,
        };
        let help = did_you_mean(name, names.iter().map(String::as_str))
            .unwrap_or_else(|| format!("known: {}", names.join(", ")));
        self.error(
            "synth.unknown_name",
            format!("`{name}` is not a {what} of this model"),
            span,
            &help,
        );
    }

    // ------------------------------------------------------------------ fields and paths

    /// The schema field at a dotted path (not inside a list).
    fn field_of(&self, path: &str) -> Option<&'a Field> {
        self.schema.field(path)
    }

    fn schema_paths(&self) -> Vec<String> {
        fn walk(obj: &saring::schema::ObjectType, out: &mut Vec<String>) {
            for f in &obj.fields {
                out.push(f.path.clone());
                if let FieldKind::Object(child) = &f.kind {
                    walk(child, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.schema.root, &mut out);
        out
    }

    /// A schema field a generator may write or read; reports unknown and protected ones.
    fn schema_field(&mut self, path: &str, span: &Range<usize>) -> Option<&'a Field> {
        match self.field_of(path) {
            Some(f) if f.protected => {
                self.error(
                    "synth.protected_field",
                    format!("`{path}` is protected: synthetic records never contain it"),
                    span,
                    "remove it from the model",
                );
                None
            }
            Some(f) => Some(f),
            None => {
                let inside_list = path
                    .split('.')
                    .scan(String::new(), |acc, seg| {
                        if !acc.is_empty() {
                            acc.push('.');
                        }
                        acc.push_str(seg);
                        Some(acc.clone())
                    })
                    .any(|p| {
                        matches!(self.field_of(&p).map(|f| &f.kind), Some(FieldKind::List(_)))
                    });
                let help = if inside_list {
                    "fields of list items are drawn by the list's generator (`sequence` of `object`)"
                        .to_string()
                } else {
                    let paths = self.schema_paths();
                    did_you_mean(path, paths.iter().map(String::as_str)).unwrap_or_else(|| {
                        "name a field of the pack schema, or a helper `_name`".into()
                    })
                };
                self.error(
                    "synth.unknown_field",
                    format!("`{path}` is not a field of the schema"),
                    span,
                    &help,
                );
                None
            }
        }
    }

    /// The target of a `[field."path"]` entry.
    fn field_target(&mut self, path: &str, span: &Range<usize>) -> Option<Target<'a>> {
        if path.starts_with('_') {
            if path.contains('.') {
                self.error(
                    "synth.unknown_field",
                    format!("helper `{path}` cannot have a dotted name"),
                    span,
                    "name helpers `_name`; read into their values with `_name.sub`",
                );
                return None;
            }
            return Some(Target::Any);
        }
        self.schema_field(path, span).map(|f| Target::Kind(&f.kind))
    }

    fn field_table(&mut self, node: &Node, what: &str) -> HashMap<String, Spec> {
        let mut out = HashMap::new();
        let Some(entries) = node.entries() else {
            self.wrong_type(what, node, "a table of field generators");
            return out;
        };
        for (path, span, spec) in entries {
            let Some(target) = self.field_target(path, span) else {
                continue;
            };
            let compose = matches!(target, Target::Kind(FieldKind::Object(_)));
            let place = Place {
                target,
                compose,
                siblings: None,
                ref_free: false,
            };
            self.spans
                .entry(path.clone())
                .or_insert_with(|| span.clone());
            if let Some(s) = self.spec(spec, place, &[]) {
                out.insert(path.clone(), s);
            }
        }
        out
    }

    /// A reference: `label`, `scenario`, `variant`, `network`, `.sibling`, `_helper[.sub]`
    /// or a schema path.
    fn reference(&mut self, text: &str, span: &Range<usize>, place: Place<'a, '_>) -> Option<Ref> {
        if place.ref_free {
            self.error(
                "synth.reference_in_key",
                format!("a network key cannot read `{text}`"),
                span,
                "keys are drawn once per cluster: use constants, weights, pick, int or a template without references",
            );
            return None;
        }
        match text {
            "label" => return Some(Ref::Label),
            "scenario" => return Some(Ref::Scenario),
            "variant" => return Some(Ref::Variant),
            "network" => return Some(Ref::Network),
            _ => {}
        }
        if let Some(name) = text.strip_prefix('.') {
            let known = place.siblings.is_some_and(|s| s.iter().any(|n| n == name));
            if !known {
                self.error(
                    "synth.unknown_reference",
                    format!("`.{name}` is not a field drawn before this one in the same `object`"),
                    span,
                    "a sibling must be listed earlier in the `object` table",
                );
                return None;
            }
            return Some(Ref::Sibling(name.to_string()));
        }
        if text.starts_with('_') {
            let head = text.split('.').next().unwrap_or(text);
            if !self.hidden.contains(head) {
                let help = did_you_mean(head, self.hidden.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("define it with `[field.{head}]`"));
                self.error(
                    "synth.unknown_reference",
                    format!("helper `{head}` is not defined"),
                    span,
                    &help,
                );
                return None;
            }
            return Some(Ref::Path(text.to_string()));
        }
        self.schema_field(text, span)?;
        Some(Ref::Path(text.to_string()))
    }

    fn ref_key(&mut self, key: &str, node: &Node, place: Place<'a, '_>) -> Option<Ref> {
        match string(node) {
            Some(s) => self.reference(s, &node.span, place),
            None => {
                self.wrong_type(key, node, "a field path");
                None
            }
        }
    }

    /// The schema type behind a reference, if known.
    fn ref_kind(&self, r: &Ref) -> Option<&'a FieldKind> {
        match r {
            Ref::Path(p) if !p.starts_with('_') => self.field_of(p).map(|f| &f.kind),
            _ => None,
        }
    }

    // ------------------------------------------------------------------ generators

    /// Converts a constant to the target type.
    fn constant(&mut self, value: Value, span: &Range<usize>, target: Target<'_>) -> Option<Value> {
        match target {
            Target::Any => Some(value),
            Target::Kind(kind) => match fit(value, kind) {
                Ok(v) => Some(v),
                Err(e) => {
                    let help = match kind {
                        FieldKind::Enum(values) => format!("allowed: {}", values.join(", ")),
                        other => format!("give a value of type {}", kind_name(other)),
                    };
                    self.error("synth.invalid_value", e, span, &help);
                    None
                }
            },
        }
    }

    /// Reports a kind that cannot produce the target type.
    fn expect(
        &mut self,
        kind: &str,
        node: &Node,
        target: Target<'_>,
        ok: fn(&FieldKind) -> bool,
    ) -> bool {
        match target {
            Target::Any => true,
            Target::Kind(k) if ok(k) => true,
            Target::Kind(k) => {
                self.error(
                    "synth.kind_mismatch",
                    format!("`{kind}` cannot draw a value of type {}", kind_name(k)),
                    &node.span,
                    "pick a generator that fits the field's schema type (see `saring synth --help`)",
                );
                false
            }
        }
    }

    /// Parses a generator; `extra` are keys the caller handles (`weight`, `when`).
    fn spec(&mut self, node: &Node, place: Place<'a, '_>, extra: &[&str]) -> Option<Spec> {
        let Some(entries) = node.entries() else {
            // A bare value is a constant.
            let v = self.constant(node.to_json(), &node.span, place.target)?;
            return Some(Spec::new(Kind::Const(v)));
        };
        let kinds: Vec<&(String, Range<usize>, Node)> = entries
            .iter()
            .filter(|(k, _, _)| KINDS.contains(&k.as_str()))
            .collect();
        let mut allowed: Vec<&str> = KINDS.to_vec();
        allowed.extend(AUXILIARY);
        allowed.extend(extra);
        for (k, span, _) in entries {
            if !allowed.contains(&k.as_str()) {
                self.unknown_key(k, span, &allowed, "a generator");
            }
        }
        let absent = match node.get("absent") {
            Some(a) => self.probability("absent", a)?,
            None => 0.0,
        };
        let kind = match kinds.as_slice() {
            [] => {
                if place.compose {
                    Kind::Compose
                } else if absent >= 1.0 {
                    Kind::Absent
                } else {
                    self.error(
                        "synth.missing_key",
                        "a generator needs a kind".into(),
                        &node.span,
                        &format!("add one of: {}", KINDS.join(", ")),
                    );
                    return None;
                }
            }
            [(key, _, value)] => self.kind(key, value, node, place)?,
            [_, (key, span, _), ..] => {
                self.error(
                    "synth.unknown_key",
                    format!("a generator has one kind, but `{key}` is a second one"),
                    span,
                    "split the alternatives with `one_of` or `cases`",
                );
                return None;
            }
        };
        Some(Spec { absent, kind })
    }

    fn kind(
        &mut self,
        key: &str,
        value: &Node,
        table: &Node,
        place: Place<'a, '_>,
    ) -> Option<Kind> {
        let target = place.target;
        let aux = |name: &str| table.get(name);
        Some(match key {
            "value" => Kind::Const(self.constant(value.to_json(), &value.span, target)?),
            "weights" => {
                let Some(entries) = value.entries() else {
                    self.wrong_type(key, value, "a table `{ value = weight, ... }`");
                    return None;
                };
                let mut items = Vec::new();
                for (k, kspan, w) in entries {
                    let w = self.weight(k, w)?;
                    let v = self.constant(Value::String(k.clone()), kspan, target)?;
                    items.push((v, w));
                }
                if items.iter().map(|(_, w)| w).sum::<f64>() <= 0.0 {
                    self.error(
                        "synth.bad_range",
                        "`weights` has no positive weight".into(),
                        &value.span,
                        "give at least one value a weight above 0",
                    );
                    return None;
                }
                Kind::Weights(items)
            }
            "pick" => {
                let Tv::Array(items) = &value.value else {
                    self.wrong_type(key, value, "a non-empty array of values");
                    return None;
                };
                if items.is_empty() {
                    self.wrong_type(key, value, "a non-empty array of values");
                    return None;
                }
                let mut out = Vec::new();
                for item in items {
                    out.push(self.constant(item.to_json(), &item.span, target)?);
                }
                Kind::Pick(out)
            }
            "p" => {
                if !self.expect(key, value, target, |k| matches!(k, FieldKind::Bool)) {
                    return None;
                }
                Kind::Bool(self.probability(key, value)?)
            }
            "int" => {
                if !self.expect(key, value, target, |k| {
                    matches!(k, FieldKind::Int | FieldKind::Float)
                }) {
                    return None;
                }
                let (lo, hi) = self.int_pair(key, value)?;
                let step = match aux("step") {
                    Some(s) => match int(s) {
                        Some(s) if s >= 1 => s,
                        _ => {
                            self.wrong_type("step", s, "an integer ≥ 1");
                            return None;
                        }
                    },
                    None => 1,
                };
                Kind::Int { lo, hi, step }
            }
            "float" => {
                if !self.expect(key, value, target, |k| matches!(k, FieldKind::Float)) {
                    return None;
                }
                match &value.value {
                    Tv::Array(items) if items.len() == 2 => {
                        match (num(&items[0]), num(&items[1])) {
                            (Some(lo), Some(hi)) if lo <= hi => Kind::Float { lo, hi },
                            _ => {
                                self.wrong_type(key, value, "a pair of numbers `[lo, hi]`");
                                return None;
                            }
                        }
                    }
                    _ => {
                        self.wrong_type(key, value, "a pair of numbers `[lo, hi]`");
                        return None;
                    }
                }
            }
            "bands" => {
                if !self.expect(key, value, target, |k| {
                    matches!(k, FieldKind::Int | FieldKind::Float)
                }) {
                    return None;
                }
                Kind::Bands(self.bands(key, value)?)
            }
            "date" => {
                if !self.expect(key, value, target, |k| matches!(k, FieldKind::Date)) {
                    return None;
                }
                let (lo, hi) = self.day_pair(key, value)?;
                Kind::Date { lo, hi }
            }
            "days_before" | "days_after" => {
                if !self.expect(key, value, target, |k| matches!(k, FieldKind::Date)) {
                    return None;
                }
                let (lo, hi) = self.int_pair(key, value)?;
                let Some(from) = aux("from") else {
                    self.error(
                        "synth.missing_key",
                        format!("`{key}` needs `from = \"a date field\"`"),
                        &table.span,
                        "name the date it counts from",
                    );
                    return None;
                };
                let from = self.ref_key("from", from, place)?;
                Kind::Days {
                    from,
                    lo,
                    hi,
                    after: key == "days_after",
                }
            }
            "years_before" => {
                if !self.expect(key, value, target, |k| matches!(k, FieldKind::Date)) {
                    return None;
                }
                let bands = self.bands(key, value)?;
                let Some(from) = aux("from") else {
                    self.error(
                        "synth.missing_key",
                        "`years_before` needs `from = \"a date field\"`".into(),
                        &table.span,
                        "name the date the years count back from",
                    );
                    return None;
                };
                let from = self.ref_key("from", from, place)?;
                Kind::YearsBefore { from, bands }
            }
            "date_part" => {
                if !self.expect(key, value, target, |k| matches!(k, FieldKind::Int)) {
                    return None;
                }
                let part = match string(value) {
                    Some("day") => DatePart::Day,
                    Some("month") => DatePart::Month,
                    Some("year") => DatePart::Year,
                    Some("yy") => DatePart::Yy,
                    _ => {
                        self.wrong_type(key, value, "one of \"day\", \"month\", \"year\", \"yy\"");
                        return None;
                    }
                };
                let Some(of) = aux("of") else {
                    self.error(
                        "synth.missing_key",
                        "`date_part` needs `of = \"a date field\"`".into(),
                        &table.span,
                        "name the date to read",
                    );
                    return None;
                };
                let of = self.ref_key("of", of, place)?;
                let add = match aux("add") {
                    Some(a) => match int(a) {
                        Some(a) => a,
                        None => {
                            self.wrong_type("add", a, "an integer");
                            return None;
                        }
                    },
                    None => 0,
                };
                Kind::DatePart { of, part, add }
            }
            "template" => {
                if !self.expect(key, value, target, |k| {
                    matches!(k, FieldKind::String | FieldKind::Enum(_))
                }) {
                    return None;
                }
                let Some(text) = string(value) else {
                    self.wrong_type(key, value, "a string");
                    return None;
                };
                Kind::Template(self.template(text, &value.span, place)?)
            }
            "copy" => Kind::Copy(self.ref_key(key, value, place)?),
            "lookup" => {
                let of = self.ref_key(key, value, place)?;
                let map = match (aux("table"), aux("map")) {
                    (Some(t), None) => {
                        let name = string(t).unwrap_or("");
                        match self.tables.get(name) {
                            Some(m) => m.clone(),
                            None => {
                                let names: Vec<&str> =
                                    self.tables.keys().map(String::as_str).collect();
                                let help = did_you_mean(name, names)
                                    .unwrap_or_else(|| format!("define it with `[table.{name}]`"));
                                self.error(
                                    "synth.unknown_table",
                                    format!("table `{name}` is not defined"),
                                    &t.span,
                                    &help,
                                );
                                return None;
                            }
                        }
                    }
                    (None, Some(m)) if m.entries().is_some() => {
                        let Value::Object(map) = m.to_json() else {
                            return None;
                        };
                        Arc::new(map)
                    }
                    _ => {
                        self.error(
                            "synth.missing_key",
                            "`lookup` needs either `table = \"NAME\"` or `map = { ... }`".into(),
                            &table.span,
                            "give the value map",
                        );
                        return None;
                    }
                };
                if let Target::Kind(kind) = target {
                    for (k, v) in map.iter() {
                        if let Err(e) = fit(v.clone(), kind) {
                            self.error(
                                "synth.invalid_value",
                                format!("lookup entry `{k}`: {e}"),
                                &value.span,
                                "every entry must fit the field's schema type",
                            );
                            return None;
                        }
                    }
                }
                let default = match aux("default") {
                    Some(d) => Some(Box::new(self.spec(
                        d,
                        Place {
                            compose: false,
                            ..place
                        },
                        &[],
                    )?)),
                    None => None,
                };
                Kind::Lookup { of, map, default }
            }
            "one_of" => {
                let Tv::Array(items) = &value.value else {
                    self.wrong_type(key, value, "an array of `{ weight = w, <generator> }`");
                    return None;
                };
                let mut out = Vec::new();
                for item in items {
                    let w = match item.get("weight") {
                        Some(w) => self.weight("weight", w)?,
                        None => {
                            self.error(
                                "synth.missing_key",
                                "each `one_of` entry needs a `weight`".into(),
                                &item.span,
                                "add `weight = ...`",
                            );
                            return None;
                        }
                    };
                    out.push((w, self.spec(item, place, &["weight"])?));
                }
                if out.iter().map(|(w, _)| w).sum::<f64>() <= 0.0 {
                    self.error(
                        "synth.bad_range",
                        "`one_of` has no entry with a positive weight".into(),
                        &value.span,
                        "give at least one entry a weight above 0",
                    );
                    return None;
                }
                Kind::OneOf(out)
            }
            "cases" => {
                let Tv::Array(items) = &value.value else {
                    self.wrong_type(key, value, "an array of `{ when = {...}, <generator> }`");
                    return None;
                };
                let mut out = Vec::new();
                for item in items {
                    let when = match item.get("when") {
                        Some(w) => self.when(w, place)?,
                        None => Vec::new(),
                    };
                    let spec = self.spec(item, place, &["when"])?;
                    out.push(Case { when, spec });
                }
                Kind::Cases(out)
            }
            "subset" => {
                let item_target = match target {
                    Target::Any => Target::Any,
                    Target::Kind(FieldKind::List(item)) => Target::Kind(item),
                    Target::Kind(_) => {
                        self.expect(key, value, target, |_| false);
                        return None;
                    }
                };
                let Some(entries) = value.entries() else {
                    self.wrong_type(key, value, "a table `{ item = probability, ... }`");
                    return None;
                };
                let mut items = Vec::new();
                for (k, kspan, p) in entries {
                    let p = self.probability(k, p)?;
                    items.push((
                        self.constant(Value::String(k.clone()), kspan, item_target)?,
                        p,
                    ));
                }
                Kind::Subset(items)
            }
            "sequence" => {
                let item_target = match target {
                    Target::Any => Target::Any,
                    Target::Kind(FieldKind::List(item)) => Target::Kind(item),
                    Target::Kind(_) => {
                        self.expect(key, value, target, |_| false);
                        return None;
                    }
                };
                let Tv::Array(items) = &value.value else {
                    self.wrong_type(key, value, "an array of generators");
                    return None;
                };
                let item_place = Place {
                    target: item_target,
                    compose: false,
                    ..place
                };
                let mut out = Vec::new();
                for item in items {
                    out.push(self.spec(item, item_place, &[])?);
                }
                Kind::Sequence(out)
            }
            "object" => {
                let obj: Option<&'a saring::schema::ObjectType> = match target {
                    Target::Any => None,
                    Target::Kind(FieldKind::Object(obj)) => Some(obj),
                    Target::Kind(_) => {
                        self.expect(key, value, target, |_| false);
                        return None;
                    }
                };
                let Some(entries) = value.entries() else {
                    self.wrong_type(key, value, "a table `{ field = <generator>, ... }`");
                    return None;
                };
                let mut fields: Vec<(String, Spec)> = Vec::new();
                let mut names: Vec<String> = Vec::new();
                for (k, kspan, sub) in entries {
                    let sub_target = match &obj {
                        None => Target::Any,
                        Some(o) => {
                            match o.field(k) {
                                Some(f) if f.protected => {
                                    self.error(
                                    "synth.protected_field",
                                    format!("`{k}` is protected: synthetic records never contain it"),
                                    kspan,
                                    "remove it from the model",
                                );
                                    return None;
                                }
                                Some(f) => Target::Kind(&f.kind),
                                None => {
                                    let help =
                                        did_you_mean(k, o.fields.iter().map(|f| f.name.as_str()))
                                            .unwrap_or_else(|| {
                                                format!(
                                                    "fields: {}",
                                                    o.fields
                                                        .iter()
                                                        .map(|f| f.name.as_str())
                                                        .collect::<Vec<_>>()
                                                        .join(", ")
                                                )
                                            });
                                    self.error(
                                        "synth.unknown_field",
                                        format!("`{k}` is not a field of `{}`", o.path),
                                        kspan,
                                        &help,
                                    );
                                    return None;
                                }
                            }
                        }
                    };
                    let sub_place = Place {
                        target: sub_target,
                        compose: false,
                        siblings: Some(names.as_slice()),
                        ref_free: place.ref_free,
                    };
                    let spec = self.spec(sub, sub_place, &[])?;
                    fields.push((k.clone(), spec));
                    names.push(k.clone());
                }
                if let Some(o) = obj {
                    let rest = default_fields(o, &fields, 0.2);
                    fields.extend(rest);
                }
                Kind::Object(fields)
            }
            _ => return None,
        })
    }

    fn when(&mut self, node: &Node, place: Place<'a, '_>) -> Option<Vec<Cond>> {
        let Some(entries) = node.entries() else {
            self.wrong_type("when", node, "a table `{ path = value, ... }`");
            return None;
        };
        let mut out = Vec::new();
        for (path, span, test) in entries {
            let of = self.reference(
                path,
                span,
                Place {
                    ref_free: false,
                    ..place
                },
            )?;
            let test = self.test(&of, test)?;
            out.push(Cond { of, test });
        }
        Some(out)
    }

    /// Checks a value a condition compares with.
    fn compared(&mut self, of: &Ref, node: &Node) -> Option<Value> {
        let v = node.to_json();
        let names = match of {
            Ref::Scenario => Some(("scenario", self.scenario_names.clone())),
            Ref::Variant => Some(("variant", self.variant_names.clone())),
            Ref::Network => Some(("network", self.network_names.clone())),
            _ => None,
        };
        if let Some((what, names)) = names {
            let s = v.as_str().unwrap_or("");
            if !names.iter().any(|n| n == s) {
                let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                self.unknown_name(what, &shown, &node.span);
                return None;
            }
            return Some(v);
        }
        if *of == Ref::Label && !v.is_boolean() {
            self.wrong_type("label", node, "true or false");
            return None;
        }
        match self.ref_kind(of) {
            Some(
                kind @ (FieldKind::Enum(_) | FieldKind::Int | FieldKind::Float | FieldKind::Bool),
            ) => self.constant(v, &node.span, Target::Kind(kind)),
            Some(FieldKind::List(item)) => self.constant(v, &node.span, Target::Kind(item)),
            _ => Some(v),
        }
    }

    fn test(&mut self, of: &Ref, node: &Node) -> Option<Test> {
        match &node.value {
            Tv::Array(items) => {
                let mut values = Vec::new();
                for item in items {
                    values.push(self.compared(of, item)?);
                }
                Some(Test::AnyOf(values))
            }
            Tv::Table(entries) => {
                let [(k, kspan, v)] = entries.as_slice() else {
                    self.error(
                        "synth.wrong_type",
                        "a condition table has one key".into(),
                        &node.span,
                        "write `{ present = true }`, `{ contains = v }`, `{ not = v }` or `{ min = a, max = b }`",
                    );
                    return None;
                };
                match k.as_str() {
                    "present" => match v.value {
                        Tv::Bool(b) => Some(Test::Present(b)),
                        _ => {
                            self.wrong_type("present", v, "true or false");
                            None
                        }
                    },
                    "contains" => Some(Test::Contains(self.compared(of, v)?)),
                    "not" => {
                        let values = match &v.value {
                            Tv::Array(items) => {
                                let mut out = Vec::new();
                                for i in items {
                                    out.push(self.compared(of, i)?);
                                }
                                out
                            }
                            _ => vec![self.compared(of, v)?],
                        };
                        Some(Test::NoneOf(values))
                    }
                    "min" | "max" => {
                        let Some(bound) = num(v) else {
                            self.wrong_type(k, v, "a number");
                            return None;
                        };
                        Some(if k == "min" {
                            Test::Range(Some(bound), None)
                        } else {
                            Test::Range(None, Some(bound))
                        })
                    }
                    _ => {
                        self.unknown_key(
                            k,
                            kspan,
                            &["present", "contains", "not", "min", "max"],
                            "a condition",
                        );
                        None
                    }
                }
            }
            _ => Some(Test::AnyOf(vec![self.compared(of, node)?])),
        }
    }

    fn template(
        &mut self,
        text: &str,
        span: &Range<usize>,
        place: Place<'a, '_>,
    ) -> Option<Vec<Piece>> {
        let bad = |p: &mut Parser, msg: String| {
            p.error(
                "synth.bad_template",
                msg,
                span,
                "placeholders: {int:LO:HI}, {int:LO:HI:WIDTH}, {pick:A|B}, {path}, {path:WIDTH}; write {{ and }} for braces",
            );
        };
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let inner: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    let parts: Vec<&str> = inner.split(':').collect();
                    let piece = match parts.as_slice() {
                        ["int", lo, hi, rest @ ..] if rest.len() <= 1 => {
                            let width = rest.first().map_or(Some(0), |w| w.parse().ok());
                            match (lo.parse::<i64>(), hi.parse::<i64>(), width) {
                                (Ok(lo), Ok(hi), Some(width)) if lo <= hi && lo >= 0 => {
                                    Piece::Int { lo, hi, width }
                                }
                                _ => {
                                    bad(self, format!("bad placeholder `{{{inner}}}`"));
                                    return None;
                                }
                            }
                        }
                        ["pick", choices] => {
                            Piece::Pick(choices.split('|').map(str::to_string).collect())
                        }
                        [path] if !path.is_empty() => Piece::Ref {
                            of: self.reference(path, span, place)?,
                            width: 0,
                        },
                        [path, width] => match width.parse() {
                            Ok(width) => Piece::Ref {
                                of: self.reference(path, span, place)?,
                                width,
                            },
                            Err(_) => {
                                bad(self, format!("bad width in `{{{inner}}}`"));
                                return None;
                            }
                        },
                        _ => {
                            bad(self, format!("bad placeholder `{{{inner}}}`"));
                            return None;
                        }
                    };
                    pieces.push(piece);
                }
                '}' => {
                    bad(self, "a `}` without its `{`".into());
                    return None;
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Some(pieces)
    }
}

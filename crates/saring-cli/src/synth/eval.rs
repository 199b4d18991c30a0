//! Drawing records from a [`Model`].
//!
//! Record *i* is drawn from its own ChaCha8 stream (seed, stream *i*); fields are drawn on
//! demand (a field that reads another draws that one first) and remembered, in schema order
//! otherwise, so the same seed gives the same record. Network blocks use a second key
//! (seed ^ a constant, stream = block number). Only fixed-width integers and `f64` draws are
//! used (never `usize` ranges), so 32-bit and wasm targets agree with 64-bit ones.

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use saring::schema::{FieldKind, ObjectType};
use saring::Schema;
use serde_json::{Map, Value};

use super::calendar::{day_string, parse_day, parts, years_before};
use super::model::{
    default_fields, default_spec, Band, Case, DatePart, Kind, Model, Piece, Ref, Scenario, Spec,
    Test, Variant,
};

/// Mixed into the seed of network blocks, so that they do not share streams with records.
const NETWORK_SALT: u64 = 0x6e65_7477_6f72_6b73; // "networks"

/// A record that could not be drawn (a model error only visible at run time, e.g. a template
/// whose text is not one of an enum's values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GenError {
    /// 0-based record index.
    pub(crate) record: u64,
    pub(crate) message: String,
}

impl std::fmt::Display for GenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {}: {}", self.record + 1, self.message)
    }
}

/// Converts a drawn value to a schema type: integers and floats into each other, numeric
/// and boolean text into numbers and booleans, enum text checked against the values.
pub(crate) fn fit(v: Value, kind: &FieldKind) -> Result<Value, String> {
    let bad = |v: &Value| format!("`{v}` is not a valid {}", super::parse::kind_name(kind));
    match kind {
        FieldKind::Int => match &v {
            Value::Number(n) if n.is_i64() => Ok(v),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Value::from(f as i64)),
                _ => Err(bad(&v)),
            },
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| bad(&v)),
            _ => Err(bad(&v)),
        },
        FieldKind::Float => match &v {
            Value::Number(n) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad(&v)),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad(&v)),
            _ => Err(bad(&v)),
        },
        FieldKind::Bool => match &v {
            Value::Bool(_) => Ok(v),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(bad(&v)),
        },
        FieldKind::String => match &v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            _ => Err(bad(&v)),
        },
        FieldKind::Date => match &v {
            Value::String(s) if s.len() == 10 && parse_day(s).is_some() => Ok(v),
            _ => Err(bad(&v)),
        },
        FieldKind::Timestamp => match &v {
            Value::String(_) => Ok(v),
            _ => Err(bad(&v)),
        },
        FieldKind::Enum(values) => match &v {
            Value::String(s) if values.iter().any(|x| x == s) => Ok(v),
            _ => Err(format!(
                "`{}` is not one of the enum values ({})",
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
                values.join(", ")
            )),
        },
        FieldKind::List(item) => match v {
            Value::Array(items) => items
                .into_iter()
                .map(|x| fit(x, item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Err(bad(&other)),
        },
        FieldKind::Object(_) => match &v {
            Value::Object(_) => Ok(v),
            _ => Err(bad(&v)),
        },
    }
}

/// Random draws over fixed-width integers (platform independent).
pub(crate) struct R(pub(crate) ChaCha8Rng);

impl R {
    fn p(&mut self, prob: f64) -> bool {
        self.0.gen::<f64>() < prob
    }

    /// Uniform integer in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.wrapping_add(self.0.gen_range(0..span) as i64)
    }

    /// An index by weight (the weights have a positive sum).
    fn weighted(&mut self, weights: impl Iterator<Item = f64> + Clone) -> usize {
        let total: f64 = weights.clone().sum();
        let mut x = self.0.gen::<f64>() * total;
        let mut last = 0;
        for (i, w) in weights.enumerate() {
            if w > 0.0 {
                if x < w {
                    return i;
                }
                x -= w;
                last = i;
            }
        }
        last
    }

    fn band(&mut self, bands: &[Band]) -> i64 {
        let b = bands[self.weighted(bands.iter().map(|b| b.weight))];
        self.int(b.lo, b.hi)
    }
}

/// The members of one block: offset in the block → membership.
#[derive(Debug, Default)]
pub(crate) struct Block {
    members: HashMap<u32, Member>,
}

/// A record's membership in a network cluster.
#[derive(Debug, Clone)]
struct Member {
    network: usize,
    /// `NETWORK-BLOCK-CLUSTER`, written to the record's `synth.network`.
    cluster: String,
    keys: Vec<(String, Value)>,
    start: i64,
}

/// Draws records of one model and variant.
pub(crate) struct Generator<'m> {
    model: &'m Model,
    schema: &'m Schema,
    variant: Option<&'m Variant>,
    seed: u64,
    /// Probability that a record loses one required field (the model's, unless overridden).
    pub(crate) drop_required: f64,
    defaults: HashMap<String, Spec>,
    /// Schema fields by dotted path (outside lists).
    fields: HashMap<String, &'m saring::schema::Field>,
    networks: Vec<usize>,
}

impl<'m> Generator<'m> {
    /// A generator of `variant` (an index into the model's variants).
    pub(crate) fn new(
        model: &'m Model,
        schema: &'m Schema,
        variant: Option<usize>,
        seed: u64,
    ) -> Generator<'m> {
        let variant = variant.and_then(|i| model.variants.get(i));
        let mut defaults = HashMap::new();
        let mut fields = HashMap::new();
        fn walk<'s>(
            obj: &'s ObjectType,
            absent: f64,
            out: &mut HashMap<String, Spec>,
            fields: &mut HashMap<String, &'s saring::schema::Field>,
        ) {
            for f in &obj.fields {
                out.insert(
                    f.path.clone(),
                    default_spec(&f.name, &f.kind, f.required, absent),
                );
                fields.insert(f.path.clone(), f);
                if let FieldKind::Object(child) = &f.kind {
                    walk(child, absent, out, fields);
                }
            }
        }
        walk(
            &schema.root,
            model.optional_absent,
            &mut defaults,
            &mut fields,
        );
        let networks = model
            .networks
            .iter()
            .enumerate()
            .filter(|(_, n)| match (&n.variants, variant) {
                (Some(list), Some(v)) => list.contains(&v.name),
                _ => true,
            })
            .map(|(i, _)| i)
            .collect();
        Generator {
            model,
            schema,
            variant,
            seed,
            drop_required: model.drop_required,
            defaults,
            fields,
            networks,
        }
    }

    /// Records `0..n`, in order.
    pub(crate) fn records(&self, n: u64) -> Records<'_, 'm> {
        Records {
            g: self,
            next: 0,
            end: n,
            block: None,
        }
    }

    /// The network clusters of block `b`.
    pub(crate) fn block(&self, b: u64) -> Result<Block, GenError> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ NETWORK_SALT);
        rng.set_stream(b);
        let size = i64::from(self.model.block);
        let mut rec = Rec::new(self, R(rng), &self.model.scenarios[0], None);
        let mut block = Block::default();
        let mut taken: HashSet<u32> = HashSet::new();
        for &ni in &self.networks {
            let net = &self.model.networks[ni];
            let whole = net.clusters.floor();
            let count = whole as i64 + i64::from(rec.rng.p(net.clusters - whole));
            for c in 0..count {
                let members = rec.rng.int(net.size.0, net.size.1);
                let start = rec.rng.int(net.start.0, net.start.1);
                let mut keys = Vec::new();
                for (path, spec) in &net.keys {
                    let kind = self.fields.get(path.as_str()).map(|f| &f.kind);
                    let out = rec.eval(spec, kind, None).map_err(|e| GenError {
                        record: b * size as u64,
                        message: format!("network `{}` key `{path}`: {e}", net.name),
                    })?;
                    if let Out::Value(v) = out {
                        let v = match kind {
                            Some(k) => fit(v, k).map_err(|e| GenError {
                                record: b * size as u64,
                                message: format!("network `{}` key `{path}`: {e}", net.name),
                            })?,
                            None => v,
                        };
                        keys.push((path.clone(), v));
                    }
                }
                let member = Member {
                    network: ni,
                    cluster: format!("{}-{b}-{c}", net.name),
                    keys,
                    start,
                };
                let mut placed = 0;
                let mut attempts = 0;
                while placed < members && attempts < 100 * members {
                    attempts += 1;
                    let offset = rec.rng.int(0, size - 1) as u32;
                    if taken.insert(offset) {
                        block.members.insert(offset, member.clone());
                        placed += 1;
                    }
                }
            }
        }
        Ok(block)
    }

    /// Record `index` (its block's clusters given).
    pub(crate) fn record(&self, index: u64, block: &Block) -> Result<Value, GenError> {
        let err = |message: String| GenError {
            record: index,
            message,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(index);
        let mut rng = R(rng);
        let offset = (index % u64::from(self.model.block)) as u32;
        let member = block.members.get(&offset);
        let scenario = match member {
            Some(m) => {
                let net = &self.model.networks[m.network];
                let i = rng.weighted(net.scenarios.iter().map(|(_, w)| *w));
                &self.model.scenarios[net.scenarios[i].0]
            }
            None => {
                let i = rng.weighted(self.model.scenarios.iter().map(|s| s.weight));
                &self.model.scenarios[i]
            }
        };
        let mut rec = Rec::new(self, rng, scenario, member);
        let record_id = format!("SYN-{:06}", index + 1);
        rec.preset(&self.model.record_id, Value::String(record_id.clone()));
        if let Some(v) = self.variant {
            for (path, value) in &v.set {
                rec.preset(path, value.clone());
            }
        }
        if let Some(m) = member {
            let net = &self.model.networks[m.network];
            for (path, value) in &m.keys {
                rec.preset(path, value.clone());
            }
            let day = m.start + rec.rng.int(0, net.window_days - 1);
            rec.preset(&net.time, Value::String(day_string(day)));
        }
        let mut root = rec.compose(&self.schema.root).map_err(err)?;
        if rec.rng.p(self.drop_required) {
            let mut candidates = Vec::new();
            required_leaves(&self.schema.root, &root, &rec.preset, &mut candidates);
            if !candidates.is_empty() {
                let i = rec.rng.int(0, candidates.len() as i64 - 1) as usize;
                remove_path(&mut root, &candidates[i]);
            }
        }
        insert_path(&mut root, &self.model.record_id, Value::String(record_id));
        root.insert("label".into(), Value::Bool(scenario.label));
        let mut meta = Map::new();
        meta.insert("scenario".into(), Value::String(scenario.name.clone()));
        if let Some(m) = member {
            meta.insert("network".into(), Value::String(m.cluster.clone()));
        }
        root.insert("synth".into(), Value::Object(meta));
        Ok(Value::Object(root))
    }
}

/// Records in index order; each block's clusters are computed once.
pub(crate) struct Records<'g, 'm> {
    g: &'g Generator<'m>,
    next: u64,
    end: u64,
    block: Option<(u64, Block)>,
}

impl Iterator for Records<'_, '_> {
    type Item = Result<Value, GenError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let b = index / u64::from(self.g.model.block);
        if self.block.as_ref().is_none_or(|(have, _)| *have != b) {
            match self.g.block(b) {
                Ok(block) => self.block = Some((b, block)),
                Err(e) => return Some(Err(e)),
            }
        }
        let block = self.block.as_ref().map(|(_, blk)| blk)?;
        Some(self.g.record(index, block))
    }
}

fn required_leaves(
    obj: &ObjectType,
    record: &Map<String, Value>,
    preset: &HashMap<String, Value>,
    out: &mut Vec<String>,
) {
    for f in &obj.fields {
        if f.protected {
            continue;
        }
        let Some(value) = record.get(&f.name) else {
            continue;
        };
        match (&f.kind, value) {
            (FieldKind::Object(child), Value::Object(map)) => {
                required_leaves(child, map, preset, out)
            }
            _ if f.required && !preset.contains_key(&f.path) => out.push(f.path.clone()),
            _ => {}
        }
    }
}

fn remove_path(root: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            root.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(child)) = root.get_mut(head) {
                remove_path(child, rest);
            }
        }
    }
}

fn insert_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            root.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let child = root
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = child {
                insert_path(map, rest, value);
            }
        }
    }
}

/// The result of a generator.
enum Out {
    Absent,
    Value(Value),
    /// An object to build from its fields' generators.
    Compose,
}

/// How an object field is drawn.
#[derive(Clone)]
enum ObjState {
    Absent,
    Compose,
    Whole(Value),
}

/// The state of one record being drawn.
struct Rec<'g, 'm> {
    g: &'g Generator<'m>,
    rng: R,
    scenario: &'m Scenario,
    member: Option<&'g Member>,
    values: HashMap<String, Option<Value>>,
    objects: HashMap<String, ObjState>,
    preset: HashMap<String, Value>,
    /// Objects with a preset field below them (they are present whatever their generator).
    forced: HashSet<String>,
    /// Nesting of on-demand draws (a guard; cycles are refused when the model loads).
    depth: u32,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn index<'v>(mut v: &'v Value, path: &str) -> Option<&'v Value> {
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        v = v.get(seg)?;
    }
    Some(v)
}

impl<'g, 'm> Rec<'g, 'm> {
    fn new(
        g: &'g Generator<'m>,
        rng: R,
        scenario: &'m Scenario,
        member: Option<&'g Member>,
    ) -> Rec<'g, 'm> {
        Rec {
            g,
            rng,
            scenario,
            member,
            values: HashMap::new(),
            objects: HashMap::new(),
            preset: HashMap::new(),
            forced: HashSet::new(),
            depth: 0,
        }
    }

    /// The generator of a path: the member's network, the scenario, the shared model, or
    /// the schema type.
    fn spec_for(&self, path: &str) -> Option<&'g Spec> {
        let model = self.g.model;
        self.member
            .and_then(|m| model.networks[m.network].fields.get(path))
            .or_else(|| self.scenario.fields.get(path))
            .or_else(|| model.fields.get(path))
            .or_else(|| self.g.defaults.get(path))
    }

    fn enter(&mut self, path: &str) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(format!("`{path}`: generators read each other too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Sets a field's value before drawing (variant, record id, network keys and time).
    fn preset(&mut self, path: &str, value: Value) {
        let mut p = path;
        while let Some((parent, _)) = p.rsplit_once('.') {
            self.forced.insert(parent.to_string());
            p = parent;
        }
        self.preset.insert(path.to_string(), value);
    }

    /// How the object at `path` is drawn (its parents first).
    fn object(&mut self, path: &str) -> Result<ObjState, String> {
        if let Some(s) = self.objects.get(path) {
            return Ok(s.clone());
        }
        if let Some((parent, name)) = path.rsplit_once('.') {
            match self.object(parent)? {
                ObjState::Absent => return Ok(self.remember_object(path, ObjState::Absent)),
                ObjState::Whole(v) => {
                    let s = v
                        .get(name)
                        .cloned()
                        .map_or(ObjState::Absent, ObjState::Whole);
                    return Ok(self.remember_object(path, s));
                }
                ObjState::Compose => {}
            }
        }
        let kind = self.g.fields.get(path).map(|f| &f.kind);
        let Some(spec) = self.spec_for(path) else {
            return Ok(self.remember_object(path, ObjState::Absent));
        };
        self.enter(path)?;
        let out = self.eval(spec, kind, None).map_err(|e| at(path, e))?;
        self.leave();
        let state = match out {
            Out::Absent if self.forced.contains(path) => ObjState::Compose,
            Out::Absent => ObjState::Absent,
            Out::Compose => ObjState::Compose,
            Out::Value(v) => match kind {
                Some(k) => ObjState::Whole(fit(v, k).map_err(|e| at(path, e))?),
                None => ObjState::Whole(v),
            },
        };
        Ok(self.remember_object(path, state))
    }

    fn remember_object(&mut self, path: &str, state: ObjState) -> ObjState {
        self.objects.insert(path.to_string(), state.clone());
        state
    }

    /// The value at a schema path or helper path (drawn on first use).
    fn value_of(&mut self, path: &str) -> Result<Option<Value>, String> {
        if let Some(v) = self.values.get(path) {
            return Ok(v.clone());
        }
        if let Some(v) = self.preset.get(path) {
            return Ok(Some(v.clone()));
        }
        if path.starts_with('_') {
            let (head, rest) = path.split_once('.').unwrap_or((path, ""));
            let whole = self.helper(head)?;
            return Ok(whole.as_ref().and_then(|v| index(v, rest)).cloned());
        }
        let Some(&field) = self.g.fields.get(path) else {
            return Err(format!("`{path}` is not a field of the schema"));
        };
        if let Some((parent, name)) = path.rsplit_once('.') {
            match self.object(parent)? {
                ObjState::Absent => return Ok(self.remember(path, None)),
                ObjState::Whole(v) => {
                    let child = v.get(name).cloned();
                    return Ok(self.remember(path, child));
                }
                ObjState::Compose => {}
            }
        }
        if let FieldKind::Object(obj) = &field.kind {
            let v = match self.object(path)? {
                ObjState::Absent => None,
                ObjState::Whole(v) => Some(v),
                ObjState::Compose => Some(Value::Object(self.compose(obj)?)),
            };
            return Ok(self.remember(path, v));
        }
        let Some(spec) = self.spec_for(path) else {
            return Ok(self.remember(path, None));
        };
        self.enter(path)?;
        let out = self
            .eval(spec, Some(&field.kind), None)
            .map_err(|e| at(path, e))?;
        self.leave();
        let v = match out {
            Out::Value(v) => Some(fit(v, &field.kind).map_err(|e| at(path, e))?),
            Out::Absent => None,
            Out::Compose => return Err(at(path, "only an object can be built from fields".into())),
        };
        Ok(self.remember(path, v))
    }

    fn remember(&mut self, path: &str, v: Option<Value>) -> Option<Value> {
        self.values.insert(path.to_string(), v.clone());
        v
    }

    /// A helper's value (drawn on first use).
    fn helper(&mut self, name: &str) -> Result<Option<Value>, String> {
        if let Some(v) = self.values.get(name) {
            return Ok(v.clone());
        }
        let Some(spec) = self.spec_for(name) else {
            return Ok(self.remember(name, None));
        };
        self.enter(name)?;
        let out = self.eval(spec, None, None).map_err(|e| at(name, e))?;
        self.leave();
        let v = match out {
            Out::Value(v) => Some(v),
            _ => None,
        };
        Ok(self.remember(name, v))
    }

    /// Builds an object from its fields' generators, in schema order.
    fn compose(&mut self, obj: &ObjectType) -> Result<Map<String, Value>, String> {
        let mut out = Map::new();
        for f in &obj.fields {
            if f.protected {
                continue;
            }
            let v = match &f.kind {
                FieldKind::Object(child) => match self.object(&f.path)? {
                    ObjState::Absent => None,
                    ObjState::Whole(v) => Some(v),
                    ObjState::Compose => Some(Value::Object(self.compose(child)?)),
                },
                _ => self.value_of(&f.path)?,
            };
            if let Some(v) = v {
                out.insert(f.name.clone(), v);
            }
        }
        Ok(out)
    }

    fn get(
        &mut self,
        r: &Ref,
        siblings: Option<&Map<String, Value>>,
    ) -> Result<Option<Value>, String> {
        Ok(match r {
            Ref::Label => Some(Value::Bool(self.scenario.label)),
            Ref::Scenario => Some(Value::String(self.scenario.name.clone())),
            Ref::Variant => self.g.variant.map(|v| Value::String(v.name.clone())),
            Ref::Network => self
                .member
                .map(|m| Value::String(self.g.model.networks[m.network].name.clone())),
            Ref::Path(p) => self.value_of(p)?,
            Ref::Sibling(name) => siblings.and_then(|s| s.get(name)).cloned(),
        })
    }

    fn day_of(
        &mut self,
        r: &Ref,
        siblings: Option<&Map<String, Value>>,
    ) -> Result<Option<i64>, String> {
        match self.get(r, siblings)? {
            None => Ok(None),
            Some(v) => match v.as_str().and_then(parse_day) {
                Some(d) => Ok(Some(d)),
                None => Err(format!("`{v}` is not a date")),
            },
        }
    }

    fn holds(
        &mut self,
        case: &Case,
        siblings: Option<&Map<String, Value>>,
    ) -> Result<bool, String> {
        for cond in &case.when {
            let v = self.get(&cond.of, siblings)?;
            let ok = match &cond.test {
                Test::AnyOf(values) => v
                    .as_ref()
                    .is_some_and(|v| values.iter().any(|x| same(x, v))),
                Test::NoneOf(values) => !v
                    .as_ref()
                    .is_some_and(|v| values.iter().any(|x| same(x, v))),
                Test::Present(want) => v.is_some() == *want,
                Test::Contains(x) => v
                    .as_ref()
                    .and_then(Value::as_array)
                    .is_some_and(|items| items.iter().any(|i| same(i, x))),
                Test::Range(lo, hi) => v
                    .as_ref()
                    .and_then(Value::as_f64)
                    .is_some_and(|n| lo.is_none_or(|lo| n >= lo) && hi.is_none_or(|hi| n <= hi)),
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Draws one generator; `kind` is the schema type it must produce, if known.
    fn eval(
        &mut self,
        spec: &Spec,
        kind: Option<&FieldKind>,
        siblings: Option<&Map<String, Value>>,
    ) -> Result<Out, String> {
        if spec.absent > 0.0 && self.rng.p(spec.absent) {
            return Ok(Out::Absent);
        }
        let value = match &spec.kind {
            Kind::Const(v) => v.clone(),
            Kind::Weights(items) => {
                let i = self.rng.weighted(items.iter().map(|(_, w)| *w));
                items[i].0.clone()
            }
            Kind::Pick(items) => items[self.rng.int(0, items.len() as i64 - 1) as usize].clone(),
            Kind::Bool(p) => Value::Bool(self.rng.p(*p)),
            Kind::Int { lo, hi, step } => {
                let steps = (hi - lo) / step;
                Value::from(lo + step * self.rng.int(0, steps))
            }
            Kind::Float { lo, hi } => {
                let x = lo + self.rng.0.gen::<f64>() * (hi - lo);
                let x = (x * 100.0).round() / 100.0;
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            }
            Kind::Bands(bands) => Value::from(self.rng.band(bands)),
            Kind::Date { lo, hi } => Value::String(day_string(self.rng.int(*lo, *hi))),
            Kind::Days {
                from,
                lo,
                hi,
                after,
            } => {
                let Some(base) = self.day_of(from, siblings)? else {
                    return Ok(Out::Absent);
                };
                let d = self.rng.int(*lo, *hi);
                Value::String(day_string(if *after { base + d } else { base - d }))
            }
            Kind::YearsBefore { from, bands } => {
                let Some(base) = self.day_of(from, siblings)? else {
                    return Ok(Out::Absent);
                };
                let years = self.rng.band(bands);
                let (Some(latest), Some(before)) =
                    (years_before(base, years), years_before(base, years + 1))
                else {
                    return Err(format!(
                        "{years} years before `{}` is out of range",
                        day_string(base)
                    ));
                };
                Value::String(day_string(self.rng.int(before + 1, latest)))
            }
            Kind::DatePart { of, part, add } => {
                let Some(day) = self.day_of(of, siblings)? else {
                    return Ok(Out::Absent);
                };
                let (y, m, d) = parts(day);
                let n = match part {
                    DatePart::Day => d,
                    DatePart::Month => m,
                    DatePart::Year => y,
                    DatePart::Yy => y.rem_euclid(100),
                };
                Value::from(n + add)
            }
            Kind::Template(pieces) => {
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Int { lo, hi, width } => {
                            let n = self.rng.int(*lo, *hi);
                            out.push_str(&format!("{n:0width$}", width = *width));
                        }
                        Piece::Pick(choices) => {
                            let i = self.rng.int(0, choices.len() as i64 - 1) as usize;
                            out.push_str(&choices[i]);
                        }
                        Piece::Ref { of, width } => {
                            let Some(v) = self.get(of, siblings)? else {
                                return Ok(Out::Absent);
                            };
                            out.push_str(&format!("{:0>width$}", text(&v), width = *width));
                        }
                    }
                }
                Value::String(out)
            }
            Kind::Copy(of) => match self.get(of, siblings)? {
                Some(v) => v,
                None => return Ok(Out::Absent),
            },
            Kind::Lookup { of, map, default } => {
                let found = self
                    .get(of, siblings)?
                    .and_then(|v| map.get(&text(&v)).cloned());
                match (found, default) {
                    (Some(v), _) => v,
                    (None, Some(d)) => return self.eval(d, kind, siblings),
                    (None, None) => return Ok(Out::Absent),
                }
            }
            Kind::OneOf(items) => {
                let i = self.rng.weighted(items.iter().map(|(w, _)| *w));
                return self.eval(&items[i].1, kind, siblings);
            }
            Kind::Cases(cases) => {
                for case in cases {
                    if self.holds(case, siblings)? {
                        return self.eval(&case.spec, kind, siblings);
                    }
                }
                return Ok(Out::Absent);
            }
            Kind::Subset(items) => {
                let mut out = Vec::new();
                for (v, p) in items {
                    if self.rng.p(*p) {
                        out.push(v.clone());
                    }
                }
                Value::Array(out)
            }
            Kind::Sequence(items) => {
                let item_kind = match kind {
                    Some(FieldKind::List(item)) => Some(item.as_ref()),
                    _ => None,
                };
                let mut out = Vec::new();
                for item in items {
                    if let Out::Value(v) = self.eval(item, item_kind, siblings)? {
                        out.push(v);
                    }
                }
                Value::Array(out)
            }
            Kind::Object(fields) => {
                let obj = match kind {
                    Some(FieldKind::Object(o)) => Some(o.as_ref()),
                    _ => None,
                };
                let mut map = Map::new();
                for (name, sub) in fields {
                    let sub_kind = obj.and_then(|o| o.field(name)).map(|f| &f.kind);
                    if let Out::Value(v) = self.eval(sub, sub_kind, Some(&map))? {
                        let v = match sub_kind {
                            Some(k) => fit(v, k).map_err(|e| at(name, e))?,
                            None => v,
                        };
                        map.insert(name.clone(), v);
                    }
                }
                Value::Object(map)
            }
            Kind::Compose => return Ok(Out::Compose),
            Kind::Absent => return Ok(Out::Absent),
            Kind::Default(d) => self.default_value(&d.name, &d.kind)?,
        };
        Ok(Out::Value(value))
    }

    /// A value drawn from a schema type alone.
    fn default_value(&mut self, name: &str, kind: &FieldKind) -> Result<Value, String> {
        let (lo, hi) = self.g.model.dates;
        Ok(match kind {
            FieldKind::String => Value::String(format!("syn-{name}-{:04}", self.rng.int(0, 9999))),
            FieldKind::Int => Value::from(self.rng.int(0, 100)),
            FieldKind::Float => {
                let x = (self.rng.0.gen::<f64>() * 100_000.0).round() / 100.0;
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            }
            FieldKind::Bool => Value::Bool(self.rng.p(0.5)),
            FieldKind::Date => Value::String(day_string(self.rng.int(lo, hi))),
            FieldKind::Timestamp => {
                let day = day_string(self.rng.int(lo, hi));
                let secs = self.rng.int(0, 86_399);
                Value::String(format!(
                    "{day}T{:02}:{:02}:{:02}Z",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                ))
            }
            FieldKind::Enum(values) => {
                Value::String(values[self.rng.int(0, values.len() as i64 - 1) as usize].clone())
            }
            FieldKind::List(item) => {
                let n = self.rng.int(0, 3);
                let mut out: Vec<Value> = Vec::new();
                for _ in 0..n {
                    let v = match item.as_ref() {
                        FieldKind::Object(obj) => {
                            let spec = Spec::new(Kind::Object(default_fields(
                                obj,
                                &[],
                                self.g.model.optional_absent,
                            )));
                            match self.eval(&spec, Some(item), None)? {
                                Out::Value(v) => v,
                                _ => continue,
                            }
                        }
                        other => self.default_value(name, other)?,
                    };
                    // Enum and bool items are drawn without repeats.
                    let distinct = matches!(item.as_ref(), FieldKind::Enum(_) | FieldKind::Bool);
                    if !(distinct && out.contains(&v)) {
                        out.push(v);
                    }
                }
                Value::Array(out)
            }
            FieldKind::Object(obj) => {
                let spec = Spec::new(Kind::Object(default_fields(
                    obj,
                    &[],
                    self.g.model.optional_absent,
                )));
                match self.eval(&spec, Some(kind), None)? {
                    Out::Value(v) => v,
                    _ => Value::Object(Map::new()),
                }
            }
        })
    }
}

/// Prefixes an error with the field it happened in (once).
fn at(path: &str, e: String) -> String {
    if e.starts_with("field `") {
        e
    } else {
        format!("field `{path}`: {e}")
    }
}

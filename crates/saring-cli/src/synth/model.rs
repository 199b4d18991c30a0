//! A generator model: what `synth.toml` says, resolved against the pack schema.
//!
//! [`crate::synth::parse`] builds it (checking every path, value and reference);
//! [`crate::synth::eval`] draws records from it.

use std::collections::HashMap;
use std::sync::Arc;

use saring::schema::{FieldKind, ObjectType};
use serde_json::{Map, Value};

/// A whole model.
#[derive(Debug)]
pub(crate) struct Model {
    /// `[model] version`.
    pub(crate) version: i64,
    /// `[model] doc`: prose printed by `--describe`.
    pub(crate) doc: Option<String>,
    /// The field that carries the record id (`SYN-000001`).
    pub(crate) record_id: String,
    /// Window for dates the model does not describe, in days since 1970-01-01.
    pub(crate) dates: (i64, i64),
    /// Probability that a record loses one required field.
    pub(crate) drop_required: f64,
    /// Absence rate of optional fields the model does not describe.
    pub(crate) optional_absent: f64,
    /// Records per network block.
    pub(crate) block: u32,
    /// `[variant.*]`, in file order.
    pub(crate) variants: Vec<Variant>,
    /// `[scenario.*]`, in file order (at least one).
    pub(crate) scenarios: Vec<Scenario>,
    /// `[field.*]`: shared generators by path.
    pub(crate) fields: HashMap<String, Spec>,
    /// `[network.*]`, in file order.
    pub(crate) networks: Vec<Network>,
    /// True when there is no `synth.toml` (schema types alone, random labels).
    pub(crate) schema_only: bool,
}

/// `[variant.NAME]`: which pack the records are for, and the field values that says.
#[derive(Debug)]
pub(crate) struct Variant {
    pub(crate) name: String,
    /// Pack file, relative to the model's directory.
    pub(crate) pack: Option<String>,
    /// Fixed field values.
    pub(crate) set: Vec<(String, Value)>,
    pub(crate) default: bool,
}

/// `[scenario.NAME]`.
#[derive(Debug)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    pub(crate) label: bool,
    pub(crate) weight: f64,
    pub(crate) description: Option<String>,
    /// Generators that replace the shared ones in this scenario.
    pub(crate) fields: HashMap<String, Spec>,
}

/// `[network.NAME]`: clusters of records sharing key values within a time window.
#[derive(Debug)]
pub(crate) struct Network {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// Variants the network is active in (`None`: all).
    pub(crate) variants: Option<Vec<String>>,
    /// Expected clusters per block.
    pub(crate) clusters: f64,
    /// Members per cluster, inclusive.
    pub(crate) size: (i64, i64),
    /// Members' time values fall within this many days from the cluster's start.
    pub(crate) window_days: i64,
    /// The date field the window applies to.
    pub(crate) time: String,
    /// Window for cluster start days (days since 1970-01-01).
    pub(crate) start: (i64, i64),
    /// Members' scenarios: index into [`Model::scenarios`] and weight.
    pub(crate) scenarios: Vec<(usize, f64)>,
    /// Values shared by all members of a cluster (drawn once per cluster).
    pub(crate) keys: Vec<(String, Spec)>,
    /// Generators that replace the scenario's and shared ones for members.
    pub(crate) fields: HashMap<String, Spec>,
}

/// A generator with its absence rate.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// Probability that the value is absent (drawn before the value).
    pub(crate) absent: f64,
    pub(crate) kind: Kind,
}

/// What a generator draws (see `FORMAT_DOC`).
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Const(Value),
    Weights(Vec<(Value, f64)>),
    Pick(Vec<Value>),
    Bool(f64),
    Int {
        lo: i64,
        hi: i64,
        step: i64,
    },
    Float {
        lo: f64,
        hi: f64,
    },
    Bands(Vec<Band>),
    /// A date between two days (inclusive).
    Date {
        lo: i64,
        hi: i64,
    },
    /// A date `lo..=hi` days before (or after) another date.
    Days {
        from: Ref,
        lo: i64,
        hi: i64,
        after: bool,
    },
    /// A date whose whole years before `from` fall in a band.
    YearsBefore {
        from: Ref,
        bands: Vec<Band>,
    },
    DatePart {
        of: Ref,
        part: DatePart,
        add: i64,
    },
    Template(Vec<Piece>),
    Copy(Ref),
    Lookup {
        of: Ref,
        map: Arc<Map<String, Value>>,
        default: Option<Box<Spec>>,
    },
    OneOf(Vec<(f64, Spec)>),
    Cases(Vec<Case>),
    Subset(Vec<(Value, f64)>),
    Sequence(Vec<Spec>),
    /// An object drawn field by field: the listed generators in order, then schema defaults
    /// for the fields not listed.
    Object(Vec<(String, Spec)>),
    /// An object field built from its own fields' generators.
    Compose,
    /// Always absent.
    Absent,
    /// Drawn from the schema type alone.
    Default(DefaultKind),
}

/// A weighted integer band.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Band {
    pub(crate) lo: i64,
    pub(crate) hi: i64,
    pub(crate) weight: f64,
}

/// A part of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatePart {
    Day,
    Month,
    Year,
    /// The year modulo 100.
    Yy,
}

/// A piece of a template.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Text(String),
    Int { lo: i64, hi: i64, width: usize },
    Pick(Vec<String>),
    Ref { of: Ref, width: usize },
}

/// One `cases` entry.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) when: Vec<Cond>,
    pub(crate) spec: Spec,
}

/// One condition of `when`.
#[derive(Debug, Clone)]
pub(crate) struct Cond {
    pub(crate) of: Ref,
    pub(crate) test: Test,
}

/// How a condition tests a value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// Equal to one of these.
    AnyOf(Vec<Value>),
    /// Equal to none of these (an absent value passes).
    NoneOf(Vec<Value>),
    /// Present (or, with `false`, absent).
    Present(bool),
    /// A list holding this item.
    Contains(Value),
    /// A number within the bounds (inclusive).
    Range(Option<f64>, Option<f64>),
}

/// What a generator reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Ref {
    Label,
    Scenario,
    Variant,
    Network,
    /// A schema path or a helper `_name` (with an optional `.sub` path into its value).
    Path(String),
    /// A field of the object being drawn (`.country`).
    Sibling(String),
}

/// A schema type and the field name, for fields the model does not describe.
#[derive(Debug, Clone)]
pub(crate) struct DefaultKind {
    pub(crate) name: String,
    pub(crate) kind: FieldKind,
}

impl Spec {
    pub(crate) fn new(kind: Kind) -> Spec {
        Spec { absent: 0.0, kind }
    }

    /// Every reference the generator (and its parts) reads.
    pub(crate) fn refs(&self, out: &mut Vec<Ref>) {
        match &self.kind {
            Kind::Days { from, .. } | Kind::YearsBefore { from, .. } => out.push(from.clone()),
            Kind::DatePart { of, .. } | Kind::Copy(of) => out.push(of.clone()),
            Kind::Lookup { of, default, .. } => {
                out.push(of.clone());
                if let Some(d) = default {
                    d.refs(out);
                }
            }
            Kind::Template(pieces) => {
                for p in pieces {
                    if let Piece::Ref { of, .. } = p {
                        out.push(of.clone());
                    }
                }
            }
            Kind::OneOf(items) => items.iter().for_each(|(_, s)| s.refs(out)),
            Kind::Cases(cases) => {
                for c in cases {
                    out.extend(c.when.iter().map(|w| w.of.clone()));
                    c.spec.refs(out);
                }
            }
            Kind::Sequence(items) => items.iter().for_each(|s| s.refs(out)),
            Kind::Object(fields) => fields.iter().for_each(|(_, s)| s.refs(out)),
            _ => {}
        }
    }
}

/// The schema-derived generator of a field the model does not describe.
pub(crate) fn default_spec(name: &str, kind: &FieldKind, required: bool, absent: f64) -> Spec {
    let kind_ = match kind {
        FieldKind::Object(_) => Kind::Compose,
        other => Kind::Default(DefaultKind {
            name: name.to_string(),
            kind: other.clone(),
        }),
    };
    Spec {
        absent: if required { 0.0 } else { absent },
        kind: kind_,
    }
}

/// Schema-derived generators of the fields of an object that an `object` generator does not
/// list, in schema order.
pub(crate) fn default_fields(
    obj: &ObjectType,
    listed: &[(String, Spec)],
    absent: f64,
) -> Vec<(String, Spec)> {
    obj.fields
        .iter()
        .filter(|f| !f.protected && !listed.iter().any(|(n, _)| *n == f.name))
        .map(|f| {
            let spec = match &f.kind {
                FieldKind::Object(child) => Spec {
                    absent: if f.required { 0.0 } else { absent },
                    kind: Kind::Object(default_fields(child, &[], absent)),
                },
                kind => default_spec(&f.name, kind, f.required, absent),
            };
            (f.name.clone(), spec)
        })
        .collect()
}

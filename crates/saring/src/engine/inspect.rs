//! Read-only views of a compiled pack for audits: the derived values of one record (fairness
//! reports group by them) and the fields each rule reads (the DPIA annex lists them).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::cel::eval::{eval, Activation, Computed, Frame};
use crate::engine::Engine;
use crate::record::{cel_to_json, Record};

/// What one rule reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleReads {
    /// Rule id.
    pub rule: String,
    /// Dotted schema paths the condition reads, directly or through derived values.
    pub fields: Vec<String>,
    /// Derived values the condition reads.
    pub derived: Vec<String>,
}

impl Engine {
    /// The pack's derived values computed for one record, in declaration order, as JSON
    /// (`null` where a value could not be computed, e.g. for missing data).
    pub fn derived_values(&self, record: &Record) -> Vec<(&str, serde_json::Value)> {
        let c = &self.inner;
        let mut computed: Vec<Computed> = vec![Computed::Pending; c.derived.len()];
        let mut frame = Frame::default();
        for i in 0..c.derived.len() {
            frame.reset();
            let act = Activation {
                record: Some(record),
                vars: &[],
                derived: &computed,
                rules: &[],
                failures: &[],
            };
            computed[i] = match eval(&c.derived[i].node, &act, &mut frame) {
                Ok(v) => Computed::Ok(v),
                Err(e) => Computed::Failed(e, Vec::new()),
            };
        }
        c.derived
            .iter()
            .zip(&computed)
            .map(|(d, v)| {
                let json = match v {
                    Computed::Ok(v) => cel_to_json(v),
                    _ => serde_json::Value::Null,
                };
                (d.name.as_str(), json)
            })
            .collect()
    }

    /// The names of the pack's derived values, in declaration order.
    pub fn derived_names(&self) -> Vec<&str> {
        self.inner.derived.iter().map(|d| d.name.as_str()).collect()
    }

    /// The fields and derived values every rule reads, in pack order.
    pub fn rule_reads(&self) -> Vec<RuleReads> {
        let c = &self.inner;
        c.rules
            .iter()
            .map(|rule| {
                let mut fields: BTreeSet<String> = rule
                    .evidence
                    .iter()
                    .map(|(_, p, _)| p.to_string())
                    .collect();
                let mut derived = Vec::new();
                for &i in &rule.evidence_derived {
                    if let Some(d) = c.derived.get(i as usize) {
                        derived.push(d.name.clone());
                        fields.extend(d.slots.iter().map(|(_, p)| p.to_string()));
                    }
                }
                RuleReads {
                    rule: rule.id.to_string(),
                    fields: fields.into_iter().collect(),
                    derived,
                }
            })
            .collect()
    }
}

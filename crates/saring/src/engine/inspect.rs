//! Read-only views of a compiled pack for audits: the derived values of one record (fairness
//! reports group by them) and the fields each rule reads (the DPIA annex lists them).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::engine::template::TemplateRead;
use crate::engine::Engine;

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
    /// The names of the pack's derived values, in declaration order.
    pub fn derived_names(&self) -> Vec<&str> {
        self.inner.derived.iter().map(|d| d.name.as_str()).collect()
    }

    /// Every schema field the pack reads, as sorted dotted paths: the fields of rule
    /// conditions and reason templates (directly or through derived values) and of every
    /// derived value. Front doors that map input columns to fields (frames) check that each
    /// has a column.
    pub fn fields_read(&self) -> Vec<String> {
        let c = &self.inner;
        let mut fields: BTreeSet<String> = BTreeSet::new();
        for rule in &c.rules {
            fields.extend(rule.evidence.iter().map(|(_, p, _)| p.to_string()));
            for lang in 0..c.languages.names().len().max(1) {
                for read in rule.reason.get(lang).reads() {
                    match read {
                        TemplateRead::Slot(slot) => {
                            if let Some(info) = c.pack.schema.slots.get(slot as usize) {
                                fields.insert(info.path.to_string());
                            }
                        }
                        // Derived values and aggregates are all listed below.
                        TemplateRead::Derived(_) | TemplateRead::Aggregate(_) => {}
                    }
                }
            }
        }
        for d in &c.derived {
            fields.extend(d.slots.iter().map(|(_, p)| p.to_string()));
        }
        for a in &c.aggregates {
            fields.extend(a.slots.iter().map(|(_, p)| p.to_string()));
        }
        fields.into_iter().collect()
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

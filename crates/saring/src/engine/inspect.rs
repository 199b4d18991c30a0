//! Read-only views of a compiled pack for audits: the derived values of one record (fairness
//! reports group by them) and the fields each rule reads (the DPIA annex lists them).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::cel::ir::Node;
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

/// Adds the record slots `node` reads (through derived values too, `has()` tests included) to
/// `out`: what the columnar evaluator gathers and the first pass of a batch decodes.
pub(crate) fn slots_read(
    engine: &Engine,
    node: &Node,
    out: &mut BTreeSet<u32>,
    derived: &mut BTreeSet<u32>,
) {
    let mut walk = |n: &Node| slots_read(engine, n, out, derived);
    match node {
        Node::Const(_)
        | Node::Unbound(_)
        | Node::Var(_)
        | Node::Local(_)
        | Node::RuleRef(_)
        | Node::Aggregate(_) => {}
        Node::Slot(s) | Node::OptSlot(s) => {
            out.insert(s.slot);
        }
        Node::Present(slot) => {
            out.insert(*slot);
        }
        Node::Derived(i) => {
            if derived.insert(*i) {
                if let Some(d) = engine.derived_plan(*i as usize) {
                    slots_read(engine, &d.node, out, derived);
                }
            }
        }
        Node::Neg(x, _)
        | Node::Not(x)
        | Node::StrMap(_, x)
        | Node::HasField(x, _)
        | Node::InSet(x, _)
        | Node::StrInSet(x, _)
        | Node::Matches(x, _)
        | Node::IntCmp { operand: x, .. }
        | Node::DoubleCmp { operand: x, .. }
        | Node::OptSelect(x, _) => walk(x),
        Node::Select { operand, .. } => walk(&operand.0),
        Node::Cond(xs) => xs.iter().for_each(walk),
        Node::Binary(_, xs, _)
        | Node::Index(xs, _)
        | Node::OptIndex(xs)
        | Node::OptOr { operands: xs, .. }
        | Node::StrCmp(_, xs)
        | Node::StrTest(_, xs) => xs.iter().for_each(walk),
        Node::MakeListOpt(items) => items.iter().for_each(|(n, _)| walk(n)),
        Node::MakeMapOpt(entries) => {
            for (k, v, _) in entries.iter() {
                walk(k);
                walk(v);
            }
        }
        Node::Call(_, xs, _) | Node::MakeList(xs) | Node::And(xs) | Node::Or(xs) => {
            xs.iter().for_each(walk)
        }
        Node::MakeMap(entries) => {
            for (k, v) in entries.iter() {
                walk(k);
                walk(v);
            }
        }
        Node::Comprehension(c) => {
            walk(&c.range);
            c.predicate.iter().for_each(&mut walk);
            c.transform.iter().for_each(&mut walk);
        }
        Node::AnyStrTest(t) => {
            walk(&t.subject);
            walk(&t.generic);
        }
    }
}

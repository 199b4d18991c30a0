//! Whole-model checks after parsing: references without cycles, and monitored fields that
//! do not depend on the label.
//!
//! A monitored attribute (sex, age, province, ...) exists to audit flag rates across groups;
//! if the generator drew it differently for positives, an audit would measure the data, not
//! the rules. So no monitored field may depend — directly or through other fields — on
//! `label`, `scenario`, `network`, a scenario's own generator or a network's.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use saring::schema::{FieldKind, ObjectType};
use saring::Schema;

use super::model::{Model, Ref, Spec};

/// A problem found by the checks.
pub(crate) struct Problem {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) span: Range<usize>,
    pub(crate) help: String,
}

/// What a field's value depends on.
enum Dep {
    /// Another field (a schema path or a helper name).
    Field(String),
    /// The label, through the named cause.
    Label(String),
}

fn node_of(path: &str) -> String {
    if path.starts_with('_') {
        path.split('.').next().unwrap_or(path).to_string()
    } else {
        path.to_string()
    }
}

fn add_spec(deps: &mut HashMap<String, Vec<Dep>>, path: &str, spec: &Spec) {
    let mut refs = Vec::new();
    spec.refs(&mut refs);
    let entry = deps.entry(node_of(path)).or_default();
    for r in refs {
        match r {
            Ref::Path(p) => entry.push(Dep::Field(node_of(&p))),
            Ref::Label => entry.push(Dep::Label("`label`".into())),
            Ref::Scenario => entry.push(Dep::Label("`scenario`".into())),
            Ref::Network => entry.push(Dep::Label("`network`".into())),
            Ref::Variant | Ref::Sibling(_) => {}
        }
    }
}

/// Runs the checks.
pub(crate) fn dependencies(
    model: &Model,
    schema: &Schema,
    spans: &HashMap<String, Range<usize>>,
) -> Vec<Problem> {
    let mut deps: HashMap<String, Vec<Dep>> = HashMap::new();
    for (path, spec) in &model.fields {
        add_spec(&mut deps, path, spec);
    }
    for s in &model.scenarios {
        for (path, spec) in &s.fields {
            add_spec(&mut deps, path, spec);
            if model.scenarios.len() > 1 {
                deps.entry(node_of(path))
                    .or_default()
                    .push(Dep::Label(format!("scenario `{}`", s.name)));
            }
        }
    }
    for n in &model.networks {
        for (path, spec) in n.fields.iter().chain(n.keys.iter().map(|(p, s)| (p, s))) {
            add_spec(&mut deps, path, spec);
            deps.entry(node_of(path))
                .or_default()
                .push(Dep::Label(format!("network `{}`", n.name)));
        }
    }
    // A field inside an object depends on the object being there.
    let nodes: Vec<String> = deps
        .iter()
        .flat_map(|(k, v)| {
            std::iter::once(k.clone()).chain(v.iter().filter_map(|d| match d {
                Dep::Field(f) => Some(f.clone()),
                Dep::Label(_) => None,
            }))
        })
        .collect();
    let mut all: Vec<String> = Vec::new();
    for n in nodes {
        let mut path = n.as_str();
        while let Some((parent, _)) = path.rsplit_once('.') {
            if !path.starts_with('_') {
                let child = path.to_string();
                deps.entry(child)
                    .or_default()
                    .push(Dep::Field(parent.to_string()));
            }
            path = parent;
        }
        all.push(n);
    }
    all.sort();
    all.dedup();

    let span_of = |path: &str| spans.get(path).cloned().unwrap_or(0..0);
    let mut problems = Vec::new();

    // Cycles.
    let mut state: HashMap<&str, u8> = HashMap::new(); // 1 = on the stack, 2 = done
    let mut reported: HashSet<String> = HashSet::new();
    fn visit<'d>(
        node: &'d str,
        deps: &'d HashMap<String, Vec<Dep>>,
        state: &mut HashMap<&'d str, u8>,
        stack: &mut Vec<&'d str>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        match state.get(node) {
            Some(2) => return,
            Some(1) => {
                let start = stack.iter().position(|n| *n == node).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(node.to_string());
                cycles.push(cycle);
                return;
            }
            _ => {}
        }
        state.insert(node, 1);
        stack.push(node);
        for d in deps.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            if let Dep::Field(next) = d {
                visit(next, deps, state, stack, cycles);
            }
        }
        stack.pop();
        state.insert(node, 2);
    }
    let mut cycles = Vec::new();
    for n in &all {
        visit(n, &deps, &mut state, &mut Vec::new(), &mut cycles);
    }
    for cycle in cycles {
        let first = cycle.first().cloned().unwrap_or_default();
        if !reported.insert(first.clone()) {
            continue;
        }
        let chain = cycle
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(" → ");
        problems.push(Problem {
            code: "synth.cycle",
            message: format!("generators read each other in a cycle: {chain}"),
            span: span_of(&first),
            help: "break the cycle: one of these fields must be drawn without reading the others"
                .into(),
        });
    }
    if !problems.is_empty() {
        return problems;
    }

    // Monitored fields.
    let mut memo: HashMap<String, Option<String>> = HashMap::new();
    fn reason(
        node: &str,
        deps: &HashMap<String, Vec<Dep>>,
        memo: &mut HashMap<String, Option<String>>,
    ) -> Option<String> {
        if let Some(r) = memo.get(node) {
            return r.clone();
        }
        memo.insert(node.to_string(), None);
        let mut found = None;
        for d in deps.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            match d {
                Dep::Label(cause) => {
                    found = Some(cause.clone());
                    break;
                }
                Dep::Field(next) => {
                    if let Some(r) = reason(next, deps, memo) {
                        found = Some(format!("`{next}` ← {r}"));
                        break;
                    }
                }
            }
        }
        memo.insert(node.to_string(), found.clone());
        found
    }
    fn monitored(obj: &ObjectType, out: &mut Vec<String>) {
        for f in &obj.fields {
            if f.monitored {
                out.push(f.path.clone());
            }
            if let FieldKind::Object(child) = &f.kind {
                monitored(child, out);
            }
        }
    }
    let mut watched = Vec::new();
    monitored(&schema.root, &mut watched);
    for path in watched {
        if let Some(chain) = reason(&path, &deps, &mut memo) {
            problems.push(Problem {
                code: "synth.monitored_depends_on_label",
                message: format!(
                    "monitored field `{path}` depends on the label: `{path}` ← {chain}"
                ),
                span: span_of(&path),
                help:
                    "draw monitored attributes the same way for every scenario, so that an audit \
                       measures the rules and not the data"
                        .into(),
            });
        }
    }
    problems
}

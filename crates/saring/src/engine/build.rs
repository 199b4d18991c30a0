//! Compiling a pack: parse, check and plan every expression, resolve rule references
//! (acyclic), apply the pack's data policy (protected/monitored/optional fields, see
//! [`super::policy`]), and collect every diagnostic before failing.

use std::collections::BTreeSet;

use rustc_hash::FxHashSet;
use std::sync::Arc;

use crate::capability::{needs_of, unavailable_help, Requirement};
use crate::cel::ast::Span;
use crate::cel::cost::Bounds;
use crate::cel::ir::{DerivedNode, Node, Paths, Sites};
use crate::cel::parser::parse;
use crate::cel::plan::plan;
use crate::cel::resolve::{Env, ListBinding, Scope};
use crate::cel::typecheck::{typecheck, CheckError, TKind};
use crate::cel::types::Type;
use crate::cel::Value;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::access::PackPolicy;
use crate::engine::language::Languages;
use crate::engine::template::Templates;
use crate::engine::{CompiledAggregate, CompiledDerived, CompiledRule, RuleInfo};
use crate::limits::{CostLimits, MAX_PACK_ERRORS};
use crate::pack::{Expression, Pack, RuleStatus};
use crate::schema::{FieldKind, ObjectType};

/// Output of [`build`].
pub(crate) struct Built {
    pub derived: Vec<CompiledDerived>,
    pub aggregates: Vec<CompiledAggregate>,
    pub derived_nodes: Vec<DerivedNode>,
    pub rules: Vec<CompiledRule>,
    pub order: Vec<u32>,
    pub infos: Vec<RuleInfo>,
    pub warnings: Vec<Diagnostic>,
    pub paths: Paths,
    /// Source spans of the planned nodes errors are placed at, owned by [`site_owner`]s.
    pub sites: Sites,
    /// What the pack needs of the optional parts of the engine (see [`crate::capability`]).
    pub requirements: Vec<Requirement>,
}

/// The owner id, in [`Built::sites`], of rule `i`'s condition.
pub(crate) const RULE_OWNER: u32 = 1 << 31;

/// Which expression of the pack a site owner id stands for: a rule's condition or a derived
/// value's expression.
pub(crate) fn site_owner(pack: &Pack, owner: u32) -> Option<&Expression> {
    if owner & RULE_OWNER != 0 {
        pack.rules
            .get((owner & !RULE_OWNER) as usize)
            .map(|r| &r.when)
    } else {
        pack.derive.get(owner as usize).map(|d| &d.expr)
    }
}

pub(super) fn place(pack: &Pack, expr: &Expression, span: Span, d: Diagnostic) -> Diagnostic {
    let start = expr.offset + span.start as usize;
    let end = expr.offset + (span.end as usize).max(span.start as usize + 1);
    d.at(&pack.sources.locate(&expr.file, (start, end)))
}

fn diag_of(pack: &Pack, expr: &Expression, e: &CheckError) -> Diagnostic {
    let mut d = Diagnostic::error(e.code, e.message.clone());
    d.help = e.help.clone();
    place(pack, expr, e.span, d)
}

/// One compiled expression and what it reads.
pub(super) struct Compiled {
    pub node: Node,
    pub ty: Type,
    pub policy: PackPolicy,
    pub derived_read: BTreeSet<u32>,
    rules_read: BTreeSet<u32>,
    aggregates_read: BTreeSet<u32>,
    /// The optional parts of the engine the expression needs.
    pub needs: Vec<Requirement>,
}

/// Parses, checks and plans one expression; returns `None` (with diagnostics pushed) on
/// failure.
pub(super) fn compile_expr(
    pack: &Pack,
    expr: &Expression,
    env: &Env,
    (paths, sites): (&mut Paths, &mut Sites),
    rule: Option<&str>,
    cost: (&Bounds, &CostLimits, &str),
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let tag = |d: Diagnostic| match rule {
        Some(r) => d.with_rule(r),
        None => d,
    };
    let ast = match parse(&expr.text) {
        Ok(ast) => ast,
        Err(e) => {
            let d = place(pack, expr, e.span, Diagnostic::error(e.code, e.message));
            diags.push(tag(d));
            return None;
        }
    };
    let mut policy = PackPolicy::default();
    let typed = typecheck(&ast, env, &mut policy);
    // What the expression needs of the optional parts of the engine: a build that lacks one
    // refuses the pack here rather than evaluate it differently from a full build.
    let mut needs = Vec::new();
    let mut unavailable = false;
    for (capability, function, span) in needs_of(&typed.expr) {
        let d = place(
            pack,
            expr,
            span,
            Diagnostic::error(
                Code::BuildUnavailable,
                format!(
                    "`{function}` needs {}, which this build of saring leaves out (feature `{}`)",
                    match capability {
                        crate::capability::Capability::Regex => "regular expressions",
                        crate::capability::Capability::RegexUnicode =>
                            "the Unicode tables of regular expressions (the pattern is not a literal)",
                        crate::capability::Capability::TimeZones => "the IANA time-zone database",
                        crate::capability::Capability::Normalize => "Unicode normalisation",
                    },
                    capability.feature()
                ),
            )
            .with_help(unavailable_help(capability)),
        );
        if !capability.available() {
            diags.push(tag(d.clone()));
            unavailable = true;
        }
        needs.push(Requirement {
            capability,
            function,
            rule: rule.map(str::to_string),
            file: d.file,
            line: d.line,
        });
    }
    if unavailable {
        return None;
    }
    let mut errors = typed.errors;
    let planned = plan(&typed.expr, env, paths, sites);
    if let Err(more) = &planned {
        errors.extend(more.iter().cloned());
    }
    if !errors.is_empty() {
        diags.extend(errors.iter().map(|e| tag(diag_of(pack, expr, e))));
        return None;
    }
    let node = planned.ok()?;
    let (bounds, limits, what) = cost;
    let estimate = bounds.estimate(&node, paths);
    if estimate > limits.static_cost {
        let d = Diagnostic::error(
            Code::PackCostLimit,
            format!(
                "{what} may cost up to {estimate} units per record, more than the limit of {}",
                limits.static_cost
            ),
        )
        .with_help(
            "comprehensions multiply: declare `max_items` on the list fields iterated (schema), \
             iterate a shorter list, or avoid nesting `exists`/`all`/`map` over lists",
        );
        diags.push(tag(place(pack, expr, Span::new(0, expr.text.len()), d)));
        return None;
    }
    let (mut derived_read, mut rules_read) = (BTreeSet::new(), BTreeSet::new());
    let mut aggregates_read = BTreeSet::new();
    typed.expr.visit(&mut |e| match e.kind {
        TKind::Derived(i) => {
            derived_read.insert(i);
        }
        TKind::RuleRef(i) => {
            rules_read.insert(i);
        }
        TKind::Aggregate(i) => {
            aggregates_read.insert(i);
        }
        _ => {}
    });
    Some(Compiled {
        node,
        ty: typed.expr.ty,
        policy,
        derived_read,
        rules_read,
        aggregates_read,
        needs,
    })
}

/// Every path a missing-data report can name: the schema's fields, list items' included.
fn schema_paths(root: &ObjectType) -> Vec<Arc<str>> {
    let mut out = Vec::new();
    root.for_each_field(&mut |f| out.push(Arc::from(f.path.as_str())));
    out
}

/// Declared `max_items` of the schema's list fields, by path.
fn declared_bounds(root: &ObjectType) -> Bounds {
    let mut out = Vec::new();
    root.for_each_field(&mut |f| {
        if let Some(n) = f.max_items {
            out.push((Arc::from(f.path.as_str()), n as u64));
        }
    });
    Bounds::new(out)
}

/// The error that ends compiling once [`MAX_PACK_ERRORS`] have been found.
fn too_many_errors(next_rule: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PackTooManyErrors,
        format!("more than {MAX_PACK_ERRORS} errors: rules from `{next_rule}` on were not checked"),
    )
    .with_help("fix the errors above and check the pack again")
}

/// Compiles the pack's expressions. On failure returns all diagnostics (at most
/// [`MAX_PACK_ERRORS`] of them, and then `pack.too_many_errors`).
pub(crate) fn build(pack: &Pack, limits: &CostLimits) -> Result<Built, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut warnings = Vec::new();
    let mut env = Env {
        root: Some(pack.schema.root.clone()),
        ..Env::default()
    };
    env.constants = pack
        .constants
        .iter()
        .map(|c| (c.name.clone(), c.value.clone()))
        .collect();
    for list in &pack.lists {
        env.lists
            .push(ListBinding::new(list.name.clone(), list.items.clone()));
    }
    let mut paths = Paths::new(schema_paths(&pack.schema.root));
    let mut sites = Sites::default();
    let mut bounds = declared_bounds(&pack.schema.root);
    let mut requirements = Vec::new();

    // Derived values, in declaration order: each sees the ones before it.
    let mut derived = Vec::new();
    let mut derived_nodes = Vec::new();
    for (i, d) in pack.derive.iter().enumerate() {
        let what = format!("derived value `{}`", d.name);
        sites.begin(i as u32);
        let compiled = compile_expr(
            pack,
            &d.expr,
            &env,
            (&mut paths, &mut sites),
            None,
            (&bounds, limits, &what),
            &mut diags,
        );
        let size = compiled
            .as_ref()
            .map_or(0, |c| bounds.size(&c.node, &paths));
        bounds.push_derived(size);
        let (node, ty, slots, monitored, deps) = match compiled {
            Some(c) => {
                requirements.extend(c.needs.iter().cloned());
                let mut monitored = c.policy.monitored.clone();
                let mut slots: Vec<(u32, Arc<str>)> = c.policy.slots_read.iter().cloned().collect();
                for i in &c.derived_read {
                    if let Some(prev) = derived.get(*i as usize) {
                        let prev: &CompiledDerived = prev;
                        monitored.extend(prev.monitored.iter().cloned());
                        slots.extend(prev.slots.iter().cloned());
                    }
                }
                // Each slot once, however many derived values lead to it.
                slots.sort_unstable_by_key(|s| s.0);
                slots.dedup_by_key(|s| s.0);
                let deps = c.derived_read.iter().copied().collect();
                (c.node, c.ty, slots, monitored, deps)
            }
            None => (
                Node::Const(Value::Null),
                Type::Dyn,
                Vec::new(),
                BTreeSet::new(),
                Box::default(),
            ),
        };
        env.derived.push((d.name.clone(), ty));
        derived.push(CompiledDerived {
            name: d.name.clone(),
            slots,
            monitored,
        });
        derived_nodes.push(DerivedNode { node, deps });
    }
    let aggregates = super::history::compile_aggregates(
        pack,
        &mut env,
        &mut paths,
        &bounds,
        limits,
        &derived,
        (&mut diags, &mut requirements),
    );
    let languages = Languages::of(pack);

    // Rules: every rule id is visible through `rules.<id>`.
    env.set_rules(pack.rules.iter().map(|r| r.id.clone()).collect());
    let mut rules = Vec::new();
    let mut infos = Vec::new();
    let mut deps: Vec<Vec<u32>> = Vec::new();
    for (rule_index, rule) in pack.rules.iter().enumerate() {
        if diags.len() >= MAX_PACK_ERRORS {
            diags.push(too_many_errors(&rule.id));
            return Err(diags);
        }
        let what = format!("the condition of rule `{}`", rule.id);
        sites.begin(RULE_OWNER | rule_index as u32);
        let checked = compile_expr(
            pack,
            &rule.when,
            &env,
            (&mut paths, &mut sites),
            Some(&rule.id),
            (&bounds, limits, &what),
            &mut diags,
        );
        let mut monitored = BTreeSet::new();
        let mut evidence_slots: Vec<(u32, Arc<str>)> = Vec::new();
        let mut evidence_derived: Vec<u32> = Vec::new();
        let mut evidence_aggregates: Vec<u32> = Vec::new();
        let mut node = Node::Const(Value::Bool(false));
        let mut rule_deps = Vec::new();
        if let Some(c) = checked {
            requirements.extend(c.needs.iter().cloned());
            if !matches!(c.ty, Type::Bool | Type::Dyn) {
                let d = Diagnostic::error(
                    Code::CelTypeMismatch,
                    format!("the condition must be bool, found {}", c.ty),
                )
                .with_help("compare the value, e.g. `x > 0` or `x == \"value\"`")
                .with_rule(&rule.id);
                diags.push(place(
                    pack,
                    &rule.when,
                    Span::new(0, rule.when.text.len()),
                    d,
                ));
            }
            monitored.extend(c.policy.monitored.iter().cloned());
            let unguarded = c.policy.optional_unguarded();
            if !unguarded.is_empty() {
                let fields: Vec<String> = unguarded.keys().map(|f| format!("`{f}`")).collect();
                let guard = unguarded
                    .values()
                    .next()
                    .map(|f| format!("has(record.{f})"))
                    .unwrap_or_default();
                // The same field read through `.?`: absent is then `optional.none()`, not
                // missing data (`record.?job_offer.?source.orValue("")`).
                let optional_read = unguarded
                    .keys()
                    .next()
                    .map(|f| {
                        let steps: String = f.split('.').map(|s| format!(".?{s}")).collect();
                        format!("record{steps}.orValue(...)")
                    })
                    .unwrap_or_default();
                let d = Diagnostic::warning(
                    Code::PackUnguardedOptional,
                    format!(
                        "rule `{}` reads optional field{} {} without `has()`: records without {} list the rule as incomplete",
                        rule.id,
                        if fields.len() > 1 { "s" } else { "" },
                        fields.join(", "),
                        if fields.len() > 1 { "them" } else { "it" }
                    ),
                )
                .with_help(format!("if absence is meaningful, test it (`{guard} && ...`) or read it with `.?` (`{optional_read}`); if every record has it, mark it `required = true`"))
                .with_rule(&rule.id);
                warnings.push(place(
                    pack,
                    &rule.when,
                    Span::new(0, rule.when.text.len()),
                    d,
                ));
            }
            evidence_slots.extend(c.policy.slots_read.iter().cloned());
            for i in &c.derived_read {
                evidence_derived.push(*i);
                if let Some(d) = derived.get(*i as usize) {
                    monitored.extend(d.monitored.iter().cloned());
                }
            }
            for i in &c.aggregates_read {
                evidence_aggregates.push(*i);
                if let Some(a) = aggregates.get(*i as usize) {
                    monitored.extend(a.monitored.iter().cloned());
                }
            }
            rule_deps = c.rules_read.iter().copied().collect();
            node = c.node;
        }
        // The reason template is resolved like the condition and under the same policy: a
        // monitored field it prints counts as read by the rule.
        let mut template_policy = PackPolicy::default();
        let reason = Templates::parse(
            &rule.reason,
            &languages,
            &Scope::new(&env),
            &mut template_policy,
        );
        monitored.extend(template_policy.monitored.iter().cloned());
        if let Ok(t) = &reason {
            for lang in 0..languages.names().len().max(1) {
                for read in t.get(lang).reads() {
                    if let super::template::TemplateRead::Aggregate(i) = read {
                        if let Some(a) = aggregates.get(i as usize) {
                            monitored.extend(a.monitored.iter().cloned());
                        }
                    }
                }
            }
        }
        if !monitored.is_empty() && rule.uses_monitored.is_none() {
            let fields: Vec<String> = monitored.iter().map(|m| format!("`{m}`")).collect();
            let d = Diagnostic::error(
                Code::PackMonitoredField,
                format!("rule `{}` reads monitored field {} without a justification", rule.id, fields.join(", ")),
            )
            .with_help("monitored fields are for fairness audits; add `uses_monitored = { why = \"...\", references = [\"...\"], approved_by = \"...\" }` or remove the condition")
            .with_rule(&rule.id);
            diags.push(place(
                pack,
                &rule.when,
                Span::new(0, rule.when.text.len()),
                d,
            ));
        }
        let reason = match reason {
            Ok(t) => t,
            Err(e) => {
                let mut d = Diagnostic::error(e.code, e.message).with_rule(&rule.id);
                d.help = e.help;
                if let Some(loc) = &rule.location {
                    d = d.at(loc);
                }
                diags.push(d);
                Templates::default()
            }
        };
        let evidence_kinds = evidence_slots
            .iter()
            .map(|(slot, path)| {
                let kind = pack
                    .schema
                    .slots
                    .get(*slot as usize)
                    .map(|s| s.kind.clone())
                    .unwrap_or(FieldKind::String);
                (*slot, path.clone(), kind)
            })
            .collect();
        let default = languages.default_index();
        infos.push(RuleInfo {
            id: rule.id.clone(),
            title: languages.resolve(&rule.title, default).to_string(),
            weight: rule.weight,
            status: rule.status,
            family: rule.family.clone(),
            when: rule.when.text.clone(),
            remedy: rule
                .remedy
                .as_ref()
                .map(|r| languages.resolve(r, default).to_string()),
            reads_monitored: monitored.iter().cloned().collect(),
        });
        deps.push(rule_deps);
        rules.push(CompiledRule {
            id: Arc::from(rule.id.as_str()),
            weight: rule.weight,
            status: rule.status,
            node,
            reason,
            remedy: languages.each(|slot| {
                rule.remedy.as_ref().map(|t| {
                    super::template::fill_constants(languages.resolve(t, slot), &env.constants)
                })
            }),
            evidence: evidence_kinds,
            evidence_derived,
            evidence_aggregates,
        });
    }

    // References to disabled rules, and cycles.
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            if pack.rules[d as usize].status == RuleStatus::Disabled
                && pack.rules[i].status != RuleStatus::Disabled
            {
                let mut diag = Diagnostic::error(
                    Code::PackDisabledReference,
                    format!("rule `{}` refers to disabled rule `{}`", pack.rules[i].id, pack.rules[d as usize].id),
                )
                .with_help("enable the referenced rule (status = \"shadow\" keeps it out of the score) or remove the reference")
                .with_rule(&pack.rules[i].id);
                if let Some(loc) = &pack.rules[i].location {
                    diag = diag.at(loc);
                }
                diags.push(diag);
            }
        }
    }
    let order = match topo_order(&deps) {
        Ok(order) => order,
        Err(cycle) => {
            let names: Vec<String> = cycle
                .iter()
                .map(|&i| format!("`{}`", pack.rules[i as usize].id))
                .collect();
            let first = cycle[0] as usize;
            let mut d = Diagnostic::error(
                Code::PackRuleCycle,
                format!(
                    "rules refer to each other in a cycle: {}",
                    names.join(" → ")
                ),
            )
            .with_help("a rule may use `rules.<id>` only of rules that do not depend on it")
            .with_rule(&pack.rules[first].id);
            if let Some(loc) = &pack.rules[first].location {
                d = d.at(loc);
            }
            diags.push(d);
            Vec::new()
        }
    };
    // A combination rule's evidence includes the evidence of the rules it refers to
    // (dependencies come first in `order`, so their evidence is already complete). Sets of
    // what a rule already shows keep this linear in the evidence added, also for chains of
    // thousands of rules.
    for &i in &order {
        let i = i as usize;
        if deps[i].is_empty() {
            continue;
        }
        let rule = &rules[i];
        let mut seen: FxHashSet<u32> = rule.evidence.iter().map(|e| e.0).collect();
        let mut seen_derived: FxHashSet<u32> = rule.evidence_derived.iter().copied().collect();
        let mut seen_aggregates: FxHashSet<u32> =
            rule.evidence_aggregates.iter().copied().collect();
        let (mut slots, mut derived, mut aggs) = (Vec::new(), Vec::new(), Vec::new());
        for &d in &deps[i] {
            let dep = &rules[d as usize];
            slots.extend(dep.evidence.iter().filter(|e| seen.insert(e.0)).cloned());
            derived.extend(
                dep.evidence_derived
                    .iter()
                    .copied()
                    .filter(|x| seen_derived.insert(*x)),
            );
            aggs.extend(
                dep.evidence_aggregates
                    .iter()
                    .copied()
                    .filter(|x| seen_aggregates.insert(*x)),
            );
        }
        rules[i].evidence.extend(slots);
        rules[i].evidence_derived.extend(derived);
        rules[i].evidence_aggregates.extend(aggs);
    }
    let order = order
        .into_iter()
        .filter(|&i| pack.rules[i as usize].status != RuleStatus::Disabled)
        .collect();

    if diags.is_empty() {
        Ok(Built {
            derived,
            aggregates,
            derived_nodes,
            rules,
            order,
            infos,
            warnings,
            paths,
            sites,
            requirements,
        })
    } else {
        // Warnings are reported with the errors, never hidden by them.
        diags.extend(warnings);
        Err(diags)
    }
}

/// Topological order of rules by their references, or one cycle (closed: first == last).
fn topo_order(deps: &[Vec<u32>]) -> Result<Vec<u32>, Vec<u32>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; deps.len()];
    let mut order = Vec::with_capacity(deps.len());
    for start in 0..deps.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next dependency index).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                let dep = dep as usize;
                match marks[dep] {
                    Mark::New => {
                        marks[dep] = Mark::Active;
                        stack.push((dep, 0));
                    }
                    Mark::Active => {
                        let pos = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle: Vec<u32> =
                            stack[pos..].iter().map(|(n, _)| *n as u32).collect();
                        cycle.push(dep as u32);
                        return Err(cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                order.push(node as u32);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::topo_order;

    #[test]
    fn orders_dependencies_first() {
        assert_eq!(
            topo_order(&[vec![1], vec![], vec![0, 1]]),
            Ok(vec![1, 0, 2])
        );
    }

    #[test]
    fn finds_cycles() {
        assert_eq!(
            topo_order(&[vec![1], vec![2], vec![0]]),
            Err(vec![0, 1, 2, 0])
        );
        assert_eq!(topo_order(&[vec![0]]), Err(vec![0, 0]));
    }
}

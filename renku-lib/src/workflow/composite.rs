//! Composite plans as trees of steps: the reference grammar of `workflow compose` and
//! `workflow execute --set` (`mapping`, `step.param`, `@step2.@input1`, …), and the values
//! each leaf plan runs with once mappings and links have passed them on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{ParameterKind, ParameterMapping, ParameterRef, Plan};
use crate::store::Store;
use crate::store::cache::StoreIndex;
use crate::{Error, Result};

/// How deep composite plans may nest (a guard against damaged metadata that loops).
const MAX_DEPTH: usize = 64;

/// A plan with the plans of its steps loaded, recursively.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTree {
    /// The plan.
    pub plan: Plan,
    /// Its steps, in order (empty for a plain plan).
    pub steps: Vec<PlanTree>,
}

/// What a reference names inside a composite plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A mapping of the composite itself (index into its `mappings`).
    Mapping(usize),
    /// A parameter of a step (or a mapping of a step that is a composite).
    Step(ParameterRef),
    /// A parameter of the plan itself (the tree is a plain plan).
    Own(String),
}

impl PlanTree {
    /// Loads the steps of `plan` from the store.
    pub fn load(store: &Store, index: &StoreIndex, plan: Plan) -> Result<PlanTree> {
        Self::load_at(store, index, plan, 0)
    }

    fn load_at(store: &Store, index: &StoreIndex, plan: Plan, depth: usize) -> Result<PlanTree> {
        if depth > MAX_DEPTH {
            return Err(Error::Store(format!(
                "composite plan '{}' nests more than {MAX_DEPTH} levels deep (does it contain itself?)",
                plan.name
            )));
        }
        let mut steps = Vec::with_capacity(plan.steps.len());
        for id in &plan.steps {
            let child = super::query::plan_by_version_id(store, index, id).map_err(|_| {
                Error::Store(format!(
                    "step {id} of the composite plan '{}' is missing from the store",
                    plan.name
                ))
            })?;
            steps.push(Self::load_at(store, index, child, depth + 1)?);
        }
        Ok(PlanTree { plan, steps })
    }

    /// The tree at a step path (`[]` is this tree).
    pub fn at(&self, step: &[usize]) -> Option<&PlanTree> {
        let mut t = self;
        for &i in step {
            t = t.steps.get(i)?;
        }
        Some(t)
    }

    /// The short name of step `i`: a workflow file's steps are named `<file name>.<step>`, and
    /// may be addressed as `<step>` alone.
    fn short_name(&self, i: usize) -> Option<&str> {
        let name = &self.steps.get(i)?.plan.name;
        name.strip_prefix(&self.plan.name)?.strip_prefix('.')
    }

    /// Resolves a reference (`mapping`, `@mapping2`, `step.param`, `@step1.@input2`,
    /// `outer.inner.param`) relative to this plan.
    pub fn resolve(&self, reference: &str) -> Result<Target> {
        let not_found = || {
            Error::Failed(format!(
                "Cannot find parameter '{reference}' on workflow {}",
                self.plan.name
            ))
        };
        if !self.plan.is_composite() {
            return self
                .own_parameter(reference)
                .map(Target::Own)
                .ok_or_else(not_found);
        }
        if let Some(i) = self.plan.mappings.iter().position(|m| m.name == reference) {
            return Ok(Target::Mapping(i));
        }
        if let Some(n) = numbered(reference, "@mapping") {
            return match n.checked_sub(1).filter(|&i| i < self.plan.mappings.len()) {
                Some(i) => Ok(Target::Mapping(i)),
                None => Err(not_found()),
            };
        }
        let (step, rest) = self.split_step(reference).ok_or_else(not_found)?;
        let child = &self.steps[step];
        let inner = child.resolve(rest).map_err(|_| not_found())?;
        Ok(Target::Step(match inner {
            Target::Own(id) => ParameterRef {
                step: vec![step],
                id,
            },
            Target::Mapping(j) => ParameterRef {
                step: vec![step],
                id: child.plan.mappings[j].id.clone(),
            },
            Target::Step(mut r) => {
                r.step.insert(0, step);
                r
            }
        }))
    }

    /// Splits `step.rest` into the step's index and `rest`, preferring the longest step name
    /// (plan names may contain dots).
    fn split_step<'r>(&self, reference: &'r str) -> Option<(usize, &'r str)> {
        if let Some(tail) = reference.strip_prefix("@step") {
            let (n, rest) = tail.split_once('.')?;
            let i = n.parse::<usize>().ok()?.checked_sub(1)?;
            return (i < self.steps.len()).then_some((i, rest));
        }
        let mut best: Option<(usize, &str)> = None;
        for i in 0..self.steps.len() {
            for name in std::iter::once(self.steps[i].plan.name.as_str()).chain(self.short_name(i))
            {
                if let Some(rest) = reference
                    .strip_prefix(name)
                    .and_then(|r| r.strip_prefix('.'))
                    && best.is_none_or(|(_, b)| rest.len() < b.len())
                {
                    best = Some((i, rest));
                }
            }
        }
        best
    }

    /// The id of a parameter of this (plain) plan by name or `@input<N>`/`@output<N>`/`@param<N>`.
    fn own_parameter(&self, reference: &str) -> Option<String> {
        for (prefix, kind) in [
            ("@input", ParameterKind::Input),
            ("@output", ParameterKind::Output),
            ("@param", ParameterKind::Parameter),
        ] {
            if let Some(n) = numbered(reference, prefix) {
                return self
                    .plan
                    .of_kind(kind)
                    .nth(n.checked_sub(1)?)
                    .map(|p| p.id.clone());
            }
        }
        self.plan
            .parameters
            .iter()
            .find(|p| p.name == reference)
            .map(|p| p.id.clone())
    }

    /// The mapping a reference to a step's mapping names.
    pub fn mapping_at(&self, r: &ParameterRef) -> Option<&ParameterMapping> {
        self.at(&r.step)?
            .plan
            .mappings
            .iter()
            .find(|m| m.id == r.id)
    }

    /// The leaf parameters (of plain plans) a reference ends at, following nested mappings.
    pub fn leaf_targets(&self, r: &ParameterRef) -> Vec<ParameterRef> {
        let mut out = Vec::new();
        self.collect_leaves(r, &mut out, 0);
        out
    }

    fn collect_leaves(&self, r: &ParameterRef, out: &mut Vec<ParameterRef>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if !r.is_mapping() {
            out.push(r.clone());
            return;
        }
        if let Some(m) = self.mapping_at(r) {
            for t in &m.maps_to {
                let mut step = r.step.clone();
                step.extend(&t.step);
                self.collect_leaves(
                    &ParameterRef {
                        step,
                        id: t.id.clone(),
                    },
                    out,
                    depth + 1,
                );
            }
        }
    }

    /// The parameter a leaf reference points to.
    pub fn parameter(&self, r: &ParameterRef) -> Option<&crate::model::CommandParameter> {
        self.at(&r.step)?
            .plan
            .parameters
            .iter()
            .find(|p| p.id == r.id)
    }

    /// A reference for display: `<plan name>.<parameter name>` of the plan holding it.
    pub fn display(&self, r: &ParameterRef) -> String {
        let Some(t) = self.at(&r.step) else {
            return r.id.clone();
        };
        let name = t
            .plan
            .parameters
            .iter()
            .find(|p| p.id == r.id)
            .map(|p| p.name.clone())
            .or_else(|| {
                t.plan
                    .mappings
                    .iter()
                    .find(|m| m.id == r.id)
                    .map(|m| m.name.clone())
            })
            .unwrap_or_else(|| r.id.clone());
        format!("{}.{name}", t.plan.name)
    }

    /// The name of the parameter or mapping a reference points to.
    pub fn target_name(&self, r: &ParameterRef) -> String {
        let full = self.display(r);
        let plan_name = self.at(&r.step).map(|t| t.plan.name.len() + 1).unwrap_or(0);
        full.get(plan_name..).unwrap_or(&full).to_string()
    }

    /// Step paths of every plain plan in the tree, depth first.
    pub fn leaves(&self) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        self.collect_leaf_steps(&mut Vec::new(), &mut out);
        out
    }

    fn collect_leaf_steps(&self, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if !self.plan.is_composite() {
            out.push(prefix.clone());
            return;
        }
        for (i, s) in self.steps.iter().enumerate() {
            prefix.push(i);
            s.collect_leaf_steps(prefix, out);
            prefix.pop();
        }
    }

    /// Links of this composite and of nested composites, as (source, sinks) between leaf
    /// parameters, relative to this tree.
    pub fn all_links(&self) -> Vec<(ParameterRef, Vec<ParameterRef>)> {
        let mut out = Vec::new();
        self.collect_links(&[], &mut out);
        out
    }

    fn collect_links(&self, prefix: &[usize], out: &mut Vec<(ParameterRef, Vec<ParameterRef>)>) {
        let with_prefix = |r: &ParameterRef| {
            let mut step = prefix.to_vec();
            step.extend(&r.step);
            ParameterRef {
                step,
                id: r.id.clone(),
            }
        };
        for link in &self.plan.links {
            let Some(source) = self.leaf_targets(&link.source).into_iter().next() else {
                continue;
            };
            let sinks = link
                .sinks
                .iter()
                .flat_map(|s| self.leaf_targets(s))
                .map(|s| with_prefix(&s))
                .collect();
            out.push((with_prefix(&source), sinks));
        }
        for (i, s) in self.steps.iter().enumerate() {
            let mut p = prefix.to_vec();
            p.push(i);
            s.collect_links(&p, out);
        }
    }
}

/// `N` of `<prefix>N` (1-based).
fn numbered(text: &str, prefix: &str) -> Option<usize> {
    text.strip_prefix(prefix)?.parse().ok()
}

/// The plans a composite (or plain) plan runs, with values applied.
#[derive(Debug, Clone, Default)]
pub struct ResolvedSteps {
    /// Leaf plans in execution order of the tree (depth first), default values set to the
    /// values they run with.
    pub plans: Vec<Plan>,
    /// `(from, to)` leaf indices: `to` takes an output of `from` through a link.
    pub link_dependencies: Vec<(usize, usize)>,
    /// Value names that matched nothing (ignored).
    pub unresolved: Vec<String>,
}

/// Priorities of the ways a value reaches a parameter, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    MappingDefault,
    PassedToMapping,
    PassedToParameter,
}

/// Assigns values to the leaf parameters of a tree, keeping the strongest source; for equal
/// sources the outermost composite wins.
#[derive(Default)]
struct Assignments {
    by_target: BTreeMap<ParameterRef, (Source, std::cmp::Reverse<usize>, Value)>,
}

impl Assignments {
    fn assign(&mut self, target: ParameterRef, source: Source, depth: usize, value: &Value) {
        let key = (source, std::cmp::Reverse(depth));
        match self.by_target.get(&target) {
            Some((s, d, _)) if (*s, *d) > key => {}
            _ => {
                self.by_target
                    .insert(target, (source, key.1, value.clone()));
            }
        }
    }

    /// Assigns to every leaf the mapping `m` of the composite at `prefix` reaches.
    fn assign_mapping(
        &mut self,
        root: &PlanTree,
        prefix: &[usize],
        m: &ParameterMapping,
        source: Source,
        value: &Value,
    ) {
        for t in &m.maps_to {
            let mut step = prefix.to_vec();
            step.extend(&t.step);
            let r = ParameterRef {
                step,
                id: t.id.clone(),
            };
            for leaf in root.leaf_targets(&r) {
                self.assign(leaf, source, prefix.len(), value);
            }
        }
    }

    fn mapping_defaults(&mut self, root: &PlanTree, prefix: &mut Vec<usize>) {
        let Some(tree) = root.at(prefix) else {
            return;
        };
        for m in &tree.plan.mappings {
            if let Some(v) = &m.default_value {
                let p = prefix.clone();
                self.assign_mapping(root, &p, m, Source::MappingDefault, v);
            }
        }
        for i in 0..tree.steps.len() {
            prefix.push(i);
            self.mapping_defaults(root, prefix);
            prefix.pop();
        }
    }
}

/// The leaf plans of `tree` with `values` (reference → value; dotted names for steps) and the
/// defaults of mappings applied, then values passed on through links. Precedence, lowest
/// first: a parameter's default, a mapping's default, a value given for a mapping, a value
/// given for the parameter itself, a value passed through a link.
pub fn resolve_steps(tree: &PlanTree, values: &BTreeMap<String, Value>) -> ResolvedSteps {
    let mut assignments = Assignments::default();
    assignments.mapping_defaults(tree, &mut Vec::new());
    let mut unresolved = Vec::new();
    for (name, value) in values {
        match tree.resolve(name) {
            Ok(Target::Own(id)) => {
                assignments.assign(
                    ParameterRef { step: vec![], id },
                    Source::PassedToParameter,
                    0,
                    value,
                );
            }
            Ok(Target::Mapping(i)) => {
                let m = &tree.plan.mappings[i];
                assignments.assign_mapping(tree, &[], m, Source::PassedToMapping, value);
            }
            Ok(Target::Step(r)) => {
                let source = if r.is_mapping() {
                    Source::PassedToMapping
                } else {
                    Source::PassedToParameter
                };
                for leaf in tree.leaf_targets(&r) {
                    assignments.assign(leaf, source, 0, value);
                }
            }
            Err(_) => unresolved.push(name.clone()),
        }
    }

    let leaves = tree.leaves();
    let mut plans: Vec<Plan> = leaves
        .iter()
        .filter_map(|step| tree.at(step).map(|t| t.plan.clone()))
        .collect();
    let leaf_index: BTreeMap<&Vec<usize>, usize> =
        leaves.iter().enumerate().map(|(i, s)| (s, i)).collect();
    for (target, (_, _, value)) in &assignments.by_target {
        if let Some(&i) = leaf_index.get(&target.step)
            && let Some(p) = plans[i].parameters.iter_mut().find(|p| p.id == target.id)
        {
            p.default_value = value.clone();
        }
    }

    // Links: a sink takes its source's value. Sources may themselves be sinks of earlier
    // links, so propagate until nothing changes (links form no cycle; bounded regardless).
    let links = tree.all_links();
    let mut link_dependencies = BTreeSet::new();
    for _ in 0..=links.len() {
        let mut changed = false;
        for (source, sinks) in &links {
            let (Some(&from), Some(value)) = (
                leaf_index.get(&source.step),
                leaf_index
                    .get(&source.step)
                    .and_then(|&i| plans[i].parameters.iter().find(|p| p.id == source.id))
                    .map(|p| p.default_value.clone()),
            ) else {
                continue;
            };
            for sink in sinks {
                let Some(&to) = leaf_index.get(&sink.step) else {
                    continue;
                };
                link_dependencies.insert((from, to));
                if let Some(p) = plans[to].parameters.iter_mut().find(|p| p.id == sink.id)
                    && p.default_value != value
                {
                    p.default_value = value.clone();
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    ResolvedSteps {
        plans,
        link_dependencies: link_dependencies.into_iter().collect(),
        unresolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommandParameter, ParameterLink};
    use serde_json::json;

    fn param(plan: &str, kind: ParameterKind, name: &str, value: &str) -> CommandParameter {
        CommandParameter {
            id: format!("{plan}/{}/{name}", kind.id_segment()),
            kind,
            name: name.into(),
            description: None,
            default_value: json!(value),
            position: None,
            prefix: None,
            mapped_to: None,
            encoding_format: None,
            create_folder: false,
            name_set_by_user: false,
        }
    }

    fn plan(id: &str, name: &str, parameters: Vec<CommandParameter>) -> Plan {
        Plan {
            id: id.into(),
            name: name.into(),
            description: None,
            command: "cp".into(),
            parameters,
            success_codes: vec![],
            keywords: vec![],
            creators: vec![],
            date_created: crate::util::now(),
            date_modified: crate::util::now(),
            date_removed: None,
            derived_from: None,
            annotations: vec![],
            steps: vec![],
            mappings: vec![],
            links: vec![],
            path: None,
        }
    }

    fn composite(id: &str, name: &str, steps: Vec<PlanTree>) -> PlanTree {
        let mut p = plan(id, name, vec![]);
        p.command = String::new();
        p.steps = steps.iter().map(|s| s.plan.id.clone()).collect();
        PlanTree { plan: p, steps }
    }

    fn copy_step(id: &str, name: &str, from: &str, to: &str) -> PlanTree {
        PlanTree {
            plan: plan(
                id,
                name,
                vec![
                    param(id, ParameterKind::Input, "input-1", from),
                    param(id, ParameterKind::Output, "output-2", to),
                    param(id, ParameterKind::Parameter, "n", "1"),
                ],
            ),
            steps: vec![],
        }
    }

    fn r(step: &[usize], id: &str) -> ParameterRef {
        ParameterRef {
            step: step.to_vec(),
            id: id.into(),
        }
    }

    fn chain() -> PlanTree {
        composite(
            "/plans/c",
            "comp",
            vec![
                copy_step("/plans/a", "s1", "a.txt", "b.txt"),
                copy_step("/plans/b", "s2", "b.txt", "c.txt"),
            ],
        )
    }

    #[test]
    fn references_resolve_by_name_number_and_nesting() {
        let mut tree = chain();
        tree.plan.mappings.push(ParameterMapping {
            id: "/plans/c/mappings/inp".into(),
            name: "inp".into(),
            description: None,
            default_value: None,
            maps_to: vec![r(&[0], "/plans/a/inputs/input-1")],
        });
        assert_eq!(tree.resolve("inp").expect("mapping"), Target::Mapping(0));
        assert_eq!(
            tree.resolve("@mapping1").expect("mapping"),
            Target::Mapping(0)
        );
        assert_eq!(
            tree.resolve("s2.output-2").expect("param"),
            Target::Step(r(&[1], "/plans/b/outputs/output-2"))
        );
        assert_eq!(
            tree.resolve("@step1.@output1").expect("param"),
            Target::Step(r(&[0], "/plans/a/outputs/output-2"))
        );
        assert_eq!(
            tree.resolve("s1.@param1").expect("param"),
            Target::Step(r(&[0], "/plans/a/parameters/n"))
        );
        assert!(tree.resolve("s3.input-1").is_err());
        assert!(tree.resolve("s1.nope").is_err());
        assert!(tree.resolve("@step3.input-1").is_err());
        assert!(tree.resolve("@mapping2").is_err());

        let outer = composite(
            "/plans/o",
            "outer",
            vec![tree, copy_step("/plans/d", "s9.x", "c.txt", "d.txt")],
        );
        assert_eq!(
            outer.resolve("comp.inp").expect("nested mapping"),
            Target::Step(r(&[0], "/plans/c/mappings/inp"))
        );
        assert_eq!(
            outer.resolve("comp.s1.output-2").expect("nested param"),
            Target::Step(r(&[0, 0], "/plans/a/outputs/output-2"))
        );
        // Plan names may contain dots.
        assert_eq!(
            outer.resolve("s9.x.n").expect("dotted step name"),
            Target::Step(r(&[1], "/plans/d/parameters/n"))
        );
        assert_eq!(
            outer.leaf_targets(&r(&[0], "/plans/c/mappings/inp")),
            vec![r(&[0, 0], "/plans/a/inputs/input-1")]
        );
    }

    #[test]
    fn values_follow_precedence_and_links() {
        let mut tree = chain();
        tree.plan.mappings.push(ParameterMapping {
            id: "/plans/c/mappings/n".into(),
            name: "n".into(),
            description: None,
            default_value: Some(json!("5")),
            maps_to: vec![
                r(&[0], "/plans/a/parameters/n"),
                r(&[1], "/plans/b/parameters/n"),
            ],
        });
        tree.plan.links.push(ParameterLink {
            id: "/plans/c/links/x".into(),
            source: r(&[0], "/plans/a/outputs/output-2"),
            sinks: vec![r(&[1], "/plans/b/inputs/input-1")],
        });
        let value = |res: &ResolvedSteps, i: usize, name: &str| {
            res.plans[i]
                .parameters
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.value_text())
                .unwrap_or_default()
        };
        // Mapping default over parameter default.
        let res = resolve_steps(&tree, &BTreeMap::new());
        assert_eq!(value(&res, 0, "n"), "5");
        assert_eq!(value(&res, 1, "n"), "5");
        assert_eq!(res.link_dependencies, vec![(0, 1)]);

        // A value for the mapping, then for one parameter directly; a link carries a new
        // output path to the next step's input.
        let values = BTreeMap::from([
            ("n".to_string(), json!("7")),
            ("s2.n".to_string(), json!("9")),
            ("s1.output-2".to_string(), json!("x.txt")),
            ("s2.input-1".to_string(), json!("ignored.txt")),
            ("nope".to_string(), json!("1")),
        ]);
        let res = resolve_steps(&tree, &values);
        assert_eq!(value(&res, 0, "n"), "7");
        assert_eq!(value(&res, 1, "n"), "9");
        assert_eq!(value(&res, 0, "output-2"), "x.txt");
        assert_eq!(value(&res, 1, "input-1"), "x.txt", "links win");
        assert_eq!(res.unresolved, vec!["nope".to_string()]);

        // Nested: the outer composite maps to the inner one's mapping.
        let mut outer = composite("/plans/o", "outer", vec![tree]);
        outer.plan.mappings.push(ParameterMapping {
            id: "/plans/o/mappings/m".into(),
            name: "m".into(),
            description: None,
            default_value: None,
            maps_to: vec![r(&[0], "/plans/c/mappings/n")],
        });
        let res = resolve_steps(&outer, &BTreeMap::from([("m".to_string(), json!("11"))]));
        assert_eq!(value(&res, 0, "n"), "11");
        assert_eq!(value(&res, 1, "n"), "11");
        let res = resolve_steps(
            &outer,
            &BTreeMap::from([("comp.s1.output-2".to_string(), json!("y.txt"))]),
        );
        assert_eq!(value(&res, 1, "input-1"), "y.txt", "inner links apply");
    }
}

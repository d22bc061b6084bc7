//! `renku workflow compose`: a composite plan made of existing plans, with mappings that
//! expose their parameters and links that pass outputs of one step to inputs of another.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::composite::{PlanTree, Target, resolve_steps};
use super::query;
use crate::context::CommandContext;
use crate::exec::graph::{ActivityGraph, PlanFilter, within};
use crate::model::{Activity, ParameterKind, ParameterLink, ParameterMapping, ParameterRef, Plan};
use crate::repo::ProjectDir;
use crate::store::{Kind, Record};
use crate::{Error, Result};

/// Options of `renku workflow compose`.
#[derive(Debug, Clone, Default)]
pub struct ComposeOptions {
    /// Name of the new composite plan.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Names or ids of the plans that become the steps, in order.
    pub steps: Vec<String>,
    /// `--from`: paths the chain of recorded executions starts at (project-relative).
    pub sources: Vec<String>,
    /// `--to`: paths the chain ends at (project-relative; default: every final output).
    pub sinks: Vec<String>,
    /// `NAME=REF[,REF…]` mappings.
    pub mappings: Vec<String>,
    /// `NAME=VALUE` mapping defaults.
    pub defaults: Vec<String>,
    /// `SOURCE=SINK[,SINK…]` links.
    pub links: Vec<String>,
    /// `NAME=TEXT` mapping descriptions.
    pub descriptions: Vec<String>,
    /// Map every input of every step.
    pub map_inputs: bool,
    /// Map every output of every step.
    pub map_outputs: bool,
    /// Map every parameter of every step.
    pub map_params: bool,
    /// Link every output to the inputs of other steps at the same path.
    pub link_all: bool,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Creators (`Name <email> [affiliation]`); default: the git user.
    pub creators: Vec<String>,
}

/// Creates the composite plan `opts.name`, records it and commits; returns it with its steps.
pub fn compose(
    ctx: &CommandContext,
    project: &ProjectDir,
    opts: &ComposeOptions,
) -> Result<PlanTree> {
    super::run::validate_plan_name(&opts.name)?;
    let by_activities = !opts.sources.is_empty() || !opts.sinks.is_empty();
    if by_activities && !opts.steps.is_empty() {
        return Err(Error::Failed(
            "--from/--to cannot be used at the same time as passing run/step names.".into(),
        ));
    }
    if !by_activities && opts.steps.is_empty() {
        return Err(Error::Failed(
            "Either --from/--to passing run/step names is required.".into(),
        ));
    }
    let store = project.store();
    let index = store.index()?;
    if query::active_plan_names(&index).contains(&opts.name) {
        return Err(Error::Failed(format!(
            "Duplicate workflow name: Workflow '{}' already exists.",
            opts.name
        )));
    }
    let creators = super::run::plan_creators(project, &opts.creators)?;

    // The steps, and for --from/--to the values each recorded execution used.
    let mut children: Vec<Plan> = Vec::new();
    let mut executed_values: Vec<Option<Activity>> = Vec::new();
    if by_activities {
        for (plan, activity) in recorded_chain(project, &opts.sources, &opts.sinks)? {
            children.push(plan);
            executed_values.push(Some(activity));
        }
    } else {
        for step in &opts.steps {
            let plan = query::find_plan(&store, &index, step)?
                .filter(|r| !r.removed && r.data.date_removed.is_none())
                .ok_or_else(|| {
                    Error::Failed(format!("The specified workflow '{step}' cannot be found."))
                })?
                .data;
            children.push(plan);
            executed_values.push(None);
        }
    }

    let now = crate::util::now();
    let plan = Plan {
        id: Plan::new_id(),
        name: opts.name.clone(),
        description: opts.description.clone(),
        command: String::new(),
        parameters: Vec::new(),
        success_codes: Vec::new(),
        keywords: opts.keywords.clone(),
        creators,
        date_created: now,
        date_modified: now,
        date_removed: None,
        derived_from: None,
        annotations: Vec::new(),
        steps: children.iter().map(|c| c.id.clone()).collect(),
        mappings: Vec::new(),
        links: Vec::new(),
        path: None,
    };
    let mut steps = Vec::with_capacity(children.len());
    for child in children {
        steps.push(PlanTree::load(&store, &index, child)?);
    }
    let mut tree = PlanTree { plan, steps };

    for (i, activity) in executed_values.iter().enumerate() {
        if let Some(activity) = activity {
            map_executed_values(&mut tree, i, activity)?;
        }
    }
    for m in &opts.mappings {
        let (name, targets) = split(m, "--map")?;
        let id = tree.plan.id.clone();
        add_mapping(&mut tree, &name, &targets, &id)?;
    }
    for d in &opts.defaults {
        let (name, value) = split(d, "--set")?;
        let i = mapping_index(&tree, &name)?;
        tree.plan.mappings[i].default_value = Some(Value::String(value));
    }
    for l in &opts.links {
        let (source, sinks) = split(l, "--link")?;
        let sinks: Vec<&str> = sinks.split(',').map(str::trim).collect();
        add_link(&mut tree, &source, &sinks)?;
    }
    for (flag, kind) in [
        (opts.map_inputs, ParameterKind::Input),
        (opts.map_outputs, ParameterKind::Output),
        (opts.map_params, ParameterKind::Parameter),
    ] {
        if flag {
            map_all_of_kind(&mut tree, kind);
        }
    }
    for d in &opts.descriptions {
        let (name, text) = split(d, "--describe-param")?;
        let i = mapping_index(&tree, &name)?;
        tree.plan.mappings[i].description = Some(text);
    }
    if opts.link_all {
        link_all(&mut tree);
    }
    check_link_cycles(&tree)?;

    let mut tx = ctx.begin_transaction(project.root())?;
    let record = Record::new(Kind::Plan, tree.plan.id.clone(), tx.id(), tree.plan.clone());
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(tree)
}

/// `NAME=VALUE` with surrounding spaces and quotes stripped from both sides.
fn split(text: &str, option: &str) -> Result<(String, String)> {
    let clean = |s: &str| s.trim().trim_matches('"').trim().to_string();
    match text.split_once('=') {
        Some((k, v)) if !clean(k).is_empty() => Ok((clean(k), clean(v))),
        _ => Err(Error::Usage(format!(
            "Invalid value for '{option}': '{text}' is not of the form NAME=VALUE."
        ))),
    }
}

fn mapping_index(tree: &PlanTree, name: &str) -> Result<usize> {
    match tree.resolve(name) {
        Ok(Target::Mapping(i)) => Ok(i),
        _ => Err(Error::Failed(format!(
            "Cannot find a mapping '{name}' on workflow {}",
            tree.plan.name
        ))),
    }
}

fn mapping_id(plan_id: &str, name: &str) -> String {
    format!("{plan_id}/mappings/{}", crate::util::quote_path(name))
}

/// The leaf parameters the composite's mappings already reach, with the mapping's name.
fn mapped_targets(tree: &PlanTree) -> BTreeMap<ParameterRef, String> {
    let mut out = BTreeMap::new();
    for m in &tree.plan.mappings {
        for t in &m.maps_to {
            for leaf in tree.leaf_targets(t) {
                out.entry(leaf).or_insert_with(|| m.name.clone());
            }
            out.entry(t.clone()).or_insert_with(|| m.name.clone());
        }
    }
    out
}

/// Adds the mapping `name` of the references `targets` (comma-separated) to the composite;
/// its id is made from `plan_id`.
pub(crate) fn add_mapping(
    tree: &mut PlanTree,
    name: &str,
    targets: &str,
    plan_id: &str,
) -> Result<()> {
    if tree.plan.mappings.iter().any(|m| m.name == name) {
        return Err(Error::Failed(format!(
            "Duplicate mapping detected: a mapping '{name}' already exists on workflow {}.",
            tree.plan.name
        )));
    }
    let existing = mapped_targets(tree);
    let mut maps_to: Vec<ParameterRef> = Vec::new();
    let mut clashes: Vec<String> = Vec::new();
    for reference in targets.split(',').map(str::trim) {
        let r = match tree.resolve(reference)? {
            Target::Step(r) => r,
            Target::Mapping(_) | Target::Own(_) => {
                return Err(Error::Failed(format!(
                    "Cannot find parameter '{reference}' on workflow {}",
                    tree.plan.name
                )));
            }
        };
        if let Some(other) = existing.get(&r) {
            clashes.push(format!("\t{}: {other}", tree.target_name(&r)));
        }
        if !maps_to.contains(&r) {
            maps_to.push(r);
        }
    }
    if !clashes.is_empty() {
        return Err(Error::Failed(format!(
            "Duplicate mapping detected. The following mapping targets already exist on these mappings: \n{}",
            clashes.join("\n")
        )));
    }
    tree.plan.mappings.push(ParameterMapping {
        id: mapping_id(plan_id, name),
        name: name.to_string(),
        description: None,
        default_value: None,
        maps_to,
    });
    Ok(())
}

fn link_error(reason: String) -> Error {
    Error::Failed(format!("Can't create parameter link, reason: {reason}"))
}

/// Every sink the composite's links (and those of nested composites) already feed.
fn linked_sinks(tree: &PlanTree) -> BTreeSet<ParameterRef> {
    tree.all_links()
        .into_iter()
        .flat_map(|(_, sinks)| sinks)
        .collect()
}

fn add_link(tree: &mut PlanTree, source: &str, sinks: &[&str]) -> Result<()> {
    let source_ref = match tree.resolve(source)? {
        Target::Step(r) => r,
        _ => {
            return Err(link_error(format!(
                "'{source}' is not a parameter of a step of {}",
                tree.plan.name
            )));
        }
    };
    let leaves = tree.leaf_targets(&source_ref);
    let Some(source_leaf) = leaves.first() else {
        return Err(link_error(format!("'{source}' maps to no parameter")));
    };
    for leaf in &leaves {
        let p = tree
            .parameter(leaf)
            .ok_or_else(|| link_error(format!("'{source}' maps to no parameter")))?;
        if p.kind != ParameterKind::Output {
            return Err(link_error(format!(
                "A parameter link can't originate in a command input or command parameter: {}",
                p.name
            )));
        }
    }
    let already = linked_sinks(tree);
    let mut sink_refs: Vec<ParameterRef> = Vec::new();
    for sink in sinks {
        let r = match tree.resolve(sink)? {
            Target::Step(r) => r,
            _ => {
                return Err(link_error(format!(
                    "'{sink}' is not a parameter of a step of {}",
                    tree.plan.name
                )));
            }
        };
        for leaf in tree.leaf_targets(&r) {
            let p = tree
                .parameter(&leaf)
                .ok_or_else(|| link_error(format!("'{sink}' maps to no parameter")))?;
            if p.kind == ParameterKind::Output {
                return Err(link_error(format!(
                    "A parameter link can't end in a command output: '{}'.",
                    p.name
                )));
            }
            if leaf.step.first() == source_leaf.step.first() {
                let source_name = tree
                    .parameter(source_leaf)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                return Err(link_error(format!(
                    "Parameter links have to link between different workflows, source '{source_name}' and sink '{}' are on the same workflow.",
                    p.name
                )));
            }
            if already.contains(&leaf) || sink_refs.contains(&leaf) {
                return Err(link_error(format!(
                    "Parameter link to sink '{}' already exists in workflows: {}",
                    p.name, tree.plan.name
                )));
            }
        }
        sink_refs.push(r);
    }
    tree.plan.links.push(ParameterLink {
        id: new_link_id(&tree.plan.id),
        source: source_ref,
        sinks: sink_refs,
    });
    Ok(())
}

fn new_link_id(plan_id: &str) -> String {
    format!("{plan_id}/links/{}", uuid::Uuid::new_v4().hyphenated())
}

/// A mapping `<step>_<parameter>` for every parameter of `kind` of every step that is a plain
/// plan and is not mapped yet, with the parameter's value as default.
fn map_all_of_kind(tree: &mut PlanTree, kind: ParameterKind) {
    let existing = mapped_targets(tree);
    let mut new = Vec::new();
    for (i, step) in tree.steps.iter().enumerate() {
        if step.plan.is_composite() {
            continue;
        }
        for p in step.plan.of_kind(kind) {
            let r = ParameterRef {
                step: vec![i],
                id: p.id.clone(),
            };
            if existing.contains_key(&r) {
                continue;
            }
            let base = format!("{}_{}", step.plan.name, p.name);
            let mut name = base.clone();
            let mut n = 2;
            while tree.plan.mappings.iter().any(|m| m.name == name)
                || new.iter().any(|m: &ParameterMapping| m.name == name)
            {
                name = format!("{base}_{n}");
                n += 1;
            }
            new.push(ParameterMapping {
                id: mapping_id(&tree.plan.id, &name),
                name,
                description: None,
                default_value: Some(p.default_value.clone()),
                maps_to: vec![r],
            });
        }
    }
    tree.plan.mappings.extend(new);
}

/// Mappings `<step number>-<parameter>` with the values the recorded execution of step `i`
/// used as defaults.
fn map_executed_values(tree: &mut PlanTree, i: usize, activity: &Activity) -> Result<()> {
    let step = &tree.steps[i];
    let mut new = Vec::new();
    for p in &step.plan.parameters {
        let value = activity
            .parameters
            .iter()
            .find(|v| v.parameter_id == p.id)
            .map(|v| v.value.clone())
            .unwrap_or_else(|| p.default_value.clone());
        let name = format!("{}-{}", i + 1, p.name);
        new.push(ParameterMapping {
            id: mapping_id(&tree.plan.id, &name),
            name,
            description: None,
            default_value: Some(value),
            maps_to: vec![ParameterRef {
                step: vec![i],
                id: p.id.clone(),
            }],
        });
    }
    tree.plan.mappings.extend(new);
    Ok(())
}

/// Links every output of a step to every input of another step whose path is the same, or
/// lies inside or contains it (with the values the steps would run with).
fn link_all(tree: &mut PlanTree) {
    let resolved = resolve_steps(tree, &BTreeMap::new());
    let leaves = tree.leaves();
    let already = linked_sinks(tree);
    let mut by_source: BTreeMap<ParameterRef, Vec<ParameterRef>> = BTreeMap::new();
    for (a, plan_a) in resolved.plans.iter().enumerate() {
        for out in plan_a.of_kind(ParameterKind::Output) {
            let out_path = out.value_text();
            for (b, plan_b) in resolved.plans.iter().enumerate() {
                if leaves[a].first() == leaves[b].first() {
                    continue;
                }
                for input in plan_b.of_kind(ParameterKind::Input) {
                    let in_path = input.value_text();
                    if !(within(&in_path, &out_path) || within(&out_path, &in_path)) {
                        continue;
                    }
                    let sink = ParameterRef {
                        step: leaves[b].clone(),
                        id: input.id.clone(),
                    };
                    if already.contains(&sink) {
                        continue;
                    }
                    by_source
                        .entry(ParameterRef {
                            step: leaves[a].clone(),
                            id: out.id.clone(),
                        })
                        .or_default()
                        .push(sink);
                }
            }
        }
    }
    for (source, sinks) in by_source {
        tree.plan.links.push(ParameterLink {
            id: new_link_id(&tree.plan.id),
            source,
            sinks,
        });
    }
}

/// Fails when links lead from a step back to itself.
fn check_link_cycles(tree: &PlanTree) -> Result<()> {
    let leaves = tree.leaves();
    let index: BTreeMap<&Vec<usize>, usize> =
        leaves.iter().enumerate().map(|(i, s)| (s, i)).collect();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (source, sinks) in tree.all_links() {
        let Some(&from) = index.get(&source.step) else {
            continue;
        };
        for sink in sinks {
            if let Some(&to) = index.get(&sink.step) {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    // Depth-first search with colours; a grey node reached again closes a cycle.
    let mut colour = vec![0u8; leaves.len()];
    let mut trail: Vec<usize> = Vec::new();
    fn visit(
        n: usize,
        edges: &BTreeMap<usize, BTreeSet<usize>>,
        colour: &mut [u8],
        trail: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        colour[n] = 1;
        trail.push(n);
        for &m in edges.get(&n).into_iter().flatten() {
            if colour[m] == 1 {
                let start = trail.iter().position(|&x| x == m).unwrap_or(0);
                let mut cycle = trail[start..].to_vec();
                cycle.push(m);
                return Some(cycle);
            }
            if colour[m] == 0
                && let Some(c) = visit(m, edges, colour, trail)
            {
                return Some(c);
            }
        }
        trail.pop();
        colour[n] = 2;
        None
    }
    for n in 0..leaves.len() {
        if colour[n] == 0
            && let Some(cycle) = visit(n, &edges, &mut colour, &mut trail)
        {
            let names: Vec<String> = cycle
                .iter()
                .filter_map(|&i| tree.at(&leaves[i]).map(|t| t.plan.name.clone()))
                .collect();
            return Err(Error::Failed(format!(
                "Circular workflows are not supported in Renku. Please remove these cycles:\n\t{}",
                names.join(" -> ")
            )));
        }
    }
    Ok(())
}

/// The plans and recorded executions that lead from `sources` to `sinks` (default: every path
/// that was generated and is used by nothing), producers first.
fn recorded_chain(
    project: &ProjectDir,
    sources: &[String],
    sinks: &[String],
) -> Result<Vec<(Plan, Activity)>> {
    crate::exec::status::check_paths_exist(project, sources, "--from")?;
    let store = project.store();
    let index = store.index()?;
    let graph = ActivityGraph::relevant(&index, PlanFilter::ActivePlans);
    let targets = if sinks.is_empty() {
        graph.final_outputs()
    } else {
        sinks.to_vec()
    };
    let selection = graph.select_generating(&targets, sources);
    if let Some(p) = selection.not_generated.first()
        && !sinks.is_empty()
    {
        return Err(Error::Failed(format!(
            "Path '{p}' is not generated by any workflows."
        )));
    }
    if selection.selected.is_empty() {
        return Err(Error::Failed(
            "No recorded workflows lead from the given --from paths to the --to paths.".into(),
        ));
    }
    let order = graph.execution_order(&selection.selected)?;
    let mut out = Vec::with_capacity(order.len());
    for n in order {
        let node = &graph.nodes[n];
        let activity = store.read::<Activity>(Kind::Activity, &node.version)?.data;
        let plan = query::plan_by_version_id(&store, &index, &node.plan_id)?;
        out.push((plan, activity));
    }
    Ok(out)
}

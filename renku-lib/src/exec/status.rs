//! `renku status`: which outputs are out of date, and why.
//!
//! An output is outdated when an input of the activity that generated it, or of any activity
//! upstream of that one, now has content other than what the activity used.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::current::{Content, WorkTree};
use super::graph::{ActivityGraph, PlanFilter, within};
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// Options of `renku status`.
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    /// Only report what concerns these paths (repository-relative).
    pub paths: Vec<String>,
    /// Leave out chains whose outputs were all deleted.
    pub ignore_deleted: bool,
}

/// What `renku status` found. Paths are repository-relative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// Outdated outputs, each with the modified inputs that make it outdated.
    pub outdated_outputs: BTreeMap<String, BTreeSet<String>>,
    /// Workflow files that changed since their steps ran, with the outputs of those steps.
    pub outdated_workflow_files: BTreeMap<String, BTreeSet<String>>,
    /// Inputs whose content changed.
    pub modified_inputs: BTreeSet<String>,
    /// Inputs that were deleted.
    pub deleted_inputs: BTreeSet<String>,
    /// Activities without outputs that used a modified input, with those inputs.
    pub outdated_activities: BTreeMap<String, BTreeSet<String>>,
}

impl StatusReport {
    /// Whether anything is out of date (`renku status` exits 1 then).
    pub fn is_outdated(&self) -> bool {
        !self.outdated_outputs.is_empty() || !self.outdated_activities.is_empty()
    }
}

/// A modified (or deleted) usage: the activity and the path it used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ModifiedUsage {
    /// The activity (index into the graph).
    pub node: usize,
    /// The path it used.
    pub path: String,
}

/// The usages whose content changed and those that were deleted, over all activities.
pub fn modified_usages(
    graph: &ActivityGraph,
    tree: &WorkTree<'_>,
) -> Result<(Vec<ModifiedUsage>, Vec<ModifiedUsage>)> {
    let mut modified = Vec::new();
    let mut deleted = Vec::new();
    for (node, a) in graph.nodes.iter().enumerate() {
        for (path, checksum) in &a.used {
            match tree.compare(path, checksum)? {
                Content::Same => {}
                Content::Changed => modified.push(ModifiedUsage {
                    node,
                    path: path.clone(),
                }),
                Content::Deleted => deleted.push(ModifiedUsage {
                    node,
                    path: path.clone(),
                }),
            }
        }
    }
    Ok((modified, deleted))
}

/// The activities downstream of `start` (itself included) that need to run again to bring
/// `paths` up to date: with `paths`, only chains that end in an activity generating one of
/// them (or something below a directory among them); with `ignore_deleted`, only chains that
/// end in an activity with an output that still exists. Empty when no chain qualifies.
pub fn downstream_generating(
    graph: &ActivityGraph,
    root: &std::path::Path,
    start: usize,
    paths: &[String],
    ignore_deleted: bool,
) -> BTreeSet<usize> {
    let down = graph.downstream(start);
    if !paths.is_empty() {
        let ends: BTreeSet<usize> = down
            .iter()
            .copied()
            .filter(|&n| paths.iter().any(|p| graph.nodes[n].generates_within(p)))
            .collect();
        return graph.leading_to(&down, &ends);
    }
    if ignore_deleted {
        let ends: BTreeSet<usize> = down
            .iter()
            .copied()
            .filter(|&n| {
                graph.nodes[n]
                    .generated
                    .iter()
                    .any(|(g, _)| root.join(g).exists())
            })
            .collect();
        return graph.leading_to(&down, &ends);
    }
    down
}

/// Checks that every path exists; `what` names the argument in the error.
pub fn check_paths_exist(project: &ProjectDir, paths: &[String], what: &str) -> Result<()> {
    for p in paths {
        if !project.root().join(p).exists() {
            return Err(Error::Usage(format!(
                "Invalid value for '{what}': Path '{p}' does not exist."
            )));
        }
    }
    Ok(())
}

/// Computes the status of the project.
pub fn status(project: &ProjectDir, opts: &StatusOptions) -> Result<StatusReport> {
    check_paths_exist(project, &opts.paths, "[PATHS]...")?;
    let root = project.root();
    let index = project.store().index()?;
    let graph = ActivityGraph::relevant(&index, PlanFilter::ActivePlans);
    let mut report = StatusReport::default();
    if graph.nodes.is_empty() {
        return Ok(report);
    }
    let git = project.git()?;
    let tree = WorkTree::load(&git)?;
    let (modified, deleted) = modified_usages(&graph, &tree)?;
    let selected = |p: &str| opts.paths.iter().any(|q| within(p, q));
    for m in &modified {
        let generation_paths: &[String] = if opts.paths.is_empty() || selected(&m.path) {
            &[]
        } else {
            &opts.paths
        };
        let stale =
            downstream_generating(&graph, root, m.node, generation_paths, opts.ignore_deleted);
        if stale.is_empty() {
            continue;
        }
        report.modified_inputs.insert(m.path.clone());
        for n in stale {
            let node = &graph.nodes[n];
            if node.generated.is_empty() {
                report
                    .outdated_activities
                    .entry(node.id.clone())
                    .or_default()
                    .insert(m.path.clone());
            }
            for (g, _) in &node.generated {
                report
                    .outdated_outputs
                    .entry(g.clone())
                    .or_default()
                    .insert(m.path.clone());
            }
        }
    }
    for d in deleted {
        if opts.paths.is_empty() || selected(&d.path) {
            report.deleted_inputs.insert(d.path);
        }
    }
    // Workflow files changed since their steps ran.
    for (n, node) in graph.nodes.iter().enumerate() {
        for (file, checksum) in &node.hidden {
            if tree.compare(file, checksum)? != Content::Changed {
                continue;
            }
            let stale = downstream_generating(&graph, root, n, &opts.paths, opts.ignore_deleted);
            let outputs = report
                .outdated_workflow_files
                .entry(file.clone())
                .or_default();
            for m in stale {
                outputs.extend(graph.nodes[m].generated.iter().map(|(g, _)| g.clone()));
            }
        }
    }
    Ok(report)
}

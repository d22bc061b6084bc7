//! Lineage: the recorded executions a file came from and the ones that used it, as a graph of
//! activities and files.
//!
//! [`Lineage`] is the one graph shape for provenance questions: `renku workflow visualize`
//! draws it, and it serialises (serde) to `{"nodes": [...], "edges": [...]}` with nodes
//! `{"id", "type": "activity"|"file"|"directory", "label", ...}` and edges
//! `{"source", "target"}`, the answer of a knowledge graph's lineage query.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::graph::{ActivityGraph, PlanFilter, within};
use super::update::plan_with_values;
use crate::model::{Activity, Plan};
use crate::repo::ProjectDir;
use crate::store::Kind;
use crate::workflow::query;
use crate::{Error, Result};

/// What a node of a [`Lineage`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A recorded execution.
    Activity,
    /// A file used or generated.
    File,
    /// A directory used or generated.
    Directory,
}

/// What an activity node tells about its execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityDetails {
    /// Id of the plan version that was executed.
    pub plan_id: String,
    /// Name of that plan.
    pub plan_name: String,
    /// The command line, with the values it ran with and stream redirections.
    pub command: String,
    /// When the execution ended.
    pub ended: DateTime<FixedOffset>,
}

/// A node: an activity (id `/activities/<id>`) or a file or directory (id = its
/// repository-relative path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageNode {
    /// Activity id or path.
    pub id: String,
    /// Activity, file or directory.
    #[serde(rename = "type")]
    pub kind: NodeKind,
    /// Short text for the node: the command of an activity, the path of a file.
    pub label: String,
    /// For activities: plan, command and end time.
    #[serde(flatten)]
    pub activity: Option<ActivityDetails>,
}

/// A directed edge between two nodes, by id: input → activity, activity → output, a generated
/// directory → a file inside it that something used (or a generated file → the directory
/// around it that something used), or, without file nodes, activity → activity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineageEdge {
    /// Id of the node the edge starts at.
    pub source: String,
    /// Id of the node the edge points to.
    pub target: String,
}

/// A graph of activities and the files they used and generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Lineage {
    /// The nodes: activities in the order they ran, each preceded by the inputs not seen
    /// before and followed by its outputs.
    pub nodes: Vec<LineageNode>,
    /// The edges, without duplicates.
    pub edges: Vec<LineageEdge>,
}

impl Lineage {
    /// The node with id `id`.
    pub fn node(&self, id: &str) -> Option<&LineageNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The activity nodes.
    pub fn activities(&self) -> impl Iterator<Item = &LineageNode> {
        self.nodes.iter().filter(|n| n.kind == NodeKind::Activity)
    }

    /// Whether the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The lineage of `path` (repository-relative; a file or a directory): the activity that
/// generated its current content and everything upstream of it, and every activity that used
/// it (a path inside or around it counts, as do workflow files) and everything downstream of
/// those, with the files they used and generated. Fails when no recorded execution used or
/// generated `path`.
pub fn lineage(project: &ProjectDir, path: &str) -> Result<Lineage> {
    let path = path.trim_end_matches('/');
    let store = project.store();
    let index = store.index()?;
    let graph = ActivityGraph::relevant(&index, PlanFilter::AllPlans);
    let producers = latest_producers(&graph, path);
    let mut consumers = graph.consumers_of(path);
    consumers.extend((0..graph.nodes.len()).filter(|&n| {
        graph.nodes[n]
            .hidden
            .iter()
            .any(|(h, _)| within(h, path) || within(path, h))
    }));
    if producers.is_empty() && consumers.is_empty() {
        return Err(Error::UnknownPath(path.to_string()));
    }
    let mut selected = BTreeSet::new();
    for p in producers {
        selected.extend(graph.upstream(p));
    }
    for c in consumers {
        selected.extend(graph.downstream(c));
    }
    // Nodes are newest first: the largest index ran first.
    let order: Vec<usize> = selected.into_iter().rev().collect();
    build(project, &graph, &order, true)
}

/// For each path that an activity of `graph` generated and that is `path`, lies inside it or
/// contains it: the newest activity that generated it.
pub(crate) fn latest_producers(graph: &ActivityGraph, path: &str) -> BTreeSet<usize> {
    let mut newest: BTreeMap<&str, usize> = BTreeMap::new();
    // Ascending index is newest first, so the first producer seen of each path wins.
    for n in graph.producers_of(path) {
        for (g, _) in &graph.nodes[n].generated {
            if within(g, path) || within(path, g) {
                newest.entry(g.as_str()).or_insert(n);
            }
        }
    }
    newest.into_values().collect()
}

/// The lineage graph of the activities `order` (indices into `graph`, in the order they ran):
/// with `with_files`, activity and file nodes; otherwise activities only, linked when one
/// used what another generated.
pub(crate) fn build(
    project: &ProjectDir,
    graph: &ActivityGraph,
    order: &[usize],
    with_files: bool,
) -> Result<Lineage> {
    let store = project.store();
    let index = store.index()?;
    let mut plans: BTreeMap<String, Plan> = BTreeMap::new();
    let mut out = Lineage::default();
    let mut edges: BTreeSet<LineageEdge> = BTreeSet::new();
    let mut files: BTreeMap<String, bool> = BTreeMap::new();
    let mut generated: BTreeSet<String> = BTreeSet::new();
    for &n in order {
        let node = &graph.nodes[n];
        let activity: Activity = store.read(Kind::Activity, &node.version)?.data;
        let plan = match plans.get(&activity.plan_id) {
            Some(p) => p,
            None => {
                let p = query::plan_by_version_id(&store, &index, &activity.plan_id)?;
                plans.entry(activity.plan_id.clone()).or_insert(p)
            }
        };
        let command = plan_with_values(plan, &activity).full_command();
        if with_files {
            for u in activity.usages.iter().chain(&activity.hidden_usages) {
                file_node(&mut out, &mut files, &u.entity.path, u.entity.is_directory);
                edges.insert(LineageEdge {
                    source: u.entity.path.clone(),
                    target: activity.id.clone(),
                });
            }
        }
        out.nodes.push(LineageNode {
            id: activity.id.clone(),
            kind: NodeKind::Activity,
            label: command.clone(),
            activity: Some(ActivityDetails {
                plan_id: activity.plan_id.clone(),
                plan_name: plan.name.clone(),
                command,
                ended: activity.ended_at_time,
            }),
        });
        if with_files {
            for g in &activity.generations {
                file_node(&mut out, &mut files, &g.entity.path, g.entity.is_directory);
                generated.insert(g.entity.path.clone());
                edges.insert(LineageEdge {
                    source: activity.id.clone(),
                    target: g.entity.path.clone(),
                });
            }
        }
    }
    if with_files {
        // A file inside a directory node: link it to the nearest such directory, from
        // whichever of the two was generated to the other.
        let paths: Vec<String> = files.keys().cloned().collect();
        for path in &paths {
            let mut ancestor = path.as_str();
            while let Some((parent, _)) = ancestor.rsplit_once('/') {
                ancestor = parent;
                if !files.contains_key(parent) {
                    continue;
                }
                files.insert(parent.to_string(), true);
                let (inner, outer) = (generated.contains(path), generated.contains(parent));
                if outer && !inner {
                    edges.insert(LineageEdge {
                        source: parent.to_string(),
                        target: path.clone(),
                    });
                } else if inner && !outer {
                    edges.insert(LineageEdge {
                        source: path.clone(),
                        target: parent.to_string(),
                    });
                }
                break;
            }
        }
        let root = project.root();
        for node in &mut out.nodes {
            if node.kind == NodeKind::File
                && (files.get(&node.id).copied().unwrap_or(false) || root.join(&node.id).is_dir())
            {
                node.kind = NodeKind::Directory;
            }
        }
    } else {
        let ids: BTreeMap<usize, &str> = order
            .iter()
            .map(|&n| (n, graph.nodes[n].id.as_str()))
            .collect();
        // Only to activities that ran later: a path-based link to an earlier one is no
        // dependency.
        for (i, &n) in order.iter().enumerate() {
            for m in graph.children(n) {
                if order[i + 1..].contains(&m)
                    && let Some(target) = ids.get(&m)
                {
                    edges.insert(LineageEdge {
                        source: graph.nodes[n].id.clone(),
                        target: target.to_string(),
                    });
                }
            }
        }
    }
    // Edges in node order (sources, then targets), for stable output.
    let position: BTreeMap<&str, usize> = out
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut edges: Vec<LineageEdge> = edges.into_iter().collect();
    edges.sort_by_key(|e| {
        (
            position.get(e.source.as_str()).copied(),
            position.get(e.target.as_str()).copied(),
        )
    });
    out.edges = edges;
    Ok(out)
}

/// Adds a file node for `path` unless there is one; records whether it is a directory.
fn file_node(out: &mut Lineage, files: &mut BTreeMap<String, bool>, path: &str, is_dir: bool) {
    match files.get_mut(path) {
        Some(d) => *d |= is_dir,
        None => {
            files.insert(path.to_string(), is_dir);
            out.nodes.push(LineageNode {
                id: path.to_string(),
                kind: NodeKind::File,
                label: path.to_string(),
                activity: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::graph::tests::{entry, graph, ids};

    #[test]
    fn latest_producers_are_the_newest_per_overlapping_path() {
        let g = graph(vec![
            entry("a", 1, &["in"], &["x", "y"]),
            entry("b", 2, &["in"], &["x"]),
            entry("c", 3, &["in"], &["dir"]),
            entry("d", 4, &["in"], &["dir2/p", "dir2/q"]),
        ]);
        let names = |p: &str| {
            let mut v = ids(&g, latest_producers(&g, p));
            v.sort();
            v
        };
        assert_eq!(names("x"), ["/activities/b-2"]);
        assert_eq!(names("y"), ["/activities/a-1"]);
        // A file inside a generated directory, a directory around generated files.
        assert_eq!(names("dir/f.txt"), ["/activities/c-3"]);
        assert_eq!(names("dir2"), ["/activities/d-4"]);
        assert!(names("in").is_empty());
        assert!(names("di").is_empty());
    }
}

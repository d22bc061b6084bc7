//! `renku workflow visualize`: which recorded executions led to some outputs, as a graph,
//! and its renderings (a terminal drawing, Graphviz dot, Mermaid).
//!
//! The activities are chosen as `renku rerun` chooses what to execute: for each target path
//! the newest activity that generated it and everything upstream of it; with sources, only
//! the chains that start at an activity using one of them. Without targets, every generated
//! path that no activity used is a target.

pub mod layout;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};

use super::graph::{ActivityGraph, PlanFilter, within};
use super::lineage::{self, Lineage, latest_producers};
use crate::repo::ProjectDir;
use crate::{Error, Result};

pub use render::{Column, ConsoleOptions, Drawing, console, dot, mermaid};

/// Options of `renku workflow visualize`.
#[derive(Debug, Clone, Default)]
pub struct VisualizeOptions {
    /// Outputs whose provenance to show (repository-relative); empty: every generated path
    /// that no activity used.
    pub targets: Vec<String>,
    /// Only the chains that start at activities using these paths.
    pub sources: Vec<String>,
    /// Show the provenance of the targets' content at this git revision (needs targets).
    pub revision: Option<String>,
    /// Include file and directory nodes (otherwise activities only).
    pub with_files: bool,
}

/// What `renku workflow visualize` found.
#[derive(Debug, Clone, Default)]
pub struct Visualization {
    /// The graph to draw (empty when nothing matched).
    pub graph: Lineage,
    /// Targets that no recorded execution generated.
    pub not_generated: Vec<String>,
}

/// Selects the activities leading to `opts.targets` (see the module documentation) and
/// returns their graph. Fails on a revision that is not a commit, or a target missing there.
pub fn visualize(project: &ProjectDir, opts: &VisualizeOptions) -> Result<Visualization> {
    if opts.revision.is_some() && opts.targets.is_empty() {
        return Err(Error::Parameter(
            "Can't use --revision without specifying PATHS.".into(),
        ));
    }
    let index = project.store().index()?;
    let mut out = Visualization::default();
    let (graph, lasts) = match &opts.revision {
        None => {
            let graph = ActivityGraph::relevant(&index, PlanFilter::AllPlans);
            let targets = if opts.targets.is_empty() {
                graph.final_outputs()
            } else {
                opts.targets.clone()
            };
            let mut lasts: Vec<(String, BTreeSet<usize>)> = Vec::new();
            for t in targets {
                let producers = latest_producers(&graph, &t);
                lasts.push((t, producers));
            }
            (graph, lasts)
        }
        Some(rev) => {
            let graph = ActivityGraph::history(&index, PlanFilter::AllPlans);
            let at = Revision::open(project, rev)?;
            let mut lasts = Vec::new();
            for t in &opts.targets {
                if at.id(t)?.is_none() {
                    return Err(Error::Failed(format!(
                        "Couldn't find file {t} at revision {rev}"
                    )));
                }
                let producers = producers_at(&graph, &at, t)?;
                lasts.push((t.clone(), producers));
            }
            (graph, lasts)
        }
    };
    let mut selected: BTreeSet<usize> = BTreeSet::new();
    for (target, producers) in lasts {
        if producers.is_empty() {
            out.not_generated.push(target);
            continue;
        }
        for last in producers {
            let upstream = match opts.revision {
                None => graph.upstream(last),
                Some(_) => upstream_as_recorded(&graph, last),
            };
            let (chains, _) = graph.chains_from_sources(last, upstream, &opts.sources);
            selected.extend(chains);
        }
    }
    if selected.is_empty() {
        return Ok(out);
    }
    let order = graph.execution_order(&selected)?;
    out.graph = lineage::build(project, &graph, &order, opts.with_files)?;
    Ok(out)
}

/// A commit's tree, for looking up what paths contained.
struct Revision {
    tree: gix::ObjectId,
    repo: gix::Repository,
    cache: std::cell::RefCell<BTreeMap<String, Option<String>>>,
}

impl Revision {
    fn open(project: &ProjectDir, rev: &str) -> Result<Revision> {
        let git = project.git()?;
        let repo = git.repo().clone();
        let not_found = || Error::Failed(format!("Cannot find a commit with revision '{rev}'"));
        let tree = {
            let id = repo.rev_parse_single(rev).map_err(|_| not_found())?;
            let commit = id
                .object()
                .map_err(|_| not_found())?
                .peel_to_commit()
                .map_err(|_| not_found())?;
            commit
                .tree_id()
                .map_err(|e| Error::git("cannot read commit", e))?
                .detach()
        };
        Ok(Revision {
            tree,
            repo,
            cache: Default::default(),
        })
    }

    /// The blob or tree id of `path` at the revision, if it existed there.
    fn id(&self, path: &str) -> Result<Option<String>> {
        if let Some(found) = self.cache.borrow().get(path) {
            return Ok(found.clone());
        }
        let tree = self
            .repo
            .find_tree(self.tree)
            .map_err(|e| Error::git("cannot read tree", e))?;
        let found = tree
            .lookup_entry_by_path(path)
            .map_err(|e| Error::git("cannot read tree", e))?
            .map(|e| e.object_id().to_string());
        self.cache
            .borrow_mut()
            .insert(path.to_string(), found.clone());
        Ok(found)
    }
}

/// For each path overlapping `target` at the revision: the newest activity that generated it
/// with the content it had there.
fn producers_at(graph: &ActivityGraph, at: &Revision, target: &str) -> Result<BTreeSet<usize>> {
    let mut newest: BTreeMap<&str, usize> = BTreeMap::new();
    for n in graph.producers_of(target) {
        for (g, checksum) in &graph.nodes[n].generated {
            if newest.contains_key(g.as_str()) || !(within(g, target) || within(target, g)) {
                continue;
            }
            if at.id(g)?.as_deref() == Some(checksum.as_str()) {
                newest.insert(g.as_str(), n);
            }
        }
    }
    Ok(newest.into_values().collect())
}

/// `start` and, recursively, the activities that generated what it used as it was when it
/// ran: for each input, the newest activity that ended before it and generated that path
/// with the content it used (or, when no checksum matches, a path around or inside it).
fn upstream_as_recorded(graph: &ActivityGraph, start: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::from([start]);
    let mut queue = vec![start];
    while let Some(n) = queue.pop() {
        let node = &graph.nodes[n];
        for (path, checksum) in &node.used {
            // Ascending index is newest first.
            let earlier: Vec<usize> = graph
                .producers_of(path)
                .into_iter()
                .filter(|&m| m != n && graph.nodes[m].ended <= node.ended)
                .collect();
            let exact = earlier.iter().copied().find(|&m| {
                graph.nodes[m]
                    .generated
                    .iter()
                    .any(|(g, c)| g == path && c == checksum)
            });
            if let Some(m) = exact.or_else(|| earlier.first().copied())
                && seen.insert(m)
            {
                queue.push(m);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::graph::tests::{entry, ids, index};

    #[test]
    fn recorded_upstream_follows_the_content_each_activity_used() {
        // x was generated twice; b used the first version, and a newer run of its plan
        // generated x again later.
        let mut old = entry("a", 1, &["in"], &["x"]);
        old.generated_checksums = vec!["old".into()];
        let mut newer = entry("a2", 3, &["in"], &["x"]);
        newer.generated_checksums = vec!["new".into()];
        let mut user = entry("b", 2, &["x"], &["y"]);
        user.used_checksums = vec!["old".into()];
        let g = ActivityGraph::history(&index(vec![old, newer, user]), PlanFilter::AllPlans);
        let b = g
            .nodes
            .iter()
            .position(|n| n.id.ends_with("b-2"))
            .expect("b");
        let mut up = ids(&g, upstream_as_recorded(&g, b));
        up.sort();
        assert_eq!(up, ["/activities/a-1", "/activities/b-2"]);
        // By path alone, both producers of x are upstream.
        assert_eq!(g.upstream(b).len(), 3);
    }
}

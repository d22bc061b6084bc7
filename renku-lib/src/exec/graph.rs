//! The activity graph: recorded activities linked by the paths they used and generated.
//!
//! Built from the store's derived index alone (no record is read), so its cost grows with the
//! number of activities, not with the length of `git log`. Activity B is downstream of A when B
//! used a path that A generated, a directory containing it, or a file inside it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, FixedOffset};

use crate::store::Kind;
use crate::store::cache::StoreIndex;
use crate::{Error, Result};

/// Activities selected to generate paths again (see [`ActivityGraph::select_generating`]).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The selected activities (node indices).
    pub selected: BTreeSet<usize>,
    /// Targets no activity generated.
    pub not_generated: Vec<String>,
    /// For activities at the start of a chain: the source paths they used.
    pub source_uses: BTreeMap<usize, BTreeSet<String>>,
}

/// One recorded execution, as the graph sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityNode {
    /// `/activities/<32 hex>`.
    pub id: String,
    /// Version id of the activity's record in the store.
    pub version: String,
    /// Id of the plan version that was executed.
    pub plan_id: String,
    /// Object id of the plan's lineage (all versions of one plan share it).
    pub plan_object: String,
    /// Whether the newest version of the plan marks it as removed.
    pub plan_removed: bool,
    /// When the execution ended.
    pub ended: DateTime<FixedOffset>,
    /// `(path, checksum)` of every input used.
    pub used: Vec<(String, String)>,
    /// `(path, checksum)` of every output generated.
    pub generated: Vec<(String, String)>,
    /// `(path, checksum)` of hidden usages (the workflow file of a step).
    pub hidden: Vec<(String, String)>,
}

impl ActivityNode {
    /// Whether the activity generated `path` itself or something below the directory `path`.
    pub fn generates_within(&self, path: &str) -> bool {
        self.generated.iter().any(|(g, _)| within(g, path))
    }
}

/// Whether `path` is `base` or lies below the directory `base`.
pub fn within(path: &str, base: &str) -> bool {
    path == base
        || (path.len() > base.len()
            && path.starts_with(base)
            && path.as_bytes()[base.len()] == b'/')
}

/// Paths mapped to the activities that have them, with lookups by overlap.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathIndex {
    by_path: BTreeMap<String, Vec<usize>>,
}

impl PathIndex {
    pub(crate) fn insert(&mut self, path: &str, node: usize) {
        let v = self.by_path.entry(path.to_string()).or_default();
        if !v.contains(&node) {
            v.push(node);
        }
    }

    /// Activities with `path` itself, a directory containing it, or a path inside it.
    pub(crate) fn overlapping(&self, path: &str) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        if let Some(v) = self.by_path.get(path) {
            out.extend(v);
        }
        let mut ancestor = path;
        while let Some((parent, _)) = ancestor.rsplit_once('/') {
            if let Some(v) = self.by_path.get(parent) {
                out.extend(v);
            }
            ancestor = parent;
        }
        let prefix = format!("{path}/");
        for (_, v) in self
            .by_path
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
        {
            out.extend(v);
        }
        out
    }
}

/// Which activities a graph holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFilter {
    /// Skip activities whose plan was removed (`status`, `update`).
    ActivePlans,
    /// Keep them (`rerun` replays removed plans too).
    AllPlans,
}

/// The relevant activities of a project and the links between them.
#[derive(Debug, Clone, Default)]
pub struct ActivityGraph {
    /// The activities, newest first.
    pub nodes: Vec<ActivityNode>,
    consumers: PathIndex,
    producers: PathIndex,
}

impl ActivityGraph {
    /// The graph of the *relevant* activities in `index`: removed activities are skipped, an
    /// activity whose outputs are all generated again by one newer activity is overridden and
    /// skipped, and of several executions of one plan with the same inputs and outputs only
    /// the newest is kept.
    pub fn relevant(index: &StoreIndex, filter: PlanFilter) -> ActivityGraph {
        Self::build(index, filter, true)
    }

    /// The graph of every live (not removed) activity in `index`, overridden and repeated
    /// executions included: the project's history, for questions about earlier states.
    pub fn history(index: &StoreIndex, filter: PlanFilter) -> ActivityGraph {
        Self::build(index, filter, false)
    }

    fn build(index: &StoreIndex, filter: PlanFilter, only_relevant: bool) -> ActivityGraph {
        let plans = PlanLookup::new(index);
        let mut all: Vec<ActivityNode> = Vec::new();
        {
            for (version, e) in index.live(Kind::Activity) {
                let plan_id = e.plan_id.clone().unwrap_or_default();
                let (plan_object, plan_removed) = plans.lineage(&plan_id);
                if plan_removed && filter == PlanFilter::ActivePlans {
                    continue;
                }
                let pair = |paths: &[String], sums: &[String]| -> Vec<(String, String)> {
                    paths
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (p.clone(), sums.get(i).cloned().unwrap_or_default()))
                        .collect()
                };
                all.push(ActivityNode {
                    id: e
                        .data_id
                        .clone()
                        .unwrap_or_else(|| format!("/activities/{version}")),
                    version: version.clone(),
                    plan_id,
                    plan_object,
                    plan_removed,
                    ended: e.ended.unwrap_or(e.date),
                    used: pair(&e.used, &e.used_checksums),
                    generated: pair(&e.generated, &e.generated_checksums),
                    hidden: e.hidden_used.clone(),
                });
            }
        }
        // Newest first; of activities that ended at the same time the one with the smaller id
        // counts as newer, as in renku-python, which walks its id-ordered index backwards and
        // lets the last one seen win (migrated projects have many equal end times).
        all.sort_by(|a, b| b.ended.cmp(&a.ended).then_with(|| a.id.cmp(&b.id)));
        let mut graph = ActivityGraph::default();
        let mut seen_executions: BTreeSet<(String, Vec<String>, Vec<String>)> = BTreeSet::new();
        for node in all {
            if !only_relevant {
                graph.push(node);
                continue;
            }
            let mut used: Vec<String> = node.used.iter().map(|(p, _)| p.clone()).collect();
            used.sort();
            let mut generated: Vec<String> =
                node.generated.iter().map(|(p, _)| p.clone()).collect();
            generated.sort();
            if !seen_executions.insert((node.plan_object.clone(), used, generated.clone())) {
                continue;
            }
            if let Some(first) = generated.first() {
                let overridden = graph.producers.by_path.get(first).is_some_and(|newer| {
                    newer.iter().any(|&n| {
                        generated
                            .iter()
                            .all(|g| graph.nodes[n].generated.iter().any(|(p, _)| p == g))
                    })
                });
                if overridden {
                    continue;
                }
            }
            graph.push(node);
        }
        graph
    }

    fn push(&mut self, node: ActivityNode) {
        let i = self.nodes.len();
        for (p, _) in &node.used {
            self.consumers.insert(p, i);
        }
        for (p, _) in &node.generated {
            self.producers.insert(p, i);
        }
        self.nodes.push(node);
    }

    /// Activities that used something `node` generated.
    pub fn children(&self, node: usize) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for (g, _) in &self.nodes[node].generated {
            out.extend(self.consumers.overlapping(g));
        }
        out.remove(&node);
        out
    }

    /// Activities that generated something `node` used.
    pub fn parents(&self, node: usize) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for (u, _) in &self.nodes[node].used {
            out.extend(self.producers.overlapping(u));
        }
        out.remove(&node);
        out
    }

    /// Activities that generated `path` (or a directory containing it, or files inside it).
    pub fn producers_of(&self, path: &str) -> BTreeSet<usize> {
        self.producers.overlapping(path)
    }

    /// Activities that used `path` (or a directory containing it, or files inside it).
    pub fn consumers_of(&self, path: &str) -> BTreeSet<usize> {
        self.consumers.overlapping(path)
    }

    /// What to execute again to generate what `last` generated, given `upstream` (`last` and
    /// the activities upstream of it): all of `upstream`; with `sources`, only the members
    /// on chains that start at an activity that used one of them (a path inside or around one
    /// counts) and lead to `last`. Also returns, for each such starting activity, the paths it
    /// used that matched a source.
    pub fn chains_from_sources(
        &self,
        last: usize,
        upstream: BTreeSet<usize>,
        sources: &[String],
    ) -> (BTreeSet<usize>, BTreeMap<usize, BTreeSet<String>>) {
        let mut source_uses: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        if sources.is_empty() {
            return (upstream, source_uses);
        }
        let mut selected = BTreeSet::new();
        for &top in &upstream {
            let uses: BTreeSet<String> = self.nodes[top]
                .used
                .iter()
                .filter(|(u, _)| sources.iter().any(|s| within(u, s) || within(s, u)))
                .map(|(u, _)| u.clone())
                .collect();
            if uses.is_empty() {
                continue;
            }
            source_uses.entry(top).or_default().extend(uses);
            let chain = self.leading_to(&self.downstream(top), &BTreeSet::from([last]));
            selected.extend(chain.intersection(&upstream));
        }
        (selected, source_uses)
    }

    /// `start` and everything reachable downstream of it.
    pub fn downstream(&self, start: usize) -> BTreeSet<usize> {
        self.reach(start, |n| self.children(n))
    }

    /// `start` and everything reachable upstream of it.
    pub fn upstream(&self, start: usize) -> BTreeSet<usize> {
        self.reach(start, |n| self.parents(n))
    }

    fn reach(&self, start: usize, next: impl Fn(usize) -> BTreeSet<usize>) -> BTreeSet<usize> {
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            for m in next(n) {
                if seen.insert(m) {
                    queue.push_back(m);
                }
            }
        }
        seen
    }

    /// The members of `within` from which some member of `targets` can be reached through
    /// members of `within` (targets included).
    pub fn leading_to(
        &self,
        within: &BTreeSet<usize>,
        targets: &BTreeSet<usize>,
    ) -> BTreeSet<usize> {
        let mut seen: BTreeSet<usize> = targets.intersection(within).copied().collect();
        let mut queue: VecDeque<usize> = seen.iter().copied().collect();
        while let Some(n) = queue.pop_front() {
            for m in self.parents(n) {
                if within.contains(&m) && seen.insert(m) {
                    queue.push_back(m);
                }
            }
        }
        seen
    }

    /// The activities that generate `targets` again, as `renku rerun` selects them: the
    /// newest activity that generated each target (or something inside it) and everything
    /// upstream of it; with `sources`, only the chains that start at an activity using one of
    /// the sources.
    pub fn select_generating(&self, targets: &[String], sources: &[String]) -> Selection {
        let mut out = Selection::default();
        for target in targets {
            // Nodes are newest first: the first producer is the latest one.
            let Some(last) =
                (0..self.nodes.len()).find(|&n| self.nodes[n].generates_within(target))
            else {
                out.not_generated.push(target.clone());
                continue;
            };
            let (chains, uses) = self.chains_from_sources(last, self.upstream(last), sources);
            out.selected.extend(chains);
            for (top, paths) in uses {
                out.source_uses.entry(top).or_default().extend(paths);
            }
        }
        out
    }

    /// Paths generated by some activity and used by none (the default targets of
    /// `workflow compose --from` and `workflow visualize`).
    pub fn final_outputs(&self) -> Vec<String> {
        let mut users = PathIndex::default();
        for (i, n) in self.nodes.iter().enumerate() {
            for (u, _) in &n.used {
                users.insert(u, i);
            }
        }
        let mut out: BTreeSet<String> = BTreeSet::new();
        for n in &self.nodes {
            for (g, _) in &n.generated {
                if users.overlapping(g).is_empty() {
                    out.insert(g.clone());
                }
            }
        }
        out.into_iter().collect()
    }

    /// Orders `selected` for execution: producers before consumers and, among activities that
    /// generate the same path, older before newer. An activity all of whose outputs are
    /// generated by newer selected activities is dropped. Fails on a cycle.
    pub fn execution_order(&self, selected: &BTreeSet<usize>) -> Result<Vec<usize>> {
        // Nodes are sorted newest first: a smaller index is newer.
        let kept: BTreeSet<usize> = selected
            .iter()
            .copied()
            .filter(|&n| {
                let node = &self.nodes[n];
                node.generated.is_empty()
                    || !node.generated.iter().all(|(g, _)| {
                        selected
                            .iter()
                            .any(|&m| m < n && self.nodes[m].generated.iter().any(|(p, _)| p == g))
                    })
            })
            .collect();
        let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        let mut indegree: BTreeMap<usize, usize> = kept.iter().map(|&n| (n, 0)).collect();
        for &n in &kept {
            let mut next: BTreeSet<usize> = self
                .children(n)
                .into_iter()
                .filter(|m| kept.contains(m))
                .collect();
            // Same generated path: the older one (larger index) runs first.
            for (g, _) in &self.nodes[n].generated {
                for m in self.producers.overlapping(g) {
                    if m < n && kept.contains(&m) {
                        next.insert(m);
                    }
                }
            }
            next.remove(&n);
            for &m in &next {
                *indegree.entry(m).or_default() += 1;
            }
            edges.insert(n, next);
        }
        // Kahn's algorithm; ties go to the activity that ran first, as it was recorded.
        let mut ready: BTreeSet<(std::cmp::Reverse<usize>, usize)> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(&n, _)| (std::cmp::Reverse(n), n))
            .collect();
        let mut order = Vec::with_capacity(kept.len());
        while let Some(first) = ready.iter().next().copied() {
            ready.remove(&first);
            let n = first.1;
            order.push(n);
            for &m in edges.get(&n).into_iter().flatten() {
                if let Some(d) = indegree.get_mut(&m) {
                    *d -= 1;
                    if *d == 0 {
                        ready.insert((std::cmp::Reverse(m), m));
                    }
                }
            }
        }
        if order.len() != kept.len() {
            let stuck: Vec<String> = kept
                .iter()
                .filter(|n| !order.contains(n))
                .map(|&n| self.nodes[n].id.clone())
                .collect();
            return Err(Error::Failed(format!(
                "Circular workflows are not supported in Renku. Please remove these cycles:\n\t{}",
                stuck.join("\n\t")
            )));
        }
        Ok(order)
    }
}

/// Plan versions by id, with their lineage and whether the lineage was removed.
struct PlanLookup<'a> {
    index: &'a StoreIndex,
    object_of: BTreeMap<&'a str, &'a str>,
}

impl<'a> PlanLookup<'a> {
    fn new(index: &'a StoreIndex) -> Self {
        let mut object_of = BTreeMap::new();
        if let Some(entries) = index.entries.get(&Kind::Plan) {
            for e in entries.values() {
                if let Some(id) = e.data_id.as_deref() {
                    object_of.insert(id, e.object_id.as_str());
                }
            }
        }
        PlanLookup { index, object_of }
    }

    /// `(lineage object id, removed)` of the plan version `plan_id`.
    fn lineage(&self, plan_id: &str) -> (String, bool) {
        let Some(object) = self.object_of.get(plan_id) else {
            return (plan_id.to_string(), false);
        };
        let removed = self
            .index
            .latest(Kind::Plan, Some(object))
            .and_then(|head| {
                self.index
                    .entries
                    .get(&Kind::Plan)
                    .and_then(|e| e.get(&head))
            })
            .is_some_and(|e| e.removed);
        (object.to_string(), removed)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::cache::IndexEntry;

    /// An index entry of an activity of `plan` that ended at 10:`minute`, id
    /// `/activities/<plan>-<minute>`, every checksum `c`.
    pub(crate) fn entry(plan: &str, minute: u32, used: &[&str], generated: &[&str]) -> IndexEntry {
        let date = DateTime::parse_from_rfc3339(&format!("2026-01-01T10:{minute:02}:00+00:00"))
            .expect("valid date");
        IndexEntry {
            object_id: crate::util::new_hex_id(),
            derived_from: None,
            date,
            removed: false,
            len: 1,
            name: None,
            plan_id: Some(plan.to_string()),
            used: used.iter().map(|s| s.to_string()).collect(),
            generated: generated.iter().map(|s| s.to_string()).collect(),
            data_id: Some(format!("/activities/{plan}-{minute}")),
            used_checksums: used.iter().map(|_| "c".to_string()).collect(),
            generated_checksums: generated.iter().map(|_| "c".to_string()).collect(),
            hidden_used: Vec::new(),
            ended: Some(date),
            slug: None,
            merges: Vec::new(),
        }
    }

    /// An index of these activity entries.
    pub(crate) fn index(entries: Vec<IndexEntry>) -> StoreIndex {
        let mut idx = StoreIndex::default();
        let acts = idx.entries.entry(Kind::Activity).or_default();
        for e in entries {
            acts.insert(crate::util::new_hex_id(), e);
        }
        idx
    }

    /// The relevant graph of these activity entries.
    pub(crate) fn graph(entries: Vec<IndexEntry>) -> ActivityGraph {
        ActivityGraph::relevant(&index(entries), PlanFilter::ActivePlans)
    }

    /// Ids of `nodes`.
    pub(crate) fn ids(g: &ActivityGraph, nodes: impl IntoIterator<Item = usize>) -> Vec<String> {
        nodes.into_iter().map(|n| g.nodes[n].id.clone()).collect()
    }

    #[test]
    fn overridden_and_repeated_activities_are_not_relevant() {
        let g = graph(vec![
            entry("a", 1, &["in"], &["x"]),
            entry("b", 2, &["in"], &["x", "y"]),
            entry("c", 3, &["x"], &[]),
            entry("c", 4, &["x"], &[]),
        ]);
        assert_eq!(
            ids(&g, 0..g.nodes.len()),
            ["/activities/c-4", "/activities/b-2"]
        );
    }

    #[test]
    fn of_activities_ending_together_the_smaller_id_is_newer() {
        // Two executions generating x that ended at the same time (as after renku-python's
        // migration): the one with the smaller id overrides the other.
        let g = graph(vec![
            entry("b", 1, &["old"], &["x"]),
            entry("a", 1, &["new"], &["x"]),
        ]);
        assert_eq!(ids(&g, 0..g.nodes.len()), ["/activities/a-1"]);
        let g = graph(vec![
            entry("a", 1, &["new"], &["x"]),
            entry("b", 1, &["old"], &["x"]),
        ]);
        assert_eq!(ids(&g, 0..g.nodes.len()), ["/activities/a-1"]);
    }

    #[test]
    fn directories_link_producers_and_consumers() {
        let g = graph(vec![
            entry("a", 1, &["in.txt"], &["out"]),
            entry("b", 2, &["out/part.txt"], &["sum.txt"]),
            entry("c", 3, &["other"], &["z"]),
        ]);
        let a = g
            .nodes
            .iter()
            .position(|n| n.id.ends_with("a-1"))
            .expect("a");
        assert_eq!(ids(&g, g.children(a)), ["/activities/b-2"]);
        let down = g.downstream(a);
        assert_eq!(down.len(), 2);
    }

    #[test]
    fn execution_order_runs_producers_first() {
        let g = graph(vec![
            entry("a", 1, &["s0"], &["s1"]),
            entry("b", 2, &["s1"], &["s2"]),
            entry("c", 3, &["s2", "s0"], &["s3"]),
        ]);
        let all: BTreeSet<usize> = (0..g.nodes.len()).collect();
        let order = g.execution_order(&all).expect("no cycle");
        assert_eq!(
            ids(&g, order),
            ["/activities/a-1", "/activities/b-2", "/activities/c-3"]
        );
    }

    #[test]
    fn final_outputs_are_generated_and_never_used() {
        let g = graph(vec![
            entry("a", 1, &["in"], &["mid", "log"]),
            entry("b", 2, &["mid"], &["out"]),
            entry("c", 3, &["in"], &["dir"]),
            entry("d", 4, &["dir/part"], &["sum"]),
        ]);
        assert_eq!(g.final_outputs(), ["log", "out", "sum"]);
    }

    #[test]
    fn leading_to_keeps_only_chains_reaching_targets() {
        let g = graph(vec![
            entry("a", 1, &["s0"], &["s1"]),
            entry("b", 2, &["s1"], &["s2"]),
            entry("c", 3, &["s1"], &["t"]),
        ]);
        let a = g
            .nodes
            .iter()
            .position(|n| n.id.ends_with("a-1"))
            .expect("a");
        let b = g
            .nodes
            .iter()
            .position(|n| n.id.ends_with("b-2"))
            .expect("b");
        let down = g.downstream(a);
        let kept = g.leading_to(&down, &BTreeSet::from([b]));
        let mut names = ids(&g, kept);
        names.sort();
        assert_eq!(names, ["/activities/a-1", "/activities/b-2"]);
    }
}

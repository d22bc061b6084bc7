//! The lineage of a file: the runs (activities) it came out of and the files they read,
//! and the runs that read it and what they wrote, transitively.
//!
//! The algorithm (the knowledge graph's, see `docs/server.md`): every activity contributes
//! edges from the paths its inputs had to itself and from itself to the paths its outputs
//! had; for each output path only the *latest* activity that wrote it keeps its edge (an
//! activity superseded on every output it wrote drops out); then the lineage of a file is
//! everything upstream of it (following edges backwards) and everything downstream of it
//! (following edges forwards). Node ids are paths for files and the activity IRI for runs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

/// A path an activity read or wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathUse {
    /// The path in the repository.
    pub location: String,
    /// Whether it is a directory.
    pub directory: bool,
}

/// What the lineage needs of one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityIo {
    /// The activity IRI.
    pub id: String,
    /// When it started.
    pub started: DateTime<FixedOffset>,
    /// Its command line.
    pub label: String,
    /// The paths of its inputs.
    pub inputs: Vec<PathUse>,
    /// The paths of its outputs.
    pub outputs: Vec<PathUse>,
}

/// A node of the lineage graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Node {
    /// The path (files) or activity IRI (runs).
    pub id: String,
    /// The path, or the activity IRI.
    pub location: String,
    /// What is shown: the path, or the command line.
    pub label: String,
    /// `File`, `Directory` or `ProcessRun`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// An edge: data flows from `source` to `target`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// Node id the data comes from.
    pub source: String,
    /// Node id it goes to.
    pub target: String,
}

/// The lineage graph of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lineage {
    /// The nodes, sorted by id.
    pub nodes: Vec<Node>,
    /// The edges, sorted.
    pub edges: Vec<Edge>,
}

/// The lineage of `location` among `activities`; `None` when no kept activity read or
/// wrote it.
pub fn lineage(activities: &[ActivityIo], location: &str) -> Option<Lineage> {
    let location = location.trim_matches('/');
    // The latest writer of each output path.
    let mut latest: BTreeMap<&str, &ActivityIo> = BTreeMap::new();
    for activity in activities {
        for output in &activity.outputs {
            let keep = match latest.get(output.location.as_str()) {
                Some(current) => (activity.started, &activity.id) > (current.started, &current.id),
                None => true,
            };
            if keep {
                latest.insert(&output.location, activity);
            }
        }
    }
    let mut files: BTreeMap<String, bool> = BTreeMap::new();
    let mut runs: BTreeMap<&str, &ActivityIo> = BTreeMap::new();
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for activity in activities {
        let written: Vec<&PathUse> = activity
            .outputs
            .iter()
            .filter(|o| {
                latest
                    .get(o.location.as_str())
                    .is_some_and(|a| a.id == activity.id)
            })
            .collect();
        if written.is_empty() && !activity.outputs.is_empty() {
            continue;
        }
        runs.insert(&activity.id, activity);
        for input in &activity.inputs {
            files
                .entry(input.location.clone())
                .or_insert(input.directory);
            edges.insert((input.location.clone(), activity.id.clone()));
        }
        for output in written {
            files.insert(output.location.clone(), output.directory);
            edges.insert((activity.id.clone(), output.location.clone()));
        }
    }
    if !files.contains_key(location) {
        return None;
    }
    let mut forward: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut backward: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (source, target) in &edges {
        forward.entry(source).or_default().push(target);
        backward.entry(target).or_default().push(source);
    }
    let reach = |links: &BTreeMap<&str, Vec<&str>>| {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut todo = vec![location.to_string()];
        while let Some(node) = todo.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for next in links.get(node.as_str()).into_iter().flatten() {
                todo.push((*next).to_string());
            }
        }
        seen
    };
    let mut kept = reach(&backward);
    kept.extend(reach(&forward));
    let mut nodes: Vec<Node> = kept
        .iter()
        .map(|id| match runs.get(id.as_str()) {
            Some(run) => Node {
                id: id.clone(),
                location: id.clone(),
                label: run.label.clone(),
                kind: "ProcessRun".into(),
            },
            None => Node {
                id: id.clone(),
                location: id.clone(),
                label: id.clone(),
                kind: if files.get(id).copied().unwrap_or(false) {
                    "Directory".into()
                } else {
                    "File".into()
                },
            },
        })
        .collect();
    nodes.sort();
    let edges = edges
        .into_iter()
        .filter(|(s, t)| kept.contains(s) && kept.contains(t))
        .map(|(source, target)| Edge { source, target })
        .collect();
    Some(Lineage { nodes, edges })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("2024-01-01T10:{minute:02}:00+00:00")).expect("date")
    }

    fn file(path: &str) -> PathUse {
        PathUse {
            location: path.into(),
            directory: false,
        }
    }

    fn run(id: &str, minute: u32, inputs: &[&str], outputs: &[&str]) -> ActivityIo {
        ActivityIo {
            id: id.into(),
            started: at(minute),
            label: format!("cmd {id}"),
            inputs: inputs.iter().map(|p| file(p)).collect(),
            outputs: outputs.iter().map(|p| file(p)).collect(),
        }
    }

    fn ids(l: &Lineage) -> Vec<&str> {
        l.nodes.iter().map(|n| n.id.as_str()).collect()
    }

    fn edge(s: &str, t: &str) -> Edge {
        Edge {
            source: s.into(),
            target: t.into(),
        }
    }

    #[test]
    fn upstream_and_downstream_of_a_file() {
        // raw -> clean -> mid -> plot -> fig ; mid -> stats -> table ; other -> unrelated -> x
        let activities = vec![
            run("a1", 1, &["raw.csv"], &["mid.csv"]),
            run("a2", 2, &["mid.csv"], &["fig.png"]),
            run("a3", 3, &["mid.csv"], &["table.txt"]),
            run("a4", 4, &["other.csv"], &["x.txt"]),
        ];
        let l = lineage(&activities, "fig.png").expect("lineage");
        assert_eq!(ids(&l), vec!["a1", "a2", "fig.png", "mid.csv", "raw.csv"]);
        assert_eq!(
            l.edges,
            vec![
                edge("a1", "mid.csv"),
                edge("a2", "fig.png"),
                edge("mid.csv", "a2"),
                edge("raw.csv", "a1"),
            ]
        );
        let l = lineage(&activities, "mid.csv").expect("lineage");
        assert_eq!(
            ids(&l),
            vec![
                "a1",
                "a2",
                "a3",
                "fig.png",
                "mid.csv",
                "raw.csv",
                "table.txt"
            ]
        );
        assert!(!ids(&l).contains(&"x.txt"));
        let run_node = l.nodes.iter().find(|n| n.id == "a1").expect("run");
        assert_eq!(run_node.kind, "ProcessRun");
        assert_eq!(run_node.label, "cmd a1");
        assert!(lineage(&activities, "nowhere.txt").is_none());
        assert!(lineage(&activities, "/raw.csv").is_some());
    }

    #[test]
    fn only_the_latest_writer_of_an_output_counts() {
        let activities = vec![
            run("old", 1, &["v1.csv"], &["out.csv"]),
            run("new", 5, &["v2.csv"], &["out.csv"]),
        ];
        let l = lineage(&activities, "out.csv").expect("lineage");
        assert_eq!(ids(&l), vec!["new", "out.csv", "v2.csv"]);
        // The superseded run is gone, also from the lineage of its input.
        assert!(lineage(&activities, "v1.csv").is_none());
    }

    #[test]
    fn directories_are_marked() {
        let mut a = run("a", 1, &[], &[]);
        a.inputs.push(PathUse {
            location: "data".into(),
            directory: true,
        });
        a.outputs.push(file("summary.txt"));
        let l = lineage(&[a], "summary.txt").expect("lineage");
        let dir = l.nodes.iter().find(|n| n.id == "data").expect("dir");
        assert_eq!(dir.kind, "Directory");
    }
}

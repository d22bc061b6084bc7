//! Reading plans and activities from the store: newest plan versions, names, lookups.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Activity, Plan};
use crate::store::cache::StoreIndex;
use crate::store::{Kind, Record, Store};
use crate::{Error, Result};

/// The newest version of every plan (removed ones included, flagged by `date_removed`),
/// keyed by plan lineage (the object id of its first version).
pub fn latest_plans(store: &Store, index: &StoreIndex) -> Result<Vec<Record<Plan>>> {
    let mut objects: BTreeSet<&str> = BTreeSet::new();
    if let Some(entries) = index.entries.get(&Kind::Plan) {
        for e in entries.values() {
            objects.insert(e.object_id.as_str());
        }
    }
    let mut out = Vec::new();
    for object in objects {
        if let Some(head) = index.latest(Kind::Plan, Some(object)) {
            out.push(store.read::<Plan>(Kind::Plan, &head)?);
        }
    }
    Ok(out)
}

/// Names of the newest versions of plans that are not removed (from the index alone).
pub fn active_plan_names(index: &StoreIndex) -> BTreeSet<String> {
    let Some(entries) = index.entries.get(&Kind::Plan) else {
        return BTreeSet::new();
    };
    let objects: BTreeSet<&str> = entries.values().map(|e| e.object_id.as_str()).collect();
    objects
        .into_iter()
        .filter_map(|o| index.latest(Kind::Plan, Some(o)))
        .filter_map(|head| entries.get(&head))
        .filter(|e| !e.removed)
        .filter_map(|e| e.name.clone())
        .collect()
}

/// Finds the newest version of a plan by name or id (`/plans/…` of any of its versions).
pub fn find_plan(
    store: &Store,
    index: &StoreIndex,
    name_or_id: &str,
) -> Result<Option<Record<Plan>>> {
    let plans = latest_plans(store, index)?;
    if let Some(p) = plans
        .iter()
        .find(|p| p.data.name == name_or_id && p.data.date_removed.is_none())
    {
        return Ok(Some(p.clone()));
    }
    let wanted = if name_or_id.starts_with("/plans/") {
        name_or_id.to_string()
    } else {
        format!("/plans/{name_or_id}")
    };
    // A plan id may name an older version: map it to its lineage's newest version.
    if let Some(entries) = index.entries.get(&Kind::Plan)
        && let Some(e) = entries
            .values()
            .find(|e| e.data_id.as_deref() == Some(wanted.as_str()))
    {
        return Ok(plans.into_iter().find(|p| p.object_id == e.object_id));
    }
    Ok(None)
}

/// Every activity, newest first.
pub fn activities(store: &Store, index: &StoreIndex) -> Result<Vec<Activity>> {
    let mut out = Vec::new();
    for (version, _) in index.live(Kind::Activity) {
        out.push(store.read::<Activity>(Kind::Activity, version)?.data);
    }
    out.sort_by(|a, b| {
        b.started_at_time
            .cmp(&a.started_at_time)
            .then_with(|| b.id.cmp(&a.id))
    });
    Ok(out)
}

/// Reads the plan version with id `plan_id` (looked up in the index, one record read).
pub fn plan_by_version_id(store: &Store, index: &StoreIndex, plan_id: &str) -> Result<Plan> {
    Ok(plan_record_by_version_id(store, index, plan_id)?.data)
}

/// The record of the plan version with id `plan_id`.
pub fn plan_record_by_version_id(
    store: &Store,
    index: &StoreIndex,
    plan_id: &str,
) -> Result<Record<Plan>> {
    let version = index.entries.get(&Kind::Plan).and_then(|entries| {
        entries
            .iter()
            .find(|(_, e)| e.data_id.as_deref() == Some(plan_id))
            .map(|(v, _)| v.clone())
    });
    match version {
        Some(v) => store.read(Kind::Plan, &v),
        None => Err(Error::Store(format!("plan {plan_id} not found"))),
    }
}

/// Activities indexed by the paths they generated, for upstream walks.
struct GeneratedBy<'a> {
    by_path: crate::exec::graph::PathIndex,
    used: Vec<&'a Vec<String>>,
}

impl<'a> GeneratedBy<'a> {
    fn new(index: &'a StoreIndex) -> Self {
        let mut by_path = crate::exec::graph::PathIndex::default();
        let mut used = Vec::new();
        for (_, e) in index.live(Kind::Activity) {
            for g in &e.generated {
                by_path.insert(g, used.len());
            }
            used.push(&e.used);
        }
        GeneratedBy { by_path, used }
    }

    /// Activities that generated `path`, a directory containing it, or something inside it.
    fn producers(&self, path: &str) -> BTreeSet<usize> {
        self.by_path.overlapping(path)
    }
}

/// Whether two repository paths are the same or one is a directory containing the other.
pub fn overlaps(a: &str, b: &str) -> bool {
    a == b
        || (a.len() > b.len() && a.starts_with(b) && a.as_bytes()[b.len()] == b'/')
        || (b.len() > a.len() && b.starts_with(a) && b.as_bytes()[a.len()] == b'/')
}

/// If recording an activity that uses `inputs` and generates `outputs` would close a cycle
/// (an output feeds, through recorded activities, one of the inputs), the cycle's paths.
/// Walks upstream from the inputs once; each activity is visited at most once.
pub fn find_cycle(
    index: &StoreIndex,
    inputs: &[String],
    outputs: &[String],
) -> Option<Vec<String>> {
    let graph = GeneratedBy::new(index);
    // Each path reached remembers the path it was reached from, to report the cycle.
    let mut reached_from: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut seen_activities: BTreeSet<usize> = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for i in inputs {
        if reached_from.insert(i.clone(), None).is_none() {
            stack.push(i.clone());
        }
    }
    while let Some(path) = stack.pop() {
        if outputs.iter().any(|o| overlaps(o, &path)) {
            let mut trail = vec![path.clone()];
            let mut cur = path;
            while let Some(Some(prev)) = reached_from.get(&cur) {
                trail.push(prev.clone());
                cur = prev.clone();
            }
            trail.reverse();
            return Some(trail);
        }
        for activity in graph.producers(&path) {
            if !seen_activities.insert(activity) {
                continue;
            }
            for u in graph.used[activity].iter() {
                if !reached_from.contains_key(u) {
                    reached_from.insert(u.clone(), Some(path.clone()));
                    stack.push(u.clone());
                }
            }
        }
    }
    None
}

/// Paths generated by activities, mapped to the newest activity that generated them.
pub fn generators(activities: &[Activity]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for a in activities.iter().rev() {
        for g in &a.generations {
            out.insert(g.entity.path.clone(), a.id.clone());
        }
    }
    out
}

/// The newest version of every plan that is not removed, sorted by name.
pub fn list_plans(project: &crate::repo::ProjectDir) -> Result<Vec<Plan>> {
    let store = project.store();
    let index = store.index()?;
    let mut plans: Vec<Plan> = latest_plans(&store, &index)?
        .into_iter()
        .filter(|r| !r.removed && r.data.date_removed.is_none())
        .map(|r| r.data)
        .collect();
    plans.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(plans)
}

/// A plan by name (newest version) or by the id of any of its versions.
pub fn plan_by_name_or_id(
    project: &crate::repo::ProjectDir,
    name_or_id: &str,
) -> Result<Option<Plan>> {
    let store = project.store();
    let index = store.index()?;
    if name_or_id.starts_with("/plans/") || !active_plan_names(&index).contains(name_or_id) {
        // An explicit id names that very version.
        if let Ok(p) = plan_by_version_id(&store, &index, name_or_id) {
            return Ok(Some(p));
        }
        if let Ok(p) = plan_by_version_id(&store, &index, &format!("/plans/{name_or_id}")) {
            return Ok(Some(p));
        }
    }
    Ok(find_plan(&store, &index, name_or_id)?
        .map(|r| r.data)
        .filter(|p| p.date_removed.is_none()))
}

/// The live plan `name_or_id` for a command that acts on it, or renku-python's error: a
/// plan that does not exist fails (exit 1), a removed one is a bad parameter (exit 2).
pub fn live_plan(project: &crate::repo::ProjectDir, name_or_id: &str) -> Result<Plan> {
    if let Some(plan) = plan_by_name_or_id(project, name_or_id)? {
        return Ok(plan);
    }
    let message = format!("The specified workflow '{name_or_id}' cannot be found.");
    let store = project.store();
    let index = store.index()?;
    if find_plan(&store, &index, name_or_id)?.is_some() || was_removed(&store, &index, name_or_id)?
    {
        Err(crate::Error::Parameter(message))
    } else {
        Err(crate::Error::Failed(message))
    }
}

/// Whether `name_or_id` names a plan whose newest version is removed (and no live plan took
/// the name since).
pub fn was_removed(store: &Store, index: &StoreIndex, name_or_id: &str) -> Result<bool> {
    let id = if name_or_id.starts_with("/plans/") {
        name_or_id.to_string()
    } else {
        format!("/plans/{name_or_id}")
    };
    Ok(latest_plans(store, index)?.iter().any(|p| {
        (p.removed || p.data.date_removed.is_some())
            && (p.data.name == name_or_id || p.data.id == id)
    }))
}

/// Names of the composite plans (newest versions, not removed) that have a version of the
/// plan `name_or_id` among their steps, sorted.
pub fn composites_using(
    project: &crate::repo::ProjectDir,
    name_or_id: &str,
) -> Result<Vec<String>> {
    let store = project.store();
    let index = store.index()?;
    let Some(plan) = find_plan(&store, &index, name_or_id)? else {
        return Ok(Vec::new());
    };
    let versions: BTreeSet<&str> = index
        .entries
        .get(&Kind::Plan)
        .map(|entries| {
            entries
                .values()
                .filter(|e| e.object_id == plan.object_id)
                .filter_map(|e| e.data_id.as_deref())
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = latest_plans(&store, &index)?
        .into_iter()
        .filter(|r| !r.removed && r.data.date_removed.is_none())
        .filter(|r| r.data.steps.iter().any(|s| versions.contains(s.as_str())))
        .map(|r| r.data.name)
        .collect();
    names.sort();
    Ok(names)
}

/// A plan with the plans of its steps, recursively.
pub fn plan_tree(
    project: &crate::repo::ProjectDir,
    plan: Plan,
) -> Result<super::composite::PlanTree> {
    let store = project.store();
    let index = store.index()?;
    super::composite::PlanTree::load(&store, &index, plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::cache::IndexEntry;

    fn activity(used: &[&str], generated: &[&str]) -> IndexEntry {
        IndexEntry {
            object_id: crate::util::new_hex_id(),
            derived_from: None,
            date: crate::util::now(),
            removed: false,
            len: 1,
            name: None,
            plan_id: None,
            used: used.iter().map(|s| s.to_string()).collect(),
            generated: generated.iter().map(|s| s.to_string()).collect(),
            data_id: None,
            used_checksums: Vec::new(),
            generated_checksums: Vec::new(),
            hidden_used: Vec::new(),
            ended: None,
            slug: None,
            merges: Vec::new(),
        }
    }

    fn index(activities: Vec<IndexEntry>) -> StoreIndex {
        let mut idx = StoreIndex::default();
        let entries = idx.entries.entry(Kind::Activity).or_default();
        for a in activities {
            entries.insert(crate::util::new_hex_id(), a);
        }
        idx
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn detects_direct_and_transitive_cycles() {
        let idx = index(vec![activity(&["a"], &["b"]), activity(&["b"], &["c"])]);
        assert_eq!(
            find_cycle(&idx, &v(&["b"]), &v(&["a"])),
            Some(v(&["b", "a"]))
        );
        assert_eq!(
            find_cycle(&idx, &v(&["c"]), &v(&["a"])),
            Some(v(&["c", "b", "a"]))
        );
        assert_eq!(find_cycle(&idx, &v(&["c"]), &v(&["d"])), None);
    }

    #[test]
    fn directories_overlap_their_contents() {
        let idx = index(vec![activity(&["in/x.txt"], &["out"])]);
        assert!(find_cycle(&idx, &v(&["out/part.txt"]), &v(&["in"])).is_some());
        assert!(find_cycle(&idx, &v(&["outside.txt"]), &v(&["in"])).is_none());
        assert!(!overlaps("out", "outer"));
        assert!(overlaps("out", "out/a"));
    }

    #[test]
    fn long_chains_are_walked_once() {
        let n = 2000;
        let acts: Vec<IndexEntry> = (0..n)
            .map(|i| {
                activity(
                    &[format!("s{i}").as_str()],
                    &[format!("s{}", i + 1).as_str()],
                )
            })
            .collect();
        let idx = index(acts);
        assert!(find_cycle(&idx, &v(&[format!("s{n}").as_str()]), &v(&["s0"])).is_some());
        assert!(find_cycle(&idx, &v(&[format!("s{n}").as_str()]), &v(&["t"])).is_none());
    }
}

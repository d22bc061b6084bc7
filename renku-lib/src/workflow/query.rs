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
    if let Some(entries) = index.entries.get(&Kind::Plan) {
        for (version, e) in entries {
            let rec: Record<Plan> = store.read(Kind::Plan, version)?;
            if rec.data.id == wanted {
                return Ok(plans.into_iter().find(|p| p.object_id == e.object_id));
            }
        }
    }
    Ok(None)
}

/// Every activity, newest first.
pub fn activities(store: &Store, index: &StoreIndex) -> Result<Vec<Activity>> {
    let mut out = Vec::new();
    if let Some(entries) = index.entries.get(&Kind::Activity) {
        for version in entries.keys() {
            out.push(store.read::<Activity>(Kind::Activity, version)?.data);
        }
    }
    out.sort_by(|a, b| {
        b.started_at_time
            .cmp(&a.started_at_time)
            .then_with(|| b.id.cmp(&a.id))
    });
    Ok(out)
}

/// Reads the plan version with id `plan_id`.
pub fn plan_by_version_id(store: &Store, index: &StoreIndex, plan_id: &str) -> Result<Plan> {
    let Some(entries) = index.entries.get(&Kind::Plan) else {
        return Err(Error::Store(format!("plan {plan_id} not found")));
    };
    for version in entries.keys() {
        let rec: Record<Plan> = store.read(Kind::Plan, version)?;
        if rec.data.id == plan_id {
            return Ok(rec.data);
        }
    }
    Err(Error::Store(format!("plan {plan_id} not found")))
}

fn overlaps(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
}

/// If recording an activity that uses `inputs` and generates `outputs` would close a cycle
/// (an output feeds, through recorded activities, one of the inputs), the cycle's paths.
pub fn find_cycle(
    index: &StoreIndex,
    inputs: &[String],
    outputs: &[String],
) -> Option<Vec<String>> {
    let activities: Vec<(&Vec<String>, &Vec<String>)> = index
        .entries
        .get(&Kind::Activity)
        .map(|e| {
            e.values()
                .filter(|e| !e.removed)
                .map(|e| (&e.used, &e.generated))
                .collect()
        })
        .unwrap_or_default();
    // Walk upstream from the inputs: whoever generated a path, and what they used.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<(String, Vec<String>)> = inputs
        .iter()
        .map(|i| (i.clone(), vec![i.clone()]))
        .collect();
    while let Some((path, trail)) = stack.pop() {
        if outputs.iter().any(|o| overlaps(o, &path)) {
            return Some(trail);
        }
        if !seen.insert(path.clone()) {
            continue;
        }
        for (used, generated) in &activities {
            if generated.iter().any(|g| overlaps(g, &path)) {
                for u in used.iter() {
                    let mut t = trail.clone();
                    t.push(u.clone());
                    stack.push((u.clone(), t));
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

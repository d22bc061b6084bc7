//! Consistency checks of the store and its cache (`renku doctor`).

use std::collections::{BTreeMap, BTreeSet};

use super::cache::StoreIndex;
use super::format::{FORMAT_FILE, FORMAT_VERSION, ProjectFormat};
use super::{Kind, STORE_DIR, Store};
use crate::Result;
use crate::repo::git::Git;

/// Where a problem lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemArea {
    /// The committed metadata store.
    Store,
    /// The derived cache (`renku doctor --fix` rebuilds it).
    Cache,
    /// An interrupted transaction (`renku doctor --fix` rolls it back).
    Transaction,
    /// Dataset metadata changed differently on merged branches.
    Dataset,
    /// The project's knowledge graph (references to missing nodes, contradictions).
    Graph,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub area: ProblemArea,
    /// What, for the user.
    pub message: String,
}

impl Problem {
    fn store(message: String) -> Problem {
        Problem {
            area: ProblemArea::Store,
            message,
        }
    }
}

/// Checks the store of the project at `store.root()`.
pub fn check_store(store: &Store, git: &Git) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    match super::format::detect(store.root()) {
        Ok(ProjectFormat::Native { version }) if version == FORMAT_VERSION => {}
        Ok(other) => problems.push(Problem::store(format!(
            "{FORMAT_FILE}: unexpected format {other:?}"
        ))),
        Err(e) => problems.push(Problem::store(e.to_string())),
    }

    // Every file under the store must be a record of a known kind, in the right place.
    let mut on_disk: BTreeSet<String> = BTreeSet::new();
    let mut records: BTreeMap<(Kind, String), (String, Option<String>)> = BTreeMap::new();
    let mut plan_ids: BTreeSet<String> = BTreeSet::new();
    let mut executed: Vec<(String, String)> = Vec::new();
    let mut collected: Vec<(String, Vec<String>)> = Vec::new();
    let mut activity_ids: BTreeSet<String> = BTreeSet::new();
    let root = store.dir();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            problems.push(Problem::store(format!("cannot list {}", dir.display())));
            continue;
        };
        for entry in rd.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(store.root())
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| path.display().to_string());
            on_disk.insert(rel.clone());
            if rel == FORMAT_FILE {
                continue;
            }
            let inner = rel.strip_prefix(&format!("{STORE_DIR}/")).unwrap_or(&rel);
            let parts: Vec<&str> = inner.split('/').collect();
            let (Some(kind), 3) = (
                parts.first().and_then(|k| Kind::from_dir_name(k)),
                parts.len(),
            ) else {
                problems.push(Problem::store(format!(
                    "{rel}: unexpected file in the store"
                )));
                continue;
            };
            let Some(version_id) = parts[2].strip_suffix(".json") else {
                problems.push(Problem::store(format!(
                    "{rel}: unexpected file in the store"
                )));
                continue;
            };
            if Store::record_path(kind, version_id) != rel {
                problems.push(Problem::store(format!(
                    "{rel}: record stored under the wrong directory"
                )));
            }
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(Problem::store(format!("{rel}: cannot read: {e}")));
                    continue;
                }
            };
            let record: super::Record<serde_json::Value> = match super::record::decode(&bytes) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(Problem::store(format!(
                        "{rel}: not a valid record (damaged or half-written): {e}"
                    )));
                    continue;
                }
            };
            if record.kind != kind || record.version_id != version_id {
                problems.push(Problem::store(format!(
                    "{rel}: holds {:?} version {} instead",
                    record.kind, record.version_id
                )));
            }
            match super::record::encode(&record) {
                Ok(canonical) if canonical != bytes => problems.push(Problem::store(format!(
                    "{rel}: not in canonical form (edited by hand?)"
                ))),
                Err(e) => problems.push(Problem::store(format!("{rel}: {e}"))),
                _ => {}
            }
            let invalid = match kind {
                Kind::Project => {
                    serde_json::from_value::<crate::model::Project>(record.data.clone()).err()
                }
                Kind::Plan => {
                    match serde_json::from_value::<crate::model::Plan>(record.data.clone()) {
                        Ok(plan) => {
                            plan_ids.insert(plan.id);
                            None
                        }
                        Err(e) => Some(e),
                    }
                }
                Kind::Activity => {
                    match serde_json::from_value::<crate::model::Activity>(record.data.clone()) {
                        Ok(activity) => {
                            executed.push((rel.clone(), activity.plan_id));
                            None
                        }
                        Err(e) => Some(e),
                    }
                }
                Kind::ActivityCollection => {
                    match serde_json::from_value::<crate::model::ActivityCollection>(
                        record.data.clone(),
                    ) {
                        Ok(c) => {
                            collected.push((rel.clone(), c.activities));
                            None
                        }
                        Err(e) => Some(e),
                    }
                }
                Kind::WorkflowFileActivityCollection => {
                    match serde_json::from_value::<crate::model::WorkflowFileActivityCollection>(
                        record.data.clone(),
                    ) {
                        Ok(c) => {
                            executed.push((rel.clone(), c.plan_id));
                            collected.push((rel.clone(), c.activities));
                            None
                        }
                        Err(e) => Some(e),
                    }
                }
                Kind::Dataset => {
                    serde_json::from_value::<crate::model::Dataset>(record.data.clone()).err()
                }
                Kind::DatasetTag => {
                    serde_json::from_value::<crate::model::DatasetTag>(record.data.clone()).err()
                }
            };
            if let Kind::Activity = kind
                && let Some(id) = record.data.get("id").and_then(|v| v.as_str())
            {
                activity_ids.insert(id.to_string());
            }
            if let Some(e) = invalid {
                problems.push(Problem::store(format!(
                    "{rel}: invalid {} metadata: {e}",
                    kind.dir_name()
                )));
            }
            records.insert(
                (kind, version_id.to_string()),
                (record.object_id, record.derived_from),
            );
        }
    }

    for ((kind, id), (object_id, derived)) in &records {
        if let Some(parent) = derived {
            match records.get(&(*kind, parent.clone())) {
                None => problems.push(Problem::store(format!(
                    "{}: derives from version {parent}, which does not exist",
                    Store::record_path(*kind, id)
                ))),
                Some((parent_object, _)) if parent_object != object_id => {
                    problems.push(Problem::store(format!(
                        "{}: derives from a version of another object ({parent_object})",
                        Store::record_path(*kind, id)
                    )))
                }
                _ => {}
            }
        }
    }
    for (rel, activities) in &collected {
        for a in activities {
            if !activity_ids.contains(a) {
                problems.push(Problem::store(format!(
                    "{rel}: lists activity {a}, which does not exist"
                )));
            }
        }
    }
    for (rel, plan_id) in &executed {
        if !plan_ids.contains(plan_id) {
            problems.push(Problem::store(format!(
                "{rel}: executed plan {plan_id}, which does not exist"
            )));
        }
    }
    let projects: BTreeSet<&String> = records
        .iter()
        .filter(|((k, _), _)| *k == Kind::Project)
        .map(|(_, (o, _))| o)
        .collect();
    match projects.len() {
        0 => problems.push(Problem::store("the store holds no project metadata".into())),
        1 => {}
        _ => problems.push(Problem::store(format!(
            "the store holds several projects: {projects:?}"
        ))),
    }

    // The store on disk must match what HEAD committed: anything else is a transaction that
    // did not finish.
    if let Some(head) = git.head_id()? {
        let committed = git.files_under(head, STORE_DIR)?;
        for rel in &on_disk {
            if !committed.contains_key(rel) {
                problems.push(Problem::store(format!("{rel}: not committed")));
            }
        }
        for rel in committed.keys() {
            if !on_disk.contains(rel) {
                problems.push(Problem::store(format!(
                    "{rel}: committed but missing from the work tree"
                )));
            }
        }
    }
    Ok(problems)
}

/// Checks that the cache (if present) agrees with the store.
pub fn check_cache(store: &Store) -> Result<Vec<Problem>> {
    let Some(cached) = StoreIndex::load_cached(store) else {
        return Ok(Vec::new());
    };
    let mut fresh = StoreIndex {
        version: cached.version,
        ..Default::default()
    };
    if let Err(e) = fresh.refresh(store) {
        return Ok(vec![Problem {
            area: ProblemArea::Cache,
            message: format!("cannot rebuild the cache: {e}"),
        }]);
    }
    let mut problems = Vec::new();
    for &kind in Kind::ALL {
        let a = cached.entries.get(&kind).cloned().unwrap_or_default();
        let b = fresh.entries.get(&kind).cloned().unwrap_or_default();
        let stale: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let missing: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        let differing: Vec<&String> = a
            .iter()
            .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
            .map(|(k, _)| k)
            .collect();
        if !differing.is_empty() {
            problems.push(Problem {
                area: ProblemArea::Cache,
                message: format!(
                    "the cache disagrees with the store on {} {} record(s)",
                    differing.len(),
                    kind.dir_name()
                ),
            });
        }
        if !stale.is_empty() || !missing.is_empty() {
            // Stale or incomplete entries are refreshed automatically on the next read; they
            // are only reported, not problems.
            tracing::info!(
                "cache of {} is behind the store ({} stale, {} new)",
                kind.dir_name(),
                stale.len(),
                missing.len()
            );
        }
    }
    Ok(problems)
}

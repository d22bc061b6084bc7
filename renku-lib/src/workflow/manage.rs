//! Changing recorded plans (`workflow remove`) and listing recorded paths
//! (`workflow inputs|outputs`).

use std::collections::BTreeSet;

use super::query;
use crate::context::CommandContext;
use crate::model::Plan;
use crate::repo::ProjectDir;
use crate::store::Kind;
use crate::{Error, Result};

/// Marks the plan `name_or_id` as removed: a new version with `date_removed` set, committed.
/// Its activities stay in the history.
pub fn remove_plan(ctx: &CommandContext, project: &ProjectDir, name_or_id: &str) -> Result<Plan> {
    let store = project.store();
    let mut tx = ctx.begin_transaction(project.root())?;
    let index = store.index()?;
    let current = query::find_plan(&store, &index, name_or_id)?
        .filter(|r| !r.removed && r.data.date_removed.is_none())
        .ok_or_else(|| {
            Error::Parameter(format!(
                "The specified workflow '{name_or_id}' cannot be found."
            ))
        })?;
    let now = crate::util::now();
    let mut removed = current.data.clone();
    removed.derived_from = Some(current.data.id.clone());
    removed.id = Plan::new_id();
    removed.date_modified = now;
    removed.date_removed = Some(now);
    let mut record = current.derive(tx.id(), removed.clone());
    record.removed = true;
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(removed)
}

/// Which recorded paths to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRole {
    /// Paths activities used.
    Inputs,
    /// Paths activities generated.
    Outputs,
}

/// What `workflow inputs|outputs` found.
#[derive(Debug, Clone, Default)]
pub struct RecordedPaths {
    /// The paths to print.
    pub paths: Vec<String>,
    /// Asked-for paths that are neither recorded nor inside a recorded directory.
    pub unknown: Vec<String>,
}

/// All paths used (or generated) by recorded activities; with `filter` (project-relative
/// paths), only those of the given paths that are recorded or lie inside a recorded
/// directory.
pub fn recorded_paths(
    project: &ProjectDir,
    role: PathRole,
    filter: &[String],
) -> Result<RecordedPaths> {
    let index = project.store().index()?;
    let mut all: BTreeSet<String> = BTreeSet::new();
    if let Some(entries) = index.entries.get(&Kind::Activity) {
        for e in entries.values().filter(|e| !e.removed) {
            let list = match role {
                PathRole::Inputs => &e.used,
                PathRole::Outputs => &e.generated,
            };
            all.extend(list.iter().cloned());
        }
    }
    if filter.is_empty() {
        return Ok(RecordedPaths {
            paths: all.into_iter().collect(),
            unknown: Vec::new(),
        });
    }
    let mut out = RecordedPaths::default();
    for wanted in filter {
        let inside = all
            .iter()
            .any(|p| p == wanted || wanted.starts_with(&format!("{p}/")));
        let below: Vec<&String> = all
            .iter()
            .filter(|p| p.starts_with(&format!("{wanted}/")))
            .collect();
        if inside {
            out.paths.push(wanted.clone());
        } else if !below.is_empty() {
            // A directory holding recorded paths: they are listed (renku-python lists them
            // too but then exits 1; a directory of inputs is not an error here).
            out.paths.extend(below.into_iter().cloned());
        } else {
            out.unknown.push(wanted.clone());
        }
    }
    out.paths.sort();
    out.paths.dedup();
    Ok(out)
}

//! `renku workflow revert`: undoing one recorded execution.
//!
//! The activity gets a new version marked removed, so it disappears from `status`, `update`,
//! `log` and the recorded inputs and outputs. Unless only the metadata is reverted, each
//! output it was the latest producer of gets the content of the previous producer back, or is
//! deleted when nothing else produced it.

use super::graph::{ActivityGraph, PlanFilter, within};
use crate::context::CommandContext;
use crate::model::{Activity, Plan};
use crate::repo::ProjectDir;
use crate::repo::transaction::Transaction;
use crate::store::{Kind, Record};
use crate::{Error, Result};

/// Options of `renku workflow revert`.
#[derive(Debug, Clone, Default)]
pub struct RevertOptions {
    /// `/activities/<id>` or the bare id.
    pub activity_id: String,
    /// Only mark the activity removed; leave its outputs alone.
    pub metadata_only: bool,
    /// Revert even when other activities used its outputs.
    pub force: bool,
    /// Also remove the activity's plan when no other execution of it remains.
    pub plan: bool,
}

/// What a revert did.
#[derive(Debug, Clone, Default)]
pub struct RevertReport {
    /// The reverted activity.
    pub activity_id: String,
    /// Outputs given back their previous content.
    pub restored: Vec<String>,
    /// Outputs deleted (nothing else generated them).
    pub deleted: Vec<String>,
    /// The plan removed with `--plan`.
    pub removed_plan: Option<String>,
}

/// Reverts one activity (see the module documentation) in one commit.
pub fn revert(
    ctx: &CommandContext,
    project: &ProjectDir,
    opts: &RevertOptions,
) -> Result<RevertReport> {
    let id = if opts.activity_id.starts_with("/activities/") {
        opts.activity_id.clone()
    } else {
        format!("/activities/{}", opts.activity_id)
    };
    let store = project.store();
    let root = project.root().to_path_buf();
    let mut tx = ctx.begin_transaction(&root)?;
    let index = store.index()?;
    let versions: Vec<(&String, &crate::store::cache::IndexEntry)> = index
        .entries
        .get(&Kind::Activity)
        .map(|e| {
            e.iter()
                .filter(|(_, e)| e.data_id.as_deref() == Some(id.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if versions.is_empty() {
        return Err(Error::Parameter(format!(
            "Cannot find activity with ID '{id}'."
        )));
    }
    let live = index
        .live(Kind::Activity)
        .into_iter()
        .find(|(_, e)| e.data_id.as_deref() == Some(id.as_str()));
    let Some((version, _)) = live else {
        return Err(Error::Parameter(format!(
            "Activity '{id}' is already deleted."
        )));
    };
    let record: Record<Activity> = store.read(Kind::Activity, version)?;
    let graph = ActivityGraph::relevant(&index, PlanFilter::AllPlans);
    let mut report = RevertReport {
        activity_id: id.clone(),
        ..Default::default()
    };
    if !opts.metadata_only {
        let git = project.git()?;
        // All live activities, newest first, to find each output's previous producer.
        let mut all: Vec<(&String, &crate::store::cache::IndexEntry)> = index.live(Kind::Activity);
        all.sort_by(|a, b| {
            let end = |e: &crate::store::cache::IndexEntry| e.ended.unwrap_or(e.date);
            end(b.1).cmp(&end(a.1))
        });
        let node = graph.nodes.iter().position(|n| n.id == id);
        let downstream_users = node.map(|n| graph.children(n)).unwrap_or_default();
        for generation in &record.data.generations {
            let path = &generation.entity.path;
            let producers: Vec<&crate::store::cache::IndexEntry> = all
                .iter()
                .filter(|(_, e)| e.generated.iter().any(|g| g == path))
                .map(|(_, e)| *e)
                .collect();
            let latest_is_this = producers
                .first()
                .is_some_and(|e| e.data_id.as_deref() == Some(id.as_str()));
            if !latest_is_this {
                continue;
            }
            if let Some(previous) = producers.get(1) {
                let pos = previous
                    .generated
                    .iter()
                    .position(|g| g == path)
                    .unwrap_or_default();
                let checksum = previous
                    .generated_checksums
                    .get(pos)
                    .cloned()
                    .unwrap_or_default();
                restore_content(&git, &mut tx, path, &checksum)?;
                report.restored.push(path.clone());
                continue;
            }
            let used_downstream = downstream_users.iter().any(|&m| {
                graph.nodes[m]
                    .used
                    .iter()
                    .any(|(u, _)| within(u, path) || within(path, u))
            });
            if used_downstream && !opts.force {
                return Err(Error::Parameter(
                    "Activity has downstream dependent activities: Pass '--force' if you want to revert the activity anyways.".into(),
                ));
            }
            remove_path(&mut tx, &root, path)?;
            report.deleted.push(path.clone());
        }
    }
    let mut removed = record.derive(tx.id(), record.data.clone());
    removed.removed = true;
    store.put(&mut tx, &removed)?;
    if opts.plan {
        let plan_object = index
            .entries
            .get(&Kind::Plan)
            .and_then(|e| {
                e.values()
                    .find(|p| p.data_id.as_deref() == Some(record.data.plan_id.as_str()))
            })
            .map(|p| p.object_id.clone());
        if let Some(object) = plan_object {
            let versions_of_plan: Vec<String> = index
                .entries
                .get(&Kind::Plan)
                .map(|e| {
                    e.values()
                        .filter(|p| p.object_id == object)
                        .filter_map(|p| p.data_id.clone())
                        .collect()
                })
                .unwrap_or_default();
            let still_used = index.live(Kind::Activity).iter().any(|(_, e)| {
                e.data_id.as_deref() != Some(id.as_str())
                    && e.plan_id
                        .as_ref()
                        .is_some_and(|p| versions_of_plan.contains(p))
            });
            if !still_used && let Some(head) = index.latest(Kind::Plan, Some(&object)) {
                let current: Record<Plan> = store.read(Kind::Plan, &head)?;
                if !current.removed {
                    let now = crate::util::now();
                    let mut plan = current.data.clone();
                    plan.derived_from = Some(current.data.id.clone());
                    plan.id = Plan::new_id();
                    plan.date_modified = now;
                    plan.date_removed = Some(now);
                    let mut rec = current.derive(tx.id(), plan);
                    rec.removed = true;
                    store.put(&mut tx, &rec)?;
                    report.removed_plan = Some(current.data.name.clone());
                }
            }
        }
    }
    tx.commit(&ctx.argv)?;
    Ok(report)
}

/// Writes the content git has under `checksum` (a blob, or a tree for a directory) to `rel`.
fn restore_content(
    git: &crate::repo::git::Git,
    tx: &mut Transaction,
    rel: &str,
    checksum: &str,
) -> Result<()> {
    let id = gix::ObjectId::from_hex(checksum.as_bytes())
        .map_err(|e| Error::Store(format!("bad checksum '{checksum}' of {rel}: {e}")))?;
    let repo = git.repo();
    let object = repo.find_object(id).map_err(|e| {
        Error::Failed(format!(
            "Cannot restore '{rel}': its earlier content ({checksum}) is not in the repository: {e}"
        ))
    })?;
    match object.kind {
        gix::object::Kind::Blob => tx.write_file(rel, &object.data),
        gix::object::Kind::Tree => {
            let root = tx.root().to_path_buf();
            remove_path(tx, &root, rel)?;
            let tree = object.into_tree();
            let mut recorder = gix::traverse::tree::Recorder::default();
            tree.traverse()
                .breadthfirst(&mut recorder)
                .map_err(|e| Error::git("cannot walk tree", e))?;
            for entry in recorder.records {
                if entry.mode.is_blob() {
                    let blob = repo
                        .find_object(entry.oid)
                        .map_err(|e| Error::git("cannot read blob", e))?;
                    tx.write_file(&format!("{rel}/{}", entry.filepath), &blob.data)?;
                }
            }
            Ok(())
        }
        other => Err(Error::Store(format!(
            "'{rel}' was recorded as a {other} object, which cannot be restored"
        ))),
    }
}

/// Removes the file, or every file in the directory, at `rel` within the transaction.
fn remove_path(tx: &mut Transaction, root: &std::path::Path, rel: &str) -> Result<()> {
    let abs = root.join(rel);
    if !abs.is_dir() {
        return tx.remove_file(rel);
    }
    let mut stack = vec![abs];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else if let Ok(r) = p.strip_prefix(root) {
                tx.remove_file(&r.to_string_lossy().replace('\\', "/"))?;
            }
        }
    }
    Ok(())
}

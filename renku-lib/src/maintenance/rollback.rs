//! `renku rollback`: go back to the state after an earlier renku command.
//!
//! Checkpoints are commits with a `renku-transaction` trailer that changed `.renku/`.
//! Rolling back resets the branch, index and work tree to the chosen checkpoint.

use std::collections::BTreeMap;
use std::process::Command;

use chrono::{DateTime, FixedOffset, Offset, Utc};
use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::repo::commit_message::transaction_of;
use crate::store::STORE_DIR;
use crate::{Error, Result};

/// A commit `rollback` can return to.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The commit.
    pub commit: ObjectId,
    /// Abbreviated commit id (7 hex).
    pub short_id: String,
    /// Commit date.
    pub date: DateTime<FixedOffset>,
    /// First line of the message.
    pub summary: String,
    /// Transaction id from the trailer.
    pub transaction: String,
}

fn git_err(ctx: &str) -> impl FnOnce(gix::Error) -> Error + '_ {
    move |e| Error::git(ctx, e)
}

/// Lists checkpoints, newest first, at most `limit`.
pub fn checkpoints(project: &ProjectDir, limit: usize) -> Result<Vec<Checkpoint>> {
    let git = project.git()?;
    let repo = git.repo();
    let Some(head) = git.head_id()? else {
        return Ok(Vec::new());
    };
    let walk = repo
        .rev_walk([head])
        .all()
        .map_err(git_err("cannot walk history"))?;
    let mut out = Vec::new();
    for info in walk {
        let info = info.map_err(|e| Error::git("cannot walk history", e))?;
        let commit = repo
            .find_commit(info.id)
            .map_err(git_err("cannot read commit"))?;
        let message = commit
            .message_raw()
            .map_err(git_err("cannot read commit"))?
            .to_str_lossy()
            .into_owned();
        let Some(tx) = transaction_of(&message) else {
            continue;
        };
        let renku_tree = |c: &gix::Commit<'_>| -> Result<Option<ObjectId>> {
            let tree = c.tree().map_err(git_err("cannot read tree"))?;
            Ok(tree
                .lookup_entry_by_path(".renku")
                .map_err(git_err("cannot read tree"))?
                .map(|e| e.object_id()))
        };
        let own = renku_tree(&commit)?;
        let parent = match commit.parent_ids().next() {
            Some(p) => renku_tree(
                &repo
                    .find_commit(p.detach())
                    .map_err(git_err("cannot read commit"))?,
            )?,
            None => None,
        };
        if own == parent {
            continue;
        }
        let time = commit.time().map_err(git_err("cannot read commit time"))?;
        let offset = FixedOffset::east_opt(time.offset)
            .unwrap_or(FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix()));
        let date = chrono::DateTime::from_timestamp(time.seconds, 0)
            .unwrap_or_default()
            .with_timezone(&offset);
        out.push(Checkpoint {
            commit: info.id,
            short_id: info.id.to_hex_with_len(7).to_string(),
            date,
            summary: message.lines().next().unwrap_or_default().to_string(),
            transaction: tx.to_string(),
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// How a path would change when rolling back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathChange {
    /// Exists at the checkpoint, not now: comes back.
    Restored,
    /// Differs: goes back to the checkpoint's content.
    Modified,
    /// Exists now, not at the checkpoint: goes away.
    Removed,
}

/// What rolling back to a checkpoint would change.
#[derive(Debug, Clone, Default)]
pub struct RollbackPreview {
    /// Metadata objects (`kind: version`), with their change.
    pub metadata: Vec<(String, PathChange)>,
    /// Other files, with their change.
    pub files: Vec<(String, PathChange)>,
}

impl RollbackPreview {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.metadata.is_empty() && self.files.is_empty()
    }
}

/// Compares HEAD with `checkpoint`.
pub fn preview(project: &ProjectDir, checkpoint: ObjectId) -> Result<RollbackPreview> {
    let git = project.git()?;
    let Some(head) = git.head_id()? else {
        return Ok(RollbackPreview::default());
    };
    let now = all_files(&git, head)?;
    let then = all_files(&git, checkpoint)?;
    let mut preview = RollbackPreview::default();
    let mut push = |path: &String, change: PathChange| {
        if let Some(rest) = path.strip_prefix(&format!("{STORE_DIR}/")) {
            let mut parts = rest.split('/');
            let kind = parts.next().unwrap_or_default();
            let id = parts
                .next_back()
                .unwrap_or_default()
                .trim_end_matches(".json");
            preview.metadata.push((format!("{kind}: {id}"), change));
        } else {
            preview.files.push((path.clone(), change));
        }
    };
    for (path, id) in &then {
        match now.get(path) {
            None => push(path, PathChange::Restored),
            Some(other) if other != id => push(path, PathChange::Modified),
            _ => {}
        }
    }
    for path in now.keys() {
        if !then.contains_key(path) {
            push(path, PathChange::Removed);
        }
    }
    Ok(preview)
}

fn all_files(git: &crate::repo::git::Git, commit: ObjectId) -> Result<BTreeMap<String, ObjectId>> {
    let tree = git
        .repo()
        .find_commit(commit)
        .map_err(git_err("cannot read commit"))?
        .tree()
        .map_err(git_err("cannot read tree"))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut recorder)
        .map_err(git_err("cannot walk tree"))?;
    Ok(recorder
        .records
        .into_iter()
        .filter(|e| !e.mode.is_tree())
        .map(|e| (e.filepath.to_str_lossy().into_owned(), e.oid))
        .collect())
}

/// Resets the project to `checkpoint` (branch, index and work tree). Requires a clean work
/// tree; takes the project lock.
pub fn rollback(ctx: &CommandContext, project: &ProjectDir, checkpoint: ObjectId) -> Result<()> {
    let git = project.git()?;
    crate::repo::status::ensure_clean(&git)?;
    let description = format!("renku {}", ctx.argv.join(" "));
    let _lock = crate::repo::lock::ProjectLock::acquire(project.root(), &description, &mut |h| {
        (ctx.on_lock_wait)(h)
    })?;
    let out = Command::new("git")
        .args(["reset", "--hard", "--quiet", &checkpoint.to_string()])
        .current_dir(project.root())
        .output()
        .map_err(|e| Error::Command(format!("Cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Command(format!(
            "git reset failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

//! Work-tree state: what changed compared to the index and HEAD, and a fingerprint of it.
//!
//! Both come from gix's status, which compares stat data against the index and only reads
//! files whose stat data changed: unchanged files are never re-hashed.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::git::Git;
use crate::error::IoContext;
use crate::{Error, Result};

/// How a path differs from what git has recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Staged in the index, differing from HEAD.
    Staged,
    /// Modified in the work tree, compared to the index.
    Modified,
    /// Deleted from the work tree.
    Deleted,
    /// Not known to git (and not ignored).
    Untracked,
    /// Unmerged (conflict).
    Conflict,
}

impl ChangeKind {
    fn label(self) -> &'static str {
        match self {
            ChangeKind::Staged => "staged",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Untracked => "untracked",
            ChangeKind::Conflict => "unmerged",
        }
    }
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Repository-relative path.
    pub path: String,
    /// What kind of change.
    pub kind: ChangeKind,
}

/// Lists staged, modified, deleted and untracked (not ignored) paths, sorted.
pub fn changes(git: &Git) -> Result<Vec<Change>> {
    changes_matching(git, true, Vec::new())
}

/// Like [`changes`], restricted by git pathspecs (e.g. `:(exclude).renku/store`); with
/// `staged = false` the comparison of HEAD with the index is skipped.
pub fn changes_matching(
    git: &Git,
    staged: bool,
    pathspecs: Vec<gix::bstr::BString>,
) -> Result<Vec<Change>> {
    let repo = git.repo();
    let status = repo
        .status(gix::progress::Discard)
        .map_err(|e| Error::git("cannot compute status", e))?
        .untracked_files(gix::status::UntrackedFiles::Files);
    let iter: Box<dyn Iterator<Item = std::result::Result<gix::status::Item, gix::Error>>> =
        if staged {
            Box::new(
                status
                    .into_iter(pathspecs)
                    .map_err(|e| Error::git("cannot compute status", e))?,
            )
        } else {
            Box::new(
                status
                    .into_index_worktree_iter(pathspecs)
                    .map_err(|e| Error::git("cannot compute status", e))?
                    .map(|r| r.map(gix::status::Item::IndexWorktree)),
            )
        };
    let mut out = Vec::new();
    for item in iter {
        let item = item.map_err(|e| Error::git("cannot compute status", e))?;
        let path = item.location().to_str_lossy().into_owned();
        let kind = match &item {
            gix::status::Item::TreeIndex(_) => ChangeKind::Staged,
            gix::status::Item::IndexWorktree(change) => {
                use gix::status::index_worktree::iter::Summary;
                match change.summary() {
                    None => continue,
                    Some(Summary::Added) => ChangeKind::Untracked,
                    Some(Summary::Removed) => ChangeKind::Deleted,
                    Some(Summary::Conflict) => ChangeKind::Conflict,
                    Some(_) => ChangeKind::Modified,
                }
            }
        };
        out.push(Change { path, kind });
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Fails with [`Error::DirtyRepository`] when the work tree or index has changes.
pub fn ensure_clean(git: &Git) -> Result<()> {
    let changes = changes(git)?;
    if changes.is_empty() {
        return Ok(());
    }
    let status = changes
        .iter()
        .map(|c| format!("\t{}: {}", c.kind.label(), c.path))
        .collect::<Vec<_>>()
        .join("\n");
    Err(Error::DirtyRepository { status })
}

/// The state of one path that differs from the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// The file exists with this git blob id.
    Present(ObjectId),
    /// The file is gone.
    Deleted,
}

/// A fingerprint of the work tree: HEAD plus the content (blob id) of every path that differs
/// from the index. Paths matching the index are described by the index itself. Two
/// fingerprints taken before and after a command tell exactly which paths it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// HEAD when the fingerprint was taken.
    pub head: Option<ObjectId>,
    /// Every path differing from the index, with its current content.
    pub dirty: BTreeMap<String, FileState>,
}

impl Fingerprint {
    /// Paths whose state differs between `self` (before) and `after`.
    pub fn changed_paths(&self, after: &Fingerprint) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (path, state) in &after.dirty {
            if self.dirty.get(path) != Some(state) {
                out.push(path.clone());
            }
        }
        for path in self.dirty.keys() {
            if !after.dirty.contains_key(path) {
                out.push(path.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Takes a [`Fingerprint`] of the work tree. Only files that differ from the index are read;
/// the metadata store (written only by renku itself) is not looked at.
pub fn fingerprint(git: &Git) -> Result<Fingerprint> {
    let head = git.head_id()?;
    let mut dirty = BTreeMap::new();
    let exclude = vec![gix::bstr::BString::from(format!(
        ":(exclude){}",
        crate::store::STORE_DIR
    ))];
    for change in changes_matching(git, false, exclude)? {
        if change.kind == ChangeKind::Staged {
            // Staged content is compared through the work tree state below when it differs.
            continue;
        }
        let abs = git.root().join(&change.path);
        let state = match std::fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(meta) => {
                let bytes = if meta.file_type().is_symlink() {
                    std::fs::read_link(&abs)
                        .io_context(|| format!("Cannot read link {}", change.path))?
                        .to_string_lossy()
                        .into_owned()
                        .into_bytes()
                } else {
                    std::fs::read(&abs).io_context(|| format!("Cannot read {}", change.path))?
                };
                let id = gix::objs::compute_hash(
                    git.repo().object_hash(),
                    gix::objs::Kind::Blob,
                    &bytes,
                )
                .map_err(|e| Error::git("cannot hash", e))?;
                FileState::Present(id)
            }
            Err(_) => FileState::Deleted,
        };
        dirty.insert(change.path, state);
    }
    Ok(Fingerprint { head, dirty })
}

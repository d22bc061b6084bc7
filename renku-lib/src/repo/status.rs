//! Work-tree state: what changed compared to the index and HEAD, and a fingerprint of it.
//!
//! Both come from gix's status, which compares stat data against the index and only reads
//! files whose stat data changed: unchanged files are never re-hashed.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::git::Git;
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

fn index_stamp_path(git: &Git) -> Result<std::path::PathBuf> {
    Ok(super::renku_git_dir(git.root())?.join("index-stamp"))
}

fn index_stamp(git: &Git) -> Option<String> {
    let meta = std::fs::metadata(git.index_path()).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let head = git.head_id().ok()??;
    Some(format!("{mtime} {} {head}", meta.len()))
}

/// Remembers the index and HEAD as they are when the index matches HEAD (after a renku
/// commit, or after a comparison found nothing staged): the index's modification time and
/// size and the HEAD commit, so that the next command can tell cheaply whether anything was
/// staged or committed since.
pub fn record_index_stamp(git: &Git) -> Result<()> {
    let Some(stamp) = index_stamp(git) else {
        return Ok(());
    };
    crate::util::write_atomic(&index_stamp_path(git)?, stamp.as_bytes(), None)
}

/// Whether the index may hold staged changes: `false` when the index and HEAD are exactly as
/// they were when the index last matched HEAD, `true` otherwise. Two metadata reads.
pub fn index_may_have_staged_changes(git: &Git) -> Result<bool> {
    if git.head_id()?.is_none() {
        return Ok(false);
    }
    let recorded = std::fs::read_to_string(index_stamp_path(git)?).ok();
    Ok(recorded.is_none() || recorded != index_stamp(git))
}

/// Paths whose staged content (index) differs from HEAD. Reads only the index and HEAD's
/// trees, never the work tree. When nothing is staged, remembers that (see
/// [`record_index_stamp`]) so that the next command skips the comparison.
pub fn staged_paths(git: &Git) -> Result<Vec<String>> {
    let stamp_before = index_stamp(git);
    let mut out: Vec<String> = tree_index_changes(git)?
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    out.sort();
    // Remembered only if nothing changed the index or HEAD while comparing.
    if out.is_empty()
        && let Some(stamp) = stamp_before.filter(|s| Some(s) == index_stamp(git).as_ref())
        && let Err(e) = index_stamp_path(git)
            .and_then(|p| crate::util::write_atomic(&p, stamp.as_bytes(), None))
    {
        tracing::debug!("cannot remember the index state: {e}");
    }
    Ok(out)
}

/// How a staged path differs from HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StagedKind {
    Added,
    Modified,
    Deleted,
}

/// Every path whose index entry differs from HEAD, with how (empty without a HEAD commit).
fn tree_index_changes(git: &Git) -> Result<Vec<(String, StagedKind)>> {
    let repo = git.repo();
    let Some(head) = git.head_id()? else {
        return Ok(Vec::new());
    };
    let tree = repo
        .find_commit(head)
        .map_err(|e| Error::git("cannot read HEAD", e))?
        .tree_id()
        .map_err(|e| Error::git("cannot read HEAD tree", e))?;
    let index = repo
        .index_or_empty()
        .map_err(|e| Error::git("cannot read the index", e))?;
    let mut out = Vec::new();
    repo.tree_index_status(
        &tree,
        &index,
        None,
        gix::status::tree_index::TrackRenames::Disabled,
        |change, _, _| {
            use gix::diff::index::ChangeRef;
            let kind = match change {
                ChangeRef::Addition { .. } => StagedKind::Added,
                ChangeRef::Deletion { .. } => StagedKind::Deleted,
                ChangeRef::Modification { .. } | ChangeRef::Rewrite { .. } => StagedKind::Modified,
            };
            out.push((change.location().to_str_lossy().into_owned(), kind));
            Ok(std::ops::ControlFlow::Continue(()))
        },
    )
    .map_err(|e| Error::git("cannot compare the index with HEAD", e))?;
    Ok(out)
}

/// Paths staged in the index as new files (not in HEAD) and as modified files (in HEAD with
/// other content), each sorted. Deletions are left out. Reads only the index and HEAD's trees.
pub fn staged_additions_and_modifications(git: &Git) -> Result<(Vec<String>, Vec<String>)> {
    let (mut added, mut modified) = (Vec::new(), Vec::new());
    if git.head_id()?.is_none() {
        // The first commit: everything in the index is new.
        let index = git
            .repo()
            .index_or_empty()
            .map_err(|e| Error::git("cannot read the index", e))?;
        for entry in index.entries() {
            added.push(entry.path(&index).to_str_lossy().into_owned());
        }
    } else {
        for (path, kind) in tree_index_changes(git)? {
            match kind {
                StagedKind::Added => added.push(path),
                StagedKind::Modified => modified.push(path),
                StagedKind::Deleted => {}
            }
        }
    }
    added.sort();
    modified.sort();
    Ok((added, modified))
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

/// Directories a fingerprint never looks into for untracked files: renku's own metadata,
/// written and committed only through transactions, and its caches.
const FINGERPRINT_SKIPPED_DIRS: &[&str] = &[".renku/store", ".renku/cache", ".renku/tmp"];

/// Collects untracked files during a directory walk, without entering the skipped directories.
struct UntrackedFiles {
    paths: Vec<String>,
}

impl gix::dir::walk::Delegate for UntrackedFiles {
    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed_directory_status: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        if entry.status == gix::dir::entry::Status::Untracked
            && matches!(
                entry.disk_kind,
                Some(gix::dir::entry::Kind::File | gix::dir::entry::Kind::Symlink)
            )
        {
            self.paths.push(entry.rela_path.to_str_lossy().into_owned());
        }
        std::ops::ControlFlow::Continue(())
    }

    fn can_recurse(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        for_deletion: Option<gix::dir::walk::ForDeletionMode>,
        worktree_root_is_repository: bool,
    ) -> bool {
        let path = entry.rela_path.as_ref();
        if FINGERPRINT_SKIPPED_DIRS
            .iter()
            .any(|d| path == d.as_bytes())
        {
            return false;
        }
        entry.status.can_recurse(
            entry.disk_kind,
            entry.pathspec_match,
            for_deletion,
            worktree_root_is_repository,
        )
    }
}

/// Untracked, not ignored files outside renku's metadata directories.
fn untracked_files(git: &Git) -> Result<Vec<String>> {
    let repo = git.repo();
    let index = repo
        .index_or_empty()
        .map_err(|e| Error::git("cannot read the index", e))?;
    let options = repo
        .dirwalk_options()
        .map_err(|e| Error::git("cannot walk the work tree", e))?
        .emit_untracked(gix::dir::walk::EmissionMode::Matching)
        .emit_tracked(false)
        .emit_ignored(None);
    let mut delegate = UntrackedFiles { paths: Vec::new() };
    let interrupt = std::sync::atomic::AtomicBool::new(false);
    repo.dirwalk(
        &index,
        Vec::<gix::bstr::BString>::new(),
        &interrupt,
        options,
        &mut delegate,
    )
    .map_err(|e| Error::git("cannot walk the work tree", e))?;
    Ok(delegate.paths)
}

/// Takes a [`Fingerprint`] of the work tree. Only files that differ from the index are read;
/// renku's metadata store (written only by renku itself) is not looked at.
pub fn fingerprint(git: &Git) -> Result<Fingerprint> {
    let head = git.head_id()?;
    let mut dirty = BTreeMap::new();
    let repo = git.repo();
    let exclude = vec![gix::bstr::BString::from(format!(
        ":(exclude){}",
        crate::store::STORE_DIR
    ))];
    let status = repo
        .status(gix::progress::Discard)
        .map_err(|e| Error::git("cannot compute status", e))?
        .untracked_files(gix::status::UntrackedFiles::None);
    let mut candidates: Vec<String> = Vec::new();
    for item in status
        .into_index_worktree_iter(exclude)
        .map_err(|e| Error::git("cannot compute status", e))?
    {
        let item = item.map_err(|e| Error::git("cannot compute status", e))?;
        if item.summary().is_some() {
            candidates.push(item.rela_path().to_str_lossy().into_owned());
        }
    }
    candidates.extend(untracked_files(git)?);
    for path in candidates {
        let abs = git.root().join(&path);
        let state = match std::fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(meta) => {
                let id = super::git::blob_id(git.repo(), &super::git::blob_content(&abs, &meta)?)?;
                FileState::Present(id)
            }
            Err(_) => FileState::Deleted,
        };
        dirty.insert(path, state);
    }
    Ok(Fingerprint { head, dirty })
}

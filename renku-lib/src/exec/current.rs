//! The current content of recorded paths, compared with the checksums activities recorded.
//!
//! Content comes from git's index and stat cache: one status pass (as `git status` does) finds
//! the files whose stat data changed, and only those are hashed. A clean file is described by
//! its index entry, a clean directory by HEAD's tree; a path is re-hashed only when these differ
//! from the recorded checksum (content git filters, such as Git LFS pointers, or ignored files
//! inside a recorded directory).

use std::cell::RefCell;
use std::collections::BTreeMap;

use gix::bstr::ByteSlice;

use crate::Result;
use crate::repo::git::Git;
use crate::repo::status::{FileState, Fingerprint, fingerprint};

/// How a path compares with a recorded checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// The content is the recorded one.
    Same,
    /// The path exists with other content.
    Changed,
    /// The path does not exist.
    Deleted,
}

/// The work tree as a status pass saw it.
pub struct WorkTree<'a> {
    git: &'a Git,
    fingerprint: Fingerprint,
    index: gix::worktree::Index,
    head_tree: Option<gix::ObjectId>,
    staged: Vec<String>,
    memo: RefCell<BTreeMap<(String, String), Content>>,
}

impl<'a> WorkTree<'a> {
    /// Takes the status of the work tree of `git`.
    pub fn load(git: &'a Git) -> Result<WorkTree<'a>> {
        let fingerprint = fingerprint(git)?;
        let repo = git.repo();
        let index = repo
            .index_or_empty()
            .map_err(|e| crate::Error::git("cannot read the index", e))?;
        let head_tree = match fingerprint.head {
            Some(id) => Some(
                repo.find_commit(id)
                    .map_err(|e| crate::Error::git("cannot read HEAD", e))?
                    .tree_id()
                    .map_err(|e| crate::Error::git("cannot read HEAD tree", e))?
                    .detach(),
            ),
            None => None,
        };
        let staged = if crate::repo::status::index_may_have_staged_changes(git)? {
            crate::repo::status::staged_paths(git)?
        } else {
            Vec::new()
        };
        Ok(WorkTree {
            git,
            fingerprint,
            index,
            head_tree,
            staged,
            memo: RefCell::new(BTreeMap::new()),
        })
    }

    /// Whether `rel` (a file or directory, repository-relative) still has the content
    /// `recorded` (a git blob or tree id).
    pub fn compare(&self, rel: &str, recorded: &str) -> Result<Content> {
        let key = (rel.to_string(), recorded.to_string());
        if let Some(c) = self.memo.borrow().get(&key) {
            return Ok(*c);
        }
        let c = self.compare_uncached(rel, recorded)?;
        self.memo.borrow_mut().insert(key, c);
        Ok(c)
    }

    fn compare_uncached(&self, rel: &str, recorded: &str) -> Result<Content> {
        let abs = self.git.root().join(rel);
        let meta = match std::fs::symlink_metadata(&abs) {
            Ok(m) => m,
            Err(_) => return Ok(Content::Deleted),
        };
        let recorded_id = gix::ObjectId::from_hex(recorded.as_bytes()).ok();
        let same = |id: gix::ObjectId| recorded_id == Some(id);
        if meta.is_dir() {
            let prefix = format!("{rel}/");
            let dirty = self
                .fingerprint
                .dirty
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(&prefix))
                || self.staged.iter().any(|p| p.starts_with(&prefix));
            if !dirty
                && let Some(id) = self.head_tree_entry(rel)?
                && same(id)
            {
                return Ok(Content::Same);
            }
            return Ok(if same(self.git.hash_path(rel)?) {
                Content::Same
            } else {
                Content::Changed
            });
        }
        match self.fingerprint.dirty.get(rel) {
            Some(FileState::Present(id)) if same(*id) => return Ok(Content::Same),
            // Raw content differs: a file git filters (Git LFS) may still match as committed.
            Some(FileState::Deleted) => return Ok(Content::Deleted),
            Some(FileState::Present(_)) | None => {}
        }
        let dirty = self.fingerprint.dirty.contains_key(rel);
        if !dirty
            && let Some(entry) = self.index.entry_by_path(rel.as_bytes().as_bstr())
            && same(entry.id)
        {
            return Ok(Content::Same);
        }
        // Not what the index says (or not in the index): hash what is there.
        Ok(if same(self.git.hash_path(rel)?) {
            Content::Same
        } else {
            Content::Changed
        })
    }

    fn head_tree_entry(&self, rel: &str) -> Result<Option<gix::ObjectId>> {
        let Some(tree) = self.head_tree else {
            return Ok(None);
        };
        let tree = self
            .git
            .repo()
            .find_tree(tree)
            .map_err(|e| crate::Error::git("cannot read HEAD tree", e))?;
        let entry = tree
            .lookup_entry_by_path(rel)
            .map_err(|e| crate::Error::git("cannot read HEAD tree", e))?;
        Ok(entry.filter(|e| e.mode().is_tree()).map(|e| e.object_id()))
    }
}

//! The files of a set of commits and their history, read with gix: every commit reachable
//! from the tips, each distinct subtree (by id and place) read once, blob sizes from object
//! headers (the content is never inflated for a size).

use std::collections::{HashMap, HashSet};

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::repo::lfs::Pointer;
use crate::{Error, Result};

/// Which commits to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// HEAD and its history.
    Head,
    /// Every reference (branches, remote branches, tags) and HEAD, with their history.
    AllRefs,
}

fn git_err(context: &str) -> impl FnOnce(gix::Error) -> Error + '_ {
    move |e| Error::git(context, e)
}

/// The commits the walk of `scope` starts from (none on an unborn branch).
pub fn tips(repo: &gix::Repository, scope: Scope) -> Result<Vec<ObjectId>> {
    let mut out: Vec<ObjectId> = Vec::new();
    let mut head = repo.head().map_err(git_err("cannot read HEAD"))?;
    if let Some(id) = head
        .try_peel_to_id()
        .map_err(git_err("cannot resolve HEAD"))?
    {
        out.push(id.detach());
    }
    if scope == Scope::AllRefs {
        let platform = repo
            .references()
            .map_err(git_err("cannot list references"))?;
        let mut targets = Vec::new();
        for reference in platform.all().map_err(git_err("cannot list references"))? {
            let reference = reference.map_err(git_err("cannot read a reference"))?;
            if let Some(id) = reference.try_id() {
                targets.push(id.detach());
            }
        }
        for id in targets {
            // Tags may name trees or blobs; only commits have a history.
            let Ok(object) = repo.find_object(id) else {
                continue;
            };
            if let Ok(commit) = object.peel_to_kind(gix::object::Kind::Commit) {
                out.push(commit.id);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Calls `visit(path, blob id, size)` for the regular files (not symbolic links or
/// submodules) of every commit reachable from `tips`. A file whose subtree is the same in
/// two commits is visited once; a file in a changed subtree may be visited again with the
/// same id, so callers deduplicate.
pub fn for_each_blob(
    repo: &gix::Repository,
    tips: &[ObjectId],
    mut visit: impl FnMut(&str, ObjectId, u64) -> Result<()>,
) -> Result<()> {
    if tips.is_empty() {
        return Ok(());
    }
    let walk = repo
        .rev_walk(tips.iter().copied())
        .all()
        .map_err(git_err("cannot walk the history"))?;
    let mut seen_trees: HashSet<(ObjectId, String)> = HashSet::new();
    let mut sizes: HashMap<ObjectId, u64> = HashMap::new();
    for info in walk {
        let info = info.map_err(git_err("cannot walk the history"))?;
        crate::interrupt::check()?;
        let tree = repo
            .find_commit(info.id)
            .map_err(git_err("cannot read a commit"))?
            .tree_id()
            .map_err(git_err("cannot read a commit"))?
            .detach();
        let mut stack = vec![(tree, String::new())];
        while let Some((id, prefix)) = stack.pop() {
            if !seen_trees.insert((id, prefix.clone())) {
                continue;
            }
            let tree = repo.find_tree(id).map_err(git_err("cannot read a tree"))?;
            let decoded = tree
                .decode()
                .map_err(|e| Error::git("cannot read a tree", e))?;
            for entry in &decoded.entries {
                let name = entry.filename.to_str_lossy();
                let path = if prefix.is_empty() {
                    name.into_owned()
                } else {
                    format!("{prefix}/{name}")
                };
                let oid = entry.oid.to_owned();
                if entry.mode.is_tree() {
                    stack.push((oid, path));
                } else if entry.mode.is_blob() {
                    let size = match sizes.get(&oid) {
                        Some(s) => *s,
                        None => {
                            let s = repo
                                .find_header(oid)
                                .map_err(git_err("cannot read an object header"))?
                                .size();
                            sizes.insert(oid, s);
                            s
                        }
                    };
                    visit(&path, oid, size)?;
                }
            }
        }
    }
    Ok(())
}

/// Tells which blobs are LFS pointers, reading each small blob once.
#[derive(Default)]
pub struct PointerCache {
    known: HashMap<ObjectId, Option<Pointer>>,
}

impl PointerCache {
    /// The pointer blob `id` (of `size` bytes) holds, if it is one.
    pub fn pointer(
        &mut self,
        repo: &gix::Repository,
        id: ObjectId,
        size: u64,
    ) -> Result<Option<Pointer>> {
        // Pointer files are about 130 bytes; git-lfs never reads more than 1024.
        if size == 0 || size > 1024 {
            return Ok(None);
        }
        if let Some(known) = self.known.get(&id) {
            return Ok(known.clone());
        }
        let blob = repo.find_blob(id).map_err(git_err("cannot read a blob"))?;
        let pointer = Pointer::parse(&blob.data);
        self.known.insert(id, pointer.clone());
        Ok(pointer)
    }
}

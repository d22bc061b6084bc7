//! `renku lfs ls`: the files of the index that are stored in Git LFS.

use std::path::Path;

use gix::bstr::ByteSlice;
use serde::Serialize;

use super::history::PointerCache;
use crate::repo::ProjectDir;
use crate::repo::lfs::{LfsFilter, Pointer, index_or_empty, object_path, objects_dir};
use crate::{Error, Result};

/// A file stored in Git LFS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LfsFile {
    /// Repository-relative path.
    pub path: String,
    /// SHA-256 of the content (the pointer's oid).
    pub oid: String,
    /// Size of the content in bytes.
    pub size: u64,
    /// Whether the work tree holds the content (not the pointer file).
    pub present: bool,
    /// Whether the content is in the local object store (`.git/lfs/objects`).
    pub cached: bool,
}

/// The files of the index whose `filter` attribute is `lfs` and whose staged blob is an LFS
/// pointer, sorted by path.
pub fn list(project: &ProjectDir) -> Result<Vec<LfsFile>> {
    let git = project.git()?;
    let repo = git.repo();
    let index = index_or_empty(repo)?;
    let mut filter = LfsFilter::from_attributes(repo, &index)?;
    let objects = objects_dir(repo);
    let mut pointers = PointerCache::default();
    let mut out = Vec::new();
    for entry in index.entries() {
        if entry.mode != gix::index::entry::Mode::FILE
            && entry.mode != gix::index::entry::Mode::FILE_EXECUTABLE
        {
            continue;
        }
        let rel = entry.path(&index).to_str_lossy().into_owned();
        if !filter.applies(&rel)? {
            continue;
        }
        let size = repo
            .find_header(entry.id)
            .map_err(|e| Error::git("cannot read an object header", e))?
            .size();
        let Some(pointer) = pointers.pointer(repo, entry.id, size)? else {
            continue;
        };
        out.push(LfsFile {
            present: holds_content(&project.root().join(&rel), &pointer),
            cached: is_cached(&objects, &pointer),
            path: rel,
            oid: pointer.oid,
            size: pointer.size,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Whether the file at `abs` holds the content `pointer` stands for rather than a pointer
/// (judged by its size, as git-lfs does; the content is not hashed).
pub fn holds_content(abs: &Path, pointer: &Pointer) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(abs) else {
        return false;
    };
    if !meta.is_file() || meta.len() != pointer.size {
        return false;
    }
    if meta.len() > 1024 {
        return true;
    }
    std::fs::read(abs).is_ok_and(|bytes| Pointer::parse(&bytes).is_none())
}

/// Whether the object of `pointer` is in the object store at `objects` (with its size).
pub fn is_cached(objects: &Path, pointer: &Pointer) -> bool {
    std::fs::metadata(object_path(objects, &pointer.oid)).is_ok_and(|m| m.len() == pointer.size)
}

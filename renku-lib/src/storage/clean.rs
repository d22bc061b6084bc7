//! `renku lfs clean`: replace the local content of LFS files by their pointer files, to free
//! the space the work-tree copies take.
//!
//! Done in-process, and only where no data can be lost: the file must be committed (staged)
//! as an LFS pointer and its work-tree content must be exactly that pointer's object (a file
//! with uncommitted changes is left alone). Before the file is replaced, its content is in the
//! local object store (`.git/lfs/objects`; copied there if it was missing). The object is kept,
//! so `renku lfs pull` restores the file without a download; the objects of pushed commits can
//! be dropped from the store with `git lfs prune`. Each file is replaced atomically (it keeps
//! its permissions) and its index entry gets the new file's stat data, so `git status` stays
//! clean. Nothing is committed.

use std::path::PathBuf;

use gix::bstr::ByteSlice;

use super::history::PointerCache;
use super::paths;
use crate::context::CommandContext;
use crate::error::IoContext;
use crate::repo::ProjectDir;
use crate::repo::lfs::{LfsFilter, Pointer, hash_file, objects_dir, store_file};
use crate::{Error, Result};

/// What `clean` did, per repository-relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanReport {
    /// Replaced by their pointer files.
    pub cleaned: Vec<String>,
    /// Already pointer files.
    pub already_pointers: Vec<String>,
    /// Not stored in Git LFS (not in the index, not LFS-filtered, or not committed as a
    /// pointer); left alone.
    pub not_in_lfs: Vec<String>,
    /// Their content differs from the committed pointer (uncommitted changes); left alone.
    pub modified: Vec<String>,
}

/// Replaces the content of the LFS files among `paths` (files, or directories for all LFS
/// files below them) by their pointer files. Takes the project lock.
pub fn clean(ctx: &CommandContext, project: &ProjectDir, paths: &[PathBuf]) -> Result<CleanReport> {
    let resolved = paths::resolve(project, paths)?;
    let root = project.root();
    let git = project.git()?;
    let repo = git.repo();
    let _lock = ctx.lock(root)?;
    let mut index = gix::index::File::at_or_default(
        repo.index_path(),
        repo.object_hash(),
        false,
        Default::default(),
    )
    .map_err(|e| Error::git("cannot read the index", e))?;
    let mut filter = LfsFilter::from_attributes(repo, &index)?;
    let mut report = CleanReport::default();

    // The index entries the paths select.
    // (path, staged blob, named on the command line rather than found in a directory)
    let mut selected: Vec<(String, gix::ObjectId, bool)> = Vec::new();
    for p in &resolved {
        let before = selected.len();
        for entry in index.entries() {
            if entry.mode != gix::index::entry::Mode::FILE
                && entry.mode != gix::index::entry::Mode::FILE_EXECUTABLE
            {
                continue;
            }
            let rel = entry.path(&index).to_str_lossy().into_owned();
            let hit = if p.is_dir {
                paths::is_within(&rel, &p.rel)
            } else {
                rel == p.rel
            };
            if hit && !selected.iter().any(|(r, _, _)| *r == rel) {
                selected.push((rel, entry.id, !p.is_dir));
            }
        }
        if selected.len() == before && !p.is_dir {
            report.not_in_lfs.push(p.rel.clone());
        }
    }

    let objects = objects_dir(repo);
    let mut pointers = PointerCache::default();
    for (rel, id, explicit) in selected {
        let size = repo
            .find_header(id)
            .map_err(|e| Error::git("cannot read an object header", e))?
            .size();
        let pointer = match pointers.pointer(repo, id, size)? {
            Some(p) if filter.applies(&rel)? => p,
            _ => {
                // Files of a directory that are not in LFS are not worth a mention.
                if explicit {
                    report.not_in_lfs.push(rel);
                }
                continue;
            }
        };
        let abs = root.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&abs) else {
            // Deleted from the work tree: nothing to clean.
            continue;
        };
        if !meta.is_file() {
            report.not_in_lfs.push(rel);
            continue;
        }
        if meta.len() <= 1024
            && std::fs::read(&abs)
                .io_context(|| format!("Cannot read {rel}"))
                .map(|b| Pointer::parse(&b).is_some())?
        {
            report.already_pointers.push(rel);
            continue;
        }
        if meta.len() != pointer.size || !content_is_safe(repo, &objects, &abs, &pointer)? {
            report.modified.push(rel);
            continue;
        }
        crate::interrupt::check()?;
        crate::util::write_atomic(
            &abs,
            &pointer.encode(),
            Some(&repo.common_dir().join("lfs").join("tmp")),
        )?;
        std::fs::set_permissions(&abs, meta.permissions())
            .io_context(|| format!("Cannot restore the mode of {rel}"))?;
        let fs_meta = gix::index::fs::Metadata::from_path_no_follow(&abs)
            .io_context(|| format!("Cannot stat {rel}"))?;
        let stat = gix::index::entry::Stat::from_fs(&fs_meta)
            .map_err(|e| Error::Git(format!("bad file time of {rel}: {e}")))?;
        if let Ok(pos) = index.entry_index_by_path(rel.as_bytes().as_bstr()) {
            index.entries_mut()[pos].stat = stat;
        }
        report.cleaned.push(rel);
    }
    if !report.cleaned.is_empty() {
        index
            .write(Default::default())
            .map_err(|e| Error::git("cannot write the index", e))?;
    }
    Ok(report)
}

/// Whether the file at `abs` holds exactly the content of `pointer` and that content is in the
/// object store afterwards (stored from the file when it was missing).
fn content_is_safe(
    repo: &gix::Repository,
    objects: &std::path::Path,
    abs: &std::path::Path,
    pointer: &Pointer,
) -> Result<bool> {
    let actual = if super::list::is_cached(objects, pointer) {
        hash_file(abs)?
    } else {
        store_file(repo, abs)?
    };
    Ok(actual == *pointer)
}

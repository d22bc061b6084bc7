//! Large files that are not in Git LFS: in the history (`renku lfs check`) and among paths
//! about to be committed (`renku lfs check-lfs-hook`, used by the pre-commit hook).
//!
//! "Large" is `renku.lfs_threshold` or more bytes; paths matched by `.renkulfsignore` or
//! renku's protected paths never count, and a blob that is an LFS pointer is in LFS.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use super::history::{self, PointerCache, Scope};
use crate::Result;
use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::repo::lfs::{IgnoreRules, LfsFilter, configured_threshold, index_or_empty};

/// A file committed to git (not LFS) at or above the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LargeFile {
    /// Repository-relative path.
    pub path: String,
    /// The largest size the file had in the history, in bytes.
    pub size: u64,
}

/// The files in the history of `scope` (HEAD, or all references) that are at least
/// `renku.lfs_threshold` large, stored as plain git blobs and not excluded from LFS by
/// `.renkulfsignore` or the protected paths; sorted by path.
pub fn large_files(project: &ProjectDir, scope: Scope) -> Result<Vec<LargeFile>> {
    let root = project.root();
    let threshold = configured_threshold(root)?;
    let rules = IgnoreRules::load(root)?;
    let git = project.git()?;
    let repo = git.repo();
    let tips = history::tips(repo, scope)?;
    let mut found: BTreeMap<String, u64> = BTreeMap::new();
    let mut ignored: HashMap<String, bool> = HashMap::new();
    let mut pointers = PointerCache::default();
    history::for_each_blob(repo, &tips, |path, id, size| {
        if size < threshold || found.get(path).is_some_and(|s| *s >= size) {
            return Ok(());
        }
        let is_ignored = *ignored
            .entry(path.to_string())
            .or_insert_with(|| rules.is_ignored(path, false));
        if is_ignored || pointers.pointer(repo, id, size)?.is_some() {
            return Ok(());
        }
        found.insert(path.to_string(), size);
        Ok(())
    })?;
    Ok(found
        .into_iter()
        .map(|(path, size)| LargeFile { path, size })
        .collect())
}

/// Those of `paths` (files about to be committed) that renku would put into LFS but that
/// `.gitattributes` does not: regular files (not symbolic links, not directories) of at least
/// `renku.lfs_threshold` bytes, not LFS-filtered already and not excluded by
/// `.renkulfsignore` or the protected paths. Returned as given. With `-S`, none.
pub fn paths_needing_lfs(
    ctx: &CommandContext,
    project: &ProjectDir,
    paths: &[PathBuf],
) -> Result<Vec<String>> {
    let resolved = super::paths::resolve(project, paths)?;
    if !ctx.external_storage {
        return Ok(Vec::new());
    }
    let root = project.root();
    let threshold = configured_threshold(root)?;
    let rules = IgnoreRules::load(root)?;
    let git = project.git()?;
    let index = index_or_empty(git.repo())?;
    let mut filter = LfsFilter::from_attributes(git.repo(), &index)?;
    let mut out = Vec::new();
    for p in resolved {
        let abs = super::paths::absolute(root, &p.rel);
        let Ok(meta) = std::fs::symlink_metadata(&abs) else {
            continue;
        };
        if !meta.is_file() || p.rel.is_empty() {
            continue;
        }
        if meta.len() < threshold || rules.is_ignored(&p.rel, false) || filter.applies(&p.rel)? {
            continue;
        }
        out.push(p.given);
    }
    Ok(out)
}

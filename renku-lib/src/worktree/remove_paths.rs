//! `renku rm`: remove files and directories from the project; they leave every dataset that
//! has them (a new dataset version) and their own Git LFS patterns go.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::context::CommandContext;
use crate::dataset::Datasets;
use crate::model::DatasetFile;
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// What `renku rm` did.
#[derive(Debug, Clone, Default)]
pub struct Removed {
    /// The removed files, repository-relative and sorted.
    pub files: Vec<String>,
    /// Datasets that got a new version.
    pub datasets: Vec<String>,
    /// Git LFS patterns of other paths that still match removed files (custom
    /// `.gitattributes` lines the user may want to edit).
    pub remaining_lfs_patterns: Vec<String>,
}

/// Removes `sources` (files or directories; absolute or relative to `cwd`) from the work
/// tree, the index and the datasets, in one commit `renku rm …`. The work tree must be
/// clean; every source must exist.
pub fn remove_paths(
    ctx: &CommandContext,
    project: &ProjectDir,
    cwd: &Path,
    sources: &[PathBuf],
) -> Result<Removed> {
    let root = project.root();
    let git = project.git()?;
    if sources.is_empty() {
        return Err(Error::Usage("Missing argument 'SOURCES...'.".into()));
    }
    let mut files: Vec<String> = Vec::new();
    for s in sources {
        let abs = crate::util::normalize_path(&cwd.join(s));
        if std::fs::symlink_metadata(&abs).is_err() {
            return Err(Error::Usage(format!(
                "Invalid value for 'SOURCES...': Path '{}' does not exist.",
                s.display()
            )));
        }
        let (abs, rel) = super::project_path(project, cwd, s)?;
        for inner in crate::dataset::add::walk_files(&abs)? {
            let inner = inner.to_string_lossy().replace('\\', "/");
            if inner.split('/').any(|c| c == ".git") {
                continue;
            }
            let path = if inner.is_empty() {
                rel.clone()
            } else {
                format!("{rel}/{inner}")
            };
            files.push(path);
        }
    }
    crate::repo::status::ensure_clean(&git)?;
    files.sort();
    files.dedup();
    if files.is_empty() {
        return Err(Error::Parameter("There are no files to remove.".into()));
    }
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let mut changes: BTreeMap<String, Vec<DatasetFile>> = BTreeMap::new();
    for state in datasets.all()? {
        let removed: Vec<DatasetFile> = files
            .iter()
            .filter_map(|f| state.file(f))
            .map(DatasetFile::removed_copy)
            .collect();
        if !removed.is_empty() {
            changes.insert(state.dataset().slug.clone(), removed);
        }
    }
    let user = crate::dataset::git_user(&git)?;
    let mut tx = ctx.begin_transaction(root)?;
    super::untrack_exact(&mut tx, root, &files)?;
    let remaining = remaining_lfs_patterns(root, &files)?;
    tx.remove_files(&files)?;
    for f in &files {
        tx.stage_path(f)?;
        super::remove_empty_parents(root, &root.join(f));
    }
    let written = super::write_dataset_versions(project, &mut tx, &datasets, changes, &user)?;
    tx.commit(&ctx.argv)?;
    Ok(Removed {
        files,
        datasets: written,
        remaining_lfs_patterns: remaining,
    })
}

/// The LFS patterns of the (already edited) work-tree `.gitattributes` that still match
/// one of `files`.
fn remaining_lfs_patterns(root: &Path, files: &[String]) -> Result<Vec<String>> {
    let text = crate::storage::attributes::read(root)?;
    let patterns = crate::storage::attributes::lfs_patterns(&text);
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for p in patterns {
        let Ok(glob) = globset::GlobBuilder::new(p.trim_start_matches('/'))
            .literal_separator(!p.contains("**"))
            .build()
        else {
            continue;
        };
        let matcher = glob.compile_matcher();
        if files.iter().any(|f| {
            matcher.is_match(f)
                || (!p.contains('/') && matcher.is_match(f.rsplit('/').next().unwrap_or(f)))
        }) {
            out.push(p);
        }
    }
    Ok(out)
}

//! Moving and removing files of a project (`renku mv`, `renku rm`) so that what refers to
//! them — dataset metadata and Git LFS tracking — stays in step, in one commit.

pub mod move_paths;
pub mod remove_paths;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::dataset::{DatasetState, Datasets};
use crate::model::DatasetFile;
use crate::repo::ProjectDir;
use crate::repo::transaction::Transaction;
use crate::storage::attributes;
use crate::{Error, Result};

/// `path` (absolute, or relative to `cwd`) made absolute and normalised without following
/// symbolic links; fails unless it lies inside the project or when it is protected.
fn project_path(project: &ProjectDir, cwd: &Path, path: &Path) -> Result<(PathBuf, String)> {
    let given = path.display().to_string();
    let abs = crate::util::normalize_path(&cwd.join(path));
    let rel = project
        .relative_path(&abs)
        .ok_or_else(|| Error::Parameter(format!("Path '{given}' is outside the project.")))?;
    if rel.is_empty()
        || rel == ".git"
        || rel.starts_with(".git/")
        || crate::dataset::is_protected(&rel)
    {
        return Err(Error::Parameter(format!("Path '{given}' is protected.")));
    }
    Ok((abs, rel))
}

/// Removes the Git LFS lines of exactly `paths` from the root `.gitattributes` as part of
/// `tx` (patterns covering other paths stay).
fn untrack_exact(tx: &mut Transaction, root: &Path, paths: &[String]) -> Result<()> {
    let text = attributes::read(root)?;
    if text.is_empty() {
        return Ok(());
    }
    let patterns: Vec<String> = paths
        .iter()
        .map(|p| crate::repo::lfs::escape_pattern(p))
        .collect();
    let (rest, removed) = attributes::without_patterns(&text, &patterns);
    if !removed.is_empty() {
        tx.write_file(attributes::FILE, rest.as_bytes())?;
    }
    Ok(())
}

/// Writes the next version of every dataset in `changes` (slug → file entries), as `user`.
fn write_dataset_versions(
    project: &ProjectDir,
    tx: &mut Transaction,
    datasets: &Datasets<'_>,
    changes: BTreeMap<String, Vec<DatasetFile>>,
    user: &crate::model::Person,
) -> Result<Vec<String>> {
    let store = project.store();
    let mut slugs = Vec::new();
    for (slug, entries) in changes {
        if entries.is_empty() {
            continue;
        }
        let state: DatasetState = datasets.get(&slug)?;
        let record =
            crate::dataset::next_version(tx, &state, state.dataset().clone(), entries, user);
        crate::dataset::put_version(&store, tx, &record)?;
        slugs.push(slug);
    }
    Ok(slugs)
}

/// Removes the directories above `path` that became empty, up to the project root (git
/// does not keep empty directories either).
fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

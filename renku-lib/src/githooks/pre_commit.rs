//! What renku's pre-commit hook checks, in one process: of the files staged as added or
//! modified, (1) modified files the project's template marks immutable, (2) added files
//! that should be in Git LFS (tracked on the spot with `renku.autocommit_lfs`), (3) with
//! `renku.check_datadir_files`, files in dataset data directories that their dataset does
//! not record as they are.

use std::path::PathBuf;

use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::repo::status::staged_additions_and_modifications;
use crate::{Error, Result};

/// What the hook found; the commit goes ahead when [`PreCommitReport::refuses`] is false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreCommitReport {
    /// Modified files the template marks immutable.
    pub immutable: Vec<String>,
    /// Added files that should be in Git LFS but are not.
    pub large: Vec<String>,
    /// Of those, the ones tracked in LFS and staged again (`renku.autocommit_lfs`).
    pub tracked_in_lfs: Vec<String>,
    /// Files of dataset data directories that are not up to date: `(path, dataset, modified)`
    /// (`modified` false: removed).
    pub datadir: Vec<(String, String, bool)>,
}

impl PreCommitReport {
    /// Whether the commit must be refused.
    pub fn refuses(&self) -> bool {
        !self.immutable.is_empty()
            || (!self.large.is_empty() && self.tracked_in_lfs.is_empty())
            || !self.datadir.is_empty()
    }
}

fn config_true(project: &ProjectDir, key: &str) -> Result<bool> {
    let config = crate::config::Config::load(Some(project.root()))?;
    Ok(config
        .value(key)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")))
}

/// Runs the checks on what is staged in `project`.
pub fn check(ctx: &CommandContext, project: &ProjectDir) -> Result<PreCommitReport> {
    let git = project.git()?;
    let (added, modified) = staged_additions_and_modifications(&git)?;
    let mut report = PreCommitReport::default();
    if added.is_empty() && modified.is_empty() {
        return Ok(report);
    }
    if !modified.is_empty()
        && let Ok(record) = project.store().project()
    {
        let immutable = record
            .data
            .template
            .as_ref()
            .map(|t| t.immutable_files.clone())
            .unwrap_or_default();
        report.immutable = modified
            .iter()
            .filter(|m| immutable.iter().any(|i| i == *m))
            .cloned()
            .collect();
    }
    if !added.is_empty() {
        let paths: Vec<PathBuf> = added.iter().map(|a| project.root().join(a)).collect();
        let large = crate::storage::check::paths_needing_lfs(ctx, project, &paths)?;
        report.large = large
            .iter()
            .filter_map(|p| project.relative_path(std::path::Path::new(p)))
            .collect();
        if !report.large.is_empty() && config_true(project, "renku.autocommit_lfs")? {
            track_and_restage(project, &report.large)?;
            report.tracked_in_lfs = report.large.clone();
        }
    }
    if config_true(project, "renku.check_datadir_files")? {
        report.datadir = datadir_mismatches(project, &added, &modified)?;
    }
    Ok(report)
}

/// Staged files in dataset data directories that their dataset does not record with the
/// staged content: `(path, dataset, true)` for changed or unrecorded files. The staged blob
/// is compared with the recorded checksum (both are the pointer's for LFS files), so the
/// cost is one index lookup per staged file, whatever the size of the datasets.
fn datadir_mismatches(
    project: &ProjectDir,
    added: &[String],
    modified: &[String],
) -> Result<Vec<(String, String, bool)>> {
    use gix::bstr::ByteSlice;
    let store = project.store();
    let datasets = crate::dataset::Datasets::load(&store)?;
    let states = datasets.all()?;
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let default_dir = crate::dataset::default_data_dir(project.root())?;
    let dirs: Vec<String> = states
        .iter()
        .map(|s| s.dataset().data_dir(&default_dir))
        .collect();
    let git = project.git()?;
    let index = git
        .repo()
        .index_or_empty()
        .map_err(|e| Error::git("cannot read the index", e))?;
    let mut out = Vec::new();
    let mut paths: Vec<&String> = added.iter().chain(modified).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let Some(entry) = index.entry_by_path(path.as_bytes().as_bstr()) else {
            continue;
        };
        let staged = entry.id.to_string();
        let holders: Vec<_> = states
            .iter()
            .filter_map(|s| s.file(path).map(|f| (s, f)))
            .collect();
        if holders.is_empty() {
            // In a data directory but in no dataset.
            if !path.ends_with("/.gitkeep")
                && let Some((state, _)) = states
                    .iter()
                    .zip(&dirs)
                    .find(|(_, dir)| crate::storage::paths::is_within(path, dir))
            {
                out.push((path.clone(), state.dataset().slug.clone(), true));
            }
            continue;
        }
        for (state, f) in holders {
            if !f.linked && f.entity.checksum != staged {
                out.push((path.clone(), state.dataset().slug.clone(), true));
            }
        }
    }
    out.dedup();
    Ok(out)
}

/// Adds LFS patterns for `paths` to `.gitattributes` and stages both again, as the
/// reference's hook does with `renku.autocommit_lfs` (inside `git commit`, so through git).
fn track_and_restage(project: &ProjectDir, paths: &[String]) -> Result<()> {
    let root = project.root();
    let text = crate::storage::attributes::read(root)?;
    let patterns: Vec<String> = paths
        .iter()
        .map(|p| crate::repo::lfs::escape_pattern(p))
        .collect();
    let new_text = crate::storage::attributes::with_patterns(&text, &patterns);
    crate::util::write_atomic(
        &root.join(crate::storage::attributes::FILE),
        new_text.as_bytes(),
        None,
    )?;
    // The files are staged already with unchanged stat data: `--renormalize` makes git
    // run the (now LFS) clean filter on them again instead of keeping the staged blobs.
    for args in [
        vec!["add", "--", crate::storage::attributes::FILE],
        [
            vec!["add", "--renormalize", "--"],
            paths.iter().map(String::as_str).collect(),
        ]
        .concat(),
    ] {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(&args)
            .status()
            .map_err(|e| Error::io("Cannot run git add", e))?;
        if !status.success() {
            return Err(Error::Failed(
                "git add of the files tracked in Git LFS failed".into(),
            ));
        }
    }
    Ok(())
}

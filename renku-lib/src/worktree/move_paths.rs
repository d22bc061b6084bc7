//! `renku mv`: move or rename files and directories; dataset files keep their metadata
//! (a new dataset version with the new paths), Git LFS tracking follows the files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::context::CommandContext;
use crate::dataset::Datasets;
use crate::model::DatasetFile;
use crate::repo::ProjectDir;
use crate::repo::lfs::{LfsTracker, Tracked};
use crate::{Error, Result};

/// What `renku mv` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct MoveRequest {
    /// Files and directories to move (absolute, or relative to the current directory).
    pub sources: Vec<PathBuf>,
    /// Where to: the new name (one source whose target does not exist, or a file onto a
    /// file) or the directory to move the sources into.
    pub destination: PathBuf,
    /// Overwrite existing targets, and move dataset files out of their data directory
    /// without asking.
    pub force: bool,
    /// Add the moved files to this dataset (the destination must be in its data directory).
    pub to_dataset: Option<String>,
}

/// The questions and warnings of `renku mv`.
pub trait MoveInteraction {
    /// Moving `files` (repository-relative) out of their dataset's data directory removes
    /// them from the dataset; `false` aborts.
    fn confirm_leaving_datasets(&mut self, files: &[String]) -> bool;
    /// Shows a warning.
    fn warning(&mut self, message: &str);
}

/// What `renku mv` did.
#[derive(Debug, Clone)]
pub struct Moved {
    /// `(source, destination)` of every moved file, repository-relative, sorted by source.
    pub files: Vec<(String, String)>,
    /// Datasets that got a new version.
    pub datasets: Vec<String>,
    /// What went to Git LFS.
    pub lfs: Tracked,
}

/// Moves the files (one commit `renku mv …`). The work tree must be clean.
pub fn move_paths(
    ctx: &CommandContext,
    project: &ProjectDir,
    cwd: &Path,
    request: &MoveRequest,
    ui: &mut dyn MoveInteraction,
) -> Result<Moved> {
    let root = project.root();
    let git = project.git()?;
    crate::repo::status::ensure_clean(&git)?;
    let (dest_abs, dest_rel) = super::project_path(project, cwd, &request.destination)?;
    let mut sources = Vec::new();
    for s in &request.sources {
        let abs = crate::util::normalize_path(&cwd.join(s));
        if std::fs::symlink_metadata(&abs).is_err() {
            return Err(Error::Usage(format!(
                "Invalid value for '[SOURCES]...': Path '{}' does not exist.",
                s.display()
            )));
        }
        sources.push(super::project_path(project, cwd, s)?);
    }
    if sources.is_empty() {
        return Err(Error::Usage("Missing argument 'SOURCES...'.".into()));
    }
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let default_dir = crate::dataset::default_data_dir(root)?;
    let target = match &request.to_dataset {
        Some(slug) => {
            let state = datasets.get(slug)?;
            let dir = state.dataset().data_dir(&default_dir);
            if !within(&dest_rel, &dir) {
                return Err(Error::Parameter(format!(
                    "Destination {} must be in {dir} when moving to a dataset.",
                    request.destination.display()
                )));
            }
            Some(slug.clone())
        }
        None => None,
    };

    let dest_meta = std::fs::symlink_metadata(&dest_abs).ok();
    let is_rename = sources.len() == 1
        && match &dest_meta {
            None => true,
            Some(m) => m.is_file() && sources[0].0.is_file(),
        };
    // Every file to move, source → destination (repository-relative).
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (abs, rel) in &sources {
        let base = if is_rename {
            dest_rel.clone()
        } else {
            let name = abs
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            join(&dest_rel, &name)
        };
        for inner in crate::dataset::add::walk_files(abs)? {
            let inner = inner.to_string_lossy().replace('\\', "/");
            if inner.split('/').any(|c| c == ".git") {
                continue;
            }
            files.insert(join(rel, &inner), join(&base, &inner));
        }
    }
    if files.is_empty() {
        return Err(Error::Parameter("There are no files to move.".into()));
    }
    for (_, rel) in &sources {
        if within(&dest_rel, rel) && !(is_rename && dest_rel == *rel) {
            return Err(Error::Parameter(format!(
                "Cannot move '{rel}' to '{dest_rel}': a path cannot be moved into itself."
            )));
        }
    }
    if let Some((src, _)) = files.iter().find(|(src, dst)| src == dst) {
        return Err(Error::Parameter(format!(
            "Cannot move '{src}' onto itself."
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for dst in files.values() {
        if !seen.insert(dst) {
            return Err(Error::Parameter(format!(
                "Cannot move several files to the same destination: {dst}"
            )));
        }
    }
    let states = datasets.all()?;
    if !request.force {
        let existing: Vec<String> = files
            .values()
            .filter(|d| std::fs::symlink_metadata(root.join(d)).is_ok())
            .map(|d| project.display_path(d))
            .collect();
        if !existing.is_empty() {
            return Err(Error::Parameter(format!(
                "The following move target exist, use '--force' flag to overwrite them:\n\t{}",
                existing.join("\n\t")
            )));
        }
        let leaving: Vec<String> = files
            .iter()
            .filter(|(src, dst)| {
                states.iter().any(|s| {
                    s.file(src).is_some_and(|f| !f.is_external && !f.linked)
                        && !within(dst, &s.dataset().data_dir(&default_dir))
                })
            })
            .map(|(src, _)| src.clone())
            .collect();
        if !leaving.is_empty() && !ui.confirm_leaving_datasets(&leaving) {
            return Err(Error::Aborted);
        }
    }
    let mut ignore = crate::dataset::add::IgnoreCheck::new(&git)?;
    let mut ignored = Vec::new();
    for dst in files.values() {
        if ignore.is_ignored(dst)? {
            ignored.push(dst.clone());
        }
    }
    if !ignored.is_empty() {
        ui.warning(&format!(
            "The following moved path match .gitignore:\n\t{}",
            ignored.join("\n\t")
        ));
    }

    let user = crate::dataset::git_user(&git)?;
    let lfs = LfsTracker::new(root, git.repo(), ctx.external_storage)?;
    let mut tx = ctx.begin_transaction(root)?;
    let all: Vec<String> = files
        .keys()
        .chain(files.values())
        .cloned()
        .collect::<Vec<_>>();
    tx.protect_files(&all)?;
    for (src, dst) in &files {
        move_one(root, src, dst)?;
        crate::interrupt::check()?;
    }
    // Directories that were moved as a whole are gone from their old place, as with git mv.
    for (abs, _) in &sources {
        if abs.is_dir() {
            remove_empty_tree(abs);
        }
    }
    let sources: Vec<String> = files.keys().cloned().collect();
    let dests: Vec<String> = files.values().cloned().collect();
    super::untrack_exact(&mut tx, root, &sources)?;
    let tracked = lfs.track(&mut tx, git.repo(), &dests)?;
    let sums = git.hash_files(&dests)?;

    // Dataset metadata: the reference's rules.
    let mut changes: BTreeMap<String, Vec<DatasetFile>> = BTreeMap::new();
    for ((src, dst), sum) in files.iter().zip(sums) {
        let sum = sum.to_string();
        let size = std::fs::symlink_metadata(root.join(dst))
            .ok()
            .map(|m| m.len());
        let mut entry = DatasetFile::new(dst, &sum, None, size);
        for s in &states {
            let ds = s.dataset();
            let dir = ds.data_dir(&default_dir);
            let entries = changes.entry(ds.slug.clone()).or_default();
            if let Some(old) = s.file(src) {
                entries.push(old.removed_copy());
                entry.based_on = old.based_on.clone();
                entry.source = old.source.clone();
                entry.linked = old.linked;
                entry.is_external = old.is_external;
                if target.is_none() && (old.linked || within(dst, &dir)) {
                    entries.push(entry.clone());
                    continue;
                }
            }
            let overwritten = s.file(dst).is_some();
            if (overwritten || within(dst, &dir)) && target.as_deref() != Some(&ds.slug) {
                entries.push(entry.clone());
            }
        }
        if let Some(slug) = &target {
            changes.entry(slug.clone()).or_default().push(entry);
        }
    }
    for (src, dst) in &files {
        tx.stage_path(src)?;
        tx.stage_path(dst)?;
    }
    let written = super::write_dataset_versions(project, &mut tx, &datasets, changes, &user)?;
    tx.commit(&ctx.argv)?;
    Ok(Moved {
        files: files.into_iter().collect(),
        datasets: written,
        lfs: tracked,
    })
}

/// Renames `src` to `dst` (repository-relative) in the work tree, creating parent
/// directories; a relative symbolic link is rewritten to point at the same target from its
/// new place.
fn move_one(root: &Path, src: &str, dst: &str) -> Result<()> {
    let from = root.join(src);
    let to = root.join(dst);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
    }
    let link = std::fs::read_link(&from).ok();
    std::fs::rename(&from, &to).map_err(|e| Error::io(format!("Cannot move {src} to {dst}"), e))?;
    if let Some(target) = link.filter(|t| t.is_relative()) {
        let pointed = crate::util::normalize_path(&from.parent().unwrap_or(root).join(target));
        let new_parent = to.parent().unwrap_or(root);
        if let Some(relative) = relative_to(&pointed, new_parent) {
            std::fs::remove_file(&to)
                .map_err(|e| Error::io(format!("Cannot rewrite the link {dst}"), e))?;
            make_symlink(&relative, &to)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &Path, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link)
        .map_err(|e| Error::io(format!("Cannot create the link {}", link.display()), e))
}

#[cfg(not(unix))]
fn make_symlink(target: &Path, link: &Path) -> Result<()> {
    std::fs::copy(target, link)
        .map(|_| ())
        .map_err(|e| Error::io(format!("Cannot create {}", link.display()), e))
}

/// `path` relative to the directory `base` (both absolute and normalised), with `..` steps.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    Some(out)
}

/// Removes `dir` and the directories below it that hold no files (best effort).
fn remove_empty_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty_tree(&entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// `dir/name` for repository-relative paths (`name` empty: `dir`).
fn join(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (_, true) => dir.to_string(),
        (true, false) => name.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

/// Whether repository-relative `path` is `dir` or below it.
fn within(path: &str, dir: &str) -> bool {
    crate::storage::paths::is_within(path, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_directory() {
        assert_eq!(
            relative_to(Path::new("/p/data/a.txt"), Path::new("/p/x/y")),
            Some(PathBuf::from("../../data/a.txt"))
        );
        assert_eq!(
            relative_to(Path::new("/p/a.txt"), Path::new("/p")),
            Some(PathBuf::from("a.txt"))
        );
    }

    #[test]
    fn joins_skip_empty_parts() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("d", ""), "d");
        assert_eq!(join("d", "a/b"), "d/a/b");
        assert!(within("data/d1/a", "data/d1"));
        assert!(!within("data/d10/a", "data/d1"));
    }
}

//! `renku lfs track` and `renku lfs untrack`: the LFS patterns of the root `.gitattributes`,
//! and the files they cover committed anew — as pointers once tracked (the content goes to
//! `.git/lfs/objects`), as content once untracked — in one transaction and one commit.
//!
//! Tracking follows renku's rule for what may go to LFS, except the size threshold (the paths
//! were asked for): a protected path named on the command line is an error, files matched by
//! `.renkulfsignore` and symbolic links are left out and reported. A directory is tracked as
//! `<dir>/**` unless something in it is excluded; then its other files are tracked one by one.
//! The files' current content is what gets committed.

use std::path::PathBuf;

use gix::bstr::{BString, ByteSlice};

use super::attributes;
use super::history::PointerCache;
use super::paths::{self, UserPath};
use crate::context::CommandContext;
use crate::error::IoContext;
use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::repo::lfs::{
    IgnoreRules, LfsFilter, Pointer, escape_pattern, index_or_empty, object_path, objects_dir,
};
use crate::repo::status::{ChangeKind, changes_matching};
use crate::{Error, Result};

/// What `track` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackOutcome {
    /// `-S/--no-external-storage`: nothing was done.
    Disabled,
    /// The paths were tracked (or nothing needed to change).
    Done(TrackReport),
}

/// The result of `track`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackReport {
    /// Patterns appended to `.gitattributes`.
    pub patterns: Vec<String>,
    /// Files committed anew as LFS pointers.
    pub files: Vec<String>,
    /// Paths (as given) that were in LFS already.
    pub already_tracked: Vec<String>,
    /// Files matched by `.renkulfsignore` (or protected, inside a directory): not tracked.
    pub excluded: Vec<String>,
    /// Symbolic links: never stored in LFS.
    pub symlinks: Vec<String>,
    /// The commit, when something changed.
    pub commit: Option<gix::ObjectId>,
}

/// The result of `untrack`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UntrackReport {
    /// Patterns removed from `.gitattributes`.
    pub patterns: Vec<String>,
    /// Files committed anew with their content.
    pub files: Vec<String>,
    /// Paths (as given) that no pattern of `.gitattributes` put into LFS.
    pub not_tracked: Vec<String>,
    /// Files that other patterns of `.gitattributes` keep in LFS.
    pub still_tracked: Vec<String>,
    /// The commit, when something changed.
    pub commit: Option<gix::ObjectId>,
}

/// Fails unless the root `.gitattributes` is as committed: the command commits that file, and
/// must not commit someone's unfinished edit of it with its own.
fn ensure_attributes_committed(git: &Git) -> Result<()> {
    let changes = changes_matching(git, true, vec![BString::from(attributes::FILE)])?;
    if changes.iter().any(|c| c.path == attributes::FILE) {
        return Err(Error::Failed(format!(
            "'{}' has uncommitted changes; commit or discard them first.",
            attributes::FILE
        )));
    }
    Ok(())
}

/// The files below directory `dir` that a commit of it would hold: those in the index that
/// exist in the work tree, and untracked (not ignored) ones.
fn files_below(git: &Git, dir: &str) -> Result<Vec<String>> {
    let index = index_or_empty(git.repo())?;
    let mut out: Vec<String> = Vec::new();
    for entry in index.entries() {
        let rel = entry.path(&index).to_str_lossy().into_owned();
        if paths::is_within(&rel, dir)
            && !matches!(
                entry.mode,
                gix::index::entry::Mode::COMMIT | gix::index::entry::Mode::DIR
            )
            && std::fs::symlink_metadata(git.root().join(&rel)).is_ok()
        {
            out.push(rel);
        }
    }
    for change in changes_matching(git, false, vec![BString::from(format!(":(literal){dir}"))])? {
        if change.kind == ChangeKind::Untracked && paths::is_within(&change.path, dir) {
            out.push(change.path);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The staged blob of `rel`, if it is an LFS pointer.
fn staged_pointer(
    repo: &gix::Repository,
    index: &gix::index::State,
    pointers: &mut PointerCache,
    rel: &str,
) -> Result<Option<Pointer>> {
    let Some(entry) = index.entry_by_path(rel.as_bytes().as_bstr()) else {
        return Ok(None);
    };
    let size = repo
        .find_header(entry.id)
        .map_err(|e| Error::git("cannot read an object header", e))?
        .size();
    pointers.pointer(repo, entry.id, size)
}

fn is_symlink(root: &std::path::Path, rel: &str) -> bool {
    std::fs::symlink_metadata(root.join(rel)).is_ok_and(|m| m.file_type().is_symlink())
}

/// Tracks `paths` (files or directories) in Git LFS and commits `.gitattributes` and the
/// files (as pointers) as `renku lfs track …`. With `-S` nothing happens.
pub fn track(
    ctx: &CommandContext,
    project: &ProjectDir,
    paths: &[PathBuf],
) -> Result<TrackOutcome> {
    let resolved = paths::resolve(project, paths)?;
    if !ctx.external_storage {
        return Ok(TrackOutcome::Disabled);
    }
    let root = project.root();
    super::gitlfs::ensure_installed()?;
    let git = project.git()?;
    super::gitlfs::ensure_set_up(root, git.repo())?;
    let protected = IgnoreRules::protected();
    for p in &resolved {
        if p.rel.is_empty() {
            return Err(Error::Parameter(
                "Cannot track the whole project in Git LFS; name files or directories.".into(),
            ));
        }
        if paths::is_git_dir(&p.rel) || protected.is_ignored(&p.rel, p.is_dir) {
            return Err(Error::Parameter(format!(
                "Path '{}' is protected.",
                p.given
            )));
        }
    }
    ensure_attributes_committed(&git)?;
    let rules = IgnoreRules::load(root)?;
    let mut tx = ctx.begin_transaction(root)?;
    let repo = git.repo();
    let index = index_or_empty(repo)?;
    let mut filter = LfsFilter::from_attributes(repo, &index)?;
    let mut pointers = PointerCache::default();
    let mut report = TrackReport::default();
    let mut candidates: Vec<String> = Vec::new();
    for p in &resolved {
        if is_symlink(root, &p.rel) {
            report.symlinks.push(p.given.clone());
            continue;
        }
        if !p.is_dir {
            if rules.is_ignored(&p.rel, false) {
                report.excluded.push(p.rel.clone());
            } else if filter.applies(&p.rel)? {
                if staged_pointer(repo, &index, &mut pointers, &p.rel)?.is_some() {
                    report.already_tracked.push(p.given.clone());
                } else {
                    // Filtered by a pattern, but committed before it existed.
                    candidates.push(p.rel.clone());
                }
            } else {
                report.patterns.push(escape_pattern(&p.rel));
                candidates.push(p.rel.clone());
            }
            continue;
        }
        let files = files_below(&git, &p.rel)?;
        let excluded: Vec<&String> = files
            .iter()
            .filter(|f| rules.is_ignored(f, false))
            .collect();
        if excluded.is_empty() && !rules.is_ignored(&p.rel, true) {
            let pattern = format!("{}/**", escape_pattern(&p.rel));
            if !attributes::lfs_patterns(&attributes::read(root)?).contains(&pattern) {
                report.patterns.push(pattern);
            }
            for f in files {
                if !is_symlink(root, &f) {
                    candidates.push(f);
                }
            }
            continue;
        }
        for f in files {
            if rules.is_ignored(&f, false) {
                report.excluded.push(f);
            } else if is_symlink(root, &f) {
                report.symlinks.push(f);
            } else {
                if !filter.applies(&f)? {
                    report.patterns.push(escape_pattern(&f));
                }
                candidates.push(f);
            }
        }
    }
    report.patterns.dedup();
    // Files whose staged blob is a pointer already would be committed unchanged.
    for f in candidates {
        if staged_pointer(repo, &index, &mut pointers, &f)?.is_none() && !report.files.contains(&f)
        {
            report.files.push(f);
        }
    }
    if report.patterns.is_empty() && report.files.is_empty() {
        tx.rollback()?;
        return Ok(TrackOutcome::Done(report));
    }
    if !report.patterns.is_empty() {
        let text = attributes::read(root)?;
        tx.write_file(
            attributes::FILE,
            attributes::with_patterns(&text, &report.patterns).as_bytes(),
        )?;
    }
    for f in &report.files {
        tx.stage_path(f)?;
    }
    let committed = tx.commit(&ctx.argv)?;
    report.commit = Some(committed.commit);
    Ok(TrackOutcome::Done(report))
}

/// The `.gitattributes` patterns that would name `p` exactly: its escaped path, and for a
/// directory also `<dir>/**`, `<dir>/*` and `<dir>/`.
fn own_patterns(p: &UserPath) -> Vec<String> {
    let escaped = escape_pattern(&p.rel);
    if p.is_dir {
        vec![
            format!("{escaped}/**"),
            format!("{escaped}/*"),
            format!("{escaped}/"),
            escaped,
        ]
    } else {
        vec![escaped]
    }
}

/// Removes the LFS patterns of `paths` from `.gitattributes` and commits it with the
/// committed files they covered (now with their content instead of pointers) as
/// `renku lfs untrack …`. A file whose work tree holds a pointer gets its content from
/// `.git/lfs/objects` first; if the object is not there, nothing changes and the error says
/// to pull it.
pub fn untrack(
    ctx: &CommandContext,
    project: &ProjectDir,
    paths: &[PathBuf],
) -> Result<UntrackReport> {
    let resolved = paths::resolve(project, paths)?;
    let root = project.root();
    if resolved.iter().any(|p| p.rel.is_empty()) {
        return Err(Error::Parameter(
            "Cannot untrack the whole project; name files or directories.".into(),
        ));
    }
    let git = project.git()?;
    ensure_attributes_committed(&git)?;
    let mut tx = ctx.begin_transaction(root)?;
    let repo = git.repo();
    let index = index_or_empty(repo)?;
    let mut old_filter = LfsFilter::from_attributes(repo, &index)?;
    let mut report = UntrackReport::default();
    let mut new_text = attributes::read(root)?;
    let mut affected: Vec<String> = Vec::new();
    for p in &resolved {
        let (rest, removed) = attributes::without_patterns(&new_text, &own_patterns(p));
        let files = if p.is_dir {
            files_below(&git, &p.rel)?
        } else {
            vec![p.rel.clone()]
        };
        if removed.is_empty() {
            let mut still = Vec::new();
            for f in files {
                if old_filter.applies(&f)? {
                    still.push(f);
                }
            }
            if still.is_empty() {
                report.not_tracked.push(p.given.clone());
            } else {
                report.still_tracked.extend(still);
            }
            continue;
        }
        new_text = rest;
        report.patterns.extend(removed);
        affected.extend(files);
    }
    if report.patterns.is_empty() {
        tx.rollback()?;
        report.still_tracked.sort();
        report.still_tracked.dedup();
        return Ok(report);
    }
    tx.write_file(attributes::FILE, new_text.as_bytes())?;
    // Attributes are read from the work tree: this filter no longer sees the removed patterns.
    let mut filter = LfsFilter::from_attributes(repo, &index)?;
    let objects = objects_dir(repo);
    let mut pointers = PointerCache::default();
    affected.sort();
    affected.dedup();
    for f in affected {
        if is_symlink(root, &f) {
            continue;
        }
        if filter.applies(&f)? {
            report.still_tracked.push(f);
            continue;
        }
        // Only files committed as pointers change; untracked files stay untracked.
        if staged_pointer(repo, &index, &mut pointers, &f)?.is_none() {
            continue;
        }
        let abs = root.join(&f);
        if let Some(pointer) = pointer_in_work_tree(&abs) {
            if !super::list::is_cached(&objects, &pointer) {
                return Err(Error::Failed(format!(
                    "The content of '{f}' is not available locally; run 'renku lfs pull {f}' first."
                )));
            }
            tx.protect_file(&f)?;
            let object = object_path(&objects, &pointer.oid);
            let mut source = std::fs::File::open(&object)
                .io_context(|| format!("Cannot read the LFS object of {f}"))?;
            // Truncating keeps the file's permissions.
            let mut target = std::fs::File::options()
                .write(true)
                .truncate(true)
                .open(&abs)
                .io_context(|| format!("Cannot write {f}"))?;
            std::io::copy(&mut source, &mut target).io_context(|| format!("Cannot write {f}"))?;
        }
        tx.stage_path(&f)?;
        report.files.push(f);
    }
    report.still_tracked.sort();
    report.still_tracked.dedup();
    let committed = tx.commit(&ctx.argv)?;
    report.commit = Some(committed.commit);
    Ok(report)
}

/// The pointer the file at `abs` holds, if it is a pointer file.
fn pointer_in_work_tree(abs: &std::path::Path) -> Option<Pointer> {
    let meta = std::fs::symlink_metadata(abs).ok()?;
    if !meta.is_file() || meta.len() > 1024 {
        return None;
    }
    Pointer::parse(&std::fs::read(abs).ok()?)
}

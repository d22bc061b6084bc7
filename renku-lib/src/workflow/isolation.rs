//! `renku run --isolation`: run and record a command in a temporary linked work tree, then
//! fast-forward the current branch to what it recorded.
//!
//! The work tree is created at `<git dir>/renku/isolation/<hex>` (on the project's file
//! system, so that files the shell opened for the command's redirections can be moved into
//! it) on a new branch `renku/run/isolation/<hex>` starting at HEAD. The command runs there
//! and is recorded there (under that work tree's own lock, not the project's); then, holding the project lock, the current branch is
//! fast-forwarded with `git merge --ff-only`. The temporary work tree and branch are removed
//! in every case. A fast-forward that fails (HEAD moved meanwhile, or files in the way)
//! leaves the project's branch, index and work tree as they were.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::run::{RunOptions, RunReport, run};
use crate::context::CommandContext;
use crate::error::IoContext;
use crate::model::Stream;
use crate::repo::ProjectDir;
use crate::repo::lock::ProjectLock;
use crate::{Error, Result};

/// The prefix of the temporary branches isolated runs record on.
pub const BRANCH_PREFIX: &str = "renku/run/isolation/";

/// Runs `opts` like [`run`], but in a temporary work tree (see the module documentation).
pub fn run_isolated(
    ctx: &CommandContext,
    project: &ProjectDir,
    opts: &RunOptions,
) -> Result<RunReport> {
    let root = project.root().to_path_buf();
    let git = project.git()?;
    if git.head_id()?.is_none() {
        return Err(Error::Failed(
            "Cannot run with --isolation: the repository has no commit yet.".into(),
        ));
    }
    let cwd = if opts.cwd.as_os_str().is_empty() {
        root.clone()
    } else {
        crate::util::normalize_path(&opts.cwd)
    };
    let rel_cwd = cwd
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .map_err(|_| Error::Usage("The current directory is not inside the project.".into()))?;
    let hex = crate::util::new_hex_id();
    let branch = format!("{BRANCH_PREFIX}{hex}");
    let dir = crate::repo::renku_git_dir(&root)?
        .join("isolation")
        .join(&hex);
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .io_context(|| format!("Cannot create {}", parent.display()))?;
    }
    git_command(
        &root,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            &branch,
            &dir.to_string_lossy(),
            "HEAD",
        ],
    )?;
    let _cleanup = Cleanup {
        root: root.clone(),
        dir: dir.clone(),
        branch: branch.clone(),
    };
    // A warm cache saves the isolated run from re-reading every record.
    let cache = root
        .join(crate::store::CACHE_DIR)
        .join(crate::store::cache::INDEX_FILE);
    if cache.is_file() {
        let target = dir
            .join(crate::store::CACHE_DIR)
            .join(crate::store::cache::INDEX_FILE);
        if crate::util::ensure_ignored_dir(&dir.join(crate::store::CACHE_DIR)).is_ok() {
            let _ = std::fs::copy(&cache, target);
        }
    }

    // The shell opened the redirection targets in the project; move the output ones into
    // the work tree (the command writes through the open descriptors).
    let mut moved = Moved::default();
    let mut streams = opts.streams.clone();
    for (stream, path) in streams.iter_mut() {
        let Ok(rel) = crate::util::normalize_path(path)
            .strip_prefix(&root)
            .map(Path::to_path_buf)
        else {
            continue;
        };
        let target = dir.join(&rel);
        if *stream != Stream::Stdin {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .io_context(|| format!("Cannot create {}", parent.display()))?;
            }
            moved.push(path.clone(), target.clone())?;
        }
        *path = target;
    }
    let wt_cwd = dir.join(&rel_cwd);
    std::fs::create_dir_all(&wt_cwd)
        .io_context(|| format!("Cannot create {}", wt_cwd.display()))?;
    let isolated = RunOptions {
        cwd: wt_cwd,
        streams,
        ..opts.clone()
    };
    let report = run(ctx, &ProjectDir::at(&dir), &isolated)?;

    // Bring the recorded commit into the project.
    let description = format!("renku {}", ctx.argv.join(" "));
    let _lock = ProjectLock::acquire(&root, &description, &mut |holder| {
        (ctx.on_lock_wait)(holder)
    })?;
    moved.take_back()?;
    if let Err(e) = git_command(&root, &["merge", "--ff-only", "-q", &branch]) {
        moved.restore_after_failed_merge(&root)?;
        return Err(Error::Failed(format!(
            "Failed merge of branch {branch} with args --ff-only: the branch could not be fast-forwarded; nothing was recorded.\n{e}"
        )));
    }
    moved.forget();
    if let Err(e) = crate::repo::status::record_index_stamp(&project.git()?) {
        tracing::debug!("could not record the index stamp: {e}");
    }
    Ok(report)
}

/// Redirection targets moved from the project into the isolated work tree.
#[derive(Default)]
struct Moved {
    /// `(original path, path in the work tree)`.
    files: Vec<(PathBuf, PathBuf)>,
    /// Contents taken back out of the work tree before the fast-forward, to restore if it fails.
    saved: Vec<(PathBuf, Vec<u8>)>,
}

impl Moved {
    fn push(&mut self, from: PathBuf, to: PathBuf) -> Result<()> {
        std::fs::rename(&from, &to)
            .io_context(|| format!("Cannot move {} into the isolated work tree", from.display()))?;
        self.files.push((from, to));
        Ok(())
    }

    /// Before the fast-forward: the project must not hold the redirection targets (the merge
    /// writes them); remember the command's output in case the merge fails.
    fn take_back(&mut self) -> Result<()> {
        for (from, to) in &self.files {
            let bytes = std::fs::read(to).io_context(|| format!("Cannot read {}", to.display()))?;
            self.saved.push((from.clone(), bytes));
        }
        Ok(())
    }

    /// After a failed fast-forward: the redirection targets get the command's output, as after
    /// a run that was not recorded.
    fn restore_after_failed_merge(&mut self, root: &Path) -> Result<()> {
        for (path, bytes) in std::mem::take(&mut self.saved) {
            crate::util::write_atomic(&path, &bytes, None).map_err(|e| {
                Error::Failed(format!(
                    "Cannot restore {} in {}: {e}",
                    path.display(),
                    root.display()
                ))
            })?;
        }
        self.files.clear();
        Ok(())
    }

    fn forget(&mut self) {
        self.files.clear();
        self.saved.clear();
    }
}

impl Drop for Moved {
    /// A run that failed in the work tree leaves its redirection targets where the shell
    /// created them, with what the command wrote.
    fn drop(&mut self) {
        for (from, to) in self.files.drain(..) {
            if std::fs::rename(&to, &from).is_err() {
                let _ = std::fs::copy(&to, &from);
            }
        }
    }
}

/// Removes the temporary work tree and branch.
struct Cleanup {
    root: PathBuf,
    dir: PathBuf,
    branch: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        if let Err(e) = git_command(&self.root, &["worktree", "remove", "--force", &dir]) {
            tracing::warn!("could not remove the isolated work tree {dir}: {e}");
            let _ = std::fs::remove_dir_all(&self.dir);
            let _ = git_command(&self.root, &["worktree", "prune"]);
        }
        if let Err(e) = git_command(&self.root, &["branch", "-D", "-q", &self.branch]) {
            tracing::warn!("could not delete branch {}: {e}", self.branch);
        }
    }
}

/// Runs `git ARGS` in `root`; an error carries git's message.
pub(crate) fn git_command(root: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| Error::Command(format!("Cannot run git: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Git(format!(
            "git {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

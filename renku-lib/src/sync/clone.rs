//! `renku clone`: clone a renku project with git, set Git LFS up for it, fetch its LFS
//! objects (unless told not to) and install renku's hooks.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

use super::{git, output, printed, run};

/// What `renku clone` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CloneRequest {
    /// The repository: a git URL or a local path.
    pub url: String,
    /// Where to clone to (default: the repository's name in `cwd`).
    pub path: Option<PathBuf>,
    /// Leave Git LFS objects on the server (files stay pointers until `renku lfs pull`).
    pub no_pull_data: bool,
    /// Use Git LFS at all (`-S` turns it off).
    pub external_storage: bool,
    /// The renku program renku's pre-commit hook should run; `None` installs no hook.
    pub hook_program: Option<PathBuf>,
}

/// What `renku clone` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloned {
    /// The new work tree.
    pub path: PathBuf,
    /// Whether Git LFS was set up and its objects fetched.
    pub lfs_pulled: bool,
}

/// The directory `git clone` would pick for `url`: its last path segment without `.git`.
fn default_dir(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next().unwrap_or(trimmed);
    last.strip_suffix(".git").unwrap_or(last).to_string()
}

/// Clones the project (see the module documentation). A failed clone leaves no directory.
pub fn clone(cwd: &Path, request: &CloneRequest) -> Result<Cloned> {
    if request.url.trim().is_empty() {
        return Err(Error::Usage("Missing argument 'URL'.".into()));
    }
    let target = match &request.path {
        Some(p) => cwd.join(p),
        None => cwd.join(default_dir(&request.url)),
    };
    if target.exists()
        && std::fs::read_dir(&target)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::Failed(format!(
            "Destination path '{}' already exists and is not an empty directory.",
            target.display()
        )));
    }
    let mut cmd = git(cwd);
    // Objects come with `git lfs pull` below (one batch), not one smudge per file.
    cmd.env("GIT_LFS_SKIP_SMUDGE", "1")
        .args(["clone", "-q", "--", &request.url])
        .arg(&target);
    let out = output(cmd, "clone")?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&target);
        return Err(Error::Failed(format!(
            "Cannot clone {}: {}",
            request.url,
            printed(&out)
        )));
    }
    let mut lfs_pulled = false;
    if request.external_storage && crate::storage::gitlfs::ensure_installed().is_ok() {
        // With --no-pull-data later checkouts keep pointers too, until `renku lfs pull`.
        let mut cmd = git(&target);
        cmd.args(["lfs", "install", "--local"]);
        if request.no_pull_data {
            cmd.arg("--skip-smudge");
        }
        run(cmd, "set up Git LFS")?;
        if !request.no_pull_data {
            let mut cmd = git(&target);
            cmd.args(["lfs", "pull"]);
            run(cmd, "fetch the Git LFS objects")?;
            lfs_pulled = true;
        }
    }
    if let Some(program) = &request.hook_program
        && let Err(e) = crate::githooks::install(&target, program, false)
    {
        tracing::warn!("cannot install the pre-commit hook: {e}");
    }
    Ok(Cloned {
        path: target,
        lfs_pulled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_directories_are_named_after_the_repository() {
        assert_eq!(default_dir("https://host/ns/project.git"), "project");
        assert_eq!(default_dir("git@host:ns/project.git"), "project");
        assert_eq!(default_dir("/tmp/some/repo/"), "repo");
        assert_eq!(default_dir("host:project"), "project");
    }
}

//! `renku clone`: clone a renku project with git, set Git LFS up for it, fetch its LFS
//! objects (unless told not to) and install renku's hooks.
//!
//! An http(s) URL of a deployment the user is logged in to (`renku login`) is cloned
//! through it as renku-python does: from `<scheme>://<host>/repos/<path>`, authenticated by
//! `renku credentials` with the stored token; the clone keeps that URL as `origin`, the
//! URL given in `renku-backup-origin`, and the credential helper in its configuration (so
//! `renku logout` undoes it like a login in an existing clone).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dataset_remote::TokenSource;
use crate::platform::git_login::{self, Remote};
use crate::{Error, Result};

use super::{git, output, printed, run};

/// What `renku clone` is asked to do.
#[derive(Clone, Default)]
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
    /// The tokens of deployments the user is logged in to; `None` clones without them.
    pub tokens: Option<Arc<dyn TokenSource>>,
    /// The renku program git runs as credential helper while cloning through a deployment
    /// (`None`: the `renku` on `PATH`).
    pub credential_program: Option<PathBuf>,
}

impl std::fmt::Debug for CloneRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloneRequest")
            .field("url", &self.url)
            .field("path", &self.path)
            .field("no_pull_data", &self.no_pull_data)
            .field("external_storage", &self.external_storage)
            .field("hook_program", &self.hook_program)
            .field("tokens", &self.tokens.as_ref().map(|_| "…"))
            .field("credential_program", &self.credential_program)
            .finish()
    }
}

/// What `renku clone` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloned {
    /// The new work tree.
    pub path: PathBuf,
    /// Whether Git LFS was set up and its objects fetched.
    pub lfs_pulled: bool,
    /// The deployment (`host[:port]`) the clone goes through, when the user is logged in
    /// to the URL's host.
    pub through_deployment: Option<String>,
}

/// How a clone through a deployment authenticates.
struct DeploymentClone {
    /// `host[:port]`: where the token is stored.
    host: String,
    /// The URL cloned from (`<scheme>://<host>/repos/<path>`).
    url: String,
    /// The `-c` options that make git (and git-lfs) ask `renku credentials`.
    helper_options: Vec<String>,
}

/// A clone through a deployment when `url` is http(s) and a token is stored for its host.
fn deployment_clone(request: &CloneRequest) -> Option<DeploymentClone> {
    let parsed = crate::platform::endpoint::GitRemoteUrl::parse(&request.url)?;
    if parsed.scheme != "http" && parsed.scheme != "https" {
        return None;
    }
    let host = crate::platform::endpoint::remote_web_host(&request.url)?;
    request.tokens.as_ref()?.token(&host)?;
    let url = git_login::renku_repo_url(&request.url, &parsed.scheme, &host)?;
    let program = match &request.credential_program {
        Some(p) => shell_quote(&p.to_string_lossy()),
        None => "renku".to_string(),
    };
    Some(DeploymentClone {
        helper_options: vec![
            "-c".into(),
            // An empty value first: only renku's helper answers, not a user-wide one.
            "credential.helper=".into(),
            "-c".into(),
            format!("credential.helper=!{program} credentials --hostname {host}"),
        ],
        host,
        url,
    })
}

/// `text` in single quotes for the shell git runs `!` helpers with.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
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
    let through = deployment_clone(request);
    let helper_options: &[String] = through.as_ref().map_or(&[], |d| &d.helper_options);
    let source = through
        .as_ref()
        .map_or(request.url.as_str(), |d| d.url.as_str());
    let mut cmd = git(cwd);
    if through.is_some() {
        // The stored token is the credential: a refused one fails rather than prompting.
        cmd.env("GIT_TERMINAL_PROMPT", "0");
    }
    // Objects come with `git lfs pull` below (one batch), not one smudge per file.
    cmd.env("GIT_LFS_SKIP_SMUDGE", "1")
        .args(helper_options)
        .args(["clone", "-q", "--", source])
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
    match finish_clone(&target, request, through.as_ref(), helper_options) {
        Ok(lfs_pulled) => Ok(Cloned {
            path: target,
            lfs_pulled,
            through_deployment: through.map(|d| d.host),
        }),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&target);
            Err(e)
        }
    }
}

/// After `git clone`: the deployment's remote set-up, Git LFS and the hook. Returns whether
/// the LFS objects were fetched.
fn finish_clone(
    target: &Path,
    request: &CloneRequest,
    through: Option<&DeploymentClone>,
    helper_options: &[String],
) -> Result<bool> {
    if let Some(deployment) = through {
        let origin = Remote {
            name: "origin".into(),
            url: request.url.clone(),
        };
        let scheme = if deployment.url.starts_with("http://") {
            "http"
        } else {
            "https"
        };
        let plan = git_login::plan_login(&origin, scheme, &deployment.host)?;
        git_login::apply_login(target, &plan)?;
    }
    let mut lfs_pulled = false;
    if request.external_storage && crate::storage::gitlfs::ensure_installed().is_ok() {
        // With --no-pull-data later checkouts keep pointers too, until `renku lfs pull`.
        let mut cmd = git(target);
        cmd.args(["lfs", "install", "--local"]);
        if request.no_pull_data {
            cmd.arg("--skip-smudge");
        }
        run(cmd, "set up Git LFS")?;
        if !request.no_pull_data {
            let mut cmd = git(target);
            cmd.args(helper_options).args(["lfs", "pull"]);
            run(cmd, "fetch the Git LFS objects")?;
            lfs_pulled = true;
        }
    }
    if let Some(program) = &request.hook_program
        && let Err(e) = crate::githooks::install(target, program, false)
    {
        tracing::warn!("cannot install the pre-commit hook: {e}");
    }
    Ok(lfs_pulled)
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

//! `renku save`: commit the changed paths (or the given ones) and push the current branch.
//! When the remote branch has moved on, its changes are pulled first; when that conflicts,
//! or the push is refused (a protected branch), the commits go to a new remote branch
//! `renku/autobranch/<branch>/<commit>` and the local branch is reset to its upstream.

use std::path::{Path, PathBuf};

use crate::repo::ProjectDir;
use crate::repo::lfs::LfsTracker;
use crate::storage::attributes;
use crate::{Error, Result};

use super::{git, output, printed, run};

/// Prefix of the branches `renku save` pushes to when the current one cannot take the push.
pub const AUTOBRANCH_PREFIX: &str = "renku/autobranch";
/// Longest branch name `renku save` creates.
const BRANCH_NAME_LIMIT: usize = 250;

/// What `renku save` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct SaveRequest {
    /// The commit message (default: `Saved changes to: <paths>`).
    pub message: Option<String>,
    /// The remote to push to, by name or URL (default: the branch's, or the only one).
    pub destination: Option<String>,
    /// Paths to commit (absolute or relative to the current directory); all changed
    /// paths when empty.
    pub paths: Vec<PathBuf>,
}

/// What `renku save` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    /// The committed paths (empty when there was nothing to commit).
    pub paths: Vec<String>,
    /// The remote branch pushed to.
    pub branch: String,
    /// Whether the push went to a new `renku/autobranch/…` branch.
    pub autobranch: bool,
}

/// Commits and pushes (see the module documentation).
pub fn save(
    external_storage: bool,
    project: &ProjectDir,
    cwd: &Path,
    request: &SaveRequest,
) -> Result<Saved> {
    let root = project.root();
    let g = project.git()?;
    let branch = current_branch(root)?;
    let paths: Vec<String> = if request.paths.is_empty() {
        let mut all: Vec<String> = crate::repo::status::changes(&g)?
            .into_iter()
            .map(|c| c.path)
            .collect();
        all.dedup();
        all
    } else {
        let mut given = Vec::new();
        for p in &request.paths {
            let abs = crate::util::normalize_path(&cwd.join(p));
            let rel = project.relative_path(&abs).ok_or_else(|| {
                Error::Parameter(format!("Path '{}' is not inside the project.", p.display()))
            })?;
            given.push(rel);
        }
        let staged = crate::repo::status::staged_paths(&g)?;
        let not_passed: Vec<&String> = staged
            .iter()
            .filter(|s| !given.iter().any(|p| crate::storage::paths::is_within(s, p)))
            .collect();
        if !not_passed.is_empty() {
            return Err(Error::Failed(format!(
                "These files are in the git staging area, but weren't passed to renku save. Unstage them or pass them explicitly: \n{}",
                not_passed
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            )));
        }
        given
    };
    let remote = match &request.destination {
        Some(d) => Destination::Given(d.clone()),
        None => Destination::Default(default_remote(root, &branch)?.ok_or_else(|| {
            Error::Failed("No remote has been set up for the current branch".into())
        })?),
    };
    setup_credential_helper(root)?;
    let saved = if paths.is_empty() {
        Vec::new()
    } else {
        commit(
            project,
            external_storage,
            &paths,
            request.message.as_deref(),
        )?
    };
    let (pushed, autobranch) = push(root, &branch, &remote)?;
    Ok(Saved {
        paths: saved,
        branch: pushed,
        autobranch,
    })
}

/// Where to push.
enum Destination {
    /// The remote the user named (by name or URL).
    Given(String),
    /// The branch's remote, or the only one.
    Default(String),
}

/// The checked-out branch; fails on a detached HEAD.
fn current_branch(root: &Path) -> Result<String> {
    let mut cmd = git(root);
    cmd.args(["symbolic-ref", "--quiet", "--short", "HEAD"]);
    let out = output(cmd, "read the current branch")?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || name.is_empty() {
        return Err(Error::Failed(
            "Cannot push changes when repository is in detached HEAD state.".into(),
        ));
    }
    Ok(name)
}

/// The names of the repository's remotes.
fn remotes(root: &Path) -> Result<Vec<String>> {
    let mut cmd = git(root);
    cmd.arg("remote");
    Ok(run(cmd, "list the remotes")?
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect())
}

/// A git config value, if set.
fn config(root: &Path, key: &str) -> Result<Option<String>> {
    let mut cmd = git(root);
    cmd.args(["config", "--get", key]);
    let out = output(cmd, "read the git configuration")?;
    let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((out.status.success() && !value.is_empty()).then_some(value))
}

/// The remote of `branch`'s upstream, else the only remote.
fn default_remote(root: &Path, branch: &str) -> Result<Option<String>> {
    let all = remotes(root)?;
    if all.len() == 1 {
        return Ok(all.into_iter().next());
    }
    if all.is_empty() {
        return Ok(None);
    }
    if let Some(tracked) =
        config(root, &format!("branch.{branch}.remote"))?.filter(|r| all.contains(r))
    {
        return Ok(Some(tracked));
    }
    // The backups `renku login` keeps of the remotes it rerouted are not destinations.
    let mut own = all
        .into_iter()
        .filter(|r| !r.starts_with(crate::platform::git_login::BACKUP_PREFIX));
    Ok(match (own.next(), own.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    })
}

/// The branch name `branch` pushes to on its remote (its upstream's), if it has one.
fn upstream_branch(root: &Path, branch: &str) -> Result<Option<String>> {
    Ok(config(root, &format!("branch.{branch}.merge"))?
        .map(|m| m.trim_start_matches("refs/heads/").to_string()))
}

/// Sets `credential.helper` to `cache` when nothing is configured, as the reference does.
fn setup_credential_helper(root: &Path) -> Result<()> {
    if config(root, "credential.helper")?.is_none() {
        let mut cmd = git(root);
        cmd.args(["config", "--local", "credential.helper", "cache"]);
        run(cmd, "set up a credential helper")?;
    }
    Ok(())
}

/// The default commit message: `Saved changes to: ` and the paths, on lines of about 100
/// characters, at most 100 000 characters in all.
fn default_message(paths: &[String]) -> String {
    const LINE: usize = 100;
    const TOTAL: usize = 100_000;
    let mut message = String::from("Saved changes to: ");
    let mut length = message.len();
    let mut first = true;
    for p in paths {
        length += p.len();
        if !first {
            message.push(' ');
        }
        if length >= LINE && !first {
            message.push_str("\n\t");
        }
        message.push_str(p);
        first = false;
    }
    if message.len() > TOTAL {
        let mut cut = TOTAL - 3;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("...");
    }
    message
}

/// Tracks large files in Git LFS, stages `paths` and commits what is staged; returns the
/// committed paths.
fn commit(
    project: &ProjectDir,
    external_storage: bool,
    paths: &[String],
    message: Option<&str>,
) -> Result<Vec<String>> {
    let root = project.root();
    let g = project.git()?;
    let lfs = LfsTracker::new(root, g.repo(), external_storage)?;
    let existing: Vec<String> = paths
        .iter()
        .filter(|p| root.join(p).is_file())
        .cloned()
        .collect();
    let patterns = lfs.patterns_for(g.repo(), &existing)?;
    let mut add: Vec<String> = paths.to_vec();
    if !patterns.is_empty() {
        let text = attributes::read(root)?;
        let new_text = attributes::with_patterns(&text, &patterns);
        crate::util::write_atomic(&root.join(attributes::FILE), new_text.as_bytes(), None)?;
        add.push(attributes::FILE.to_string());
    }
    let mut cmd = git(root);
    cmd.args(["add", "--all", "--"]).args(&add);
    run(cmd, "stage the changes")?;
    let staged = crate::repo::status::staged_paths(&g)?;
    if staged.is_empty() {
        return Ok(Vec::new());
    }
    let message = match message {
        Some(m) => m.to_string(),
        None => default_message(&staged),
    };
    let mut cmd = git(root);
    cmd.args(["commit", "-q", "-m", &message]);
    let out = output(cmd, "commit")?;
    if !out.status.success() {
        return Err(Error::Failed(format!(
            "Cannot commit changes: {}",
            printed(&out)
        )));
    }
    Ok(staged)
}

/// Pushes `branch`; returns the remote branch pushed to and whether it is a new autobranch.
fn push(root: &Path, branch: &str, destination: &Destination) -> Result<(String, bool)> {
    let upstream = upstream_branch(root, branch)?;
    let mut pushed_branch = upstream.clone().unwrap_or_else(|| branch.to_string());
    let remote = match destination {
        Destination::Default(name) => name.clone(),
        Destination::Given(given) => {
            let all = remotes(root)?;
            let mut by_url = None;
            for r in &all {
                if config(root, &format!("remote.{r}.url"))?.as_deref() == Some(given.as_str()) {
                    by_url = Some(r.clone());
                    break;
                }
            }
            match by_url.or_else(|| all.iter().find(|r| *r == given).cloned()) {
                Some(r) => r,
                None => {
                    let name = if all.iter().any(|r| r == "origin") {
                        pushed_branch = crate::util::new_hex_id();
                        crate::util::new_hex_id()
                    } else {
                        "origin".to_string()
                    };
                    let mut cmd = git(root);
                    cmd.args(["remote", "add", &name, given]);
                    run(cmd, "add the remote")?;
                    name
                }
            }
        }
    };
    // Bring in what the remote branch has that we do not.
    let mut merge_conflict = false;
    let tracking = upstream.is_some()
        && config(root, &format!("branch.{branch}.remote"))?.as_deref() == Some(remote.as_str());
    if tracking {
        let mut cmd = git(root);
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .args(["fetch", "-q", &remote]);
        run(cmd, "fetch from the remote")?;
        let mut cmd = git(root);
        cmd.args([
            "pull",
            "-q",
            "--no-rebase",
            "--no-edit",
            &remote,
            &pushed_branch,
        ]);
        let out = output(cmd, "pull from the remote")?;
        if !out.status.success() {
            let mut cmd = git(root);
            cmd.args(["diff", "--name-only", "--diff-filter=U"]);
            let unmerged = run(cmd, "list conflicts")?;
            if unmerged.is_empty() {
                return Err(Error::Failed(format!(
                    "Cannot pull changes from remote: {}",
                    printed(&out)
                )));
            }
            merge_conflict = true;
            let mut cmd = git(root);
            cmd.args(["merge", "--abort"]);
            run(cmd, "abort the merge")?;
        }
    }
    if !merge_conflict {
        let mut cmd = git(root);
        cmd.args(["push", "-q", &remote, &format!("{branch}:{pushed_branch}")]);
        let out = output(cmd, "push")?;
        if out.status.success() {
            return Ok((pushed_branch, false));
        }
        tracing::info!("push refused: {}", printed(&out));
    }
    // A new remote branch for our commits; the local branch goes back to its upstream.
    let mut cmd = git(root);
    cmd.args(["rev-parse", "--short=8", "HEAD"]);
    let short = run(cmd, "read HEAD")?;
    let fixed = AUTOBRANCH_PREFIX.len() + short.len() + 2;
    let mut name = branch.to_string();
    if name.len() + fixed > BRANCH_NAME_LIMIT {
        let mut cut = BRANCH_NAME_LIMIT.saturating_sub(fixed);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    let autobranch = format!("{AUTOBRANCH_PREFIX}/{name}/{short}");
    let mut cmd = git(root);
    cmd.args(["branch", &autobranch]);
    run(cmd, "create a branch for the changes")?;
    let mut cmd = git(root);
    cmd.args([
        "push",
        "-q",
        "--set-upstream",
        &remote,
        &format!("{autobranch}:{autobranch}"),
    ]);
    let out = output(cmd, "push")?;
    if !out.status.success() {
        return Err(Error::Failed(format!(
            "Cannot push changes: {}",
            printed(&out)
        )));
    }
    if tracking {
        let mut cmd = git(root);
        cmd.args([
            "reset",
            "-q",
            "--hard",
            &format!("{remote}/{pushed_branch}"),
        ]);
        run(cmd, "reset the branch to its upstream")?;
    }
    Ok((autobranch, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_messages_list_the_paths_and_wrap() {
        assert_eq!(
            default_message(&["a.txt".into(), "b.txt".into()]),
            "Saved changes to: a.txt b.txt"
        );
        let many: Vec<String> = (0..30).map(|i| format!("file-{i}.txt")).collect();
        let m = default_message(&many);
        assert!(m.contains("\n\t"));
        assert!(m.lines().next().is_some_and(|l| l.len() <= 110));
    }
}

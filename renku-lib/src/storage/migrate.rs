//! `renku lfs migrate`: rewrite the current branch so that files committed to git are in Git
//! LFS, with `git lfs migrate import`.
//!
//! The whole history of the checked-out branch is rewritten (`--include-ref`), also commits
//! that were pushed already (they then need a force push); other branches are not touched.
//! The paths migrated are exact: the command finds them in the history itself (a directory
//! stands for every file below it that ever existed) and hands git-lfs anchored literal
//! patterns, which git-lfs also writes into the rewritten `.gitattributes`. Files matched by
//! `.renkulfsignore` or the protected paths are never migrated. `--all` migrates the files
//! `renku lfs check` reports (at least `renku.lfs_threshold` large).
//!
//! Needs a clean work tree. No extra commit is made; the old history stays reachable
//! through the reflog. If git-lfs fails, the branch, index and work tree are put back.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use super::check::large_files;
use super::history::{self, PointerCache, Scope};
use super::{gitlfs, paths};
use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::repo::lfs::IgnoreRules;
use crate::{Error, Result};

/// What to migrate.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// The large files `renku lfs check` reports for the current branch.
    AllLarge,
    /// These files and directories (absolute, or relative to the current directory).
    Paths(&'a [PathBuf]),
}

/// What a migration will do: decided before anything changes (so that it can be confirmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The branch to rewrite (short name).
    pub branch: String,
    /// The commit the branch is at.
    pub head: gix::ObjectId,
    /// Files of the branch's history to move into LFS (repository-relative, sorted).
    pub files: Vec<String>,
    /// Named files that `.renkulfsignore` keeps out of LFS (not migrated).
    pub excluded: Vec<String>,
}

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The rewritten branch.
    pub branch: String,
    /// The files now in LFS throughout its history.
    pub files: Vec<String>,
    /// The remote the branch tracks, if any: its copy there still has the old history.
    pub upstream: Option<String>,
    /// The branch's new head.
    pub head: gix::ObjectId,
}

/// `rel` as an include pattern for `git lfs migrate` that matches just that path: anchored
/// with `/`, `*` and `?` as one-character classes. git-lfs writes the pattern into
/// `.gitattributes` too, and turns backslashes into slashes there, so paths with `[`, `]`,
/// `\` (or `,`, its list separator) cannot be migrated exactly and are refused.
pub fn include_pattern(rel: &str) -> Result<String> {
    if rel.contains(['[', ']', '\\', ',']) {
        return Err(Error::Parameter(format!(
            "Cannot migrate '{rel}': git lfs migrate cannot select paths containing '[', ']', '\\' or ','."
        )));
    }
    let mut out = String::with_capacity(rel.len() + 2);
    out.push('/');
    for c in rel.chars() {
        match c {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Checks that the project can be migrated (git-lfs installed and set up, a branch checked
/// out, a clean work tree) and finds the files to migrate.
pub fn plan(project: &ProjectDir, selection: Selection<'_>) -> Result<Plan> {
    let root = project.root();
    gitlfs::ensure_installed()?;
    let git = project.git()?;
    gitlfs::ensure_set_up(root, git.repo())?;
    let resolved = match selection {
        Selection::Paths(p) => Some(paths::resolve(project, p)?),
        Selection::AllLarge => None,
    };
    crate::repo::status::ensure_clean(&git)?;
    let repo = git.repo();
    let branch = repo
        .head_name()
        .map_err(|e| Error::git("cannot read HEAD", e))?
        .map(|n| n.shorten().to_string())
        .ok_or_else(|| {
            Error::Failed("HEAD is detached; check out the branch to migrate first.".into())
        })?;
    let Some(head) = git.head_id()? else {
        return Err(Error::Failed(format!(
            "Branch '{branch}' has no commits to migrate."
        )));
    };
    let Some(resolved) = resolved else {
        let files: Vec<String> = large_files(project, Scope::Head)?
            .into_iter()
            .map(|f| f.path)
            .collect();
        for f in &files {
            include_pattern(f)?;
        }
        return Ok(Plan {
            branch,
            head,
            files,
            excluded: Vec::new(),
        });
    };
    let protected = IgnoreRules::protected();
    for p in &resolved {
        if paths::is_git_dir(&p.rel)
            || (!p.rel.is_empty() && protected.is_ignored(&p.rel, p.is_dir))
        {
            return Err(Error::Parameter(format!(
                "Path '{}' is protected.",
                p.given
            )));
        }
    }
    let rules = IgnoreRules::load(root)?;
    let excluded: Vec<String> = resolved
        .iter()
        .filter(|p| !p.is_dir && rules.is_ignored(&p.rel, false))
        .map(|p| p.rel.clone())
        .collect();
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut pointers = PointerCache::default();
    let tips = history::tips(repo, Scope::Head)?;
    history::for_each_blob(repo, &tips, |path, id, size| {
        if size == 0 || found.contains(path) {
            return Ok(());
        }
        let selected = resolved.iter().any(|p| {
            if p.is_dir {
                paths::is_within(path, &p.rel)
            } else {
                path == p.rel
            }
        });
        if !selected || rules.is_ignored(path, false) || pointers.pointer(repo, id, size)?.is_some()
        {
            return Ok(());
        }
        found.insert(path.to_string());
        Ok(())
    })?;
    let files: Vec<String> = found.into_iter().collect();
    for f in &files {
        include_pattern(f)?;
    }
    Ok(Plan {
        branch,
        head,
        files,
        excluded,
    })
}

/// Rewrites the branch of `plan` so that its files are in LFS, then checks their content out.
/// Takes the project lock; fails without changing anything when the branch moved or the work
/// tree changed since the plan was made.
pub fn migrate(ctx: &CommandContext, project: &ProjectDir, plan: &Plan) -> Result<Migrated> {
    let root = project.root();
    let _lock = ctx.lock(root)?;
    let git = project.git()?;
    if git.head_id()? != Some(plan.head) {
        return Err(Error::Failed(
            "The branch moved while the migration was being prepared; nothing was changed.".into(),
        ));
    }
    crate::repo::status::ensure_clean(&git)?;
    let upstream = {
        let config = git.repo().config_snapshot();
        config
            .string(format!("branch.{}.remote", plan.branch).as_str())
            .map(|v| v.to_string())
    };
    if plan.files.is_empty() {
        return Ok(Migrated {
            branch: plan.branch.clone(),
            files: Vec::new(),
            upstream,
            head: plan.head,
        });
    }
    let includes = plan
        .files
        .iter()
        .map(|f| include_pattern(f))
        .collect::<Result<Vec<_>>>()?;
    let args = vec![
        "migrate".to_string(),
        "import".to_string(),
        format!("--include-ref=refs/heads/{}", plan.branch),
        format!("--include={}", includes.join(",")),
        "--yes".to_string(),
    ];
    let result = gitlfs::run(root, &args, None, "Migrating files to Git LFS").and_then(|_| {
        // git-lfs leaves pointer files in the work tree; put the content back.
        gitlfs::run(
            root,
            &["checkout".to_string()],
            None,
            "Checking out the migrated files",
        )
    });
    if let Err(e) = result {
        restore(root, &plan.branch, plan.head);
        return Err(e);
    }
    let head = project
        .git()?
        .head_id()?
        .ok_or_else(|| Error::Failed("The branch has no commits after the migration.".into()))?;
    Ok(Migrated {
        branch: plan.branch.clone(),
        files: plan.files.clone(),
        upstream,
        head,
    })
}

/// Puts the branch, index and work tree back at `head` after a failed migration (best effort:
/// failures are logged, the original error is what the user needs to see).
fn restore(root: &std::path::Path, branch: &str, head: gix::ObjectId) {
    let head = head.to_string();
    for args in [
        vec![
            "update-ref".to_string(),
            format!("refs/heads/{branch}"),
            head.clone(),
        ],
        vec![
            "reset".to_string(),
            "--hard".to_string(),
            "--quiet".to_string(),
            head.clone(),
        ],
    ] {
        match Command::new("git").args(&args).current_dir(root).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => tracing::error!(
                "restoring the branch after a failed migration: git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => tracing::error!("restoring the branch after a failed migration: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_patterns_are_anchored_literals() {
        assert_eq!(include_pattern("big.bin").unwrap(), "/big.bin");
        assert_eq!(include_pattern("a*b?.bin").unwrap(), "/a[*]b[?].bin");
        assert_eq!(include_pattern("sp ace/x").unwrap(), "/sp ace/x");
        for bad in ["x[1].bin", "a,b", "c\\d"] {
            assert!(
                matches!(include_pattern(bad), Err(Error::Parameter(_))),
                "{bad}"
            );
        }
    }
}

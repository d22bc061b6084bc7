//! `renku lfs pull` and `renku lfs push`: moving LFS objects between the project and its LFS
//! server, through `git lfs` (one invocation for all paths, never one per file).

use std::collections::BTreeSet;
use std::path::PathBuf;

use gix::bstr::ByteSlice;

use super::history::{self, PointerCache, Scope};
use super::{gitlfs, paths};
use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::repo::lfs::objects_dir;
use crate::{Error, Result};

/// What `pull` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullOutcome {
    /// `-S/--no-external-storage`: nothing was done.
    Disabled,
    /// The LFS files selected by these include patterns (all of them when empty) were
    /// downloaded as needed and checked out.
    Pulled {
        /// The `--include` patterns given to `git lfs pull`.
        includes: Vec<String>,
    },
}

/// `rel` as a git-lfs include pattern matching exactly that path (or everything below it,
/// for a directory): anchored with `/`, glob characters escaped with a backslash. git-lfs
/// splits its lists at commas, so a path with one cannot be selected.
pub fn include_pattern(rel: &str) -> Result<String> {
    if rel.contains(',') {
        return Err(Error::Parameter(format!(
            "Path '{rel}' contains a comma, which git-lfs cannot select."
        )));
    }
    let mut out = String::with_capacity(rel.len() + 1);
    out.push('/');
    for c in rel.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

/// Downloads (as needed) and checks out the LFS content of `paths` (files or directories; all
/// LFS files of HEAD when empty) with one `git lfs pull`. Takes the project lock; nothing is
/// committed. With `-S` nothing happens.
pub fn pull(ctx: &CommandContext, project: &ProjectDir, paths: &[PathBuf]) -> Result<PullOutcome> {
    let resolved = paths::resolve(project, paths)?;
    if !ctx.external_storage {
        return Ok(PullOutcome::Disabled);
    }
    let root = project.root();
    gitlfs::ensure_installed()?;
    gitlfs::ensure_set_up(root, project.git()?.repo())?;
    let includes = if resolved.iter().any(|p| p.rel.is_empty()) {
        Vec::new()
    } else {
        resolved
            .iter()
            .map(|p| include_pattern(&p.rel))
            .collect::<Result<Vec<_>>>()?
    };
    let _lock = ctx.lock(root)?;
    let mut args = vec!["pull".to_string()];
    if !includes.is_empty() {
        args.push(format!("--include={}", includes.join(",")));
    }
    gitlfs::run(root, &args, None, "Pulling Git LFS objects")?;
    Ok(PullOutcome::Pulled { includes })
}

/// What `push` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// `-S/--no-external-storage`: nothing was done.
    Disabled,
    /// The objects were offered to the remote's LFS server (which takes those it lacks).
    Pushed {
        /// The remote pushed to.
        remote: String,
        /// How many objects of the branch's history were offered.
        objects: usize,
        /// How many objects of the history are not in the local store (not pushed; a clone
        /// that never pulled them does not have them, and the server usually does).
        missing: usize,
    },
}

/// How many object ids go into one `git lfs push --object-id` command line.
const OBJECTS_PER_PUSH: usize = 500;

/// Uploads the LFS objects of the current branch's history that are in the local object
/// store to the LFS server of `remote` (default: the branch's push remote, else the only
/// remote or `origin`). Git commits are not pushed (`git push` does that, and git-lfs's
/// pre-push hook uploads objects too). With `-S` nothing happens.
pub fn push(
    ctx: &CommandContext,
    project: &ProjectDir,
    remote: Option<&str>,
) -> Result<PushOutcome> {
    if !ctx.external_storage {
        return Ok(PushOutcome::Disabled);
    }
    let root = project.root();
    gitlfs::ensure_installed()?;
    let git = project.git()?;
    let repo = git.repo();
    let remote = match remote {
        Some(r) => check_remote(repo, r)?,
        None => default_remote(repo)?,
    };
    let tips = history::tips(repo, Scope::Head)?;
    let mut pointers = PointerCache::default();
    let mut oids: BTreeSet<String> = BTreeSet::new();
    history::for_each_blob(repo, &tips, |_, id, size| {
        if let Some(p) = pointers.pointer(repo, id, size)? {
            oids.insert(p.oid);
        }
        Ok(())
    })?;
    let objects = objects_dir(repo);
    let (present, missing): (Vec<String>, Vec<String>) = oids
        .into_iter()
        .partition(|oid| crate::repo::lfs::object_path(&objects, oid).is_file());
    for chunk in present.chunks(OBJECTS_PER_PUSH) {
        let mut args = vec![
            "push".to_string(),
            "--object-id".to_string(),
            remote.clone(),
        ];
        args.extend(chunk.iter().cloned());
        gitlfs::run(root, &args, None, "Pushing Git LFS objects")?;
    }
    if !missing.is_empty() {
        tracing::info!(
            "{} LFS objects of the history are not in the local store and were not pushed",
            missing.len()
        );
    }
    Ok(PushOutcome::Pushed {
        remote,
        objects: present.len(),
        missing: missing.len(),
    })
}

/// `name` if it is a configured remote or a URL.
fn check_remote(repo: &gix::Repository, name: &str) -> Result<String> {
    let known = repo
        .remote_names()
        .iter()
        .any(|n| n.as_bstr() == name.as_bytes().as_bstr());
    if known || name.contains(':') || name.contains('/') {
        Ok(name.to_string())
    } else {
        Err(Error::Parameter(format!("Remote '{name}' does not exist.")))
    }
}

/// The remote the current branch pushes to: `branch.<name>.pushRemote`, `remote.pushDefault`,
/// `branch.<name>.remote`, else the only remote or `origin`.
pub fn default_remote(repo: &gix::Repository) -> Result<String> {
    let head = repo
        .head_name()
        .map_err(|e| Error::git("cannot read HEAD", e))?;
    if let Some(head) = head {
        let short = head.shorten();
        if let Some(name) = repo.branch_remote_name(short, gix::remote::Direction::Push) {
            let name = name.as_bstr().to_str_lossy().into_owned();
            if name != "." {
                return Ok(name);
            }
        }
    }
    repo.remote_default_name(gix::remote::Direction::Push)
        .map(|n| n.to_str_lossy().into_owned())
        .ok_or(Error::NoRemote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_patterns_are_anchored_and_literal() {
        assert_eq!(include_pattern("data/a.bin").unwrap(), "/data/a.bin");
        assert_eq!(include_pattern("data").unwrap(), "/data");
        assert_eq!(include_pattern("x[1]*.bin").unwrap(), "/x\\[1\\]\\*.bin");
        assert_eq!(include_pattern("sp ace").unwrap(), "/sp ace");
        assert!(matches!(include_pattern("a,b"), Err(Error::Parameter(_))));
    }
}

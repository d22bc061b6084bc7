//! `renku lfs clean` (and the deprecated `renku storage clean`).

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::clean::clean;

use crate::commands::Env;

/// Replace the local content of Git LFS files by their pointer files.
///
/// Frees the space the work-tree copies of PATHS (files, or directories for every LFS file
/// below them) take. Only files committed as LFS pointers and without uncommitted changes are
/// replaced, after making sure their content is in `.git/lfs/objects`, where it stays:
/// `renku lfs pull` brings it back without a download. Nothing is committed.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Files or directories to clean.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

/// Runs `renku lfs clean`.
pub fn run(env: &Env, args: CleanArgs) -> Result<u8> {
    let project = env.project()?;
    let report = clean(&env.ctx, &project, &args.paths)?;
    super::warn_paths(
        "These paths are not stored in Git LFS and were left alone:",
        &report.not_in_lfs,
    );
    super::warn_paths(
        "These paths have uncommitted changes and were left alone:",
        &report.modified,
    );
    crate::outln!("OK");
    Ok(0)
}

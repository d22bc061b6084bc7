//! `renku lfs pull` (and the deprecated `renku storage pull`).

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::transfer::{PullOutcome, pull};

use crate::commands::Env;

/// Pull the content of files stored in Git LFS.
///
/// Downloads what is missing from the LFS server and replaces the pointer files of PATHS
/// (files or directories; every LFS file when none is given) by their content, with one
/// `git lfs pull`. Needs git-lfs. With `-S` nothing is done.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Files or directories to pull.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

/// Runs `renku lfs pull`.
pub fn run(env: &Env, args: PullArgs) -> Result<u8> {
    let project = env.project()?;
    if pull(&env.ctx, &project, &args.paths)? == PullOutcome::Disabled {
        super::say_disabled("pulled");
    }
    Ok(0)
}

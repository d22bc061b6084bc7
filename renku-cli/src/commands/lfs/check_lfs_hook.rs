//! `renku lfs check-lfs-hook` (hidden; the pre-commit hook calls it).

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::check::paths_needing_lfs;

use crate::commands::Env;

/// Print those of the paths that should be stored in Git LFS; exit 1 if there are any.
///
/// A path should be in LFS when it is a file of at least `renku.lfs_threshold` bytes that
/// `.gitattributes` does not put into LFS yet and that `.renkulfsignore` and renku's protected
/// paths do not exclude. With `-S`, none should.
#[derive(Debug, Args)]
pub struct CheckLfsHookArgs {
    /// Paths about to be committed.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

/// Runs `renku lfs check-lfs-hook`.
pub fn run(env: &Env, args: CheckLfsHookArgs) -> Result<u8> {
    let project = env.project()?;
    let paths = paths_needing_lfs(&env.ctx, &project, &args.paths)?;
    if paths.is_empty() {
        return Ok(0);
    }
    crate::outln!("{}", paths.join("\n"));
    Ok(1)
}

//! `renku lfs untrack`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::track::untrack;

use crate::commands::Env;

/// Stop storing files or directories in Git LFS.
///
/// Removes their patterns from `.gitattributes` (the path itself; for a directory also
/// `<dir>/**`, `<dir>/*` and `<dir>/`) and commits it together with the files, whose content
/// is committed to git again (one commit, `renku lfs untrack …`). A file whose content is not
/// present locally must be pulled first. Files that other patterns keep in LFS are reported.
#[derive(Debug, Args)]
pub struct UntrackArgs {
    /// Files or directories to untrack.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

/// Runs `renku lfs untrack`.
pub fn run(env: &Env, args: UntrackArgs) -> Result<u8> {
    let project = env.project()?;
    let report = untrack(&env.ctx, &project, &args.paths)?;
    super::warn_paths(
        "These paths are not tracked in Git LFS:",
        &report.not_tracked,
    );
    super::warn_paths(
        "Other patterns of .gitattributes keep these files in Git LFS:",
        &report.still_tracked,
    );
    if report.commit.is_none() {
        crate::ui::info("Nothing to untrack.");
        return Ok(0);
    }
    super::info_paths("No longer in Git LFS:", &report.patterns);
    crate::outln!("OK");
    Ok(0)
}

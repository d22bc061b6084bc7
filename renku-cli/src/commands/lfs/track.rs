//! `renku lfs track`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::track::{TrackOutcome, track};

use crate::commands::Env;

/// Store files or directories in Git LFS from now on.
///
/// Adds `<path> filter=lfs diff=lfs merge=lfs -text` lines to `.gitattributes` (`<dir>/**`
/// for a directory) and commits them together with the files, which are now committed as LFS
/// pointers while their content goes to `.git/lfs/objects` (one commit, `renku lfs track …`).
/// Whatever their size; files matched by `.renkulfsignore` and symbolic links are left out,
/// renku's protected paths (`.renku`, `.gitattributes`, `Dockerfile`, …) are refused. With
/// `-S` nothing is done.
#[derive(Debug, Args)]
pub struct TrackArgs {
    /// Files or directories to track.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

/// Runs `renku lfs track`.
pub fn run(env: &Env, args: TrackArgs) -> Result<u8> {
    let project = env.project()?;
    let report = match track(&env.ctx, &project, &args.paths)? {
        TrackOutcome::Disabled => {
            super::say_disabled("tracked");
            return Ok(0);
        }
        TrackOutcome::Done(r) => r,
    };
    super::warn_paths(
        "These paths are excluded from Git LFS (.renkulfsignore or protected) and were not tracked:",
        &report.excluded,
    );
    super::warn_paths(
        "Symbolic links are not stored in Git LFS:",
        &report.symlinks,
    );
    super::info_paths("Already in Git LFS:", &report.already_tracked);
    if report.commit.is_none() {
        crate::ui::info("Nothing to track.");
        return Ok(0);
    }
    super::info_paths("Tracking in Git LFS:", &report.patterns);
    crate::outln!("OK");
    Ok(0)
}

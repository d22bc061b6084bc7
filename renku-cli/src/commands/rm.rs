//! `renku rm`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::worktree::remove_paths::remove_paths;

use super::Env;

/// Remove files and directories, from the project and from every dataset that has them.
///
/// Directories are removed with everything in them. The datasets get a new version without
/// the files, the files' own Git LFS patterns leave `.gitattributes`, and the removal is
/// committed. Needs a clean work tree.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Files or directories to remove.
    #[arg(required = true, value_name = "SOURCES")]
    pub sources: Vec<PathBuf>,
}

/// Runs `renku rm`.
pub fn run(env: &Env, args: RmArgs) -> Result<u8> {
    let project = env.project()?;
    let removed = remove_paths(&env.ctx, &project, &env.cwd()?, &args.sources)?;
    for f in &removed.files {
        crate::outln!("rm '{f}'");
    }
    if !removed.remaining_lfs_patterns.is_empty() {
        crate::ui::warning(&format!(
            "There are custom .gitattributes: these Git LFS patterns still match removed files; edit '.gitattributes' if they are no longer needed:\n\t{}",
            removed.remaining_lfs_patterns.join("\n\t")
        ));
    }
    Ok(0)
}

//! `renku save`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::sync::save::{SaveRequest, save};

use super::Env;

/// Commit the changes (or the given paths) and push them.
///
/// Large files go to Git LFS first. The current branch is pushed to its upstream (or the
/// only remote, or -d); changes on the remote branch are pulled first. When they conflict,
/// or the remote refuses the push (a protected branch), the commits are pushed to a new
/// branch `renku/autobranch/<branch>/<commit>` and the local branch is reset to its
/// upstream. Sets `credential.helper` to `cache` when none is configured.
#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Paths to commit (default: everything that changed).
    pub paths: Vec<PathBuf>,
    /// The commit message (default: `Saved changes to: <paths>`).
    #[arg(short = 'm', long)]
    pub message: Option<String>,
    /// The git remote to push to, by name or URL.
    #[arg(short = 'd', long = "destination", value_name = "REMOTE")]
    pub destination: Option<String>,
}

/// Runs `renku save`.
pub fn run(env: &Env, args: SaveArgs) -> Result<u8> {
    let project = env.project()?;
    let request = SaveRequest {
        message: args.message,
        destination: args.destination,
        paths: args.paths,
    };
    let saved = save(env.ctx.external_storage, &project, &env.cwd()?, &request)?;
    if saved.autobranch {
        crate::ui::warning(&format!(
            "The changes could not go to the current remote branch; they were pushed to '{}'.",
            saved.branch
        ));
    }
    if saved.paths.is_empty() {
        crate::outln!("Successfully saved to remote branch {}.", saved.branch);
    } else {
        crate::outln!(
            "Successfully saved to remote branch {}: \n\t{}",
            saved.branch,
            saved.paths.join("\n\t")
        );
    }
    crate::outln!("OK");
    Ok(0)
}

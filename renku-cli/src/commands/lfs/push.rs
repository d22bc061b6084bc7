//! `renku lfs push`.

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::transfer::{PushOutcome, push};

use crate::commands::Env;

/// Push the Git LFS objects of the current branch to the LFS server.
///
/// Uploads the objects of the branch's history that are in `.git/lfs/objects` to the LFS
/// server of REMOTE (default: the branch's push remote, else the only remote or `origin`);
/// the server takes those it lacks. Commits are not pushed: `git push` does that (and
/// git-lfs's pre-push hook uploads objects, too). Needs git-lfs. With `-S` nothing is done.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The remote (name or URL) to push to.
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
}

/// Runs `renku lfs push`.
pub fn run(env: &Env, args: PushArgs) -> Result<u8> {
    let project = env.project()?;
    match push(&env.ctx, &project, args.remote.as_deref())? {
        PushOutcome::Disabled => super::say_disabled("pushed"),
        PushOutcome::Pushed { .. } => crate::outln!("OK"),
    }
    Ok(0)
}

//! `renku githooks install`.

use clap::Args;
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Install renku's pre-commit hook.
///
/// The hook refuses commits of large files that are not in Git LFS (or tracks them with
/// `renku config set autocommit_lfs true`), of changed files the template marks immutable,
/// and of files in dataset data directories that their dataset does not record as they are
/// (unless `check_datadir_files` is false). An existing hook that is not renku's is kept
/// unless --force.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Replace existing hooks.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// Runs `renku githooks install`.
pub fn run(env: &Env, args: InstallArgs) -> Result<u8> {
    let project = env.project()?;
    let renku =
        std::env::current_exe().map_err(|e| Error::io("Cannot find the renku executable", e))?;
    let done = renku_lib::githooks::install(project.root(), &renku, args.force)?;
    for path in &done.skipped {
        crate::ui::warning(&format!("Hook already exists. Skipping {}", path.display()));
    }
    crate::outln!("OK");
    Ok(0)
}

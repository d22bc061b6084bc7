//! `renku lfs migrate` (and the deprecated `renku storage migrate`).

use std::path::PathBuf;

use clap::Args;
use renku_lib::storage::migrate::{Selection, migrate, plan};
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Move files committed to git into Git LFS, rewriting the current branch's history.
///
/// Every commit of the checked-out branch is rewritten with `git lfs migrate import` so that
/// PATHS (files, or directories for every file that ever was below them) are stored in LFS,
/// also in commits that were pushed already (the branch then needs a force push). With
/// `--all`, the large files `renku lfs check` lists are migrated, after confirmation.
/// `.renkulfsignore` and renku's protected paths are respected. Needs git-lfs and a clean work
/// tree; makes no extra commit.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Migrate all large files not in Git LFS.
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Files or directories to migrate.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

/// Runs `renku lfs migrate`.
pub fn run(env: &Env, args: MigrateArgs) -> Result<u8> {
    let project = env.project()?;
    if args.paths.is_empty() && !args.all {
        crate::outln!(
            "Please specify paths to migrate or use the --all flag to migrate all large files."
        );
        return Ok(1);
    }
    let selection = if args.paths.is_empty() {
        Selection::AllLarge
    } else {
        Selection::Paths(&args.paths)
    };
    let plan = plan(&project, selection)?;
    super::warn_paths(
        "These paths are excluded from Git LFS by .renkulfsignore and were not migrated:",
        &plan.excluded,
    );
    if plan.files.is_empty() {
        crate::ui::info("Nothing to migrate: there are no such files outside Git LFS.");
        return Ok(0);
    }
    if matches!(selection, Selection::AllLarge)
        && !args.yes
        && !crate::ui::confirm(&format!(
            "The following files will be moved to Git LFS:\n\t{}\n",
            plan.files.join("\n\t")
        ))
    {
        return Err(Error::Aborted);
    }
    let done = migrate(&env.ctx, &project, &plan)?;
    if let Some(remote) = &done.upstream {
        crate::ui::warning(&format!(
            "The history of branch '{}' was rewritten; '{remote}' still has the old one. Push with 'git push --force-with-lease {remote} {}'.",
            done.branch, done.branch
        ));
    }
    crate::outln!("OK");
    Ok(0)
}
